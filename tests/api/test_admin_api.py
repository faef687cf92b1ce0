"""Admin routes: firing a site's Schedule at once, and a test trigger armed for a moment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from pressrun.contracts.launch import schedule_id
from pressrun.contracts.run import RunOutcome
from pressrun.db import SessionFactory, transaction
from pressrun.models import AutomationConfig, AutomationRun
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.worker import WorkerFleet, build_worker
from tests.api.conftest import ADMIN, ApiServer, Tenant, new_site
from tests.conftest import FULL_BUDGETS
from tests.helpers import wait_for


@pytest.fixture
async def dev_worker(
    dev_env: WorkflowEnvironment, api: ApiServer, sessions: SessionFactory, provider: Any
) -> AsyncIterator[WorkerFleet]:
    async with build_worker(dev_env.client, api.settings, sessions, provider) as worker:
        yield worker


def prepare(sessions: SessionFactory, site_id: int) -> None:
    with transaction(sessions) as session:
        import_keywords(session, site_id, demo_keywords()[:4])
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site_id)
        ).one()
        for key, value in {
            **FULL_BUDGETS,
            "within_stage_delay": 0,
            "between_stage_delay": 0,
        }.items():
            setattr(config, key, value)


def first_run(sessions: SessionFactory, site_id: int) -> AutomationRun | None:
    with transaction(sessions) as session:
        return session.exec(select(AutomationRun).where(AutomationRun.site_id == site_id)).first()


async def test_member_keys_are_refused(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    path = f"/api/v1/admin/sites/{site['id']}"
    for method, url, body in (
        ("PUT", f"{path}/test-mode", {"test_mode_enabled": True}),
        ("POST", f"{path}/trigger", None),
    ):
        response = await http.request(method, url, json=body, headers=tenant.headers)
        assert response.status_code == 403
        assert (await http.request(method, url, json=body)).status_code == 401
    missing = await http.post("/api/v1/admin/sites/999999/trigger", headers=ADMIN)
    assert missing.status_code == 404


async def test_admin_trigger_runs_a_test_mode_site_at_once(
    http: httpx.AsyncClient,
    tenant: Tenant,
    dev_worker: WorkerFleet,
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
) -> None:
    site = await new_site(http, tenant)
    prepare(sessions, site["id"])
    path = f"/api/v1/admin/sites/{site['id']}"
    on = await http.put(f"{path}/test-mode", json={"test_mode_enabled": True}, headers=ADMIN)
    assert on.status_code == 200 and on.json()["test_mode_enabled"] is True
    fired = await http.post(f"{path}/trigger", headers=ADMIN)
    assert fired.status_code == 200, fired.text
    run = await wait_for(lambda: first_run(sessions, site["id"]), timeout=30)
    assert run.trigger_type == "scheduled"
    outcome = await dev_env.client.get_workflow_handle(
        f"automation-site-{site['id']}", result_type=RunOutcome
    ).result()
    assert outcome.status == "completed"
    await dev_env.client.get_schedule_handle(schedule_id(site["id"])).delete()


async def test_test_trigger_at_starts_a_run_at_that_moment(
    http: httpx.AsyncClient,
    tenant: Tenant,
    dev_worker: WorkerFleet,
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
) -> None:
    site = await new_site(http, tenant)
    prepare(sessions, site["id"])
    at = datetime.now(UTC) + timedelta(seconds=3)
    armed = await http.put(
        f"/api/v1/admin/sites/{site['id']}/test-mode",
        json={"test_mode_enabled": True, "test_trigger_at": at.isoformat()},
        headers=ADMIN,
    )
    assert armed.status_code == 200, armed.text
    assert first_run(sessions, site["id"]) is None
    run = await wait_for(lambda: first_run(sessions, site["id"]), timeout=30)
    assert run.started_at >= at - timedelta(seconds=1)
    await dev_env.client.get_workflow_handle(
        f"automation-site-{site['id']}", result_type=RunOutcome
    ).result()
