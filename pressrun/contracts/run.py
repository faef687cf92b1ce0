"""The run workflow's messages: its plan, options, batches, progress and activity names."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from pressrun.config import Settings

STAGE_NAMES = {
    1: "Keywords → Clusters",
    2: "Clusters → Ideas",
    3: "Ideas → Tasks",
    4: "Tasks → Content",
    5: "Content → Image Prompts",
    6: "Image Prompts → Images",
    7: "Review → Published",
}
AI_STAGES = frozenset({1, 2, 4, 5, 6})
BATCHED_STAGES = (1, 2, 3, 4, 5, 6)

# The spec's stage result field names: (input processed, items created).
RESULT_FIELDS: dict[int, tuple[str, str]] = {
    1: ("keywords_processed", "clusters_created"),
    2: ("clusters_processed", "ideas_created"),
    3: ("ideas_processed", "tasks_created"),
    4: ("tasks_processed", "content_created"),
    5: ("content_processed", "prompts_created"),
    6: ("images_processed", "images_generated"),
    7: ("content_processed", "ready_for_review"),
}

StageStatus = Literal["pending", "running", "completed", "skipped", "partial", "failed"]
RunStatusName = Literal["running", "paused", "cancelled", "completed", "failed"]


def run_workflow_id(site_id: int) -> str:
    """The run's workflow ID: one per site, so Temporal itself refuses a second concurrent run."""
    return f"automation-site-{site_id}"


class StagePlan(BaseModel):
    number: int
    enabled: bool
    batch_size: int = 1
    per_run_limit: int = 0
    use_testing: bool = False
    budget_pct: int | None = None
    estimate: Decimal = Decimal("0")


class RunPlan(BaseModel):
    """What a run will do, fixed when it starts (the config snapshot and the credit check)."""

    stages: list[StagePlan]
    within_stage_delay: int
    between_stage_delay: int
    estimate: Decimal
    required: Decimal
    balance: Decimal
    initial_snapshot: dict[str, int]

    def stage(self, number: int) -> StagePlan:
        return next(s for s in self.stages if s.number == number)

    def budget(self, number: int, *, over_running_stages: bool = True) -> Decimal | None:
        """A stage's share of the run's required credits. The run counts only the stages that
        run, and when their `budget_pct` shares add up to less than 100% they are scaled up to
        100%: a stage-1-only run may spend all of its (buffered) estimate on stage 1.

        `over_running_stages=False` is the rule before that (a share of 100% whatever runs),
        kept for runs that started under it."""
        pct = self.stage(number).budget_pct
        if pct is None or number not in AI_STAGES:
            return None
        total = Decimal(100)
        if over_running_stages:
            shares = sum(
                (s.budget_pct or 0)
                for s in self.stages
                if s.enabled and s.number in AI_STAGES and s.budget_pct is not None
            )
            total = min(total, Decimal(shares)) if shares > 0 else total
        return (self.required * pct / total).quantize(Decimal("0.01"))


class RunOptions(BaseModel):
    """Activity timing and history limits, chosen by the starter from settings."""

    activity_timeout_seconds: int = 600
    heartbeat_timeout_seconds: int = 60
    max_attempts: int = 8
    batches_before_continue_as_new: int = 500
    # The worker pools' task queues for AI text and image batches; None keeps them on the
    # workflow's own queue (as runs started before the pools existed do).
    text_queue: str | None = None
    image_queue: str | None = None
    # Batches of a stage in flight at once, by stage number; 1 when not listed.
    parallel_batches: dict[int, int] = Field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> RunOptions:
        """The options a run started now takes from the process's settings."""
        return cls(
            activity_timeout_seconds=settings.activity_timeout_seconds,
            heartbeat_timeout_seconds=settings.activity_heartbeat_seconds,
            max_attempts=settings.activity_max_attempts,
            batches_before_continue_as_new=settings.batches_before_continue_as_new,
            text_queue=settings.queue("text"),
            image_queue=settings.queue("images"),
            # Stage 1 stays sequential: each batch must see the clusters the one before it
            # made, or two batches in flight would each start a cluster for the same topic.
            parallel_batches={
                k: v for k, v in settings.parallel_batches.items() if v > 1 and k != 1
            },
        )

    def parallel(self, stage: int) -> int:
        # Stage 7 gives out publish slots, which batches in flight together could not share.
        if stage not in BATCHED_STAGES:
            return 1
        return max(1, self.parallel_batches.get(stage, 1))

    def queue_for(self, stage: int) -> str | None:
        if stage == 6:
            return self.image_queue
        return self.text_queue if stage in AI_STAGES else None


class StageProgress(BaseModel):
    number: int
    status: StageStatus = "pending"
    processed: int = 0
    created: int = 0
    failed: int = 0
    words: int = 0
    approved: int = 0
    batches_run: int = 0
    # Every batch activity started, committed or not: the next batch's idempotency index.
    batches_attempted: int = 0
    credits_used: Decimal = Decimal("0")
    started_at: datetime | None = None
    elapsed_seconds: float = 0.0
    reason: str | None = None

    def result(self) -> dict[str, Any]:
        """The spec's stage result JSON."""
        processed_key, created_key = RESULT_FIELDS[self.number]
        out: dict[str, Any] = {processed_key: self.processed, created_key: self.created}
        if self.number == 4:
            out["total_words"] = self.words
        if self.number == 7:
            out["approved"] = self.approved
        out.update(
            batches_run=self.batches_run,
            credits_used=float(self.credits_used),
            time_elapsed=round(self.elapsed_seconds),
            items_failed=self.failed,
            status=self.status,
            skipped=self.status == "skipped",
            partial=self.status == "partial",
        )
        if self.reason:
            out["reason"] = self.reason
        return out


class RunState(BaseModel):
    """Everything a run carries across continue-as-new."""

    plan: RunPlan | None = None
    current_stage: int = 1
    stages: dict[int, StageProgress] = Field(
        default_factory=lambda: {n: StageProgress(number=n) for n in STAGE_NAMES}
    )
    paused: bool = False
    cancel_requested: bool = False
    total_credits: Decimal = Decimal("0")
    stage_delay_pending: bool = False


class RunInput(BaseModel):
    run_id: str
    site_id: int
    account_id: int
    trigger_type: Literal["manual", "scheduled"] = "manual"
    options: RunOptions = Field(default_factory=RunOptions)
    state: RunState | None = None


class PrepareRequest(BaseModel):
    run_id: str
    site_id: int
    account_id: int
    workflow_id: str
    trigger_type: str


class BatchRequest(BaseModel):
    run_id: str
    site_id: int
    account_id: int
    stage: int
    batch_index: int
    limit: int
    use_testing: bool = False
    budget_remaining: Decimal | None = None
    # The workflow's clock when it asked: stage 7 counts publish slots from here, so a retried
    # batch picks the same slots.
    now: datetime | None = None
    # Parallel batches split a stage's items by ID: this batch takes only items whose
    # `id % partitions == partition`, so batches in flight together never share an item.
    partition: int = 0
    partitions: int = 1


class BatchResult(BaseModel):
    processed: int = 0
    created: int = 0
    failed: int = 0
    words: int = 0
    approved: int = 0
    credits: Decimal = Decimal("0")
    remaining: int = 0
    budget_reached: bool = False
    replayed: bool = False
    # Stage 7: the content given a publish slot by this batch, whose publish workflows the
    # activity starts (again, harmlessly, when the batch is replayed).
    scheduled: list[int] = Field(default_factory=list)


class StageRecord(BaseModel):
    run_id: str
    progress: StageProgress
    message: str


class StatusChange(BaseModel):
    run_id: str
    status: RunStatusName
    message: str


class FinishRequest(BaseModel):
    run_id: str
    site_id: int
    status: RunStatusName
    error_message: str | None = None


class RunOutcome(BaseModel):
    """What the run workflow returns."""

    run_id: str
    status: RunStatusName
    total_credits_used: Decimal
    stage_results: dict[int, dict[str, Any]]
    error_message: str | None = None


class ControlReply(BaseModel):
    """The verdict of a pause / resume / cancel update."""

    run_id: str
    status: RunStatusName
    pause_requested: bool
    cancel_requested: bool
    message: str


class LiveDetail(BaseModel):
    """The workflow's own view of what it is doing, for operators and `current_processing`."""

    run_id: str
    status: RunStatusName
    current_stage: int
    batch_index: int
    batch_in_flight: bool
    stage: StageProgress
    pause_requested: bool
    cancel_requested: bool


# The run workflow's type and its handlers' names: callers address it by these, so nothing
# outside the worker imports the workflow class.
RUN_WORKFLOW = "AutomationRun"
LIVE_QUERY = "live"
ControlAction = Literal["pause", "resume", "cancel"]
CONTROL_ACTIONS: tuple[ControlAction, ...] = ("pause", "resume", "cancel")


def control_signal(action: ControlAction) -> str:
    """The signal twin of a control update, accepted by the server with no worker up."""
    return f"request_{action}"


# Activity names: workflows call activities by name, so they never import activity code.
PREPARE_RUN = "prepare_run"
RECORD_STAGE = "record_stage"
SET_RUN_STATUS = "set_run_status"
FINISH_RUN = "finish_run"
STAGE_ACTIVITIES = {
    1: "cluster_keywords",
    2: "generate_ideas",
    3: "create_tasks",
    4: "write_content",
    5: "create_image_prompts",
    6: "generate_images",
    7: "review_content",
}
