"""Measure what faults do to real runs: is anything lost, done twice or charged twice?

    .venv/bin/python -m benchmarks.faults [--trials 5] [--full-runs 5] [--ai-fault-rate 0.2]
        [--keywords 10] [--kinds worker-kill,temporal-restart,db-outage,publish-kill,ai-faults]
        [--seed 1] [--keep]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth; `--postgres` for another
server): it creates a database `pressrun_faults_<pid>` and drops it at the end. Everything
else it starts itself, on free ports in a temporary directory:

- the Temporal dev server on a database file (`--db-filename`), so it can be killed and
  started again on what it had stored;
- the local OpenAI-compatible fake (`tests/fakes/openai_server.py`), which answers every AI
  call (chat, images, embeddings) after `--ai-latency` seconds and, at `--ai-fault-rate`,
  with a random fault: a 429 with `Retry-After: 1`, a 500, a wait longer than the client's
  `openai_timeout_seconds` (`--ai-timeout`, 5 s), or malformed JSON (in a valid chat
  completion; a truncated body from images and embeddings), seeded by `--seed`;
- one fake WordPress (`tests/fakes/wordpress_server.py`) per trial;
- a TCP proxy in front of PostgreSQL, which the workers' database URL goes through, so the
  database can be made unreachable (open connections reset, new ones refused);
- two `pressrun worker` processes: one serving the runs, text and images pools, one the
  publish pool, so either can be SIGKILLed and started again.

Every trial is one manual run (`start_manual_run`, as the API's `run_now` starts it) of stages
1-7 with the openai provider, on a fresh account and site with `--keywords` demo keywords,
publishing to its WordPress with auto-approval and auto-publish; when the run has ended, its
scheduled articles are moved to now (the publish workflows' `reschedule`) and the trial waits
for every publication to end. One fault per trial, by kind (`--trials` of each kill kind,
`--full-runs` of `ai-faults`):

- `worker-kill`: SIGKILL of the runs/text/images worker while a batch activity of the trial's
  stage (1, 2, 4, 5, 6 in turn, or a later one) is running; a new worker is started at once.
- `temporal-restart`: SIGKILL of the Temporal dev server while a batch runs; started again
  on its database file a second later.
- `db-outage`: while a batch runs, the proxy resets every database connection and refuses
  new ones for 10 s.
- `publish-kill`: the publish worker is SIGKILLed while its POST /wp-json/wp/v2/posts is in
  flight (WordPress has stored the post and holds the answer back for 3 s); a new one is
  started at once.
- `ai-faults`: no kill; the fake answers `--ai-fault-rate` of the AI calls with a fault.

A kill trial's fault "landed" when it was injected while its batch (or POST) was in flight,
an ai-faults run's when the fake answered at least one of its calls with a fault; a trial
whose moment never came (the run ended first) still counts in every other column.

What is checked, against the database (and the trial's WordPress) once the trial has ended:

- run completed: the run row's status is `completed`.
- items: every keyword, cluster, idea, task, article (stage 5), image prompt (stage 6) and
  publication (stage 7 and the delivery) of the site. Each is done, failed with a reason, or
  lost. Done: a keyword clustered (with its cluster), a cluster with ideas generated, an idea
  with its task, a task with its article, an article with its image prompts, an image prompt
  with its image, an article published (a publication `published` whose post exists on the
  WordPress). Failed: status `failed` with its `error` kept (ideas have no error column;
  an article failed by stage 5 has its `error` set; a publication `failed` has its reason).
  Lost: everything else — still new, queued, pending, draft, approved or scheduled when the
  trial ends, done without its output, or failed without a reason.
- items done %: done items / all items, over the kind's trials.
- duplicates: cluster names repeated within the site (case-insensitive), ideas targeting a
  keyword another idea of the site targets, more than one task per idea, article per task,
  image prompt per slot, image per prompt or publication per article, and on WordPress posts
  that no publication points at (a post created twice) and media uploaded twice (same file).
- double charges: ledger rows of the run sharing an idempotency key, ledger rows of the run
  with no committed batch (`RunBatch`) behind them, the run's `total_credits_used` differing
  from what its ledger rows charged, and the account's balance differing from its balance
  before the run plus every ledger row since (one each).

It prints one line per trial (with the reasons of failed items), then a markdown table by
kind, the AI faults the fake injected and the wall time. Worker and Temporal logs are kept
with `--keep`. The defaults (20 kill trials and 5 ai-faults runs of 10 keywords) take about
11 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
import structlog
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client
from temporalio.service import RPCError

from benchmarks.tcp_proxy import TcpProxy
from pressrun.config import Settings
from pressrun.contracts.run import STAGE_ACTIVITIES, run_workflow_id
from pressrun.db import SessionFactory, create_db_engine, make_session_factory, transaction
from pressrun.dev.temporal_server import TemporalDevServer
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationConfig, Site
from pressrun.models.base import utcnow
from pressrun.publishing import control as publish_control
from pressrun.runs.control import start_manual_run
from pressrun.sealing import build_sealer, new_key
from pressrun.services.accounts import create_account, create_site
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.services.site_config import publishing_settings
from pressrun.temporal_client import connect
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.wordpress_server import FakeWordPressServer

KILL_KINDS = ("worker-kill", "temporal-restart", "db-outage", "publish-kill")
KINDS = (*KILL_KINDS, "ai-faults")
BATCH_STAGES = {name: stage for stage, name in STAGE_ACTIVITIES.items()}
# The stage whose batch a kill trial waits for, in turn.
TARGET_STAGES = (1, 2, 4, 5, 6)
FINISHED = ("completed", "failed", "cancelled")
API_KEY = "sk-faults-bench-0123456789"
WP_USER, WP_PASSWORD = "editor", "abcd EFGH 1234 ijkl MNOP 5678"
DB_OUTAGE_SECONDS = 10.0
POST_HOLD_SECONDS = 3.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the processes ----------------------------------------------------------------------------


class DevServer:
    """`temporal server start-dev` on a database file, killable and restartable on it."""

    def __init__(self, data_dir: Path, namespace: str) -> None:
        self.data_dir = data_dir
        self.namespace = namespace
        self.port = _free_port()
        settings = Settings(
            data_dir=data_dir,
            temporal_port=self.port,
            temporal_ui_port=_free_port(),
            temporal_namespace=namespace,
        )
        self.command = [*TemporalDevServer(settings).command(), "--headless"]
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60.0) -> None:
        self.starts += 1
        with (self.data_dir / "temporal.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Temporal dev server exited; see {self.data_dir}")
            with contextlib.suppress(Exception):
                await Client.connect(self.address, namespace=self.namespace)
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Temporal dev server did not answer within {timeout}s")
            await asyncio.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


class WorkerProcess:
    """One `pressrun worker --queues …` process, started again after each kill."""

    def __init__(self, name: str, queues: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.queues = queues
        self.env = env
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None
        self.starts = 0

    async def start(self, timeout: float = 60.0) -> None:
        self.starts += 1
        self.log = self.log_dir / f"worker-{self.name}-{self.starts}.log"
        pressrun = Path(sys.executable).parent / "pressrun"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(pressrun), "worker", "--queues", self.queues],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while b"worker started" not in self.log.read_bytes():
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited; see {self.log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {self.name} did not start within {timeout}s")
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


# -- the checks -------------------------------------------------------------------------------


@dataclass
class Audit:
    status: str
    items: int = 0
    done: int = 0
    failed: int = 0
    lost: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    double_charges: dict[str, int] = field(default_factory=dict)
    # Why items failed: (item kind, error), the first few.
    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def lost_total(self) -> int:
        return sum(self.lost.values())

    @property
    def duplicates_total(self) -> int:
        return sum(self.duplicates.values())

    @property
    def double_charges_total(self) -> int:
        return sum(self.double_charges.values())


# (name, total, done, failed with a reason) per item kind; lost is the rest. `:s` is the site.
_ITEM_SQL = {
    "keywords": """
        select count(*),
          count(*) filter (where status = 'clustered' and cluster_id is not null),
          count(*) filter (where status = 'failed' and coalesce(error, '') <> '')
        from keyword where site_id = :s""",
    "clusters": """
        select count(*),
          count(*) filter (where status = 'ideas_generated'),
          count(*) filter (where status = 'failed' and coalesce(error, '') <> '')
        from cluster where site_id = :s""",
    "ideas": """
        select count(*),
          count(*) filter (where exists (select 1 from task t where t.idea_id = i.id)),
          count(*) filter (where status = 'failed'
                           and not exists (select 1 from task t where t.idea_id = i.id))
        from idea i where site_id = :s""",
    "tasks": """
        select count(*),
          count(*) filter (where exists (select 1 from content c where c.task_id = t.id)),
          count(*) filter (where status = 'failed' and coalesce(error, '') <> ''
                           and not exists (select 1 from content c where c.task_id = t.id))
        from task t where site_id = :s""",
    "articles": """
        select count(*),
          count(*) filter (where image_prompts_done),
          count(*) filter (where not image_prompts_done and {content_failed})
        from content where site_id = :s""",
    "image prompts": """
        select count(*),
          count(*) filter (where exists (select 1 from image m where m.prompt_id = p.id)),
          count(*) filter (where status = 'failed' and coalesce(error, '') <> ''
                           and not exists (select 1 from image m where m.prompt_id = p.id))
        from imageprompt p where site_id = :s""",
}

_DUPLICATE_SQL = {
    "cluster names": (
        "select count(*) - count(distinct lower(name)) from cluster where site_id = :s"
    ),
    "idea keywords": """
        select count(*) - count(distinct lower(target_keyword)) from idea
        where site_id = :s and target_keyword <> ''""",
    "tasks per idea": "select count(*) - count(distinct idea_id) from task where site_id = :s",
    "articles per task": (
        "select count(*) - count(distinct task_id) from content where site_id = :s"
    ),
    "prompts per slot": """
        select count(*) - count(distinct (content_id, kind, position)) from imageprompt
        where site_id = :s""",
    "images per prompt": (
        "select count(*) - count(distinct prompt_id) from image where site_id = :s"
    ),
    "publications per article": (
        "select count(*) - count(distinct content_id) from publication where site_id = :s"
    ),
}


# Where failed items keep their reason, and which rows are failed.
_REASONS = (
    ("keyword", "status = 'failed'"),
    ("cluster", "status = 'failed'"),
    ("task", "status = 'failed'"),
    ("content", "not image_prompts_done"),
    ("imageprompt", "status = 'failed'"),
    ("publication", "status = 'failed'"),
)


def audit(
    engine: Engine,
    *,
    site_id: int,
    run_id: str,
    account_id: int,
    balance_before: Decimal,
    ledger_before: int,
    wp: FakeWordPressServer,
) -> Audit:
    inspector = sa.inspect(engine)

    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspector.get_columns(table)}

    # Before stage 5 kept its failures on the article, an article could not fail.
    content_failed = "coalesce(error, '') <> ''" if "error" in columns("content") else "false"
    with engine.connect() as conn:

        def one(sql: str, **params: Any) -> Any:
            return conn.execute(sa.text(sql), {"s": site_id, **params}).one()

        status = one("select status from automationrun where id = :r", r=run_id)[0]
        result = Audit(status=str(status))
        for name, sql in _ITEM_SQL.items():
            total, done, failed = one(sql.format(content_failed=content_failed))
            result.items += total
            result.done += done
            result.failed += failed
            result.lost[name] = total - done - failed

        # Publications: one per article; done only when its post is on the WordPress.
        posts = {str(post["id"]): post for post in wp.posts}
        rows = conn.execute(
            sa.text(
                """select c.id, p.status, p.remote_id, coalesce(p.error, '') from content c
                   left join publication p on p.content_id = c.id where c.site_id = :s"""
            ),
            {"s": site_id},
        ).all()
        published_ids = set()
        lost = 0
        for _content_id, pub_status, remote_id, error in rows:
            result.items += 1
            if pub_status == "published" and remote_id in posts:
                result.done += 1
                published_ids.add(remote_id)
            elif pub_status == "failed" and error:
                result.failed += 1
            else:
                lost += 1
        result.lost["publications"] = lost

        for table, failed in _REASONS:
            if "error" in columns(table):
                for (error,) in conn.execute(
                    sa.text(
                        f"select error from {table} where site_id = :s and {failed} "
                        "and coalesce(error, '') <> '' order by id limit 3"
                    ),
                    {"s": site_id},
                ):
                    result.reasons.append((table, str(error)))

        for name, sql in _DUPLICATE_SQL.items():
            result.duplicates[name] = int(one(sql)[0])
        result.duplicates["posts with no publication"] = len(set(posts) - published_ids)
        uploads = [str(m.get("source_url", "")).rsplit("/", 1)[-1] for m in wp.media]
        result.duplicates["media uploaded twice"] = len(uploads) - len(set(uploads))

        charges = conn.execute(
            sa.text(
                """select l.idempotency_key, l.amount, l.stage,
                     exists (select 1 from runbatch b where b.run_id = l.run_id
                             and 'run:' || b.run_id || ':stage:' || b.stage || ':batch:'
                                 || b.batch_index = l.idempotency_key)
                   from creditledger l where l.run_id = :r"""
            ),
            {"r": run_id},
        ).all()
        keys = [key for key, *_ in charges]
        result.double_charges["repeated keys"] = len(keys) - len(set(keys))
        result.double_charges["charges without a batch"] = sum(1 for *_, ok in charges if not ok)
        # Credit columns hold integer hundredths.
        charged = -sum(int(amount) for _, amount, *_ in charges)
        used = int(one("select total_credits_used from automationrun where id = :r", r=run_id)[0])
        result.double_charges["run total != ledger"] = int(charged != used)
        since = one(
            "select coalesce(sum(amount), 0) from creditledger where account_id = :a and id > :l",
            a=account_id,
            l=ledger_before,
        )[0]
        balance = one("select credit_balance from account where id = :a", a=account_id)[0]
        expected = int(balance_before * 100) + int(since)
        result.double_charges["balance != ledger"] = int(int(balance) != expected)
    return result


# -- the stack --------------------------------------------------------------------------------


@dataclass
class Seeded:
    account_id: int
    site_id: int
    balance: Decimal
    ledger_before: int


class Stack:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.db_name = f"pressrun_faults_{os.getpid()}"
        admin = sa.engine.make_url(args.postgres)
        self.admin_dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        direct = admin.set(drivername="postgresql+psycopg", database=self.db_name)
        self.direct_url = direct.render_as_string(hide_password=False)
        self.proxy = TcpProxy(admin.host or "127.0.0.1", admin.port or 5432)
        self.temporal = DevServer(tmp, "default")
        self.ai = FakeOpenAIServer(
            latency_seconds=args.ai_latency,
            fault_seed=args.seed,
            fault_timeout_seconds=args.ai_timeout + 3,
        )
        self.rng = random.Random(args.seed)
        self.workers: dict[str, WorkerProcess] = {}
        self._client: Client | None = None
        self._engine: Engine | None = None
        self.trials = 0

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Stack]:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        try:
            upgrade(self.direct_url)
            self._engine = create_db_engine(self.direct_url)
            self.proxy.start()
            self.ai.start()
            await self.temporal.start()
            secret_key = new_key()
            self.settings = Settings(
                data_dir=self.tmp,
                database_url=self.direct_url,
                media_root=self.tmp / "media",
                temporal_address=self.temporal.address,
                ai_provider="openai",
                openai_api_key=API_KEY,
                openai_base_url=self.ai.base_url,
                openai_timeout_seconds=self.args.ai_timeout,
                embeddings="openai",
                activity_heartbeat_seconds=5,
                publish_heartbeat_seconds=3,
                image_size="256x256",
                secret_keys=[SecretStr(secret_key)],
            )
            env = self._worker_env(secret_key)
            self.workers = {
                "main": WorkerProcess("main", "runs,text,images", env, self.tmp),
                "publish": WorkerProcess("publish", "publish", env, self.tmp),
            }
            await asyncio.gather(*(w.start() for w in self.workers.values()))
            yield self
        finally:
            for worker in self.workers.values():
                worker.stop()
            self.temporal.stop()
            self.ai.stop()
            with contextlib.suppress(Exception):
                self.proxy.stop()
            if self._engine is not None:
                self._engine.dispose()
            with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def _worker_env(self, secret_key: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PRESSRUN_", "TEMPORAL_"))}
        proxied = sa.engine.make_url(self.direct_url).set(host="127.0.0.1", port=self.proxy.port)
        env.update(
            {
                "PRESSRUN_DATABASE_URL": proxied.render_as_string(hide_password=False),
                "PRESSRUN_DATA_DIR": str(self.tmp),
                "PRESSRUN_MEDIA_ROOT": str(self.tmp / "media"),
                "TEMPORAL_ADDRESS": self.temporal.address,
                "PRESSRUN_AI_PROVIDER": "openai",
                "PRESSRUN_OPENAI_API_KEY": API_KEY,
                "PRESSRUN_OPENAI_BASE_URL": self.ai.base_url,
                "PRESSRUN_OPENAI_TIMEOUT_SECONDS": str(self.args.ai_timeout),
                "PRESSRUN_EMBEDDINGS": "openai",
                "PRESSRUN_IMAGE_SIZE": "256x256",
                "PRESSRUN_ACTIVITY_HEARTBEAT_SECONDS": "5",
                "PRESSRUN_PUBLISH_HEARTBEAT_SECONDS": "3",
                "PRESSRUN_WORKER_SHUTDOWN_GRACE_SECONDS": "1",
                "PRESSRUN_LOG_JSON": "true",
            }
        )
        if secret_key:
            env["PRESSRUN_SECRET_KEYS"] = secret_key
        return env

    @property
    def engine(self) -> Engine:
        assert self._engine is not None
        return self._engine

    @property
    def sessions(self) -> SessionFactory:
        return make_session_factory(self.engine)

    async def client(self) -> Client:
        if self._client is None:
            self._client = await connect(self.settings)
        return self._client

    def seed(self, wp: FakeWordPressServer) -> Seeded:
        """A fresh account and site with `--keywords` demo keywords, publishing to `wp`."""
        rows = demo_keywords()
        count = self.args.keywords
        start = (self.trials * count) % max(len(rows) - count, 1)
        self.trials += 1
        seal = build_sealer(self.settings).seal
        with transaction(self.sessions) as session:
            account = create_account(session, f"faults-{uuid.uuid4().hex[:6]}", Decimal(100_000))
            site = create_site(session, account, name="Faults", url="https://faults.test")
            site_id = site.id or 0
            import_keywords(session, site_id, rows[start : start + count])
            config = session.exec(
                select(AutomationConfig).where(AutomationConfig.site_id == site_id)
            ).one()
            config.within_stage_delay = config.between_stage_delay = 0
            for n in (1, 2, 4, 5, 6):
                setattr(config, f"stage_{n}_budget_pct", 100)
            publishing = publishing_settings(session, site_id)
            publishing.publisher = "wordpress"
            publishing.wordpress_url = wp.base_url
            publishing.wordpress_username = WP_USER
            publishing.wordpress_app_password = seal(WP_PASSWORD)
            publishing.auto_approval_enabled = publishing.auto_publish_enabled = True
            publishing.publish_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            publishing.daily_publish_limit = 100
            session.add(publishing)
            session.flush()
            ledger_before = session.execute(
                sa.text("select coalesce(max(id), 0) from creditledger")
            ).scalar_one()
            return Seeded(account.id or 0, site_id, account.credit_balance, int(ledger_before))

    async def start_run(self, site_id: int) -> str:
        with transaction(self.sessions) as session:
            site = session.get(Site, site_id)
            assert site is not None
            started = await start_manual_run(self.client, session, self.settings, site)
        return started.run_id

    def run_status(self, run_id: str) -> str:
        with self.engine.connect() as conn:
            return str(
                conn.execute(
                    sa.text("select status from automationrun where id = :r"), {"r": run_id}
                ).scalar_one()
            )

    async def wait_run(self, run_id: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (status := self.run_status(run_id)) not in FINISHED:
            if time.monotonic() > deadline:
                return status
            await asyncio.sleep(0.25)
        return status

    async def batch_in_flight(self, site_id: int, stage: int, done: asyncio.Event) -> int | None:
        """The stage of a batch activity (of `stage` or a later one) a worker is running now,
        as soon as there is one; None when the run ends first."""
        while not done.is_set():
            with contextlib.suppress(RPCError):
                client = await self.client()
                description = await client.get_workflow_handle(run_workflow_id(site_id)).describe()
                for pending in description.raw_description.pending_activities:
                    found = BATCH_STAGES.get(pending.activity_type.name)
                    running = pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                    if found is not None and found >= stage and running:
                        return found
            await asyncio.sleep(0.05)
        return None

    def scheduled(self, site_id: int) -> list[int]:
        with self.engine.connect() as conn:
            return [
                int(row[0])
                for row in conn.execute(
                    sa.text(
                        "select content_id from publication where site_id = :s "
                        "and status = 'scheduled' order by content_id"
                    ),
                    {"s": site_id},
                )
            ]

    async def publish_now(self, site_id: int) -> int:
        """Move every scheduled article of the site to now, as `…/reschedule` would; how many
        there were."""
        client = await self.client()
        waiting = self.scheduled(site_id)
        for content_id in waiting:
            deadline = time.monotonic() + 60
            while True:
                try:
                    await publish_control.reschedule(client, self.settings, content_id, utcnow())
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(1)
        return len(waiting)

    async def wait_publications(self, site_id: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        query = sa.text(
            "select count(*) from publication where site_id = :s "
            "and status in ('scheduled', 'publishing')"
        )
        while time.monotonic() < deadline:
            with self.engine.connect() as conn:
                if not conn.execute(query, {"s": site_id}).scalar_one():
                    return
            await asyncio.sleep(0.5)


# -- one trial --------------------------------------------------------------------------------


@dataclass
class Trial:
    kind: str
    index: int
    run_id: str
    landed: bool
    seconds: float
    audit: Audit
    note: str = ""
    ai_calls: int = 0
    ai_faults: int = 0


async def _inject(stack: Stack, kind: str, site_id: int, stage: int, done: asyncio.Event) -> str:
    """Wait for a batch in flight, then do the kind's damage; what was done, or ""."""
    found = await stack.batch_in_flight(site_id, stage, done)
    if found is None:
        return ""
    await asyncio.sleep(stack.rng.uniform(0, 0.3))
    if kind == "worker-kill":
        stack.workers["main"].kill()
        await stack.workers["main"].start()
        return f"worker killed in stage {found}"
    if kind == "temporal-restart":
        stack.temporal.kill()
        await asyncio.sleep(1)
        await stack.temporal.start()
        return f"Temporal restarted in stage {found}"
    reset = stack.proxy.cut()
    await asyncio.sleep(DB_OUTAGE_SECONDS)
    stack.proxy.restore()
    return f"database cut for {DB_OUTAGE_SECONDS:g}s in stage {found} ({reset} connections reset)"


async def _kill_publisher_during_post(stack: Stack, wp: FakeWordPressServer) -> str:
    posted = threading.Event()
    wp.hold_after_create_post(POST_HOLD_SECONDS, lambda post: posted.set())
    try:
        if not await asyncio.to_thread(posted.wait, 120):
            return ""
        stack.workers["publish"].kill()
    finally:
        wp.hold_after_create_post(0)
        posted.set()  # frees the waiting thread when cancelled
    await stack.workers["publish"].start()
    return "publish worker killed during POST /posts"


async def run_trial(stack: Stack, kind: str, index: int) -> Trial:
    args = stack.args
    begin = time.monotonic()
    with FakeWordPressServer(username=WP_USER, application_password=WP_PASSWORD) as wp:
        seeded = stack.seed(wp)
        stack.ai.fault_rate = args.ai_fault_rate if kind == "ai-faults" else 0.0
        calls_before = len(stack.ai.requests)
        faults_before = sum(stack.ai.faults_injected.values())
        run_id = await stack.start_run(seeded.site_id)
        done = asyncio.Event()
        injected: asyncio.Task[str] | None = None
        if kind in ("worker-kill", "temporal-restart", "db-outage"):
            stage = TARGET_STAGES[index % len(TARGET_STAGES)]
            injected = asyncio.create_task(_inject(stack, kind, seeded.site_id, stage, done))
        status = await stack.wait_run(run_id, args.trial_timeout)
        done.set()
        note = await injected if injected is not None else ""
        if status not in FINISHED:  # the fault left it stuck: the trial ends here
            with contextlib.suppress(Exception):
                client = await stack.client()
                await client.get_workflow_handle(run_workflow_id(seeded.site_id)).terminate(
                    "fault benchmark: trial timed out"
                )
        publisher_kill: asyncio.Task[str] | None = None
        if kind == "publish-kill":
            publisher_kill = asyncio.create_task(_kill_publisher_during_post(stack, wp))
        moved = await stack.publish_now(seeded.site_id)
        if publisher_kill is not None:
            if not moved:  # nothing to publish: no POST will come
                publisher_kill.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                note = await publisher_kill
        await stack.wait_publications(seeded.site_id, args.trial_timeout)
        stack.ai.fault_rate = 0.0
        ai_calls = len(stack.ai.requests) - calls_before
        ai_faults = sum(stack.ai.faults_injected.values()) - faults_before
        result = audit(
            stack.engine,
            site_id=seeded.site_id,
            run_id=run_id,
            account_id=seeded.account_id,
            balance_before=seeded.balance,
            ledger_before=seeded.ledger_before,
            wp=wp,
        )
    if kind == "ai-faults":
        note = f"{ai_faults} of {ai_calls} AI calls faulted"
    landed = bool(note) if kind != "ai-faults" else ai_faults > 0
    return Trial(
        kind, index, run_id, landed, time.monotonic() - begin, result, note, ai_calls, ai_faults
    )


# -- the report -------------------------------------------------------------------------------


def _line(trial: Trial) -> str:
    a = trial.audit
    problems = [
        f"{what} {n}"
        for part in (a.lost, a.duplicates, a.double_charges)
        for what, n in part.items()
        if n
    ]
    return (
        f"  {trial.kind:16} #{trial.index + 1:<2} run {a.status:9} "
        f"{a.done}/{a.items} done, {a.failed} failed, {a.lost_total} lost, "
        f"{a.duplicates_total} dup, {a.double_charges_total} double charges, "
        f"{trial.seconds:5.1f}s  {trial.note or ('no fault landed' if not trial.landed else '')}"
        + (f"  [{'; '.join(problems)}]" if problems else "")
        + "".join(f"\n      failed {table}: {error[:160]}" for table, error in a.reasons)
    )


def table(trials: list[Trial]) -> str:
    lines = [
        "| kind | trials | faults landed | runs completed | items lost | duplicates "
        "| double charges | items done % | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    groups = [(kind, [t for t in trials if t.kind == kind]) for kind in KINDS]
    groups.append(("all kill trials", [t for t in trials if t.kind in KILL_KINDS]))
    for kind, group in groups:
        if not group:
            continue
        items = sum(t.audit.items for t in group)
        done = sum(t.audit.done for t in group)
        lines.append(
            f"| {kind} | {len(group)} | {sum(t.landed for t in group)} "
            f"| {sum(t.audit.status == 'completed' for t in group)} "
            f"| {sum(t.audit.lost_total for t in group)} "
            f"| {sum(t.audit.duplicates_total for t in group)} "
            f"| {sum(t.audit.double_charges_total for t in group)} "
            f"| {100 * done / items if items else 0:.1f} "
            f"| {sum(t.seconds for t in group):.0f} |"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def _workdir(keep: bool) -> Iterator[Path]:
    if keep:
        path = Path(tempfile.mkdtemp(prefix="pressrun-faults-"))
        print(f"logs and files: {path}", flush=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="pressrun-faults-") as tmp:
        yield Path(tmp)


async def main(args: argparse.Namespace) -> None:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise SystemExit(f"unknown kinds {sorted(unknown)}; choose from {', '.join(KINDS)}")
    plan = [
        (kind, i)
        for kind in kinds
        for i in range(args.full_runs if kind == "ai-faults" else args.trials)
    ]
    begin = time.monotonic()
    trials: list[Trial] = []
    with _workdir(args.keep) as tmp:
        stack = Stack(args, tmp)
        async with stack.running():
            setup = time.monotonic() - begin
            print(f"stack up in {setup:.1f}s; {len(plan)} trials", flush=True)
            for kind, index in plan:
                trial = await run_trial(stack, kind, index)
                trials.append(trial)
                print(_line(trial), flush=True)
            faults = stack.ai.faults_injected
            restarts = {name: w.starts - 1 for name, w in stack.workers.items()}
            temporal_restarts = stack.temporal.starts - 1
    wall = time.monotonic() - begin
    print()
    print(
        f"fault benchmark: {args.keywords} keywords a run, AI fault rate {args.ai_fault_rate:g} "
        f"on ai-faults runs, AI latency {args.ai_latency:g}s, client timeout {args.ai_timeout:g}s"
    )
    print()
    print(table(trials))
    print()
    faulted = [t for t in trials if t.kind == "ai-faults"]
    calls = sum(t.ai_calls for t in faulted)
    print(
        f"ai-faults runs: {sum(t.ai_faults for t in faulted)} of {calls} AI calls faulted "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(faults.items())) or 'none'}); "
        f"worker restarts {restarts}; Temporal restarts {temporal_restarts}"
    )
    print(f"wall time {wall:.0f}s ({wall / 60:.1f} min)")


if __name__ == "__main__":
    # Only the figures: the benchmark's own pressrun calls log nothing worth reading here.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--trials", type=int, default=5, help="trials of each kill kind")
    parser.add_argument("--full-runs", type=int, default=5, help="runs under AI faults")
    parser.add_argument("--ai-fault-rate", type=float, default=0.2)
    parser.add_argument("--keywords", type=int, default=10, help="demo keywords per run")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--ai-latency", type=float, default=0.1, help="seconds per AI call")
    parser.add_argument("--ai-timeout", type=float, default=5.0, help="openai_timeout_seconds")
    parser.add_argument("--trial-timeout", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the logs and files")
    asyncio.run(main(parser.parse_args()))
