"""Incremental assignment: join the closest cluster of the same intent, or start a new one."""

from __future__ import annotations

import numpy as np

from pressrun.clustering.assign import ExistingCluster, Item, assign


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def item(key: int, vector: np.ndarray, intent: str = "informational", volume: int = 0) -> Item:
    return Item(key=key, intent=intent, volume=volume, vector=vector)


def test_a_close_keyword_joins_an_existing_cluster() -> None:
    existing = [ExistingCluster(id=7, intent="informational", vector_sum=unit(1, 0, 0) * 3)]
    result = assign(existing, [item(1, unit(0.9, 0.1, 0)), item(2, unit(0, 0, 1))], 0.8)
    assert result.joins == {1: 7}
    assert result.groups == [[2]]


def test_intents_never_merge_however_close() -> None:
    existing = [ExistingCluster(id=7, intent="roundup", vector_sum=unit(1, 0, 0))]
    items = [item(1, unit(1, 0, 0), "comparison"), item(2, unit(1, 0.01, 0), "how_to")]
    result = assign(existing, items, 0.5)
    assert result.joins == {}
    assert sorted(result.groups) == [[1], [2]]


def test_new_clusters_form_among_the_batch_head_first() -> None:
    items = [
        item(1, unit(1, 0.1, 0), volume=10),
        item(2, unit(1, 0, 0), volume=500),
        item(3, unit(0, 1, 0), volume=50),
        item(4, unit(0.1, 1, 0), volume=5),
    ]
    result = assign([], items, 0.9)
    # Highest volume first: keyword 2 heads the first cluster, 3 the second.
    assert result.groups == [[2, 1], [3, 4]]


def test_a_joined_cluster_moves_toward_its_members() -> None:
    existing = [ExistingCluster(id=1, intent="informational", vector_sum=unit(1, 0))]
    # 2 joins (cos 0.8); its centroid moves, so 3 (cos 0.6 to the old centroid) joins too.
    items = [item(2, unit(0.8, 0.6), volume=2), item(3, unit(0.6, 0.8), volume=1)]
    assert assign(existing, items, 0.75).joins == {2: 1, 3: 1}


def test_vectors_of_another_size_are_ignored() -> None:
    stale = [ExistingCluster(id=1, intent="informational", vector_sum=unit(1, 0, 0, 0))]
    assert assign(stale, [item(1, unit(1, 0, 0))], 0.5).groups == [[1]]
    assert assign([], [], 0.5).groups == []
