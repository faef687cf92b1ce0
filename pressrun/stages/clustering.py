"""Stage 1, keywords → clusters: embed, join the site's clusters or start new ones, name them.

Each batch clusters against everything the site already has: a keyword joins the closest
cluster of its search intent when close enough, the rest form new clusters among themselves.
The provider only names the new clusters (and may split one that mixes intents); a name it
fails to give is the head keyword's. Embeddings are stored as they arrive, so a retried batch
embeds nothing twice. Charged per batch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pressrun.ai.base import AIItemError, ClusterCandidate, ClusterNaming, KeywordInput
from pressrun.ai.text import head_name
from pressrun.clustering.assign import Assignment, ExistingCluster, Item, assign
from pressrun.clustering.intent import INTENTS, detect_intent
from pressrun.clustering.names import unique_name, valid_split
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.db import transaction
from pressrun.embeddings.base import Embedder, from_bytes, to_bytes
from pressrun.models import Cluster, Keyword, KeywordEmbedding
from pressrun.models.content import KeywordStatus
from pressrun.stages.common import (
    WHOLE,
    Retry,
    Share,
    StageDeps,
    commit_batch,
    committed_result,
    count_waiting,
    in_share,
    read,
    record_failure,
    share_of,
    waiting,
)

STAGE = 1
# Texts embedded per stored chunk: a retry after a fault loses at most one chunk's work.
EMBED_CHUNK = 256
log = structlog.get_logger("pressrun.stages.clustering")


def _queue(retry: Retry) -> sa.ColumnElement[bool]:
    status = col(Keyword.status)
    return waiting(Keyword, status == KeywordStatus.NEW, status == KeywordStatus.FAILED, retry)


def pending_keywords(session: Session, site_id: int, share: Share, retry: Retry) -> int:
    return count_waiting(session, Keyword, Keyword.site_id == site_id, _queue(retry), share=share)


def keyword_intent(keyword: Keyword) -> str:
    """An imported intent wins; otherwise the query's wording decides."""
    if keyword.intent_source == "imported" and keyword.intent in INTENTS:
        return keyword.intent
    return detect_intent(keyword.text)


def _load(
    session: Session, site_id: int, limit: int, retry: Retry, share: Share = WHOLE
) -> list[KeywordInput]:
    rows = session.exec(
        select(Keyword)
        .where(Keyword.site_id == site_id, _queue(retry), *in_share(col(Keyword.id), share))
        .order_by(col(Keyword.id))
        .limit(limit)
    ).all()
    return [
        KeywordInput(
            id=k.id or 0,
            text=k.text,
            volume=k.volume,
            difficulty=k.difficulty,
            intent=keyword_intent(k),
        )
        for k in rows
    ]


# --- embeddings ---------------------------------------------------------------------------


def _without_vectors(
    session: Session, site_id: int, batch_ids: list[int], model: str
) -> list[tuple[int, str]]:
    """The batch's keywords and the site's clustered ones that have no vector in `model`."""
    has_vector = (
        select(KeywordEmbedding.id)
        .where(KeywordEmbedding.keyword_id == Keyword.id, KeywordEmbedding.model == model)
        .exists()
    )
    rows = session.exec(
        select(Keyword.id, Keyword.text)
        .where(
            Keyword.site_id == site_id,
            sa.or_(col(Keyword.id).in_(batch_ids), col(Keyword.status) == KeywordStatus.CLUSTERED),
            ~has_vector,
        )
        .order_by(col(Keyword.id))
    ).all()
    return [(kid or 0, text) for kid, text in rows]


def _store_vectors(deps: StageDeps, model: str, ids: list[int], vectors: np.ndarray) -> None:
    rows = [
        KeywordEmbedding(keyword_id=kid, model=model, dims=len(v), vector=to_bytes(v))
        for kid, v in zip(ids, vectors, strict=True)
    ]
    try:
        with transaction(deps.sessions) as session:
            session.add_all(rows)
    except IntegrityError:
        # A duplicated attempt stored some of them first: keep its vectors, add the rest.
        with transaction(deps.sessions) as session:
            have = set(
                session.exec(
                    select(KeywordEmbedding.keyword_id).where(
                        col(KeywordEmbedding.keyword_id).in_(ids), KeywordEmbedding.model == model
                    )
                ).all()
            )
            session.add_all(
                KeywordEmbedding(keyword_id=r.keyword_id, model=model, dims=r.dims, vector=r.vector)
                for r in rows
                if r.keyword_id not in have
            )


async def ensure_vectors(deps: StageDeps, embedder: Embedder, site_id: int, ids: list[int]) -> int:
    """Embed what has no stored vector yet, a chunk at a time, each chunk stored as soon as
    it comes back. Returns how many texts were embedded."""
    model = embedder.model_id
    missing = await read(deps, lambda s: _without_vectors(s, site_id, ids, model))
    for start in range(0, len(missing), EMBED_CHUNK):
        chunk = missing[start : start + EMBED_CHUNK]
        vectors = await embedder.embed([text for _, text in chunk])
        await asyncio.to_thread(_store_vectors, deps, model, [kid for kid, _ in chunk], vectors)
    return len(missing)


@dataclass(frozen=True)
class _Space:
    clusters: list[ExistingCluster]
    vectors: dict[int, np.ndarray]


def _load_space(session: Session, site_id: int, batch_ids: list[int], model: str) -> _Space:
    """The site's clusters as centroid sums in `model`'s space, and the batch's vectors."""
    rows = session.exec(
        select(Keyword.id, Keyword.cluster_id, Keyword.status, KeywordEmbedding.vector)
        .join(KeywordEmbedding, col(KeywordEmbedding.keyword_id) == col(Keyword.id))
        .where(
            Keyword.site_id == site_id,
            KeywordEmbedding.model == model,
            sa.or_(
                col(Keyword.id).in_(batch_ids),
                sa.and_(
                    col(Keyword.status) == KeywordStatus.CLUSTERED,
                    col(Keyword.cluster_id).is_not(None),
                ),
            ),
        )
    ).all()
    batch = set(batch_ids)
    vectors: dict[int, np.ndarray] = {}
    sums: dict[int, np.ndarray] = {}
    for kid, cluster_id, status, blob in rows:
        vector = from_bytes(blob)
        if kid in batch and status != KeywordStatus.CLUSTERED:
            vectors[kid or 0] = vector
        elif cluster_id is not None:
            if cluster_id in sums:
                sums[cluster_id] = sums[cluster_id] + vector
            else:
                sums[cluster_id] = vector.copy()
    intents = dict(
        session.exec(
            select(Cluster.id, Cluster.intent).where(
                Cluster.site_id == site_id, col(Cluster.id).in_(list(sums))
            )
        ).all()
    )
    clusters = [
        ExistingCluster(id=cid, intent=intents[cid], vector_sum=total)
        for cid, total in sums.items()
        if cid in intents
    ]
    return _Space(clusters=clusters, vectors=vectors)


# --- the batch ----------------------------------------------------------------------------


def _candidates(
    assignment: Assignment, keywords: dict[int, KeywordInput]
) -> list[ClusterCandidate]:
    return [
        ClusterCandidate(
            id=index, intent=assignment.group_intents[index], keywords=[keywords[k] for k in group]
        )
        for index, group in enumerate(assignment.groups)
    ]


async def _names(
    deps: StageDeps, candidates: list[ClusterCandidate], model: str
) -> tuple[dict[int, ClusterNaming], str | None]:
    if not candidates:
        return {}, None
    try:
        namings = await deps.provider.name_clusters(candidates, model=model)
    except AIItemError as exc:
        return {}, str(exc)
    return {n.id: n for n in namings}, None


def _describe_unnamed(candidate: ClusterCandidate) -> str:
    head = candidate.keywords[0].text
    count = len(candidate.keywords)
    noun = "keyword" if count == 1 else "keywords"
    return (
        f'{count} {noun} around "{head}" ({candidate.intent.replace("_", "-")} intent), '
        "named after the head keyword."
    )


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    retry = Retry.of(deps, req)
    keywords = await read(deps, lambda s: _load(s, req.site_id, req.limit, retry, share_of(req)))
    if not keywords:
        return BatchResult(remaining=0)
    price = deps.settings.prices.cluster_batch
    if req.budget_remaining is not None and req.budget_remaining <= 0:
        return BatchResult(budget_reached=True, remaining=len(keywords))

    embedder = deps.embedder
    by_id = {k.id: k for k in keywords}
    ids = list(by_id)
    error: str | None = None
    assignment = Assignment()
    candidates: list[ClusterCandidate] = []
    namings: dict[int, ClusterNaming] = {}
    naming_error: str | None = None
    embedded = 0
    try:
        embedded = await ensure_vectors(deps, embedder, req.site_id, ids)
    except AIItemError as exc:
        error = str(exc)
    if error is None:
        space = await read(deps, lambda s: _load_space(s, req.site_id, ids, embedder.model_id))
        items = [
            Item(key=k.id, intent=k.intent, volume=k.volume, vector=space.vectors[k.id])
            for k in keywords
            if k.id in space.vectors
        ]
        assignment = assign(space.clusters, items, embedder.similarity_threshold)
        candidates = _candidates(assignment, by_id)
        model = deps.settings.model_for(STAGE, testing=req.use_testing)
        namings, naming_error = await _names(deps, candidates, model)
    unnamed = [c.id for c in candidates if c.id not in namings]
    if unnamed:
        log.warning(
            "cluster naming failed; named after the head keyword",
            run_id=req.run_id,
            site_id=req.site_id,
            clusters=len(unnamed),
            error=naming_error or "the reply left them out or named them badly",
        )
    fallback_note = (
        " Grouped by word overlap (pressrun's lexical embedder), not by meaning."
        if embedder.is_fallback
        else ""
    )
    joined = len(assignment.joins)

    def write(session: Session) -> BatchResult:
        rows = {
            k.id: k
            for k in session.exec(select(Keyword).where(col(Keyword.id).in_(ids), _queue(retry)))
        }
        if error is not None:
            for row in rows.values():
                row.status = KeywordStatus.FAILED
                record_failure(row, error, req.run_id)
            return BatchResult(
                processed=len(rows),
                failed=len(rows),
                remaining=pending_keywords(session, req.site_id, share_of(req), retry),
            )
        taken = {
            name.lower()
            for name in session.exec(select(Cluster.name).where(Cluster.site_id == req.site_id))
        }

        def place(member: Keyword, cluster: Cluster) -> None:
            member.cluster_id = cluster.id
            member.status = KeywordStatus.CLUSTERED
            member.error = None
            member.intent = by_id[member.id or 0].intent
            if member.intent_source != "imported":
                member.intent_source = "detected"

        for kid, cluster_id in assignment.joins.items():
            cluster = session.get(Cluster, cluster_id)
            member = rows.get(kid)
            if cluster is None or member is None:
                continue
            place(member, cluster)
            cluster.keyword_count += 1
            cluster.intent = assignment.intents.get(cluster_id, cluster.intent)
            head = (
                session.get(Keyword, cluster.head_keyword_id) if cluster.head_keyword_id else None
            )
            if head is None or member.volume > head.volume:
                cluster.head_keyword_id = member.id
        created = 0
        for candidate in candidates:
            naming = namings.get(candidate.id)
            group = [k.id for k in candidate.keywords]
            parts = [group]
            if naming is not None and naming.split and valid_split(naming.split, group):
                order = {kid: i for i, kid in enumerate(group)}
                parts = [sorted(p, key=order.__getitem__) for p in naming.split]
            for part in parts:
                members = [rows[k] for k in part if k in rows]
                if not members:
                    continue
                lead = by_id[part[0]]
                whole = len(parts) == 1 and naming is not None
                if naming is not None and whole:
                    name, description = naming.name, naming.description
                else:
                    part_of = candidate.model_copy(update={"keywords": [by_id[k] for k in part]})
                    name, description = head_name(lead.text), _describe_unnamed(part_of)
                cluster = Cluster(
                    site_id=req.site_id,
                    run_id=req.run_id,
                    name=unique_name(name, lead.text, taken),
                    description=(description + fallback_note).strip(),
                    intent=candidate.intent,
                    head_keyword_id=lead.id,
                    keyword_count=len(members),
                )
                session.add(cluster)
                session.flush()
                for member in members:
                    place(member, cluster)
                created += 1
        session.flush()
        clustered = sum(1 for r in rows.values() if r.status == KeywordStatus.CLUSTERED)
        return BatchResult(
            processed=len(rows),
            created=created,
            credits=price if clustered else price * 0,
            remaining=pending_keywords(session, req.site_id, share_of(req), retry),
        )

    def describe(result: BatchResult) -> str:
        if result.failed:
            return f"Clustering failed for {result.failed} keywords: {error}"
        how = "word overlap (lexical fallback)" if embedder.is_fallback else embedder.model_id
        text = (
            f"Clustered {result.processed} keywords: {joined} joined existing clusters, "
            f"{result.created} new clusters (by {how}; {embedded} keywords embedded)"
        )
        if unnamed:
            why = naming_error or "the reply left them out"
            text += f"; {len(unnamed)} named after their head keyword ({why})"
        return text

    return await asyncio.to_thread(commit_batch, deps, req, write, describe=describe)
