"""API keys: generated once, shown once, stored as a hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from pressrun.errors import NotFoundError
from pressrun.models import ApiKey
from pressrun.models.base import utcnow


def hash_key(key: str) -> str:
    # Keys are 256-bit random secrets: a fast hash is enough, no salt or stretching needed.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    row: ApiKey
    key: str


def issue_key(session: Session, account_id: int, name: str = "default") -> IssuedKey:
    prefix = secrets.token_hex(4)
    key = f"pr_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(account_id=account_id, name=name, prefix=prefix, key_hash=hash_key(key))
    session.add(row)
    session.flush()
    return IssuedKey(row=row, key=key)


def find_key(session: Session, key: str) -> ApiKey | None:
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke_keys_named(session: Session, account_id: int, name: str) -> None:
    for row in session.exec(
        select(ApiKey).where(ApiKey.account_id == account_id, ApiKey.name == name)
    ):
        if row.revoked_at is None:
            row.revoked_at = utcnow()


def revoke_key_of(session: Session, account_id: int, key_id: int) -> ApiKey:
    """Revoke one of the account's keys (again is no change); another account's is not found."""
    key = session.get(ApiKey, key_id)
    if key is None or key.account_id != account_id:
        raise NotFoundError(f"API key {key_id} not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key
