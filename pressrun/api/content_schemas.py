"""Request and response bodies of the pipeline-item routes: keywords to images, and publishing.

Also the paging parameters those list routes share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
)

from pressrun.clustering.intent import Intent, intent_key
from pressrun.services.keywords import KeywordRow

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_TIME_SLOT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# Keyword volume is an INTEGER column; anything larger would fail in the database.
MAX_VOLUME = 2_000_000_000


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _intent_key(value: Any) -> Any:
    return (intent_key(value) or None) if isinstance(value, str) else value


def _http_url(value: str) -> str:
    value = value.strip()
    if value and not _HTTP_URL.match(value):
        raise ValueError("must be an http:// or https:// URL")
    return value


# An http(s) URL kept as text (as stored), or "" to clear it.
HttpUrlText = Annotated[str, StringConstraints(max_length=500), AfterValidator(_http_url)]


@dataclass(frozen=True)
class Paging:
    limit: int = Query(50, ge=1, le=500)
    offset: int = Query(0, ge=0)


class KeywordIn(KeywordRow):
    """One keyword to import: the shared row, stricter about what reaches the database."""

    model_config = ConfigDict(extra="forbid")

    keyword: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    volume: int = Field(default=0, ge=0, le=MAX_VOLUME)
    # Given, it wins over the intent pressrun reads from the query; `how-to`, `How To` and
    # `how_to` are one.
    intent: Annotated[Intent | None, BeforeValidator(_intent_key)] = None


class KeywordImport(BaseModel):
    keywords: list[KeywordIn] = Field(min_length=1)


class ImportResultOut(BaseModel):
    created: int
    duplicates: int = Field(description="Rows the site already had, or repeated in this import.")


class KeywordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    keyword: str = Field(validation_alias="text")
    volume: int
    difficulty: int
    intent: str
    status: str
    cluster_id: int | None
    error: str | None
    created_at: datetime


class ClusterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    run_id: str | None
    name: str
    description: str
    intent: str = Field(description="The search intent of the page: all its keywords share it.")
    head_keyword_id: int | None = Field(description="Its highest-volume keyword.")
    keyword_count: int
    status: str
    error: str | None
    created_at: datetime


class ClusterDetail(ClusterOut):
    keywords: list[KeywordOut]


class IdeaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    cluster_id: int
    run_id: str | None
    title: str
    brief: str
    outline: list[str]
    target_keyword: str
    status: str
    created_at: datetime


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    idea_id: int
    run_id: str | None
    title: str
    brief: str
    outline: list[str]
    target_keyword: str
    keywords: list[str]
    status: str
    error: str | None
    created_at: datetime


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
    error: str | None


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

    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
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

    auto_approval_enabled: bool
    auto_publish_enabled: bool
    daily_publish_limit: int = Field(ge=0, le=100)
    publish_days: Annotated[list[Weekday], Field(min_length=1), AfterValidator(_week_order)]
    time_slots: Annotated[list[str], Field(min_length=1), AfterValidator(_sorted_slots)]
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


class ConnectionCheckOut(BaseModel):
    publisher: str
    ok: bool
    problem: str | None
    detail: str


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    content_id: int
    publisher: str
    status: str
    publish_at: datetime
    workflow_id: str
    remote_id: str | None
    remote_url: str | None
    attempts: int
    error: str | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("give a time zone (e.g. 2027-01-04T09:00:00+01:00 or ...Z)")
    return value


class ScheduleIn(BaseModel):
    """When to publish; left out, the next free slot of the site's publishing calendar."""

    model_config = ConfigDict(extra="forbid")

    publish_at: Annotated[datetime | None, AfterValidator(_aware)] = None


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish_at: Annotated[datetime, AfterValidator(_aware)]
