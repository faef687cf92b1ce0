"""Bodies of the article, image and publishing-settings routes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
    computed_field,
)

from pressrun.api.schemas.common import JsonNumber
from pressrun.models import PublishingSettings

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_TIME_SLOT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _http_url(value: str) -> str:
    value = value.strip()
    if value and not _HTTP_URL.match(value):
        raise ValueError("must be an http:// or https:// URL")
    return value


# An http(s) URL kept as text (as stored), or "" to clear it.
HttpUrlText = Annotated[
    str,
    StringConstraints(max_length=500),
    AfterValidator(_http_url),
    Field(json_schema_extra={"pattern": r"^\s*([hH][tT][tT][pP][sS]?://[^\s/$.?#]\S*)?\s*$"}),
]


class ContentSummary(BaseModel):
    """An article without its body, as content lists show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    task_id: int
    run_id: str | None
    title: str
    meta_description: str
    slug: str
    word_count: int
    status: str
    image_prompts_done: bool
    error: str | None = Field(description="Why stage 5 last failed to give it image prompts.")
    attempts: int = Field(description="How many times stage 5 failed on it.")
    generated_by: str
    publish_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ImagePromptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    content_id: int
    kind: str
    position: int
    prompt: str
    alt_text: str
    status: str
    error: str | None = Field(description="Why stage 6 last failed on it, if it did.")
    attempts: int = Field(description="How many times stage 6 failed on it.")


class ImageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    content_id: int
    prompt_id: int
    run_id: str | None
    mime_type: str
    width: int
    height: int
    size_bytes: int
    generated_by: str
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def download_url(self) -> str:
        return f"/api/v1/sites/{self.site_id}/images/{self.id}/file"


class ContentDetail(ContentSummary):
    body: str
    image_prompts: list[ImagePromptOut]
    images: list[ImageOut]


class ContentUpdate(BaseModel):
    """An edit of an article; fields left out (or null) keep their value."""

    model_config = ConfigDict(extra="forbid")

    # Stripped first, so the document asks for a character that is not white space.
    title: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
            Field(json_schema_extra={"pattern": r"\S"}),
        ]
        | None
    ) = None
    meta_description: Annotated[str, StringConstraints(max_length=300)] | None = None
    body: str | None = None
    slug: Annotated[str, StringConstraints(max_length=300, pattern=SLUG_PATTERN)] | None = None


class ContentReject(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


def _week_order(days: list[Weekday]) -> list[Weekday]:
    if len(set(days)) != len(days):
        raise ValueError("each day may appear only once")
    return sorted(days, key=WEEKDAYS.index)


def _sorted_slots(slots: list[str]) -> list[str]:
    bad = [s for s in slots if not _TIME_SLOT.match(s)]
    if bad:
        raise ValueError(f"not 24-hour HH:MM times: {', '.join(map(repr, bad))}")
    if len(set(slots)) != len(slots):
        raise ValueError("each time slot may appear only once")
    return sorted(slots)


class PublishingSettingsIn(BaseModel):
    """A site's whole publishing settings; days and slots are stored in week and clock order."""

    model_config = ConfigDict(extra="forbid")

    # JSON's own types, as the document says: `0` is not `false`, nor `false` a limit.
    auto_approval_enabled: Annotated[bool, Strict()]
    auto_publish_enabled: Annotated[bool, Strict()]
    daily_publish_limit: Annotated[int, JsonNumber] = Field(ge=0, le=100)
    publish_days: Annotated[
        list[Weekday],
        Field(min_length=1, json_schema_extra={"uniqueItems": True}),
        AfterValidator(_week_order),
    ]
    time_slots: Annotated[
        list[Annotated[str, WithJsonSchema({"type": "string", "pattern": _TIME_SLOT.pattern})]],
        Field(min_length=1, json_schema_extra={"uniqueItems": True}),
        AfterValidator(_sorted_slots),
    ]
    publisher: Literal["folder", "wordpress", "webhook"]
    # The publishers' connection details. Secrets are write-only: left out (or null) they keep
    # their stored value, and no response ever contains them.
    wordpress_url: HttpUrlText | None = None
    wordpress_username: Annotated[str, StringConstraints(max_length=200)] | None = None
    wordpress_app_password: Annotated[str, StringConstraints(max_length=200)] | None = None
    webhook_url: HttpUrlText | None = None
    webhook_secret: Annotated[str, StringConstraints(max_length=200)] | None = None


class PublishingSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site_id: int
    auto_approval_enabled: bool
    auto_publish_enabled: bool
    daily_publish_limit: int
    publish_days: list[str]
    time_slots: list[str]
    publisher: str
    wordpress_url: str
    wordpress_username: str
    webhook_url: str
    wordpress_app_password_set: bool
    webhook_secret_set: bool
    updated_at: datetime

    @classmethod
    def of(cls, row: PublishingSettings) -> PublishingSettingsOut:
        """The stored settings as answered: secrets only say whether one is set."""
        return cls.model_validate(
            {
                **row.model_dump(exclude={"wordpress_app_password", "webhook_secret"}),
                "wordpress_app_password_set": bool(row.wordpress_app_password),
                "webhook_secret_set": bool(row.webhook_secret),
            }
        )
