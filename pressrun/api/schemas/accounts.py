"""Bodies of the account and API-key routes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


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
