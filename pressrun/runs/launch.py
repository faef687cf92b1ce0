"""Whether a scheduled start may run now, and the record of one that may not."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from pressrun.config import Settings
from pressrun.contracts.launch import LaunchDecision, SkipRecord
from pressrun.contracts.run import RunOptions, run_workflow_id
from pressrun.db import SessionFactory, transaction
from pressrun.models import AutomationConfig, AutomationRun, Site
from pressrun.models.automation import RunStatus
from pressrun.models.base import utcnow
from pressrun.stages.common import add_log

# The spec's block: a site runs at most once a day from its schedule.
BLOCK = timedelta(hours=23)


def check_launch(
    sessions: SessionFactory, settings: Settings, site_id: int, now: datetime
) -> LaunchDecision:
    options = RunOptions.from_settings(settings)
    with transaction(sessions) as session:
        site = session.get(Site, site_id)
        if site is None:
            return LaunchDecision(
                allowed=False, reason=f"site {site_id} no longer exists", record=False
            )
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site_id)
        ).first()
        if config is not None and config.test_mode_enabled:
            # Test mode is an admin's: it runs the site now, disabled schedule or not.
            return LaunchDecision(
                allowed=True, reason="test mode: 23-hour block bypassed", options=options
            )
        if config is None or not config.enabled:
            return LaunchDecision(allowed=False, reason="automation is disabled for this site")
        last = session.exec(
            select(AutomationRun)
            .where(AutomationRun.site_id == site_id, AutomationRun.status != RunStatus.SKIPPED)
            .order_by(col(AutomationRun.started_at).desc())
        ).first()
        if last is not None and now - last.started_at < BLOCK:
            return LaunchDecision(
                allowed=False,
                reason=(
                    f"23-hour block: the previous run {last.id} started at "
                    f"{last.started_at.isoformat()}, less than 23 hours ago"
                ),
            )
    return LaunchDecision(allowed=True, options=options)


def record_skip(sessions: SessionFactory, rec: SkipRecord) -> None:
    """A skipped start, in the run history with its reason (idempotent by run ID)."""
    with transaction(sessions) as session:
        if session.get(AutomationRun, rec.run_id) is not None:
            return
        now = utcnow()
        session.add(
            AutomationRun(
                id=rec.run_id,
                account_id=rec.account_id,
                site_id=rec.site_id,
                workflow_id=run_workflow_id(rec.site_id),
                trigger_type=rec.trigger_type,
                status=RunStatus.SKIPPED,
                current_stage=0,
                started_at=now,
                completed_at=now,
                error_message=rec.reason,
            )
        )
        session.flush()
        add_log(session, rec.run_id, f"Scheduled run skipped: {rec.reason}", level="warning")
