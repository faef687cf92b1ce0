"""Bodies of the credit routes: the balance and the ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class BalanceOut(BaseModel):
    account_id: int
    balance: Decimal


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
