"""An article's publication in the database: slots, scheduling, and each step of publishing.

Shared by stage 7, the API and the publish activities, so an article moves through
approved → scheduled → published (or back) by the same rules whoever moves it. Temporal is not
touched here; `pressrun.publishing.control` starts and steers the publish workflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from pressrun.contracts.publish import publish_workflow_id
from pressrun.errors import InvalidTransitionError, NotFoundError
from pressrun.models import (
    Cluster,
    Content,
    Idea,
    Image,
    ImagePrompt,
    Publication,
    PublicationStatus,
    PublishingSettings,
    Site,
    Task,
)
from pressrun.models.base import utcnow
from pressrun.models.content import ContentStatus
from pressrun.publishing.base import PublishImage, PublishItem, PublishState
from pressrun.publishing.calendar import Calendar, assign_slots
from pressrun.services.site_config import publishing_settings

# Statuses whose slot is spoken for: a new article never takes their time.
HOLDS_SLOT = (
    PublicationStatus.SCHEDULED,
    PublicationStatus.PUBLISHING,
    PublicationStatus.PUBLISHED,
)
# Statuses a publish workflow may still be acting on.
ACTIVE = (PublicationStatus.SCHEDULED, PublicationStatus.PUBLISHING)
MAX_TAGS = 10


def calendar_for(session: Session, site_id: int) -> Calendar:
    """The site's calendar, its row locked until commit (PostgreSQL): two schedulers at once
    (stage 7 and an API approval) then give out slots one after the other, never the same."""
    site = session.exec(select(Site).where(Site.id == site_id).with_for_update()).first()
    if site is None:
        raise NotFoundError(f"Site {site_id} not found.")
    row = publishing_settings(session, site_id)
    return Calendar(
        timezone=site.timezone,
        publish_days=tuple(row.publish_days),
        time_slots=tuple(row.time_slots),
        daily_limit=row.daily_publish_limit,
    )


def publication_of(session: Session, content_id: int) -> Publication | None:
    return session.exec(select(Publication).where(Publication.content_id == content_id)).first()


def waiting_slots(session: Session, content_ids: list[int]) -> list[tuple[int, datetime]]:
    """The slots of the given articles that are still waiting to be published."""
    rows = session.exec(
        select(Publication.content_id, Publication.publish_at).where(
            col(Publication.content_id).in_(content_ids),
            Publication.status == PublicationStatus.SCHEDULED,
        )
    ).all()
    return [(content_id, publish_at) for content_id, publish_at in rows]


def withdrawn_condition() -> sa.ColumnElement[bool]:
    """Content whose publication an operator withdrew, or that failed: stage 7 leaves it
    alone; it is scheduled again only on request (schedule, retry-publish)."""
    return (
        select(Publication.id)
        .where(
            Publication.content_id == Content.id,
            col(Publication.status).in_((PublicationStatus.UNSCHEDULED, PublicationStatus.FAILED)),
        )
        .exists()
    )


def taken_slots(session: Session, site_id: int, after: datetime) -> list[datetime]:
    # A day already partly gone still counts what it published, for the daily limit.
    since = after - timedelta(days=1)
    return list(
        session.exec(
            select(Publication.publish_at).where(
                Publication.site_id == site_id,
                col(Publication.status).in_(HOLDS_SLOT),
                Publication.publish_at >= since,
            )
        ).all()
    )


def schedule_at(
    session: Session, content: Content, publish_at: datetime, *, publisher: str
) -> Publication:
    """Give an approved article its publish time, creating or reusing its publication row."""
    assert content.id is not None
    publication = publication_of(session, content.id)
    if publication is None:
        publication = Publication(site_id=content.site_id, content_id=content.id)
    elif publication.status in ACTIVE or publication.status == PublicationStatus.PUBLISHED:
        raise InvalidTransitionError(
            f"Content {content.id} is already {publication.status}.", status=publication.status
        )
    now = utcnow()
    publication.status = PublicationStatus.SCHEDULED
    publication.publisher = publisher
    publication.publish_at = publish_at
    publication.workflow_id = publish_workflow_id(content.id)
    publication.error = None
    publication.updated_at = now
    content.status = ContentStatus.SCHEDULED
    content.publish_at = publish_at
    content.updated_at = now
    session.add(publication)
    session.add(content)
    session.flush()
    return publication


def schedule_next_slots(
    session: Session, site_id: int, contents: list[Content], after: datetime
) -> list[Publication]:
    """Give each article, in order, the next free slot of the site's calendar.

    Articles beyond the calendar's room (no publish days, no slots, a zero limit) stay approved.
    """
    calendar = calendar_for(session, site_id)
    slots = assign_slots(calendar, after, len(contents), taken_slots(session, site_id, after))
    publisher = publishing_settings(session, site_id).publisher
    return [
        schedule_at(session, content, slot, publisher=publisher)
        for content, slot in zip(contents, slots, strict=False)
    ]


def next_slot(session: Session, site_id: int, after: datetime) -> datetime:
    calendar = calendar_for(session, site_id)
    slots = assign_slots(calendar, after, 1, taken_slots(session, site_id, after))
    if not slots:
        raise InvalidTransitionError(
            "The site's publishing calendar has no free slot within a year: check its "
            "publish days, time slots and daily limit."
        )
    return slots[0]


def retry_failed(session: Session, content: Content, at: datetime) -> Publication:
    """Put a failed publication back on the calendar at `at`, keeping what it delivered."""
    publication = publication_of(session, content.id or 0)
    if publication is None or publication.status != PublicationStatus.FAILED:
        raise InvalidTransitionError(
            f"Content {content.id} has no failed publication to retry.",
            status=publication.status if publication else content.status,
        )
    publication.status = PublicationStatus.SCHEDULED
    publication.publish_at = at
    publication.error = None
    publication.updated_at = utcnow()
    content.status = ContentStatus.SCHEDULED
    content.publish_at = at
    content.updated_at = publication.updated_at
    session.add(publication)
    session.add(content)
    session.flush()
    return publication


def release(session: Session, content_id: int) -> bool:
    """A scheduled article goes back to approved, off the calendar. False if it was not waiting.

    Conditional updates, not read-then-write: the API and the article's workflow may both
    release it, and the API may meanwhile have moved the article on (rejected it to draft);
    the condition is checked again against the committed row, so neither undoes the other.
    """
    now = utcnow()
    released = session.execute(
        sa.update(Publication)
        .where(
            col(Publication.content_id) == content_id,
            col(Publication.status) == PublicationStatus.SCHEDULED,
        )
        .values(status=PublicationStatus.UNSCHEDULED, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if not released.rowcount:  # type: ignore[attr-defined]
        return False
    _unschedule_content(session, content_id, now)
    return True


def _unschedule_content(session: Session, content_id: int, now: datetime) -> None:
    session.execute(
        sa.update(Content)
        .where(col(Content.id) == content_id, col(Content.status) == ContentStatus.SCHEDULED)
        .values(status=ContentStatus.APPROVED, publish_at=None, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )


# -- the publish activity's steps ----------------------------------------------------------------


@dataclass(frozen=True)
class PublishJob:
    """Everything one publish attempt needs, read in one transaction."""

    item: PublishItem
    state: PublishState
    config: PublishingSettings
    already_published: bool


def begin_attempt(session: Session, content_id: int, media_root: Path) -> PublishJob:
    """Record the attempt before the publisher is called, and gather what it needs."""
    publication = publication_of(session, content_id)
    content = session.get(Content, content_id)
    if publication is None or content is None:
        raise NotFoundError(f"Content {content_id} has no publication to carry out.")
    state = PublishState(
        remote_id=publication.remote_id,
        remote_url=publication.remote_url,
        media=dict(publication.media),
    )
    config = publishing_settings(session, content.site_id)
    session.expunge(config)
    item = publish_item(session, content, media_root)
    if publication.status == PublicationStatus.PUBLISHED:
        return PublishJob(item, state, config, already_published=True)
    if publication.status == PublicationStatus.UNSCHEDULED:
        raise InvalidTransitionError(f"Content {content_id} was unscheduled.")
    publication.status = PublicationStatus.PUBLISHING
    publication.attempts += 1
    publication.updated_at = utcnow()
    session.add(publication)
    return PublishJob(item, state, config, already_published=False)


def save_state(session: Session, content_id: int, state: PublishState) -> None:
    """Store remote IDs the moment a publisher reports them: a retry then resumes from here."""
    publication = publication_of(session, content_id)
    if publication is None:
        raise NotFoundError(f"Content {content_id} has no publication.")
    publication.remote_id = state.remote_id
    publication.remote_url = state.remote_url
    publication.media = dict(state.media)
    publication.updated_at = utcnow()
    session.add(publication)


def note_error(session: Session, content_id: int, reason: str) -> None:
    publication = publication_of(session, content_id)
    if publication is not None:
        publication.error = reason[:2000]
        publication.updated_at = utcnow()
        session.add(publication)


def mark_published(
    session: Session, content_id: int, state: PublishState, remote_id: str, url: str | None
) -> Publication:
    publication = publication_of(session, content_id)
    content = session.get(Content, content_id)
    if publication is None or content is None:
        raise NotFoundError(f"Content {content_id} has no publication.")
    now = utcnow()
    publication.status = PublicationStatus.PUBLISHED
    publication.remote_id = remote_id
    publication.remote_url = url
    publication.media = dict(state.media)
    publication.error = None
    publication.published_at = now
    publication.updated_at = now
    content.status = ContentStatus.PUBLISHED
    content.updated_at = now
    session.add(publication)
    session.add(content)
    return publication


def mark_failed(session: Session, content_id: int, reason: str) -> str | None:
    """Record the final failure; the article is approved again, off the calendar, until it
    is retried. Returns the publisher it failed on (None: nothing to record)."""
    publication = publication_of(session, content_id)
    if publication is None or publication.status == PublicationStatus.PUBLISHED:
        return None
    now = utcnow()
    publication.status = PublicationStatus.FAILED
    publication.error = reason[:2000]
    publication.updated_at = now
    session.add(publication)
    session.flush()
    _unschedule_content(session, content_id, now)
    return publication.publisher


def record_move(session: Session, content_id: int, when: datetime) -> None:
    """The publish workflow's own record of a new slot (the API writes it too, when it can);
    conditional, like `release`, so it never revives an article moved on meanwhile."""
    now = utcnow()
    moved = session.execute(
        sa.update(Publication)
        .where(
            col(Publication.content_id) == content_id,
            col(Publication.status) == PublicationStatus.SCHEDULED,
        )
        .values(publish_at=when, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if moved.rowcount:  # type: ignore[attr-defined]
        session.execute(
            sa.update(Content)
            .where(col(Content.id) == content_id, col(Content.status) == ContentStatus.SCHEDULED)
            .values(publish_at=when, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )


def forget_unsent(session: Session, content_id: int) -> None:
    """Drop a withdrawn or failed publication that delivered nothing (the article went back
    to draft), so a later approval schedules it like any other."""
    publication = publication_of(session, content_id)
    if (
        publication is not None
        and publication.status in (PublicationStatus.UNSCHEDULED, PublicationStatus.FAILED)
        and publication.remote_id is None
        and not publication.media
    ):
        session.delete(publication)


def publish_item(session: Session, content: Content, media_root: Path) -> PublishItem:
    """The article as publishers see it: Markdown, its images (files), category and tags."""
    assert content.id is not None
    task = session.get(Task, content.task_id)
    categories: list[str] = []
    tags: list[str] = []
    if task is not None:
        tags = [keyword for keyword in task.keywords if keyword][:MAX_TAGS]
        idea = session.get(Idea, task.idea_id)
        cluster = session.get(Cluster, idea.cluster_id) if idea is not None else None
        if cluster is not None:
            categories = [cluster.name]
    rows = session.exec(
        select(Image, ImagePrompt)
        .join(ImagePrompt, col(ImagePrompt.id) == col(Image.prompt_id))
        .where(Image.content_id == content.id)
        .order_by(col(ImagePrompt.kind), col(ImagePrompt.position), col(Image.id))
    ).all()
    images = [
        PublishImage(
            image_id=image.id or 0,
            kind="featured" if prompt.kind == "featured" else "in_article",
            path=media_root / image.path,
            alt_text=prompt.alt_text,
            mime_type=image.mime_type,
        )
        for image, prompt in rows
    ]
    return PublishItem(
        content_id=content.id,
        site_id=content.site_id,
        title=content.title,
        slug=content.slug or f"content-{content.id}",
        excerpt=content.meta_description,
        body_markdown=content.body,
        categories=categories,
        tags=tags,
        images=images,
    )
