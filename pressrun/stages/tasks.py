"""Stage 3, ideas → writing tasks: local work, no AI and no credits."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, col, select

from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Idea, Keyword, Task
from pressrun.models.content import IdeaStatus
from pressrun.stages.common import (
    WHOLE,
    Share,
    StageDeps,
    commit_batch,
    committed_result,
    count_waiting,
    in_share,
    read,
    share_of,
)


def pending_ideas(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return count_waiting(
        session, Idea, Idea.site_id == site_id, Idea.status == IdeaStatus.NEW, share=share
    )


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored

    def write(session: Session) -> BatchResult:
        ideas = session.exec(
            select(Idea)
            .where(
                Idea.site_id == req.site_id,
                Idea.status == IdeaStatus.NEW,
                *in_share(col(Idea.id), share_of(req)),
            )
            .order_by(col(Idea.id))
            .limit(req.limit)
        ).all()
        for idea in ideas:
            keywords = session.exec(
                select(Keyword.text)
                .where(Keyword.cluster_id == idea.cluster_id)
                .order_by(col(Keyword.volume).desc(), col(Keyword.id))
            ).all()
            session.add(
                Task(
                    site_id=req.site_id,
                    idea_id=idea.id or 0,
                    run_id=req.run_id,
                    title=idea.title,
                    brief=idea.brief,
                    outline=idea.outline,
                    target_keyword=idea.target_keyword,
                    keywords=list(keywords),
                )
            )
            idea.status = IdeaStatus.QUEUED
        session.flush()
        return BatchResult(
            processed=len(ideas),
            created=len(ideas),
            remaining=pending_ideas(session, req.site_id, share_of(req)),
        )

    def has_work(session: Session) -> bool:
        return pending_ideas(session, req.site_id, share_of(req)) > 0

    if not await read(deps, has_work):
        return BatchResult(remaining=0)
    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=lambda r: f"Queued {r.created} writing tasks from {r.processed} ideas",
    )
