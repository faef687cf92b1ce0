"""Run behaviour on the time-skipping server: limits, skips, credits, budgets, the lock,
pause / resume / cancel and Temporal cancellation, continue-as-new."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import CancelledError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.run import LiveDetail
from pressrun.db import SessionFactory, transaction
from pressrun.errors import RunAlreadyActiveError
from pressrun.models import Cluster, Content, CreditLedger, Keyword, PublishingSettings, Task
from pressrun.runs.control import start_run
from pressrun.worker import WorkerFleet, build_worker
from pressrun.workflows.automation_run import AutomationRunWorkflow
from tests.conftest import FULL_BUDGETS, Budgets, SiteFactory
from tests.helpers import (
    balance,
    count,
    ledger_charges,
    logs,
    run_row,
    stage_batches,
    wait_for,
)


async def test_disabled_stage_is_skipped(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=10, stage_5_enabled=False, **FULL_BUDGETS)
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    assert (await started.handle.result()).status == "completed"
    run = run_row(sessions, started.run_id)
    assert run is not None
    s5 = run.stage_5_result or {}
    assert s5["skipped"] is True and s5["reason"] == "stage disabled"
    assert s5["content_processed"] == 0 and s5["batches_run"] == 0
    # Nothing to turn into images: stage 6 finds no work and says so.
    s6 = run.stage_6_result or {}
    assert s6["skipped"] is True and s6["reason"] == "no items to process"
    drafts = count(sessions, Content, site_id=site_id)
    assert (run.stage_7_result or {})["ready_for_review"] == drafts > 0


async def test_per_run_limits_are_honoured(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=30,
        stage_1_batch_size=10,
        max_keywords_per_run=15,
        max_tasks_per_run=4,
        stage_4_batch_size=3,
        **FULL_BUDGETS,
    )
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    await started.handle.result()
    run = run_row(sessions, started.run_id)
    assert run is not None
    s1 = run.stage_1_result or {}
    assert s1["keywords_processed"] == 15 and s1["batches_run"] == 2
    assert count(sessions, Keyword, site_id=site_id, status="new") == 15
    s4 = run.stage_4_result or {}
    assert s4["tasks_processed"] == 4 and s4["batches_run"] == 2
    assert count(sessions, Content, site_id=site_id) == 4
    assert count(sessions, Task, site_id=site_id, status="queued") > 0


async def test_insufficient_credits_refused_before_any_work(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=20, credits=Decimal("10"))
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    with pytest.raises(WorkflowFailureError) as failure:
        await started.handle.result()
    assert "Insufficient credits" in str(failure.value.cause)
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "failed"
    assert run.error_message is not None
    assert str(run.estimated_credits) in run.error_message
    assert "balance is 10" in run.error_message
    assert count(sessions, Cluster, site_id=site_id) == 0
    assert ledger_charges(sessions, started.run_id) == []
    assert balance(sessions, account_id) == Decimal("10")


async def test_stage_budget_reached_ends_stage_partial(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    budgets: Budgets = {**FULL_BUDGETS, "stage_4_budget_pct": 2}
    account_id, site_id = make_site(keywords=20, **budgets, stage_4_batch_size=2)
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    await started.handle.result()
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "completed"
    s4 = run.stage_4_result or {}
    budget = Decimal(str(run.plan["required"])) * 2 / 100 if run.plan else Decimal(0)
    assert s4["partial"] is True and "budget" in s4["reason"]
    assert Decimal(str(s4["credits_used"])) >= budget
    assert 0 < s4["tasks_processed"] < count(sessions, Task, site_id=site_id)
    # Later stages go on with what the partial stage produced.
    assert (run.stage_7_result or {})["ready_for_review"] == s4["content_created"]


async def test_two_concurrent_starts_give_one_run(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=10, **FULL_BUDGETS)
    results = await asyncio.gather(
        *(
            start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    started = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, RunAlreadyActiveError)]
    assert len(started) == 1 and len(refused) == 4
    winner = started[0]
    assert all(r.run_id == winner.run_id for r in refused)
    assert winner.run_id in str(refused[0])
    await winner.handle.result()
    # Once it ended, the site can run again.
    again = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    await again.handle.result()
    assert again.run_id != winner.run_id


async def test_pause_then_resume_continues_where_it_stopped(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=30, stage_1_batch_size=10, within_stage_delay=60, **FULL_BUDGETS
    )
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    handle = started.handle

    await wait_for(lambda: stage_batches(sessions, started.run_id, 1) == 1)
    reply = await handle.execute_update(AutomationRunWorkflow.pause)
    assert reply.pause_requested and reply.status == "running"
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(AutomationRunWorkflow.pause)
    assert "already paused" in str(refused.value.cause)

    await time_env.sleep(61)  # the durable delay ends; the run pauses at the next checkpoint
    await wait_for(lambda: (r := run_row(sessions, started.run_id)) and r.status == "paused")
    await time_env.sleep(3600)  # an hour paused: nothing moves
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "paused" and run.paused_at is not None
    assert (run.stage_1_result or {})["batches_run"] == 1
    live: LiveDetail = await handle.query(AutomationRunWorkflow.live)
    assert live.status == "paused" and live.current_stage == 1

    reply = await handle.execute_update(AutomationRunWorkflow.resume)
    assert not reply.pause_requested
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(AutomationRunWorkflow.resume)
    assert "not paused" in str(refused.value.cause)
    outcome = await handle.result()
    assert outcome.status == "completed"
    run = run_row(sessions, started.run_id)
    assert run is not None and run.resumed_at is not None
    s1 = run.stage_1_result or {}
    assert s1["keywords_processed"] == 30 and s1["batches_run"] == 3
    assert count(sessions, Keyword, site_id=site_id, status="clustered") == 30
    assert "Run paused" in logs(sessions, started.run_id)
    assert "Run resumed" in logs(sessions, started.run_id)
    with pytest.raises(RPCError):
        await handle.execute_update(AutomationRunWorkflow.pause)


async def test_cancel_update_stops_after_current_batch(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=30, stage_1_batch_size=10, within_stage_delay=60, **FULL_BUDGETS
    )
    before = balance(sessions, account_id)
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)

    await wait_for(lambda: stage_batches(sessions, started.run_id, 1) == 1)
    reply = await started.handle.execute_update(AutomationRunWorkflow.cancel)
    assert reply.cancel_requested
    outcome = await started.handle.result()
    assert outcome.status == "cancelled"
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "cancelled" and run.cancelled_at is not None
    assert (run.stage_1_result or {})["batches_run"] == 1
    assert count(sessions, Keyword, site_id=site_id, status="clustered") == 10
    assert before - balance(sessions, account_id) == run.total_credits_used == Decimal(15)


async def test_temporal_cancellation_ends_run_cancelled(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=30, stage_1_batch_size=10, within_stage_delay=60, **FULL_BUDGETS
    )
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)

    await wait_for(lambda: stage_batches(sessions, started.run_id, 1) == 1)
    await started.handle.cancel()
    with pytest.raises(WorkflowFailureError) as failure:
        await started.handle.result()
    assert isinstance(failure.value.cause, CancelledError)
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "cancelled" and run.cancelled_at is not None
    assert (run.stage_1_result or {})["batches_run"] == 1


async def test_continue_as_new_keeps_the_counts(
    time_env: WorkflowEnvironment,
    sessions: SessionFactory,
    settings: Settings,
    make_site: SiteFactory,
    provider: OfflineProvider,
) -> None:
    settings = settings.model_copy(update={"batches_before_continue_as_new": 3})
    worker = build_worker(time_env.client, settings, sessions, provider)
    account_id, site_id = make_site(
        keywords=30, stage_1_batch_size=5, stage_2_batch_size=4, **FULL_BUDGETS
    )
    async with worker:
        started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
        outcome = await started.handle.result()
    first_run = time_env.client.get_workflow_handle(
        started.workflow_id, run_id=started.handle.first_execution_run_id
    )
    history = await first_run.fetch_history()
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "completed"
    clusters = count(sessions, Cluster, site_id=site_id)
    assert outcome.stage_results[1]["keywords_processed"] == 30
    assert outcome.stage_results[1]["batches_run"] == 6
    assert outcome.stage_results[1]["clusters_created"] == clusters
    assert outcome.stage_results[2]["clusters_processed"] == clusters
    assert (run.stage_1_result or {})["keywords_processed"] == 30
    charged = -sum((c.amount for c in ledger_charges(sessions, started.run_id)), Decimal(0))
    assert outcome.total_credits_used == charged == run.total_credits_used
    assert count(sessions, CreditLedger, run_id=started.run_id) == sum(
        r.get("batches_run", 0) for n, r in outcome.stage_results.items() if n in (1, 2, 4, 5, 6)
    )


async def test_review_stage_auto_approves_per_publishing_settings(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=8, stage_5_enabled=False, **FULL_BUDGETS)
    with transaction(sessions) as session:
        publishing = session.exec(
            select(PublishingSettings).where(PublishingSettings.site_id == site_id)
        ).one()
        publishing.auto_approval_enabled = True
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    await started.handle.result()
    run = run_row(sessions, started.run_id)
    assert run is not None
    s7 = run.stage_7_result or {}
    articles = count(sessions, Content, site_id=site_id)
    assert s7["approved"] == articles > 0 and s7["ready_for_review"] == 0
    assert count(sessions, Content, site_id=site_id, status="approved") == articles
