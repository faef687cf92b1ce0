"""The credit ledger: one row per charge or grant, keyed so a retried batch cannot charge twice."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from pressrun.models.base import created_at_field, credits_field


class CreditLedger(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    run_id: str | None = Field(default=None, max_length=64, index=True)
    stage: int | None = None
    # Negative for a charge, positive for a grant.
    amount: Decimal = credits_field()
    balance_after: Decimal = credits_field()
    idempotency_key: str = Field(max_length=200, unique=True)
    description: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()
