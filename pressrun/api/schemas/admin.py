"""Bodies of the operator routes: test mode and firing a site's Schedule."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel


class TestModeUpdate(BaseModel):
    test_mode_enabled: bool
    test_trigger_at: AwareDatetime | None = None


class TestModeOut(BaseModel):
    site_id: int
    test_mode_enabled: bool
    test_trigger_at: datetime | None


class TriggerOut(BaseModel):
    site_id: int
    schedule_id: str
    triggered: bool
