"""Bodies of the site routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, WithJsonSchema


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


# The document lists the names this machine's time zone database knows: what is accepted.
TimeZoneName = Annotated[
    str,
    AfterValidator(_known_timezone),
    WithJsonSchema({"type": "string", "enum": sorted(available_timezones())}),
]


class SiteCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: HttpUrl
    timezone: TimeZoneName = "UTC"


class SiteUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    url: HttpUrl | None = None
    timezone: TimeZoneName | None = None


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    name: str
    url: str
    timezone: str
    created_at: datetime
