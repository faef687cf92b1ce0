"""API fixtures: the real app served by uvicorn on a loopback port, spoken to over real HTTP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from pressrun.api.app import create_app
from pressrun.api.state import ApiState
from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.sealing import build_sealer

ADMIN_KEY = "test-admin-key-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "admin_api_key": SecretStr(ADMIN_KEY),
            "control_timeout_seconds": 2.0,
            "sse_poll_seconds": 0.05,
            "sse_heartbeat_seconds": 0.5,
        }
    )


@dataclass
class ApiServer:
    base_url: str
    settings: Settings


async def serve(app: Any, *, lifespan: Literal["on", "off"] = "on") -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan=lifespan)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
def shared_app() -> FastAPI:
    """One app for the session. FastAPI prepares each route for an app the first time it is
    matched, which is most of a short test's cost; each test serves this app with a state of
    its own instead (what the app's lifespan would set; `pressrun dev` in the browser and
    dev-server tests runs the real one)."""
    return create_app(Settings())


@pytest.fixture
async def api(
    shared_app: FastAPI,
    api_settings: Settings,
    engine: Engine,
    sessions: SessionFactory,
    dev_env: WorkflowEnvironment,
) -> AsyncIterator[ApiServer]:
    """The app on the Temporal dev server, as in production; runs need a worker on it."""
    shared_app.state.pressrun = ApiState(
        settings=api_settings,
        engine=engine,
        sessions=sessions,
        sealer=build_sealer(api_settings),
        client=dev_env.client,
    )
    async for base_url in serve(shared_app, lifespan="off"):
        yield ApiServer(base_url=base_url, settings=api_settings)


@pytest.fixture
async def http(api: ApiServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as client:
        yield client


@dataclass
class Tenant:
    account_id: int
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


async def new_tenant(http: httpx.AsyncClient, credits: float = 100000) -> Tenant:
    response = await http.post(
        "/api/v1/accounts", json={"name": "Tenant", "credits": credits}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Tenant(account_id=body["account"]["id"], key=body["api_key"]["key"])


@pytest.fixture
async def tenant(http: httpx.AsyncClient) -> Tenant:
    return await new_tenant(http)


@pytest.fixture
async def other_tenant(http: httpx.AsyncClient) -> Tenant:
    return await new_tenant(http)


async def new_site(http: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"name": "My site", "url": "https://example.test", **fields}
    response = await http.post("/api/v1/sites", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
