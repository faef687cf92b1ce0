"""The run workflow's activities: bookkeeping on the run row and one activity per stage batch.

Each maps pressrun's errors onto Temporal's retry rules: transient AI failures retry (after
the provider's Retry-After when it gave one); missing credits or rows never do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from pressrun.activities.heartbeat import heartbeating
from pressrun.ai.base import AIProvider, AIRetryableError
from pressrun.config import Settings
from pressrun.contracts.launch import CHECK_LAUNCH, RECORD_SKIP, LaunchDecision, SkipRecord
from pressrun.contracts.run import (
    FINISH_RUN,
    PREPARE_RUN,
    RECORD_STAGE,
    SET_RUN_STATUS,
    STAGE_ACTIVITIES,
    BatchRequest,
    BatchResult,
    FinishRequest,
    PrepareRequest,
    RunPlan,
    StageRecord,
    StatusChange,
)
from pressrun.db import SessionFactory, transaction
from pressrun.embeddings.base import Embedder
from pressrun.embeddings.factory import build_embedder
from pressrun.errors import InsufficientCreditsError, NotFoundError
from pressrun.metrics import activity_metrics
from pressrun.publishing import control as publish_control
from pressrun.publishing import publications
from pressrun.runs import launch, records
from pressrun.stages import (
    clustering,
    content,
    ideas,
    image_prompts,
    images,
    review,
    tasks,
)
from pressrun.stages.common import StageDeps

T = TypeVar("T")
log = structlog.get_logger("pressrun.activities")

StageFn = Callable[[StageDeps, BatchRequest], Awaitable[BatchResult]]


def _map_errors(err: Exception) -> Exception:
    """The Temporal error an activity raises for `err`: `err` itself when it needs none."""
    if isinstance(err, AIRetryableError):
        delay = timedelta(seconds=err.retry_after) if err.retry_after else None
        return ApplicationError(str(err), type="AIRetryable", next_retry_delay=delay)
    if isinstance(err, InsufficientCreditsError):
        return ApplicationError(str(err), type="InsufficientCredits", non_retryable=True)
    if isinstance(err, NotFoundError):
        return ApplicationError(str(err), type="NotFound", non_retryable=True)
    return err


class RunActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        provider: AIProvider,
        settings: Settings,
        embedder: Embedder | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._deps = StageDeps(
            sessions=sessions,
            provider=provider,
            settings=settings,
            embedder=embedder if embedder is not None else build_embedder(settings, sessions),
        )

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args)
        except Exception as err:
            mapped = _map_errors(err)
            if mapped is err:
                # Raised as itself: `raise err from err` would make it its own cause, which
                # sends Temporal's failure converter into endless recursion.
                raise
            raise mapped from err

    def _waiting_slots(self, content_ids: list[int]) -> list[tuple[int, datetime]]:
        with transaction(self._sessions) as session:
            return publications.waiting_slots(session, content_ids)

    async def _stage(self, fn: StageFn, req: BatchRequest) -> BatchResult:
        bound = log.bind(run_id=req.run_id, site_id=req.site_id, stage=req.stage)
        async with heartbeating():
            try:
                result = await fn(self._deps, req)
            except Exception as err:
                bound.warning("batch failed", batch=req.batch_index, error=str(err))
                mapped = _map_errors(err)
                if mapped is err:
                    raise
                raise mapped from err
        if not result.replayed:
            # A replayed batch was counted by the attempt that committed it.
            activity_metrics().batch_done(req.stage, result.processed, result.credits)
        bound.info(
            "batch done",
            batch=req.batch_index,
            processed=result.processed,
            created=result.created,
            credits=str(result.credits),
            replayed=result.replayed,
        )
        return result

    @activity.defn(name=PREPARE_RUN)
    async def prepare_run(self, req: PrepareRequest) -> RunPlan:
        return await self._db(records.prepare_run, self._sessions, self._settings, req)

    @activity.defn(name=RECORD_STAGE)
    async def record_stage(self, rec: StageRecord) -> None:
        await self._db(records.record_stage, self._sessions, rec)

    @activity.defn(name=SET_RUN_STATUS)
    async def set_run_status(self, change: StatusChange) -> None:
        await self._db(records.set_status, self._sessions, change)

    @activity.defn(name=FINISH_RUN)
    async def finish_run(self, req: FinishRequest) -> None:
        await self._db(records.finish_run, self._sessions, req)

    @activity.defn(name=CHECK_LAUNCH)
    async def check_launch(self, site_id: int, now: datetime) -> LaunchDecision:
        return await self._db(launch.check_launch, self._sessions, self._settings, site_id, now)

    @activity.defn(name=RECORD_SKIP)
    async def record_skip(self, rec: SkipRecord) -> None:
        await self._db(launch.record_skip, self._sessions, rec)

    @activity.defn(name=STAGE_ACTIVITIES[1])
    async def cluster_keywords(self, req: BatchRequest) -> BatchResult:
        return await self._stage(clustering.run_batch, req)

    @activity.defn(name=STAGE_ACTIVITIES[2])
    async def generate_ideas(self, req: BatchRequest) -> BatchResult:
        return await self._stage(ideas.run_batch, req)

    @activity.defn(name=STAGE_ACTIVITIES[3])
    async def create_tasks(self, req: BatchRequest) -> BatchResult:
        return await self._stage(tasks.run_batch, req)

    @activity.defn(name=STAGE_ACTIVITIES[4])
    async def write_content(self, req: BatchRequest) -> BatchResult:
        return await self._stage(content.run_batch, req)

    @activity.defn(name=STAGE_ACTIVITIES[5])
    async def create_image_prompts(self, req: BatchRequest) -> BatchResult:
        return await self._stage(image_prompts.run_batch, req)

    @activity.defn(name=STAGE_ACTIVITIES[6])
    async def generate_images(self, req: BatchRequest) -> BatchResult:
        return await self._stage(images.run_batch, req)

    @activity.defn(name=STAGE_ACTIVITIES[7])
    async def review_content(self, req: BatchRequest) -> BatchResult:
        result = await self._stage(review.run_batch, req)
        # Also on a replayed batch: its workflows may not have started before a crash, and
        # starting one already running keeps it.
        if result.scheduled:
            slots = await self._db(self._waiting_slots, result.scheduled)
            client = activity.client()
            for content_id, publish_at in slots:
                await publish_control.start_publish(
                    client,
                    self._settings,
                    content_id=content_id,
                    site_id=req.site_id,
                    publish_at=publish_at,
                )
        return result

    def by_name(self) -> dict[str, Callable[..., Any]]:
        """Every activity of a run, keyed by the name workflows call it by."""
        return {
            PREPARE_RUN: self.prepare_run,
            RECORD_STAGE: self.record_stage,
            SET_RUN_STATUS: self.set_run_status,
            FINISH_RUN: self.finish_run,
            CHECK_LAUNCH: self.check_launch,
            RECORD_SKIP: self.record_skip,
            STAGE_ACTIVITIES[1]: self.cluster_keywords,
            STAGE_ACTIVITIES[2]: self.generate_ideas,
            STAGE_ACTIVITIES[3]: self.create_tasks,
            STAGE_ACTIVITIES[4]: self.write_content,
            STAGE_ACTIVITIES[5]: self.create_image_prompts,
            STAGE_ACTIVITIES[6]: self.generate_images,
            STAGE_ACTIVITIES[7]: self.review_content,
        }
