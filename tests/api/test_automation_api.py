"""The spec's automation endpoints over real HTTP, with the real worker on the time-skipping
server: run control, progress, history, logs, estimate, the event stream, auth."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from pressrun.db import SessionFactory, transaction
from pressrun.models import AutomationConfig, Keyword
from pressrun.models.content import KeywordStatus
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.worker import WorkerFleet, build_worker
from tests.api.conftest import ADMIN, ApiServer, Tenant, new_site, new_tenant
from tests.conftest import FULL_BUDGETS
from tests.helpers import run_row, wait_for

A = "/api/v1/automation"


def configure(sessions: SessionFactory, site_id: int, keywords: int, **config: Any) -> None:
    with transaction(sessions) as session:
        import_keywords(session, site_id, demo_keywords()[:keywords])
        row = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site_id)
        ).one()
        for key, value in {**FULL_BUDGETS, **config}.items():
            setattr(row, key, value)


async def run_to_end(env: WorkflowEnvironment, site_id: int) -> None:
    await env.client.get_workflow_handle(f"automation-site-{site_id}").result()


@pytest.fixture
async def api_worker(
    dev_env: WorkflowEnvironment, api: ApiServer, sessions: SessionFactory, provider: Any
) -> AsyncIterator[WorkerFleet]:
    async with build_worker(dev_env.client, api.settings, sessions, provider) as worker:
        yield worker


async def test_run_now_to_completion_with_every_read_endpoint(
    http: httpx.AsyncClient,
    tenant: Tenant,
    api_worker: WorkerFleet,
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
) -> None:
    site = await new_site(http, tenant)
    configure(sessions, site["id"], 8, within_stage_delay=0, between_stage_delay=0)
    q = {"site_id": site["id"]}
    h = tenant.headers

    estimate = (await http.get(f"{A}/estimate/", params=q, headers=h)).json()
    assert estimate["sufficient"] is True and estimate["required"] == pytest.approx(
        estimate["estimate"] * 1.2
    )
    assert [s["number"] for s in estimate["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    overview = (await http.get(f"{A}/pipeline_overview/", params=q, headers=h)).json()
    assert overview["stages"][0]["pending"] == 8

    response = await http.post(f"{A}/run_now/", params=q, headers=h)
    assert response.status_code == 200, response.text
    run_id = response.json()["run_id"]
    # Readable at once, before the worker has touched it.
    progress = await http.get(f"{A}/run_progress/", params={**q, "run_id": run_id}, headers=h)
    assert progress.status_code == 200 and progress.json()["run"]["run_id"] == run_id

    await run_to_end(dev_env, site["id"])

    body = (await http.get(f"{A}/run_progress/", params={**q, "run_id": run_id}, headers=h)).json()
    assert set(body) == {"run", "global_progress", "stages", "metrics", "initial_snapshot"}
    assert body["run"]["status"] == "completed"
    assert body["global_progress"]["percentage"] == 100
    assert body["global_progress"]["completed_items"] == body["global_progress"]["total_items"]
    assert [s["number"] for s in body["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    assert body["stages"][0] == body["stages"][0] | {
        "status": "completed",
        "input_count": 8,
        "processed_count": 8,
    }
    assert body["metrics"]["credits_used"] > 0 and body["initial_snapshot"]["stage_1_initial"] == 8

    history = (await http.get(f"{A}/history/", params=q, headers=h)).json()
    assert history["total"] == 1 and history["items"][0]["run_id"] == run_id
    # A plain day bounds whole days, in UTC: today's run is within "to today".
    today = datetime.fromisoformat(history["items"][0]["started_at"]).date().isoformat()
    for bounds in ({"date_to": today}, {"date_from": today, "date_to": today}):
        within = await http.get(f"{A}/history/", params={**q, **bounds}, headers=h)
        assert within.json()["total"] == 1, bounds
    assert history["items"][0]["stage_1_result"]["keywords_processed"] == 8
    logs = (await http.get(f"{A}/logs/", params={**q, "run_id": run_id}, headers=h)).json()
    messages = [item["message"] for item in logs["items"]]
    assert messages[0].startswith("Run started") and messages[-1] == "Run completed"
    tail = await http.get(
        f"{A}/logs/", params={**q, "run_id": run_id, "after_id": logs["next_after_id"]}, headers=h
    )
    assert tail.json()["items"] == []
    assert (await http.get(f"{A}/current_run/", params=q, headers=h)).json() == {"run": None}
    assert (await http.get(f"{A}/current_processing/", params=q, headers=h)).json() == {
        "processing": None
    }

    run_q = {**q, "run_id": run_id}
    failed = (await http.get(f"{A}/failed_items/", params=run_q, headers=h)).json()
    assert failed == {"run_id": run_id, "max_attempts": 3, "items": []}
    # A keyword this run failed on, as a refused embedding would leave it.
    with transaction(sessions) as session:
        keyword = session.exec(select(Keyword).where(Keyword.site_id == site["id"])).first()
        assert keyword is not None
        keyword.status, keyword.error = KeywordStatus.FAILED, "the endpoint refused it"
        keyword.attempts, keyword.last_run_id = 1, run_id
    failed = (await http.get(f"{A}/failed_items/", params=run_q, headers=h)).json()
    assert failed["items"] == [
        {
            "stage": 1,
            "stage_name": "Keywords → Clusters",
            "item_id": keyword.id,
            "label": keyword.text,
            "error": "the endpoint refused it",
            "attempts": 1,
        }
    ]
    overview = (await http.get(f"{A}/pipeline_overview/", params=q, headers=h)).json()
    # The next run would retry it.
    assert overview["stages"][0]["pending"] == 1


async def test_twenty_concurrent_run_now_give_one_run(
    http: httpx.AsyncClient,
    tenant: Tenant,
    api_worker: WorkerFleet,
    sessions: SessionFactory,
    dev_env: WorkflowEnvironment,
) -> None:
    site = await new_site(http, tenant)
    configure(sessions, site["id"], 6, within_stage_delay=30)
    q = {"site_id": site["id"]}
    responses = await asyncio.gather(
        *(http.post(f"{A}/run_now/", params=q, headers=tenant.headers) for _ in range(20))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19
    winner = next(r.json()["run_id"] for r in responses if r.status_code == 200)
    for refused in (r.json() for r in responses if r.status_code == 409):
        assert refused["code"] == "already_running" and refused["run_id"] == winner
    history = (await http.get(f"{A}/history/", params=q, headers=tenant.headers)).json()
    assert [r["run_id"] for r in history["items"]] == [winner]
    cancel = await http.post(f"{A}/cancel/", params={**q, "run_id": winner}, headers=tenant.headers)
    assert cancel.status_code == 200


async def test_run_now_short_of_credits_is_402(
    http: httpx.AsyncClient, sessions: SessionFactory, api: ApiServer
) -> None:
    poor = await new_tenant(http, credits=5)
    site = await new_site(http, poor)
    configure(sessions, site["id"], 20)
    response = await http.post(
        f"{A}/run_now/", params={"site_id": site["id"]}, headers=poor.headers
    )
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "insufficient_credits" and body["balance"] == 5
    assert body["estimate"] > 5
    history = (
        await http.get(f"{A}/history/", params={"site_id": site["id"]}, headers=poor.headers)
    ).json()
    assert history["total"] == 0


async def test_pause_resume_cancel_through_the_api(
    http: httpx.AsyncClient,
    tenant: Tenant,
    api_worker: WorkerFleet,
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
) -> None:
    site = await new_site(http, tenant)
    configure(sessions, site["id"], 30, stage_1_batch_size=10, within_stage_delay=2)
    q = {"site_id": site["id"]}
    h = tenant.headers
    run_id = (await http.post(f"{A}/run_now/", params=q, headers=h)).json()["run_id"]
    rq = {**q, "run_id": run_id}

    resume_running = await http.post(f"{A}/resume/", params=rq, headers=h)
    assert resume_running.status_code == 409 and "not paused" in resume_running.json()["detail"]

    pause = await http.post(f"{A}/pause/", params=rq, headers=h)
    assert pause.status_code == 200 and pause.json()["pause_requested"] is True
    await wait_for(lambda: (r := run_row(sessions, run_id)) and r.status == "paused")
    current = (await http.get(f"{A}/current_run/", params=q, headers=h)).json()
    assert current["run"]["status"] == "paused"
    processing = (await http.get(f"{A}/current_processing/", params=q, headers=h)).json()
    assert processing["processing"]["status"] == "paused"
    assert processing["processing"]["live"]["pause_requested"] is True

    resume = await http.post(f"{A}/resume/", params=rq, headers=h)
    assert resume.status_code == 200 and resume.json()["pause_requested"] is False
    await wait_for(lambda: (r := run_row(sessions, run_id)) and r.status == "running")

    cancel = await http.post(f"{A}/cancel/", params=rq, headers=h)
    assert cancel.status_code == 200 and cancel.json()["cancel_requested"] is True
    await run_to_end(dev_env, site["id"])
    assert (row := run_row(sessions, run_id)) is not None and row.status == "cancelled"
    again = await http.post(f"{A}/pause/", params=rq, headers=h)
    assert again.status_code == 409 and again.json()["status"] == "cancelled"


async def test_progress_answers_with_no_worker_and_control_is_recorded(
    http: httpx.AsyncClient,
    tenant: Tenant,
    api: ApiServer,
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
    provider: Any,
) -> None:
    site = await new_site(http, tenant)
    configure(sessions, site["id"], 6, within_stage_delay=0, between_stage_delay=0)
    q = {"site_id": site["id"]}
    h = tenant.headers
    run_id = (await http.post(f"{A}/run_now/", params=q, headers=h)).json()["run_id"]
    rq = {**q, "run_id": run_id}
    for path in ("run_progress/", "current_run/", "current_processing/", "pipeline_overview/"):
        response = await http.get(f"{A}/{path}", params=rq, headers=h)
        assert response.status_code == 200, (path, response.text)
    processing = (await http.get(f"{A}/current_processing/", params=q, headers=h)).json()
    assert processing["processing"]["live"] is None
    pause = await http.post(f"{A}/pause/", params=rq, headers=h)
    assert pause.status_code == 202 and pause.json()["applied"] is False
    # A worker arrives: the recorded pause takes effect before any batch runs.
    async with build_worker(dev_env.client, api.settings, sessions, provider):
        await wait_for(lambda: (r := run_row(sessions, run_id)) and r.status == "paused")
        row = run_row(sessions, run_id)
        assert row is not None and not row.stage_1_result
        cancel = await http.post(f"{A}/cancel/", params=rq, headers=h)
        assert cancel.status_code == 200
        await run_to_end(dev_env, site["id"])
        assert (row := run_row(sessions, run_id)) is not None and row.status == "cancelled"


async def _read_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    name, data = "message", ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line.startswith(":"):
            yield "heartbeat", None
        elif line == "" and data:
            yield name, json.loads(data)
            name, data = "message", ""


async def test_event_stream_follows_every_batch_and_closes_with_the_run(
    http: httpx.AsyncClient, tenant: Tenant, api_worker: WorkerFleet, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    only_stage_1 = {f"stage_{n}_enabled": False for n in (2, 3, 4, 5, 6, 7)}
    configure(sessions, site["id"], 12, stage_1_batch_size=3, within_stage_delay=1, **only_stage_1)
    q = {"site_id": site["id"]}
    events: list[tuple[str, Any]] = []
    run_started = False
    async with http.stream("GET", f"{A}/events/", params=q, headers=tenant.headers) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        async for name, data in _read_events(stream):
            events.append((name, data))
            if len(events) == 1:
                assert data == {"run": None}  # the current state, at once
            if name == "heartbeat" and not run_started:
                # Idle, the stream beats; then a run starts and the stream follows it.
                run_started = True
                started = await http.post(f"{A}/run_now/", params=q, headers=tenant.headers)
                assert started.status_code == 200
    progress = [d for n, d in events if n == "progress" and d.get("run")]
    batches = {p["stages"][0]["batches_run"] for p in progress}
    assert {1, 2, 3, 4} <= batches
    assert events[-1][0] == "end" and events[-1][1]["status"] == "completed"
    assert progress[-1]["run"]["status"] == "completed"


async def test_health_ready_metrics_docs(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {
        "status": "ok",
        "database": "ok",
        "temporal": "ok",
    }
    metrics = await http.get("/metrics")
    assert "pressrun_http_requests_total" in metrics.text
    assert (await http.get("/docs")).status_code == 200
    spec = (await http.get("/openapi.json")).json()
    assert f"{A}/run_progress/" in spec["paths"]


AUTOMATION_ROUTES = [
    ("GET", "config/"),
    ("PUT", "update_config/"),
    ("POST", "run_now/"),
    ("GET", "current_run/"),
    ("GET", "pipeline_overview/"),
    ("GET", "current_processing/"),
    ("GET", "run_progress/"),
    ("POST", "pause/"),
    ("POST", "resume/"),
    ("POST", "cancel/"),
    ("GET", "history/"),
    ("GET", "logs/"),
    ("GET", "failed_items/"),
    ("GET", "estimate/"),
    ("GET", "events/"),
]


async def test_auth_and_tenancy_on_every_automation_route(
    http: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    params = {"site_id": site["id"], "run_id": "x"}
    for method, path in AUTOMATION_ROUTES:
        url = f"{A}/{path}"
        kwargs: dict[str, Any] = {"params": params}
        if method == "PUT":
            kwargs["json"] = {}
        assert (await http.request(method, url, **kwargs)).status_code == 401, path
        bad = {"Authorization": "Bearer pr_nope_nope"}
        assert (await http.request(method, url, headers=bad, **kwargs)).status_code == 401, path
        admin = await http.request(method, url, headers=ADMIN, **kwargs)
        assert admin.status_code == 403, path
        foreign = await http.request(method, url, headers=other_tenant.headers, **kwargs)
        assert foreign.status_code == 404, (path, foreign.text)
    # Accounts are admin-only: a member key is refused.
    assert (
        await http.post("/api/v1/accounts", json={"name": "x"}, headers=tenant.headers)
    ).status_code == 403
    assert (await http.get("/api/v1/accounts", headers=tenant.headers)).status_code == 403


async def test_run_of_another_site_is_404(
    http: httpx.AsyncClient,
    tenant: Tenant,
    api_worker: WorkerFleet,
    sessions: SessionFactory,
    dev_env: WorkflowEnvironment,
) -> None:
    mine = await new_site(http, tenant)
    other = await new_site(http, tenant)
    configure(sessions, mine["id"], 4, within_stage_delay=0, between_stage_delay=0)
    run_id = (
        await http.post(f"{A}/run_now/", params={"site_id": mine["id"]}, headers=tenant.headers)
    ).json()["run_id"]
    await run_to_end(dev_env, mine["id"])
    for path in ("run_progress/", "logs/", "failed_items/"):
        response = await http.get(
            f"{A}/{path}", params={"site_id": other["id"], "run_id": run_id}, headers=tenant.headers
        )
        assert response.status_code == 404


async def test_accounts_keys_sites_and_credits(
    http: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = tenant.headers
    me = (await http.get("/api/v1/account", headers=h)).json()
    assert me["id"] == tenant.account_id
    created = await http.post("/api/v1/api-keys", json={"name": "ci"}, headers=h)
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("pr_") and "key_hash" not in key
    listed = (await http.get("/api/v1/api-keys", headers=h)).json()
    assert {k["name"] for k in listed} == {"default", "ci"}
    assert all("key" not in k for k in listed)
    second = {"Authorization": f"Bearer {key['key']}"}
    assert (await http.get("/api/v1/account", headers=second)).status_code == 200
    assert (
        await http.delete(f"/api/v1/api-keys/{key['id']}", headers=other_tenant.headers)
    ).status_code == 404
    assert (await http.delete(f"/api/v1/api-keys/{key['id']}", headers=h)).status_code == 204
    assert (await http.get("/api/v1/account", headers=second)).status_code == 401

    site = await new_site(http, tenant, timezone="Europe/Berlin")
    assert site["timezone"] == "Europe/Berlin"
    bad_tz = await http.post(
        "/api/v1/sites",
        json={"name": "x", "url": "https://x.test", "timezone": "Mars/Base"},
        headers=h,
    )
    assert bad_tz.status_code == 422 and "timezone" in json.dumps(bad_tz.json()["detail"])
    path = f"/api/v1/sites/{site['id']}"
    assert (await http.get(path, headers=other_tenant.headers)).status_code == 404
    patched = await http.patch(path, json={"name": "Renamed"}, headers=h)
    assert patched.json()["name"] == "Renamed"
    assert [s["id"] for s in (await http.get("/api/v1/sites", headers=h)).json()] == [site["id"]]
    assert (await http.delete(path, headers=other_tenant.headers)).status_code == 404
    assert (await http.delete(path, headers=h)).status_code == 204
    assert (await http.get(path, headers=h)).status_code == 404

    assert (await http.get("/api/v1/credits", headers=h)).json()["balance"] == "100000.00"
    grant = await http.post(
        f"/api/v1/accounts/{tenant.account_id}/credits", json={"amount": 50}, headers=ADMIN
    )
    assert grant.status_code == 200
    ledger = (await http.get("/api/v1/credits/ledger", headers=h)).json()
    assert ledger["total"] == 2 and ledger["items"][0]["amount"] == "50.00"
    for path in ("/api/v1/credits", "/api/v1/sites", "/api/v1/api-keys", "/api/v1/account"):
        assert (await http.get(path)).status_code == 401
        assert (await http.get(path, headers=ADMIN)).status_code == 403


async def test_numbers_beyond_the_database_range_are_422_not_500(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    huge = 10**30
    for url, params in (
        (f"{A}/current_processing/", {"site_id": huge}),
        (f"{A}/run_progress/", {"site_id": huge}),
        (f"/api/v1/sites/{huge}/keywords", {}),
        (f"/api/v1/sites/{site['id']}/tasks", {"offset": huge}),
        (f"/api/v1/sites/{site['id']}/images/{huge}", {}),
    ):
        response = await http.get(url, params=params, headers=tenant.headers)
        assert response.status_code in (404, 422), (url, response.status_code, response.text)
    deleted = await http.delete(
        f"/api/v1/sites/{site['id']}/keywords/{huge}", headers=tenant.headers
    )
    assert deleted.status_code in (404, 422)
