"""Stage 2, clusters → ideas: one AI call per cluster, charged per idea."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, col, func, select

from pressrun.ai.base import ClusterBrief, IdeaDraft
from pressrun.contracts import BatchRequest, BatchResult
from pressrun.models import Cluster, Idea, Keyword
from pressrun.models.content import ClusterStatus
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

STAGE = 2


def pending_clusters(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return session.exec(
        select(func.count())
        .select_from(Cluster)
        .where(
            Cluster.site_id == site_id,
            Cluster.status == ClusterStatus.NEW,
            *in_share(col(Cluster.id), share),
        )
    ).one()


def _load(session: Session, site_id: int, limit: int, share: Share = WHOLE) -> list[ClusterBrief]:
    clusters = session.exec(
        select(Cluster)
        .where(
            Cluster.site_id == site_id,
            Cluster.status == ClusterStatus.NEW,
            *in_share(col(Cluster.id), share),
        )
        .order_by(col(Cluster.id))
        .limit(limit)
    ).all()
    briefs = []
    for cluster in clusters:
        keywords = session.exec(
            select(Keyword.text)
            .where(Keyword.cluster_id == cluster.id)
            .order_by(col(Keyword.volume).desc(), col(Keyword.id))
        ).all()
        briefs.append(
            ClusterBrief(
                id=cluster.id or 0,
                name=cluster.name,
                description=cluster.description,
                keywords=list(keywords),
            )
        )
    return briefs


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    clusters = await read(deps, lambda s: _load(s, req.site_id, req.limit, share_of(req)))
    if not clusters:
        return BatchResult(remaining=0)
    price = deps.settings.prices.idea
    count = deps.settings.ideas_per_cluster
    model = deps.settings.model_for(STAGE, testing=req.use_testing)

    async def call(cluster: ClusterBrief) -> list[IdeaDraft]:
        ideas = await deps.provider.generate_ideas(cluster, count=count, model=model)
        return ideas[:count]

    outcomes, budget_reached = await call_each(
        clusters, call, budget_remaining=req.budget_remaining, cost=lambda o: price * len(o)
    )

    def write(session: Session) -> BatchResult:
        result = BatchResult(budget_reached=budget_reached)
        for outcome in outcomes:
            cluster = session.get(Cluster, outcome.item.id)
            if cluster is None or cluster.status != ClusterStatus.NEW:
                continue
            result.processed += 1
            if outcome.output is None:
                cluster.status = ClusterStatus.FAILED
                cluster.error = outcome.error
                result.failed += 1
                continue
            for draft in outcome.output:
                session.add(
                    Idea(
                        site_id=req.site_id,
                        cluster_id=cluster.id or 0,
                        run_id=req.run_id,
                        title=draft.title,
                        brief=draft.brief,
                        outline=draft.outline,
                        target_keyword=draft.target_keyword or outcome.item.keywords[0],
                    )
                )
                result.created += 1
            cluster.status = ClusterStatus.IDEAS_GENERATED
        session.flush()
        result.credits = price * result.created
        result.remaining = pending_clusters(session, req.site_id, share_of(req))
        return result

    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=lambda r: (
            f"Generated {r.created} ideas from {r.processed} clusters"
            + (f" ({r.failed} failed)" if r.failed else "")
        ),
    )
