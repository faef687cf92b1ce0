"""Keywords as the offline writer may use them: a noun phrase where one can be made, the question
as asked otherwise, and which of a brief's keywords belong to its topic at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pressrun.ai.text import STOPWORDS, content_stems, is_question, stem, subject, words

# Words that say how or where, not what: sharing only these does not make two keywords one
# topic ("iced coffee at home" and "composting at home").
_GENERIC_WORDS = (
    "home", "beginner", "beginners", "easy", "quick", "simple", "fast", "guide", "tips", "ideas",
    "step", "steps", "way", "ways", "best", "cheap", "free", "online", "near", "day", "week",
    "month", "year", "time", "small", "large", "big", "new", "old", "diy",
)  # fmt: skip
_GENERIC_STEMS = frozenset(stem(w) for w in _GENERIC_WORDS)


@dataclass(frozen=True)
class Keyword:
    """A keyword as typed and as a noun phrase. A question with no noun phrase of its own ("why
    are my tomato leaves yellow") gets `is_question` and the noun phrase `the answer to "Why are
    my tomato leaves yellow?"`, which the writer uses only when the brief has no other."""

    text: str
    noun: str
    is_question: bool = False

    @property
    def question(self) -> str:
        """The query as a question, for quoting: "Why are my tomato leaves yellow?"."""
        text = self.text.rstrip(" ?")
        return text[:1].upper() + text[1:] + "?"


def keyword(text: str) -> Keyword:
    """A search query with the noun phrase made from it: "how to use a french press" -> "using a
    french press", "what is cold brew" -> "cold brew". Any other question-shaped query (it opens
    with a question word or ends with "?") is no noun phrase as it stands: dropped into a noun
    slot it breaks the sentence ("signs that why are my tomato leaves yellow is working"), so
    its noun phrase is the answer to the question instead."""
    text = " ".join(text.split())
    noun = subject(text)
    if not is_question(noun):
        return Keyword(text, noun)
    asked = Keyword(text, "", is_question=True)
    return Keyword(text, f'the answer to "{asked.question}"', is_question=True)


def topical_stems(text: str) -> set[str]:
    """The stems that say what a keyword is about: content words minus the generic ones."""
    stems = {stem(t) for t in words(text) if t not in STOPWORDS}
    return {s for s in stems if s not in _GENERIC_STEMS} or set(content_stems(text))


def on_topic(target: str, others: Sequence[str], title: str = "") -> list[str]:
    """The keywords of `others` that share a topical stem with the target keyword (or, without
    one, the title): a bad cluster's stray members (an iced-coffee query in a composting brief)
    are left out of the prose instead of being written about."""
    anchor = topical_stems(target) or topical_stems(title)
    if not anchor:
        return list(others)
    return [k for k in others if topical_stems(k) & anchor]
