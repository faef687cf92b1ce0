"""The demo account of the embedded default: a newcomer gets a working API key at once."""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, col, select

from pressrun.models import Account
from pressrun.services.accounts import create_account, grant_credits
from pressrun.services.api_keys import issue_key, revoke_keys_named

DEMO_ACCOUNT = "Demo account"
DEMO_CREDITS = Decimal("20000")
DEV_KEY_NAME = "dev-console"


def demo_account(session: Session) -> Account:
    """The demo account, created on first use and topped up to the demo credits."""
    account = session.exec(
        select(Account).where(Account.name == DEMO_ACCOUNT).order_by(col(Account.id))
    ).first()
    if account is None:
        return create_account(session, DEMO_ACCOUNT, DEMO_CREDITS)
    if account.credit_balance < DEMO_CREDITS:
        grant_credits(session, account, DEMO_CREDITS - account.credit_balance, reason="demo top-up")
    return account


def fresh_dev_key(session: Session, account: Account) -> str:
    """A new key for the demo account; the one printed by the previous start is revoked."""
    revoke_keys_named(session, account.id or 0, DEV_KEY_NAME)
    return issue_key(session, account.id or 0, DEV_KEY_NAME).key


def local_admin_key(data_dir: Path) -> str:
    """The embedded default's admin key: made once, kept in the data directory."""
    path = data_dir / "admin-api-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = f"pra_{secrets.token_urlsafe(32)}"
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key
