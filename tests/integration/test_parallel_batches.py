"""Parallel batches on the time-skipping server: same results as sequential, limits exact,
pause and cancel still between batches, each pool's batches on its own task queue."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from pressrun.config import Settings
from pressrun.contracts.run import (
    STAGE_ACTIVITIES,
    RunInput,
    RunOptions,
    RunOutcome,
    run_workflow_id,
)
from pressrun.db import SessionFactory, transaction
from pressrun.models import Content, Idea, Image, ImagePrompt, Keyword, Task
from pressrun.runs.control import start_run
from pressrun.worker import WorkerFleet
from pressrun.workflows.automation_run import AutomationRunWorkflow
from tests.conftest import FULL_BUDGETS, Budgets, SiteFactory
from tests.helpers import balance, count, ledger_charges, run_row, stage_batches, wait_for

VARIES = {"batches_run", "credits_used", "total_words", "time_elapsed", "elapsed_seconds"}
PARALLEL = {2: 3, 3: 2, 4: 4, 5: 3, 6: 4}


class BatchSizes(TypedDict):
    stage_1_batch_size: int
    stage_2_batch_size: int
    stage_3_batch_size: int
    stage_4_batch_size: int
    stage_5_batch_size: int
    stage_6_batch_size: int


SMALL_BATCHES: BatchSizes = {
    "stage_1_batch_size": 6,
    "stage_2_batch_size": 2,
    "stage_3_batch_size": 3,
    "stage_4_batch_size": 2,
    "stage_5_batch_size": 2,
    "stage_6_batch_size": 3,
}


def _rows(sessions: SessionFactory, model: Any, site_id: int) -> list[Any]:
    with transaction(sessions) as session:
        rows = list(session.exec(select(model).where(model.site_id == site_id)).all())
        for row in rows:
            session.expunge(row)
        return rows


async def _overlap(handle: WorkflowHandle[Any, RunOutcome], activity: str) -> tuple[int, set[str]]:
    """The most `activity` tasks in flight at once, and the task queues they ran on."""
    open_now = peak = 0
    queues: set[str] = set()
    ours: set[int] = set()
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            if attrs.activity_type.name == activity:
                ours.add(event.event_id)
                queues.add(attrs.task_queue.name)
                open_now += 1
                peak = max(peak, open_now)
        elif (
            event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
            and event.activity_task_completed_event_attributes.scheduled_event_id in ours
        ):
            open_now -= 1
    return peak, queues


async def test_parallel_batches_match_a_sequential_run_exactly(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    outcomes = {}
    for mode, parallel in (("sequential", {}), ("parallel", PARALLEL)):
        run_settings = settings.model_copy(update={"parallel_batches": parallel})
        account_id, site_id = make_site(keywords=24, **SMALL_BATCHES, **FULL_BUDGETS)
        before = balance(sessions, account_id)
        started = await start_run(
            time_env.client, run_settings, site_id=site_id, account_id=account_id
        )
        outcome = await started.handle.result()
        assert outcome.status == "completed", outcome
        # Every item once: one task per idea, one article per task, one image per prompt.
        ideas = count(sessions, Idea, site_id=site_id)
        assert count(sessions, Task, site_id=site_id) == ideas
        assert count(sessions, Content, site_id=site_id) == ideas
        assert count(sessions, Image, site_id=site_id) == count(
            sessions, ImagePrompt, site_id=site_id
        )
        charges = ledger_charges(sessions, started.run_id)
        assert len({c.idempotency_key for c in charges}) == len(charges)
        spent = before - balance(sessions, account_id)
        run = run_row(sessions, started.run_id)
        assert run is not None and spent == run.total_credits_used
        # Charged exactly for what was made: per cluster batch, idea, 100 words, prompt, image.
        prices = settings.prices
        words = sum(-(-c.word_count // 100) for c in _rows(sessions, Content, site_id))
        expected = (
            prices.cluster_batch * outcome.stage_results[1]["batches_run"]
            + prices.idea * count(sessions, Idea, site_id=site_id)
            + prices.per_100_words * words
            + prices.image_prompt * count(sessions, ImagePrompt, site_id=site_id)
            + prices.image * count(sessions, Image, site_id=site_id)
        )
        assert spent == expected
        outcomes[mode] = (outcome, spent, started.handle)

    sequential, parallel_run = outcomes["sequential"], outcomes["parallel"]
    # The same work, item for item (word counts differ with the site's IDs, so credits are
    # checked against the items each run made, below).
    for stage in range(1, 8):
        ours, theirs = parallel_run[0].stage_results[stage], sequential[0].stage_results[stage]
        for key in ours:
            if key not in VARIES:
                assert ours[key] == theirs[key], (stage, key)
    handle = parallel_run[2]
    peak, queues = await _overlap(handle, STAGE_ACTIVITIES[4])
    assert peak == 4 and queues == {settings.queue("text")}
    peak, queues = await _overlap(handle, STAGE_ACTIVITIES[6])
    assert peak > 1 and queues == {settings.queue("images")}
    peak, queues = await _overlap(sequential[2], STAGE_ACTIVITIES[4])
    assert peak == 1 and queues == {settings.queue("text")}


async def test_per_run_limit_and_budget_hold_with_batches_in_flight(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    run_settings = settings.model_copy(update={"parallel_batches": {4: 4}})
    account_id, site_id = make_site(
        keywords=24,
        stage_4_batch_size=2,
        max_tasks_per_run=5,
        stage_5_enabled=False,
        **FULL_BUDGETS,
    )
    started = await start_run(time_env.client, run_settings, site_id=site_id, account_id=account_id)
    outcome = await started.handle.result()
    assert outcome.stage_results[4]["content_created"] == 5
    assert count(sessions, Content, site_id=site_id) == 5

    # A lane whose share runs out leaves room another lane then takes: no stop before the limit.
    account_id, site_id = make_site(
        keywords=24,
        stage_4_batch_size=14,
        max_tasks_per_run=14,
        stage_5_enabled=False,
        **FULL_BUDGETS,
    )
    two = settings.model_copy(update={"parallel_batches": {4: 2}})
    started = await start_run(time_env.client, two, site_id=site_id, account_id=account_id)
    outcome = await started.handle.result()
    tasks = count(sessions, Task, site_id=site_id)
    assert outcome.stage_results[4]["content_created"] == min(14, tasks)

    budgets: Budgets = {**FULL_BUDGETS, "stage_4_budget_pct": 5}
    account_id, site_id = make_site(keywords=24, stage_4_batch_size=3, **budgets)
    started = await start_run(time_env.client, run_settings, site_id=site_id, account_id=account_id)
    outcome = await started.handle.result()
    run = run_row(sessions, started.run_id)
    assert run is not None and run.plan is not None
    s4 = outcome.stage_results[4]
    assert s4["partial"] is True and "budget" in s4["reason"]
    budget = Decimal(str(run.plan["required"])) * 5 / 100
    # Each batch in flight holds a share of the budget and may finish the article it started
    # past its share: at most one article (here under 20 credits) per lane over.
    assert Decimal(str(s4["credits_used"])) <= budget + 4 * 20
    assert count(sessions, Content, site_id=site_id) == s4["content_created"]


async def test_pause_and_cancel_wait_for_the_batches_in_flight(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    # Starters keep stage 1 sequential (each batch must see the clusters before it); the
    # workflow still runs lanes for any stage its options name, so this run names stage 1.
    account_id, site_id = make_site(
        keywords=40, stage_1_batch_size=10, within_stage_delay=60, **FULL_BUDGETS
    )
    options = RunOptions.from_settings(settings).model_copy(update={"parallel_batches": {1: 2}})
    run_id = uuid.uuid4().hex
    handle = await time_env.client.start_workflow(
        AutomationRunWorkflow.run,
        RunInput(run_id=run_id, site_id=site_id, account_id=account_id, options=options),
        id=run_workflow_id(site_id),
        task_queue=settings.task_queue,
    )
    await wait_for(lambda: stage_batches(sessions, run_id, 1) == 2)
    await handle.execute_update(AutomationRunWorkflow.pause)
    await time_env.sleep(61)
    await wait_for(lambda: (r := run_row(sessions, run_id)) and r.status == "paused")
    await time_env.sleep(3600)
    assert stage_batches(sessions, run_id, 1) == 2
    assert count(sessions, Keyword, site_id=site_id, status="clustered") == 20
    await handle.execute_update(AutomationRunWorkflow.resume)
    await wait_for(lambda: stage_batches(sessions, run_id, 1) >= 3)
    await handle.execute_update(AutomationRunWorkflow.cancel)
    outcome = await handle.result()
    assert outcome.status == "cancelled"
    clustered = count(sessions, Keyword, site_id=site_id, status="clustered")
    batches = stage_batches(sessions, run_id, 1)
    assert clustered == 10 * batches and batches in (3, 4)
    run = run_row(sessions, run_id)
    assert run is not None and run.total_credits_used == Decimal(15) * batches
    assert isinstance(run.cancelled_at, datetime)


async def test_a_run_started_before_worker_pools_still_runs(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    """Its options name no pool queues: every activity goes to the runs queue, which serves
    them all."""
    account_id, site_id = make_site(keywords=6, stage_5_enabled=False, **FULL_BUDGETS)
    run_id = uuid.uuid4().hex
    handle = await time_env.client.start_workflow(
        AutomationRunWorkflow.run,
        RunInput(run_id=run_id, site_id=site_id, account_id=account_id, options=RunOptions()),
        id=run_workflow_id(site_id),
        task_queue=settings.task_queue,
    )
    outcome = await handle.result()
    assert outcome.status == "completed"
    assert count(sessions, Content, site_id=site_id) == count(sessions, Task, site_id=site_id)
    _, queues = await _overlap(handle, STAGE_ACTIVITIES[4])
    assert queues == {settings.task_queue}
