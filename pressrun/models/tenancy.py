"""Who owns what: accounts with a credit balance, their sites and their API keys."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from pressrun.models.base import created_at_field, credits_field, datetime_field


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    credit_balance: Decimal = credits_field()
    created_at: datetime = created_at_field()


class Site(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=200)
    url: str = Field(max_length=500)
    timezone: str = Field(default="UTC", max_length=64)
    created_at: datetime = created_at_field()


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(default="default", max_length=100)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=128, unique=True)
    created_at: datetime = created_at_field()
    revoked_at: datetime | None = datetime_field()
