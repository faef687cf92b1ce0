"""A site's settings as JSON: the automation config, the admin defaults, the unified screen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from pressrun.config import Settings
from pressrun.contracts.run import BATCHED_STAGES, STAGE_NAMES
from pressrun.models import (
    AutomationConfig,
    ContentProfile,
    DefaultAutomationConfig,
    PublishingSettings,
    Site,
)
from pressrun.models.automation import PER_RUN_LIMIT_FIELDS, StageColumns
from pressrun.services.settings_rules import (
    AI_NUMBERS,
    STAGE_SETTINGS,
    iso_time,
    stage_column,
)
from pressrun.services.site_config import (
    PROFILE_FIELDS,
    content_profile,
    get_or_create_config,
    publishing_settings,
)


def stage_json(columns: StageColumns, number: int) -> dict[str, Any]:
    view: dict[str, Any] = {"number": number}
    for name in STAGE_SETTINGS:
        column = stage_column(number, name)
        view[name] = None if column is None else getattr(columns, column)
    return view


CONFIG_FIELDS = (
    "enabled",
    "frequency",
    "scheduled_time",
    "scheduled_days",
    *(f"stage_{n}_batch_size" for n in BATCHED_STAGES),
    *(f"stage_{n}_enabled" for n in STAGE_NAMES),
    *(f"stage_{n}_use_testing" for n in AI_NUMBERS),
    *(f"stage_{n}_budget_pct" for n in AI_NUMBERS),
    *PER_RUN_LIMIT_FIELDS.values(),
    "within_stage_delay",
    "between_stage_delay",
    "last_run_at",
    "next_run_at",
    "test_mode_enabled",
    "test_trigger_at",
)
CONFIG_READ_ONLY = frozenset({"id", "site_id", "last_run_at", "next_run_at"})


def config_json(config: AutomationConfig) -> dict[str, Any]:
    """The AutomationConfig as `GET /automation/config/` returns it: the spec's fields."""
    view: dict[str, Any] = {"id": config.id, "site_id": config.site_id}
    for name in CONFIG_FIELDS:
        value = getattr(config, name)
        if isinstance(value, datetime) or value is None:
            value = iso_time(value)
        elif name == "frequency":
            value = str(value)
        elif name == "scheduled_days":
            value = list(value)
        view[name] = value
    return view


def defaults_json(defaults: DefaultAutomationConfig) -> dict[str, Any]:
    """The spec's `GET /integration/settings/defaults/` body.

    `{"automation": {"enabled", "frequency", "time"}, "stages": [{"number", "enabled",
    "batch_size", "per_run_limit", "use_testing", "budget_pct"} x 7], "delays":
    {"within_stage", "between_stage"}, "publishing": {"auto_approval_enabled",
    "auto_publish_enabled", "daily_publish_limit", "publish_days", "time_slots"}}`.
    A setting a stage does not have (stage 7's batch size and per-run limit, stages 3 and 7's
    testing model and budget) is null. `automation` is accepted as `schedule` by the unified
    settings PATCH, so this body resets a site as it stands.
    """
    return {
        "automation": {
            "enabled": defaults.is_enabled,
            "frequency": str(defaults.frequency),
            "time": defaults.scheduled_time,
        },
        "stages": [stage_json(defaults, n) for n in STAGE_NAMES],
        "delays": {
            "within_stage": defaults.within_stage_delay,
            "between_stage": defaults.between_stage_delay,
        },
        "publishing": {
            "auto_approval_enabled": defaults.auto_approval_enabled,
            "auto_publish_enabled": defaults.auto_publish_enabled,
            "daily_publish_limit": defaults.daily_publish_limit,
            "publish_days": list(defaults.publish_days),
            "time_slots": list(defaults.publish_time_slots),
        },
    }


PUBLISHING_FIELDS = (
    "auto_approval_enabled",
    "auto_publish_enabled",
    "daily_publish_limit",
    "publish_days",
    "time_slots",
    "publisher",
)


def _total_items_per_run(config: AutomationConfig) -> int | None:
    limits = [
        config.per_run_limit(n)
        for n in PER_RUN_LIMIT_FIELDS
        if config.stage_value(n, "enabled", True)
    ]
    return None if any(limit == 0 for limit in limits) else sum(limits)


def profile_json(profile: ContentProfile) -> dict[str, Any]:
    return {
        name: (list(v) if isinstance(v := getattr(profile, name), list) else v)
        for name in PROFILE_FIELDS
    }


def unified_json(
    site: Site,
    config: AutomationConfig,
    publishing: PublishingSettings,
    profile: ContentProfile,
    settings: Settings,
) -> dict[str, Any]:
    stages = [stage_json(config, n) for n in STAGE_NAMES]
    return {
        "site_id": site.id,
        "schedule": {
            "enabled": config.enabled,
            "frequency": str(config.frequency),
            "time": config.scheduled_time,
            "days": list(config.scheduled_days),
            "timezone": site.timezone,
            "next_run_at": iso_time(config.next_run_at),
            "last_run_at": iso_time(config.last_run_at),
        },
        "capacity": {
            "total_items_per_run": _total_items_per_run(config),
            "stages": [
                {"number": s["number"], "per_run_limit": s["per_run_limit"]} for s in stages
            ],
        },
        "ai": {
            "testing_model": settings.text_models.testing,
            "live_model": settings.text_models.live,
            "image_model": settings.image_model.live,
            "image_testing_model": settings.image_model.testing,
            "stages": [
                {
                    "number": n,
                    "use_testing": config.stage_value(n, "use_testing"),
                    "model": settings.model_for(
                        n, testing=bool(config.stage_value(n, "use_testing"))
                    ),
                }
                for n in AI_NUMBERS
            ],
        },
        "stages": [{"number": s["number"], "name": STAGE_NAMES[s["number"]], **s} for s in stages],
        "delays": {
            "within_stage": config.within_stage_delay,
            "between_stage": config.between_stage_delay,
        },
        "publishing": {
            name: (list(v) if isinstance(v := getattr(publishing, name), list) else v)
            for name in PUBLISHING_FIELDS
        },
        "content_profile": profile_json(profile),
    }


def unified_settings(session: Session, site: Site, settings: Settings) -> dict[str, Any]:
    """A site's settings as the settings screen shows them, one section per card.

    ```
    {"site_id": 1,
     "schedule": {"enabled": false, "frequency": "daily", "time": "02:00" (24-hour, site zone),
                  "days": ["mon"], "timezone": "UTC", "next_run_at": null, "last_run_at": null},
     "capacity": {"total_items_per_run": null,
                  "stages": [{"number": 1, "per_run_limit": 0}, … 7]},
     "ai": {"testing_model": "…", "live_model": "…", "image_model": "…",
            "image_testing_model": "…",
            "stages": [{"number": 1, "use_testing": false, "model": "…"}, … stages 1,2,4,5,6]},
     "stages": [{"number": 1, "name": "Keywords → Clusters", "enabled": true, "batch_size": 50,
                 "per_run_limit": 0, "use_testing": false, "budget_pct": 15}, … 7],
     "delays": {"within_stage": 3, "between_stage": 5},
     "publishing": {"auto_approval_enabled": false, "auto_publish_enabled": false,
                    "daily_publish_limit": 3, "publish_days": ["mon", …], "time_slots":
                    ["09:00", …], "publisher": "folder"},
     "content_profile": {"language": "en", "audience": "", "tone": "clear, friendly, practical",
                         "point_of_view": "second_person", "target_words_min": 900,
                         "target_words_max": 1500, "brand_name": "", "avoid": [],
                         "house_style": ""}}
    ```

    A per-run limit of 0 means unlimited. `total_items_per_run` sums the limits of the enabled
    stages 1-6 and is null when one of them is unlimited. A setting a stage does not have is
    null (stage 7's batch size and limit, stages 3 and 7's testing flag and budget). An AI
    stage's `model` is the one a run would use: live, or testing with `use_testing`. The
    content profile is what every text stage writes to (`pressrun.ai.base.WritingProfile`).
    """
    config = get_or_create_config(session, site)
    site_id = site.id or 0
    return unified_json(
        site,
        config,
        publishing_settings(session, site_id),
        content_profile(session, site_id),
        settings,
    )
