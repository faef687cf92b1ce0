"""Build a process's workers: one Temporal Worker per pool it serves, each on its own queue.

Pools let each kind of work be sized and scaled alone: `runs` (the workflows and the light
bookkeeping activities), `text` (AI text stages), `images` (image generation) and `publish`
(deliveries to publishers). A process serves any subset; every pool's queue must be served
by some process in the fleet.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from pressrun.activities.publish_activities import PublishActivities
from pressrun.activities.run_activities import RunActivities
from pressrun.ai.base import AIProvider
from pressrun.config import Settings
from pressrun.contracts.publish import PUBLISH_CONTENT
from pressrun.contracts.run import STAGE_ACTIVITIES
from pressrun.db import SessionFactory
from pressrun.embeddings.base import Embedder
from pressrun.log_context import LogContextInterceptor
from pressrun.sealing import Sealer
from pressrun.workflows.automation_run import AutomationRunWorkflow
from pressrun.workflows.launcher import AutomationLauncherWorkflow
from pressrun.workflows.publish_content import PublishContentWorkflow

WORKFLOWS = [AutomationRunWorkflow, AutomationLauncherWorkflow, PublishContentWorkflow]

# Which pool runs each activity that is not on the runs pool. The runs pool registers every
# activity too: a run whose options name no pool queues (one started before pools existed)
# schedules all its activities on the workflow's own queue.
_POOL_OF = {
    **{STAGE_ACTIVITIES[n]: "text" for n in (1, 2, 4, 5)},
    STAGE_ACTIVITIES[6]: "images",
    PUBLISH_CONTENT: "publish",
}


def pool_of(name: str) -> str:
    return _POOL_OF.get(name, "runs")


class WorkerFleet:
    """The workers of one process, started and stopped together."""

    def __init__(self, workers: Sequence[Worker]) -> None:
        self.workers = list(workers)
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> WorkerFleet:
        async with contextlib.AsyncExitStack() as stack:
            for worker in self.workers:
                await stack.enter_async_context(worker)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Exiting a Worker shuts it down gracefully: running activities get the grace
        # period, then are cancelled and retried elsewhere.
        await self._stack.aclose()


def build_worker(
    client: Client,
    settings: Settings,
    sessions: SessionFactory,
    provider: AIProvider,
    *,
    pools: Sequence[str] | None = None,
    overrides: Mapping[str, Callable[..., Any]] | None = None,
    embedder: Embedder | None = None,
    sealer: Sealer | None = None,
) -> WorkerFleet:
    """Workers for `pools` (default: the settings' `worker_queues`); every activity's log
    lines carry its workflow, run and site IDs.

    `overrides` swaps activities by name, for tests that inject a failure into one. `sealer`
    opens stored secrets (the process's own; built from `settings` when not given).
    """
    chosen = list(pools) if pools is not None else settings.pools()
    for pool in chosen:
        settings.queue(pool)
    by_name = {
        **RunActivities(sessions, provider, settings, embedder).by_name(),
        **PublishActivities(sessions, settings, sealer).by_name(),
        **(overrides or {}),
    }
    concurrency = {
        "runs": settings.runs_concurrency,
        "text": settings.text_concurrency,
        "images": settings.image_concurrency,
        "publish": settings.publish_concurrency,
    }
    grace = timedelta(seconds=settings.worker_shutdown_grace_seconds)
    workers = [
        Worker(
            client,
            task_queue=settings.queue(pool),
            workflows=WORKFLOWS if pool == "runs" else [],
            activities=[fn for name, fn in by_name.items() if pool in ("runs", pool_of(name))],
            max_concurrent_activities=concurrency[pool],
            graceful_shutdown_timeout=grace,
            interceptors=[LogContextInterceptor()],
        )
        for pool in chosen
    ]
    return WorkerFleet(workers)
