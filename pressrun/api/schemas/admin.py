"""Bodies of the operator routes: test mode and firing a site's Schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Strict

from pressrun.api.schemas.common import DateTimeText


class TestModeUpdate(BaseModel):
    # JSON's own types, as the document says: `0` is not `false`.
    test_mode_enabled: Annotated[bool, Strict()]
    test_trigger_at: Annotated[AwareDatetime, DateTimeText] | None = None


class TestModeOut(BaseModel):
    site_id: int
    test_mode_enabled: bool
    test_trigger_at: datetime | None


class TriggerOut(BaseModel):
    site_id: int
    schedule_id: str
    triggered: bool
