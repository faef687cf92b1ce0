"""Publishing an approved article: schedule, move, withdraw, retry, and check the publisher.

Each change is written to the database in the request's transaction and carried out by the
article's publish workflow (`pressrun.publishing.control`); if the workflow refuses (it is
already publishing), nothing changes and the caller gets 409.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlmodel import col

from pressrun.api.deps import IdPath, PathSite, SessionDep, StateDep
from pressrun.api.paging import PagingDep, page_of, site_item
from pressrun.api.responses import ACCOUNT, error_responses
from pressrun.api.schemas.common import Page
from pressrun.api.schemas.content import ContentSummary
from pressrun.api.schemas.publishing import (
    ConnectionCheckOut,
    PublicationOut,
    RescheduleIn,
    ScheduleIn,
)
from pressrun.errors import NotFoundError
from pressrun.models import Content, Publication, PublicationStatus
from pressrun.publishing import control as publish_control
from pressrun.publishing import publications
from pressrun.publishing.factory import check_connection
from pressrun.services import site_config

router = APIRouter(
    prefix="/api/v1/sites/{site_id}", tags=["content"], responses=error_responses(*ACCOUNT)
)


@router.post(
    "/publishing-settings/check",
    response_model=ConnectionCheckOut,
    responses=error_responses(503),
)
async def check_publisher(
    site: PathSite, session: SessionDep, state: StateDep
) -> ConnectionCheckOut:
    """Try the site's publisher with its stored settings and explain what is wrong, if anything.

    WordPress: the REST API, the credentials, and the usual misconfigurations (Authorization
    header stripped, REST API blocked, application passwords disabled). Folder: that the
    output directory is writable. Webhook: that URL and secret are set (a webhook is only ever
    sent real deliveries).
    """
    row = site_config.publishing_settings(session, site.id or 0)
    check = await check_connection(row, state.settings, state.sealer)
    return ConnectionCheckOut(
        publisher=check.publisher, ok=check.ok, problem=check.problem, detail=check.detail
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
def read_publication(content_id: IdPath, site: PathSite, session: SessionDep) -> PublicationOut:
    content = site_item(session, Content, content_id, site)
    publication = publications.publication_of(session, content.id or 0)
    if publication is None:
        raise NotFoundError(f"Content {content_id} has never been scheduled for publishing.")
    return PublicationOut.model_validate(publication)


@router.post(
    "/content/{content_id}/schedule",
    response_model=PublicationOut,
    responses=error_responses(400, 409, 503),
)
async def schedule(
    content_id: IdPath,
    site: PathSite,
    session: SessionDep,
    state: StateDep,
    body: ScheduleIn | None = None,
) -> PublicationOut:
    """Schedule approved content: at `publish_at`, or the next free slot of the calendar."""
    content = site_item(session, Content, content_id, site)
    publication = await publish_control.schedule_content(
        session, state.temporal, state.settings, content, body.publish_at if body else None
    )
    return PublicationOut.model_validate(publication)


@router.post(
    "/content/{content_id}/reschedule",
    response_model=PublicationOut,
    responses=error_responses(400, 409, 503),
)
async def reschedule(
    content_id: IdPath, body: RescheduleIn, site: PathSite, session: SessionDep, state: StateDep
) -> PublicationOut:
    """Move a scheduled article to another time; refused (409) once publishing has begun."""
    content = site_item(session, Content, content_id, site)
    publication = await publish_control.move_content(
        session, state.temporal, state.settings, content, body.publish_at
    )
    return PublicationOut.model_validate(publication)


@router.post(
    "/content/{content_id}/unschedule",
    response_model=ContentSummary,
    responses=error_responses(409, 503),
)
async def unschedule(
    content_id: IdPath, site: PathSite, session: SessionDep, state: StateDep
) -> ContentSummary:
    """Take a scheduled article off the calendar; it stays approved. 409 once publishing."""
    content = site_item(session, Content, content_id, site)
    await publish_control.unschedule_content(session, state.temporal, state.settings, content)
    return ContentSummary.model_validate(content)


@router.post(
    "/content/{content_id}/retry-publish",
    response_model=PublicationOut,
    responses=error_responses(409, 503),
)
async def retry_publish(
    content_id: IdPath, site: PathSite, session: SessionDep, state: StateDep
) -> PublicationOut:
    """Publish a failed article again, now. What was already delivered is not sent twice."""
    content = site_item(session, Content, content_id, site)
    publication = await publish_control.retry_content(
        session, state.temporal, state.settings, content
    )
    return PublicationOut.model_validate(publication)
