"""Accounts, credit grants and sites."""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from pressrun.models import (
    Account,
    AutomationConfig,
    AutomationLog,
    AutomationRun,
    BatchItemResult,
    Cluster,
    Content,
    ContentProfile,
    CreditLedger,
    Idea,
    Image,
    ImagePrompt,
    Keyword,
    PublishingSettings,
    RunBatch,
    Site,
    Task,
)
from pressrun.services.site_config import content_profile, default_config, get_or_create_config


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
    """A site with its automation config, publishing settings and content profile taken from
    the defaults."""
    site = Site(account_id=account.id or 0, name=name, url=url, timezone=timezone)
    session.add(site)
    session.flush()
    get_or_create_config(session, site)
    content_profile(session, site.id or 0)
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


def delete_site(session: Session, site: Site) -> None:
    """Delete a site and every row that belongs to it, children before parents."""
    site_id = site.id
    runs = select(AutomationRun.id).where(AutomationRun.site_id == site_id)
    for model, condition in (
        (AutomationLog, col(AutomationLog.run_id).in_(runs)),
        (RunBatch, col(RunBatch.run_id).in_(runs)),
        # Answers a batch kept after its run ended (an attempt still in flight at the end).
        (BatchItemResult, col(BatchItemResult.run_id).in_(runs)),
        (Image, Image.site_id == site_id),
        (ImagePrompt, ImagePrompt.site_id == site_id),
        (Content, Content.site_id == site_id),
        (Task, Task.site_id == site_id),
        (Idea, Idea.site_id == site_id),
        (Keyword, Keyword.site_id == site_id),
        (Cluster, Cluster.site_id == site_id),
        (AutomationRun, AutomationRun.site_id == site_id),
        (AutomationConfig, AutomationConfig.site_id == site_id),
        (PublishingSettings, PublishingSettings.site_id == site_id),
        (ContentProfile, ContentProfile.site_id == site_id),
    ):
        session.execute(sa.delete(model).where(condition))  # type: ignore[arg-type]
    session.execute(
        sa.update(CreditLedger).where(col(CreditLedger.site_id) == site_id).values(site_id=None)
    )
    session.delete(site)
    session.flush()
