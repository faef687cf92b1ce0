"""Cluster naming without a model: a candidate is named after its head keyword."""

from __future__ import annotations

from collections.abc import Sequence

from pressrun.ai.base import ClusterCandidate, ClusterNaming, KeywordInput
from pressrun.ai.text import head_name


def name_cluster(candidate: ClusterCandidate) -> ClusterNaming:
    """The page named after its head keyword (its most searched query), which says what the
    page is for without a model to summarise it; a description of its members. Never a split
    (that takes a model's judgement)."""
    ranked = sorted(candidate.keywords, key=lambda k: (-k.volume, len(k.text), k.id))
    return ClusterNaming(
        id=candidate.id,
        name=head_name(ranked[0].text),
        description=_cluster_description(ranked, candidate.intent),
    )


def _cluster_description(ranked: Sequence[KeywordInput], intent: str) -> str:
    shown = ", ".join(f'"{kw.text}"' for kw in ranked[:8])
    more = f" and {len(ranked) - 8} more" if len(ranked) > 8 else ""
    volume = sum(kw.volume for kw in ranked)
    noun = "keyword" if len(ranked) == 1 else "keywords"
    return (
        f"{len(ranked)} {noun} ({volume:,} monthly searches, {intent.replace('_', '-')} "
        f"intent): {shown}{more}. Named offline by pressrun (no AI model called)."
    )
