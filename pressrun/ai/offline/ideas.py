"""Idea generation without a model: distinct (angle, target keyword) pairs from a cluster."""

from __future__ import annotations

from pressrun.ai.base import TITLE_MAX, ClusterBrief, IdeaDraft
from pressrun.ai.offline.grammar import keyword as as_keyword
from pressrun.ai.offline.phrases import ANGLES, QUESTION_TITLES, Angle
from pressrun.ai.offline.picking import HashPicker
from pressrun.ai.text import (
    fill,
    fit,
    join_phrases,
    mentions_any,
    sentence_case,
    subject,
    title_case,
    unique_texts,
)

# The angle that serves each search intent; the others follow in their usual order.
_INTENT_ANGLES = {
    "comparison": "comparison",
    "roundup": "tools",
    "how_to": "how-to",
    "troubleshooting": "mistakes",
    "definition": "faq",
}


def _angles_for(intent: str) -> list[Angle]:
    first = _INTENT_ANGLES.get(intent, "guide")
    return sorted(ANGLES, key=lambda a: a.key != first)


def generate_ideas(cluster: ClusterBrief, count: int) -> list[IdeaDraft]:
    """Up to `count` ideas, each a distinct (angle, target keyword) pair from the cluster; the
    first takes the angle of the cluster's intent and targets its head keyword. None names a
    topic the site's profile avoids (an idea whose title would is left out)."""
    avoid = cluster.profile.avoid
    keywords = unique_texts(cluster.keywords) or unique_texts([cluster.name]) or ["this topic"]
    angles = _angles_for(cluster.intent)
    ideas: list[IdeaDraft] = []
    seen: set[str] = set()
    # Round r pairs angle a with keyword (a + r) % K, so no pair repeats within K rounds.
    for i in range(len(angles) * len(keywords)):
        if len(ideas) >= count:
            break
        rounds, a = divmod(i, len(angles))
        angle, keyword = angles[a], keywords[(a + rounds) % len(keywords)]
        picker = HashPicker("idea", cluster.id, cluster.name, keyword, angle.key)
        asked = as_keyword(keyword)
        n = str(5 + picker.below(6))
        if asked.is_question:
            # A question is no noun phrase for "The Complete Guide to {Kw}": the title asks it.
            slots = {"kw": "this question", "n": n}
            title = fit(f"{title_case(asked.question)} {QUESTION_TITLES[angle.key]}", TITLE_MAX)
            brief_slots = {**slots, "kw": f'the question "{asked.question}"'}
        else:
            slots = brief_slots = {"kw": subject(keyword), "n": n}
            title = fit(fill(picker.choice(angle.titles), **slots), TITLE_MAX)
        if title.lower() in seen or mentions_any(title, avoid):
            continue
        seen.add(title.lower())
        related = [k for k in keywords if k != keyword and not mentions_any(k, avoid)][:4]
        also = f" Also cover: {join_phrases(related)}." if related else ""
        ideas.append(
            IdeaDraft(
                title=title,
                brief=f"{fill(angle.brief, **brief_slots)} Target keyword: {keyword}.{also}",
                outline=[sentence_case(fill(h, **slots)) for h in angle.outline],
                target_keyword=keyword,
            )
        )
    return ideas
