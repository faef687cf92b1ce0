"""The caller's credit balance and ledger."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Query
from sqlmodel import col, func, select

from pressrun.api.deps import AccountId, SessionDep
from pressrun.api.schemas import LedgerEntry, Page
from pressrun.models import Account, CreditLedger

router = APIRouter(prefix="/api/v1/credits", tags=["credits"])


@router.get("")
def balance(session: SessionDep, account_id: AccountId) -> dict[str, Decimal | int]:
    account = session.get(Account, account_id)
    assert account is not None
    return {"account_id": account_id, "balance": account.credit_balance}


@router.get("/ledger", response_model=Page[LedgerEntry])
def ledger(
    session: SessionDep,
    account_id: AccountId,
    run_id: str | None = Query(None, max_length=64),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[LedgerEntry]:
    where = [CreditLedger.account_id == account_id]
    if run_id:
        where.append(CreditLedger.run_id == run_id)
    total = session.exec(select(func.count()).select_from(CreditLedger).where(*where)).one()
    rows = session.exec(
        select(CreditLedger)
        .where(*where)
        .order_by(col(CreditLedger.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return Page(
        items=[LedgerEntry.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )
