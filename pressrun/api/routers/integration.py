"""The settings screen's endpoints: the defaults a site can be reset to, and its unified settings.

`GET /settings/defaults/` answers any valid key, an account's or the admin's: the defaults are
the service's, not an account's. The unified settings need an account key and a site of that
account (another account's site is a 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from pressrun.api.deps import CallerDep, PathSite, SessionDep, StateDep
from pressrun.api.responses import ACCOUNT, error_responses
from pressrun.api.scheduling import sync_site_schedule
from pressrun.api.schemas.integration import (
    UNIFIED_PATCH_BODY,
    SettingsDefaultsOut,
    UnifiedSettingsOut,
)
from pressrun.services.settings_patch import apply_unified_patch
from pressrun.services.settings_view import defaults_json, unified_settings
from pressrun.services.site_config import default_config

router = APIRouter(prefix="/api/v1/integration", tags=["settings"])

_PATCH_EXAMPLE = {
    "schedule": {"enabled": True, "frequency": "weekly", "time": "06:00", "days": ["mon", "thu"]},
    "stages": [{"number": 1, "batch_size": 25}, {"number": 4, "use_testing": True}],
    "publishing": {"daily_publish_limit": 5, "time_slots": ["08:00", "17:30"]},
}


@router.get(
    "/settings/defaults/", response_model=SettingsDefaultsOut, responses=error_responses(401)
)
def settings_defaults(_: CallerDep, session: SessionDep) -> dict[str, Any]:
    """The defaults new sites start from, in the shape the unified-settings PATCH accepts.

    `{"automation": {enabled, frequency, time}, "stages": [{number, enabled, batch_size,
    per_run_limit, use_testing, budget_pct} x 7], "delays": {within_stage, between_stage},
    "publishing": {auto_approval_enabled, auto_publish_enabled, daily_publish_limit,
    publish_days, time_slots}}`; null where a stage has no such setting. PATCHing this body to
    a site's unified settings resets it (`automation` is accepted for `schedule`).
    """
    return defaults_json(default_config(session))


@router.get(
    "/sites/{site_id}/unified-settings/",
    response_model=UnifiedSettingsOut,
    responses=error_responses(*ACCOUNT),
)
def read_unified_settings(site: PathSite, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """The site's schedule, capacity, AI models, stage matrix, delays and publishing settings."""
    return unified_settings(session, site, state.settings)


@router.patch(
    "/sites/{site_id}/unified-settings/",
    response_model=UnifiedSettingsOut,
    responses=error_responses(400, *ACCOUNT, 503),
    openapi_extra=UNIFIED_PATCH_BODY,
)
async def patch_unified_settings(
    site: PathSite,
    session: SessionDep,
    state: StateDep,
    payload: Annotated[dict[str, Any], Body(openapi_examples={"edit": {"value": _PATCH_EXAMPLE}})],
) -> dict[str, Any]:
    """Change any subset of the settings (same shape as GET; stages by `number`).

    Every value is validated and the change is all or nothing: a 422 names each bad field and
    changes nothing. AI model names and other read-only values are accepted only unchanged.
    Answers the settings as they now are.
    """
    apply_unified_patch(session, site, payload, state.settings)
    await sync_site_schedule(state, session, site)
    return unified_settings(session, site, state.settings)
