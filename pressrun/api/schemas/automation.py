"""Bodies of the spec's automation routes: config, run control, progress, history, logs, estimate.

The progress reads are serialised by hand on their hot path (`FastJSONResponse`); their models
here document that JSON for OpenAPI and are never built on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from pressrun.contracts.run import ControlAction, LiveDetail
from pressrun.models import AutomationConfig
from pressrun.services.settings_patch import ConfigPatch
from pressrun.services.settings_view import CONFIG_FIELDS, CONFIG_READ_ONLY

# The config's fields are the settings view's, typed as the table's columns.
_CONFIG_COLUMNS: dict[str, Any] = {
    name: (AutomationConfig.model_fields[name].annotation, ...) for name in CONFIG_FIELDS
}
AutomationConfigOut: type[BaseModel] = create_model(
    "AutomationConfigOut",
    __doc__="A site's automation config with the spec's field names; times are ISO 8601.",
    id=(int, ...),
    site_id=(int, ...),
    **_CONFIG_COLUMNS,
)

StageResult = dict[str, Any]
STAGE_RESULT_DOC = (
    "The stage's result with the spec's field names (`keywords_processed`, "
    "`clusters_created`, ..., `batches_run`, `credits_used`, `time_elapsed`, `items_failed`, "
    "`status`, `skipped`, `partial`); null before the stage ran."
)


class RunStartedOut(BaseModel):
    run_id: str
    workflow_id: str
    status: Literal["running"]
    estimate: float
    required: float = Field(description="The estimate with the safety buffer.")
    balance: float
    message: str


class RunSummaryOut(BaseModel):
    """One run as `history` and `current_run` list it."""

    run_id: str
    site_id: int
    workflow_id: str
    trigger_type: str
    status: str
    current_stage: int
    started_at: datetime
    paused_at: datetime | None
    resumed_at: datetime | None
    cancelled_at: datetime | None
    completed_at: datetime | None
    total_credits_used: float
    estimated_credits: float
    initial_snapshot: dict[str, int]
    stage_1_result: StageResult | None = Field(description=STAGE_RESULT_DOC)
    stage_2_result: StageResult | None = Field(description=STAGE_RESULT_DOC)
    stage_3_result: StageResult | None = Field(description=STAGE_RESULT_DOC)
    stage_4_result: StageResult | None = Field(description=STAGE_RESULT_DOC)
    stage_5_result: StageResult | None = Field(description=STAGE_RESULT_DOC)
    stage_6_result: StageResult | None = Field(description=STAGE_RESULT_DOC)
    stage_7_result: StageResult | None = Field(description=STAGE_RESULT_DOC)
    error_message: str | None


class CurrentRunOut(BaseModel):
    run: RunSummaryOut | None = Field(description="The run in progress; null when none is.")


class PipelineStageOut(BaseModel):
    number: int
    name: str
    pending: int = Field(description="Items the next run would take.")
    items_by_status: dict[str, int]


class PipelineOverviewOut(BaseModel):
    site_id: int
    stages: list[PipelineStageOut]
    total_pending: int


class ProcessingOut(BaseModel):
    """What the run is doing now, from the database; `live` is the workflow's own view."""

    run_id: str
    status: str
    stage: int
    stage_name: str | None
    batches_run: int
    processed: int
    created: int
    remaining: int | None
    last_activity: str | None
    last_activity_at: datetime | None
    elapsed_seconds: int
    live: LiveDetail | None = Field(description="Null when no worker answered in time.")


class CurrentProcessingOut(BaseModel):
    processing: ProcessingOut | None = Field(description="Null when no run is in progress.")


class ProgressRunOut(BaseModel):
    run_id: str
    status: str
    current_stage: int
    trigger_type: str
    started_at: datetime
    completed_at: datetime | None
    error_message: str | None


class GlobalProgressOut(BaseModel):
    total_items: int
    completed_items: int
    percentage: int


class ProgressStageOut(BaseModel):
    number: int
    name: str
    status: str
    input_count: int
    processed_count: int
    created_count: int
    batches_run: int
    credits_used: float


class ProgressMetricsOut(BaseModel):
    credits_used: float
    estimated_credits: float
    duration_seconds: int


class RunProgressOut(BaseModel):
    """The spec's unified progress payload; only `run` (null) when the site has no run."""

    run: ProgressRunOut | None
    global_progress: GlobalProgressOut | None = None
    stages: list[ProgressStageOut] | None = None
    metrics: ProgressMetricsOut | None = None
    initial_snapshot: dict[str, int] | None = None


class ControlAppliedOut(BaseModel):
    """The run's workflow took the request: its state now."""

    run_id: str
    action: ControlAction
    accepted: Literal[True]
    applied: Literal[True]
    status: str
    pause_requested: bool
    cancel_requested: bool
    message: str


class ControlRecordedOut(BaseModel):
    """No worker answered in time: the request is recorded and applies when one picks the
    run up."""

    run_id: str
    action: ControlAction
    accepted: Literal[True]
    applied: Literal[False]
    status: str
    message: str


class LogEntryOut(BaseModel):
    id: int
    stage: int | None
    level: str
    message: str
    data: dict[str, Any]
    created_at: datetime


class LogsOut(BaseModel):
    run_id: str
    items: list[LogEntryOut]
    next_after_id: int = Field(description="Pass as `after_id` to read what follows.")


class StageEstimateOut(BaseModel):
    number: int
    enabled: bool
    estimate: float


class EstimateOut(BaseModel):
    site_id: int
    estimate: float
    buffer: float
    required: float
    balance: float
    sufficient: bool
    stages: list[StageEstimateOut]
    initial_snapshot: dict[str, int]


class FailedItemOut(BaseModel):
    stage: int
    stage_name: str
    item_id: int = Field(description="The keyword, cluster, task, article or image prompt.")
    label: str = Field(description="What the item is: its text, name, title or prompt.")
    error: str = Field(description="Why the stage failed on it.")
    attempts: int = Field(description="How many times it has failed, over every run.")


class FailedItemsOut(BaseModel):
    run_id: str
    max_attempts: int = Field(description="Failures after which no run tries an item again.")
    items: list[FailedItemOut] = Field(
        description="The failed items whose last failure was in this run, by stage."
    )


def _config_patch_schema() -> dict[str, Any]:
    """`PUT /update_config/`'s body: any of the config's fields, checked by the rules of
    `pressrun.services.settings_patch`; the read-only ones are accepted only unchanged, and
    test mode is the admin's (403)."""
    schema = ConfigPatch.model_json_schema()
    properties = {
        name: field
        for name, field in schema["properties"].items()
        if name not in {"test_mode_enabled", "test_trigger_at"}
    }
    read_only = {"description": "Read-only: accepted only as GET answers it."}
    properties.update({name: read_only for name in sorted(CONFIG_READ_ONLY)})
    return {"type": "object", "properties": properties, "additionalProperties": False}


CONFIG_PATCH_BODY: dict[str, Any] = {
    "requestBody": {"content": {"application/json": {"schema": _config_patch_schema()}}}
}
