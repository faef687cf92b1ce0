"""The vocabulary of a site's settings: each value's rule, its limits and its column.

Shared by the views (`settings_view`) and the patch engine (`settings_patch`), so a
setting is validated by one rule whichever endpoint changes it.
"""

from __future__ import annotations

import re
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
)

from pressrun.ai.base import PointOfView
from pressrun.contracts.run import AI_STAGES, BATCHED_STAGES
from pressrun.models.automation import PER_RUN_LIMIT_FIELDS
from pressrun.models.profile import (
    AUDIENCE_MAX,
    AVOID_ITEM_MAX,
    AVOID_ITEMS_MAX,
    BRAND_NAME_MAX,
    HOUSE_STYLE_MAX,
    LANGUAGE_MAX,
    TARGET_WORDS_HIGHEST,
    TARGET_WORDS_LOWEST,
    TONE_MAX,
)

Loc = tuple[str | int, ...]
Errors = list[tuple[Loc, str]]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_BATCH_SIZE = 1000
MAX_PER_RUN_LIMIT = 1_000_000
MAX_DELAY_SECONDS = 86_400
MAX_DAILY_PUBLISH_LIMIT = 100

AI_NUMBERS = sorted(AI_STAGES)
MODELS_ARE_SERVER_SETTINGS = (
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
STRICT = ConfigDict(extra="forbid", strict=True)
# Fields are optional; an absent one is dropped by `exclude_unset`, so the default is never
# used or validated (null, when sent, is validated and refused).
UNSET: Any = None

DATETIME = TypeAdapter(datetime)

# A BCP 47 language tag's common shape: language[-script][-region] ("en", "en-GB", "pt-BR",
# "zh-Hans", "sr-Latn-RS", "es-419").
LANGUAGE_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$"


def _language_tag(tag: str) -> str:
    """The tag in its usual case: "pt-br" is "pt-BR", "ZH-HANS" is "zh-Hans"."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(out)


def _stripped(value: str) -> str:
    return value.strip()


def _avoid_list(terms: list[str]) -> list[str]:
    """Each term once (compared without case), in the order given."""
    seen: set[str] = set()
    kept: list[str] = []
    for term in terms:
        if term.casefold() not in seen:
            seen.add(term.casefold())
            kept.append(term)
    return kept


LanguageTag = Annotated[
    str, Field(max_length=LANGUAGE_MAX, pattern=LANGUAGE_TAG), AfterValidator(_language_tag)
]
Trimmed = AfterValidator(_stripped)
AudienceText = Annotated[str, Field(max_length=AUDIENCE_MAX), Trimmed]
ToneText = Annotated[str, Field(max_length=TONE_MAX), Trimmed]
BrandName = Annotated[str, Field(max_length=BRAND_NAME_MAX), Trimmed]
HouseStyleText = Annotated[str, Field(max_length=HOUSE_STYLE_MAX), Trimmed]
TargetWords = Annotated[int, Field(ge=TARGET_WORDS_LOWEST, le=TARGET_WORDS_HIGHEST)]
AvoidTerm = Annotated[str, Field(min_length=1, max_length=AVOID_ITEM_MAX, pattern=r"\S"), Trimmed]
AvoidList = Annotated[
    list[AvoidTerm], Field(max_length=AVOID_ITEMS_MAX), AfterValidator(_avoid_list)
]


class ContentProfileIn(BaseModel):
    """A site's content profile, any of its fields (the unified settings' `content_profile`).

    `language` a BCP 47 tag (language[-script][-region]); `audience` up to 300 characters,
    `tone` 200, `brand_name` 100, `house_style` 2000; `point_of_view` one of
    first_person_singular, first_person_plural, second_person, third_person; the target length
    300 to 5000 words, `target_words_min` at most `target_words_max` (`words_range_error`);
    `avoid` up to 50 topics or claims of 1 to 200 characters. Text is trimmed.
    """

    model_config = STRICT

    language: LanguageTag = UNSET
    audience: AudienceText = UNSET
    tone: ToneText = UNSET
    point_of_view: PointOfView = UNSET
    target_words_min: TargetWords = UNSET
    target_words_max: TargetWords = UNSET
    brand_name: BrandName = UNSET
    avoid: AvoidList = UNSET
    house_style: HouseStyleText = UNSET


def words_range_error(low: int, high: int, sent: set[str]) -> tuple[str, str] | None:
    """The field to blame, and why, when a profile's length range is upside down: the minimum
    when it was sent (or both were), else the maximum."""
    if low <= high:
        return None
    name = "target_words_min" if "target_words_min" in sent or not sent else "target_words_max"
    return name, f"target_words_min ({low}) must not exceed target_words_max ({high})"


def iso_time(value: datetime | None) -> str | None:
    return None if value is None else str(DATETIME.dump_python(value, mode="json"))


def stage_column(number: int, name: str) -> str | None:
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
