"""Stage 7, finished drafts → review → scheduled: approval and publish slots per PublishingSettings.

With auto-approval, ready drafts are approved; otherwise they wait in review. With auto-publish,
approved articles get the next free slots of the site's calendar (the rules of
`publishing.review`, which the API's approvals follow too); the activity then starts a
publish workflow (a durable timer) for each one this batch scheduled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import AutomationConfig, Content, ImagePrompt
from pressrun.models.base import utcnow
from pressrun.models.content import ContentStatus, ItemStatus
from pressrun.publishing.publications import withdrawn_condition
from pressrun.publishing.review import auto_schedule, review_drafts
from pressrun.services.site_config import default_config, publishing_settings
from pressrun.stages.common import StageDeps, commit_batch, committed_result, read


def _wants_prompts(session: Session, site_id: int) -> bool:
    """Whether the site's runs make image prompts (stage 5 enabled in its config)."""
    config = session.exec(select(AutomationConfig).where(AutomationConfig.site_id == site_id))
    found = config.first()
    return (found or default_config(session)).stage_5_enabled


def _ready_condition(
    session: Session, site_id: int, max_attempts: int
) -> list[sa.ColumnElement[bool]]:
    """Drafts whose images are settled: stage 5 gave them prompts (or gave up on them after
    `max_attempts` failures, or is disabled for the site), and none of those prompts still
    waits for stage 6."""
    unsettled_prompt = (
        select(ImagePrompt.id)
        .where(
            ImagePrompt.content_id == Content.id,
            sa.or_(
                col(ImagePrompt.status) == ItemStatus.PENDING,
                sa.and_(
                    col(ImagePrompt.status) == ItemStatus.FAILED,
                    col(ImagePrompt.attempts) < max_attempts,
                ),
            ),
        )
        .exists()
    )
    prompts_settled = sa.or_(
        col(Content.image_prompts_done).is_(True),
        col(Content.attempts) >= max_attempts,
        sa.literal(not _wants_prompts(session, site_id)),
    )
    return [
        col(Content.site_id) == site_id,
        col(Content.status) == ContentStatus.DRAFT,
        prompts_settled,
        ~unsettled_prompt,
    ]


def ready_drafts(session: Session, site_id: int, max_attempts: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Content)
        .where(*_ready_condition(session, site_id, max_attempts))
    ).one()


def _awaiting_slot_condition(site_id: int) -> list[sa.ColumnElement[bool]]:
    return [
        col(Content.site_id) == site_id,
        col(Content.status) == ContentStatus.APPROVED,
        ~withdrawn_condition(),
    ]


def _awaiting_slot(session: Session, site_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Content).where(*_awaiting_slot_condition(site_id))
    ).one()


def pending(session: Session, site_id: int, max_attempts: int) -> int:
    """What stage 7 has to do: ready drafts, and with auto-publish approved articles to slot."""
    count = ready_drafts(session, site_id, max_attempts)
    if publishing_settings(session, site_id).auto_publish_enabled:
        count += _awaiting_slot(session, site_id)
    return count


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    max_attempts = deps.settings.item_max_attempts
    if not await read(deps, lambda s: pending(s, req.site_id, max_attempts)):
        return BatchResult(remaining=0)

    def write(session: Session) -> BatchResult:
        auto_approve = publishing_settings(session, req.site_id).auto_approval_enabled
        drafts = session.exec(
            select(Content)
            .where(*_ready_condition(session, req.site_id, max_attempts))
            .order_by(col(Content.id))
            .limit(req.limit)
        ).all()
        result = BatchResult(processed=len(drafts))
        now = utcnow()
        review_drafts(drafts, approve=auto_approve, now=now)
        if auto_approve:
            result.approved = len(drafts)
        else:
            result.created = len(drafts)
        session.flush()

        drafted = {content.id for content in drafts}

        def awaiting_slot() -> Sequence[Content]:
            # The drafts this batch approved, and earlier approved articles up to the rest of
            # the batch's limit: what the batch processes stays within it.
            room = req.limit - len(drafts)
            found = session.exec(
                select(Content)
                .where(*_awaiting_slot_condition(req.site_id))
                .order_by(col(Content.id))
                .limit(req.limit + len(drafts))
            ).all()
            taken: list[Content] = []
            for content in found:
                if content.id in drafted or room > 0:
                    room -= content.id not in drafted
                    taken.append(content)
            return taken

        scheduled = auto_schedule(session, req.site_id, awaiting_slot, req.now or now)
        if scheduled is not None:
            result.scheduled = [publication.content_id for publication in scheduled]
            # Articles approved earlier count once slotted; those the calendar had no room
            # for stay approved and uncounted, so a full calendar ends the stage.
            result.processed += sum(1 for cid in result.scheduled if cid not in drafted)
        result.remaining = pending(session, req.site_id, max_attempts)
        return result

    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=_describe,
    )


def _describe(result: BatchResult) -> str:
    said = (
        f"Auto-approved {result.approved} articles"
        if result.approved
        else f"{result.created} articles ready for review"
    )
    if result.scheduled:
        said += f"; scheduled {len(result.scheduled)} for publishing"
    return said
