"""Operator routes (admin key): test mode, and firing a site's Schedule at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel
from sqlmodel import Session
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from pressrun.api.deps import Admin, SessionDep, StateDep
from pressrun.api.scheduling import sync_site_schedule
from pressrun.api.state import ApiState
from pressrun.contracts.launch import LaunchInput, schedule_id
from pressrun.errors import NotFoundError, TemporalUnavailableError
from pressrun.models import Site
from pressrun.services.site_config import get_or_create_config
from pressrun.workflows.launcher import AutomationLauncherWorkflow

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


def test_trigger_workflow_id(site_id: int) -> str:
    return f"automation-test-trigger-site-{site_id}"


class TestModeUpdate(BaseModel):
    test_mode_enabled: bool
    test_trigger_at: AwareDatetime | None = None


def _site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"Site {site_id} not found.")
    return site


async def _arm_test_trigger(state: ApiState, site: Site, at: datetime | None) -> None:
    """A launcher started with a start delay: the test run begins at `at`, no polling."""
    client = await state.temporal()
    workflow_id = test_trigger_workflow_id(site.id or 0)
    try:
        if at is None:
            await client.get_workflow_handle(workflow_id).terminate("test trigger cleared")
            return
        delay = max(at - datetime.now(UTC), timedelta(0))
        await client.start_workflow(
            AutomationLauncherWorkflow.run,
            LaunchInput(site_id=site.id or 0, account_id=site.account_id),
            id=workflow_id,
            task_queue=state.settings.task_queue,
            start_delay=delay,
            # Setting a new time replaces the armed one.
            id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
            static_summary=f"Test trigger for site {site.id} at {at.isoformat()}",
        )
    except RPCError as err:
        if at is None and err.status == RPCStatusCode.NOT_FOUND:
            return
        raise TemporalUnavailableError(f"Could not arm the test trigger: {err}") from err


@router.put("/sites/{site_id}/test-mode")
async def set_test_mode(
    site_id: int, body: TestModeUpdate, session: SessionDep, state: StateDep, _: Admin
) -> dict[str, Any]:
    """Turn test mode on or off; `test_trigger_at` starts one run at that moment."""
    site = _site(session, site_id)
    config = get_or_create_config(session, site)
    config.test_mode_enabled = body.test_mode_enabled
    config.test_trigger_at = body.test_trigger_at.astimezone(UTC) if body.test_trigger_at else None
    session.add(config)
    await _arm_test_trigger(state, site, config.test_trigger_at if body.test_mode_enabled else None)
    return {
        "site_id": site_id,
        "test_mode_enabled": config.test_mode_enabled,
        "test_trigger_at": config.test_trigger_at,
    }


@router.post("/sites/{site_id}/trigger")
async def trigger_now(
    site_id: int, session: SessionDep, state: StateDep, _: Admin
) -> dict[str, Any]:
    """Fire the site's Schedule at once (what `temporal schedule trigger` does)."""
    site = _site(session, site_id)
    await sync_site_schedule(state, session, site)
    client = await state.temporal()
    try:
        await client.get_schedule_handle(schedule_id(site_id)).trigger()
    except RPCError as err:
        raise TemporalUnavailableError(f"Could not trigger the schedule: {err}") from err
    return {"site_id": site_id, "schedule_id": schedule_id(site_id), "triggered": True}
