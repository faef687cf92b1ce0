"""Stage 7, finished drafts → review: approval per the site's PublishingSettings."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from pressrun.contracts import BatchRequest, BatchResult
from pressrun.models import Content, ImagePrompt, PublishingSettings
from pressrun.models.base import utcnow
from pressrun.models.content import ContentStatus, ItemStatus
from pressrun.stages.common import StageDeps, commit_batch, committed_result, read


def _ready_condition(site_id: int) -> list[sa.ColumnElement[bool]]:
    """Drafts whose images are all settled: none of their prompts is still pending."""
    pending_prompt = (
        select(ImagePrompt.id)
        .where(
            ImagePrompt.content_id == Content.id,
            ImagePrompt.status == ItemStatus.PENDING,
        )
        .exists()
    )
    return [
        col(Content.site_id) == site_id,
        col(Content.status) == ContentStatus.DRAFT,
        ~pending_prompt,
    ]


def ready_drafts(session: Session, site_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Content).where(*_ready_condition(site_id))
    ).one()


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    if not await read(deps, lambda s: ready_drafts(s, req.site_id)):
        return BatchResult(remaining=0)

    def write(session: Session) -> BatchResult:
        settings = session.exec(
            select(PublishingSettings).where(PublishingSettings.site_id == req.site_id)
        ).first()
        auto_approve = bool(settings and settings.auto_approval_enabled)
        drafts = session.exec(
            select(Content)
            .where(*_ready_condition(req.site_id))
            .order_by(col(Content.id))
            .limit(req.limit)
        ).all()
        result = BatchResult(processed=len(drafts))
        now = utcnow()
        for content in drafts:
            content.status = ContentStatus.APPROVED if auto_approve else ContentStatus.REVIEW
            content.updated_at = now
        if auto_approve:
            result.approved = len(drafts)
        else:
            result.created = len(drafts)
        session.flush()
        result.remaining = ready_drafts(session, req.site_id)
        return result

    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=lambda r: (
            f"Auto-approved {r.approved} articles"
            if r.approved
            else f"{r.created} articles ready for review"
        ),
    )
