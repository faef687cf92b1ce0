"""Run progress read from the database alone, so it answers while no worker runs.

The shapes are the spec's: `run_progress`, `pipeline_overview`, `current_processing`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from pressrun.contracts.run import RESULT_FIELDS, STAGE_NAMES, RunPlan
from pressrun.models import (
    AutomationLog,
    AutomationRun,
    Cluster,
    Content,
    Idea,
    ImagePrompt,
    Keyword,
    Task,
)
from pressrun.models.automation import RunStatus
from pressrun.models.base import utcnow
from pressrun.runs.planning import capture_snapshot

ACTIVE_STATUSES = (RunStatus.RUNNING, RunStatus.PAUSED)
ENDED_STAGE_STATUSES = frozenset({"completed", "skipped", "partial", "failed"})


def active_run(session: Session, site_id: int) -> AutomationRun | None:
    return session.exec(
        select(AutomationRun)
        .where(AutomationRun.site_id == site_id, col(AutomationRun.status).in_(ACTIVE_STATUSES))
        .order_by(col(AutomationRun.started_at).desc())
    ).first()


def latest_run(session: Session, site_id: int) -> AutomationRun | None:
    return session.exec(
        select(AutomationRun)
        .where(AutomationRun.site_id == site_id)
        .order_by(col(AutomationRun.started_at).desc())
    ).first()


def run_history(
    session: Session,
    site_id: int,
    *,
    status: RunStatus | None = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    limit: int,
    offset: int,
) -> tuple[list[AutomationRun], int]:
    """One page of the site's runs, newest first, and how many match in all."""
    where: list[Any] = [AutomationRun.site_id == site_id]
    if status is not None:
        where.append(AutomationRun.status == status)
    if started_from is not None:
        where.append(col(AutomationRun.started_at) >= started_from)
    if started_to is not None:
        where.append(col(AutomationRun.started_at) <= started_to)
    total = session.exec(select(func.count()).select_from(AutomationRun).where(*where)).one()
    runs = session.exec(
        select(AutomationRun)
        .where(*where)
        .order_by(col(AutomationRun.started_at).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(runs), total


def log_after(session: Session, run_id: str, after_id: int, limit: int) -> list[AutomationLog]:
    """The run's log rows after `after_id`, oldest first."""
    return list(
        session.exec(
            select(AutomationLog)
            .where(AutomationLog.run_id == run_id, col(AutomationLog.id) > after_id)
            .order_by(col(AutomationLog.id))
            .limit(limit)
        ).all()
    )


def stage_result(run: AutomationRun, number: int) -> dict[str, Any]:
    return dict(getattr(run, f"stage_{number}_result") or {})


def _duration(run: AutomationRun) -> int:
    end: datetime = run.completed_at or utcnow()
    return max(0, round((end - run.started_at).total_seconds()))


def _stage_status(run: AutomationRun, number: int) -> str:
    result = stage_result(run, number)
    if "status" in result and result["status"] != "running":
        return str(result["status"])
    if run.current_stage == number and run.status in ACTIVE_STATUSES:
        return "paused" if run.status == RunStatus.PAUSED else "running"
    if run.status in (RunStatus.CANCELLED, RunStatus.FAILED) and number >= run.current_stage:
        return str(run.status) if result else "not_run"
    return "pending"


def run_progress(run: AutomationRun) -> dict[str, Any]:
    """The spec's `run_progress` payload."""
    snapshot = run.initial_snapshot or {}
    plan = RunPlan.model_validate(run.plan) if run.plan else None
    stages = []
    total = completed = 0
    created: dict[int, int] = {}
    for number in STAGE_NAMES:
        result = stage_result(run, number)
        processed_key, created_key = RESULT_FIELDS[number]
        status = _stage_status(run, number)
        processed = int(result.get(processed_key, 0))
        created[number] = int(result.get(created_key, 0))
        if status in ENDED_STAGE_STATUSES:
            # An ended stage takes nothing more in this run: its work is what it did.
            input_count = processed
        else:
            # Items the stage will see: those queued at start plus what the stage feeding
            # it makes during the run (stage 7 reviews the articles of stage 4).
            feeder = 4 if number == 7 else number - 1
            input_count = int(snapshot.get(f"stage_{number}_initial", 0)) + created.get(feeder, 0)
            limit = plan.stage(number).per_run_limit if plan else 0
            if limit > 0:
                input_count = min(input_count, limit)
            if plan and not plan.stage(number).enabled:
                input_count = 0
            input_count = max(input_count, processed)
        stages.append(
            {
                "number": number,
                "name": STAGE_NAMES[number],
                "status": status,
                "input_count": input_count,
                "processed_count": processed,
                "created_count": created[number],
                "batches_run": int(result.get("batches_run", 0)),
                "credits_used": result.get("credits_used", 0),
            }
        )
        total += input_count
        completed += processed
    return {
        "run": {
            "run_id": run.id,
            "status": run.status,
            "current_stage": run.current_stage,
            "trigger_type": run.trigger_type,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "error_message": run.error_message,
        },
        "global_progress": {
            "total_items": total,
            "completed_items": completed,
            "percentage": round(100 * completed / total) if total else 0,
        },
        "stages": stages,
        "metrics": {
            "credits_used": float(run.total_credits_used),
            "estimated_credits": float(run.estimated_credits),
            "duration_seconds": _duration(run),
        },
        "initial_snapshot": {k: v for k, v in snapshot.items()},
    }


def run_summary(run: AutomationRun) -> dict[str, Any]:
    """One run as `history` and `current_run` list it."""
    return {
        "run_id": run.id,
        "site_id": run.site_id,
        "workflow_id": run.workflow_id,
        "trigger_type": run.trigger_type,
        "status": run.status,
        "current_stage": run.current_stage,
        "started_at": run.started_at,
        "paused_at": run.paused_at,
        "resumed_at": run.resumed_at,
        "cancelled_at": run.cancelled_at,
        "completed_at": run.completed_at,
        "total_credits_used": float(run.total_credits_used),
        "estimated_credits": float(run.estimated_credits),
        "initial_snapshot": run.initial_snapshot,
        **{f"stage_{n}_result": getattr(run, f"stage_{n}_result") for n in STAGE_NAMES},
        "error_message": run.error_message,
    }


def _counts(session: Session, model: Any, site_id: int) -> dict[str, int]:
    rows = session.exec(
        select(model.status, func.count()).where(model.site_id == site_id).group_by(model.status)
    ).all()
    return {str(status): int(n) for status, n in rows}


def pipeline_overview(session: Session, site_id: int, max_attempts: int) -> dict[str, Any]:
    """Each stage's pending count (what the next run would take, failed items it would retry
    included) and its items by status."""
    pending = capture_snapshot(session, site_id, max_attempts)
    by_status = {
        1: _counts(session, Keyword, site_id),
        2: _counts(session, Cluster, site_id),
        3: _counts(session, Idea, site_id),
        4: _counts(session, Task, site_id),
        5: _counts(session, Content, site_id),
        6: _counts(session, ImagePrompt, site_id),
        7: _counts(session, Content, site_id),
    }
    return {
        "site_id": site_id,
        "stages": [
            {
                "number": n,
                "name": STAGE_NAMES[n],
                "pending": pending[f"stage_{n}_initial"],
                "items_by_status": by_status[n],
            }
            for n in STAGE_NAMES
        ],
        "total_pending": pending["total_initial_items"],
    }


def last_log(session: Session, run_id: str) -> AutomationLog | None:
    return session.exec(
        select(AutomationLog)
        .where(AutomationLog.run_id == run_id)
        .order_by(col(AutomationLog.id).desc())
    ).first()


def current_processing(session: Session, run: AutomationRun) -> dict[str, Any]:
    stage = run.current_stage
    result = stage_result(run, stage) if 1 <= stage <= 7 else {}
    processed_key, created_key = RESULT_FIELDS.get(stage, ("processed", "created"))
    log = last_log(session, run.id)
    return {
        "run_id": run.id,
        "status": run.status,
        "stage": stage,
        "stage_name": STAGE_NAMES.get(stage),
        "batches_run": int(result.get("batches_run", 0)),
        "processed": int(result.get(processed_key, 0)),
        "created": int(result.get(created_key, 0)),
        "remaining": result.get("remaining"),
        "last_activity": log.message if log else None,
        "last_activity_at": log.created_at if log else None,
        "elapsed_seconds": _duration(run),
        "live": None,
    }


# Each AI stage's items, and the column that names one for a reader.
_FAILABLE: tuple[tuple[int, Any, Any], ...] = (
    (1, Keyword, Keyword.text),
    (2, Cluster, Cluster.name),
    (4, Task, Task.title),
    (5, Content, Content.title),
    (6, ImagePrompt, ImagePrompt.prompt),
)


def failed_items(session: Session, run: AutomationRun, limit: int) -> list[dict[str, Any]]:
    """The failed items whose last failure was in this run, each with its reason and count of
    failures (up to `limit` per stage). An item a later run did, or failed again, is listed
    under that run instead."""
    items: list[dict[str, Any]] = []
    for stage, model, label in _FAILABLE:
        rows = session.exec(
            select(model.id, label, model.error, model.attempts)
            .where(
                model.site_id == run.site_id,
                model.last_run_id == run.id,
                col(model.error).is_not(None),
            )
            .order_by(col(model.id))
            .limit(limit)
        ).all()
        items.extend(
            {
                "stage": stage,
                "stage_name": STAGE_NAMES[stage],
                "item_id": item_id,
                "label": str(text)[:200],
                "error": error,
                "attempts": attempts,
            }
            for item_id, text, error, attempts in rows
        )
    return items
