"""Stage 1 through the real worker: default budgets cluster every keyword, an empty site is
skipped, and the openai embedding path retries a 429 and a 500 without charging twice."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.embeddings.factory import build_embedder
from pressrun.models import Keyword
from pressrun.runs.control import start_run
from pressrun.worker import WorkerFleet, build_worker
from tests.conftest import SiteFactory
from tests.fakes.openai_server import FakeOpenAIServer, Respond429, Respond500
from tests.helpers import balance, count, ledger_charges

ONLY_STAGE_1: dict[str, Any] = {f"stage_{n}_enabled": False for n in range(2, 8)}


async def test_a_stage_1_only_run_with_default_budgets_clusters_every_keyword(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=200, **ONLY_STAGE_1)
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    outcome = await started.handle.result()
    assert outcome.status == "completed"
    stage_1 = outcome.stage_results[1]
    assert stage_1["status"] == "completed" and stage_1["partial"] is False
    assert stage_1["keywords_processed"] == 200 and stage_1["batches_run"] == 4
    assert count(sessions, Keyword, site_id=site_id, status="clustered") == 200


async def test_a_site_with_nothing_to_cluster_is_skipped_not_partial(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=[])
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    outcome = await started.handle.result()
    assert outcome.status == "completed"
    for number in (1, 2, 4, 5, 6):
        assert outcome.stage_results[number]["status"] == "skipped", number
        assert outcome.stage_results[number]["partial"] is False


async def test_openai_embeddings_retry_a_429_and_a_500(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    from pressrun.ai.openai_provider import OpenAIProvider

    account_id, site_id = make_site(keywords=30, **ONLY_STAGE_1)
    before = balance(sessions, account_id)
    with FakeOpenAIServer() as server:
        run_settings = settings.model_copy(
            update={
                "embeddings": "openai",
                "openai_api_key": SecretStr("sk-test-key-123456"),
                "openai_base_url": server.base_url,
            }
        )
        provider = OpenAIProvider(api_key="sk-test-key-123456", base_url=server.base_url)
        server.script("embeddings", Respond429(retry_after=3), Respond500())
        embedder = build_embedder(run_settings)
        async with build_worker(
            time_env.client, run_settings, sessions, provider, embedder=embedder
        ):
            started = await start_run(
                time_env.client, run_settings, site_id=site_id, account_id=account_id
            )
            outcome = await started.handle.result()
        await provider.aclose()
        embeddings = server.requests_to("embeddings")
        naming = [r for r in server.requests_to("chat") if r.schema_name == "cluster_names"]
    assert outcome.status == "completed"
    assert outcome.stage_results[1]["keywords_processed"] == 30
    # Two failures, then one request that embedded all 30 keywords of the batch.
    assert len(embeddings) == 3
    assert len(embeddings[-1].embedding_inputs) == 30
    assert len(naming) == 1
    assert count(sessions, Keyword, site_id=site_id, status="clustered") == 30
    charges = ledger_charges(sessions, started.run_id)
    assert [c.amount for c in charges] == [-settings.prices.cluster_batch]
    assert balance(sessions, account_id) == before - settings.prices.cluster_batch
