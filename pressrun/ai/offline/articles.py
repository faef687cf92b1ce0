"""Article writing without a model: template prose sized to the brief's word target."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pressrun.ai.base import (
    META_DESCRIPTION_MAX,
    META_DESCRIPTION_MIN,
    TITLE_MAX,
    ArticleBrief,
    ArticleDraft,
    WritingProfile,
    count_words,
)
from pressrun.ai.offline.grammar import Keyword, keyword, on_topic
from pressrun.ai.offline.phrases import (
    BODY_SENTENCES,
    CLOSING_SENTENCES,
    CONNECTORS,
    DEFAULT_OUTLINE,
    INTRO_SENTENCES,
    LEADS,
    META_ADDENDA,
    META_TEMPLATES,
    QUESTION_SENTENCES,
    QUESTION_SUBHEADING,
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
    mentions_any,
    sentence_case,
    slugify,
    title_case,
    unique_texts,
)

OFFLINE_NOTE = "> Draft generated offline by pressrun (no AI model was called)."


def offline_note(profile: WritingProfile) -> str:
    """The note opening every offline draft, saying what of the site's content profile it
    could not follow: it writes English template prose, in its own voice."""
    cannot = []
    if not profile.is_english:
        cannot.append(f"it writes English only, not {profile.language}")
    ignored = [
        label
        for label, unmet in (
            ("audience", bool(profile.audience)),
            ("tone", profile.tone not in ("", WritingProfile().tone)),
            ("point of view", profile.point_of_view != WritingProfile().point_of_view),
            ("house style", bool(profile.house_style)),
        )
        if unmet
    ]
    if ignored:
        cannot.append(f"it does not follow the profile's {join_phrases(ignored)}")
    if not cannot:
        return OFFLINE_NOTE
    return f"{OFFLINE_NOTE[:-1]}: {'; '.join(cannot)}."


# Slots that belong to the brief itself; a template with none of them gets a lead naming one.
_OWN_SLOTS = ("{kw}", "{topic}", "{query}", "{q}", "{sub}")
# A template that already opens with a short phrase and a comma ("In the end, ...") takes no
# connector.
_OPENING_RE = re.compile(r"^[^,{]{1,24}, ")
# How many templates a sentence may try before its paragraph (or section) ends early.
_ATTEMPTS = 40


def normalised(sentence: str) -> str:
    """A sentence as compared for repeats: lowercase, whitespace collapsed."""
    return " ".join(sentence.lower().split())


@dataclass
class _Slot:
    """A paragraph yet to be written: its share of the word budget and where its sentences come
    from."""

    weight: float
    deck: SentenceDeck[str]
    opener: SentenceDeck[str] | None = None
    slots: dict[str, str] = field(default_factory=dict)


@dataclass
class _Writer:
    """What the sentences of one article share: the keyword rotations, the decks and every
    sentence written so far, so that none is written twice."""

    picker: HashPicker
    topic: str
    nouns: list[Keyword]
    questions: list[Keyword]
    avoid: Sequence[str] = ()
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._nouns = itertools.cycle(self.nouns)
        self._questions = itertools.cycle(self.questions)
        self.body = SentenceDeck(BODY_SENTENCES, self.picker)
        self.asked = SentenceDeck(QUESTION_SENTENCES, self.picker)
        self.leads = SentenceDeck(LEADS, self.picker)
        self.connectors = SentenceDeck(CONNECTORS, self.picker)
        self.subheadings = SentenceDeck(SUBHEADINGS, self.picker)
        self._headed: set[str] = set()

    def noun(self) -> str:
        return next(self._nouns).noun

    def subheading(self) -> tuple[str, str]:
        """The next H3 and its noun phrase: each question keyword once, as asked, between the
        templated ones."""
        for kw in self.questions:
            if kw.text not in self._headed and self.picker.below(2) == 0:
                self._headed.add(kw.text)
                heading, phrase = QUESTION_SUBHEADING
                return fill(heading, q=kw.question), fill(phrase, q=kw.question)
        heading, phrase = self.subheadings.deal()
        noun = self.noun()
        return fill(heading, kw=noun), fill(phrase, kw=noun)

    def sentence(
        self, deck: SentenceDeck[str], slots: dict[str, str], used: set[str]
    ) -> str | None:
        """A filled template not yet written in this article, preferring one not in `used` (this
        paragraph's) and not naming the topic twice; None when `deck` has none left to give."""
        for attempt in range(_ATTEMPTS):
            template = deck.deal()
            if (
                self.questions
                and attempt % 3 == 0
                and deck is self.body
                and self.picker.below(4) == 0
            ):
                template = self.asked.deal()
            if template in used and attempt < _ATTEMPTS // 2:
                continue
            noun = self.noun()
            if "{kw}" in template and "{topic}" in template and noun == self.topic and attempt < 8:
                continue
            question = next(self._questions).question if "{q}" in template else ""
            text = fill(template, kw=noun, q=question, **slots)
            if lead := ("" if "{q}" in template else self._lead(template, slots)):
                text = lead + text[:1].lower() + text[1:]
            if mentions_any(text, self.avoid):
                continue
            if normalised(text) not in self.seen:
                self.seen.add(normalised(text))
                used.add(template)
                return text
        return None

    def _lead(self, template: str, slots: dict[str, str]) -> str:
        """A lead naming the brief for a template naming nothing of it (so that no sentence is
        the same in every article); now and then a plain connector for the others."""
        if not any(s in template for s in _OWN_SLOTS):
            return fill(self.leads.deal(), kw=self.noun(), topic=slots.get("topic", self.topic))
        if self.picker.below(5) == 0 and not _OPENING_RE.match(template):
            return self.connectors.deal()
        return ""


def write_article(brief: ArticleBrief) -> ArticleDraft:
    """Template prose sized to `brief.target_words`, under the brief's outline when it has one.

    It writes about the target keyword and those of the brief's other keywords that share its
    topic; no sentence is written twice. Of the content profile it follows the length, names
    the brand once and writes no sentence naming an avoided topic; its opening note says what
    else it could not follow (`offline_note`)."""
    queries = unique_texts([brief.target_keyword, *brief.keywords])
    query = queries[0] if queries else brief.title.strip() or f"article {brief.task_id}"
    keywords = [
        keyword(q) for q in unique_texts([query, *on_topic(query, queries[1:], brief.title)])
    ]
    nouns = [k for k in keywords if not k.is_question] or keywords
    topic = nouns[0].noun
    title = fit(brief.title.strip() or title_case(topic), TITLE_MAX)
    picker = HashPicker("article", brief.task_id, title, query, brief.target_words)
    profile = brief.profile
    writer = _Writer(
        picker, topic, nouns, [k for k in keywords if k.is_question], avoid=profile.avoid
    )
    phrases = [k.noun for k in nouns]
    headings = _section_headings(brief.outline, topic, phrases, brief.target_words)
    slots = {"topic": topic, "query": query}
    return ArticleDraft(
        title=title,
        body=_article_body(headings, writer, slots, brief.target_words, profile),
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
    writer: _Writer,
    slots: dict[str, str],
    target_words: int,
    profile: WritingProfile,
) -> str:
    picker = writer.picker
    sub_deck = SentenceDeck(SUB_SENTENCES, picker)
    subs_each = min(3, max(1, round(target_words / len(headings) / 150)))

    blocks: list[str | _Slot] = [
        offline_note(profile),
        _Slot(1.0, SentenceDeck(INTRO_SENTENCES, picker), slots=slots),
    ]
    for heading in headings:
        about = "this question" if is_question(heading) else heading_phrase(heading)
        blocks += [f"## {heading}", _Slot(0.8, writer.body, slots={**slots, "heading": about})]
        for _ in range(subs_each):
            sub_heading, sub_phrase = writer.subheading()
            sub_slots = {**slots, "heading": about, "sub": sub_phrase}
            blocks += [
                f"### {sub_heading}",
                _Slot(1.2, writer.body, opener=sub_deck, slots=sub_slots),
            ]
    closing = _Slot(0.7, SentenceDeck(CLOSING_SENTENCES, picker), slots=slots)
    if profile.brand_name:
        # The brand, once, opening the closing paragraph's place.
        blocks.append(f"This guide comes from {profile.brand_name}.")
    blocks.append(closing)
    return "\n\n".join(_fill_blocks(blocks, target_words, writer)) + "\n"


def _fill_blocks(blocks: Sequence[str | _Slot], target_words: int, writer: _Writer) -> list[str]:
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
            paragraph = _paragraph(budget // parts, block.deck, writer, opener, block.slots)
            if paragraph:
                out.append(paragraph)
                remaining -= count_words(paragraph)
        weight_left -= block.weight
    return out


def _paragraph(
    budget: int,
    deck: SentenceDeck[str],
    writer: _Writer,
    opener: SentenceDeck[str] | None,
    slots: dict[str, str],
) -> str:
    """Sentences (the first from `opener` when given) until the paragraph is as close as it can
    get to `budget` words; no template appears twice in one paragraph, and once `deck` has no
    new sentence left the body sentences carry on."""
    used: set[str] = set()
    sentences: list[str] = []
    total = 0
    while True:
        source = opener if opener is not None and not sentences else deck
        sentence = writer.sentence(source, slots, used)
        if sentence is None and source is not writer.body:
            sentence = writer.sentence(writer.body, slots, used)
        if sentence is None:
            break
        size = count_words(sentence)
        # Stop when adding the sentence would overshoot by more than stopping undershoots.
        if sentences and total + size - budget > budget - total:
            writer.seen.discard(normalised(sentence))
            break
        sentences.append(sentence)
        total += size
        if total >= budget:
            break
    return " ".join(sentence_case(s) for s in sentences)


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
