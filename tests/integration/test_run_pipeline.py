"""The full seven-stage run through the real worker on the time-skipping server."""

from __future__ import annotations

from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.models import Cluster, Content, Idea, Image, ImagePrompt, Keyword, Task
from pressrun.runs.control import start_run
from pressrun.worker import WorkerFleet
from tests.conftest import FULL_BUDGETS, SiteFactory
from tests.helpers import balance, count, ledger_charges, run_row


async def test_full_run_fills_every_stage_result(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=30, stage_1_batch_size=10, stage_4_batch_size=4, **FULL_BUDGETS
    )
    before = balance(sessions, account_id)
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    outcome = await started.handle.result()

    assert outcome.status == "completed"
    run = run_row(sessions, started.run_id)
    assert run is not None and run.status == "completed" and run.completed_at is not None
    assert run.initial_snapshot["stage_1_initial"] == 30

    s1 = run.stage_1_result or {}
    clusters = count(sessions, Cluster, site_id=site_id)
    assert s1["keywords_processed"] == 30
    assert s1["clusters_created"] == clusters > 0
    assert s1["batches_run"] == 3
    assert s1["credits_used"] == 45.0
    assert s1["skipped"] is False and s1["partial"] is False
    assert count(sessions, Keyword, site_id=site_id, status="clustered") == 30

    s2 = run.stage_2_result or {}
    ideas = count(sessions, Idea, site_id=site_id)
    assert s2["clusters_processed"] == clusters
    assert s2["ideas_created"] == ideas == clusters * settings.ideas_per_cluster
    assert s2["credits_used"] == float(ideas * settings.prices.idea)

    s3 = run.stage_3_result or {}
    assert s3["ideas_processed"] == s3["tasks_created"] == ideas
    assert count(sessions, Task, site_id=site_id) == ideas
    assert "credits_used" in s3 and s3["credits_used"] == 0

    s4 = run.stage_4_result or {}
    assert s4["tasks_processed"] == s4["content_created"] == ideas
    assert s4["total_words"] > ideas * 900
    assert s4["batches_run"] == -(-ideas // 4)

    s5 = run.stage_5_result or {}
    prompts = count(sessions, ImagePrompt, site_id=site_id)
    assert s5["content_processed"] == ideas
    assert s5["prompts_created"] == prompts == ideas * (1 + settings.in_article_images)

    s6 = run.stage_6_result or {}
    assert s6["images_processed"] == s6["images_generated"] == prompts
    assert count(sessions, Image, site_id=site_id) == prompts
    media = list((settings.resolved_media_root() / f"site-{site_id}").rglob("*.png"))
    assert len(media) == prompts

    s7 = run.stage_7_result or {}
    assert s7["ready_for_review"] == ideas
    assert count(sessions, Content, site_id=site_id, status="review") == ideas

    charges = ledger_charges(sessions, started.run_id)
    charged = -sum((c.amount for c in charges), Decimal("0"))
    assert charged == run.total_credits_used == before - balance(sessions, account_id)
    stage_sum = sum(
        Decimal(str((getattr(run, f"stage_{n}_result") or {}).get("credits_used", 0)))
        for n in range(1, 8)
    )
    assert stage_sum == charged
    assert outcome.total_credits_used == charged
