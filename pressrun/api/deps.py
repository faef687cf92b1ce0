"""Request dependencies: app state, a database session, the caller (auth) and their site."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Query, Request
from sqlmodel import Session

from pressrun.api.state import ApiState
from pressrun.db import transaction
from pressrun.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from pressrun.models import Site
from pressrun.services.api_keys import find_key, hash_key

T = TypeVar("T")

# IDs are positive and fit the databases' 64-bit integers: the bounds are declared, so a
# larger number is refused (422) as the document says rather than by the database.
MAX_ID = 2**63 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


async def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.pressrun
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One session per request; committed when the handler returns, rolled back on error."""
    with transaction(state.sessions) as session:
        yield session


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
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("Missing API key: send `Authorization: Bearer <key>`.")
    # Issued keys are printable ASCII; anything else cannot match one.
    if not (token.isascii() and token.isprintable()):
        raise AuthenticationError("Invalid or revoked API key.")
    return token


def resolve_caller(request: Request, state: ApiState, session: Session) -> Caller:
    token = _bearer(request)
    admin = state.settings.admin_api_key
    if admin is not None and hmac.compare_digest(token.encode(), admin.get_secret_value().encode()):
        return Caller(account_id=None, is_admin=True)
    digest = hash_key(token)
    cached = state.keys.get(digest)
    if cached is not None:
        return Caller(account_id=cached[0], is_admin=False, key_id=cached[1])
    key = find_key(session, token)
    if key is None:
        raise AuthenticationError("Invalid or revoked API key.")
    state.keys.put(digest, key.account_id, key.id or 0)
    return Caller(account_id=key.account_id, is_admin=False, key_id=key.id)


def get_caller(request: Request, state: StateDep, session: SessionDep) -> Caller:
    return resolve_caller(request, state, session)


CallerDep = Annotated[Caller, Depends(get_caller)]


def account_of(caller: Caller) -> int:
    if caller.account_id is None:
        raise PermissionDeniedError(
            "The admin key manages accounts; use an account's API key for this route."
        )
    return caller.account_id


async def require_account(caller: CallerDep) -> int:
    # async: pure checks run on the event loop, sparing a thread-pool hop per request.
    return account_of(caller)


async def require_admin(caller: CallerDep) -> Caller:
    if not caller.is_admin:
        raise PermissionDeniedError("This route needs the admin API key.")
    return caller


AccountId = Annotated[int, Depends(require_account)]
SiteIdQuery = Annotated[int, Query(ge=1, le=MAX_ID)]
Admin = Annotated[Caller, Depends(require_admin)]


def owned_site(session: Session, account_id: int, site_id: int) -> Site:
    """The caller's site; another account's site is indistinguishable from a missing one."""
    site = session.get(Site, site_id)
    if site is None or site.account_id != account_id:
        raise NotFoundError(f"Site {site_id} not found.")
    return site


def site_from_query(session: SessionDep, account_id: AccountId, site_id: SiteIdQuery) -> Site:
    return owned_site(session, account_id, site_id)


def site_from_path(session: SessionDep, account_id: AccountId, site_id: IdPath) -> Site:
    return owned_site(session, account_id, site_id)


QuerySite = Annotated[Site, Depends(site_from_query)]
PathSite = Annotated[Site, Depends(site_from_path)]


# Hot read paths (dashboards poll them) avoid FastAPI's per-dependency thread hops: the
# caller, the site and the read share one session on one worker thread.


async def read_for_site(
    request: Request, state: ApiState, site_id: int, fn: Callable[[Session, int], T]
) -> T:
    """Authenticate, check the site belongs to the caller, then run `fn(session, site_id)`."""

    def work() -> T:
        with transaction(state.sessions) as session:
            caller = resolve_caller(request, state, session)
            site = owned_site(session, account_of(caller), site_id)
            return fn(session, site.id or 0)

    return await asyncio.to_thread(work)
