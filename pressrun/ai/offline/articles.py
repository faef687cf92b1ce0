"""Article writing without a model: template prose sized to the brief's word target."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pressrun.ai.base import (
    META_DESCRIPTION_MAX,
    META_DESCRIPTION_MIN,
    TITLE_MAX,
    ArticleBrief,
    ArticleDraft,
    count_words,
)
from pressrun.ai.offline.phrases import (
    BODY_SENTENCES,
    CLOSING_SENTENCES,
    CONNECTORS,
    DEFAULT_OUTLINE,
    INTRO_SENTENCES,
    META_ADDENDA,
    META_TEMPLATES,
    SUB_SENTENCES,
    SUBHEADINGS,
)
from pressrun.ai.offline.picking import HashPicker, SentenceDeck
from pressrun.ai.text import (
    fill,
    fit,
    heading_phrase,
    is_question,
    join_phrases,
    sentence_case,
    slugify,
    subject,
    title_case,
    unique_texts,
)

OFFLINE_NOTE = "> Draft generated offline by pressrun (no AI model was called)."


@dataclass
class _Slot:
    """A paragraph yet to be written: its share of the word budget and where its sentences come
    from."""

    weight: float
    deck: SentenceDeck[str]
    opener: SentenceDeck[str] | None = None
    slots: dict[str, str] = field(default_factory=dict)


def write_article(brief: ArticleBrief) -> ArticleDraft:
    """Template prose sized to `brief.target_words`, under the brief's outline when it has one."""
    queries = unique_texts([brief.target_keyword, *brief.keywords])
    query = queries[0] if queries else brief.title.strip() or f"article {brief.task_id}"
    topic = subject(query)
    phrases = unique_texts(subject(q) for q in queries) or [topic]
    title = fit(brief.title.strip() or title_case(topic), TITLE_MAX)
    picker = HashPicker("article", brief.task_id, title, query, brief.target_words)
    headings = _section_headings(brief.outline, topic, phrases, brief.target_words)
    slots = {"topic": topic, "query": query}
    return ArticleDraft(
        title=title,
        body=_article_body(headings, phrases, slots, brief.target_words, picker),
        meta_description=_meta_description(query, headings, picker),
        slug=slugify(title) or slugify(query) or f"article-{brief.task_id}",
    )


def _section_headings(
    outline: Sequence[str], topic: str, phrases: Sequence[str], target_words: int
) -> list[str]:
    """The outline's H2s (as many as the length allows), or a default outline sized to it."""
    limit = max(1, target_words // 100)
    given = unique_texts(h.strip().lstrip("#") for h in outline)
    if given:
        return given[:limit]
    count = min(limit, max(2, min(len(DEFAULT_OUTLINE), round(target_words / 300))))
    picker = HashPicker("outline", topic)
    rest = sorted(picker.shuffled(range(1, len(DEFAULT_OUTLINE)))[: count - 1])
    secondary = phrases[1] if len(phrases) > 1 else topic
    return [sentence_case(fill(DEFAULT_OUTLINE[i], topic=topic, kw=secondary)) for i in [0, *rest]]


def _article_body(
    headings: Sequence[str],
    phrases: Sequence[str],
    slots: dict[str, str],
    target_words: int,
    picker: HashPicker,
) -> str:
    rotation = itertools.cycle(phrases)
    next_keyword: Callable[[], str] = functools.partial(next, rotation)
    body_deck = SentenceDeck(BODY_SENTENCES, picker)
    sub_deck = SentenceDeck(SUB_SENTENCES, picker)
    subheading_deck = SentenceDeck(SUBHEADINGS, picker)
    subs_each = min(3, max(1, round(target_words / len(headings) / 150)))

    blocks: list[str | _Slot] = [
        OFFLINE_NOTE,
        _Slot(1.0, SentenceDeck(INTRO_SENTENCES, picker), slots=slots),
    ]
    for heading in headings:
        about = (
            f"this part of {slots['topic']}" if is_question(heading) else heading_phrase(heading)
        )
        blocks += [f"## {heading}", _Slot(0.8, body_deck, slots={**slots, "heading": about})]
        for _ in range(subs_each):
            sub_heading, sub_phrase = subheading_deck.deal()
            keyword = next_keyword()
            sub_slots = {**slots, "heading": about, "sub": fill(sub_phrase, kw=keyword)}
            blocks += [
                f"### {fill(sub_heading, kw=keyword)}",
                _Slot(1.2, body_deck, opener=sub_deck, slots=sub_slots),
            ]
    blocks.append(_Slot(0.7, SentenceDeck(CLOSING_SENTENCES, picker), slots=slots))
    return "\n\n".join(_fill_blocks(blocks, target_words, picker, next_keyword)) + "\n"


def _fill_blocks(
    blocks: Sequence[str | _Slot],
    target_words: int,
    picker: HashPicker,
    next_keyword: Callable[[], str],
) -> list[str]:
    """Write each slot's paragraphs, re-spreading whatever budget is left over the slots still to
    come so that rounding drift does not accumulate."""
    remaining = target_words - sum(count_words(b) for b in blocks if isinstance(b, str))
    weight_left = sum(b.weight for b in blocks if isinstance(b, _Slot))
    out: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            out.append(block)
            continue
        budget = max(8, round(remaining * block.weight / weight_left))
        parts = max(1, math.ceil(budget / 110))
        for part in range(parts):
            opener = block.opener if part == 0 else None
            paragraph = _paragraph(
                budget // parts, block.deck, picker, next_keyword, opener=opener, **block.slots
            )
            out.append(paragraph)
            remaining -= count_words(paragraph)
        weight_left -= block.weight
    return out


def _paragraph(
    budget: int,
    deck: SentenceDeck[str],
    picker: HashPicker,
    next_keyword: Callable[[], str],
    *,
    opener: SentenceDeck[str] | None = None,
    **slots: str,
) -> str:
    """Sentences (the first from `opener` when given) until the paragraph is as close as it can
    get to `budget` words; no template appears twice in one paragraph."""
    connectors = SentenceDeck(CONNECTORS, picker)
    used: set[str] = set()
    sentences: list[str] = []
    total = 0
    while True:
        source = opener if opener is not None and not sentences else deck
        sentence = _sentence(source, next_keyword, slots, used)
        if sentences and picker.below(5) == 0:
            sentence = connectors.deal() + sentence[:1].lower() + sentence[1:]
        size = count_words(sentence)
        # Stop when adding the sentence would overshoot by more than stopping undershoots.
        if sentences and total + size - budget > budget - total:
            break
        sentences.append(sentence)
        total += size
        if total >= budget:
            break
    return " ".join(sentence_case(s) for s in sentences)


def _sentence(
    deck: SentenceDeck[str],
    next_keyword: Callable[[], str],
    slots: dict[str, str],
    used: set[str],
) -> str:
    """One filled template, preferring one not in `used` and not naming the topic twice."""
    for _ in range(8):
        template, keyword = deck.deal(), next_keyword()
        repeats_topic = "{topic}" in template and keyword == slots.get("topic")
        if template not in used and not repeats_topic:
            break
    used.add(template)
    return fill(template, kw=keyword, **slots)


def _meta_description(query: str, headings: Sequence[str], picker: HashPicker) -> str:
    """Within the meta description limits, opening with the target keyword as typed: the most
    section points that fit, then whole sentences added while it is short (only a keyword too
    long for any sentence gives the keyword alone, cut, which may be short)."""
    template, short = picker.choice(META_TEMPLATES)
    points = [heading_phrase(h) for h in headings if not is_question(h)]
    texts = [
        sentence_case(fill(template, query=query, points=join_phrases(points[:n])))
        for n in (3, 2, 1)
        if points[:n]
    ]
    texts.append(sentence_case(fill(short, query=query)))
    fitting = [t for t in texts if len(t) <= META_DESCRIPTION_MAX]
    if not fitting:
        return fit(query, META_DESCRIPTION_MAX)
    text = fitting[0]
    for addendum in picker.shuffled(META_ADDENDA):
        if len(text) >= META_DESCRIPTION_MIN:
            break
        if len(text) + 1 + len(addendum) <= META_DESCRIPTION_MAX:
            text = f"{text} {addendum}"
    return text
