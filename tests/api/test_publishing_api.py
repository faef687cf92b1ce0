"""Publishing through the API on the dev server: approve → slot, move, withdraw, retry, check."""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from pressrun.contracts.publish import PUBLISH_STATE_QUERY, PublishWait, publish_workflow_id
from pressrun.db import SessionFactory
from pressrun.worker import WorkerFleet, build_worker
from tests.api.conftest import ApiServer, Tenant, new_site
from tests.conftest import installed_binary
from tests.fakes.wordpress_server import FakeWordPressServer
from tests.helpers import wait_for
from tests.publishing_helpers import publication, seed_article

FOLDER = {
    "auto_approval_enabled": False,
    "auto_publish_enabled": True,
    "daily_publish_limit": 1,
    "publish_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "time_slots": ["09:00"],
    "publisher": "folder",
}


@pytest.fixture
async def dev_worker(
    dev_env: WorkflowEnvironment, api: ApiServer, sessions: SessionFactory, provider: Any
) -> AsyncIterator[WorkerFleet]:
    async with build_worker(dev_env.client, api.settings, sessions, provider) as worker:
        yield worker


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _status(dev_env: WorkflowEnvironment, content_id: int) -> WorkflowExecutionStatus:
    description = await dev_env.client.get_workflow_handle(
        publish_workflow_id(content_id)
    ).describe()
    assert description.status is not None
    return description.status


async def test_approve_schedules_then_move_withdraw_and_publish(
    http: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    api: ApiServer,
    dev_env: WorkflowEnvironment,
    dev_worker: WorkerFleet,
    sessions: SessionFactory,
) -> None:
    site = await new_site(http, tenant, timezone="Europe/Berlin")
    base = f"/api/v1/sites/{site['id']}"
    h = tenant.headers
    await ok(await http.put(f"{base}/publishing-settings", json=FOLDER, headers=h))
    media = api.settings.resolved_media_root()
    first = seed_article(sessions, site["id"], media, status="review")
    second = seed_article(sessions, site["id"], media, status="review")

    # With auto-publish, approving takes the next free 09:00 Berlin slot, one a day.
    one = await ok(await http.post(f"{base}/content/{first}/approve", headers=h))
    two = await ok(await http.post(f"{base}/content/{second}/approve", headers=h))
    assert one["status"] == two["status"] == "scheduled"
    berlin = ZoneInfo("Europe/Berlin")
    slots = [datetime.fromisoformat(c["publish_at"]).astimezone(berlin) for c in (one, two)]
    assert [s.strftime("%H:%M") for s in slots] == ["09:00", "09:00"]
    assert (slots[1].date() - slots[0].date()).days == 1
    assert slots[0] - datetime.now(UTC) <= timedelta(days=1)
    pub = await ok(await http.get(f"{base}/content/{first}/publication", headers=h))
    assert pub["status"] == "scheduled" and pub["workflow_id"] == publish_workflow_id(first)
    assert await _status(dev_env, first) == WorkflowExecutionStatus.RUNNING

    # The README's CLI line lists the site's waiting publications.
    def waiting() -> set[str]:
        query = (
            f'WorkflowType = "PublishContent" AND SiteId = "{site["id"]}" '
            'AND ExecutionStatus = "Running"'
        )
        listed = subprocess.run(
            [
                installed_binary("temporal"),
                "workflow",
                "list",
                "--query",
                query,
                "--output",
                "json",
                "--address",
                dev_env.client.service_client.config.target_host,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return {row["execution"]["workflowId"] for row in json.loads(listed.stdout or "[]")}

    expected = {publish_workflow_id(first), publish_workflow_id(second)}
    await wait_for(lambda: waiting() == expected, timeout=15)

    # Move it: bad times are refused, a good one reaches the waiting workflow.
    url = f"{base}/content/{first}/reschedule"
    naive = {"publish_at": "2031-01-01T10:00:00"}
    assert (await http.post(url, json=naive, headers=h)).status_code == 422
    past = {"publish_at": "2020-01-01T10:00:00Z"}
    response = await http.post(url, json=past, headers=h)
    assert response.status_code == 422 and "past" in response.text
    target = datetime(2031, 1, 1, 10, 0, tzinfo=UTC)
    moved = await ok(await http.post(url, json={"publish_at": target.isoformat()}, headers=h))
    assert datetime.fromisoformat(moved["publish_at"]) == target
    handle = dev_env.client.get_workflow_handle(publish_workflow_id(first))
    wait = await handle.query(PUBLISH_STATE_QUERY, result_type=PublishWait)
    assert wait.publish_at == target and wait.phase == "waiting"

    # Another account cannot see or steer it.
    other = f"{base}/content/{first}/unschedule"
    assert (await http.post(other, headers=other_tenant.headers)).status_code == 404

    # Withdraw it: approved again, its workflow done, nothing published.
    back = await ok(await http.post(f"{base}/content/{first}/unschedule", headers=h))
    assert back["status"] == "approved" and back["publish_at"] is None
    assert (await http.post(f"{base}/content/{first}/unschedule", headers=h)).status_code == 409
    assert (await handle.result(rpc_timeout=timedelta(seconds=10)))["status"] == "unscheduled"

    # Schedule it for a moment from now: the worker publishes it to the folder.
    soon = datetime.now(UTC) + timedelta(seconds=1)
    await ok(
        await http.post(
            f"{base}/content/{first}/schedule", json={"publish_at": soon.isoformat()}, headers=h
        )
    )
    done = await wait_for(
        lambda: (p := publication(sessions, first)) and p.status == "published" and p, timeout=30
    )
    index = api.settings.resolved_publish_root() / (done.remote_id or "") / "index.md"
    assert index.is_file()
    for action, body in (("reschedule", {"publish_at": target.isoformat()}), ("unschedule", None)):
        response = await http.post(f"{base}/content/{first}/{action}", json=body, headers=h)
        assert response.status_code == 409, (action, response.text)
    assert (await http.post(f"{base}/content/{first}/reject", headers=h)).status_code == 409

    # Rejecting scheduled content takes it off the calendar too.
    rejected = await ok(await http.post(f"{base}/content/{second}/reject", headers=h))
    assert rejected["status"] == "draft"
    handle = dev_env.client.get_workflow_handle(publish_workflow_id(second))
    assert (await handle.result())["status"] == "unscheduled"
    listing = await ok(await http.get(f"{base}/publications?status=published", headers=h))
    assert [p["content_id"] for p in listing["items"]] == [first]


async def test_connection_check_failed_publish_and_retry(
    http: httpx.AsyncClient,
    tenant: Tenant,
    api: ApiServer,
    dev_env: WorkflowEnvironment,
    dev_worker: WorkerFleet,
    sessions: SessionFactory,
) -> None:
    site = await new_site(http, tenant)
    base = f"/api/v1/sites/{site['id']}"
    h = tenant.headers
    check = f"{base}/publishing-settings/check"
    folder = await ok(await http.post(check, headers=h))
    assert folder["publisher"] == "folder" and folder["ok"] is True

    with FakeWordPressServer() as wp:
        wordpress = {
            **FOLDER,
            "auto_publish_enabled": False,
            "publisher": "wordpress",
            "wordpress_url": wp.base_url,
            "wordpress_username": wp.username,
            "wordpress_app_password": "not the password",
        }
        saved = await ok(await http.put(f"{base}/publishing-settings", json=wordpress, headers=h))
        assert saved["wordpress_app_password_set"] is True
        bad = await ok(await http.post(check, headers=h))
        assert bad["ok"] is False and bad["problem"] == "bad_credentials"
        assert "application password" in bad["detail"]

        content_id = seed_article(sessions, site["id"], api.settings.resolved_media_root())
        await ok(await http.post(f"{base}/content/{content_id}/schedule", headers=h))
        soon = datetime.now(UTC) + timedelta(milliseconds=500)
        await ok(
            await http.post(
                f"{base}/content/{content_id}/reschedule",
                json={"publish_at": soon.isoformat()},
                headers=h,
            )
        )
        failed = await wait_for(
            lambda: (p := publication(sessions, content_id)) and p.status == "failed" and p,
            timeout=30,
        )
        assert failed.error and "password" in failed.error.lower()
        shown = await ok(await http.get(f"{base}/content/{content_id}/publication", headers=h))
        assert shown["status"] == "failed" and shown["error"] == failed.error

        wp.strip_authorization()
        stripped = await ok(await http.post(check, headers=h))
        assert stripped["problem"] == "authorization_header_stripped"
        wp.strip_authorization(False)
        fixed = {**wordpress, "wordpress_app_password": wp.application_password}
        await ok(await http.put(f"{base}/publishing-settings", json=fixed, headers=h))
        assert (await ok(await http.post(check, headers=h)))["ok"] is True

        retried = await ok(await http.post(f"{base}/content/{content_id}/retry-publish", headers=h))
        assert retried["status"] == "scheduled"
        done = await wait_for(
            lambda: (p := publication(sessions, content_id)) and p.status == "published" and p,
            timeout=30,
        )
        [post] = wp.posts
        assert done.remote_id == str(post["id"]) and post["title"]
        again = await http.post(f"{base}/content/{content_id}/retry-publish", headers=h)
        assert again.status_code == 409
