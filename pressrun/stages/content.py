"""Stage 4, writing tasks → articles: one AI call per task, charged per 100 words."""

from __future__ import annotations

import math
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from pressrun.ai.base import ArticleBrief, ArticleDraft, count_words
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Content, Task
from pressrun.models.base import utcnow
from pressrun.models.content import TaskStatus
from pressrun.services.site_config import writing_profile
from pressrun.stages.common import (
    WHOLE,
    ItemWriter,
    Retry,
    Share,
    StageDeps,
    count_waiting,
    in_share,
    record_failure,
    run_item_batch,
    share_of,
    waiting,
)

STAGE = 4


def article_cost(words: int, per_100_words: Decimal) -> Decimal:
    return per_100_words * math.ceil(words / 100)


def _queue(retry: Retry) -> sa.ColumnElement[bool]:
    return waiting(
        Task, col(Task.status) == TaskStatus.QUEUED, col(Task.status) == TaskStatus.FAILED, retry
    )


def pending_tasks(session: Session, site_id: int, share: Share, retry: Retry) -> int:
    return count_waiting(session, Task, Task.site_id == site_id, _queue(retry), share=share)


def _load(
    session: Session,
    site_id: int,
    limit: int,
    retry: Retry,
    share: Share = WHOLE,
) -> list[ArticleBrief]:
    """The next tasks, each to be written to the site's content profile (its length the middle
    of the profile's range)."""
    tasks = session.exec(
        select(Task)
        .where(Task.site_id == site_id, _queue(retry), *in_share(col(Task.id), share))
        .order_by(col(Task.id))
        .limit(limit)
    ).all()
    profile = writing_profile(session, site_id)
    return [
        ArticleBrief(
            task_id=t.id or 0,
            title=t.title,
            brief=t.brief,
            outline=t.outline,
            target_keyword=t.target_keyword,
            keywords=t.keywords,
            target_words=profile.target_words,
            profile=profile,
        )
        for t in tasks
    ]


class _ArticleWriter(ItemWriter[ArticleBrief, ArticleDraft, Task]):
    output_type = ArticleDraft

    def __init__(self, req: BatchRequest, price: Decimal, retry: Retry, generated_by: str) -> None:
        super().__init__(req, price, pending_tasks, retry)
        self.generated_by = generated_by

    def key(self, item: ArticleBrief) -> int:
        return item.task_id

    def claim(self, session: Session, item: ArticleBrief) -> Task | None:
        return session.exec(
            select(Task).where(col(Task.id) == item.task_id, _queue(self.retry))
        ).first()

    def fail(self, row: Task, error: str) -> None:
        row.status = TaskStatus.FAILED
        record_failure(row, error, self.req.run_id)

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
        row.error = None
        result.created += 1
        result.words += words
        result.credits += article_cost(words, self.price)


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    settings = deps.settings
    price = settings.prices.per_100_words
    model = settings.model_for(STAGE, testing=req.use_testing)
    retry = Retry.of(deps, req)

    async def call(brief: ArticleBrief) -> ArticleDraft:
        return await deps.provider.write_article(brief, model=model)

    return await run_item_batch(
        deps,
        req,
        load=lambda s: _load(s, req.site_id, req.limit, retry, share_of(req)),
        call=call,
        cost=lambda d: article_cost(count_words(d.body), price),
        writer=_ArticleWriter(req, price, retry, f"{deps.provider.name}:{model}"),
        describe=lambda r: (
            f"Wrote {r.created} articles ({r.words} words)"
            + (f", {r.failed} failed" if r.failed else "")
        ),
    )
