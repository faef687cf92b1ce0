"""Text helpers for the offline provider: tokens and stems, titles and slugs, and template prose."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words plus the search modifiers ("best", "near me", "vs") that cut across every topic
# and would otherwise pull unrelated keywords together.
STOPWORDS = _word_set(
    """
    a about after all also an and any are as at be before best buy by can cheap checklist do
    does examples explained first for free from get good guide how i ideas if in into is it its
    list me my near new no not of on online or our review reviews should so than that the their
    them these this those tips to top tutorial up use using versus vs was way we what when
    where which who why will with without you your
    """
)

_SMALL_WORDS = _word_set("a an and as at but by for from in into of on or per the to via vs with")
_ACRONYMS = _word_set("ai api diy faq ga4 gps ira llc nec ppc roi seo sep uk usa zz")
_QUESTION_WORDS = _word_set("are can do does how is should what when where which who why")
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_COUNTED_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
# Lead-ins turning a search query into a noun phrase: "how to use x" -> "using x".
_HOW_TO_RE = re.compile(r"^(?:how (?:to|do i|do you|can i)|ways to) (\S+)(.*)$", re.IGNORECASE)
_DROPPED_LEAD_RE = re.compile(r"^(?:what (?:is|are) (?:an? |the )?|best |top )(.+)$", re.IGNORECASE)
_DOUBLED_GERUNDS = {"begin": "beginning", "repot": "repotting", "submit": "submitting"}


# --- words --------------------------------------------------------------------------------


def ascii_fold(text: str) -> str:
    """Drop accents and any character without an ASCII equivalent."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def words(text: str) -> list[str]:
    """Lowercase ASCII word tokens, apostrophes kept inside words."""
    return _WORD_RE.findall(ascii_fold(text).lower())


def stem(word: str) -> str:
    """A light suffix stripper, enough to match plurals, -ing/-ed/-er forms and a final "e"
    ("freelance", "freelancers"); not a full stemmer."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "er"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def content_stems(text: str) -> list[str]:
    """Stems of the non-stopword tokens, or of every token when all of them are stopwords."""
    tokens = words(text)
    kept = [t for t in tokens if t not in STOPWORDS] or tokens
    return [stem(t) for t in kept]


def count_words(markdown: str) -> int:
    """Words as a reader counts them: Markdown markers such as `##` and `>` are not words."""
    return len(_COUNTED_WORD_RE.findall(markdown))


def unique_texts(texts: Iterable[str]) -> list[str]:
    """Whitespace-normalised, non-empty texts without case-insensitive repeats, first kept."""
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        text = " ".join(text.split())
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(text)
    return out


# --- phrasing -----------------------------------------------------------------------------


def title_case(text: str) -> str:
    """Headline case that keeps small words lowercase and known acronyms uppercase."""
    out: list[str] = []
    for i, word in enumerate(text.split()):
        lower = word.lower()
        if lower in _ACRONYMS:
            out.append(word.upper())
        elif i > 0 and lower in _SMALL_WORDS:
            out.append(lower)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def slugify(text: str, *, max_length: int = 80) -> str:
    """A URL slug of lowercase ASCII words joined by hyphens, cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower().replace("'", "")).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-")


def shorten(text: str, limit: int, *, suffix: str = "...") -> str:
    """`text` cut at a word boundary so that it fits in `limit` characters, suffix included."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(suffix))].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return (cut + suffix)[:limit]


def join_phrases(phrases: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def subject(keyword: str) -> str:
    """A search query as a noun phrase that fits in a sentence or title: "how to use a french
    press" -> "using a french press", "best espresso beans" -> "espresso beans"."""
    text = " ".join(keyword.split())
    if match := _HOW_TO_RE.match(text):
        return _gerund(match[1]) + match[2]
    if match := _DROPPED_LEAD_RE.match(text):
        return match[1]
    return text


def _gerund(verb: str) -> str:
    lower = verb.lower()
    if lower in _DOUBLED_GERUNDS:
        return _DOUBLED_GERUNDS[lower]
    if lower.endswith("ie"):
        return verb[:-2] + "ying"
    if lower.endswith("e") and not lower.endswith(("ee", "oe", "ye")) and len(lower) > 2:
        return verb[:-1] + "ing"
    if len(lower) <= 4 and re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", lower):
        return verb + verb[-1] + "ing"
    return verb + "ing"


def is_question(heading: str) -> bool:
    first = heading.split(maxsplit=1)[0].lower() if heading.strip() else ""
    return heading.rstrip().endswith("?") or first in _QUESTION_WORDS


def heading_phrase(heading: str) -> str:
    """A heading as a phrase that can sit mid-sentence: the part before any colon, lowercased
    except for acronyms, without end punctuation."""
    text = heading.split(":", 1)[0].strip().rstrip("?!.")
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in text.split())


def fill(template: str, **slots: str) -> str:
    """Fill a template; `{Kw}`-style slots take the title-cased value of the lowercase slot."""
    extra = {name[:1].upper() + name[1:]: title_case(value) for name, value in slots.items()}
    return template.format(**slots, **extra)


# --- deterministic choice -----------------------------------------------------------------


class HashPicker:
    """Choices drawn from a SHA-256 stream seeded by the input, so output never varies by run."""

    def __init__(self, *seed_parts: object) -> None:
        self._seed = "\x1f".join(str(p) for p in seed_parts).encode()
        self._counter = 0

    def integer(self) -> int:
        self._counter += 1
        digest = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        return int.from_bytes(digest[:8], "big")

    def below(self, n: int) -> int:
        return self.integer() % n if n > 0 else 0

    def choice(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        keyed = sorted((self.integer(), i) for i in range(len(items)))
        return [items[i] for _, i in keyed]


class SentenceDeck(Generic[T]):
    """Deals templates in a shuffled order, reshuffling only once the whole deck has been dealt."""

    def __init__(self, templates: Sequence[T], picker: HashPicker) -> None:
        self._templates = templates
        self._picker = picker
        self._queue: list[T] = []
        self._last: T | None = None

    def deal(self) -> T:
        if not self._queue:
            self._queue = self._picker.shuffled(self._templates)
            if len(self._queue) > 1 and self._queue[-1] == self._last:
                self._queue[0], self._queue[-1] = self._queue[-1], self._queue[0]
        self._last = self._queue.pop()
        return self._last


def build_paragraph(
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


# --- prose templates ----------------------------------------------------------------------
# Slots: {kw} a keyword as a noun phrase (rotated through the brief's keywords), {query} the
# target keyword as typed, {topic} its noun phrase, {heading} the current H2 and {sub} the
# current H3, both as mid-sentence phrases.

INTRO_SENTENCES = (
    "If you have been searching for {query}, you are in good company: it is one of the most "
    "common questions people have.",
    "This article walks through {topic} step by step, from the basics to the details that are "
    "easy to miss.",
    "Most advice about {topic} is either too vague or too technical, so the aim here is the "
    "practical middle ground.",
    "By the end you should know what matters, what can wait, and where {kw} fits into the "
    "bigger picture.",
    "The focus stays on decisions you can act on this week rather than on theory.",
    "Whether you are starting from scratch or tidying up an existing routine, the same few "
    "principles apply.",
)

BODY_SENTENCES = (
    "When it comes to {heading}, the simplest approach is usually the one that lasts.",
    "Start by writing down what you already know about {kw}; the gaps become easier to spot.",
    "A common pattern is to overthink {kw} at the start and then skip the follow-through.",
    "It helps to treat this as a habit rather than a one-off task.",
    "Small, consistent adjustments tend to beat dramatic changes here.",
    "If something feels unclear, change one variable at a time and note what happens.",
    "People who get good results with {kw} usually keep a short record of what they tried.",
    "There is no single right answer, but there are a few reliable defaults worth knowing.",
    "Keep an eye on the details, because {kw} is where small mistakes quietly add up.",
    "Before moving on, make sure this part is in place; everything after it builds on it.",
    "Decide what you want to achieve first, then choose the method that fits that goal.",
    "The trade-off is usually between convenience and control, and both have their place.",
    "A quick review every few weeks is enough to catch most problems early.",
    "Budget, time and experience all shape how far you need to go with {kw}.",
    "For most readers, a good-enough setup today beats a perfect plan that never starts.",
    "Look for signs that something is working, not only for signs of trouble.",
    "Once the routine feels natural, it becomes much easier to experiment with {kw}.",
    "It is worth comparing two or three options side by side before you commit.",
    "Experienced people rarely rely on memory here; a simple checklist does the remembering.",
    "The numbers matter less than the trend, so compare this month with the last one.",
    "Ask yourself which part of {kw} you would struggle to explain to a friend.",
    "This is also where {topic} connects with {kw}, which is easy to overlook at first.",
    "Write down the one change you will make, and give it a fair trial before judging it.",
    "Most setbacks here come from rushing, so allow more time than you think you need.",
)

SUB_SENTENCES = (
    "This part is about {sub}, which deserves more attention than it usually gets.",
    "When thinking about {sub}, a few concrete steps help more than general advice.",
    "Looking at {sub} early saves rework later on.",
    "With {sub}, the goal is clarity: know what you are doing and why.",
    "A practical way into {sub} is to start with the part you can control.",
)

CLOSING_SENTENCES = (
    "In the end, {topic} does not have to be complicated.",
    "Pick one idea from this article and try it this week.",
    "Come back to {kw} once the basics are settled; it makes more sense with some experience.",
    "Progress comes from repetition, not from reading one more guide.",
    "Keep notes, stay patient, and adjust as you learn what works for you.",
)

CONNECTORS = (
    "In practice, ",
    "That said, ",
    "As a rule, ",
    "On top of that, ",
    "Just as important, ",
    "In many cases, ",
    "Over time, ",
)

# (H3 heading, the same idea as a mid-sentence phrase)
SUBHEADINGS = (
    ("Why it matters", "why this matters"),
    ("Getting started with {kw}", "getting started with {kw}"),
    ("Common pitfalls", "the common pitfalls"),
    ("Tools and resources", "tools and resources"),
    ("A quick example", "a worked example"),
    ("What to check first", "what to check first"),
    ("Where {kw} fits in", "where {kw} fits in"),
    ("A closer look at {kw}", "a closer look at {kw}"),
    ("Questions people ask about {kw}", "the questions people ask about {kw}"),
    ("Signs that {kw} is working", "how to tell that {kw} is working"),
    ("Making {kw} a habit", "making {kw} a habit"),
    ("Next steps", "the next steps"),
)

DEFAULT_OUTLINE = (
    "What {topic} really involves",
    "Why {topic} matters",
    "Getting started with {topic}",
    "{Kw}: what to know",
    "Common mistakes to avoid",
    "Tools and resources",
    "A simple plan to follow",
    "Frequently asked questions",
)

# (template with {query} first and {points}, fallback without points); sentence-cased after.
META_TEMPLATES = (
    ("{query}: {points}, explained in plain language.", "{query}, explained in plain language."),
    ("{query}: a clear guide to {points}.", "{query}: a clear, practical guide."),
    (
        "{query}: a practical guide covering {points}.",
        "{query}: a practical guide with clear steps and the mistakes to avoid.",
    ),
)

# (style for the prompt, what the alt text calls the picture)
IMAGE_STYLES = (
    ("editorial photograph, soft natural light, shallow depth of field", "Photo"),
    ("flat vector illustration, muted palette, generous negative space", "Flat illustration"),
    ("isometric illustration, clean lines, soft shadows", "Isometric illustration"),
    ("watercolour illustration, warm tones, textured paper", "Watercolour illustration"),
)


@dataclass(frozen=True)
class Angle:
    """One way to write about a keyword. Slots: {kw}/{Kw} the keyword as a noun phrase, {n} a
    small number."""

    key: str
    titles: tuple[str, ...]
    brief: str
    outline: tuple[str, ...]


ANGLES: tuple[Angle, ...] = (
    Angle(
        "guide",
        ("The Complete Guide to {Kw}", "{Kw}: A Practical Guide"),
        "A thorough, beginner-friendly guide to {kw}: what it involves, why it matters and how "
        "to get it right.",
        (
            "What {kw} actually involves",
            "Why {kw} matters",
            "How to get started",
            "A step-by-step walkthrough",
            "Common mistakes to avoid",
            "Where to go next",
        ),
    ),
    Angle(
        "comparison",
        ("{Kw}: Comparing the Main Options", "{Kw} Compared: Which Approach Fits You?"),
        "A side-by-side comparison of the main approaches to {kw}, with the trade-offs spelled "
        "out and a clear recommendation for each type of reader.",
        (
            "The options at a glance",
            "How the options were compared",
            "Strengths and weaknesses",
            "Which option suits which reader",
            "The verdict",
        ),
    ),
    Angle(
        "checklist",
        ("A {n}-Point Checklist for {Kw}", "The {Kw} Checklist You Can Actually Use"),
        "A practical checklist for {kw} that readers can work through in one sitting, from the "
        "essentials to the refinements.",
        (
            "Before you start",
            "The essentials of {kw}",
            "Details that are easy to miss",
            "Reviewing the results",
            "A printable summary",
        ),
    ),
    Angle(
        "mistakes",
        ("{n} Mistakes to Avoid with {Kw}", "Common Mistakes with {Kw} and What to Do Instead"),
        "The mistakes people make most often with {kw}, why they happen and what to do instead.",
        (
            "Why these mistakes are so common",
            "Mistakes when getting started",
            "The mistakes that cost the most",
            "Recovering from a bad start",
            "A simple routine to stay on track",
        ),
    ),
    Angle(
        "faq",
        ("{Kw}: Answers to the Most Common Questions", "What People Ask Most About {Kw}"),
        "Clear, direct answers to the questions people ask most about {kw}, in the order a "
        "newcomer would ask them.",
        (
            "The basics of {kw}",
            "Costs, time and effort",
            "What beginners get wrong",
            "How to tell it is working",
            "Where to learn more",
        ),
    ),
    Angle(
        "how-to",
        ("Getting Started with {Kw} in {n} Steps", "{Kw} Step by Step for Beginners"),
        "A step-by-step walkthrough of {kw} for complete beginners, one clear action per step.",
        (
            "What you need before you begin",
            "Step one: set a clear goal",
            "Step two: build the basic routine",
            "Step three: measure and adjust",
            "What to do once it works",
        ),
    ),
    Angle(
        "tools",
        ("The Best Tools and Resources for {Kw}", "Tools Worth Using for {Kw}, and Ones to Skip"),
        "A curated look at the tools and resources that make {kw} easier, and how to choose "
        "between them.",
        (
            "What a good tool should do",
            "Free options",
            "Paid options worth the money",
            "Choosing for your situation",
            "Setting up your toolkit",
        ),
    ),
    Angle(
        "budget",
        ("{Kw} on a Budget: What Is Worth Paying For", "{Kw} Without Overspending"),
        "How to approach {kw} on a tight budget: where spending makes a real difference and where "
        "it does not.",
        (
            "Where the money actually goes",
            "What to spend on first",
            "Savings that do not hurt results",
            "When upgrading makes sense",
            "A sample budget for {kw}",
        ),
    ),
    Angle(
        "myths",
        ("{n} Myths About {Kw} That Still Hold People Back", "{Kw}: Separating Myths from Facts"),
        "Popular myths about {kw}, where they come from and what actually holds up.",
        (
            "Where the myths come from",
            "Myths about getting started",
            "Myths about results",
            "What the evidence suggests",
            "A better way to think about {kw}",
        ),
    ),
    Angle(
        "example",
        ("{Kw} in Practice: A Worked Example", "A Real-World Example of {Kw}, Step by Step"),
        "A realistic worked example of {kw} from start to finish, showing each decision along "
        "the way.",
        (
            "The starting point",
            "The plan",
            "What happened along the way",
            "The results",
            "Lessons you can reuse",
        ),
    ),
    Angle(
        "advanced",
        ("Beyond the Basics: Advanced Tips for {Kw}", "{Kw} for Experienced Readers"),
        "Advanced advice on {kw} for readers who have the basics in place and want better results.",
        (
            "Signs you are ready for the next level",
            "Refining your routine",
            "Advanced techniques for {kw}",
            "Measuring what matters",
            "Avoiding diminishing returns",
        ),
    ),
)
