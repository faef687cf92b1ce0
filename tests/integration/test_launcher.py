"""The launcher a site's Schedule starts: one lock with manual runs, the 23-hour block and
its bypass in test mode. Started here directly, as the Schedule would start it, on the dev
server: the run is the launcher's child, whose result the time-skipping server's clock
cannot be unlocked for."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Unpack

from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from pressrun.config import Settings
from pressrun.contracts.launch import LaunchInput, LaunchOutcome
from pressrun.contracts.run import RunOutcome
from pressrun.db import SessionFactory, transaction
from pressrun.models import AutomationConfig, AutomationRun
from pressrun.models.base import utcnow
from pressrun.runs.control import start_run
from pressrun.worker import WorkerFleet
from pressrun.workflows.automation_run import AutomationRunWorkflow
from pressrun.workflows.launcher import AutomationLauncherWorkflow
from tests.conftest import FULL_BUDGETS, NO_DELAYS, SiteConfig, SiteFactory
from tests.helpers import run_row


async def launch(
    env: WorkflowEnvironment, settings: Settings, site_id: int, account_id: int
) -> LaunchOutcome:
    return await env.client.execute_workflow(
        AutomationLauncherWorkflow.run,
        LaunchInput(site_id=site_id, account_id=account_id),
        id=f"automation-launch-site-{site_id}-{uuid.uuid4().hex[:6]}",
        task_queue=settings.task_queue,
    )


def runs(sessions: SessionFactory, site_id: int) -> list[AutomationRun]:
    with transaction(sessions) as s:
        return list(s.exec(select(AutomationRun).where(AutomationRun.site_id == site_id)).all())


def set_config(sessions: SessionFactory, site_id: int, **values: Unpack[SiteConfig]) -> None:
    with transaction(sessions) as s:
        config = s.exec(select(AutomationConfig).where(AutomationConfig.site_id == site_id)).one()
        for key, value in values.items():
            setattr(config, key, value)


async def test_scheduled_start_runs_the_site_under_its_run_id(
    dev_env: WorkflowEnvironment,
    dev_worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=5, enabled=True, **NO_DELAYS, **FULL_BUDGETS)
    outcome = await launch(dev_env, settings, site_id, account_id)
    assert outcome.started
    handle = dev_env.client.get_workflow_handle(f"automation-site-{site_id}")
    description = await handle.describe()
    assert description.workflow_type == "AutomationRun"
    result = await dev_env.client.get_workflow_handle(
        f"automation-site-{site_id}", run_id=description.run_id, result_type=RunOutcome
    ).result()
    assert result.status == "completed"
    row = run_row(sessions, outcome.run_id)
    assert row is not None and row.trigger_type == "scheduled" and row.status == "completed"


async def test_scheduled_start_during_a_manual_run_is_skipped(
    dev_env: WorkflowEnvironment,
    dev_worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=10, enabled=True, test_mode_enabled=True, within_stage_delay=30, **FULL_BUDGETS
    )
    manual = await start_run(dev_env.client, settings, site_id=site_id, account_id=account_id)
    outcome = await launch(dev_env, settings, site_id, account_id)
    assert not outcome.started and "already in progress" in (outcome.reason or "")
    skipped = run_row(sessions, outcome.run_id)
    assert skipped is not None and skipped.status == "skipped"
    await manual.handle.execute_update(AutomationRunWorkflow.cancel)
    await manual.handle.result()
    statuses = sorted(r.status for r in runs(sessions, site_id))
    assert statuses == ["cancelled", "skipped"]


async def test_twenty_three_hour_block_and_test_mode_bypass(
    dev_env: WorkflowEnvironment,
    dev_worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=5, enabled=True, **NO_DELAYS, **FULL_BUDGETS)
    with transaction(sessions) as s:
        s.add(
            AutomationRun(
                id=uuid.uuid4().hex,
                account_id=account_id,
                site_id=site_id,
                workflow_id=f"automation-site-{site_id}",
                status="completed",
                started_at=utcnow() - timedelta(hours=5),
            )
        )
    blocked = await launch(dev_env, settings, site_id, account_id)
    assert not blocked.started and "23-hour block" in (blocked.reason or "")
    row = run_row(sessions, blocked.run_id)
    assert (
        row is not None and row.status == "skipped" and "23-hour block" in (row.error_message or "")
    )

    set_config(sessions, site_id, test_mode_enabled=True)
    bypassed = await launch(dev_env, settings, site_id, account_id)
    assert bypassed.started and "bypassed" in (bypassed.reason or "")
    description = await dev_env.client.get_workflow_handle(f"automation-site-{site_id}").describe()
    await dev_env.client.get_workflow_handle(
        f"automation-site-{site_id}", run_id=description.run_id
    ).result()

    set_config(sessions, site_id, test_mode_enabled=False, enabled=False)
    disabled = await launch(dev_env, settings, site_id, account_id)
    assert not disabled.started and "disabled" in (disabled.reason or "")
