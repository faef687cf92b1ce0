"""Operator routes (admin key): test mode, and firing a site's Schedule at once."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter
from sqlmodel import Session
from temporalio.service import RPCError

from pressrun.api.deps import Admin, IdPath, SessionDep, StateDep
from pressrun.api.responses import ACCOUNT, error_responses
from pressrun.api.scheduling import sync_site_schedule
from pressrun.api.schemas.admin import TestModeOut, TestModeUpdate, TriggerOut
from pressrun.contracts.launch import schedule_id
from pressrun.errors import NotFoundError, TemporalUnavailableError
from pressrun.models import Site
from pressrun.runs import control
from pressrun.services.site_config import get_or_create_config

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=error_responses(*ACCOUNT, 503))


def _site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"Site {site_id} not found.")
    return site


@router.put(
    "/sites/{site_id}/test-mode", response_model=TestModeOut, responses=error_responses(400)
)
async def set_test_mode(
    site_id: IdPath, body: TestModeUpdate, session: SessionDep, state: StateDep, _: Admin
) -> TestModeOut:
    """Turn test mode on or off; `test_trigger_at` starts one run at that moment."""
    site = _site(session, site_id)
    config = get_or_create_config(session, site)
    config.test_mode_enabled = body.test_mode_enabled
    config.test_trigger_at = body.test_trigger_at.astimezone(UTC) if body.test_trigger_at else None
    session.add(config)
    await control.arm_test_trigger(
        state.temporal,
        state.settings,
        site,
        config.test_trigger_at if body.test_mode_enabled else None,
    )
    return TestModeOut(
        site_id=site_id,
        test_mode_enabled=config.test_mode_enabled,
        test_trigger_at=config.test_trigger_at,
    )


@router.post("/sites/{site_id}/trigger", response_model=TriggerOut)
async def trigger_now(
    site_id: IdPath, session: SessionDep, state: StateDep, _: Admin
) -> TriggerOut:
    """Fire the site's Schedule at once (what `temporal schedule trigger` does)."""
    site = _site(session, site_id)
    await sync_site_schedule(state, session, site)
    client = await state.temporal()
    try:
        await client.get_schedule_handle(schedule_id(site_id)).trigger()
    except RPCError as err:
        raise TemporalUnavailableError(f"Could not trigger the schedule: {err}") from err
    return TriggerOut(site_id=site_id, schedule_id=schedule_id(site_id), triggered=True)
