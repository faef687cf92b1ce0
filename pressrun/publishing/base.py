"""What every publisher takes and returns, so workflows persist progress without knowing the target.

Exactly-once publishing rests on `PublishState`: the caller stores it, hands it back on every
retry, and saves each new version the moment `on_progress` reports one (a media upload finished,
the post was created). A publisher never repeats a step whose remote ID is already in the state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from pressrun.errors import PressrunError

ImageKindName = Literal["featured", "in_article"]


class PublishImage(BaseModel):
    image_id: int | str
    kind: ImageKindName
    path: Path
    alt_text: str = ""
    mime_type: str = "image/png"

    @property
    def key(self) -> str:
        """The key of this image in `PublishState.media`."""
        return str(self.image_id)


class PublishItem(BaseModel):
    content_id: int
    site_id: int
    title: str
    slug: str
    excerpt: str = ""
    body_markdown: str
    publish_at: datetime | None = None
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    images: list[PublishImage] = Field(default_factory=list)

    @property
    def featured_image(self) -> PublishImage | None:
        return next((image for image in self.images if image.kind == "featured"), None)

    @property
    def in_article_images(self) -> list[PublishImage]:
        return [image for image in self.images if image.kind == "in_article"]


class PublishState(BaseModel):
    remote_id: str | None = None
    remote_url: str | None = None
    media: dict[str, str] = Field(default_factory=dict)


class PublishResult(BaseModel):
    remote_id: str
    remote_url: str | None
    state: PublishState


ProgressCallback = Callable[[PublishState], Awaitable[None]]


async def ignore_progress(state: PublishState) -> None:
    """An `on_progress` for callers with nothing to persist (tests, one-off publishes)."""


class Publisher(Protocol):
    async def publish(
        self, item: PublishItem, state: PublishState, on_progress: ProgressCallback
    ) -> PublishResult: ...


class PublishError(PressrunError):
    """Publishing failed; subclasses say whether trying again can help."""


class PublishRetryableError(PublishError):
    """A transient failure (network, 5xx, 429): retry with the same persisted state."""


class PublishPermanentError(PublishError):
    """A failure retrying cannot fix (bad credentials, a refused request); the message says why."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


def place_images(body: str, *, featured: str | None, in_article: list[str]) -> str:
    """Put image Markdown into a body: `featured` at the top, each of `in_article` at the end of
    the H2 section of the same position (extra images go at the end). Fenced code is skipped."""
    lines = body.strip("\n").split("\n")
    # Indices of the lines where each H2 section ends (the next H2, or the end of the body).
    h2_starts: list[int] = []
    in_fence = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and line.startswith("## "):
            h2_starts.append(index)
    section_ends = [*h2_starts[1:], len(lines)] if h2_starts else []
    insert_at: dict[int, list[str]] = {}
    for position, image in enumerate(in_article):
        end = section_ends[position] if position < len(section_ends) else len(lines)
        insert_at.setdefault(end, []).append(image)
    out: list[str] = []
    if featured:
        out += [featured, ""]
    for index in range(len(lines) + 1):
        for image in insert_at.get(index, []):
            while out and out[-1] == "":
                out.pop()
            out += ["", image, ""]
        if index < len(lines):
            out.append(lines[index])
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def image_markdown(alt_text: str, target: str) -> str:
    alt = alt_text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("\n", " ")
    return f"![{alt}]({target.replace(' ', '%20').replace(')', '%29')})"
