"""Stage 6, image prompts → images: files under the media root, rows in the database, per image."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlmodel import Session, col, func, select

from pressrun.ai.base import GeneratedImage
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Image, ImagePrompt
from pressrun.models.content import ItemStatus
from pressrun.stages.common import (
    WHOLE,
    Share,
    StageDeps,
    call_each,
    commit_batch,
    committed_result,
    in_share,
    read,
    share_of,
)

STAGE = 6
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def pending_prompts(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return session.exec(
        select(func.count())
        .select_from(ImagePrompt)
        .where(
            ImagePrompt.site_id == site_id,
            ImagePrompt.status == ItemStatus.PENDING,
            *in_share(col(ImagePrompt.id), share),
        )
    ).one()


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


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    prompts = await read(deps, lambda s: _load(s, req.site_id, req.limit, share_of(req)))
    if not prompts:
        return BatchResult(remaining=0)
    settings = deps.settings
    price = settings.prices.image
    model = settings.model_for(STAGE, testing=req.use_testing)
    root = settings.resolved_media_root()

    async def call(prompt: ImagePrompt) -> tuple[str, GeneratedImage]:
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

    outcomes, budget_reached = await call_each(
        prompts, call, budget_remaining=req.budget_remaining, cost=lambda _: price
    )
    generated_by = f"{deps.provider.name}:{model}"[:100]

    def write(session: Session) -> BatchResult:
        result = BatchResult(budget_reached=budget_reached)
        for outcome in outcomes:
            prompt = session.get(ImagePrompt, outcome.item.id)
            if prompt is None or prompt.status != ItemStatus.PENDING:
                continue
            result.processed += 1
            if outcome.output is None:
                prompt.status = ItemStatus.FAILED
                prompt.error = outcome.error
                result.failed += 1
                continue
            relative, image = outcome.output
            session.add(
                Image(
                    site_id=req.site_id,
                    content_id=prompt.content_id,
                    prompt_id=prompt.id or 0,
                    run_id=req.run_id,
                    path=relative,
                    mime_type=image.mime_type,
                    width=image.width,
                    height=image.height,
                    size_bytes=len(image.data),
                    generated_by=generated_by,
                )
            )
            prompt.status = ItemStatus.DONE
            result.created += 1
        session.flush()
        result.credits = price * result.created
        result.remaining = pending_prompts(session, req.site_id, share_of(req))
        return result

    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=lambda r: (
            f"Generated {r.created} images" + (f", {r.failed} failed" if r.failed else "")
        ),
    )
