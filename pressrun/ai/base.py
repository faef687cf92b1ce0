"""The provider interface the stages call, its input and output shapes, and its two error kinds."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, Field

from pressrun.ai.text import fit
from pressrun.models.profile import (
    DEFAULT_LANGUAGE,
    DEFAULT_POINT_OF_VIEW,
    DEFAULT_TARGET_WORDS_MAX,
    DEFAULT_TARGET_WORDS_MIN,
    DEFAULT_TONE,
)

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019-]*")
_MARKUP = re.compile(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s*", re.MULTILINE)


# The output limits, stated once: the prompts quote them, the JSON schemas describe them, and the
# models below hold them.
# Search results show about 60 characters of a title (600 pixels) before cutting it; 70 leaves
# room for wide-but-short letters while keeping the words that matter on screen.
TITLE_MAX = 70
# Google shows roughly 155-160 characters of a description; under 120 wastes the snippet.
META_DESCRIPTION_MIN = 120
META_DESCRIPTION_MAX = 160
# Screen readers commonly break alt text into chunks of about 125 characters.
ALT_TEXT_MAX = 125
SLUG_MAX = 300


def _fitted(limit: int) -> BeforeValidator:
    """Cuts an over-long string at a word boundary instead of failing validation: for fields
    whose lead carries their meaning, so that one long field never rejects a whole answer."""

    def cut(value: object) -> object:
        return fit(value, limit) if isinstance(value, str) else value

    return BeforeValidator(cut)


def count_words(markdown: str) -> int:
    """An article's words as a reader counts them (Markdown markers such as `##`, `>`, `-` and
    `1.` are not words): what stage 4 bills, what `word_count` stores, what writers aim at."""
    return len(_WORD.findall(_MARKUP.sub("", markdown)))


class AIError(Exception):
    """Base of every provider error."""


class AIRetryableError(AIError):
    """A transient failure (429, 5xx, timeout, connection): the batch is retried by Temporal."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AIItemError(AIError):
    """A failure no retry fixes (other 4xx, output invalid after one repair): that item fails."""


class KeywordInput(BaseModel):
    id: int
    text: str
    volume: int = 0
    difficulty: int = 0
    intent: str = "informational"


class ClusterCandidate(BaseModel):
    """A group stage 1 formed from embeddings, for the provider to name: one page of one
    search intent. `keywords` come highest volume first, so the first is the head."""

    id: int
    intent: str
    keywords: list[KeywordInput] = Field(min_length=1)


class ClusterNaming(BaseModel):
    """The provider's name for one candidate; `split`, when not empty, divides the candidate's
    keyword IDs into separate pages (a model that finds it mixing intents)."""

    id: int
    name: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=2000)
    split: list[list[int]] = Field(default_factory=list)


PointOfView = Literal[
    "first_person_singular", "first_person_plural", "second_person", "third_person"
]


class WritingProfile(BaseModel):
    """The site's content profile as the providers read it: what to write in, for whom, how.

    Validated where it is set (`pressrun.services.settings_rules`); here it is only carried.
    """

    language: str = Field(default=DEFAULT_LANGUAGE, description="A BCP 47 tag, e.g. en-GB.")
    audience: str = ""
    tone: str = DEFAULT_TONE
    point_of_view: PointOfView = DEFAULT_POINT_OF_VIEW
    target_words_min: int = DEFAULT_TARGET_WORDS_MIN
    target_words_max: int = DEFAULT_TARGET_WORDS_MAX
    brand_name: str = ""
    avoid: list[str] = Field(default_factory=list, description="Topics or claims to avoid.")
    house_style: str = ""

    @property
    def target_words(self) -> int:
        """The length to aim at: the middle of the range."""
        return (self.target_words_min + self.target_words_max) // 2

    @property
    def is_english(self) -> bool:
        return self.language.lower().split("-")[0] == "en"


class ClusterBrief(BaseModel):
    """What idea generation knows about a cluster; `keywords` highest volume first."""

    id: int
    name: str
    description: str = ""
    intent: str = "informational"
    keywords: list[str]
    profile: WritingProfile = Field(default_factory=WritingProfile)


class IdeaDraft(BaseModel):
    title: Annotated[str, _fitted(TITLE_MAX)] = Field(min_length=1, max_length=TITLE_MAX)
    brief: str = ""
    outline: list[str] = Field(default_factory=list)
    target_keyword: str = ""


class ArticleBrief(BaseModel):
    """What content generation knows about a writing task."""

    task_id: int
    title: str
    brief: str = ""
    outline: list[str] = Field(default_factory=list)
    target_keyword: str = ""
    keywords: list[str] = Field(default_factory=list)
    target_words: int = 1200
    profile: WritingProfile = Field(default_factory=WritingProfile)


class ArticleDraft(BaseModel):
    title: Annotated[str, _fitted(TITLE_MAX)] = Field(min_length=1, max_length=TITLE_MAX)
    # Markdown with `##` (H2) and `###` (H3) sections.
    body: str = Field(min_length=1)
    # No minimum here: stored articles (and stages' tests) may have a short or empty one; the
    # provider asks the model once more when its reply is under META_DESCRIPTION_MIN.
    meta_description: Annotated[str, _fitted(META_DESCRIPTION_MAX)] = Field(
        max_length=META_DESCRIPTION_MAX
    )
    slug: str = Field(min_length=1, max_length=SLUG_MAX, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ImagePromptDraft(BaseModel):
    kind: Literal["featured", "in_article"]
    prompt: str = Field(min_length=1)
    alt_text: Annotated[str, _fitted(ALT_TEXT_MAX)] = Field(min_length=1, max_length=ALT_TEXT_MAX)


class GeneratedImage(BaseModel):
    data: bytes
    mime_type: str = "image/png"
    width: int
    height: int


class AIProvider(Protocol):
    """One call per item (per batch, for cluster naming); a model name chosen by the caller."""

    @property
    def name(self) -> str:
        """Shown on what the provider made, e.g. `offline` or `openai:gpt-4.1-mini`."""
        ...

    async def name_clusters(
        self, candidates: list[ClusterCandidate], *, model: str
    ) -> list[ClusterNaming]:
        """Names for the candidates (by `id`). One it leaves out, or names badly, is named
        after its head keyword by the caller: an imperfect answer never fails the batch."""
        ...

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        """Up to `count` article ideas for one cluster."""
        ...

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        """A structured draft for one writing task."""
        ...

    async def image_prompts(
        self,
        article: ArticleDraft,
        *,
        in_article: int,
        model: str,
        profile: WritingProfile | None = None,
    ) -> list[ImagePromptDraft]:
        """One featured prompt, then `in_article` in-article prompts, each with alt text (in
        the profile's language, naming nothing it avoids)."""
        ...

    async def generate_image(self, prompt: str, *, model: str, size: str) -> GeneratedImage:
        """One image for a prompt, as PNG (or the provider's format) bytes."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


T = TypeVar("T")


class WrappedProvider:
    """A provider around another whose every call passes through `around`: the one place the
    interface is forwarded, for wrappers that time, limit or otherwise watch each call."""

    def __init__(self, provider: AIProvider) -> None:
        self._provider = provider

    @property
    def name(self) -> str:
        return self._provider.name

    async def around(self, operation: str, model: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run one call of `operation` on `model`; the default just runs it."""
        return await call()

    async def name_clusters(
        self, candidates: list[ClusterCandidate], *, model: str
    ) -> list[ClusterNaming]:
        return await self.around(
            "name_clusters", model, lambda: self._provider.name_clusters(candidates, model=model)
        )

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        return await self.around(
            "generate_ideas",
            model,
            lambda: self._provider.generate_ideas(cluster, count=count, model=model),
        )

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        return await self.around(
            "write_article", model, lambda: self._provider.write_article(brief, model=model)
        )

    async def image_prompts(
        self,
        article: ArticleDraft,
        *,
        in_article: int,
        model: str,
        profile: WritingProfile | None = None,
    ) -> list[ImagePromptDraft]:
        return await self.around(
            "image_prompts",
            model,
            lambda: self._provider.image_prompts(
                article, in_article=in_article, model=model, profile=profile
            ),
        )

    async def generate_image(self, prompt: str, *, model: str, size: str) -> GeneratedImage:
        return await self.around(
            "generate_image",
            model,
            lambda: self._provider.generate_image(prompt, model=model, size=size),
        )

    async def aclose(self) -> None:
        await self._provider.aclose()
