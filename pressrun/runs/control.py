"""Starting runs from outside a workflow (CLI, API): the per-site lock and a readable refusal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from pressrun.config import Settings
from pressrun.contracts.run import RunInput, RunOptions, RunOutcome, run_workflow_id
from pressrun.contracts.search_attributes import run_search_attributes
from pressrun.errors import RunAlreadyActiveError
from pressrun.workflows.automation_run import AutomationRunWorkflow


def new_run_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class StartedRun:
    run_id: str
    workflow_id: str
    handle: WorkflowHandle[AutomationRunWorkflow, RunOutcome]


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
    try:
        handle = await client.start_workflow(
            AutomationRunWorkflow.run,
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
            search_attributes=run_search_attributes(
                site_id=site_id, account_id=account_id, trigger_type=trigger_type
            ),
            memo={"run_id": run_id},
            static_summary=f"Automation run {run_id} for site {site_id} ({trigger_type})",
            task_timeout=timedelta(seconds=30),
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
