"""Before a run: the site's config (made from the defaults if missing), queues, credit estimate."""

from __future__ import annotations

import math
from decimal import Decimal

from sqlmodel import Session

from pressrun.ai.base import WritingProfile
from pressrun.config import Settings
from pressrun.contracts.run import AI_STAGES, STAGE_NAMES, RunPlan, StagePlan
from pressrun.models import Account, AutomationConfig, Site
from pressrun.models.automation import StageColumns
from pressrun.services.site_config import get_or_create_config, writing_profile
from pressrun.stages.clustering import pending_keywords
from pressrun.stages.common import WHOLE, Retry
from pressrun.stages.content import pending_tasks
from pressrun.stages.ideas import pending_clusters
from pressrun.stages.image_prompts import pending_content
from pressrun.stages.images import pending_prompts
from pressrun.stages.review import pending as review_pending
from pressrun.stages.tasks import pending_ideas

# Stage 7 approves everything ready in one go; this only bounds one transaction.
REVIEW_BATCH_SIZE = 500
# The default content profile's article length (the middle of 900-1500 words).
DEFAULT_WORDS_PER_ARTICLE = WritingProfile().target_words


def capture_snapshot(session: Session, site_id: int, max_attempts: int) -> dict[str, int]:
    """Queue sizes at run start: the spec's `initial_snapshot`. Failed items count when the
    run would try them again (fewer than `max_attempts` failures)."""
    retry = Retry(max_attempts)
    counts = {
        1: pending_keywords(session, site_id, WHOLE, retry),
        2: pending_clusters(session, site_id, WHOLE, retry),
        3: pending_ideas(session, site_id),
        4: pending_tasks(session, site_id, WHOLE, retry),
        5: pending_content(session, site_id, WHOLE, retry),
        6: pending_prompts(session, site_id, WHOLE, retry),
        7: review_pending(session, site_id, max_attempts),
    }
    snapshot = {f"stage_{n}_initial": count for n, count in counts.items()}
    snapshot["total_initial_items"] = sum(counts.values())
    return snapshot


def stage_plans(config: StageColumns) -> list[StagePlan]:
    plans = []
    for number in STAGE_NAMES:
        plans.append(
            StagePlan(
                number=number,
                enabled=bool(config.stage_value(number, "enabled", True)),
                batch_size=int(config.stage_value(number, "batch_size", REVIEW_BATCH_SIZE)),
                per_run_limit=config.per_run_limit(number),
                use_testing=bool(config.stage_value(number, "use_testing", False)),
                budget_pct=config.stage_value(number, "budget_pct"),
            )
        )
    return plans


def _capped(count: float, limit: int) -> int:
    n = math.ceil(count)
    return min(n, limit) if limit > 0 else n


def estimate_stages(
    plans: list[StagePlan],
    snapshot: dict[str, int],
    settings: Settings,
    words_per_article: int = DEFAULT_WORDS_PER_ARTICLE,
) -> list[StagePlan]:
    """Project the run through every enabled stage and price each stage's work.

    Items that later stages will see do not exist yet: their number is projected from the
    items before them (keywords per cluster, ideas per cluster, and each article the length
    the site's content profile aims at, `words_per_article`).
    """
    prices = settings.prices
    by_number = {p.number: p.model_copy() for p in plans}

    def enabled(n: int) -> bool:
        return by_number[n].enabled

    keywords = _capped(snapshot["stage_1_initial"], by_number[1].per_run_limit) if enabled(1) else 0
    clusters = snapshot["stage_2_initial"] + (
        keywords / settings.estimate_keywords_per_cluster if keywords else 0
    )
    clusters = _capped(clusters, by_number[2].per_run_limit) if enabled(2) else 0
    ideas = snapshot["stage_3_initial"] + clusters * settings.ideas_per_cluster
    ideas = _capped(ideas, by_number[3].per_run_limit) if enabled(3) else 0
    tasks = _capped(snapshot["stage_4_initial"] + ideas, by_number[4].per_run_limit)
    tasks = tasks if enabled(4) else 0
    contents = _capped(snapshot["stage_5_initial"] + tasks, by_number[5].per_run_limit)
    contents = contents if enabled(5) else 0
    prompts_per_content = 1 + settings.in_article_images
    images = _capped(
        snapshot["stage_6_initial"] + contents * prompts_per_content, by_number[6].per_run_limit
    )
    images = images if enabled(6) else 0

    words_cost = prices.per_100_words * math.ceil(words_per_article / 100)
    costs = {
        1: prices.cluster_batch * math.ceil(keywords / max(by_number[1].batch_size, 1)),
        2: prices.idea * clusters * settings.ideas_per_cluster,
        4: words_cost * tasks,
        5: prices.image_prompt * contents * prompts_per_content,
        6: prices.image * images,
    }
    for number, plan in by_number.items():
        plan.estimate = (
            Decimal(costs[number]).quantize(Decimal("0.01")) if number in AI_STAGES else Decimal(0)
        )
    return [by_number[n] for n in STAGE_NAMES]


def build_plan(
    config: AutomationConfig,
    snapshot: dict[str, int],
    balance: Decimal,
    settings: Settings,
    words_per_article: int = DEFAULT_WORDS_PER_ARTICLE,
) -> RunPlan:
    stages = estimate_stages(stage_plans(config), snapshot, settings, words_per_article)
    estimate = sum((s.estimate for s in stages), Decimal("0"))
    return RunPlan(
        stages=stages,
        within_stage_delay=config.within_stage_delay,
        between_stage_delay=config.between_stage_delay,
        estimate=estimate,
        required=(estimate * settings.credit_buffer).quantize(Decimal("0.01")),
        balance=balance,
        initial_snapshot=snapshot,
    )


def plan_for_site(session: Session, site: Site, settings: Settings) -> RunPlan:
    """What a run started now would do and cost (the `estimate` endpoint and `run_now`)."""
    config = get_or_create_config(session, site)
    account = session.get(Account, site.account_id)
    balance = account.credit_balance if account else Decimal(0)
    snapshot = capture_snapshot(session, site.id or 0, settings.item_max_attempts)
    words = writing_profile(session, site.id or 0).target_words
    return build_plan(config, snapshot, balance, settings, words)
