"""Starting and steering runs from outside a workflow (CLI, API): the per-site lock, manual starts
with their credit check, pause / resume / cancel, the workflow's live view, test triggers.

The run workflow is addressed by its contract names (`RUN_WORKFLOW`, its updates, signals and
query), so nothing here imports workflow code.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from pressrun.config import Settings
from pressrun.contracts.launch import LAUNCHER_WORKFLOW, LaunchInput
from pressrun.contracts.run import (
    LIVE_QUERY,
    RUN_WORKFLOW,
    ControlAction,
    ControlReply,
    LiveDetail,
    PrepareRequest,
    RunInput,
    RunOptions,
    RunOutcome,
    RunPlan,
    control_signal,
    run_workflow_id,
)
from pressrun.contracts.search_attributes import run_labels
from pressrun.errors import (
    InsufficientCreditsError,
    InvalidTransitionError,
    NotFoundError,
    RunAlreadyActiveError,
    TemporalUnavailableError,
    UpdateNotAnsweredError,
    UpdateRejectedError,
    WorkflowNotRunningError,
)
from pressrun.models import AutomationRun, Site
from pressrun.models.automation import FINISHED_STATUSES
from pressrun.runs.planning import plan_for_site
from pressrun.runs.records import ensure_run_row
from pressrun.temporal_client import ClientSource, execute_update


def new_run_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class StartedRun:
    run_id: str
    workflow_id: str
    handle: WorkflowHandle[Any, RunOutcome]


async def start_run(
    client: Client,
    settings: Settings,
    *,
    site_id: int,
    account_id: int,
    trigger_type: str = "manual",
    run_id: str | None = None,
) -> StartedRun:
    """Start a site's run, or raise `RunAlreadyActiveError` naming the run in flight."""
    run_id = run_id or new_run_id()
    workflow_id = run_workflow_id(site_id)
    labels = run_labels(
        run_id=run_id, site_id=site_id, account_id=account_id, trigger_type=trigger_type
    )
    try:
        handle = await client.start_workflow(
            RUN_WORKFLOW,
            RunInput(
                run_id=run_id,
                site_id=site_id,
                account_id=account_id,
                trigger_type="scheduled" if trigger_type == "scheduled" else "manual",
                options=RunOptions.from_settings(settings),
            ),
            id=workflow_id,
            task_queue=settings.queue("runs"),
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            memo=labels.memo,
            search_attributes=labels.search_attributes,
            static_summary=labels.static_summary,
            task_timeout=timedelta(seconds=30),
            result_type=RunOutcome,
        )
    except WorkflowAlreadyStartedError:
        raise RunAlreadyActiveError(
            site_id=site_id,
            run_id=await active_run_id(client, site_id),
            workflow_id=workflow_id,
        ) from None
    return StartedRun(run_id=run_id, workflow_id=workflow_id, handle=handle)


async def active_run_id(client: Client, site_id: int) -> str | None:
    """The run ID of the site's workflow in flight, from the memo it was started with."""
    try:
        description = await client.get_workflow_handle(run_workflow_id(site_id)).describe()
        memo = await description.memo()
    except RPCError:
        return None
    value = memo.get("run_id")
    return str(value) if value is not None else None


@dataclass(frozen=True)
class ManualStart:
    """A manual run just started, with the plan its credit check passed."""

    run_id: str
    workflow_id: str
    plan: RunPlan


async def start_manual_run(
    temporal: ClientSource, session: Session, settings: Settings, site: Site
) -> ManualStart:
    """Price a run of the site, refuse it when the account is short (`InsufficientCreditsError`)
    or a run is in flight (`RunAlreadyActiveError`), else start it and create its row in
    `session`, so the run reads back at once, before a worker has touched it."""
    plan = await asyncio.to_thread(plan_for_site, session, site, settings)
    if plan.balance < plan.required:
        raise InsufficientCreditsError(required=plan.required, balance=plan.balance)
    client = await temporal()
    run_id = new_run_id()
    started = await start_run(
        client, settings, site_id=site.id or 0, account_id=site.account_id, run_id=run_id
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
    return ManualStart(run_id=run_id, workflow_id=started.workflow_id, plan=plan)


def run_of_site(session: Session, site_id: int, run_id: str) -> AutomationRun:
    """The site's run; a run of another site is indistinguishable from a missing one."""
    run = session.get(AutomationRun, run_id)
    if run is None or run.site_id != site_id:
        raise NotFoundError(f"Run {run_id} not found for site {site_id}.")
    return run


@dataclass(frozen=True)
class ControlApplied:
    """The run's workflow took the request and answered with its state."""

    run_id: str
    action: ControlAction
    reply: ControlReply


@dataclass(frozen=True)
class ControlRecorded:
    """No worker answered within `waited`: the request was sent as the update's signal twin,
    which the server keeps, and takes effect when a worker picks the run up."""

    run_id: str
    action: ControlAction
    status: str
    waited: timedelta


ControlResult = ControlApplied | ControlRecorded


async def control_run(
    temporal: ClientSource,
    settings: Settings,
    session: Session,
    *,
    site_id: int,
    run_id: str,
    action: ControlAction,
) -> ControlResult:
    """Pause, resume or cancel the site's run (taking effect after the current batch).

    Refused with `InvalidTransitionError` when the run has ended, when the workflow refuses
    (e.g. resuming a run that is not paused) or when the server has no such workflow running.
    """
    run = run_of_site(session, site_id, run_id)
    if run.status in FINISHED_STATUSES:
        raise InvalidTransitionError(
            f"Cannot {action}: the run has already ended ({run.status}).",
            run_id=run.id,
            status=run.status,
        )
    client = await temporal()
    handle = client.get_workflow_handle(run.workflow_id)
    timeout = timedelta(seconds=settings.control_timeout_seconds)
    try:
        reply = await execute_update(handle, action, result_type=ControlReply, timeout=timeout)
    except UpdateRejectedError as err:
        raise InvalidTransitionError(str(err), run_id=run.id, status=run.status) from err
    except UpdateNotAnsweredError:
        await handle.signal(control_signal(action))
        return ControlRecorded(run_id=run.id, action=action, status=run.status, waited=timeout)
    except WorkflowNotRunningError as err:
        raise _not_running(action, run, err.rpc_message) from err
    except RPCError as err:  # any other refusal by the server, answered the same way
        raise _not_running(action, run, err.message) from err
    return ControlApplied(run_id=run.id, action=action, reply=reply)


def _not_running(action: ControlAction, run: AutomationRun, why: str) -> InvalidTransitionError:
    return InvalidTransitionError(
        f"Cannot {action}: the run's workflow is not running ({why}).",
        run_id=run.id,
        status=run.status,
    )


async def live_detail(
    temporal: ClientSource, workflow_id: str, *, timeout: timedelta
) -> LiveDetail | None:
    """The run workflow's own view of what it is doing, or None when no worker answers within
    `timeout` or Temporal cannot be reached: callers then show the database's view alone."""
    try:
        client = await temporal()
        detail: LiveDetail = await client.get_workflow_handle(workflow_id).query(
            LIVE_QUERY, result_type=LiveDetail, rpc_timeout=timeout
        )
    except Exception:
        return None
    return detail


def test_trigger_workflow_id(site_id: int) -> str:
    return f"automation-test-trigger-site-{site_id}"


async def arm_test_trigger(
    temporal: ClientSource, settings: Settings, site: Site, at: datetime | None
) -> None:
    """Start the site's test run at `at` (test mode), replacing a time set before; None clears
    it. A launcher started with a start delay: no polling, and it shows in the Web UI."""
    client = await temporal()
    workflow_id = test_trigger_workflow_id(site.id or 0)
    try:
        if at is None:
            await client.get_workflow_handle(workflow_id).terminate("test trigger cleared")
            return
        delay = max(at - datetime.now(UTC), timedelta(0))
        await client.start_workflow(
            LAUNCHER_WORKFLOW,
            LaunchInput(site_id=site.id or 0, account_id=site.account_id),
            id=workflow_id,
            task_queue=settings.task_queue,
            start_delay=delay,
            id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
            static_summary=f"Test trigger for site {site.id} at {at.isoformat()}",
        )
    except RPCError as err:
        if at is None and err.status == RPCStatusCode.NOT_FOUND:
            return
        raise TemporalUnavailableError(f"Could not arm the test trigger: {err}") from err


async def first_execution(temporal: ClientSource, run: AutomationRun) -> str | None:
    """Temporal's run ID of the execution the run started as (continue-as-new may follow it);
    None when Temporal cannot tell. Several runs share the site's workflow ID: the memo tells
    their executions apart."""
    window = timedelta(minutes=1)
    since, until = (
        (run.started_at + shift).strftime("%Y-%m-%dT%H:%M:%SZ") for shift in (-window, window)
    )
    query = (
        f"WorkflowId = '{run.workflow_id}' AND StartTime >= '{since}' AND StartTime <= '{until}'"
    )
    try:
        client = await temporal()
        first: tuple[datetime, str] | None = None
        async for execution in client.list_workflows(
            query, limit=100, rpc_timeout=timedelta(seconds=3)
        ):
            memo = await execution.memo()
            if memo.get("run_id") == run.id and (first is None or execution.start_time < first[0]):
                first = (execution.start_time, execution.run_id)
        return first[1] if first else None
    except (RPCError, TemporalUnavailableError):
        return None
