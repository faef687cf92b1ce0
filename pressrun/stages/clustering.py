"""Stage 1, keywords → clusters: one AI clustering call per batch, charged per batch."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, col, func, select

from pressrun.ai.base import AIItemError, ClusterDraft, KeywordInput
from pressrun.contracts import BatchRequest, BatchResult
from pressrun.models import Cluster, Keyword
from pressrun.models.content import KeywordStatus
from pressrun.stages.common import (
    WHOLE,
    Share,
    StageDeps,
    commit_batch,
    committed_result,
    in_share,
    read,
    share_of,
)

STAGE = 1


def pending_keywords(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return session.exec(
        select(func.count())
        .select_from(Keyword)
        .where(
            Keyword.site_id == site_id,
            Keyword.status == KeywordStatus.NEW,
            *in_share(col(Keyword.id), share),
        )
    ).one()


def _load(session: Session, site_id: int, limit: int, share: Share = WHOLE) -> list[KeywordInput]:
    rows = session.exec(
        select(Keyword)
        .where(
            Keyword.site_id == site_id,
            Keyword.status == KeywordStatus.NEW,
            *in_share(col(Keyword.id), share),
        )
        .order_by(col(Keyword.id))
        .limit(limit)
    ).all()
    return [
        KeywordInput(
            id=k.id or 0, text=k.text, volume=k.volume, difficulty=k.difficulty, intent=k.intent
        )
        for k in rows
    ]


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    keywords = await read(deps, lambda s: _load(s, req.site_id, req.limit, share_of(req)))
    if not keywords:
        return BatchResult(remaining=0)
    price = deps.settings.prices.cluster_batch
    if req.budget_remaining is not None and req.budget_remaining <= 0:
        return BatchResult(budget_reached=True, remaining=len(keywords))

    drafts: list[ClusterDraft] = []
    error: str | None = None
    try:
        drafts = await deps.provider.cluster_keywords(
            keywords, model=deps.settings.model_for(STAGE, testing=req.use_testing)
        )
    except AIItemError as exc:
        error = str(exc)

    def write(session: Session) -> BatchResult:
        ids = [k.id for k in keywords]
        rows = {
            k.id: k
            for k in session.exec(
                select(Keyword).where(col(Keyword.id).in_(ids), Keyword.status == KeywordStatus.NEW)
            )
        }
        if error is not None:
            for row in rows.values():
                row.status = KeywordStatus.FAILED
                row.error = error[:500]
            return BatchResult(
                processed=len(rows),
                failed=len(rows),
                remaining=pending_keywords(session, req.site_id, share_of(req)),
            )
        created = 0
        for draft in drafts:
            members = [rows[i] for i in draft.keyword_ids if i in rows]
            if not members:
                continue
            cluster = Cluster(
                site_id=req.site_id,
                run_id=req.run_id,
                name=draft.name,
                description=draft.description,
                keyword_count=len(members),
            )
            session.add(cluster)
            session.flush()
            for member in members:
                member.cluster_id = cluster.id
                member.status = KeywordStatus.CLUSTERED
            created += 1
        session.flush()
        return BatchResult(
            processed=len(rows),
            created=created,
            credits=price if created else price * 0,
            remaining=pending_keywords(session, req.site_id, share_of(req)),
        )

    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=lambda r: (
            f"Clustered {r.processed} keywords into {r.created} clusters"
            if not r.failed
            else f"Clustering failed for {r.failed} keywords: {error}"
        ),
    )
