"""The launcher workflow's messages: what a Schedule hands it and what it decides."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pressrun.contracts.run import RunOptions

LAUNCHER_WORKFLOW = "AutomationLauncher"


def schedule_id(site_id: int) -> str:
    """The Temporal Schedule of a site's automation."""
    return f"automation-schedule-site-{site_id}"


class LaunchInput(BaseModel):
    """What a site's Schedule (or a test trigger) hands the launcher workflow.

    The launcher starts the run under the site's run workflow ID, so scheduled and manual
    starts share one lock; a Schedule cannot, since it suffixes the IDs it starts."""

    site_id: int
    account_id: int
    trigger_type: Literal["manual", "scheduled"] = "scheduled"


CHECK_LAUNCH = "check_launch"
RECORD_SKIP = "record_skip"


class LaunchDecision(BaseModel):
    allowed: bool
    reason: str | None = None
    # False when there is nothing to record the skip against (the site is gone).
    record: bool = True
    options: RunOptions = Field(default_factory=RunOptions)


class SkipRecord(BaseModel):
    site_id: int
    account_id: int
    run_id: str
    trigger_type: str
    reason: str


class LaunchOutcome(BaseModel):
    started: bool
    run_id: str
    reason: str | None = None
