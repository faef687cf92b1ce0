"""Fleet-wide rate limits: one row per limit holding its next free slot, shared by every worker."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pressrun.models.base import UTCDateTime


class RateLimit(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=100)
    # The earliest moment the next call may start; each reservation moves it on by 1/rate.
    next_free: datetime = Field(sa_type=UTCDateTime, nullable=False)
