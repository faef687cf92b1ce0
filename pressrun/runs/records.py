"""The run row and its log: created when a run starts, updated as it moves, closed when it ends."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pressrun.config import Settings
from pressrun.contracts.run import (
    STAGE_NAMES,
    FinishRequest,
    PrepareRequest,
    RunPlan,
    StageRecord,
    StatusChange,
)
from pressrun.db import SessionFactory, transaction
from pressrun.errors import NotFoundError
from pressrun.models import Account, AutomationConfig, AutomationRun, BatchItemResult, Site
from pressrun.models.automation import RunStatus
from pressrun.models.base import utcnow
from pressrun.runs.planning import build_plan, capture_snapshot
from pressrun.services.site_config import get_or_create_config, writing_profile
from pressrun.stages.common import add_log


def ensure_run_row(session: Session, req: PrepareRequest, config_id: int | None) -> AutomationRun:
    """The run's row, created by whichever comes first: the API after starting, or the run."""
    run = session.get(AutomationRun, req.run_id)
    if run is not None:
        return run
    run = AutomationRun(
        id=req.run_id,
        account_id=req.account_id,
        site_id=req.site_id,
        config_id=config_id,
        workflow_id=req.workflow_id,
        trigger_type=req.trigger_type,
        status=RunStatus.RUNNING,
        current_stage=0,
    )
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        found = session.get(AutomationRun, req.run_id)
        assert found is not None
        return found
    return run


def prepare_run(sessions: SessionFactory, settings: Settings, req: PrepareRequest) -> RunPlan:
    """Create the run row (once), snapshot the queues and price the run.

    Idempotent: a retry returns the plan stored on the row, so the snapshot stays the one
    taken when the run really started.
    """
    with transaction(sessions) as session:
        site = session.get(Site, req.site_id)
        if site is None or site.account_id != req.account_id:
            raise NotFoundError(f"site {req.site_id} not found for account {req.account_id}")
        config = get_or_create_config(session, site)
        account = session.get(Account, req.account_id)
        if account is None:
            raise NotFoundError(f"account {req.account_id} not found")
        run = session.get(AutomationRun, req.run_id)
        if run is not None and run.plan:
            return RunPlan.model_validate(run.plan)
        snapshot = capture_snapshot(session, site.id or 0, settings.item_max_attempts)
        words = writing_profile(session, site.id or 0).target_words
        plan = build_plan(config, snapshot, account.credit_balance, settings, words)
        run = ensure_run_row(session, req, config.id)
        run.current_stage = 1
        run.estimated_credits = plan.required
        run.initial_snapshot = snapshot
        run.plan = plan.model_dump(mode="json")
        config.last_run_at = run.started_at
        session.flush()
        add_log(
            session,
            run.id,
            f"Run started ({req.trigger_type}): {snapshot['total_initial_items']} items queued, "
            f"estimate {plan.estimate} credits ({plan.required} with buffer), "
            f"balance {plan.balance}",
            data={"snapshot": snapshot},
        )
        return plan


def _run(session: Session, run_id: str) -> AutomationRun:
    run = session.get(AutomationRun, run_id)
    if run is None:
        raise NotFoundError(f"run {run_id} not found")
    return run


def record_stage(sessions: SessionFactory, rec: StageRecord) -> None:
    """Save a stage's final result JSON (completed, skipped, partial or failed)."""
    with transaction(sessions) as session:
        run = _run(session, rec.run_id)
        number = rec.progress.number
        setattr(run, f"stage_{number}_result", rec.progress.result())
        run.current_stage = number
        run.updated_at = utcnow()
        add_log(
            session,
            run.id,
            f"Stage {number} ({STAGE_NAMES[number]}) {rec.progress.status}: {rec.message}",
            stage=number,
            level="warning" if rec.progress.status in ("partial", "failed") else "info",
            data=rec.progress.result(),
        )


def set_status(sessions: SessionFactory, change: StatusChange) -> None:
    with transaction(sessions) as session:
        run = _run(session, change.run_id)
        if run.status == change.status:
            return
        now = utcnow()
        if change.status == "paused":
            run.paused_at = now
        elif change.status == "running" and run.status == RunStatus.PAUSED:
            run.resumed_at = now
        run.status = change.status
        run.updated_at = now
        add_log(session, run.id, change.message, stage=run.current_stage or None)


def finish_run(sessions: SessionFactory, req: FinishRequest) -> None:
    with transaction(sessions) as session:
        run = _run(session, req.run_id)
        now = utcnow()
        if run.status not in (RunStatus.COMPLETED, RunStatus.CANCELLED, RunStatus.FAILED):
            run.status = req.status
            if req.status == "cancelled":
                run.cancelled_at = now
            run.completed_at = now
            run.error_message = req.error_message
            run.updated_at = now
            add_log(
                session,
                run.id,
                f"Run {req.status}" + (f": {req.error_message}" if req.error_message else ""),
                level="error" if req.status == "failed" else "info",
            )
        # Answers kept for batches that never committed (the run failed or was cancelled
        # mid-batch): no attempt of them will come again. Their items stay in the queue.
        session.execute(sa.delete(BatchItemResult).where(col(BatchItemResult.run_id) == req.run_id))
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == req.site_id)
        ).first()
        if config is not None:
            config.last_run_at = run.started_at
