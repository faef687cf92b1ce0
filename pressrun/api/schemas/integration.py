"""Bodies of the settings screen's routes: the defaults for a reset, and a site's unified settings.

A setting a stage does not have (stage 7's batch size and per-run limit, stages 3 and 7's
testing model and budget) is null; a per-run limit of 0 means unlimited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from pressrun.ai.base import PointOfView
from pressrun.services.settings_patch import SECTIONS
from pressrun.services.settings_rules import ContentProfileIn


class StageSettingsOut(BaseModel):
    number: int
    enabled: bool
    batch_size: int | None
    per_run_limit: int | None
    use_testing: bool | None
    budget_pct: int | None


class DelaysOut(BaseModel):
    within_stage: int = Field(description="Seconds between batches.")
    between_stage: int = Field(description="Seconds between stages.")


class DefaultScheduleOut(BaseModel):
    enabled: bool
    frequency: str
    time: str = Field(description="HH:MM, 24-hour.")


class DefaultPublishingOut(BaseModel):
    auto_approval_enabled: bool
    auto_publish_enabled: bool
    daily_publish_limit: int
    publish_days: list[str]
    time_slots: list[str]


class SettingsDefaultsOut(BaseModel):
    """The defaults new sites start from; PATCHed to a site's unified settings, it resets it
    (`automation` is accepted for `schedule`)."""

    automation: DefaultScheduleOut
    stages: list[StageSettingsOut]
    delays: DelaysOut
    publishing: DefaultPublishingOut


class ScheduleOut(BaseModel):
    enabled: bool
    frequency: str
    time: str = Field(description="HH:MM, 24-hour, in the site's time zone.")
    days: list[str]
    timezone: str
    next_run_at: datetime | None
    last_run_at: datetime | None


class StageCapacityOut(BaseModel):
    number: int
    per_run_limit: int | None


class CapacityOut(BaseModel):
    total_items_per_run: int | None = Field(
        description="The enabled stages' per-run limits summed; null when one is unlimited."
    )
    stages: list[StageCapacityOut]


class StageModelOut(BaseModel):
    number: int
    use_testing: bool
    model: str = Field(description="The model a run would use: live, or testing.")


class AiOut(BaseModel):
    testing_model: str
    live_model: str
    image_model: str
    image_testing_model: str
    stages: list[StageModelOut]


class NamedStageSettingsOut(BaseModel):
    number: int
    name: str
    enabled: bool
    batch_size: int | None
    per_run_limit: int | None
    use_testing: bool | None
    budget_pct: int | None


class PublishingOut(DefaultPublishingOut):
    publisher: str


class ContentProfileOut(BaseModel):
    """What every text stage writes to: the language, the reader, the voice, the length."""

    language: str = Field(description="A BCP 47 tag: language[-script][-region], e.g. en-GB.")
    audience: str = Field(description="Who the articles are for.")
    tone: str = Field(description="Tone and voice.")
    point_of_view: PointOfView
    target_words_min: int = Field(description="Shortest article to aim for, in words.")
    target_words_max: int = Field(description="Longest article to aim for, in words.")
    brand_name: str = Field(description="Mentioned by name where it fits; empty for none.")
    avoid: list[str] = Field(description="Topics or claims the articles never make.")
    house_style: str = Field(description="House-style notes for the writer.")


class UnifiedSettingsOut(BaseModel):
    """A site's settings as the settings screen shows them, one section per card."""

    site_id: int
    schedule: ScheduleOut
    capacity: CapacityOut
    ai: AiOut
    stages: list[NamedStageSettingsOut]
    delays: DelaysOut
    publishing: PublishingOut
    content_profile: ContentProfileOut


def _profile_schema() -> dict[str, Any]:
    schema = ContentProfileIn.model_json_schema()
    schema.pop("title", None)
    schema["description"] = (
        "Any of the content profile's fields. The target length is 300-5000 words with "
        "target_words_min at most target_words_max (checked against the stored value of the "
        "one left out); text is trimmed; avoided topics are kept once each."
    )
    for prop in schema["properties"].values():
        prop.pop("default", None)
        prop.pop("title", None)
    return schema


# The unified-settings PATCH body: any of the sections GET answers (stages by `number`), each
# checked by `pressrun.services.settings_patch`; nothing else.
UNIFIED_PATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        section: (_profile_schema() if section == "content_profile" else {})
                        for section in SECTIONS
                    },
                    "additionalProperties": False,
                }
            }
        }
    }
}
