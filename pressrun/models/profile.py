"""A site's content profile: who its articles are for and how they are written.

Every text stage passes it to the provider (`pressrun.ai.base.WritingProfile`); the rules for
its values are `pressrun.services.settings_rules`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlmodel import Field, SQLModel

from pressrun.models.base import created_at_field, json_field

DEFAULT_LANGUAGE = "en"
DEFAULT_TONE = "clear, friendly, practical"
DEFAULT_POINT_OF_VIEW: Final = "second_person"
DEFAULT_TARGET_WORDS_MIN = 900
DEFAULT_TARGET_WORDS_MAX = 1500

LANGUAGE_MAX = 35
AUDIENCE_MAX = 300
TONE_MAX = 200
BRAND_NAME_MAX = 100
AVOID_ITEMS_MAX = 50
AVOID_ITEM_MAX = 200
HOUSE_STYLE_MAX = 2000
TARGET_WORDS_LOWEST = 300
TARGET_WORDS_HIGHEST = 5000


class ContentProfile(SQLModel, table=True):
    """One row per site, made with the defaults the first time it is read."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", unique=True)
    language: str = Field(default=DEFAULT_LANGUAGE, max_length=LANGUAGE_MAX)
    audience: str = Field(default="", max_length=AUDIENCE_MAX)
    tone: str = Field(default=DEFAULT_TONE, max_length=TONE_MAX)
    point_of_view: str = Field(default=DEFAULT_POINT_OF_VIEW, max_length=32)
    target_words_min: int = DEFAULT_TARGET_WORDS_MIN
    target_words_max: int = DEFAULT_TARGET_WORDS_MAX
    brand_name: str = Field(default="", max_length=BRAND_NAME_MAX)
    avoid: list[str] = json_field(list)
    house_style: str = Field(default="", max_length=HOUSE_STYLE_MAX)
    updated_at: datetime = created_at_field()
