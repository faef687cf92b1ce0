"""Keep a site's Temporal Schedule in step with its config inside the request that changed it.

Called before the request's transaction commits: if Temporal cannot be reached the request
fails with 503 and the config change is rolled back, so the two never drift apart silently
(`pressrun schedules sync` repairs any drift that still happens)."""

from __future__ import annotations

from sqlmodel import Session
from temporalio.service import RPCError

from pressrun.api.state import ApiState
from pressrun.errors import TemporalUnavailableError
from pressrun.models import Site
from pressrun.schedules import delete_site_schedule, reconcile_site


async def sync_site_schedule(state: ApiState, session: Session, site: Site) -> str:
    client = await state.temporal()
    try:
        return await reconcile_site(client, session, site.id or 0, state.settings, site=site)
    except RPCError as err:
        raise TemporalUnavailableError(f"Could not update the site's schedule: {err}") from err


async def drop_site_schedule(state: ApiState, site_id: int) -> None:
    client = await state.temporal()
    try:
        await delete_site_schedule(client, site_id)
    except RPCError as err:
        raise TemporalUnavailableError(f"Could not delete the site's schedule: {err}") from err
