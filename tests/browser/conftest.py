"""Browser test fixtures: the stack `pressrun dev` starts (on free ports, in a temporary data
directory), headless Debian Chromium driven by Playwright, and API helpers to set up sites."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import pytest

from pressrun.services.keywords import demo_keywords
from tests.conftest import PG_URL

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90
# Beside the repository's other test output, which git ignores.
SCREENSHOTS = Path(
    os.environ.get("PRESSRUN_SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots")
)


def chromium_path() -> str | None:
    """Debian's Chromium: Playwright drives it and never downloads a browser of its own."""
    configured = os.environ.get("PRESSRUN_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(str(item.path)).parents]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items and chromium_path() is None:
        skip = pytest.mark.skip(
            reason="Debian's chromium is not installed; `python3 run.py test` installs it "
            "(apt-get install chromium)"
        )
        for item in browser_items:
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pressrun_binary() -> str:
    beside = Path(sys.executable).parent / "pressrun"
    return str(beside) if beside.exists() else "pressrun"


class Api:
    """The stack's REST API for one key, for setting the scene and checking what pages did."""

    def __init__(self, base_url: str, key: str) -> None:
        self.key = key
        self.client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def site(self, name: str, *, keywords: int, **config: Any) -> int:
        """A new site with the first `keywords` demo keywords and these config fields."""
        site = self.call("POST", "/api/v1/sites", json={"name": name, "url": "https://site.test"})
        rows = [row.model_dump() for row in demo_keywords()[:keywords]]
        if rows:
            self.call("POST", f"/api/v1/sites/{site['id']}/keywords", json={"keywords": rows})
        if config:
            self.call(
                "PUT",
                "/api/v1/automation/update_config/",
                params={"site_id": site["id"]},
                json=config,
            )
        return int(site["id"])

    def wait_for_run(self, site_id: int, run_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = self.call(
                "GET",
                "/api/v1/automation/run_progress/",
                params={"site_id": site_id, "run_id": run_id},
            )
            if body["run"]["status"] not in ("running", "paused"):
                return dict(body)
            assert time.monotonic() < deadline, f"run {run_id} still {body['run']['status']}"
            time.sleep(0.2)


@dataclass
class Stack:
    base_url: str
    data_dir: Path
    temporal_port: int
    temporal_ui_port: int
    demo_key: str
    env: dict[str, str]

    @property
    def admin_key(self) -> str:
        return (self.data_dir / "admin-api-key").read_text().strip()

    def api(self, key: str | None = None) -> Api:
        return Api(self.base_url, key or self.demo_key)

    def new_account(self, name: str, credits: float) -> Api:
        admin = Api(self.base_url, self.admin_key)
        created = admin.call("POST", "/api/v1/accounts", json={"name": name, "credits": credits})
        return self.api(created["api_key"]["key"])


def _stack_env(data_dir: Path, api_port: int, temporal_port: int, ui_port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PRESSRUN_", "TEMPORAL_")) or k == "PRESSRUN_TEST_DATABASE_URL"
    }
    env.update(
        PRESSRUN_DATA_DIR=str(data_dir),
        PRESSRUN_API_PORT=str(api_port),
        PRESSRUN_TEMPORAL_PORT=str(temporal_port),
        PRESSRUN_TEMPORAL_UI_PORT=str(ui_port),
        PRESSRUN_AI_PROVIDER="offline",
        PRESSRUN_IMAGE_SIZE="256x256",
        PRESSRUN_LOG_LEVEL="WARNING",
    )
    return env


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Ctrl-C, as a user stops `pressrun dev`: it stops its worker, API and Temporal server."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class PortTaken(RuntimeError):
    """A port picked as free was taken before the stack bound it (another process's
    ephemeral port, say): start again on fresh ports."""


# Fresh ports each time; a port taken twice in a row by chance is not worth a third wait.
STACK_START_ATTEMPTS = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Stack]:
    for attempt in range(1, STACK_START_ATTEMPTS + 1):
        data_dir = tmp_path_factory.mktemp("stack")
        api_port, temporal_port, ui_port = free_port(), free_port(), free_port()
        env = _stack_env(data_dir, api_port, temporal_port, ui_port)
        if PG_URL:
            # The PostgreSQL pass runs the stack on the session's database too, whose secrets
            # are sealed with the session's key (on SQLite, `pressrun dev` makes its own).
            env["PRESSRUN_DATABASE_URL"] = database_url
            env["PRESSRUN_SECRET_KEYS"] = os.environ["PRESSRUN_SECRET_KEYS"]
        log_path = data_dir / "pressrun-dev.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [pressrun_binary(), "dev"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        base_url = f"http://127.0.0.1:{api_port}"
        try:
            demo_key = _wait_until_up(process, base_url, log_path)
        except PortTaken:
            stop_process(process)
            if attempt == STACK_START_ATTEMPTS:
                raise
            continue
        except BaseException:
            stop_process(process)
            raise
        try:
            yield Stack(base_url, data_dir, temporal_port, ui_port, demo_key, env)
        finally:
            stop_process(process)
        return


def _logs(log_path: Path) -> str:
    """`pressrun dev`'s output, and the Temporal server's beside it."""
    paths = (log_path, log_path.parent / "temporal.log")
    return "\n".join(p.read_text(errors="replace") for p in paths if p.exists())


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = _logs(log_path)
            if "address already in use" in logs or "is already in use" in logs:
                raise PortTaken(f"pressrun dev could not bind its ports:\n{logs[-2000:]}")
            raise RuntimeError(f"pressrun dev exited:\n{log_path.read_text(errors='replace')}")
        found = re.search(r"Demo API key\s+(\S+)", log_path.read_text(errors="replace"))
        if found:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    return found.group(1)
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"pressrun dev did not come up:\n{log_path.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API runs its own event loop on this thread
    # while open, which would refuse every async test collected after this module.
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    assert executable is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


class OpenDashboard(Protocol):
    """The `open_dashboard` fixture: a signed-in page (with `key`) of a fresh browser context;
    `options` go to `Browser.new_context`."""

    def __call__(self, key: str | None = None, **options: Any) -> Page: ...


@pytest.fixture
def open_dashboard(browser: Browser, stack: Stack) -> Iterator[OpenDashboard]:
    """`open_dashboard(key=None, **context_options)`: a page of a fresh browser context, signed
    in with `key` (none: the sign-in page), closed after the test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    opened: list[tuple[BrowserContext, list[str]]] = []

    def open_page(key: str | None = None, **options: Any) -> Page:
        options.setdefault("base_url", stack.base_url)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(locale="en-US", timezone_id="UTC", **options)
        if key:
            # Signed in as if the key had been entered once; signing out still sticks.
            context.add_init_script(
                "if (!sessionStorage.getItem('seeded')) {"
                " sessionStorage.setItem('seeded', '1');"
                f" localStorage.setItem('pressrun.apiKey', {key!r});"
                " localStorage.setItem('pressrun.account', JSON.stringify({name: 'Test'})); }"
            )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        opened.append((context, errors))
        return page

    yield open_page
    for context, errors in opened:
        context.close()
        assert not errors, f"errors in the page's scripts: {errors}"


# Every control a page shows, with no name a screen reader could announce.
_UNNAMED_CONTROLS = """() => [...document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [role=progressbar], [role=log]')]
  .filter((el) => el.offsetParent !== null || el.getClientRects().length > 0)
  .filter((el) => {
    const text = (el.getAttribute('aria-label') || el.textContent || '').trim();
    if (el.matches('a, button, summary')) return !text;
    if (el.getAttribute('aria-labelledby')) {
      return !el.getAttribute('aria-labelledby').split(' ')
        .some((id) => document.getElementById(id)?.textContent.trim());
    }
    return !el.getAttribute('aria-label') && !(el.labels && el.labels.length);
  })
  .map((el) => el.outerHTML.slice(0, 120))"""


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot, after checking every control on the page is named."""
    unnamed = page.evaluate(_UNNAMED_CONTROLS)
    assert not unnamed, f"controls without an accessible name on {page.url}: {unnamed}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
