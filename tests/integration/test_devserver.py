"""On the real dev server: a full run with search attributes, and a worker killed mid-stage."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.models import Content, Image, ImagePrompt, Task
from pressrun.runs.control import start_run
from pressrun.worker import build_worker
from tests.conftest import FULL_BUDGETS, SiteFactory
from tests.fakes.openai_server import FakeOpenAIServer
from tests.helpers import balance, count, ledger_charges, run_row, wait_for


async def test_full_pipeline_on_the_dev_server(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=15, within_stage_delay=0, between_stage_delay=0, **FULL_BUDGETS
    )
    async with build_worker(dev_env.client, settings, sessions, provider):
        started = await start_run(dev_env.client, settings, site_id=site_id, account_id=account_id)
        outcome = await started.handle.result()
    assert outcome.status == "completed"
    assert set(outcome.stage_results) == {1, 2, 3, 4, 5, 6, 7}
    tasks = count(sessions, Task, site_id=site_id)
    assert outcome.stage_results[7]["ready_for_review"] == tasks > 0
    # Operators find the run by its typed search attributes (visibility is eventually
    # consistent, hence the wait).
    query = f'SiteId = "{site_id}" AND AccountId = "{account_id}" AND RunStatus = "completed"'

    async def listed() -> list[str]:
        return [w.id async for w in dev_env.client.list_workflows(query)]

    for _ in range(50):
        if await listed():
            break
        await asyncio.sleep(0.2)
    assert await listed() == [started.workflow_id]
    description = await started.handle.describe()
    assert description.typed_search_attributes  # set at start and kept current


def _worker_env(settings: Settings, dev_env: WorkflowEnvironment, ai_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSRUN_")}
    env.update(
        PRESSRUN_DATABASE_URL=settings.resolved_database_url(),
        # The session database holds secrets sealed with the session key.
        PRESSRUN_SECRET_KEYS=",".join(k.get_secret_value() for k in settings.secret_keys),
        PRESSRUN_DATA_DIR=str(settings.data_dir),
        PRESSRUN_MEDIA_ROOT=str(settings.resolved_media_root()),
        PRESSRUN_TASK_QUEUE=settings.task_queue,
        PRESSRUN_AI_PROVIDER="openai",
        PRESSRUN_OPENAI_API_KEY="sk-test-worker-key",
        PRESSRUN_OPENAI_BASE_URL=ai_url,
        PRESSRUN_IMAGE_SIZE="64x64",
        PRESSRUN_LOG_JSON="true",
        TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        TEMPORAL_NAMESPACE=dev_env.client.namespace,
    )
    return env


@pytest.fixture
def ai_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(latency_seconds=0.15) as server:
        yield server


def _spawn_worker(env: dict[str, str], log_path: str) -> subprocess.Popen[bytes]:
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
    return subprocess.Popen(
        [sys.executable, "-m", "pressrun.cli", "worker"], env=env, stdout=log, stderr=log
    )


async def test_worker_killed_mid_stage_and_replaced(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
    ai_server: FakeOpenAIServer,
) -> None:
    # A short heartbeat timeout, so the dead worker's batch is handed on quickly.
    settings = settings.model_copy(update={"activity_heartbeat_seconds": 3})
    account_id, site_id = make_site(
        keywords=8,
        stage_4_batch_size=3,
        within_stage_delay=0,
        between_stage_delay=0,
        **FULL_BUDGETS,
    )
    before = balance(sessions, account_id)
    env = _worker_env(settings, dev_env, ai_server.base_url)
    log_path = str(settings.data_dir / "worker.log")
    first = _spawn_worker(env, log_path)
    try:
        started = await start_run(dev_env.client, settings, site_id=site_id, account_id=account_id)

        def mid_stage_4() -> bool:
            run = run_row(sessions, started.run_id)
            return bool(run and (run.stage_4_result or {}).get("batches_run", 0) >= 1)

        await wait_for(mid_stage_4, timeout=90)
        requests_before_kill = len(ai_server.requests_to("chat"))
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        second = _spawn_worker(env, log_path)
        try:
            outcome = await asyncio.wait_for(started.handle.result(), timeout=180)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
    assert outcome.status == "completed", Path(log_path).read_text()[-3000:]
    assert len(ai_server.requests_to("chat")) > requests_before_kill
    tasks = count(sessions, Task, site_id=site_id)
    assert count(sessions, Content, site_id=site_id) == tasks
    prompts = count(sessions, ImagePrompt, site_id=site_id)
    assert count(sessions, Image, site_id=site_id) == prompts
    charges = ledger_charges(sessions, started.run_id)
    assert len({c.idempotency_key for c in charges}) == len(charges)
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "completed"
    charged = -sum((c.amount for c in charges), Decimal(0))
    assert charged == run.total_credits_used == before - balance(sessions, account_id)
    assert (run.stage_4_result or {})["content_created"] == tasks
