"""Accounts (admin) and API keys (each account's own)."""

from __future__ import annotations

from fastapi import APIRouter, status

from pressrun.api.deps import AccountId, Admin, IdPath, SessionDep, StateDep
from pressrun.api.paging import PagingDep, page_of, rows_of
from pressrun.api.responses import AUTH, error_responses
from pressrun.api.schemas.accounts import (
    AccountCreate,
    AccountCreated,
    AccountOut,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    CreditGrant,
)
from pressrun.api.schemas.common import Page
from pressrun.errors import NotFoundError
from pressrun.models import Account, ApiKey
from pressrun.services.accounts import create_account, grant_credits
from pressrun.services.api_keys import issue_key, revoke_key_of

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountCreated,
    responses=error_responses(400, *AUTH),
)
def create(body: AccountCreate, session: SessionDep, _: Admin) -> AccountCreated:
    """Create an account and its first API key (admin). The key is shown only here."""
    account = create_account(session, body.name, body.credits)
    issued = issue_key(session, account.id or 0, "default")
    return AccountCreated(
        account=AccountOut.model_validate(account),
        api_key=ApiKeyCreated.model_validate({**issued.row.model_dump(), "key": issued.key}),
    )


@router.get("/accounts", response_model=Page[AccountOut], responses=error_responses(*AUTH))
def list_accounts(session: SessionDep, _: Admin, paging: PagingDep) -> Page[AccountOut]:
    return page_of(session, Account, [], paging, AccountOut)


@router.post(
    "/accounts/{account_id}/credits",
    response_model=AccountOut,
    responses=error_responses(400, *AUTH, 404),
)
def grant(account_id: IdPath, body: CreditGrant, session: SessionDep, _: Admin) -> AccountOut:
    """Add credits to an account (admin)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"Account {account_id} not found.")
    grant_credits(session, account, body.amount, reason=body.reason)
    return AccountOut.model_validate(account)


@router.get("/account", response_model=AccountOut, responses=error_responses(*AUTH))
def me(session: SessionDep, account_id: AccountId) -> AccountOut:
    """The caller's own account."""
    return AccountOut.model_validate(session.get(Account, account_id))


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=error_responses(400, *AUTH),
)
def create_key(body: ApiKeyCreate, session: SessionDep, account_id: AccountId) -> ApiKeyCreated:
    issued = issue_key(session, account_id, body.name)
    return ApiKeyCreated.model_validate({**issued.row.model_dump(), "key": issued.key})


@router.get("/api-keys", response_model=list[ApiKeyOut], responses=error_responses(*AUTH))
def list_keys(session: SessionDep, account_id: AccountId) -> list[ApiKeyOut]:
    rows = rows_of(session, ApiKey, ApiKey.account_id == account_id)
    return [ApiKeyOut.model_validate(k) for k in rows]


@router.delete(
    "/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTH, 404),
)
def revoke_key(key_id: IdPath, session: SessionDep, account_id: AccountId, state: StateDep) -> None:
    revoke_key_of(session, account_id, key_id)
    state.keys.forget_account_key(key_id)
