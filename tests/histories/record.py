"""Record the saved history the replay test uses: a full run with a pause and a resume.

    .venv/bin/python -m tests.histories.record

Re-record only for a deliberate, versioned workflow change; the old file must keep replaying
until no such run can be in flight.
"""

from __future__ import annotations

import asyncio
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
from pressrun.contracts.search_attributes import ALL_KEYS
from pressrun.db import create_db_engine, make_session_factory, transaction
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationConfig, AutomationRun
from pressrun.runs.control import start_run
from pressrun.services.accounts import create_account, create_site
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import build_worker
from pressrun.workflows.automation_run import AutomationRunWorkflow
from tests.conftest import installed_binary

HERE = Path(__file__).parent
TARGET = HERE / "automation_run_pause_resume.json"


async def record() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/record.db"
        upgrade(url)
        sessions = make_session_factory(create_db_engine(url))
        settings = Settings(
            data_dir=Path(tmp),
            database_url=url,
            task_queue=f"record-{uuid.uuid4().hex[:6]}",
            image_size="64x64",
        )
        with transaction(sessions) as session:
            account = create_account(session, "record", Decimal(100000))
            site = create_site(session, account, name="Record", url="https://record.test")
            import_keywords(session, site.id or 0, demo_keywords()[:12])
            config = session.exec(
                select(AutomationConfig).where(AutomationConfig.site_id == site.id)
            ).one()
            config.stage_1_batch_size = 4
            config.within_stage_delay = 30
            for n in (1, 2, 4, 5, 6):
                setattr(config, f"stage_{n}_budget_pct", 100)
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
            while True:
                with transaction(sessions) as session:
                    run = session.get(AutomationRun, started.run_id)
                    if run and (run.stage_1_result or {}).get("batches_run"):
                        break
                await asyncio.sleep(0.05)
            await started.handle.execute_update(AutomationRunWorkflow.pause)
            await env.sleep(31)
            await asyncio.sleep(1)
            await started.handle.execute_update(AutomationRunWorkflow.resume)
            await started.handle.result()
            history = await started.handle.fetch_history()
    TARGET.write_text(history.to_json())
    print(f"wrote {TARGET} ({len(history.events)} events)")


if __name__ == "__main__":
    asyncio.run(record())
