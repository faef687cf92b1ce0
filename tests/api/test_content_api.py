"""The keyword, pipeline-item, content, image and publishing-settings routes, over real HTTP.

One real pipeline run per module (six keywords, the offline provider) fills a site with
clusters, ideas, tasks, articles and image files for the read-only tests; tests that change
things seed their own rows on a fresh site.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.base import count_words
from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.db import SessionFactory, transaction
from pressrun.models import Cluster, Content, Idea, Image, ImagePrompt, Keyword, Task
from pressrun.runs.control import start_run
from pressrun.services.api_keys import issue_key
from pressrun.worker import build_worker
from tests.api.conftest import ADMIN, Tenant, new_site
from tests.conftest import FULL_BUDGETS, SiteFactory

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("content-media")


@pytest.fixture
def limits() -> dict[str, int]:
    """Settings overrides; a test parametrizes this to shrink an upload or import limit."""
    return {}


@pytest.fixture
def api_settings(api_settings: Settings, media_root: Path, limits: dict[str, int]) -> Settings:
    return api_settings.model_copy(update={"media_root": media_root, **limits})


@dataclass
class Produced:
    tenant: Tenant
    site_id: int

    def url(self, path: str = "") -> str:
        return f"/api/v1/sites/{self.site_id}{path}"


@pytest.fixture(scope="module")
async def produced(
    time_env: WorkflowEnvironment, sessions: SessionFactory, database_url: str, media_root: Path
) -> AsyncIterator[Produced]:
    """A site the real pipeline ran on to the end, and its owner's API key."""
    settings = Settings(
        data_dir=media_root.parent,
        database_url=database_url,
        media_root=media_root,
        ai_provider="offline",
        task_queue=f"content-api-{uuid.uuid4().hex[:8]}",
        activity_heartbeat_seconds=10,
        image_size="256x256",
    )
    account_id, site_id = SiteFactory(sessions)(
        keywords=6, credits=Decimal("100000"), **FULL_BUDGETS
    )
    with transaction(sessions) as session:
        key = issue_key(session, account_id).key
    async with build_worker(time_env.client, settings, sessions, OfflineProvider()):
        started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
        outcome = await started.handle.result()
    assert outcome.status == "completed"
    yield Produced(tenant=Tenant(account_id=account_id, key=key), site_id=site_id)


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def locs(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [e["loc"] for e in response.json()["detail"]]


def _seed_content(
    sessions: SessionFactory, site_id: int, *, status: str = "review", slug: str = ""
) -> int:
    """An article (with the cluster, idea and task it hangs from) written straight to the db."""
    with transaction(sessions) as s:
        # Cluster names are unique within a site.
        cluster = Cluster(site_id=site_id, name=f"Seeded {uuid.uuid4().hex[:8]}")
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
            slug=slug or f"seeded-{uuid.uuid4().hex[:8]}",
            status=status,
        )
        s.add(content)
        s.flush()
        return content.id or 0


def _seed_image(sessions: SessionFactory, site_id: int, path: str) -> int:
    content_id = _seed_content(sessions, site_id)
    with transaction(sessions) as s:
        prompt = ImagePrompt(site_id=site_id, content_id=content_id, kind="featured")
        s.add(prompt)
        s.flush()
        image = Image(site_id=site_id, content_id=content_id, prompt_id=prompt.id or 0, path=path)
        s.add(image)
        s.flush()
        return image.id or 0


def _keyword_texts(sessions: SessionFactory, site_id: int) -> list[str]:
    with transaction(sessions) as s:
        return list(s.exec(select(Keyword.text).where(Keyword.site_id == site_id)).all())


# The server shares this event loop and commits after answering: reach the database from a
# thread, so a blocking query cannot stall the commit it waits for.
async def seed_content(
    sessions: SessionFactory, site_id: int, *, status: str = "review", slug: str = ""
) -> int:
    return await asyncio.to_thread(_seed_content, sessions, site_id, status=status, slug=slug)


async def seed_image(sessions: SessionFactory, site_id: int, path: str) -> int:
    return await asyncio.to_thread(_seed_image, sessions, site_id, path)


async def keyword_texts(sessions: SessionFactory, site_id: int) -> list[str]:
    return await asyncio.to_thread(_keyword_texts, sessions, site_id)


def _image_path(sessions: SessionFactory, image_id: int) -> str:
    with transaction(sessions) as s:
        row = s.get(Image, image_id)
        assert row is not None
        return row.path


def _content_status(sessions: SessionFactory, content_id: int) -> str:
    with transaction(sessions) as s:
        row = s.get(Content, content_id)
        assert row is not None
        return row.status


async def first_ids(http: httpx.AsyncClient, produced: Produced) -> dict[str, int]:
    """One item of each kind on the produced site, read through the API as its owner."""
    headers = produced.tenant.headers
    ids = {}
    for kind in ("keywords", "clusters", "ideas", "tasks", "content", "images"):
        page = await ok(await http.get(produced.url(f"/{kind}"), headers=headers))
        assert page["items"], f"the pipeline made no {kind}"
        ids[kind] = page["items"][0]["id"]
    return ids


def csv_upload(text: str | bytes, name: str = "keywords.csv") -> dict[str, Any]:
    data = text.encode() if isinstance(text, str) else text
    return {"files": {"file": (name, data, "text/csv")}}


# --- authentication and tenancy ---------------------------------------------------------------


def every_route(site: str, ids: dict[str, int]) -> list[tuple[str, str, dict[str, Any]]]:
    keyword_body = {"json": {"keywords": [{"keyword": "auth probe"}]}}
    settings_body = {
        "json": {
            "auto_approval_enabled": False,
            "auto_publish_enabled": False,
            "daily_publish_limit": 1,
            "publish_days": ["mon"],
            "time_slots": ["09:00"],
            "publisher": "folder",
        }
    }
    return [
        ("POST", f"{site}/keywords", keyword_body),
        ("POST", f"{site}/keywords/import", csv_upload("keyword\nauth probe\n")),
        ("GET", f"{site}/keywords", {}),
        ("DELETE", f"{site}/keywords/{ids['keywords']}", {}),
        ("GET", f"{site}/clusters", {}),
        ("GET", f"{site}/clusters/{ids['clusters']}", {}),
        ("GET", f"{site}/ideas", {}),
        ("GET", f"{site}/ideas/{ids['ideas']}", {}),
        ("GET", f"{site}/tasks", {}),
        ("GET", f"{site}/tasks/{ids['tasks']}", {}),
        ("GET", f"{site}/content", {}),
        ("GET", f"{site}/content/{ids['content']}", {}),
        ("PATCH", f"{site}/content/{ids['content']}", {"json": {"title": "Probe"}}),
        ("POST", f"{site}/content/{ids['content']}/approve", {}),
        ("POST", f"{site}/content/{ids['content']}/reject", {}),
        ("GET", f"{site}/images", {}),
        ("GET", f"{site}/images/{ids['images']}", {}),
        ("GET", f"{site}/images/{ids['images']}/file", {}),
        ("GET", f"{site}/publishing-settings", {}),
        ("PUT", f"{site}/publishing-settings", settings_body),
    ]


async def test_every_route_needs_an_account_key(
    http: httpx.AsyncClient, produced: Produced
) -> None:
    routes = every_route(produced.url(), await first_ids(http, produced))
    for method, url, kwargs in routes:
        for headers, status in (
            ({}, 401),
            ({"Authorization": "Bearer pr_nope_not-a-key"}, 401),
            ({"Authorization": "Basic abc"}, 401),
            (ADMIN, 403),
        ):
            response = await http.request(method, url, headers=headers, **kwargs)
            assert response.status_code == status, (method, url, headers, response.text)
    keywords = await ok(await http.get(produced.url("/keywords"), headers=produced.tenant.headers))
    assert keywords["total"] == 6


async def test_another_accounts_site_and_items_are_not_found(
    http: httpx.AsyncClient, produced: Produced, other_tenant: Tenant
) -> None:
    ids = await first_ids(http, produced)
    own_site = await new_site(http, other_tenant)
    foreign = every_route(produced.url(), ids)
    # The other account's own site, asked for the produced site's items by ID.
    crossed = [
        (method, url, kwargs)
        for method, url, kwargs in every_route(f"/api/v1/sites/{own_site['id']}", ids)
        if url.rsplit("/", 1)[-1].isdigit() or url.endswith(("/file", "/approve", "/reject"))
    ]
    assert len(crossed) == 10
    for method, url, kwargs in foreign + crossed:
        response = await http.request(method, url, headers=other_tenant.headers, **kwargs)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["code"] == "not_found"
    # The same item URLs work for the owner, so the 404s above are about ownership.
    for method, url, _ in foreign:
        if method == "GET":
            response = await http.get(url, headers=produced.tenant.headers)
            assert response.status_code == 200, (url, response.text)
    keywords = await ok(await http.get(produced.url("/keywords"), headers=produced.tenant.headers))
    assert keywords["total"] == 6
    content = await ok(
        await http.get(produced.url(f"/content/{ids['content']}"), headers=produced.tenant.headers)
    )
    assert content["status"] == "review" and content["title"] != "Probe"


# --- reading what the pipeline made -----------------------------------------------------------


async def test_pipeline_items_read_back(http: httpx.AsyncClient, produced: Produced) -> None:
    headers = produced.tenant.headers

    async def get(path: str, **params: Any) -> Any:
        return await ok(await http.get(produced.url(path), params=params, headers=headers))

    keywords = await get("/keywords")
    assert keywords["total"] == 6 and keywords["limit"] == 50 and keywords["offset"] == 0
    first = keywords["items"][0]
    assert set(first) == {
        "id",
        "site_id",
        "keyword",
        "volume",
        "difficulty",
        "intent",
        "status",
        "cluster_id",
        "error",
        "attempts",
        "created_at",
    }
    assert all(k["status"] == "clustered" and k["cluster_id"] for k in keywords["items"])
    assert all(k["error"] is None and k["attempts"] == 0 for k in keywords["items"])
    assert (await get("/keywords", status="new"))["total"] == 0

    clusters = await get("/clusters")
    assert clusters["total"] >= 1
    assert all(c["status"] == "ideas_generated" for c in clusters["items"])
    assert (await get("/clusters", status="failed"))["total"] == 0
    cluster = await get(f"/clusters/{clusters['items'][0]['id']}")
    assert cluster["keyword_count"] == len(cluster["keywords"]) > 0
    assert {k["cluster_id"] for k in cluster["keywords"]} == {cluster["id"]}
    in_cluster = await get("/keywords", cluster_id=cluster["id"])
    assert [k["id"] for k in in_cluster["items"]] == [k["id"] for k in cluster["keywords"]]

    ideas = await get("/ideas")
    assert ideas["total"] == clusters["total"]  # one page per cluster
    idea = await get(f"/ideas/{ideas['items'][0]['id']}")
    assert (
        idea["title"]
        and idea["outline"]
        and idea["cluster_id"] in {c["id"] for c in clusters["items"]}
    )
    assert (await get("/ideas", status="queued"))["total"] == ideas["total"]

    tasks = await get("/tasks")
    assert tasks["total"] == ideas["total"]
    task = await get(f"/tasks/{tasks['items'][0]['id']}")
    assert task["status"] == "done" and task["idea_id"] in {i["id"] for i in ideas["items"]}
    assert (await get("/tasks", status="queued"))["total"] == 0

    content = await get("/content")
    assert content["total"] == tasks["total"]
    assert all("body" not in c for c in content["items"])
    assert all(c["status"] == "review" and c["word_count"] > 0 for c in content["items"])
    assert (await get("/content", status="review"))["total"] == content["total"]
    assert (await get("/content", status="published"))["total"] == 0
    page = await get("/content", limit=2, offset=1)
    assert page["total"] == content["total"] and page["limit"] == 2 and page["offset"] == 1
    assert [c["id"] for c in page["items"]] == [c["id"] for c in content["items"][1:3]]
    title_word = content["items"][0]["title"].split()[0].upper()
    matching = await get("/content", q=title_word)
    assert content["items"][0]["id"] in {c["id"] for c in matching["items"]}

    article = await get(f"/content/{content['items'][0]['id']}")
    assert count_words(article["body"]) == article["word_count"]
    assert len(article["image_prompts"]) == 3 and len(article["images"]) == 3
    image = article["images"][0]
    assert image["download_url"] == produced.url(f"/images/{image['id']}/file")
    assert image["mime_type"] == "image/png" and image["size_bytes"] > 0
    assert "path" not in image

    images = await get("/images")
    assert images["total"] == 3 * content["total"]
    for_article = await get("/images", content_id=article["id"])
    assert [i["id"] for i in for_article["items"]] == [i["id"] for i in article["images"]]
    assert await get(f"/images/{image['id']}") == image


async def test_list_filters_are_validated(http: httpx.AsyncClient, produced: Produced) -> None:
    headers = produced.tenant.headers
    for path, params in (
        ("/keywords", {"status": "bogus"}),
        ("/clusters", {"status": "review"}),
        ("/content", {"limit": 0}),
        ("/content", {"limit": 501}),
        ("/ideas", {"offset": -1}),
    ):
        response = await http.get(produced.url(path), params=params, headers=headers)
        assert response.status_code == 422, (path, params, response.text)


async def test_image_file_download_returns_the_png(
    http: httpx.AsyncClient, produced: Produced, sessions: SessionFactory, media_root: Path
) -> None:
    images = await ok(await http.get(produced.url("/images"), headers=produced.tenant.headers))
    image = images["items"][0]
    response = await http.get(image["download_url"], headers=produced.tenant.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    path = await asyncio.to_thread(_image_path, sessions, image["id"])
    assert response.content == (media_root / path).read_bytes()
    assert len(response.content) == image["size_bytes"]


async def test_image_file_missing_or_outside_the_media_root_is_404(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory, media_root: Path
) -> None:
    site = await new_site(http, tenant)
    outside = media_root.parent / "secret.png"
    outside.write_bytes(PNG_MAGIC + b"secret")
    missing = await seed_image(sessions, site["id"], f"site-{site['id']}/content-0/gone.png")
    escaping = await seed_image(sessions, site["id"], "../secret.png")
    absolute = await seed_image(sessions, site["id"], str(outside))
    base = f"/api/v1/sites/{site['id']}/images"

    response = await http.get(f"{base}/{missing}/file", headers=tenant.headers)
    assert response.status_code == 404
    assert "missing from the media root" in response.json()["detail"]
    for image_id in (escaping, absolute):
        response = await http.get(f"{base}/{image_id}/file", headers=tenant.headers)
        assert response.status_code == 404, response.text
        assert "outside the media root" in response.json()["detail"]
        assert b"secret" not in response.content
    # The metadata stays readable.
    await ok(await http.get(f"{base}/{missing}", headers=tenant.headers))


# --- keyword import ---------------------------------------------------------------------------


async def test_json_import_counts_duplicates(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords"
    body = {
        "keywords": [
            {
                "keyword": "Pour Over Coffee",
                "volume": 100,
                "difficulty": 20,
                "intent": "commercial",
            },
            {"keyword": "  pour   over coffee "},
            {"keyword": "french press", "intent": "Transactional"},
        ]
    }
    assert await ok(await http.post(url, json=body, headers=tenant.headers), 201) == {
        "created": 2,
        "duplicates": 1,
    }
    again = {"keywords": [{"keyword": "FRENCH PRESS"}, {"keyword": "aeropress"}]}
    assert await ok(await http.post(url, json=again, headers=tenant.headers), 201) == {
        "created": 1,
        "duplicates": 1,
    }
    listed = await ok(await http.get(url, headers=tenant.headers))
    assert listed["total"] == 3
    first = listed["items"][0]
    assert first["keyword"] == "pour over coffee"
    assert (first["volume"], first["difficulty"], first["intent"]) == (100, 20, "commercial")
    assert first["status"] == "new" and first["cluster_id"] is None
    assert listed["items"][1]["intent"] == "transactional"
    assert listed["items"][2]["intent"] == "informational"


async def test_json_import_is_all_or_nothing(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords"
    rows: list[dict[str, Any]] = [{"keyword": f"good {n}"} for n in range(5)]
    rows[1] = {"keyword": "bad volume", "volume": -1}
    rows[3] = {"keyword": "bad intent", "intent": "curious", "difficulty": 101}
    response = await http.post(url, json={"keywords": rows}, headers=tenant.headers)
    assert sorted(locs(response)) == [
        ["body", "keywords", 1, "volume"],
        ["body", "keywords", 3, "difficulty"],
        ["body", "keywords", 3, "intent"],
    ]
    assert await keyword_texts(sessions, site["id"]) == []

    bad_bodies: list[tuple[Any, list[Any]]] = [
        ([], ["body", "keywords"]),
        ([{"keyword": "   "}], ["body", "keywords", 0, "keyword"]),
        ([{"keyword": "x" * 301}], ["body", "keywords", 0, "keyword"]),
        ([{"keyword": "typo", "volumne": 5}], ["body", "keywords", 0, "volumne"]),
        ([{"volume": 5}], ["body", "keywords", 0, "keyword"]),
        ([{"keyword": "huge", "volume": 10**10}], ["body", "keywords", 0, "volume"]),
    ]
    for given, loc in bad_bodies:
        response = await http.post(url, json={"keywords": given}, headers=tenant.headers)
        assert locs(response) == [loc], given
    assert await keyword_texts(sessions, site["id"]) == []


@pytest.mark.parametrize("limits", [{"max_keywords_per_import": 3}])
async def test_imports_over_the_row_limit_are_refused(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords"
    four = [{"keyword": f"kw {n}"} for n in range(4)]
    assert locs(await http.post(url, json={"keywords": four}, headers=tenant.headers)) == [
        ["keywords"]
    ]
    csv_text = "keyword\n" + "".join(f"kw {n}\n" for n in range(4))
    response = await http.post(f"{url}/import", headers=tenant.headers, **csv_upload(csv_text))
    assert locs(response) == [["file"]]
    assert "more than 3" in response.json()["detail"][0]["msg"]
    assert await keyword_texts(sessions, site["id"]) == []
    three = await http.post(url, json={"keywords": four[:3]}, headers=tenant.headers)
    assert await ok(three, 201) == {"created": 3, "duplicates": 0}


async def test_csv_import(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords"
    text = (
        "\ufeffKeyword, Volume ,difficulty,intent\r\n"
        "cold brew ratio,880,15,informational\r\n"
        "\r\n"
        '"best grinder, burr",2400,40,Commercial\r\n'
        "Cold Brew Ratio,1,1,navigational\r\n"
        "cheap kettle,,,\r\n"
    )
    response = await http.post(f"{url}/import", headers=tenant.headers, **csv_upload(text))
    assert await ok(response, 201) == {"created": 3, "duplicates": 1}
    # Only `keyword` is required, in any column order.
    only = "intent,keyword\ntransactional,buy beans\n"
    response = await http.post(f"{url}/import", headers=tenant.headers, **csv_upload(only))
    assert await ok(response, 201) == {"created": 1, "duplicates": 0}

    listed = await ok(await http.get(url, headers=tenant.headers))
    rows = {k["keyword"]: k for k in listed["items"]}
    assert set(rows) == {"cold brew ratio", "best grinder, burr", "cheap kettle", "buy beans"}
    assert (rows["cold brew ratio"]["volume"], rows["cold brew ratio"]["difficulty"]) == (880, 15)
    assert rows["best grinder, burr"]["intent"] == "commercial"
    kettle = rows["cheap kettle"]
    # No intent given: pressrun reads it from the query.
    assert (kettle["volume"], kettle["difficulty"], kettle["intent"]) == (0, 0, "roundup")
    assert rows["buy beans"]["intent"] == "transactional"


async def test_csv_import_is_all_or_nothing_with_numbered_rows(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords/import"
    text = (
        "keyword,volume,difficulty,intent\n"
        "fine one,10,10,informational\n"
        "bad volume,lots,10,informational\n"
        "fine two,10,10,commercial\n"
        "bad intent,10,10,curious\n"
        "short row,10\n"
        ",5,5,informational\n"
    )
    response = await http.post(url, headers=tenant.headers, **csv_upload(text))
    detail = response.json()["detail"]
    assert locs(response) == [
        ["file", 2, "volume"],
        ["file", 4, "intent"],
        ["file", 5],
        ["file", 6, "keyword"],
    ]
    assert detail[0]["msg"].startswith("row 2 (line 3): ")
    assert detail[2]["msg"] == "row 5 (line 6): 2 columns, the header has 4"
    assert await keyword_texts(sessions, site["id"]) == []


async def test_malformed_csv_is_refused(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords/import"
    cases: list[tuple[str | bytes, str]] = [
        ("term,volume\ncoffee,1\n", "`keyword` column"),
        ("keyword,volume,colour\ncoffee,1,red\n", "unknown: colour"),
        ("keyword,keyword\ncoffee,tea\n", "distinct"),
        (b"keyword\ncaf\xe9\n", "not UTF-8"),
        ('keyword\n"unterminated\n', "malformed CSV"),
        ('keyword\n"quoted"trailing\n', "malformed CSV"),
        ("", "`keyword` column"),
        ("keyword,volume\n\n", "no keyword rows"),
    ]
    for text, message in cases:
        response = await http.post(url, headers=tenant.headers, **csv_upload(text))
        assert locs(response) == [["file"]], text
        assert message in response.json()["detail"][0]["msg"], (text, response.text)

    not_multipart = await http.post(url, json={"keyword": "x"}, headers=tenant.headers)
    assert locs(not_multipart) == [["file"]]
    wrong_field = await http.post(
        url, headers=tenant.headers, files={"upload": ("k.csv", b"keyword\nx\n", "text/csv")}
    )
    assert locs(wrong_field) == [["file"]]
    as_text_field = await http.post(url, headers=tenant.headers, data={"file": "keyword\nx\n"})
    assert locs(as_text_field) == [["file"]]
    assert await keyword_texts(sessions, site["id"]) == []


@pytest.mark.parametrize("limits", [{"max_upload_bytes": 200}])
async def test_oversized_upload_is_refused(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords/import"
    small = "keyword\n" + "".join(f"kw {n}\n" for n in range(30))
    assert len(small) <= 200
    response = await http.post(url, headers=tenant.headers, **csv_upload(small))
    assert await ok(response, 201) == {"created": 30, "duplicates": 0}

    over = "keyword\n" + "".join(f"more {n}\n" for n in range(40))  # a little over the cap
    big = "keyword\n" + "".join(f"big keyword {n}\n" for n in range(3000))  # ~50 kB
    for text in (over, big):
        response = await http.post(url, headers=tenant.headers, **csv_upload(text))
        assert locs(response) == [["file"]]
        assert "larger than the 200-byte limit" in response.json()["detail"][0]["msg"]

    # Streamed without a Content-Length, the body is cut off as it arrives.
    boundary = "pressrunboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="k.csv"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        for _ in range(50):
            yield big.encode()[:1000]
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await http.post(
        url,
        content=chunks(),
        headers={
            **tenant.headers,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert locs(response) == [["file"]]
    assert len(await keyword_texts(sessions, site["id"])) == 30


# --- keyword list and delete ------------------------------------------------------------------


async def test_keyword_filters_and_paging(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords"
    names = ["Espresso machine", "espresso beans", "moka pot", "100% arabica", "1000 arabica"]
    body = {"keywords": [{"keyword": k} for k in names]}
    await ok(await http.post(url, json=body, headers=tenant.headers), 201)

    async def found(**params: Any) -> list[str]:
        page = await ok(await http.get(url, params=params, headers=tenant.headers))
        return [k["keyword"] for k in page["items"]]

    assert await found(q="ESPRESSO") == ["espresso machine", "espresso beans"]
    assert await found(q="0%") == ["100% arabica"]
    assert await found(q="pot", status="new") == ["moka pot"]
    assert await found(status="clustered") == []
    assert await found(limit=2, offset=2) == ["moka pot", "100% arabica"]
    assert await found(cluster_id=999999) == []


async def test_keyword_delete(
    http: httpx.AsyncClient, tenant: Tenant, produced: Produced, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/keywords"
    body = {"keywords": [{"keyword": "keep me"}, {"keyword": "drop me"}]}
    await ok(await http.post(url, json=body, headers=tenant.headers), 201)
    listed = await ok(await http.get(url, params={"q": "drop"}, headers=tenant.headers))
    drop_id = listed["items"][0]["id"]

    assert (await http.delete(f"{url}/{drop_id}", headers=tenant.headers)).status_code == 204
    assert sorted(await keyword_texts(sessions, site["id"])) == ["keep me"]
    gone = await http.delete(f"{url}/{drop_id}", headers=tenant.headers)
    assert gone.status_code == 404

    clustered = await ok(await http.get(produced.url("/keywords"), headers=produced.tenant.headers))
    keyword_id = clustered["items"][0]["id"]
    response = await http.delete(
        produced.url(f"/keywords/{keyword_id}"), headers=produced.tenant.headers
    )
    assert locs(response) == [["keyword_id"]]
    assert "only new or failed keywords" in response.json()["detail"][0]["msg"]
    assert len(await keyword_texts(sessions, produced.site_id)) == 6


# --- editing and reviewing content ------------------------------------------------------------


async def test_content_edit(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    content_id = await seed_content(sessions, site["id"])
    taken = await seed_content(sessions, site["id"], slug="taken-slug")
    url = f"/api/v1/sites/{site['id']}/content/{content_id}"
    body = "## Better\n\nA much better body with exactly ten words in it."
    edit = {
        "title": "  A better title ",
        "meta_description": "m" * 300,
        "body": body,
        "slug": "a-better-title-2",
    }
    edited = await ok(await http.patch(url, json=edit, headers=tenant.headers))
    assert edited["title"] == "A better title"
    assert edited["body"] == body and edited["word_count"] == count_words(body) == 11
    assert edited["slug"] == "a-better-title-2" and edited["meta_description"] == "m" * 300
    assert edited["status"] == "review"
    assert datetime.fromisoformat(edited["updated_at"]) > datetime.fromisoformat(
        edited["created_at"]
    )
    assert await ok(await http.get(url, headers=tenant.headers)) == edited

    title_only = await ok(await http.patch(url, json={"title": "Only"}, headers=tenant.headers))
    assert title_only["title"] == "Only" and title_only["word_count"] == 11

    for bad, loc in (
        ({"slug": "Not A Slug"}, ["body", "slug"]),
        ({"slug": "trailing-"}, ["body", "slug"]),
        ({"meta_description": "m" * 301}, ["body", "meta_description"]),
        ({"title": "   "}, ["body", "title"]),
        ({"status": "published"}, ["body", "status"]),
        ({"slug": "taken-slug"}, ["slug"]),
    ):
        response = await http.patch(url, json={**bad, "body": "lost"}, headers=tenant.headers)
        assert locs(response) == [loc], bad
    after = await ok(await http.get(url, headers=tenant.headers))
    assert after["body"] == body and after["title"] == "Only"
    own_slug = await http.patch(
        f"/api/v1/sites/{site['id']}/content/{taken}",
        json={"slug": "taken-slug"},
        headers=tenant.headers,
    )
    assert (await ok(own_slug))["slug"] == "taken-slug"

    published = await seed_content(sessions, site["id"], status="published")
    response = await http.patch(
        f"/api/v1/sites/{site['id']}/content/{published}",
        json={"title": "Too late"},
        headers=tenant.headers,
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "invalid_transition"


async def test_content_approve_and_reject(
    http: httpx.AsyncClient, tenant: Tenant, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    base = f"/api/v1/sites/{site['id']}/content"
    in_review = await seed_content(sessions, site["id"], status="review")

    approved = await ok(await http.post(f"{base}/{in_review}/approve", headers=tenant.headers))
    assert approved["status"] == "approved" and "body" not in approved
    again = await http.post(f"{base}/{in_review}/approve", headers=tenant.headers)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert again.json()["status"] == "approved"

    rejected = await http.post(
        f"{base}/{in_review}/reject", json={"reason": "Too salesy"}, headers=tenant.headers
    )
    assert (await ok(rejected))["status"] == "draft"
    twice = await http.post(f"{base}/{in_review}/reject", headers=tenant.headers)
    assert twice.status_code == 409
    # A draft can be approved directly, and rejected again without a reason.
    assert (await ok(await http.post(f"{base}/{in_review}/approve", headers=tenant.headers)))[
        "status"
    ] == "approved"
    assert (await ok(await http.post(f"{base}/{in_review}/reject", headers=tenant.headers)))[
        "status"
    ] == "draft"

    scheduled = await seed_content(sessions, site["id"], status="scheduled")
    unscheduled = await ok(await http.post(f"{base}/{scheduled}/reject", headers=tenant.headers))
    assert unscheduled["status"] == "draft" and unscheduled["publish_at"] is None
    long_reason = await http.post(
        f"{base}/{scheduled}/reject", json={"reason": "x" * 2001}, headers=tenant.headers
    )
    assert locs(long_reason) == [["body", "reason"]]

    published = await seed_content(sessions, site["id"], status="published")
    for action in ("approve", "reject"):
        response = await http.post(f"{base}/{published}/{action}", headers=tenant.headers)
        assert response.status_code == 409, (action, response.text)
    assert await asyncio.to_thread(_content_status, sessions, published) == "published"


# --- publishing settings ----------------------------------------------------------------------


async def test_publishing_settings(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/publishing-settings"
    defaults = await ok(await http.get(url, headers=tenant.headers))
    assert defaults["site_id"] == site["id"]
    assert defaults["publisher"] == "folder" and defaults["publish_days"]
    assert set(defaults) == {
        "site_id",
        "auto_approval_enabled",
        "auto_publish_enabled",
        "daily_publish_limit",
        "publish_days",
        "time_slots",
        "publisher",
        "wordpress_url",
        "wordpress_username",
        "wordpress_app_password_set",
        "webhook_url",
        "webhook_secret_set",
        "updated_at",
    }

    wanted = {
        "auto_approval_enabled": True,
        "auto_publish_enabled": True,
        "daily_publish_limit": 100,
        "publish_days": ["sun", "mon", "wed"],
        "time_slots": ["18:30", "07:05", "23:59"],
        "publisher": "webhook",
    }
    # The webhook publisher needs its URL and secret, named when missing.
    response = await http.put(url, json=wanted, headers=tenant.headers)
    assert sorted(map(str, locs(response))) == ["['webhook_secret']", "['webhook_url']"]
    wanted["webhook_url"] = "https://hooks.example.test/pressrun"
    first = await ok(
        await http.put(url, json={**wanted, "webhook_secret": "s3cret"}, headers=tenant.headers)
    )
    assert first["webhook_secret_set"] is True and "webhook_secret" not in first
    assert "s3cret" not in str(first)
    # Left out, the stored secret is kept.
    saved = await ok(await http.put(url, json=wanted, headers=tenant.headers))
    assert saved["webhook_secret_set"] is True
    bad_url = await http.put(
        url, json={**wanted, "wordpress_url": "ftp://x"}, headers=tenant.headers
    )
    assert locs(bad_url) == [["body", "wordpress_url"]]
    assert saved["publish_days"] == ["mon", "wed", "sun"]
    assert saved["time_slots"] == ["07:05", "18:30", "23:59"]
    assert saved["daily_publish_limit"] == 100 and saved["publisher"] == "webhook"
    assert saved["auto_approval_enabled"] is True
    assert await ok(await http.get(url, headers=tenant.headers)) == saved

    everything_wrong = {
        "auto_approval_enabled": False,
        "auto_publish_enabled": False,
        "daily_publish_limit": 101,
        "publish_days": ["mon", "funday"],
        "time_slots": ["25:00"],
        "publisher": "ftp",
    }
    response = await http.put(url, json=everything_wrong, headers=tenant.headers)
    assert sorted(map(str, locs(response))) == sorted(
        map(
            str,
            [
                ["body", "daily_publish_limit"],
                ["body", "publish_days", 1],
                ["body", "time_slots"],
                ["body", "publisher"],
            ],
        )
    )
    for field, value in (
        ("daily_publish_limit", -1),
        ("publish_days", []),
        ("publish_days", ["mon", "mon"]),
        ("time_slots", []),
        ("time_slots", ["09:00", "09:00"]),
        ("time_slots", ["9:00"]),
        ("time_slots", ["24:00"]),
    ):
        response = await http.put(url, json={**wanted, field: value}, headers=tenant.headers)
        assert [loc[:2] for loc in locs(response)] == [["body", field]], (field, value)
    missing = {k: v for k, v in wanted.items() if k != "publisher"}
    assert locs(await http.put(url, json=missing, headers=tenant.headers)) == [
        ["body", "publisher"]
    ]
    assert await ok(await http.get(url, headers=tenant.headers)) == saved
