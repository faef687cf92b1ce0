"""Activity log lines carry the workflow, attempt and pressrun IDs the interceptor binds."""

from __future__ import annotations

import uuid
from datetime import timedelta

import structlog
from pydantic import BaseModel
from structlog.testing import capture_logs
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from pressrun.log_context import LogContextInterceptor

log = structlog.get_logger("tests.log_context")


class ProbeRequest(BaseModel):
    run_id: str
    site_id: int
    content_id: int | None = None


@activity.defn(name="log_probe")
async def log_probe(req: ProbeRequest) -> None:
    log.info("probing")
    if req.content_id is not None and activity.info().attempt == 1:
        raise ApplicationError("first attempt fails")


@workflow.defn(name="LogContextProbe")
class LogContextProbe:
    @workflow.run
    async def run(self, requests: list[ProbeRequest]) -> None:
        for request in requests:
            await workflow.execute_activity(
                log_probe,
                request,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=10)),
            )


async def test_activity_lines_carry_the_temporal_and_pressrun_ids(
    time_env: WorkflowEnvironment,
) -> None:
    queue = f"log-context-{uuid.uuid4().hex[:8]}"
    workflow_id = f"log-probe-{uuid.uuid4().hex[:8]}"
    requests = [
        ProbeRequest(run_id="run-a", site_id=7, content_id=42),
        ProbeRequest(run_id="run-b", site_id=8),
    ]
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        async with Worker(
            time_env.client,
            task_queue=queue,
            workflows=[LogContextProbe],
            activities=[log_probe],
            interceptors=[LogContextInterceptor()],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            handle = await time_env.client.start_workflow(
                LogContextProbe.run, requests, id=workflow_id, task_queue=queue
            )
            await handle.result()

    probes = [line for line in lines if line["event"] == "probing"]
    common = {
        "workflow_id": workflow_id,
        "temporal_run_id": handle.result_run_id,
        "activity": "log_probe",
        "task_queue": queue,
    }
    assert probes == [
        {
            **common,
            "attempt": 1,
            "run_id": "run-a",
            "site_id": 7,
            "content_id": 42,
            "event": "probing",
            "log_level": "info",
        },
        {
            **common,
            "attempt": 2,
            "run_id": "run-a",
            "site_id": 7,
            "content_id": 42,
            "event": "probing",
            "log_level": "info",
        },
        # The next activity's line has its own IDs: nothing stays bound from the last one.
        {
            **common,
            "attempt": 1,
            "run_id": "run-b",
            "site_id": 8,
            "event": "probing",
            "log_level": "info",
        },
    ]
    assert "workflow_id" not in structlog.contextvars.get_contextvars()
