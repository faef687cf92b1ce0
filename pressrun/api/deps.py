"""Request dependencies: app state, a database session, the caller (auth) and their site."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlmodel import Session

from pressrun.api.state import ApiState
from pressrun.config import Settings
from pressrun.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from pressrun.models import Site
from pressrun.services.api_keys import find_key


def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.pressrun
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One session per request; committed when the handler returns, rolled back on error."""
    session = state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Committed before the response is sent: a client that sees 2xx finds the change stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Caller:
    account_id: int | None
    is_admin: bool
    key_id: int | None = None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Missing API key: send `Authorization: Bearer <key>`.")
    return token.strip()


def resolve_caller(request: Request, settings: Settings, session: Session) -> Caller:
    token = _bearer(request)
    admin = settings.admin_api_key
    if admin is not None and hmac.compare_digest(token, admin.get_secret_value()):
        return Caller(account_id=None, is_admin=True)
    key = find_key(session, token)
    if key is None:
        raise AuthenticationError("Invalid or revoked API key.")
    return Caller(account_id=key.account_id, is_admin=False, key_id=key.id)


def get_caller(request: Request, state: StateDep, session: SessionDep) -> Caller:
    return resolve_caller(request, state.settings, session)


CallerDep = Annotated[Caller, Depends(get_caller)]


def account_of(caller: Caller) -> int:
    if caller.account_id is None:
        raise PermissionDeniedError(
            "The admin key manages accounts; use an account's API key for this route."
        )
    return caller.account_id


def require_account(caller: CallerDep) -> int:
    return account_of(caller)


def require_admin(caller: CallerDep) -> Caller:
    if not caller.is_admin:
        raise PermissionDeniedError("This route needs the admin API key.")
    return caller


AccountId = Annotated[int, Depends(require_account)]
Admin = Annotated[Caller, Depends(require_admin)]


def owned_site(session: Session, account_id: int, site_id: int) -> Site:
    """The caller's site; another account's site is indistinguishable from a missing one."""
    site = session.get(Site, site_id)
    if site is None or site.account_id != account_id:
        raise NotFoundError(f"Site {site_id} not found.")
    return site


def site_from_query(
    session: SessionDep, account_id: AccountId, site_id: Annotated[int, Query(gt=0)]
) -> Site:
    return owned_site(session, account_id, site_id)


def site_from_path(session: SessionDep, account_id: AccountId, site_id: int) -> Site:
    return owned_site(session, account_id, site_id)


QuerySite = Annotated[Site, Depends(site_from_query)]
PathSite = Annotated[Site, Depends(site_from_path)]
