"""Stage 2, clusters → ideas: one AI call per cluster, charged per idea.

One idea (one page) per cluster by default. With `ideas_per_cluster` above 1, a large cluster
gets one idea per distinct sub-topic (a group of its keywords tighter than the cluster, found
in their stored embeddings), each targeting that sub-topic's head. No two ideas of a site
target the same keyword, and a cluster whose head keyword already has an idea (so content, or
content on the way) gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from pressrun.ai.base import ClusterBrief, IdeaDraft
from pressrun.clustering.assign import OPEN, Item, assign
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.embeddings.base import Embedder, from_bytes
from pressrun.models import Cluster, Idea, Keyword, KeywordEmbedding
from pressrun.models.content import ClusterStatus
from pressrun.services.keywords import normal_keyword
from pressrun.services.site_config import writing_profile
from pressrun.stages.common import (
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

STAGE = 2


def _queue(retry: Retry) -> sa.ColumnElement[bool]:
    status = col(Cluster.status)
    return waiting(Cluster, status == ClusterStatus.NEW, status == ClusterStatus.FAILED, retry)


def pending_clusters(session: Session, site_id: int, share: Share, retry: Retry) -> int:
    return count_waiting(session, Cluster, Cluster.site_id == site_id, _queue(retry), share=share)


@dataclass(frozen=True)
class _Planned:
    brief: ClusterBrief
    # Ideas to ask for: 1, or one per distinct sub-topic of a large cluster.
    ideas: int


def sub_topics(session: Session, cluster_id: int, embedder: Embedder) -> list[list[str]] | None:
    """The cluster's keywords in groups tighter than the cluster (cosine to the group's
    centroid at least halfway from the join threshold to 1), heads first; None when some
    member has no vector in the embedder's space."""
    rows = session.exec(
        select(Keyword.id, Keyword.text, Keyword.volume, KeywordEmbedding.vector)
        .join(
            KeywordEmbedding,
            sa.and_(
                col(KeywordEmbedding.keyword_id) == col(Keyword.id),
                col(KeywordEmbedding.model) == embedder.model_id,
            ),
            isouter=True,
        )
        .where(Keyword.cluster_id == cluster_id)
    ).all()
    if not rows or any(blob is None for *_, blob in rows):
        return None
    texts = {kid or 0: text for kid, text, _, _ in rows}
    items = [
        Item(key=kid or 0, intent=OPEN, volume=volume, vector=from_bytes(blob))
        for kid, _, volume, blob in rows
    ]
    tighter = (1 + embedder.similarity_threshold) / 2
    return [[texts[k] for k in group] for group in assign([], items, tighter).groups]


def _load(
    session: Session,
    site_id: int,
    limit: int,
    share: Share,
    *,
    retry: Retry,
    most: int,
    split_min: int,
    embedder: Embedder,
) -> list[_Planned]:
    clusters = session.exec(
        select(Cluster)
        .where(Cluster.site_id == site_id, _queue(retry), *in_share(col(Cluster.id), share))
        .order_by(col(Cluster.id))
        .limit(limit)
    ).all()
    profile = writing_profile(session, site_id)
    planned = []
    for cluster in clusters:
        keywords = list(
            session.exec(
                select(Keyword.text)
                .where(Keyword.cluster_id == cluster.id)
                .order_by(col(Keyword.volume).desc(), col(Keyword.id))
            ).all()
        )
        ideas = 1
        if most > 1 and len(keywords) >= split_min:
            groups = sub_topics(session, cluster.id or 0, embedder) or []
            # A sub-topic worth its own article has more than one search behind it.
            heads = [g[0] for g in groups if len(g) > 1]
            if len(heads) > 1:
                ideas = min(most, len(heads))
                # Sub-topic heads first, so each idea in turn targets the next one.
                keywords = heads + [k for k in keywords if k not in heads]
        brief = ClusterBrief(
            id=cluster.id or 0,
            name=cluster.name,
            description=cluster.description,
            intent=cluster.intent,
            keywords=keywords,
            profile=profile,
        )
        planned.append(_Planned(brief=brief, ideas=ideas))
    return planned


def targeted_keywords(session: Session, site_id: int) -> set[str]:
    """Every keyword an idea of the site targets: each has, or will have, its article."""
    targets = session.exec(select(Idea.target_keyword).where(Idea.site_id == site_id)).all()
    return {normal_keyword(t) for t in targets if t}


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


class _IdeaWriter(ItemWriter[ClusterBrief, list[IdeaDraft], Cluster]):
    output_type = list[IdeaDraft]

    def __init__(self, req: BatchRequest, price: Decimal, retry: Retry) -> None:
        super().__init__(req, price, pending_clusters, retry)
        self.taken: set[str] = set()
        # Clusters whose every keyword an idea of the site already targets.
        self.covered: list[int] = []

    def begin(self, session: Session) -> None:
        self.taken = targeted_keywords(session, self.req.site_id)

    def key(self, item: ClusterBrief) -> int:
        return item.id

    def claim(self, session: Session, item: ClusterBrief) -> Cluster | None:
        return session.exec(
            select(Cluster).where(col(Cluster.id) == item.id, _queue(self.retry))
        ).first()

    def fail(self, row: Cluster, error: str) -> None:
        row.status = ClusterStatus.FAILED
        record_failure(row, error, self.req.run_id)

    def store(
        self,
        session: Session,
        row: Cluster,
        item: ClusterBrief,
        output: list[IdeaDraft],
        result: BatchResult,
    ) -> None:
        drafts = retarget(output, item, self.taken)
        if not drafts and item.keywords:
            self.covered.append(item.id)
        for draft in drafts:
            session.add(
                Idea(
                    site_id=self.req.site_id,
                    cluster_id=row.id or 0,
                    run_id=self.req.run_id,
                    title=draft.title,
                    brief=draft.brief,
                    outline=draft.outline,
                    target_keyword=draft.target_keyword,
                )
            )
            result.created += 1
            result.credits += self.price
        row.status = ClusterStatus.IDEAS_GENERATED
        row.error = None


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    settings = deps.settings
    price = settings.prices.idea
    model = settings.model_for(STAGE, testing=req.use_testing)
    planned: dict[int, _Planned] = {}
    already: set[str] = set()
    retry = Retry.of(deps, req)

    def load(session: Session) -> list[ClusterBrief]:
        found = _load(
            session,
            req.site_id,
            req.limit,
            share_of(req),
            retry=retry,
            most=settings.ideas_per_cluster,
            split_min=settings.ideas_split_min_keywords,
            embedder=deps.embedder,
        )
        planned.update({p.brief.id: p for p in found})
        already.update(targeted_keywords(session, req.site_id))
        return [p.brief for p in found]

    async def call(cluster: ClusterBrief) -> list[IdeaDraft]:
        if not cluster.keywords or normal_keyword(cluster.keywords[0]) in already:
            return []  # covered: no AI call for a page the site has
        count = planned[cluster.id].ideas
        ideas = await deps.provider.generate_ideas(cluster, count=count, model=model)
        return ideas[:count]

    writer = _IdeaWriter(req, price, retry)
    return await run_item_batch(
        deps,
        req,
        load=load,
        call=call,
        cost=lambda o: price * len(o),
        writer=writer,
        describe=lambda r: (
            f"Generated {r.created} ideas from {r.processed} clusters"
            + (f" ({r.failed} failed)" if r.failed else "")
            + (
                f"; {len(writer.covered)} already covered by the site's ideas or content"
                if writer.covered
                else ""
            )
        ),
    )
