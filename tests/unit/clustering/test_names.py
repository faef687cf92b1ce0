"""Cluster names unique within a site, and a model's split checked before it is used."""

from __future__ import annotations

from pressrun.ai.text import head_name
from pressrun.clustering.names import unique_name, valid_split


def test_head_name_titles_the_head_keyword() -> None:
    assert head_name("best running shoes") == "Best Running Shoes"


def test_unique_name_falls_back_to_the_head_then_numbers() -> None:
    taken = {"running shoes"}
    assert unique_name("Running Shoes", "best running shoes", taken) == "Best Running Shoes"
    assert unique_name("running shoes", "best running shoes", taken) == "running shoes (2)"
    assert unique_name("Running  Shoes", "best running shoes", taken) == "Running Shoes (3)"
    assert taken == {
        "running shoes",
        "best running shoes",
        "running shoes (2)",
        "running shoes (3)",
    }


def test_valid_split() -> None:
    assert valid_split([[1, 2], [3]], [1, 2, 3])
    assert not valid_split([[1, 2, 3]], [1, 2, 3])  # one part is no split
    assert not valid_split([[1], [2]], [1, 2, 3])  # a keyword left out
    assert not valid_split([[1, 2], [2, 3]], [1, 2, 3])  # a keyword twice
    assert not valid_split([[1, 2], [3, 9]], [1, 2, 3])  # a keyword not in the cluster
    assert not valid_split([[1, 2, 3], []], [1, 2, 3])
