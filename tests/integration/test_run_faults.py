"""Faults a run must survive: a batch failing mid-transaction, a crash after commit, AI errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, func, select
from temporalio import activity
from temporalio.api.failure.v1 import Failure
from temporalio.converter import DataConverter, DefaultFailureConverter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from pressrun.activities.run_activities import RunActivities, _map_errors
from pressrun.ai.base import AIRetryableError
from pressrun.ai.offline import OfflineProvider
from pressrun.ai.openai_provider import OpenAIProvider
from pressrun.config import Settings
from pressrun.contracts.run import STAGE_ACTIVITIES, BatchRequest, BatchResult
from pressrun.db import SessionFactory
from pressrun.models import Content, RunBatch, Task
from pressrun.runs.control import start_run
from pressrun.worker import WorkerFleet, build_worker
from tests.conftest import FULL_BUDGETS, SiteFactory
from tests.fakes.openai_server import FakeOpenAIServer, Respond429, Respond500, Status
from tests.helpers import assert_charged_once, balance, count, run_row, wait_for


@pytest.fixture
def fail_first_content_commit() -> Iterator[list[int]]:
    """Make the second stage-4 batch fail once, after its articles were written to the DB."""
    failures: list[int] = []
    content_commits: list[int] = []

    def before_commit(session: Session) -> None:
        batches = [
            o for o in session.identity_map.values() if isinstance(o, RunBatch) and o.stage == 4
        ]
        if not batches:
            return
        content_commits.append(1)
        if len(content_commits) == 2 and not failures:
            written = session.exec(
                select(func.count()).select_from(Content).where(Content.run_id == batches[0].run_id)
            ).one()
            # This batch's articles are in the database transaction: the fault hits mid-write.
            assert written > 3
            failures.append(written)
            raise RuntimeError("injected failure after writing part of a batch")

    event.listen(Session, "before_commit", before_commit)
    yield failures
    event.remove(Session, "before_commit", before_commit)


async def test_batch_failing_after_partial_write_is_retried_once(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
    fail_first_content_commit: list[int],
) -> None:
    account_id, site_id = make_site(keywords=12, stage_4_batch_size=3, **FULL_BUDGETS)
    before = balance(sessions, account_id)
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    await started.handle.result()

    assert len(fail_first_content_commit) == 1, "the fault was not injected"
    tasks = count(sessions, Task, site_id=site_id)
    assert count(sessions, Content, site_id=site_id) == tasks
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "completed"
    s4 = run.stage_4_result or {}
    assert s4["content_created"] == tasks and s4["batches_run"] == -(-tasks // 3)
    assert_charged_once(sessions, started.run_id, account_id, before)


class CrashAfterCommit:
    """A same-name `write_content` that commits its batch, then dies before reporting it."""

    def __init__(self, real: RunActivities) -> None:
        self.real = real
        self.crashes = 0
        self.replays = 0

    @activity.defn(name="write_content")
    async def write_content(self, req: BatchRequest) -> BatchResult:
        result = await self.real.write_content(req)
        if result.replayed:
            self.replays += 1
        if activity.info().attempt == 1:
            self.crashes += 1
            raise RuntimeError("worker lost after the commit")
        return result


async def test_activity_retried_after_commit_charges_once(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
    make_site: SiteFactory,
) -> None:
    crashing = CrashAfterCommit(RunActivities(sessions, provider, settings))
    account_id, site_id = make_site(keywords=10, stage_4_batch_size=4, **FULL_BUDGETS)
    before = balance(sessions, account_id)
    async with build_worker(
        time_env.client,
        settings,
        sessions,
        provider,
        overrides={STAGE_ACTIVITIES[4]: crashing.write_content},
    ):
        started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
        outcome = await started.handle.result()

    tasks = count(sessions, Task, site_id=site_id)
    batches = -(-tasks // 4)
    assert crashing.crashes == batches and crashing.replays == batches
    assert count(sessions, Content, site_id=site_id) == tasks
    assert outcome.stage_results[4]["content_created"] == tasks
    assert outcome.stage_results[4]["batches_run"] == batches
    assert_charged_once(sessions, started.run_id, account_id, before)


async def test_ai_errors_retry_the_batch_or_fail_the_item(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=6,
        stage_2_enabled=False,
        stage_5_enabled=False,
        **FULL_BUDGETS,
    )
    with FakeOpenAIServer() as server:
        provider = OpenAIProvider(api_key="sk-test-key-123456", base_url=server.base_url)
        # Clustering: a 429 with Retry-After, then a 500, then a valid answer.
        server.script("chat", Respond429(retry_after=7), Respond500())
        before = balance(sessions, account_id)
        async with build_worker(time_env.client, settings, sessions, provider):
            started = await start_run(
                time_env.client, settings, site_id=site_id, account_id=account_id
            )
            outcome = await started.handle.result()
        await provider.aclose()
        chat = server.requests_to("chat")
    assert [r.schema_name for r in chat[:3]] == ["cluster_names"] * 3
    assert outcome.status == "completed"
    assert outcome.stage_results[1]["keywords_processed"] == 6
    assert outcome.stage_results[1]["batches_run"] == 1
    assert_charged_once(sessions, started.run_id, account_id, before)


async def test_client_error_fails_one_item_and_the_run_goes_on(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
    engine: sa.Engine,
) -> None:
    account_id, site_id = make_site(keywords=4, stage_5_enabled=False, **FULL_BUDGETS)
    with FakeOpenAIServer() as server:
        provider = OpenAIProvider(api_key="sk-test-key-123456", base_url=server.base_url)
        async with build_worker(time_env.client, settings, sessions, provider):
            started = await start_run(
                time_env.client, settings, site_id=site_id, account_id=account_id
            )
            # Once idea generation has begun, the next AI call is refused with a 400.
            await wait_for(lambda: any(r.schema_name == "ideas" for r in server.requests))
            server.script("chat", Status(400, "This model does not support that request"))
            outcome = await started.handle.result()
        await provider.aclose()
    assert outcome.status == "completed"
    run = run_row(sessions, started.run_id)
    assert run is not None
    failed_items = sum(
        (getattr(run, f"stage_{n}_result") or {}).get("items_failed", 0) for n in (2, 4)
    )
    assert failed_items == 1
    with engine.connect() as conn:
        errors = (
            conn.execute(
                sa.text("select count(*) from task where site_id = :s and status = 'failed'"),
                {"s": site_id},
            ).scalar_one()
            + conn.execute(
                sa.text("select count(*) from cluster where site_id = :s and status = 'failed'"),
                {"s": site_id},
            ).scalar_one()
        )
    assert errors == 1


def test_retry_after_becomes_the_next_retry_delay() -> None:
    mapped = _map_errors(AIRetryableError("rate limited", retry_after=7))
    assert isinstance(mapped, ApplicationError)
    assert mapped.next_retry_delay == timedelta(seconds=7)
    assert not mapped.non_retryable


async def test_an_unmapped_error_reaches_temporal_as_itself(
    settings: Settings, sessions: SessionFactory
) -> None:
    async def broken(deps: object, req: BatchRequest) -> BatchResult:
        raise RuntimeError("database went away")

    activities = RunActivities(sessions, OfflineProvider(), settings)
    req = BatchRequest(run_id="r", site_id=1, account_id=1, stage=4, batch_index=0, limit=1)
    with pytest.raises(RuntimeError) as raised:
        await ActivityEnvironment().run(activities._stage, broken, req)
    assert raised.value.__cause__ is not raised.value
    # What the worker sends Temporal: the error and its message, not a recursion failure.
    failure = Failure()
    DefaultFailureConverter().to_failure(
        raised.value, DataConverter.default.payload_converter, failure
    )
    assert failure.message == "database went away"
