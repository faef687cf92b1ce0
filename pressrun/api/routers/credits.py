"""The caller's credit balance and ledger."""

from __future__ import annotations

from fastapi import APIRouter, Query

from pressrun.api.deps import AccountId, SessionDep
from pressrun.api.paging import PagingDep, page_of
from pressrun.api.responses import AUTH, error_responses
from pressrun.api.schemas.common import Page
from pressrun.api.schemas.credits import BalanceOut, LedgerEntry
from pressrun.models import Account, CreditLedger

router = APIRouter(prefix="/api/v1/credits", tags=["credits"], responses=error_responses(*AUTH))


@router.get("", response_model=BalanceOut)
def balance(session: SessionDep, account_id: AccountId) -> BalanceOut:
    account = session.get(Account, account_id)
    assert account is not None
    return BalanceOut(account_id=account_id, balance=account.credit_balance)


@router.get("/ledger", response_model=Page[LedgerEntry])
def ledger(
    session: SessionDep,
    account_id: AccountId,
    paging: PagingDep,
    run_id: str | None = Query(None, max_length=64),
) -> Page[LedgerEntry]:
    """The account's credit movements, newest first; `run_id` keeps one run's."""
    where = [CreditLedger.account_id == account_id]
    if run_id:
        where.append(CreditLedger.run_id == run_id)
    return page_of(session, CreditLedger, where, paging, LedgerEntry, newest_first=True)
