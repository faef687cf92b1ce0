"""Changing a site's settings: every value validated, every bad field named, all or nothing.

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
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    create_model,
)
from sqlmodel import Session, SQLModel

from pressrun.config import Settings
from pressrun.contracts.run import AI_STAGES, BATCHED_STAGES, STAGE_NAMES
from pressrun.errors import FieldError
from pressrun.models import (
    AutomationConfig,
    ContentProfile,
    PublishingSettings,
    Site,
)
from pressrun.models.automation import PER_RUN_LIMIT_FIELDS
from pressrun.models.base import utcnow
from pressrun.services.settings_rules import (
    AI_NUMBERS,
    MAX_DAILY_PUBLISH_LIMIT,
    MODELS_ARE_SERVER_SETTINGS,
    STRICT,
    UNSET,
    AwareDatetime,
    BatchSize,
    BudgetPct,
    ContentProfileIn,
    Delay,
    Errors,
    FrequencyName,
    Loc,
    PerRunLimit,
    PublisherName,
    RunHour,
    StageNumber,
    TimeSlots,
    TimeZoneName,
    Weekdays,
    stage_column,
    words_range_error,
)
from pressrun.services.settings_view import (
    CONFIG_READ_ONLY,
    config_json,
    unified_json,
)
from pressrun.services.site_config import (
    content_profile,
    get_or_create_config,
    missing_credentials,
    publishing_settings,
)


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
    __config__=STRICT,
    enabled=(bool, UNSET),
    frequency=(FrequencyName, UNSET),
    scheduled_time=(RunHour, UNSET),
    scheduled_days=(Weekdays, UNSET),
    **{f"stage_{n}_batch_size": (BatchSize, UNSET) for n in BATCHED_STAGES},
    **{f"stage_{n}_enabled": (bool, UNSET) for n in STAGE_NAMES},
    **{f"stage_{n}_use_testing": (bool, UNSET) for n in AI_NUMBERS},
    **{f"stage_{n}_budget_pct": (BudgetPct, UNSET) for n in AI_NUMBERS},
    **{name: (PerRunLimit, UNSET) for name in PER_RUN_LIMIT_FIELDS.values()},
    within_stage_delay=(Delay, UNSET),
    between_stage_delay=(Delay, UNSET),
    test_mode_enabled=(bool, UNSET),
    test_trigger_at=(AwareDatetime, UNSET),
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
    model_config = STRICT

    enabled: bool = UNSET
    frequency: FrequencyName = UNSET
    time: RunHour = UNSET
    days: Weekdays = UNSET
    timezone: TimeZoneName = UNSET
    next_run_at: Any = UNSET
    last_run_at: Any = UNSET


class _StageIn(BaseModel):
    model_config = STRICT

    number: StageNumber
    name: Any = UNSET
    enabled: bool = UNSET
    batch_size: BatchSize | None = UNSET
    per_run_limit: PerRunLimit | None = UNSET
    use_testing: bool | None = UNSET
    budget_pct: BudgetPct | None = UNSET


class _CapacityStageIn(BaseModel):
    model_config = STRICT

    number: StageNumber
    per_run_limit: PerRunLimit | None = UNSET


class _CapacityIn(BaseModel):
    model_config = STRICT

    total_items_per_run: Any = UNSET
    stages: list[Any] = UNSET


class _AiStageIn(BaseModel):
    model_config = STRICT

    number: StageNumber
    use_testing: bool = UNSET
    model: Any = UNSET


class _AiIn(BaseModel):
    model_config = STRICT

    testing_model: Any = UNSET
    live_model: Any = UNSET
    image_model: Any = UNSET
    image_testing_model: Any = UNSET
    stages: list[Any] = UNSET


class _DelaysIn(BaseModel):
    model_config = STRICT

    within_stage: Delay = UNSET
    between_stage: Delay = UNSET


class _PublishingIn(BaseModel):
    model_config = STRICT

    auto_approval_enabled: bool = UNSET
    auto_publish_enabled: bool = UNSET
    daily_publish_limit: Annotated[int, Field(ge=0, le=MAX_DAILY_PUBLISH_LIMIT)] = UNSET
    publish_days: Weekdays = UNSET
    time_slots: TimeSlots = UNSET
    publisher: PublisherName = UNSET


_SCHEDULE_COLUMNS = {
    "enabled": ("config", "enabled"),
    "frequency": ("config", "frequency"),
    "time": ("config", "scheduled_time"),
    "days": ("config", "scheduled_days"),
    "timezone": ("site", "timezone"),
}
_DELAY_COLUMNS = {"within_stage": "within_stage_delay", "between_stage": "between_stage_delay"}
SECTIONS = (
    "site_id",
    "schedule",
    "automation",
    "capacity",
    "ai",
    "stages",
    "delays",
    "publishing",
    "content_profile",
)


StageHandler = Callable[[Loc, int, str, Any], None]


class _UnifiedPatch:
    """One PATCH body checked against a site's current settings; collects errors and changes."""

    def __init__(
        self,
        site: Site,
        config: AutomationConfig,
        publishing: PublishingSettings,
        profile: ContentProfile,
        settings: Settings,
    ) -> None:
        self.rows: dict[str, SQLModel] = {
            "site": site,
            "config": config,
            "publishing": publishing,
            "profile": profile,
        }
        self.current = unified_json(site, config, publishing, profile, settings)
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
        assert isinstance(row, PublishingSettings)
        missing = missing_credentials(row, publisher)
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
            elif key == "content_profile":
                self.profile(loc, value)
            else:
                self.error(loc, f"unknown field: sections are {', '.join(SECTIONS)}")

    def profile(self, loc: Loc, value: Any) -> None:
        data = _validate(ContentProfileIn, value, loc, self.errors)
        if data is None:
            return
        for name, v in data.items():
            self.edit((*loc, name), "profile", name, v)
        stored = self.current["content_profile"]
        low = data.get("target_words_min", stored["target_words_min"])
        high = data.get("target_words_max", stored["target_words_max"])
        wrong = words_range_error(low, high, set(data))
        if wrong is not None:
            self.error((*loc, wrong[0]), wrong[1])

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
        column = stage_column(number, name)
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
                    f"{MODELS_ARE_SERVER_SETTINGS}; it is {json.dumps(self.current['ai'][name])}",
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
    webhook; `content_profile` by `ContentProfileIn`'s rules, its length range checked
    against the stored value of the end left out. A setting a stage lacks must be null or
    absent. Read-only values (`site_id`, `next_run_at`, `last_run_at`, stage names,
    `capacity.total_items_per_run`, AI model names) are accepted when unchanged and refused
    otherwise. Raises FieldError naming every bad field.
    """
    _not_an_object(payload)
    config = get_or_create_config(session, site)
    publishing = publishing_settings(session, site.id or 0)
    profile = content_profile(session, site.id or 0)
    patch = _UnifiedPatch(site, config, publishing, profile, settings)
    patch.check(payload)
    changes = patch.changes()
    if patch.errors:
        raise FieldError(patch.errors)
    for target, columns in changes.items():
        if _apply(patch.rows[target], columns):
            session.add(patch.rows[target])
    session.flush()
