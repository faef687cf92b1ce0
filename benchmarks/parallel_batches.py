"""Measure what parallel batches do to a content stage when the AI provider is the bottleneck.

    .venv/bin/python -m benchmarks.parallel_batches [--articles 40] [--latency 0.5]
        [--batch-size 10] [--lanes 4] [--limit 4]

Stage 4 alone writes `--articles` articles through the real OpenAI provider against the local
OpenAI-compatible test server, which answers each call after `--latency` seconds, on the
Temporal dev server. Three runs: one batch at a time, `--lanes` batches at once, and
`--lanes` at once under a fleet-wide cap of `--limit` AI calls per second. Each prints the
stage's wall time and the AI calls per second the server saw.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import structlog
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.openai_provider import OpenAIProvider
from pressrun.ai.ratelimit import limit_provider
from pressrun.config import Settings
from pressrun.contracts.search_attributes import ALL_KEYS
from pressrun.db import SessionFactory, create_db_engine, make_session_factory, transaction
from pressrun.dev.temporal_server import temporal_binary
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationConfig, Cluster, Idea, Task
from pressrun.runs.control import start_run
from pressrun.services.accounts import create_account, create_site
from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import build_worker
from tests.fakes.openai_server import FakeOpenAIServer


def seed(sessions: SessionFactory, articles: int, batch_size: int) -> tuple[int, int]:
    """A site whose only work is `articles` writing tasks, with stage 4 alone enabled."""
    with transaction(sessions) as session:
        account = create_account(session, "bench", Decimal(1_000_000))
        site = create_site(session, account, name="Bench", url="https://bench.test")
        site_id = site.id or 0
        cluster = Cluster(site_id=site_id, name="Benchmark")
        session.add(cluster)
        session.flush()
        for n in range(articles):
            idea = Idea(site_id=site_id, cluster_id=cluster.id or 0, title=f"Article {n}")
            session.add(idea)
            session.flush()
            session.add(Task(site_id=site_id, idea_id=idea.id or 0, title=f"Article {n}"))
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site_id)
        ).one()
        config.within_stage_delay = config.between_stage_delay = 0
        for stage in (1, 2, 3, 5, 6, 7):
            setattr(config, f"stage_{stage}_enabled", False)
        config.stage_4_batch_size = batch_size
        config.stage_4_budget_pct = 100
        return account.id or 0, site_id


async def measure(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    server: FakeOpenAIServer,
    settings: Settings,
    articles: int,
    batch_size: int,
) -> tuple[float, float, int]:
    provider = limit_provider(
        OpenAIProvider(api_key="sk-bench-0123456789", base_url=server.base_url),
        settings,
        sessions,
    )
    account_id, site_id = seed(sessions, articles, batch_size)
    before = len(server.requests)
    async with build_worker(env.client, settings, sessions, provider):
        begin = time.perf_counter()
        started = await start_run(env.client, settings, site_id=site_id, account_id=account_id)
        outcome = await started.handle.result()
        wall = time.perf_counter() - begin
    await provider.aclose()
    assert outcome.status == "completed", outcome
    assert outcome.stage_results[4]["content_created"] == articles, outcome.stage_results[4]
    calls = server.requests[before:]
    span = calls[-1].received_at - calls[0].received_at
    rate = (len(calls) - 1) / span if span > 0 else float("inf")
    return wall, rate, len(calls)


async def main(articles: int, latency: float, batch_size: int, lanes: int, limit: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        sessions = make_session_factory(create_db_engine(url))
        base = Settings(
            data_dir=Path(tmp),
            database_url=url,
            ai_provider="openai",
            text_concurrency=max(lanes, 1),
        )
        env = await WorkflowEnvironment.start_local(
            data_converter=DATA_CONVERTER,
            dev_server_existing_path=temporal_binary(),
            search_attributes=ALL_KEYS,
        )
        async with env:
            with FakeOpenAIServer(latency_seconds=latency) as server:
                cases = [
                    ("sequential", base),
                    (f"{lanes} lanes", base.model_copy(update={"parallel_batches": {4: lanes}})),
                    (
                        f"{lanes} lanes, cap {limit:g}/s",
                        base.model_copy(
                            update={"parallel_batches": {4: lanes}, "ai_calls_per_second": limit}
                        ),
                    ),
                ]
                results = {}
                for name, settings in cases:
                    results[name] = await measure(
                        env, sessions, server, settings, articles, batch_size
                    )
    print(f"stage 4 alone: {articles} articles, batch size {batch_size}, {latency:g}s per AI call")
    sequential = results["sequential"][0]
    for name, (wall, rate, calls) in results.items():
        print(
            f"  {name:24} run wall {wall:6.2f}s  ({wall / sequential:.2f}x sequential)  "
            f"{calls} AI calls at {rate:.2f}/s"
        )


if __name__ == "__main__":
    # Only the figures: the workers' per-batch log lines would bury them.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--lanes", type=int, default=4)
    parser.add_argument("--limit", type=float, default=4.0)
    args = parser.parse_args()
    asyncio.run(main(args.articles, args.latency, args.batch_size, args.lanes, args.limit))
