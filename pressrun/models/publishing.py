"""How a site's finished content is approved and published."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pressrun.models.base import created_at_field, json_field


class PublishingSettings(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", unique=True)
    auto_approval_enabled: bool = False
    auto_publish_enabled: bool = False
    daily_publish_limit: int = 3
    publish_days: list[str] = json_field(lambda: ["mon", "tue", "wed", "thu", "fri"])
    time_slots: list[str] = json_field(lambda: ["09:00", "14:00", "18:00"])
    publisher: str = Field(default="folder", max_length=16)
    updated_at: datetime = created_at_field()
