"""`temporal schedule trigger` (the real CLI) fires a site's Schedule: the launcher starts
the run under the site's run ID, bypassing the 23-hour block in test mode."""

from __future__ import annotations

import subprocess

from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.launch import schedule_id
from pressrun.contracts.run import RunOutcome
from pressrun.db import SessionFactory, transaction
from pressrun.models import AutomationRun
from pressrun.schedules import reconcile_site
from pressrun.worker import build_worker
from tests.conftest import FULL_BUDGETS, SiteFactory, installed_binary
from tests.helpers import wait_for


async def test_cli_trigger_starts_a_run(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
    make_site: SiteFactory,
) -> None:
    _, site_id = make_site(
        keywords=4,
        enabled=True,
        test_mode_enabled=True,
        within_stage_delay=0,
        between_stage_delay=0,
        **FULL_BUDGETS,
    )
    client = dev_env.client
    with transaction(sessions) as session:
        assert await reconcile_site(client, session, site_id, settings) == "created"
    try:
        async with build_worker(client, settings, sessions, provider):
            subprocess.run(
                [
                    installed_binary("temporal"),
                    "schedule",
                    "trigger",
                    "--schedule-id",
                    schedule_id(site_id),
                    "--address",
                    client.service_client.config.target_host,
                    "--namespace",
                    client.namespace,
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )

            def scheduled_run() -> AutomationRun | None:
                with transaction(sessions) as session:
                    return session.exec(
                        select(AutomationRun)
                        .where(AutomationRun.site_id == site_id)
                        .order_by(col(AutomationRun.started_at))
                    ).first()

            run = await wait_for(scheduled_run, timeout=60)
            assert run.trigger_type == "scheduled"
            outcome = await client.get_workflow_handle(
                f"automation-site-{site_id}", result_type=RunOutcome
            ).result()
            assert outcome.status == "completed" and outcome.run_id == run.id
    finally:
        await client.get_schedule_handle(schedule_id(site_id)).delete()
