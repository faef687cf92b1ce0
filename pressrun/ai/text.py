"""Plain-text helpers: tokens and stems, casing and slugs, queries as phrases; no templates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence


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
# What a cut must not end on: punctuation that leads into more text, and words that need one after.
_TAIL_PUNCTUATION = " ,;:-\u2013\u2014/&([{\"'\u2018\u201c"
_DANGLING_WORDS = _SMALL_WORDS | _word_set("but nor our their its this that your my so than")
_QUESTION_WORDS = _word_set("are can do does how is should what when where which who why")
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
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


# --- casing and slugs ---------------------------------------------------------------------


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


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
            out.append(sentence_case(word))
    return " ".join(out)


def slugify(text: str, *, max_length: int = 80) -> str:
    """A URL slug of lowercase ASCII words joined by hyphens, cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower().replace("'", "")).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-")


def shorten(text: str, limit: int, *, suffix: str = "...") -> str:
    """`text` cut at a word boundary so that it fits in `limit` characters, suffix included: no
    half word, and no dangling punctuation or small word ("and", "of") before the cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(0, limit - len(suffix))
    # One character more, so that a cut landing just after a whole word keeps that word.
    head = text[: room + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head[:room]
    return (_trim_tail(cut) + suffix)[:limit]


def fit(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word boundary without an ellipsis: for fields
    such as alt text and meta descriptions, where a limit must hold and the lead matters most."""
    return shorten(text, limit, suffix="")


def _trim_tail(cut: str) -> str:
    while True:
        trimmed = cut.rstrip(_TAIL_PUNCTUATION)
        last = trimmed.rsplit(" ", 1)
        if len(last) == 2 and last[1].lower() in _DANGLING_WORDS:
            trimmed = last[0]
        if trimmed == cut or not trimmed:
            return trimmed or cut
        cut = trimmed


# --- phrasing -----------------------------------------------------------------------------


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
    extra = {sentence_case(name): title_case(value) for name, value in slots.items()}
    return template.format(**slots, **extra)


# The longest cluster name stored.
NAME_LIMIT = 300


def head_name(head_text: str) -> str:
    """A cluster named after its head keyword, as a title ("best running shoes" → "Best
    Running Shoes")."""
    return (title_case(" ".join(words(head_text))) or head_text.strip() or "Keyword")[:NAME_LIMIT]


def mentions_any(text: str, terms: Sequence[str]) -> bool:
    """Whether `text` names any of `terms` (as whole words, whatever the case)."""
    lowered = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(term.casefold())}(?!\w)", lowered) for term in terms)
