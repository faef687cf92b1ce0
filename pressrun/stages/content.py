"""Stage 4, writing tasks → articles: one AI call per task, charged per 100 words."""

from __future__ import annotations

import math
from decimal import Decimal

from sqlmodel import Session, col, select

from pressrun.ai.base import ArticleBrief, ArticleDraft, count_words
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Content, Task
from pressrun.models.base import utcnow
from pressrun.models.content import TaskStatus
from pressrun.stages.common import (
    WHOLE,
    ItemWriter,
    Share,
    StageDeps,
    count_waiting,
    in_share,
    run_item_batch,
    share_of,
)

STAGE = 4


def article_cost(words: int, per_100_words: Decimal) -> Decimal:
    return per_100_words * math.ceil(words / 100)


def pending_tasks(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return count_waiting(
        session, Task, Task.site_id == site_id, Task.status == TaskStatus.QUEUED, share=share
    )


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


class _ArticleWriter(ItemWriter[ArticleBrief, ArticleDraft, Task]):
    def __init__(self, req: BatchRequest, price: Decimal, generated_by: str) -> None:
        super().__init__(req, price, pending_tasks)
        self.generated_by = generated_by

    def claim(self, session: Session, item: ArticleBrief) -> Task | None:
        task = session.get(Task, item.task_id)
        return task if task is not None and task.status == TaskStatus.QUEUED else None

    def fail(self, row: Task, error: str) -> None:
        row.status = TaskStatus.FAILED
        row.error = error

    def store(
        self,
        session: Session,
        row: Task,
        item: ArticleBrief,
        output: ArticleDraft,
        result: BatchResult,
    ) -> None:
        words = count_words(output.body)
        session.add(
            Content(
                site_id=self.req.site_id,
                task_id=row.id or 0,
                run_id=self.req.run_id,
                title=output.title,
                body=output.body,
                meta_description=output.meta_description,
                slug=output.slug,
                word_count=words,
                generated_by=self.generated_by[:100],
                updated_at=utcnow(),
            )
        )
        row.status = TaskStatus.DONE
        result.created += 1
        result.words += words
        result.credits += article_cost(words, self.price)


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    settings = deps.settings
    price = settings.prices.per_100_words
    model = settings.model_for(STAGE, testing=req.use_testing)

    async def call(brief: ArticleBrief) -> ArticleDraft:
        return await deps.provider.write_article(brief, model=model)

    return await run_item_batch(
        deps,
        req,
        load=lambda s: _load(
            s, req.site_id, req.limit, settings.estimate_words_per_article, share_of(req)
        ),
        call=call,
        cost=lambda d: article_cost(count_words(d.body), price),
        writer=_ArticleWriter(req, price, f"{deps.provider.name}:{model}"),
        describe=lambda r: (
            f"Wrote {r.created} articles ({r.words} words)"
            + (f", {r.failed} failed" if r.failed else "")
        ),
    )
