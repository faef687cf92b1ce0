"""Record the saved histories the replay test uses: a full run with a pause and a resume, and
a run whose stages 2 and 4-6 run two batches at once under a per-run limit and budgets.

    .venv/bin/python -m tests.histories.record [pause_resume|parallel]

Re-record only for a deliberate, versioned workflow change; the old file must keep replaying
until no such run can be in flight.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

from sqlmodel import select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.run import ControlReply
from pressrun.contracts.search_attributes import ALL_KEYS
from pressrun.db import create_db_engine, make_session_factory, transaction
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationConfig, AutomationRun
from pressrun.runs.control import start_run
from pressrun.services.accounts import create_account, create_site
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import build_worker
from tests.conftest import installed_binary

HERE = Path(__file__).parent
# The run workflow's control updates, by name (see contracts.run.CONTROL_ACTIONS).
PAUSE, RESUME = "pause", "resume"
SCENARIOS = ("pause_resume", "parallel")


async def record(scenario: str) -> None:
    parallel = scenario == "parallel"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/record.db"
        upgrade(url)
        sessions = make_session_factory(create_db_engine(url))
        settings = Settings(
            data_dir=Path(tmp),
            database_url=url,
            task_queue=f"record-{uuid.uuid4().hex[:6]}",
            image_size="64x64",
            parallel_batches={2: 2, 4: 2, 5: 2, 6: 2} if parallel else {},
        )
        with transaction(sessions) as session:
            account = create_account(session, "record", Decimal(100000))
            site = create_site(session, account, name="Record", url="https://record.test")
            import_keywords(session, site.id or 0, demo_keywords()[:12])
            config = session.exec(
                select(AutomationConfig).where(AutomationConfig.site_id == site.id)
            ).one()
            config.stage_1_batch_size = 4
            config.within_stage_delay = 0 if parallel else 30
            config.between_stage_delay = 0 if parallel else config.between_stage_delay
            for n in (1, 2, 4, 5, 6):
                setattr(config, f"stage_{n}_budget_pct", 100)
            if parallel:
                # Small batches, a per-run limit and a budget that runs out: the lanes must
                # reserve items and credits for each other.
                config.stage_2_batch_size = 2
                config.stage_4_batch_size = 2
                config.max_tasks_per_run = 5
                config.stage_5_batch_size = 1
                config.stage_6_batch_size = 2
                config.stage_6_budget_pct = 10
            account_id, site_id = account.id or 0, site.id or 0
        env = await WorkflowEnvironment.start_time_skipping(
            data_converter=DATA_CONVERTER,
            test_server_existing_path=installed_binary("temporal-test-server"),
        )
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={
                    k.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for k in ALL_KEYS
                },
            )
        )
        async with env, build_worker(env.client, settings, sessions, OfflineProvider()):
            started = await start_run(env.client, settings, site_id=site_id, account_id=account_id)
            while not parallel:
                with transaction(sessions) as session:
                    run = session.get(AutomationRun, started.run_id)
                    if run and (run.stage_1_result or {}).get("batches_run"):
                        break
                await asyncio.sleep(0.05)
            if not parallel:
                await started.handle.execute_update(PAUSE, result_type=ControlReply)
                await env.sleep(31)
                await asyncio.sleep(1)
                await started.handle.execute_update(RESUME, result_type=ControlReply)
            await started.handle.result()
            history = await started.handle.fetch_history()
    target = HERE / f"automation_run_{scenario}.json"
    target.write_text(history.to_json())
    print(f"wrote {target} ({len(history.events)} events)")


if __name__ == "__main__":
    chosen = sys.argv[1] if len(sys.argv) > 1 else "pause_resume"
    if chosen not in SCENARIOS:
        raise SystemExit(f"choose one of {', '.join(SCENARIOS)}")
    asyncio.run(record(chosen))
