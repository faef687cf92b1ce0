"""Stage 6, image prompts → images: files under the media root, rows in the database, per image."""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, col, select

from pressrun.ai.base import GeneratedImage
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Image, ImagePrompt
from pressrun.models.content import ItemStatus
from pressrun.stages.common import (
    WHOLE,
    ItemWriter,
    Share,
    StageDeps,
    count_waiting,
    in_share,
    run_item_batch,
    share_of,
)

STAGE = 6
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def pending_prompts(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return count_waiting(
        session,
        ImagePrompt,
        ImagePrompt.site_id == site_id,
        ImagePrompt.status == ItemStatus.PENDING,
        share=share,
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


def _load(session: Session, site_id: int, limit: int, share: Share = WHOLE) -> list[ImagePrompt]:
    return list(
        session.exec(
            select(ImagePrompt)
            .where(
                ImagePrompt.site_id == site_id,
                ImagePrompt.status == ItemStatus.PENDING,
                *in_share(col(ImagePrompt.id), share),
            )
            .order_by(col(ImagePrompt.id))
            .limit(limit)
        ).all()
    )


_Rendered = tuple[str, GeneratedImage]


class _ImageWriter(ItemWriter[ImagePrompt, _Rendered, ImagePrompt]):
    def __init__(self, req: BatchRequest, price: Decimal, generated_by: str) -> None:
        super().__init__(req, price, pending_prompts)
        self.generated_by = generated_by

    def claim(self, session: Session, item: ImagePrompt) -> ImagePrompt | None:
        prompt = session.get(ImagePrompt, item.id)
        return prompt if prompt is not None and prompt.status == ItemStatus.PENDING else None

    def fail(self, row: ImagePrompt, error: str) -> None:
        row.status = ItemStatus.FAILED
        row.error = error

    def store(
        self,
        session: Session,
        row: ImagePrompt,
        item: ImagePrompt,
        output: _Rendered,
        result: BatchResult,
    ) -> None:
        relative, image = output
        session.add(
            Image(
                site_id=self.req.site_id,
                content_id=row.content_id,
                prompt_id=row.id or 0,
                run_id=self.req.run_id,
                path=relative,
                mime_type=image.mime_type,
                width=image.width,
                height=image.height,
                size_bytes=len(image.data),
                generated_by=self.generated_by,
            )
        )
        row.status = ItemStatus.DONE
        result.created += 1
        result.credits += self.price


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    settings = deps.settings
    price = settings.prices.image
    model = settings.model_for(STAGE, testing=req.use_testing)
    root = settings.resolved_media_root()

    async def call(prompt: ImagePrompt) -> _Rendered:
        image = await deps.provider.generate_image(
            prompt.prompt, model=model, size=settings.image_size
        )
        relative = media_path(
            req.site_id, prompt.content_id, prompt.id or 0, prompt.kind, image.mime_type
        )
        # Written before the transaction: an attempt that rolls back leaves a file the retry
        # overwrites, never a row pointing at nothing.
        await asyncio.to_thread(_write_file, root, relative, image.data)
        return relative, image

    return await run_item_batch(
        deps,
        req,
        load=lambda s: _load(s, req.site_id, req.limit, share_of(req)),
        call=call,
        cost=lambda _: price,
        writer=_ImageWriter(req, price, f"{deps.provider.name}:{model}"[:100]),
        describe=lambda r: (
            f"Generated {r.created} images" + (f", {r.failed} failed" if r.failed else "")
        ),
    )
