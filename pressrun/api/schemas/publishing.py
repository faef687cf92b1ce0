"""Bodies of the publishing routes: the connection check, publications, scheduling."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from pressrun.api.schemas.common import DateTimeText


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

    publish_at: Annotated[datetime | None, DateTimeText, AfterValidator(_aware)] = None


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish_at: Annotated[datetime, DateTimeText, AfterValidator(_aware)]
