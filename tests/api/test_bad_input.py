"""Bad input is a 4xx naming the field, never a 500, and a refused request changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlmodel import select

from pressrun.db import SessionFactory, transaction
from pressrun.models import Account, Cluster, Content, Idea, Keyword, Site, Task
from tests.api.conftest import ADMIN, Tenant, new_site

NUL = "\x00"


def _snapshot(sessions: SessionFactory) -> dict[str, list[dict[str, Any]]]:
    """Every row a refused request could have touched, as plain values."""
    with transaction(sessions) as s:
        return {
            model.__name__: sorted(
                (row.model_dump() for row in s.exec(select(model))), key=lambda r: r["id"]
            )
            for model in (Account, Site, Keyword, Content)
        }


# The server shares this event loop: reach the database from a thread.
async def snapshot(sessions: SessionFactory) -> dict[str, list[dict[str, Any]]]:
    return await asyncio.to_thread(_snapshot, sessions)


def _seed_content(sessions: SessionFactory, site_id: int) -> int:
    with transaction(sessions) as s:
        cluster = Cluster(site_id=site_id, name="Seeded")
        s.add(cluster)
        s.flush()
        idea = Idea(site_id=site_id, cluster_id=cluster.id or 0, title="Seeded idea")
        s.add(idea)
        s.flush()
        task = Task(site_id=site_id, idea_id=idea.id or 0, title="Seeded idea")
        s.add(task)
        s.flush()
        content = Content(
            site_id=site_id,
            task_id=task.id or 0,
            title="Seeded article",
            body="# Seeded\n\nOne two three.",
            word_count=4,
            slug="seeded",
            status="review",
        )
        s.add(content)
        s.flush()
        return content.id or 0


def refused(response: httpx.Response) -> list[list[Any]]:
    """The locs of a 422 in the project's validation error shape."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    for error in body["detail"]:
        assert set(error) == {"loc", "msg", "type"}
        assert "NUL" in error["msg"]
    return [error["loc"] for error in body["detail"]]


def unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ключ-доступа".encode(),
        "Bearer test-admin-key-0123456789é".encode(),
        "Bearer \xe9\xff".encode("latin-1"),
        b"Bearer abc\x7fdef",
        b"Bearer",
        b"Basic dXNlcjpwYXNz",
        "ключ".encode(),
    ],
)
async def test_malformed_api_keys_are_401_on_every_kind_of_route(
    http: httpx.AsyncClient, tenant: Tenant, authorization: bytes, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    site_id = site["id"]
    headers = {b"Authorization": authorization}
    before = await snapshot(sessions)
    for response in (
        await http.get("/api/v1/sites", headers=headers),
        await http.get(f"/api/v1/sites/{site_id}/keywords", headers=headers),
        await http.get(f"/api/v1/automation/current_run/?site_id={site_id}", headers=headers),
        await http.get(f"/api/v1/automation/events/?site_id={site_id}", headers=headers),
        await http.post("/api/v1/accounts", json={"name": "Intruder"}, headers=headers),
        await http.post(
            f"/api/v1/sites/{site_id}/keywords",
            json={"keywords": [{"keyword": "sneaky"}]},
            headers=headers,
        ),
    ):
        unauthenticated(response)
    assert await snapshot(sessions) == before


async def test_valid_keys_still_work(http: httpx.AsyncClient, tenant: Tenant) -> None:
    assert (await http.get("/api/v1/sites", headers=tenant.headers)).status_code == 200
    assert (await http.get("/api/v1/accounts", headers=ADMIN)).status_code == 200


async def test_nul_in_json_bodies_is_422_naming_the_field(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    site_id = site["id"]
    content_id = await asyncio.to_thread(_seed_content, sessions, site_id)
    before = await snapshot(sessions)
    h = tenant.headers

    response = await http.post(
        "/api/v1/sites", json={"name": f"Bad{NUL}name", "url": "https://x.test"}, headers=h
    )
    assert refused(response) == [["body", "name"]]
    response = await http.patch(f"/api/v1/sites/{site_id}", json={"name": NUL}, headers=h)
    assert refused(response) == [["body", "name"]]
    response = await http.post(
        f"/api/v1/sites/{site_id}/keywords",
        json={"keywords": [{"keyword": "fine"}, {"keyword": "fine too"}, {"keyword": f"a{NUL}"}]},
        headers=h,
    )
    assert refused(response) == [["body", "keywords", 2, "keyword"]]
    response = await http.patch(
        f"/api/v1/sites/{site_id}/content/{content_id}",
        json={"title": "New title", "body": f"text{NUL}", "meta_description": NUL},
        headers=h,
    )
    assert refused(response) == [["body", "body"], ["body", "meta_description"]]
    # A key is as much input as a value: it would reach a JSON column.
    response = await http.post(
        "/api/v1/accounts", json={"name": "Acme", f"x{NUL}": 1}, headers=ADMIN
    )
    assert refused(response) == [["body", f"x{NUL}"]]

    assert await snapshot(sessions) == before


async def test_an_escaped_backslash_is_not_a_nul(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant, name="C:\\u0000 folder")
    assert site["name"] == "C:\\u0000 folder"


async def test_nul_in_query_and_path_parameters_is_422_naming_them(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    site_id = site["id"]
    before = await snapshot(sessions)
    h = tenant.headers

    response = await http.get(f"/api/v1/sites/{site_id}/keywords", params={"q": NUL}, headers=h)
    assert refused(response) == [["query", "q"]]
    # A parameter the route does not read is still refused.
    response = await http.get(
        f"/api/v1/automation/current_processing/?site_id={site_id}&extra=r%00", headers=h
    )
    assert refused(response) == [["query", "extra"]]
    response = await http.get(
        f"/api/v1/dashboard/runs/abc%00def/workflow?site_id={site_id}", headers=h
    )
    assert refused(response) == [["path", "run_id"]]
    response = await http.post(f"/api/v1/admin/sites/{site_id}%00/trigger", headers=ADMIN)
    assert refused(response) == [["path", "site_id"]]

    assert await snapshot(sessions) == before


async def test_nul_in_a_keyword_csv_names_the_row_and_column(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    site_id = site["id"]
    before = await snapshot(sessions)
    url = f"/api/v1/sites/{site_id}/keywords/import"

    csv_text = f"keyword,intent\nfine,\nbad{NUL}one,\nalso fine,how{NUL}to\n"
    response = await http.post(
        url, files={"file": ("k.csv", csv_text.encode())}, headers=tenant.headers
    )
    assert refused(response) == [["file", 2, "keyword"], ["file", 3, "intent"]]
    assert "row 2 (line 3)" in response.json()["detail"][0]["msg"]

    response = await http.post(
        url, files={"file": ("k.csv", f"keyword{NUL}\nfine\n".encode())}, headers=tenant.headers
    )
    assert refused(response) == [["file"]]

    assert await snapshot(sessions) == before
