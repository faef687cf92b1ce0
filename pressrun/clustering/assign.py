"""Incremental clustering in one vector space: each keyword joins the closest cluster it may
join when the cosine to that cluster's centroid reaches the threshold, else starts a new one.

A batch sees every cluster the site already has, so batches and runs add to one clustering
instead of each starting its own. Keywords are taken highest volume first, so a cluster is
seeded by its head. Intents: a keyword of a specific intent (comparison, roundup, how-to, ...)
joins only a cluster of that intent, or an `open` one (`informational`: no intent marked yet),
which then takes its intent; an open keyword joins any cluster. So two specific intents never
share a page, while a bare topic query ("running shoes") still finds the page it belongs to.

Work is one matrix-vector product per keyword over the site's clusters: memory grows with the
number of clusters, never with the number of keywords squared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
OPEN = "informational"


@dataclass(frozen=True)
class ExistingCluster:
    id: int
    intent: str
    # The sum of its members' unit vectors: its centroid's direction.
    vector_sum: Vector


@dataclass(frozen=True)
class Item:
    key: int
    intent: str
    volume: int
    vector: Vector


@dataclass
class Assignment:
    # Item key → the existing cluster it joins.
    joins: dict[int, int] = field(default_factory=dict)
    # New clusters, each a list of item keys, head (highest volume) first.
    groups: list[list[int]] = field(default_factory=list)
    # The intent of each new group, by index.
    group_intents: list[str] = field(default_factory=list)
    # Existing open clusters that took a joining keyword's intent.
    intents: dict[int, str] = field(default_factory=dict)


class _Space:
    """Every cluster in play: unit centroids in a growable matrix, their sums and intents."""

    def __init__(self, dims: int) -> None:
        self._centroids = np.zeros((8, dims), dtype=np.float32)
        self._sums = np.zeros((8, dims), dtype=np.float32)
        self.intents: list[str] = []
        self.owners: list[tuple[str, int]] = []

    def add(self, owner: tuple[str, int], intent: str, vector_sum: Vector) -> None:
        n = len(self.owners)
        if n == len(self._centroids):
            self._centroids = np.vstack([self._centroids, np.zeros_like(self._centroids)])
            self._sums = np.vstack([self._sums, np.zeros_like(self._sums)])
        self._sums[n] = vector_sum
        self._centroids[n] = _unit(vector_sum)
        self.owners.append(owner)
        self.intents.append(intent)

    def nearest(self, vector: Vector, intent: str) -> tuple[int, float]:
        """The most similar cluster this intent may join, and its cosine; (-1, -1) if none."""
        n = len(self.owners)
        if n == 0:
            return -1, -1.0
        sims = self._centroids[:n] @ vector
        if intent != OPEN:
            allowed = np.array([i in (intent, OPEN) for i in self.intents])
            sims = np.where(allowed, sims, -np.inf)
        best = int(np.argmax(sims))
        return best, float(sims[best])

    def grow(self, row: int, vector: Vector, intent: str) -> None:
        self._sums[row] += vector
        self._centroids[row] = _unit(self._sums[row])
        if self.intents[row] == OPEN:
            self.intents[row] = intent


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def assign(
    existing: Sequence[ExistingCluster], items: Sequence[Item], threshold: float
) -> Assignment:
    """Join each item to the most similar cluster it may join (existing, or new in this
    batch) when at least `threshold` similar, else start a new cluster with it."""
    result = Assignment()
    if not items:
        return result
    dims = len(items[0].vector)
    space = _Space(dims)
    for cluster in existing:
        if len(cluster.vector_sum) == dims:
            space.add(("existing", cluster.id), cluster.intent, cluster.vector_sum)
    for item in sorted(items, key=lambda i: (-i.volume, i.key)):
        row, similarity = space.nearest(item.vector, item.intent)
        if row >= 0 and similarity >= threshold:
            kind, ref = space.owners[row]
            before = space.intents[row]
            space.grow(row, item.vector, item.intent)
            if kind == "existing":
                result.joins[item.key] = ref
                if space.intents[row] != before:
                    result.intents[ref] = space.intents[row]
            else:
                result.groups[ref].append(item.key)
                result.group_intents[ref] = space.intents[row]
            continue
        space.add(("new", len(result.groups)), item.intent, item.vector.copy())
        result.groups.append([item.key])
        result.group_intents.append(item.intent)
    return result
