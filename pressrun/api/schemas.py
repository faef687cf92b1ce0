"""Request and response bodies shared by several routers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

T = TypeVar("T")


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_balance: Decimal
    created_at: datetime


class AccountCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    credits: Decimal = Field(default=Decimal("0"), ge=0, max_digits=14, decimal_places=2)


class CreditGrant(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    reason: str = Field(default="grant", max_length=200)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown once, stored only as a hash.")


class ApiKeyCreate(BaseModel):
    name: str = Field(default="default", min_length=1, max_length=100)


class AccountCreated(BaseModel):
    account: AccountOut
    api_key: ApiKeyCreated


class SiteCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: HttpUrl
    timezone: TimeZoneName = "UTC"


class SiteUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    url: HttpUrl | None = None
    timezone: TimeZoneName | None = None


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    name: str
    url: str
    timezone: str
    created_at: datetime


class LedgerEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int | None
    run_id: str | None
    stage: int | None
    amount: Decimal
    balance_after: Decimal
    description: str
    created_at: datetime
