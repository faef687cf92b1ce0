"""Stage 4, writing tasks → articles: one AI call per task, charged per 100 words."""

from __future__ import annotations

import asyncio
import math
from decimal import Decimal

from sqlmodel import Session, col, func, select

from pressrun.ai.base import ArticleBrief, ArticleDraft, count_words
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Content, Task
from pressrun.models.base import utcnow
from pressrun.models.content import TaskStatus
from pressrun.stages.common import (
    WHOLE,
    Share,
    StageDeps,
    call_each,
    commit_batch,
    committed_result,
    in_share,
    read,
    share_of,
)

STAGE = 4


def article_cost(words: int, per_100_words: Decimal) -> Decimal:
    return per_100_words * math.ceil(words / 100)


def pending_tasks(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return session.exec(
        select(func.count())
        .select_from(Task)
        .where(
            Task.site_id == site_id,
            Task.status == TaskStatus.QUEUED,
            *in_share(col(Task.id), share),
        )
    ).one()


def _load(
    session: Session, site_id: int, limit: int, target_words: int, share: Share = WHOLE
) -> list[ArticleBrief]:
    tasks = session.exec(
        select(Task)
        .where(
            Task.site_id == site_id,
            Task.status == TaskStatus.QUEUED,
            *in_share(col(Task.id), share),
        )
        .order_by(col(Task.id))
        .limit(limit)
    ).all()
    return [
        ArticleBrief(
            task_id=t.id or 0,
            title=t.title,
            brief=t.brief,
            outline=t.outline,
            target_keyword=t.target_keyword,
            keywords=t.keywords,
            target_words=target_words,
        )
        for t in tasks
    ]


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    settings = deps.settings
    briefs = await read(
        deps,
        lambda s: _load(
            s, req.site_id, req.limit, settings.estimate_words_per_article, share_of(req)
        ),
    )
    if not briefs:
        return BatchResult(remaining=0)
    price = settings.prices.per_100_words
    model = settings.model_for(STAGE, testing=req.use_testing)

    async def call(brief: ArticleBrief) -> ArticleDraft:
        return await deps.provider.write_article(brief, model=model)

    outcomes, budget_reached = await call_each(
        briefs,
        call,
        budget_remaining=req.budget_remaining,
        cost=lambda d: article_cost(count_words(d.body), price),
    )
    generated_by = f"{deps.provider.name}:{model}"

    def write(session: Session) -> BatchResult:
        result = BatchResult(budget_reached=budget_reached)
        for outcome in outcomes:
            task = session.get(Task, outcome.item.task_id)
            if task is None or task.status != TaskStatus.QUEUED:
                continue
            result.processed += 1
            if outcome.output is None:
                task.status = TaskStatus.FAILED
                task.error = outcome.error
                result.failed += 1
                continue
            draft = outcome.output
            words = count_words(draft.body)
            session.add(
                Content(
                    site_id=req.site_id,
                    task_id=task.id or 0,
                    run_id=req.run_id,
                    title=draft.title,
                    body=draft.body,
                    meta_description=draft.meta_description,
                    slug=draft.slug,
                    word_count=words,
                    generated_by=generated_by[:100],
                    updated_at=utcnow(),
                )
            )
            task.status = TaskStatus.DONE
            result.created += 1
            result.words += words
            result.credits += article_cost(words, price)
        session.flush()
        result.remaining = pending_tasks(session, req.site_id, share_of(req))
        return result

    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=lambda r: (
            f"Wrote {r.created} articles ({r.words} words)"
            + (f", {r.failed} failed" if r.failed else "")
        ),
    )
