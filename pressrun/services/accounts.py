"""Accounts, credit grants and sites."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlmodel import Session

from pressrun.models import Account, CreditLedger, PublishingSettings, Site
from pressrun.stages.planning import default_config, get_or_create_config


def create_account(session: Session, name: str, credits: Decimal = Decimal("0")) -> Account:
    account = Account(name=name)
    session.add(account)
    session.flush()
    if credits:
        grant_credits(session, account, credits, reason="initial credits")
    return account


def grant_credits(session: Session, account: Account, amount: Decimal, *, reason: str) -> None:
    account.credit_balance = account.credit_balance + amount
    session.add(
        CreditLedger(
            account_id=account.id or 0,
            amount=amount,
            balance_after=account.credit_balance,
            idempotency_key=f"grant:{uuid.uuid4().hex}",
            description=reason,
        )
    )
    session.flush()


def create_site(
    session: Session, account: Account, *, name: str, url: str, timezone: str = "UTC"
) -> Site:
    """A site with its automation config and publishing settings taken from the defaults."""
    site = Site(account_id=account.id or 0, name=name, url=url, timezone=timezone)
    session.add(site)
    session.flush()
    get_or_create_config(session, site)
    defaults = default_config(session)
    session.add(
        PublishingSettings(
            site_id=site.id or 0,
            auto_approval_enabled=defaults.auto_approval_enabled,
            auto_publish_enabled=defaults.auto_publish_enabled,
            daily_publish_limit=defaults.daily_publish_limit,
            publish_days=list(defaults.publish_days),
            time_slots=list(defaults.publish_time_slots),
        )
    )
    session.flush()
    return site
