"""`/docs` and `/redoc` load nothing from another origin: every script, stylesheet and icon
they name is served by the API itself, from the installed assets."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from pressrun.api.app import create_app
from pressrun.config import Settings

# Every URL an HTML page may load: src=, href=, and the JavaScript string literals that
# Swagger UI's and ReDoc's pages pass their bundles (the document's own URL among them).
_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://docs.test") as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_local_assets(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"https?://", html), "the page names a remote URL"
    urls = {a or b for a, b in _URL.findall(html)}
    assets = {url for url in urls if not url.endswith("openapi.json")}
    assert assets, "the page names no assets"
    for url in assets:
        assert not _REMOTE.match(url), url
        assert url.startswith("/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    scripts = [url for url in assets if url.endswith(".js")]
    assert scripts, "the page loads no script"


async def test_swagger_ui_asks_no_remote_validator(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text
    assert '"validatorUrl": null' in html
