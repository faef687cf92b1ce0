"""Bodies of the account and API-key routes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_balance: Decimal
    created_at: datetime


def _credits_schema(*, minimum: str, string: str) -> WithJsonSchema:
    """Credits as a JSON number or a decimal string: up to 12 digits, and 2 after the point."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", minimum: 0, "maximum": 999_999_999_999.99, "multipleOf": 0.01},
                {"type": "string", "pattern": string},
            ]
        }
    )


class AccountCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    credits: Annotated[
        Decimal,
        Field(ge=0, max_digits=14, decimal_places=2),
        _credits_schema(minimum="minimum", string=r"^([1-9][0-9]{0,11}|0)(\.[0-9]{1,2})?$"),
    ] = Decimal("0")


class CreditGrant(BaseModel):
    amount: Annotated[
        Decimal,
        Field(gt=0, max_digits=14, decimal_places=2),
        _credits_schema(
            minimum="exclusiveMinimum",
            string=r"^([1-9][0-9]{0,11}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$",
        ),
    ]
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
