"""The offline provider itself: the AIProvider interface over this package's writers."""

from __future__ import annotations

import asyncio

from pressrun.ai.base import (
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    ClusterCandidate,
    ClusterNaming,
    GeneratedImage,
    IdeaDraft,
    ImagePromptDraft,
    WritingProfile,
)
from pressrun.ai.offline.articles import write_article
from pressrun.ai.offline.ideas import generate_ideas
from pressrun.ai.offline.image_prompts import image_prompts
from pressrun.ai.offline.images import parse_size, render_illustration
from pressrun.ai.offline.naming import name_cluster


class OfflineProvider:
    """Deterministic local stand-in for a model: lexical clustering, template prose, abstract
    illustrations.

    Every method ignores `model`; the same input always gives the same output.
    """

    @property
    def name(self) -> str:
        return "offline"

    async def name_clusters(
        self, candidates: list[ClusterCandidate], *, model: str
    ) -> list[ClusterNaming]:
        return [name_cluster(c) for c in candidates]

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        return generate_ideas(cluster, count)

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        return write_article(brief)

    async def image_prompts(
        self,
        article: ArticleDraft,
        *,
        in_article: int,
        model: str,
        profile: WritingProfile | None = None,
    ) -> list[ImagePromptDraft]:
        # English alt text whatever the profile's language (the article's note says so).
        return image_prompts(article, in_article)

    async def generate_image(self, prompt: str, *, model: str, size: str) -> GeneratedImage:
        width, height = parse_size(size)
        data = await asyncio.to_thread(render_illustration, prompt, width, height)
        return GeneratedImage(data=data, mime_type="image/png", width=width, height=height)

    async def aclose(self) -> None:
        return None
