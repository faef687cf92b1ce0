"""Two real `pressrun worker` processes on the dev server share a run; SIGTERM to one mid-batch
loses nothing and does nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from pressrun.config import Settings
from pressrun.contracts.run import STAGE_ACTIVITIES
from pressrun.db import SessionFactory
from pressrun.models import Content, RunBatch, Task
from pressrun.runs.control import start_run
from tests.conftest import FULL_BUDGETS, SiteFactory
from tests.fakes.openai_server import FakeOpenAIServer
from tests.helpers import balance, count, ledger_charges, run_row

WRITE = STAGE_ACTIVITIES[4]


@pytest.fixture
def fake_ai() -> Iterator[FakeOpenAIServer]:
    # Every AI call takes a while, so a batch of two articles is in flight for seconds.
    with FakeOpenAIServer(latency_seconds=1.5) as server:
        yield server


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    pressrun = Path(sys.executable).parent / "pressrun"
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(pressrun), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def _writers_in_flight(handle: WorkflowHandle[Any, Any]) -> dict[str, int]:
    """Started stage-4 batches, by the identity of the worker running them."""
    description = await handle.describe()
    found: dict[str, int] = {}
    for pending in description.raw_description.pending_activities:
        if (
            pending.activity_type.name == WRITE
            and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        ):
            found[pending.last_worker_identity] = found.get(pending.last_worker_identity, 0) + 1
    return found


async def test_two_workers_share_a_run_and_sigterm_mid_batch_loses_nothing(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
    fake_ai: FakeOpenAIServer,
    database_url: str,
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "PRESSRUN_DATABASE_URL": database_url,
        "PRESSRUN_DATA_DIR": str(tmp_path),
        "PRESSRUN_MEDIA_ROOT": str(settings.resolved_media_root()),
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": dev_env.client.namespace,
        "PRESSRUN_TASK_QUEUE": settings.task_queue,
        "PRESSRUN_AI_PROVIDER": "openai",
        "PRESSRUN_OPENAI_API_KEY": "sk-test-fleet-0123456789",
        "PRESSRUN_OPENAI_BASE_URL": fake_ai.base_url,
        # One text batch per process at a time: two in flight means one on each.
        "PRESSRUN_TEXT_CONCURRENCY": "1",
        "PRESSRUN_WORKER_SHUTDOWN_GRACE_SECONDS": "1",
        "PRESSRUN_ACTIVITY_HEARTBEAT_SECONDS": "10",
        "PRESSRUN_LOG_JSON": "true",
    }
    workers = [_spawn(env, tmp_path / f"worker-{i}.log") for i in range(2)]
    try:
        account_id, site_id = make_site(
            keywords=8,
            stage_4_batch_size=2,
            stage_5_enabled=False,
            within_stage_delay=0,
            between_stage_delay=0,
            **FULL_BUDGETS,
        )
        before = balance(sessions, account_id)
        starter = settings.model_copy(update={"parallel_batches": {4: 2}})
        started = await start_run(dev_env.client, starter, site_id=site_id, account_id=account_id)

        # Both processes take a stage-4 batch at once.
        deadline = time.monotonic() + 90
        while len(busy := await _writers_in_flight(started.handle)) < 2:
            assert time.monotonic() < deadline, "the two workers never ran batches together"
            await asyncio.sleep(0.1)
        identities = {int(identity.split("@")[0]): identity for identity in busy}
        assert set(identities) == {w.pid for w in workers}

        # Stop one of them mid-batch: its batch outlives the grace period and goes back.
        stopped = workers[0]
        stopped.send_signal(signal.SIGTERM)
        assert stopped.wait(timeout=30) == 0
        outcome = await started.handle.result()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)

    assert outcome.status == "completed", outcome
    # Nothing lost, nothing twice: an article per task, a batch record per batch, one charge
    # per batch, and the balance moved by exactly what the run recorded.
    tasks = count(sessions, Task, site_id=site_id)
    assert count(sessions, Content, site_id=site_id) == tasks > 0
    assert outcome.stage_results[4]["content_created"] == tasks
    charges = ledger_charges(sessions, started.run_id)
    assert len({c.idempotency_key for c in charges}) == len(charges)
    run = run_row(sessions, started.run_id)
    assert run is not None
    assert before - balance(sessions, account_id) == run.total_credits_used
    assert (
        count(sessions, RunBatch, run_id=started.run_id, stage=4)
        == (outcome.stage_results[4]["batches_run"])
    )

    # The interrupted batch was retried by the worker that stayed.
    stayed = identities[workers[1].pid]
    retried = []
    async for event in started.handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attrs = event.activity_task_started_event_attributes
            if attrs.attempt > 1:
                retried.append(attrs.identity)
    assert retried and set(retried) == {stayed}
