"""The spec's automation endpoints: config, run control, progress, history, logs, estimate.

Progress endpoints read the database only, so they answer while no worker runs; run
control goes through the run's workflow (updates, or signals when no worker answers).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from pressrun.api.deps import (
    MAX_ID,
    QuerySite,
    SessionDep,
    SiteIdQuery,
    StateDep,
    read_for_site,
)
from pressrun.api.responses import ACCOUNT, FastJSONResponse, error_responses
from pressrun.api.scheduling import sync_site_schedule
from pressrun.api.schemas.automation import (
    CONFIG_PATCH_BODY,
    AutomationConfigOut,
    ControlAppliedOut,
    ControlRecordedOut,
    CurrentProcessingOut,
    CurrentRunOut,
    EstimateOut,
    FailedItemOut,
    FailedItemsOut,
    LogEntryOut,
    LogsOut,
    PipelineOverviewOut,
    ProcessingOut,
    RunProgressOut,
    RunStartedOut,
    RunSummaryOut,
    StageEstimateOut,
)
from pressrun.api.schemas.common import Page
from pressrun.api.state import ApiState
from pressrun.contracts.run import ControlAction
from pressrun.errors import PermissionDeniedError
from pressrun.models import AutomationRun
from pressrun.models.automation import RunStatus
from pressrun.runs import control, progress
from pressrun.runs.planning import plan_for_site
from pressrun.services.settings_patch import update_config
from pressrun.services.settings_view import config_json
from pressrun.services.site_config import get_or_create_config

router = APIRouter(
    prefix="/api/v1/automation", tags=["automation"], responses=error_responses(*ACCOUNT)
)

RunIdQuery = Annotated[str, Query(min_length=1, max_length=64)]
TEST_MODE_FIELDS = frozenset({"test_mode_enabled", "test_trigger_at"})
CONTROL_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ControlRecordedOut,
        "description": "No worker answered in time: the request is recorded as a signal.",
    },
    **error_responses(409, 503),
}


@router.get("/config/", response_model=AutomationConfigOut)
def get_config(site: QuerySite, session: SessionDep) -> dict[str, Any]:
    """The site's automation config (created from the defaults on first read)."""
    return config_json(get_or_create_config(session, site))


@router.put(
    "/update_config/",
    response_model=AutomationConfigOut,
    responses=error_responses(400, 503),
    openapi_extra=CONFIG_PATCH_BODY,
)
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


@router.post("/run_now/", response_model=RunStartedOut, responses=error_responses(402, 409, 503))
async def run_now(site: QuerySite, session: SessionDep, state: StateDep) -> RunStartedOut:
    """Start a manual run and return its ID at once (409 when one runs, 402 when short)."""
    started = await control.start_manual_run(state.temporal, session, state.settings, site)
    return RunStartedOut(
        run_id=started.run_id,
        workflow_id=started.workflow_id,
        status="running",
        estimate=float(started.plan.estimate),
        required=float(started.plan.required),
        balance=float(started.plan.balance),
        message="Run started.",
    )


@router.get("/current_run/", response_class=FastJSONResponse, response_model=CurrentRunOut)
async def current_run(request: Request, state: StateDep, site_id: SiteIdQuery) -> Response:
    """The run in progress (running or paused), or null."""

    def read(session: Session, site: int) -> dict[str, Any]:
        run = progress.active_run(session, site)
        return {"run": progress.run_summary(run) if run else None}

    return FastJSONResponse(await read_for_site(request, state, site_id, read))


@router.get(
    "/pipeline_overview/", response_class=FastJSONResponse, response_model=PipelineOverviewOut
)
async def pipeline_overview(request: Request, state: StateDep, site_id: SiteIdQuery) -> Response:
    return FastJSONResponse(
        await read_for_site(
            request,
            state,
            site_id,
            lambda s, sid: progress.pipeline_overview(s, sid, state.settings.item_max_attempts),
        )
    )


@router.get("/current_processing/", response_model=CurrentProcessingOut)
async def current_processing(
    request: Request, state: StateDep, site_id: SiteIdQuery
) -> CurrentProcessingOut:
    """What the run is doing now, from the database; plus the workflow's own live view when
    a worker answers quickly."""

    def read(session: Session, site: int) -> tuple[dict[str, Any] | None, str | None]:
        run = progress.active_run(session, site)
        if run is None:
            return None, None
        return progress.current_processing(session, run), run.workflow_id

    detail, workflow_id = await read_for_site(request, state, site_id, read)
    if detail is None or workflow_id is None:
        return CurrentProcessingOut(processing=None)
    live = await control.live_detail(
        state.temporal,
        workflow_id,
        timeout=timedelta(seconds=state.settings.live_query_timeout_seconds),
    )
    processing = ProcessingOut.model_validate(detail)
    if live is not None and live.run_id == processing.run_id:
        processing.live = live
    return CurrentProcessingOut(processing=processing)


@router.get("/run_progress/", response_class=FastJSONResponse, response_model=RunProgressOut)
async def run_progress(
    request: Request,
    state: StateDep,
    site_id: SiteIdQuery,
    run_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The spec's unified progress payload, for `run_id` or the site's current/latest run."""

    def read(session: Session, site: int) -> dict[str, Any]:
        if run_id:
            run: AutomationRun | None = control.run_of_site(session, site, run_id)
        else:
            run = progress.active_run(session, site) or progress.latest_run(session, site)
        return progress.run_progress(run) if run else {"run": None}

    return FastJSONResponse(await read_for_site(request, state, site_id, read))


async def _control(
    action: ControlAction, site_id: int, run_id: str, session: Session, state: ApiState
) -> ControlAppliedOut | JSONResponse:
    result = await control.control_run(
        state.temporal, state.settings, session, site_id=site_id, run_id=run_id, action=action
    )
    if isinstance(result, control.ControlRecorded):
        recorded = ControlRecordedOut(
            run_id=result.run_id,
            action=action,
            accepted=True,
            applied=False,
            status=result.status,
            message=f"No worker answered within {result.waited.total_seconds():g}s; the "
            f"{action} request is recorded and takes effect when a worker picks the run up.",
        )
        return JSONResponse(recorded.model_dump(mode="json"), status_code=202)
    reply = result.reply
    return ControlAppliedOut(
        run_id=result.run_id,
        action=action,
        accepted=True,
        applied=True,
        status=reply.status,
        pause_requested=reply.pause_requested,
        cancel_requested=reply.cancel_requested,
        message=reply.message,
    )


@router.post("/pause/", response_model=ControlAppliedOut, responses=CONTROL_RESPONSES)
async def pause(
    site: QuerySite, session: SessionDep, state: StateDep, run_id: RunIdQuery
) -> ControlAppliedOut | JSONResponse:
    """Pause after the current batch."""
    return await _control("pause", site.id or 0, run_id, session, state)


@router.post("/resume/", response_model=ControlAppliedOut, responses=CONTROL_RESPONSES)
async def resume(
    site: QuerySite, session: SessionDep, state: StateDep, run_id: RunIdQuery
) -> ControlAppliedOut | JSONResponse:
    """Resume a paused run from where it stopped."""
    return await _control("resume", site.id or 0, run_id, session, state)


@router.post("/cancel/", response_model=ControlAppliedOut, responses=CONTROL_RESPONSES)
async def cancel(
    site: QuerySite, session: SessionDep, state: StateDep, run_id: RunIdQuery
) -> ControlAppliedOut | JSONResponse:
    """Cancel after the current batch."""
    return await _control("cancel", site.id or 0, run_id, session, state)


def _day_bound(value: datetime | date, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.combine(value, time.max if end else time.min)
    return moment.replace(tzinfo=UTC)


@router.get("/history/", response_model=Page[RunSummaryOut])
def history(
    site: QuerySite,
    session: SessionDep,
    status: Annotated[RunStatus | None, Query()] = None,
    # `date` first: a plain day must stay a day (to its end for `date_to`), not midnight.
    date_from: Annotated[date | datetime | None, Query()] = None,
    date_to: Annotated[date | datetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Page[RunSummaryOut]:
    """Runs, newest first: the last 20 by default, filtered by status and start date."""
    runs, total = progress.run_history(
        session,
        site.id or 0,
        status=status,
        started_from=_day_bound(date_from, end=False) if date_from is not None else None,
        started_to=_day_bound(date_to, end=True) if date_to is not None else None,
        limit=limit,
        offset=offset,
    )
    return Page(
        items=[RunSummaryOut.model_validate(progress.run_summary(r)) for r in runs],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/logs/", response_model=LogsOut)
def logs(
    site: QuerySite,
    session: SessionDep,
    run_id: RunIdQuery,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> LogsOut:
    """The run's activity log, oldest first; pass the last `id` as `after_id` to follow it."""
    run = control.run_of_site(session, site.id or 0, run_id)
    rows = progress.log_after(session, run.id, after_id, limit)
    return LogsOut(
        run_id=run.id,
        items=[
            LogEntryOut(
                id=r.id or 0,
                stage=r.stage,
                level=r.level,
                message=r.message,
                data=r.data,
                created_at=r.created_at,
            )
            for r in rows
        ],
        next_after_id=(rows[-1].id or 0) if rows else after_id,
    )


@router.get("/failed_items/", response_model=FailedItemsOut)
def failed_items(
    site: QuerySite,
    session: SessionDep,
    state: StateDep,
    run_id: RunIdQuery,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many per stage.")] = 200,
) -> FailedItemsOut:
    """The failed items whose last failure was in this run, with why and how often."""
    run = control.run_of_site(session, site.id or 0, run_id)
    return FailedItemsOut(
        run_id=run.id,
        max_attempts=state.settings.item_max_attempts,
        items=[FailedItemOut.model_validate(i) for i in progress.failed_items(session, run, limit)],
    )


@router.get("/estimate/", response_model=EstimateOut)
def estimate(site: QuerySite, session: SessionDep, state: StateDep) -> EstimateOut:
    """Credits a run started now would need, per stage and with the safety buffer."""
    plan = plan_for_site(session, site, state.settings)
    return EstimateOut(
        site_id=site.id or 0,
        estimate=float(plan.estimate),
        buffer=float(state.settings.credit_buffer),
        required=float(plan.required),
        balance=float(plan.balance),
        sufficient=plan.balance >= plan.required,
        stages=[
            StageEstimateOut(number=s.number, enabled=s.enabled, estimate=float(s.estimate))
            for s in plan.stages
        ],
        initial_snapshot=plan.initial_snapshot,
    )
