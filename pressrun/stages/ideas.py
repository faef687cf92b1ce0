"""Stage 2, clusters → ideas: one AI call per cluster, charged per idea.

One idea (one page) per cluster by default; a large cluster may get more, each for its own
keyword. No two ideas of a site target the same keyword, and a cluster whose head keyword
already has an idea (so content, or content on the way) gets none.
"""

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
                intent=cluster.intent,
                keywords=list(keywords),
            )
        )
    return briefs


def normal_keyword(text: str) -> str:
    return " ".join(text.lower().split())


def targeted_keywords(session: Session, site_id: int) -> set[str]:
    """Every keyword an idea of the site targets: each has, or will have, its article."""
    targets = session.exec(select(Idea.target_keyword).where(Idea.site_id == site_id)).all()
    return {normal_keyword(t) for t in targets if t}


def ideas_wanted(cluster: ClusterBrief, most: int, split_min_keywords: int) -> int:
    """One per cluster; up to `most` for a cluster of at least `split_min_keywords`."""
    if most <= 1 or len(cluster.keywords) < split_min_keywords:
        return 1
    return min(most, len(cluster.keywords))


def retarget(drafts: list[IdeaDraft], cluster: ClusterBrief, taken: set[str]) -> list[IdeaDraft]:
    """Each idea on its own keyword of the cluster, none already targeted on the site (`taken`
    grows with them). A draft whose keyword is not the cluster's, or is taken, moves to the
    cluster's next free keyword; with none free it is dropped. A cluster whose head keyword is
    taken is covered already: no ideas."""
    members = [normal_keyword(k) for k in cluster.keywords]
    if not members or members[0] in taken:
        return []
    kept: list[IdeaDraft] = []
    for draft in drafts:
        target = normal_keyword(draft.target_keyword)
        if target not in members or target in taken:
            target = next((m for m in members if m not in taken), "")
        if not target:
            break
        taken.add(target)
        kept.append(draft.model_copy(update={"target_keyword": target}))
    return kept


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    clusters = await read(deps, lambda s: _load(s, req.site_id, req.limit, share_of(req)))
    if not clusters:
        return BatchResult(remaining=0)
    price = deps.settings.prices.idea
    most, split_min = deps.settings.ideas_per_cluster, deps.settings.ideas_split_min_keywords
    model = deps.settings.model_for(STAGE, testing=req.use_testing)

    already = await read(deps, lambda s: targeted_keywords(s, req.site_id))

    async def call(cluster: ClusterBrief) -> list[IdeaDraft]:
        if not cluster.keywords or normal_keyword(cluster.keywords[0]) in already:
            return []  # covered: no AI call for a page the site has
        count = ideas_wanted(cluster, most, split_min)
        ideas = await deps.provider.generate_ideas(cluster, count=count, model=model)
        return ideas[:count]

    outcomes, budget_reached = await call_each(
        clusters, call, budget_remaining=req.budget_remaining, cost=lambda o: price * len(o)
    )

    covered: list[int] = []

    def write(session: Session) -> BatchResult:
        result = BatchResult(budget_reached=budget_reached)
        taken = targeted_keywords(session, req.site_id)
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
            drafts = retarget(outcome.output, outcome.item, taken)
            if not drafts:
                covered.append(outcome.item.id)
            for draft in drafts:
                session.add(
                    Idea(
                        site_id=req.site_id,
                        cluster_id=cluster.id or 0,
                        run_id=req.run_id,
                        title=draft.title,
                        brief=draft.brief,
                        outline=draft.outline,
                        target_keyword=draft.target_keyword,
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
            + (
                f"; {len(covered)} already covered by the site's ideas or content"
                if covered
                else ""
            )
        ),
    )
