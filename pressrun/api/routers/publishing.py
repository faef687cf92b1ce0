"""Publishing an approved article: schedule, move, withdraw, retry, and check the publisher.

Each change is written to the database in the request's transaction and carried out by the
article's publish workflow; if the workflow refuses (it is already publishing), nothing changes
and the caller gets 409.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlmodel import Session, col

from pressrun.api.content_schemas import (
    ConnectionCheckOut,
    ContentSummary,
    PublicationOut,
    PublishingSettingsIn,
    PublishingSettingsOut,
    RescheduleIn,
    ScheduleIn,
)
from pressrun.api.deps import PathSite, SessionDep, StateDep
from pressrun.api.routers.keywords import PagingDep, page_of, site_item
from pressrun.api.schemas import Page
from pressrun.api.state import ApiState
from pressrun.errors import FieldError, InvalidTransitionError, NotFoundError
from pressrun.models import Content, Publication, PublicationStatus, PublishingSettings, Site
from pressrun.models.base import utcnow
from pressrun.models.content import ContentStatus
from pressrun.publishing import control as publish_control
from pressrun.publishing import publications
from pressrun.publishing.folder import FolderPublisher
from pressrun.publishing.wordpress import WordPressPublisher
from pressrun.services import site_config
from pressrun.services.site_config import PUBLISHER_CREDENTIALS

router = APIRouter()


def publishing_out(row: PublishingSettings) -> PublishingSettingsOut:
    return PublishingSettingsOut.model_validate(
        {
            **row.model_dump(exclude={"wordpress_app_password", "webhook_secret"}),
            "wordpress_app_password_set": bool(row.wordpress_app_password),
            "webhook_secret_set": bool(row.webhook_secret),
        }
    )


def stored_publishing(session: Session, site: Site) -> PublishingSettings:
    """The site's settings row, created with the defaults on first use."""
    row = site_config.publishing_settings(session, site.id or 0)
    if row.id is None:
        session.add(row)
        session.flush()
    return row


def apply_publishing(row: PublishingSettings, body: PublishingSettingsIn) -> None:
    """Replace the settings; write-only secrets left out keep their value. The chosen
    publisher must end up with what it needs, or nothing changes (422 naming the field)."""
    for key, value in body.model_dump().items():
        if value is not None or key not in _KEEP_WHEN_NULL:
            setattr(row, key, value if value is not None else "")
    needed = PUBLISHER_CREDENTIALS.get(body.publisher, ())
    missing = [name for name in needed if not getattr(row, name)]
    if missing:
        raise FieldError(
            [((name,), f"required for the {body.publisher} publisher") for name in missing]
        )
    row.updated_at = utcnow()


_KEEP_WHEN_NULL = frozenset({"wordpress_app_password", "webhook_secret"})


@router.post("/publishing-settings/check", response_model=ConnectionCheckOut)
async def check_publisher(site: PathSite, session: SessionDep, state: StateDep) -> Any:
    """Try the site's publisher with its stored settings and explain what is wrong, if anything.

    WordPress: the REST API, the credentials, and the usual misconfigurations (Authorization
    header stripped, REST API blocked, application passwords disabled). Folder: that the
    output directory is writable. Webhook: that URL and secret are set (a webhook is only ever
    sent real deliveries).
    """
    row = site_config.publishing_settings(session, site.id or 0)
    if row.publisher == "wordpress":
        if not (row.wordpress_url and row.wordpress_username and row.wordpress_app_password):
            return ConnectionCheckOut(
                publisher="wordpress",
                ok=False,
                problem="not_configured",
                detail="Set the WordPress URL, username and application password first.",
            )
        check = await WordPressPublisher(
            row.wordpress_url, row.wordpress_username, row.wordpress_app_password, timeout=15
        ).check_connection()
        return ConnectionCheckOut(
            publisher="wordpress", ok=check.ok, problem=check.problem, detail=check.detail
        )
    if row.publisher == "webhook":
        ok = bool(row.webhook_url and row.webhook_secret)
        return ConnectionCheckOut(
            publisher="webhook",
            ok=ok,
            problem=None if ok else "not_configured",
            detail=f"Deliveries go to {row.webhook_url}, signed with HMAC-SHA256."
            if ok
            else "Set the webhook URL and its signing secret first.",
        )
    root = state.settings.resolved_publish_root()
    problem = await asyncio.to_thread(FolderPublisher(root).check_writable, site.id or 0)
    return ConnectionCheckOut(
        publisher="folder",
        ok=problem is None,
        problem=None if problem is None else "not_writable",
        detail=problem or "Articles are written as Markdown with their images.",
    )


@router.get("/publications", response_model=Page[PublicationOut])
def list_publications(
    site: PathSite,
    session: SessionDep,
    paging: PagingDep,
    status: PublicationStatus | None = None,
) -> Page[PublicationOut]:
    where: list[Any] = [Publication.site_id == site.id]
    if status is not None:
        where.append(col(Publication.status) == status)
    return page_of(session, Publication, where, paging, PublicationOut)


@router.get("/content/{content_id}/publication", response_model=PublicationOut)
def read_publication(content_id: int, site: PathSite, session: SessionDep) -> PublicationOut:
    content = site_item(session, Content, content_id, site)
    publication = publications.publication_of(session, content.id or 0)
    if publication is None:
        raise NotFoundError(f"Content {content_id} has never been scheduled for publishing.")
    return PublicationOut.model_validate(publication)


async def schedule_content(
    session: Session, state: ApiState, content: Content, when: datetime | None
) -> Publication:
    """Give approved content its slot (the next free one unless `when` is given) and start its
    publish workflow. Commits the request's transaction (see `start_after_commit`)."""
    if content.status != ContentStatus.APPROVED:
        raise InvalidTransitionError(
            f"Content {content.id} is {content.status}; only approved content can be scheduled.",
            status=content.status,
        )
    now = utcnow()
    if when is not None and when < now:
        raise FieldError([(("publish_at",), "is in the past")])
    at = when or publications.next_slot(session, content.site_id, now)
    publisher = site_config.publishing_settings(session, content.site_id).publisher
    publication = publications.schedule_at(session, content, at, publisher=publisher)
    await start_after_commit(session, state, content, at)
    return publication


async def start_after_commit(
    session: Session, state: ApiState, content: Content, at: datetime
) -> None:
    """Start the article's publish workflow once its row is committed: the workflow may look
    for it at once, and no database lock is held across the call to Temporal. If the start
    fails, the article goes back to approved, off the calendar."""
    session.commit()
    try:
        await publish_control.start_publish(
            await state.temporal(),
            state.settings,
            content_id=content.id or 0,
            site_id=content.site_id,
            publish_at=at,
        )
    except Exception:
        publications.release(session, content.id or 0)
        session.commit()
        raise


async def withdraw(session: Session, state: ApiState, content: Content) -> None:
    """Stop a scheduled article's publish workflow and put it back to approved; 409 once
    its publishing has begun."""
    if content.status != ContentStatus.SCHEDULED:
        raise InvalidTransitionError(
            f"Content {content.id} is {content.status}, not scheduled.", status=content.status
        )
    publication = publications.publication_of(session, content.id or 0)
    if publication is None:
        # Scheduled without a publication (set by hand): there is no workflow to stop.
        content.status = ContentStatus.APPROVED
        content.publish_at = None
        return
    if publication.status != PublicationStatus.SCHEDULED:
        raise InvalidTransitionError(
            f"Content {content.id}'s publication is {publication.status}; it can no longer "
            "be unscheduled.",
            status=publication.status,
        )
    await publish_control.unschedule(await state.temporal(), state.settings, content.id or 0)
    publications.release(session, content.id or 0)


@router.post("/content/{content_id}/schedule", response_model=PublicationOut)
async def schedule(
    content_id: int,
    site: PathSite,
    session: SessionDep,
    state: StateDep,
    body: ScheduleIn | None = None,
) -> PublicationOut:
    """Schedule approved content: at `publish_at`, or the next free slot of the calendar."""
    content = site_item(session, Content, content_id, site)
    publication = await schedule_content(session, state, content, body.publish_at if body else None)
    return PublicationOut.model_validate(publication)


@router.post("/content/{content_id}/reschedule", response_model=PublicationOut)
async def reschedule(
    content_id: int, body: RescheduleIn, site: PathSite, session: SessionDep, state: StateDep
) -> PublicationOut:
    """Move a scheduled article to another time; refused (409) once publishing has begun."""
    content = site_item(session, Content, content_id, site)
    publication = publications.publication_of(session, content_id)
    if publication is None or publication.status != PublicationStatus.SCHEDULED:
        raise InvalidTransitionError(
            f"Content {content_id} is not scheduled for publishing.", status=content.status
        )
    if body.publish_at < utcnow():
        raise FieldError([(("publish_at",), "is in the past")])
    await publish_control.reschedule(
        await state.temporal(), state.settings, content_id, body.publish_at
    )
    # The workflow records the move too; the same conditional update, taking the rows in the
    # same order, so the two never deadlock and either may land first.
    publications.record_move(session, content_id, body.publish_at)
    session.refresh(publication)
    return PublicationOut.model_validate(publication)


@router.post("/content/{content_id}/unschedule", response_model=ContentSummary)
async def unschedule(
    content_id: int, site: PathSite, session: SessionDep, state: StateDep
) -> ContentSummary:
    """Take a scheduled article off the calendar; it stays approved. 409 once publishing."""
    content = site_item(session, Content, content_id, site)
    await withdraw(session, state, content)
    session.flush()
    # The workflow releases the row too and may have done so first: read what is stored.
    session.refresh(content)
    return ContentSummary.model_validate(content)


@router.post("/content/{content_id}/retry-publish", response_model=PublicationOut)
async def retry_publish(
    content_id: int, site: PathSite, session: SessionDep, state: StateDep
) -> PublicationOut:
    """Publish a failed article again, now. What was already delivered is not sent twice."""
    content = site_item(session, Content, content_id, site)
    now = utcnow()
    publication = publications.retry_failed(session, content, now)
    await start_after_commit(session, state, content, now)
    return PublicationOut.model_validate(publication)
