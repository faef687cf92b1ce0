"""Measure a run's orchestration overhead per batch on the Temporal dev server.

    .venv/bin/python -m benchmarks.run_overhead [--keywords N]

A full run with the offline provider and no delays. From the workflow's history it splits
wall time into time spent inside activities and everything else (scheduling, dispatch,
workflow tasks, result delivery), and reports the latter per batch activity.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.run import STAGE_ACTIVITIES
from pressrun.contracts.search_attributes import ALL_KEYS
from pressrun.db import create_db_engine, make_session_factory, transaction
from pressrun.dev.temporal_server import temporal_binary
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationConfig
from pressrun.runs.control import start_run
from pressrun.services.accounts import create_account, create_site
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import build_worker

BATCH_ACTIVITIES = set(STAGE_ACTIVITIES.values())


def _ts(event: object) -> datetime:
    return event.event_time.ToDatetime()  # type: ignore[attr-defined, no-any-return]


def analyse(history: WorkflowHistory) -> dict[str, float]:
    scheduled: dict[int, tuple[str, datetime]] = {}
    started: dict[int, datetime] = {}
    inside = 0.0
    batches = activities = 0
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            name = event.activity_task_scheduled_event_attributes.activity_type.name
            scheduled[event.event_id] = (name, _ts(event))
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started[event.activity_task_started_event_attributes.scheduled_event_id] = _ts(event)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = event.activity_task_completed_event_attributes
            name, _ = scheduled[attrs.scheduled_event_id]
            inside += (_ts(event) - started[attrs.scheduled_event_id]).total_seconds()
            activities += 1
            batches += name in BATCH_ACTIVITIES
    total = (_ts(history.events[-1]) - _ts(history.events[0])).total_seconds()
    return {
        "events": len(history.events),
        "activities": activities,
        "batches": batches,
        "workflow_seconds": total,
        "inside_activities_seconds": inside,
        "overhead_seconds": total - inside,
        "overhead_ms_per_activity": 1000 * (total - inside) / activities,
    }


async def main(keywords: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        sessions = make_session_factory(create_db_engine(url))
        settings = Settings(data_dir=Path(tmp), database_url=url, image_size="256x256")
        with transaction(sessions) as session:
            account = create_account(session, "bench", Decimal(1_000_000))
            site = create_site(session, account, name="Bench", url="https://bench.test")
            import_keywords(session, site.id or 0, demo_keywords()[:keywords])
            config = session.exec(
                select(AutomationConfig).where(AutomationConfig.site_id == site.id)
            ).one()
            config.within_stage_delay = config.between_stage_delay = 0
            for n in (1, 2, 4, 5, 6):
                setattr(config, f"stage_{n}_budget_pct", 100)
            account_id, site_id = account.id or 0, site.id or 0
        env = await WorkflowEnvironment.start_local(
            data_converter=DATA_CONVERTER,
            dev_server_existing_path=temporal_binary(),
            search_attributes=ALL_KEYS,
        )
        async with env, build_worker(env.client, settings, sessions, OfflineProvider()):
            begin = time.perf_counter()
            started = await start_run(env.client, settings, site_id=site_id, account_id=account_id)
            outcome = await started.handle.result()
            wall = time.perf_counter() - begin
            history = await started.handle.fetch_history()
    figures = analyse(history)
    print(f"run {outcome.status}: {keywords} keywords, wall {wall:.2f}s")
    for key, value in figures.items():
        print(f"  {key:28} {value:.3f}" if isinstance(value, float) else f"  {key:28} {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--keywords", type=int, default=60)
    asyncio.run(main(parser.parse_args().keywords))
