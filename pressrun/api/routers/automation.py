"""The spec's automation endpoints: config, run control, progress, history, logs, estimate.

Progress endpoints read the database only, so they answer while no worker runs; run
control goes through the run's workflow (updates, or signals when no worker answers).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session, col, func, select
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from pressrun.api.deps import QuerySite, SessionDep, SiteIdQuery, StateDep, read_for_site
from pressrun.api.responses import FastJSONResponse
from pressrun.api.scheduling import sync_site_schedule
from pressrun.contracts.run import ControlReply, LiveDetail, PrepareRequest
from pressrun.errors import (
    InsufficientCreditsError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
)
from pressrun.models import AutomationLog, AutomationRun, Site
from pressrun.models.automation import FINISHED_STATUSES, RunStatus
from pressrun.runs import progress
from pressrun.runs.control import new_run_id, start_run
from pressrun.runs.planning import plan_for_site
from pressrun.runs.records import ensure_run_row
from pressrun.services.settings_patch import update_config
from pressrun.services.settings_view import config_json
from pressrun.services.site_config import get_or_create_config
from pressrun.workflows.automation_run import AutomationRunWorkflow

router = APIRouter(prefix="/api/v1/automation", tags=["automation"])

RunIdQuery = Annotated[str, Query(min_length=1, max_length=64)]
TEST_MODE_FIELDS = frozenset({"test_mode_enabled", "test_trigger_at"})


def _run_of_site(session: Session, site_id: int, run_id: str) -> AutomationRun:
    run = session.get(AutomationRun, run_id)
    if run is None or run.site_id != site_id:
        raise NotFoundError(f"Run {run_id} not found for site {site_id}.")
    return run


@router.get("/config/")
def get_config(site: QuerySite, session: SessionDep) -> dict[str, Any]:
    """The site's automation config (created from the defaults on first read)."""
    return config_json(get_or_create_config(session, site))


@router.put("/update_config/")
async def put_config(
    site: QuerySite,
    session: SessionDep,
    state: StateDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Update any of the config's fields; every value is validated and all or none apply.

    Test mode (`test_mode_enabled`, `test_trigger_at`) is an operator's tool, not a
    member's setting: it is refused here."""
    admin_only = sorted(TEST_MODE_FIELDS & body.keys())
    if admin_only:
        raise PermissionDeniedError(f"{', '.join(admin_only)}: test mode is set by an admin.")
    config = update_config(session, get_or_create_config(session, site), body)
    await sync_site_schedule(state, session, site)
    return config_json(config)


@router.post("/run_now/")
async def run_now(site: QuerySite, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """Start a manual run and return its ID at once (409 when one runs, 402 when short)."""
    plan = await asyncio.to_thread(plan_for_site, session, site, state.settings)
    if plan.balance < plan.required:
        raise InsufficientCreditsError(required=plan.required, balance=plan.balance)
    client = await state.temporal()
    run_id = new_run_id()
    started = await start_run(
        client, state.settings, site_id=site.id or 0, account_id=site.account_id, run_id=run_id
    )
    ensure_run_row(
        session,
        PrepareRequest(
            run_id=run_id,
            site_id=site.id or 0,
            account_id=site.account_id,
            workflow_id=started.workflow_id,
            trigger_type="manual",
        ),
        None,
    )
    return {
        "run_id": run_id,
        "workflow_id": started.workflow_id,
        "status": "running",
        "estimate": float(plan.estimate),
        "required": float(plan.required),
        "balance": float(plan.balance),
        "message": "Run started.",
    }


@router.get("/current_run/", response_class=FastJSONResponse)
async def current_run(request: Request, state: StateDep, site_id: SiteIdQuery) -> Response:
    """The run in progress (running or paused), or null."""

    def read(session: Session, site: int) -> dict[str, Any]:
        run = progress.active_run(session, site)
        return {"run": progress.run_summary(run) if run else None}

    return FastJSONResponse(await read_for_site(request, state, site_id, read))


@router.get("/pipeline_overview/", response_class=FastJSONResponse)
async def pipeline_overview(request: Request, state: StateDep, site_id: SiteIdQuery) -> Response:
    return FastJSONResponse(
        await read_for_site(request, state, site_id, progress.pipeline_overview)
    )


@router.get("/current_processing/")
async def current_processing(
    request: Request, state: StateDep, site_id: SiteIdQuery
) -> dict[str, Any]:
    """What the run is doing now, from the database; plus the workflow's own live view when
    a worker answers quickly."""

    def read(session: Session, site: int) -> tuple[dict[str, Any] | None, str | None]:
        run = progress.active_run(session, site)
        if run is None:
            return None, None
        return progress.current_processing(session, run), run.workflow_id

    detail, workflow_id = await read_for_site(request, state, site_id, read)
    if detail is None or workflow_id is None:
        return {"processing": None}
    try:
        client = await state.temporal()
        live: LiveDetail = await client.get_workflow_handle(workflow_id).query(
            AutomationRunWorkflow.live,
            rpc_timeout=timedelta(seconds=state.settings.live_query_timeout_seconds),
        )
        if live.run_id == detail["run_id"]:
            detail["live"] = live.model_dump(mode="json")
    except Exception:  # no worker, or Temporal away: the database view stands alone
        detail["live"] = None
    return {"processing": detail}


@router.get("/run_progress/", response_class=FastJSONResponse)
async def run_progress(
    request: Request,
    state: StateDep,
    site_id: SiteIdQuery,
    run_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The spec's unified progress payload, for `run_id` or the site's current/latest run."""

    def read(session: Session, site: int) -> dict[str, Any]:
        if run_id:
            run: AutomationRun | None = _run_of_site(session, site, run_id)
        else:
            run = progress.active_run(session, site) or progress.latest_run(session, site)
        return progress.run_progress(run) if run else {"run": None}

    return FastJSONResponse(await read_for_site(request, state, site_id, read))


async def _control(
    action: Literal["pause", "resume", "cancel"],
    site: Site,
    run_id: str,
    session: Session,
    state: Any,
) -> JSONResponse:
    run = _run_of_site(session, site.id or 0, run_id)
    if run.status in FINISHED_STATUSES:
        raise InvalidTransitionError(
            f"Cannot {action}: the run has already ended ({run.status}).",
            run_id=run.id,
            status=run.status,
        )
    client = await state.temporal()
    handle = client.get_workflow_handle(run.workflow_id)
    timeout = timedelta(seconds=state.settings.control_timeout_seconds)
    try:
        reply = await handle.execute_update(action, result_type=ControlReply, rpc_timeout=timeout)
    except WorkflowUpdateFailedError as err:
        raise InvalidTransitionError(
            str(getattr(err.cause, "message", err.cause)), run_id=run.id, status=run.status
        ) from err
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        # No worker took the update in time: record the request as a signal, which the
        # server accepts without one, and say so.
        await handle.signal(f"request_{action}")
        return JSONResponse(
            {
                "run_id": run.id,
                "action": action,
                "accepted": True,
                "applied": False,
                "status": run.status,
                "message": f"No worker answered within {timeout.total_seconds():g}s; the "
                f"{action} request is recorded and takes effect when a worker picks the run up.",
            },
            status_code=202,
        )
    except RPCError as err:
        raise InvalidTransitionError(
            f"Cannot {action}: the run's workflow is not running ({err.message}).",
            run_id=run.id,
            status=run.status,
        ) from err
    return JSONResponse(
        {
            "run_id": run.id,
            "action": action,
            "accepted": True,
            "applied": True,
            "status": reply.status,
            "pause_requested": reply.pause_requested,
            "cancel_requested": reply.cancel_requested,
            "message": reply.message,
        }
    )


@router.post("/pause/")
async def pause(
    site: QuerySite, session: SessionDep, state: StateDep, run_id: RunIdQuery
) -> JSONResponse:
    """Pause after the current batch."""
    return await _control("pause", site, run_id, session, state)


@router.post("/resume/")
async def resume(
    site: QuerySite, session: SessionDep, state: StateDep, run_id: RunIdQuery
) -> JSONResponse:
    """Resume a paused run from where it stopped."""
    return await _control("resume", site, run_id, session, state)


@router.post("/cancel/")
async def cancel(
    site: QuerySite, session: SessionDep, state: StateDep, run_id: RunIdQuery
) -> JSONResponse:
    """Cancel after the current batch."""
    return await _control("cancel", site, run_id, session, state)


def _day_bound(value: datetime | date, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.combine(value, time.max if end else time.min)
    return moment.replace(tzinfo=UTC)


@router.get("/history/")
def history(
    site: QuerySite,
    session: SessionDep,
    status: Annotated[RunStatus | None, Query()] = None,
    # `date` first: a plain day must stay a day (to its end for `date_to`), not midnight.
    date_from: Annotated[date | datetime | None, Query()] = None,
    date_to: Annotated[date | datetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Runs, newest first: the last 20 by default, filtered by status and start date."""
    where: list[Any] = [AutomationRun.site_id == site.id]
    if status is not None:
        where.append(AutomationRun.status == status)
    if date_from is not None:
        where.append(col(AutomationRun.started_at) >= _day_bound(date_from, end=False))
    if date_to is not None:
        where.append(col(AutomationRun.started_at) <= _day_bound(date_to, end=True))
    total = session.exec(select(func.count()).select_from(AutomationRun).where(*where)).one()
    runs = session.exec(
        select(AutomationRun)
        .where(*where)
        .order_by(col(AutomationRun.started_at).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return {
        "items": [progress.run_summary(r) for r in runs],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/logs/")
def logs(
    site: QuerySite,
    session: SessionDep,
    run_id: RunIdQuery,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """The run's activity log, oldest first; pass the last `id` as `after_id` to follow it."""
    run = _run_of_site(session, site.id or 0, run_id)
    rows = session.exec(
        select(AutomationLog)
        .where(AutomationLog.run_id == run.id, col(AutomationLog.id) > after_id)
        .order_by(col(AutomationLog.id))
        .limit(limit)
    ).all()
    return {
        "run_id": run.id,
        "items": [
            {
                "id": r.id,
                "stage": r.stage,
                "level": r.level,
                "message": r.message,
                "data": r.data,
                "created_at": r.created_at,
            }
            for r in rows
        ],
        "next_after_id": rows[-1].id if rows else after_id,
    }


@router.get("/estimate/")
def estimate(site: QuerySite, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """Credits a run started now would need, per stage and with the safety buffer."""
    plan = plan_for_site(session, site, state.settings)
    return {
        "site_id": site.id,
        "estimate": float(plan.estimate),
        "buffer": float(state.settings.credit_buffer),
        "required": float(plan.required),
        "balance": float(plan.balance),
        "sufficient": plan.balance >= plan.required,
        "stages": [
            {"number": s.number, "enabled": s.enabled, "estimate": float(s.estimate)}
            for s in plan.stages
        ],
        "initial_snapshot": plan.initial_snapshot,
    }
