"""Automation tables: a site's config, the singleton defaults, runs, their log and batch records."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from pressrun.models.base import (
    created_at_field,
    credits_field,
    datetime_field,
    json_field,
)


class RunStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"
    # A scheduled start that did not run (23-hour block, a run in progress, disabled).
    SKIPPED = "skipped"


FINISHED_STATUSES = frozenset(
    {RunStatus.CANCELLED, RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.SKIPPED}
)


class TriggerType(StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"


class Frequency(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"


# Stage number → the per-run limit column of the spec.
PER_RUN_LIMIT_FIELDS = {
    1: "max_keywords_per_run",
    2: "max_clusters_per_run",
    3: "max_ideas_per_run",
    4: "max_tasks_per_run",
    5: "max_content_per_run",
    6: "max_images_per_run",
}
DEFAULT_BATCH_SIZES = {1: 50, 2: 5, 3: 20, 4: 3, 5: 5, 6: 5}
DEFAULT_BUDGET_PCT = {1: 15, 2: 15, 4: 60, 5: 5, 6: 45}


class StageColumns(SQLModel):
    """The per-stage columns shared by a site's config and the defaults singleton."""

    stage_1_enabled: bool = True
    stage_2_enabled: bool = True
    stage_3_enabled: bool = True
    stage_4_enabled: bool = True
    stage_5_enabled: bool = True
    stage_6_enabled: bool = True
    stage_7_enabled: bool = True
    stage_1_batch_size: int = DEFAULT_BATCH_SIZES[1]
    stage_2_batch_size: int = DEFAULT_BATCH_SIZES[2]
    stage_3_batch_size: int = DEFAULT_BATCH_SIZES[3]
    stage_4_batch_size: int = DEFAULT_BATCH_SIZES[4]
    stage_5_batch_size: int = DEFAULT_BATCH_SIZES[5]
    stage_6_batch_size: int = DEFAULT_BATCH_SIZES[6]
    stage_1_use_testing: bool = False
    stage_2_use_testing: bool = False
    stage_4_use_testing: bool = False
    stage_5_use_testing: bool = False
    stage_6_use_testing: bool = False
    stage_1_budget_pct: int = DEFAULT_BUDGET_PCT[1]
    stage_2_budget_pct: int = DEFAULT_BUDGET_PCT[2]
    stage_4_budget_pct: int = DEFAULT_BUDGET_PCT[4]
    stage_5_budget_pct: int = DEFAULT_BUDGET_PCT[5]
    stage_6_budget_pct: int = DEFAULT_BUDGET_PCT[6]
    max_keywords_per_run: int = 0
    max_clusters_per_run: int = 0
    max_ideas_per_run: int = 0
    max_tasks_per_run: int = 0
    max_content_per_run: int = 0
    max_images_per_run: int = 0
    within_stage_delay: int = 3
    between_stage_delay: int = 5

    def stage_value(self, stage: int, name: str, default: Any = None) -> Any:
        return getattr(self, f"stage_{stage}_{name}", default)

    def per_run_limit(self, stage: int) -> int:
        field = PER_RUN_LIMIT_FIELDS.get(stage)
        return int(getattr(self, field)) if field else 0


class AutomationConfig(StageColumns, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    site_id: int = Field(foreign_key="site.id", unique=True)
    enabled: bool = False
    frequency: str = Field(default=Frequency.DAILY, max_length=16)
    # "HH:MM", 24-hour, in the site's time zone.
    scheduled_time: str = Field(default="02:00", max_length=5)
    # Weekday names ("mon".."sun") a weekly schedule runs on.
    scheduled_days: list[str] = json_field(lambda: ["mon"])
    last_run_at: datetime | None = datetime_field()
    next_run_at: datetime | None = datetime_field()
    test_mode_enabled: bool = False
    test_trigger_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class DefaultAutomationConfig(StageColumns, table=True):
    id: int | None = Field(default=None, primary_key=True)
    is_enabled: bool = False
    frequency: str = Field(default=Frequency.DAILY, max_length=16)
    scheduled_time: str = Field(default="02:00", max_length=5)
    # The hour the next new site is given, so sites spread over the day.
    next_scheduled_hour: int = 2
    auto_approval_enabled: bool = False
    auto_publish_enabled: bool = False
    daily_publish_limit: int = 3
    publish_days: list[str] = json_field(lambda: ["mon", "tue", "wed", "thu", "fri"])
    publish_time_slots: list[str] = json_field(lambda: ["09:00", "14:00", "18:00"])


class AutomationRun(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    config_id: int | None = Field(default=None, foreign_key="automationconfig.id")
    workflow_id: str = Field(max_length=200)
    trigger_type: str = Field(default=TriggerType.MANUAL, max_length=16)
    status: str = Field(default=RunStatus.RUNNING, max_length=16, index=True)
    current_stage: int = 0
    started_at: datetime = created_at_field()
    paused_at: datetime | None = datetime_field()
    resumed_at: datetime | None = datetime_field()
    cancelled_at: datetime | None = datetime_field()
    completed_at: datetime | None = datetime_field()
    total_credits_used: Decimal = credits_field()
    estimated_credits: Decimal = credits_field()
    initial_snapshot: dict[str, Any] = json_field(dict)
    # The run's plan (stage settings and estimate) as fixed at start; a retried start reuses it.
    plan: dict[str, Any] | None = json_field(nullable=True)
    stage_1_result: dict[str, Any] | None = json_field(nullable=True)
    stage_2_result: dict[str, Any] | None = json_field(nullable=True)
    stage_3_result: dict[str, Any] | None = json_field(nullable=True)
    stage_4_result: dict[str, Any] | None = json_field(nullable=True)
    stage_5_result: dict[str, Any] | None = json_field(nullable=True)
    stage_6_result: dict[str, Any] | None = json_field(nullable=True)
    stage_7_result: dict[str, Any] | None = json_field(nullable=True)
    error_message: str | None = None
    updated_at: datetime = created_at_field()


class AutomationLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="automationrun.id", index=True, max_length=64)
    stage: int | None = None
    level: str = Field(default="info", max_length=16)
    message: str
    data: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()


class RunBatch(SQLModel, table=True):
    """One committed batch of a run: its presence makes a retried batch a no-op."""

    __table_args__ = (sa.UniqueConstraint("run_id", "stage", "batch_index", name="uq_run_batch"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="automationrun.id", max_length=64, index=True)
    stage: int
    batch_index: int
    result: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()


class BatchItemResult(SQLModel, table=True):
    """What one item's AI call returned in a batch that has not committed yet.

    Stored as each call returns, so a retried attempt of the batch reuses it instead of calling
    (and paying the provider) again; removed when the batch commits. Credits are charged only
    by the commit, from these results, once.
    """

    __table_args__ = (
        sa.UniqueConstraint(
            "run_id", "stage", "batch_index", "item_id", name="uq_batch_item_result"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="automationrun.id", max_length=64, index=True)
    stage: int
    batch_index: int
    item_id: int
    # {"output": ...} when the call answered, None when it failed for good (see `error`).
    output: dict[str, Any] | None = json_field(nullable=True)
    error: str | None = None
    created_at: datetime = created_at_field()
