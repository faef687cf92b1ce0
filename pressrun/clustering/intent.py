"""Search intent from a query's wording: comparison, roundup, how-to, definition and
troubleshooting queries about one topic are different pages, so clusters never mix them.

Rules, not a model: the forms are marked by a few words ("vs", "best", "how to", "what is",
"not working"), and a rule that reads them is exact, explainable and free. A query with no
marker is `informational`. An intent given at import wins over the detected one.
"""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

Intent = Literal[
    "informational",
    "commercial",
    "transactional",
    "navigational",
    "comparison",
    "roundup",
    "how_to",
    "definition",
    "troubleshooting",
]
INTENTS: Final[tuple[Intent, ...]] = get_args(Intent)
DEFAULT_INTENT: Final[Intent] = "informational"

_RULES: Final[tuple[tuple[Intent, re.Pattern[str]], ...]] = (
    (
        "troubleshooting",
        re.compile(
            r"\b(not (working|turning on|\w+ing)|won'?t|doesn'?t work|does not work|"
            r"stopped working|keeps? (dying|crashing|failing|turning off|beeping|leaking)|"
            r"troubleshoot\w*|fix(ing)?|repair(ing)?|problems?|issues?|errors?|broken|"
            r"leaking|why (is|are|does|do|did) my|why won'?t|why can'?t)\b"
        ),
    ),
    (
        "comparison",
        re.compile(
            r"\b(vs\.?|versus|compared? (to|with)|comparison|comparing|differences? between|"
            r"which is better|or .+ which|alternatives? to)\b|"
            r"^(is|are) .+ (the same as|same as|better than|worse than|different from)\b"
        ),
    ),
    (
        "definition",
        re.compile(r"^how (does|do) .+ work$|\bexplained\b"),
    ),
    (
        "how_to",
        re.compile(
            r"^(how (to|do|can|should|does) |ways to |steps to )|\bhow to\b|\bstep by step\b|"
            r"\btutorial\b|\bdiy\b|\btips\b|\brecipes?\b|"
            r"\b(best|easiest|fastest|quickest|cheapest|cheap|simple|good) ways? to\b"
        ),
    ),
    (
        "roundup",
        re.compile(
            r"^top\b|\b(best|top[ -](\d+|rated|picks|brands)|cheapest|cheap|affordable|"
            r"inexpensive|most popular|recommended|reviews?)\b"
        ),
    ),
    (
        "definition",
        re.compile(
            r"^(what (is|are|does)|what's|define|definition of|meaning of)\b|"
            r"\b(meaning|definition|what does .+ mean)\b"
        ),
    ),
    (
        "transactional",
        re.compile(r"\b(buy|for sale|coupons?|discount codes?|near me|order online)\b"),
    ),
)


def detect_intent(text: str) -> Intent:
    """The first rule that matches the lowercased query, else `informational`."""
    query = " ".join(text.lower().replace("\u2019", "'").split())
    for intent, pattern in _RULES:
        if pattern.search(query):
            return intent
    return DEFAULT_INTENT


def intent_key(value: str) -> str:
    """An intent as spelled by a person (`How-to`, `how to`, `HOW_TO`) in the stored form."""
    return re.sub(r"[\s-]+", "_", value.strip().lower())


def parse_intent(value: str) -> Intent | None:
    """An imported intent in any common spelling, or None when it is not one pressrun knows."""
    key = intent_key(value)
    return next((i for i in INTENTS if i == key), None)
