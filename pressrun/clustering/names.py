"""Cluster names unique within a site (the head keyword's title as the fallback), and checking
a model's split."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from pressrun.ai.text import NAME_LIMIT, head_name


def unique_name(name: str, head_text: str, taken: set[str]) -> str:
    """`name`, else the head keyword's title, else `name (2)`, `name (3)`…: the first the
    site has not used (compared without case). The chosen name is added to `taken`."""
    cleaned = " ".join(name.split())[:NAME_LIMIT] or head_name(head_text)
    candidates = [cleaned, head_name(head_text)]
    chosen = next((c for c in candidates if c.lower() not in taken), None)
    if chosen is None:
        numbered = (f"{cleaned[: NAME_LIMIT - 8]} ({n})" for n in itertools.count(2))
        chosen = next(c for c in numbered if c.lower() not in taken)
    taken.add(chosen.lower())
    return chosen


def valid_split(split: Sequence[Sequence[int]], keyword_ids: Sequence[int]) -> bool:
    """A split must divide exactly the cluster's keywords into two or more non-empty pages."""
    parts = [list(p) for p in split]
    if len(parts) < 2 or any(not p for p in parts):
        return False
    flat = [i for p in parts for i in p]
    return len(flat) == len(set(flat)) and set(flat) == set(keyword_ids)
