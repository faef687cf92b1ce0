"""Every log line an activity writes carries its workflow, attempt and pressrun IDs.

A worker interceptor binds them as structlog context variables around each activity, so
lines logged anywhere below it — stages, services, providers, `asyncio.to_thread` work (which
copies the context) — say which run, site or article and which Temporal attempt they belong to,
without threading a logger through every call. `pressrun.logs` merges them into each line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

# Attributes of an activity's first argument (pressrun's request models) worth a log field.
REQUEST_FIELDS = ("run_id", "site_id", "content_id")


def activity_log_context(args: Sequence[Any]) -> dict[str, Any]:
    """The running activity's identity, plus the pressrun IDs its first argument carries.

    `temporal_run_id` is the workflow execution's run ID, kept apart from pressrun's `run_id`.
    """
    info = activity.info()
    context: dict[str, Any] = {
        "workflow_id": info.workflow_id,
        "temporal_run_id": info.workflow_run_id,
        "activity": info.activity_type,
        "attempt": info.attempt,
        "task_queue": info.task_queue,
    }
    if args:
        request = args[0]
        for field in REQUEST_FIELDS:
            value = getattr(request, field, None)
            if value is not None:
                context[field] = value
    return context


class _ActivityLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        # Each activity runs in its own task (its own copy of the context), and the binding
        # is undone on the way out, so nothing leaks between activities.
        with structlog.contextvars.bound_contextvars(**activity_log_context(input.args)):
            return await self.next.execute_activity(input)


class LogContextInterceptor(Interceptor):
    """Pass to `Worker(interceptors=[LogContextInterceptor()])`."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogContext(next)
