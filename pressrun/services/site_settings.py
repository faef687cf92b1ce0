"""One set of validation rules for a site's settings, whichever endpoint changes them.

`PUT /automation/update_config/` sends the flat AutomationConfig fields; the unified settings
endpoint sends the settings screen's sections. Both validate every value, report every bad
field at once (`FieldError`) and change nothing unless everything is valid.

Two rules make a GET body safe to send back whole:

- A read-only value (ids, run times, AI model names, calculated totals) is accepted when it
  equals what GET returns now, and refused otherwise.
- A value equal to the stored one is no change. Where two places in one body edit the same
  setting (`stages[].use_testing` and `ai.stages[].use_testing`), the one that differs from
  the stored value wins; two different new values are refused at both places.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
)
from sqlmodel import Session, SQLModel, select

from pressrun.config import Settings
from pressrun.contracts import AI_STAGES, BATCHED_STAGES, STAGE_NAMES
from pressrun.errors import FieldError
from pressrun.models import (
    AutomationConfig,
    DefaultAutomationConfig,
    PublishingSettings,
    Site,
)
from pressrun.models.automation import PER_RUN_LIMIT_FIELDS, StageColumns
from pressrun.models.base import utcnow
from pressrun.stages.planning import default_config, get_or_create_config

Loc = tuple[str | int, ...]
Errors = list[tuple[Loc, str]]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_BATCH_SIZE = 1000
MAX_PER_RUN_LIMIT = 1_000_000
MAX_DELAY_SECONDS = 86_400
MAX_DAILY_PUBLISH_LIMIT = 100

_AI = sorted(AI_STAGES)
_MODELS_ARE_SERVER_SETTINGS = (
    "AI models are server settings (PRESSRUN_TEXT_MODELS, PRESSRUN_STAGE_MODELS, "
    "PRESSRUN_IMAGE_MODEL), not site settings; choose per stage between live and testing "
    "with stages[].use_testing"
)

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _parse_clock(value: str) -> tuple[int, int]:
    match = _CLOCK.fullmatch(value)
    if match is None:
        raise ValueError(f'must be a 24-hour time "HH:MM", got {value!r}')
    hour, minute = int(match[1]), int(match[2])
    if hour > 23:
        raise ValueError(f"hour must be 0-23, got {hour}")
    if minute > 59:
        raise ValueError(f"minutes must be 00-59, got {match[2]}")
    return hour, minute


def _clock_time(value: str) -> str:
    hour, minute = _parse_clock(value)
    return f"{hour:02d}:{minute:02d}"


def _run_hour(value: str) -> str:
    hour, minute = _parse_clock(value)
    if minute:
        raise ValueError(f'scheduled runs start on the hour: use "{hour:02d}:00"')
    return f"{hour:02d}:00"


def _weekdays(days: list[str]) -> list[str]:
    unknown = [d for d in days if d not in WEEKDAYS]
    if unknown:
        raise ValueError(f"unknown day(s) {unknown}: use {', '.join(WEEKDAYS)}")
    if len(set(days)) != len(days):
        raise ValueError("each day may be listed once")
    if not days:
        raise ValueError("choose at least one day")
    return sorted(days, key=WEEKDAYS.index)


def _time_slots(slots: list[str]) -> list[str]:
    if not slots:
        raise ValueError("give at least one time slot")
    if len(set(slots)) != len(slots):
        raise ValueError("each time slot may be listed once")
    return sorted(slots)


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Paris'"
        ) from None
    return name


def _aware_datetime(value: Any) -> datetime | None:
    problem = "must be an ISO 8601 date-time with a time zone (e.g. '2026-01-18T02:00:00Z')"
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{problem} or null")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(problem) from None
    if parsed.tzinfo is None:
        raise ValueError(problem)
    return parsed.astimezone(UTC)


FrequencyName = Literal["hourly", "daily", "weekly"]
PublisherName = Literal["folder", "wordpress", "webhook"]
RunHour = Annotated[str, AfterValidator(_run_hour)]
Weekdays = Annotated[list[str], AfterValidator(_weekdays)]
ClockTime = Annotated[str, AfterValidator(_clock_time)]
TimeSlots = Annotated[list[ClockTime], AfterValidator(_time_slots)]
TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_time_zone)]
BatchSize = Annotated[int, Field(ge=1, le=MAX_BATCH_SIZE)]
PerRunLimit = Annotated[int, Field(ge=0, le=MAX_PER_RUN_LIMIT)]
BudgetPct = Annotated[int, Field(ge=0, le=100)]
Delay = Annotated[int, Field(ge=0, le=MAX_DELAY_SECONDS)]
AwareDatetime = Annotated[datetime | None, BeforeValidator(_aware_datetime)]
StageNumber = Annotated[int, Field(ge=1, le=7)]

# JSON types only: "5" is not an integer, 1 is not a boolean.
_STRICT = ConfigDict(extra="forbid", strict=True)
# Fields are optional; an absent one is dropped by `exclude_unset`, so the default is never
# used or validated (null, when sent, is validated and refused).
_UNSET: Any = None

_DATETIME = TypeAdapter(datetime)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else str(_DATETIME.dump_python(value, mode="json"))


def _stage_column(number: int, name: str) -> str | None:
    """The column holding a stage's setting, or None when the stage has no such setting."""
    if name == "enabled":
        return f"stage_{number}_enabled"
    if name == "batch_size":
        return f"stage_{number}_batch_size" if number in BATCHED_STAGES else None
    if name == "per_run_limit":
        return PER_RUN_LIMIT_FIELDS.get(number)
    if name in ("use_testing", "budget_pct"):
        return f"stage_{number}_{name}" if number in AI_STAGES else None
    raise KeyError(name)


STAGE_SETTINGS = ("enabled", "batch_size", "per_run_limit", "use_testing", "budget_pct")


def _stage_json(columns: StageColumns, number: int) -> dict[str, Any]:
    view: dict[str, Any] = {"number": number}
    for name in STAGE_SETTINGS:
        column = _stage_column(number, name)
        view[name] = None if column is None else getattr(columns, column)
    return view


CONFIG_FIELDS = (
    "enabled",
    "frequency",
    "scheduled_time",
    "scheduled_days",
    *(f"stage_{n}_batch_size" for n in BATCHED_STAGES),
    *(f"stage_{n}_enabled" for n in STAGE_NAMES),
    *(f"stage_{n}_use_testing" for n in _AI),
    *(f"stage_{n}_budget_pct" for n in _AI),
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
            value = _iso(value)
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
        "stages": [_stage_json(defaults, n) for n in STAGE_NAMES],
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


def publishing_settings(session: Session, site: Site) -> PublishingSettings:
    """The site's publishing settings, made from the defaults if it has none."""
    found = session.exec(
        select(PublishingSettings).where(PublishingSettings.site_id == site.id)
    ).first()
    if found is not None:
        return found
    defaults = default_config(session)
    created = PublishingSettings(
        site_id=site.id or 0,
        auto_approval_enabled=defaults.auto_approval_enabled,
        auto_publish_enabled=defaults.auto_publish_enabled,
        daily_publish_limit=defaults.daily_publish_limit,
        publish_days=list(defaults.publish_days),
        time_slots=list(defaults.publish_time_slots),
    )
    session.add(created)
    session.flush()
    return created


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


def _unified_json(
    site: Site, config: AutomationConfig, publishing: PublishingSettings, settings: Settings
) -> dict[str, Any]:
    stages = [_stage_json(config, n) for n in STAGE_NAMES]
    return {
        "site_id": site.id,
        "schedule": {
            "enabled": config.enabled,
            "frequency": str(config.frequency),
            "time": config.scheduled_time,
            "days": list(config.scheduled_days),
            "timezone": site.timezone,
            "next_run_at": _iso(config.next_run_at),
            "last_run_at": _iso(config.last_run_at),
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
                for n in _AI
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
                    ["09:00", …], "publisher": "folder"}}
    ```

    A per-run limit of 0 means unlimited. `total_items_per_run` sums the limits of the enabled
    stages 1-6 and is null when one of them is unlimited. A setting a stage does not have is
    null (stage 7's batch size and limit, stages 3 and 7's testing flag and budget). An AI
    stage's `model` is the one a run would use: live, or testing with `use_testing`.
    """
    config = get_or_create_config(session, site)
    return _unified_json(site, config, publishing_settings(session, site), settings)


def _messages(err: ValidationError, loc: Loc, prefix: str = "") -> Errors:
    found: Errors = []
    for e in err.errors():
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "value_error":
            msg = str(e["ctx"]["error"])
        else:
            msg = e["msg"]
        found.append(((*loc, *e["loc"]), prefix + msg))
    return found


def _validate(
    model: type[BaseModel], data: Any, loc: Loc, errors: Errors, prefix: str = ""
) -> dict[str, Any] | None:
    """The fields `data` sets, validated; None (errors recorded) when any is invalid."""
    try:
        return model.model_validate(data).model_dump(exclude_unset=True)
    except ValidationError as err:
        errors.extend(_messages(err, loc, prefix))
        return None


def _same(sent: Any, current: Any) -> bool:
    if type(sent) is bool or type(current) is bool:
        return type(sent) is type(current) and sent == current
    if sent == current:
        return True
    # A time is the same whatever its notation ("Z" or "+00:00").
    if isinstance(sent, str) and isinstance(current, str):
        try:
            return datetime.fromisoformat(sent) == datetime.fromisoformat(current)
        except ValueError:
            return False
    return False


def _read_only_message(what: str, current: Any) -> str:
    return f"read-only ({what}); it is {json.dumps(current, ensure_ascii=False)}"


ConfigPatch: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "ConfigPatch",
    __config__=_STRICT,
    enabled=(bool, _UNSET),
    frequency=(FrequencyName, _UNSET),
    scheduled_time=(RunHour, _UNSET),
    scheduled_days=(Weekdays, _UNSET),
    **{f"stage_{n}_batch_size": (BatchSize, _UNSET) for n in BATCHED_STAGES},
    **{f"stage_{n}_enabled": (bool, _UNSET) for n in STAGE_NAMES},
    **{f"stage_{n}_use_testing": (bool, _UNSET) for n in _AI},
    **{f"stage_{n}_budget_pct": (BudgetPct, _UNSET) for n in _AI},
    **{name: (PerRunLimit, _UNSET) for name in PER_RUN_LIMIT_FIELDS.values()},
    within_stage_delay=(Delay, _UNSET),
    between_stage_delay=(Delay, _UNSET),
    test_mode_enabled=(bool, _UNSET),
    test_trigger_at=(AwareDatetime, _UNSET),
)


def _not_an_object(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise FieldError([((), "expected a JSON object")])


def _apply(row: SQLModel, changes: dict[str, Any]) -> bool:
    changed = False
    for column, value in changes.items():
        if getattr(row, column) != value:
            setattr(row, column, value)
            changed = True
    if changed and hasattr(row, "updated_at"):
        row.updated_at = utcnow()
    return changed


def update_config(
    session: Session, config: AutomationConfig, payload: dict[str, Any]
) -> AutomationConfig:
    """Partially update a config from `config_json` fields: all valid and applied, or FieldError.

    Rules: batch sizes 1-1000; frequency hourly, daily or weekly; `scheduled_time` "HH:00"
    (hour 0-23, runs start on the hour); `scheduled_days` a non-empty set of mon..sun; budget
    % 0-100; per-run limits 0 (unlimited) to 1,000,000; delays 0-86,400 s; `test_trigger_at`
    an ISO 8601 date-time with a time zone, or null. JSON types only. `id`, `site_id`,
    `last_run_at` and `next_run_at` are read-only (accepted unchanged).
    """
    _not_an_object(payload)
    errors: Errors = []
    current = config_json(config)
    editable: dict[str, Any] = {}
    for key, value in payload.items():
        if key in CONFIG_READ_ONLY:
            if not _same(value, current[key]):
                errors.append(((key,), _read_only_message("set by the server", current[key])))
        else:
            editable[key] = value
    changes = _validate(ConfigPatch, editable, (), errors)
    if changes is None or errors:
        order = {key: i for i, key in enumerate(payload)}
        raise FieldError(sorted(errors, key=lambda e: order.get(str(e[0][0]), len(order))))
    if _apply(config, changes):
        session.add(config)
        session.flush()
    return config


class _ScheduleIn(BaseModel):
    model_config = _STRICT

    enabled: bool = _UNSET
    frequency: FrequencyName = _UNSET
    time: RunHour = _UNSET
    days: Weekdays = _UNSET
    timezone: TimeZoneName = _UNSET
    next_run_at: Any = _UNSET
    last_run_at: Any = _UNSET


class _StageIn(BaseModel):
    model_config = _STRICT

    number: StageNumber
    name: Any = _UNSET
    enabled: bool = _UNSET
    batch_size: BatchSize | None = _UNSET
    per_run_limit: PerRunLimit | None = _UNSET
    use_testing: bool | None = _UNSET
    budget_pct: BudgetPct | None = _UNSET


class _CapacityStageIn(BaseModel):
    model_config = _STRICT

    number: StageNumber
    per_run_limit: PerRunLimit | None = _UNSET


class _CapacityIn(BaseModel):
    model_config = _STRICT

    total_items_per_run: Any = _UNSET
    stages: list[Any] = _UNSET


class _AiStageIn(BaseModel):
    model_config = _STRICT

    number: StageNumber
    use_testing: bool = _UNSET
    model: Any = _UNSET


class _AiIn(BaseModel):
    model_config = _STRICT

    testing_model: Any = _UNSET
    live_model: Any = _UNSET
    image_model: Any = _UNSET
    image_testing_model: Any = _UNSET
    stages: list[Any] = _UNSET


class _DelaysIn(BaseModel):
    model_config = _STRICT

    within_stage: Delay = _UNSET
    between_stage: Delay = _UNSET


class _PublishingIn(BaseModel):
    model_config = _STRICT

    auto_approval_enabled: bool = _UNSET
    auto_publish_enabled: bool = _UNSET
    daily_publish_limit: Annotated[int, Field(ge=0, le=MAX_DAILY_PUBLISH_LIMIT)] = _UNSET
    publish_days: Weekdays = _UNSET
    time_slots: TimeSlots = _UNSET
    publisher: PublisherName = _UNSET


_SCHEDULE_COLUMNS = {
    "enabled": ("config", "enabled"),
    "frequency": ("config", "frequency"),
    "time": ("config", "scheduled_time"),
    "days": ("config", "scheduled_days"),
    "timezone": ("site", "timezone"),
}
_DELAY_COLUMNS = {"within_stage": "within_stage_delay", "between_stage": "between_stage_delay"}
# What each publisher needs stored before a site may switch to it.
PUBLISHER_CREDENTIALS = {
    "wordpress": ("wordpress_url", "wordpress_username", "wordpress_app_password"),
    "webhook": ("webhook_url", "webhook_secret"),
}
SECTIONS = ("site_id", "schedule", "automation", "capacity", "ai", "stages", "delays", "publishing")


StageHandler = Callable[[Loc, int, str, Any], None]


class _UnifiedPatch:
    """One PATCH body checked against a site's current settings; collects errors and changes."""

    def __init__(
        self,
        site: Site,
        config: AutomationConfig,
        publishing: PublishingSettings,
        settings: Settings,
    ) -> None:
        self.rows: dict[str, SQLModel] = {"site": site, "config": config, "publishing": publishing}
        self.current = _unified_json(site, config, publishing, settings)
        self.settings = settings
        self.errors: Errors = []
        self.edits: list[tuple[Loc, str, str, Any]] = []

    def error(self, loc: Loc, message: str) -> None:
        self.errors.append((loc, message))

    def edit(self, loc: Loc, target: str, column: str, value: Any) -> None:
        self.edits.append((loc, target, column, value))

    def _check_publisher(self, loc: Loc, publisher: str) -> None:
        """Credentials are set through the publishing-settings route; a publisher without
        them would only fail at publish time."""
        row = self.rows["publishing"]
        missing = [
            name for name in PUBLISHER_CREDENTIALS.get(publisher, ()) if not getattr(row, name)
        ]
        if missing:
            self.error(
                loc,
                f"set {', '.join(missing)} first (PUT /api/v1/sites/{{id}}/publishing-settings)",
            )

    def read_only(self, loc: Loc, sent: Any, current: Any, what: str) -> None:
        if not _same(sent, current):
            self.error(loc, _read_only_message(what, current))

    def check(self, payload: dict[str, Any]) -> None:
        if "automation" in payload and "schedule" in payload:
            self.error(("automation",), "an alias of schedule: send one of them")
        for key, value in payload.items():
            loc: Loc = (key,)
            if key == "site_id":
                self.read_only(loc, value, self.current["site_id"], "the site in the URL")
            elif key in ("schedule", "automation"):
                self.schedule(loc, value)
            elif key == "stages":
                self.stage_list(loc, value, _StageIn, self.stage)
            elif key == "capacity":
                self.capacity(loc, value)
            elif key == "ai":
                self.ai(loc, value)
            elif key == "delays":
                for name, v in (_validate(_DelaysIn, value, loc, self.errors) or {}).items():
                    self.edit((*loc, name), "config", _DELAY_COLUMNS[name], v)
            elif key == "publishing":
                for name, v in (_validate(_PublishingIn, value, loc, self.errors) or {}).items():
                    self.edit((*loc, name), "publishing", name, v)
                    if name == "publisher":
                        self._check_publisher((*loc, name), v)
            else:
                self.error(loc, f"unknown field: sections are {', '.join(SECTIONS)}")

    def schedule(self, loc: Loc, value: Any) -> None:
        for name, v in (_validate(_ScheduleIn, value, loc, self.errors) or {}).items():
            if name in _SCHEDULE_COLUMNS:
                self.edit((*loc, name), *_SCHEDULE_COLUMNS[name], v)
            else:
                self.read_only(
                    (*loc, name), v, self.current["schedule"][name], "set by the schedule"
                )

    def stage_list(
        self, loc: Loc, value: Any, model: type[BaseModel], handle: StageHandler
    ) -> None:
        if not isinstance(value, list):
            self.error(loc, "must be a list of stages, each identified by its number")
            return
        seen: set[int] = set()
        for i, item in enumerate(value):
            number = item.get("number") if isinstance(item, dict) else None
            prefix = f"stage {number}: " if type(number) is int else ""
            data = _validate(model, item, (*loc, i), self.errors, prefix)
            if data is None:
                continue
            number = data.pop("number")
            if number in seen:
                self.error((*loc, i, "number"), f"stage {number} is listed twice")
                continue
            seen.add(number)
            for name, v in data.items():
                handle((*loc, i, name), number, name, v)

    def stage(self, loc: Loc, number: int, name: str, value: Any) -> None:
        if name == "name":
            self.read_only(loc, value, STAGE_NAMES[number], "the stage's name")
            return
        column = _stage_column(number, name)
        label = name.replace("_", " ")
        if column is None:
            if value is not None:
                self.error(loc, f"stage {number} has no {label} setting: send null or leave it out")
        elif value is None:
            self.error(loc, f"stage {number}: {label} may not be null")
        else:
            self.edit(loc, "config", column, value)

    def capacity(self, loc: Loc, value: Any) -> None:
        data = _validate(_CapacityIn, value, loc, self.errors) or {}
        if "total_items_per_run" in data:
            self.read_only(
                (*loc, "total_items_per_run"),
                data["total_items_per_run"],
                self.current["capacity"]["total_items_per_run"],
                "calculated from the enabled stages' per-run limits",
            )
        if "stages" in data:
            self.stage_list((*loc, "stages"), data["stages"], _CapacityStageIn, self.stage)

    def ai(self, loc: Loc, value: Any) -> None:
        data = _validate(_AiIn, value, loc, self.errors) or {}
        for name, v in data.items():
            if name != "stages" and not _same(v, self.current["ai"][name]):
                self.error(
                    (*loc, name),
                    f"{_MODELS_ARE_SERVER_SETTINGS}; it is {json.dumps(self.current['ai'][name])}",
                )
        if "stages" in data:
            self.stage_list((*loc, "stages"), data["stages"], _AiStageIn, self.ai_stage)

    def ai_stage(self, loc: Loc, number: int, name: str, value: Any) -> None:
        if number not in AI_STAGES:
            self.error(loc, f"stage {number} uses no AI model")
        elif name == "use_testing":
            self.edit(loc, "config", f"stage_{number}_use_testing", value)
        else:
            current = next(s for s in self.current["ai"]["stages"] if s["number"] == number)
            if not _same(value, current["model"]):
                live = self.settings.model_for(number, testing=False)
                testing = self.settings.model_for(number, testing=True)
                self.error(
                    loc,
                    f"read-only: stage {number} uses {live!r} live and {testing!r} with "
                    f"use_testing (server settings); it is {json.dumps(current['model'])}",
                )

    def changes(self) -> dict[str, dict[str, Any]]:
        """The edits that change something, by row; conflicting edits become errors."""
        by_column: dict[tuple[str, str], list[tuple[Loc, Any]]] = defaultdict(list)
        for loc, target, column, value in self.edits:
            if getattr(self.rows[target], column) != value:
                by_column[(target, column)].append((loc, value))
        changes: dict[str, dict[str, Any]] = defaultdict(dict)
        for (target, column), edits in by_column.items():
            first = edits[0][1]
            if all(v == first for _, v in edits):
                changes[target][column] = first
                continue
            places = [".".join(map(str, loc)) for loc, _ in edits]
            for loc, _ in edits:
                self.error(loc, f"conflicting new values for one setting at {', '.join(places)}")
        return changes


def apply_unified_patch(
    session: Session, site: Site, payload: dict[str, Any], settings: Settings
) -> None:
    """Apply a partial unified-settings body (the `unified_settings` shape): all or nothing.

    Any subset of sections and fields; stages (in `stages`, `capacity.stages`, `ai.stages`) are
    identified by `number`. `automation` is an alias of `schedule`, so the defaults body
    (`defaults_json`) resets a site as it stands. Besides `update_config`'s rules:
    `schedule.timezone` a known IANA zone (it is the site's time zone);
    `publishing.daily_publish_limit` 0-100, `publish_days` a non-empty set of mon..sun,
    `time_slots` a non-empty list of distinct "HH:MM", `publisher` folder, wordpress or
    webhook. A setting a stage lacks must be null or absent. Read-only values (`site_id`,
    `next_run_at`, `last_run_at`, stage names, `capacity.total_items_per_run`, AI model names)
    are accepted when unchanged and refused otherwise. Raises FieldError naming every bad field.
    """
    _not_an_object(payload)
    config = get_or_create_config(session, site)
    publishing = publishing_settings(session, site)
    patch = _UnifiedPatch(site, config, publishing, settings)
    patch.check(payload)
    changes = patch.changes()
    if patch.errors:
        raise FieldError(patch.errors)
    for target, columns in changes.items():
        if _apply(patch.rows[target], columns):
            session.add(patch.rows[target])
    session.flush()
