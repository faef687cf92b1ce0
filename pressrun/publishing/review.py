"""An article's review transitions (approve, reject, edit): one set of rules, API and stage 7.

"Approved, then given the next free publish slot when the site auto-publishes" is decided here
alone. The database part is synchronous, so stage 7 runs it inside its batch transaction and
starts the publish workflows after that commits; the API's transitions (`approve_content`,
`reject_content`) add the publish workflow's start or withdrawal around it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypedDict

import structlog
from sqlmodel import Session, select

from pressrun.ai.base import count_words
from pressrun.config import Settings
from pressrun.errors import FieldError, InvalidTransitionError
from pressrun.models import Content, Publication
from pressrun.models.base import utcnow
from pressrun.models.content import ContentStatus
from pressrun.publishing import control as publish_control
from pressrun.publishing import publications
from pressrun.services.site_config import publishing_settings
from pressrun.temporal_client import ClientSource

log = structlog.get_logger("pressrun.api")

APPROVABLE = frozenset({ContentStatus.DRAFT, ContentStatus.REVIEW})
REJECTABLE = frozenset({ContentStatus.REVIEW, ContentStatus.APPROVED, ContentStatus.SCHEDULED})
NO_FREE_SLOT = (
    "The site's publishing calendar has no free slot within a year: check its "
    "publish days, time slots and daily limit."
)


class ContentChanges(TypedDict, total=False):
    """An edit of an article: only the fields given change."""

    title: str
    meta_description: str
    body: str
    slug: str


def review_drafts(drafts: Sequence[Content], *, approve: bool, now: datetime) -> None:
    """Stage 7's verdict on drafts ready for review: approved when the site auto-approves,
    else waiting in review."""
    status = ContentStatus.APPROVED if approve else ContentStatus.REVIEW
    for content in drafts:
        _set_status(content, status, now)


def auto_schedule(
    session: Session,
    site_id: int,
    approved: Callable[[], Sequence[Content]],
    after: datetime,
) -> list[Publication] | None:
    """With the site's auto-publish on, give the approved articles `approved()` lists, in
    order, the next free slots of its calendar after `after`; those beyond its room stay
    approved. None, without calling `approved`, when the site does not auto-publish.

    The caller starts each publication's publish workflow once this is committed."""
    if not publishing_settings(session, site_id).auto_publish_enabled:
        return None
    return publications.schedule_next_slots(session, site_id, list(approved()), after)


def approve(session: Session, content: Content) -> Publication | None:
    """Approve a draft or an article in review; anything else is refused.

    With auto-publish on, the article also takes the next free publish slot, as in stage 7
    (refused when the calendar has none); the publication is returned for the caller to
    start its workflow after commit. Otherwise it waits, approved, to be scheduled."""
    if content.status not in APPROVABLE:
        raise InvalidTransitionError(
            f"Content {content.id} is {content.status}; only draft or review content "
            "can be approved.",
            status=content.status,
        )
    now = utcnow()
    _set_status(content, ContentStatus.APPROVED, now)
    session.add(content)
    scheduled = auto_schedule(session, content.site_id, lambda: [content], now)
    if scheduled is None:
        return None
    if not scheduled:
        raise InvalidTransitionError(NO_FREE_SLOT)
    return scheduled[0]


async def approve_content(
    session: Session, temporal: ClientSource, settings: Settings, content: Content
) -> None:
    """`approve`, then start the publish workflow of a slot it gave (committing `session`)."""
    publication = approve(session, content)
    if publication is not None:
        await publish_control.start_after_commit(
            session, temporal, settings, content, publication.publish_at
        )
    session.flush()


async def reject_content(
    session: Session,
    temporal: ClientSource,
    settings: Settings,
    content: Content,
    *,
    reason: str | None,
) -> None:
    """Send an article in review, approved or scheduled back to `draft`, unscheduling it
    (refused once its publishing has begun). The next run's review stage offers it again.

    The reason goes to the log only: content has no column for it."""
    if content.status not in REJECTABLE:
        raise InvalidTransitionError(
            f"Content {content.id} is {content.status}; only content in review, approved "
            "or scheduled can be rejected.",
            status=content.status,
        )
    if content.status == ContentStatus.SCHEDULED:
        await publish_control.withdraw(session, temporal, settings, content)
    content.status = ContentStatus.DRAFT
    content.publish_at = None
    publications.forget_unsent(session, content.id or 0)
    content.updated_at = utcnow()
    session.add(content)
    log.info("content rejected", site_id=content.site_id, content_id=content.id, reason=reason)


def edit(session: Session, content: Content, changes: ContentChanges) -> None:
    """Change an article's title, meta description, body or slug; a published article is
    final, and a slug must be free within the site."""
    if content.status == ContentStatus.PUBLISHED:
        raise InvalidTransitionError(
            f"Content {content.id} is published and can no longer be edited.",
            status=content.status,
        )
    slug = changes.get("slug")
    if slug is not None and slug != content.slug:
        _check_slug_free(session, content, slug)
    for key, value in changes.items():
        setattr(content, key, value)
    if "body" in changes:
        content.word_count = count_words(content.body)
    if changes:
        content.updated_at = utcnow()
    session.add(content)
    session.flush()


def _check_slug_free(session: Session, content: Content, slug: str) -> None:
    other = session.exec(
        select(Content.id).where(
            Content.site_id == content.site_id, Content.slug == slug, Content.id != content.id
        )
    ).first()
    if other is not None:
        raise FieldError([(("slug",), f"content {other} of this site already uses this slug")])


def _set_status(content: Content, status: ContentStatus, now: datetime) -> None:
    content.status = status
    content.updated_at = now
