"""Stage 6, image prompts → images: files under the media root, rows in the database, per image."""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, col, select

from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Image, ImagePrompt
from pressrun.models.content import ItemStatus
from pressrun.stages.common import (
    WHOLE,
    ItemWriter,
    Retry,
    Share,
    StageDeps,
    count_waiting,
    in_share,
    record_failure,
    run_item_batch,
    share_of,
    waiting,
)

STAGE = 6
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def _queue(retry: Retry) -> sa.ColumnElement[bool]:
    status = col(ImagePrompt.status)
    return waiting(ImagePrompt, status == ItemStatus.PENDING, status == ItemStatus.FAILED, retry)


def pending_prompts(session: Session, site_id: int, share: Share, retry: Retry) -> int:
    return count_waiting(
        session, ImagePrompt, ImagePrompt.site_id == site_id, _queue(retry), share=share
    )


def media_path(site_id: int, content_id: int, prompt_id: int, kind: str, mime: str) -> str:
    """Where an image lives under the media root: fixed per prompt, so a retry overwrites it."""
    ext = _EXTENSIONS.get(mime, "bin")
    return f"site-{site_id}/content-{content_id}/{prompt_id}-{kind}.{ext}"


def _write_file(root: Path, relative: str, data: bytes) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _load(
    session: Session, site_id: int, limit: int, retry: Retry, share: Share = WHOLE
) -> list[ImagePrompt]:
    return list(
        session.exec(
            select(ImagePrompt)
            .where(
                ImagePrompt.site_id == site_id,
                _queue(retry),
                *in_share(col(ImagePrompt.id), share),
            )
            .order_by(col(ImagePrompt.id))
            .limit(limit)
        ).all()
    )


class Rendered(BaseModel):
    """An image already written under the media root: what its row records."""

    path: str
    mime_type: str
    width: int
    height: int
    size_bytes: int


class _ImageWriter(ItemWriter[ImagePrompt, Rendered, ImagePrompt]):
    output_type = Rendered

    def __init__(
        self, req: BatchRequest, price: Decimal, retry: Retry, generated_by: str, root: Path
    ) -> None:
        super().__init__(req, price, pending_prompts, retry)
        self.generated_by = generated_by
        self.root = root

    def key(self, item: ImagePrompt) -> int:
        return item.id or 0

    def recall(self, kept: object) -> Rendered | None:
        rendered = super().recall(kept)
        # A file lost since (a worker on another machine wrote it): generate it again.
        return rendered if rendered and (self.root / rendered.path).is_file() else None

    def claim(self, session: Session, item: ImagePrompt) -> ImagePrompt | None:
        return session.exec(
            select(ImagePrompt).where(col(ImagePrompt.id) == item.id, _queue(self.retry))
        ).first()

    def fail(self, row: ImagePrompt, error: str) -> None:
        row.status = ItemStatus.FAILED
        record_failure(row, error, self.req.run_id)

    def store(
        self,
        session: Session,
        row: ImagePrompt,
        item: ImagePrompt,
        output: Rendered,
        result: BatchResult,
    ) -> None:
        session.add(
            Image(
                site_id=self.req.site_id,
                content_id=row.content_id,
                prompt_id=row.id or 0,
                run_id=self.req.run_id,
                path=output.path,
                mime_type=output.mime_type,
                width=output.width,
                height=output.height,
                size_bytes=output.size_bytes,
                generated_by=self.generated_by,
            )
        )
        row.status = ItemStatus.DONE
        row.error = None
        result.created += 1
        result.credits += self.price


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    settings = deps.settings
    price = settings.prices.image
    model = settings.model_for(STAGE, testing=req.use_testing)
    root = settings.resolved_media_root()
    retry = Retry.of(deps, req)

    async def call(prompt: ImagePrompt) -> Rendered:
        image = await deps.provider.generate_image(
            prompt.prompt, model=model, size=settings.image_size
        )
        relative = media_path(
            req.site_id, prompt.content_id, prompt.id or 0, prompt.kind, image.mime_type
        )
        # Written before the transaction: an attempt that rolls back leaves a file the retry
        # overwrites, never a row pointing at nothing.
        await asyncio.to_thread(_write_file, root, relative, image.data)
        return Rendered(
            path=relative,
            mime_type=image.mime_type,
            width=image.width,
            height=image.height,
            size_bytes=len(image.data),
        )

    return await run_item_batch(
        deps,
        req,
        load=lambda s: _load(s, req.site_id, req.limit, retry, share_of(req)),
        call=call,
        cost=lambda _: price,
        writer=_ImageWriter(req, price, retry, f"{deps.provider.name}:{model}"[:100], root),
        describe=lambda r: (
            f"Generated {r.created} images" + (f", {r.failed} failed" if r.failed else "")
        ),
    )
