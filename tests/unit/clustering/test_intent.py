"""Search intent read from a query's wording, and imported intents in any common spelling."""

from __future__ import annotations

import pytest

from pressrun.clustering.intent import INTENTS, detect_intent, parse_intent


@pytest.mark.parametrize(
    ("query", "intent"),
    [
        ("nike vs adidas running shoes", "comparison"),
        ("espresso machine versus moka pot", "comparison"),
        ("difference between latte and cappuccino", "comparison"),
        ("trail shoes or road shoes which is better", "comparison"),
        ("best running shoes", "roundup"),
        ("top 10 espresso machines", "roundup"),
        ("cheap espresso machine", "roundup"),
        ("what is the best espresso machine", "roundup"),
        ("how to clean running shoes", "how_to"),
        ("how do i descale my espresso machine", "how_to"),
        ("ways to save money on groceries", "how_to"),
        ("what is a credit score", "definition"),
        ("fico score meaning", "definition"),
        ("what does apr mean", "definition"),
        ("why is my espresso machine leaking", "troubleshooting"),
        ("wifi not working", "troubleshooting"),
        ("dishwasher won't drain", "troubleshooting"),
        ("buy running shoes online", "transactional"),
        ("running shoes", "informational"),
        ("tank top", "informational"),
        ("Running Shoes  VS  Trail Shoes", "comparison"),
    ],
)
def test_detect_intent(query: str, intent: str) -> None:
    assert detect_intent(query) == intent


def test_every_detected_intent_is_a_known_one() -> None:
    assert {detect_intent(q) for q in ["a vs b", "best a", "how to a", "what is a"]} <= set(INTENTS)


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("How-to", "how_to"),
        ("how to", "how_to"),
        ("HOW_TO", "how_to"),
        ("Commercial", "commercial"),
    ],
)
def test_parse_intent(value: str, parsed: str) -> None:
    assert parse_intent(value) == parsed


def test_parse_intent_refuses_unknown() -> None:
    assert parse_intent("curious") is None
