"""Starting and steering publish workflows from outside a workflow (stage 7's activity, the API).

The database row is the record; the workflow is the timer and the delivery. The API's changes
(schedule, move, withdraw, retry) write the row in the request's transaction and call the
workflow in it, so a refusal from the workflow changes nothing; a start waits for the commit,
since the new workflow reads the row at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from pressrun.config import Settings
from pressrun.contracts.publish import (
    PUBLISH_WORKFLOW,
    RESCHEDULE_UPDATE,
    UNSCHEDULE_UPDATE,
    PublishInput,
    PublishOutcome,
    PublishWait,
    publish_workflow_id,
)
from pressrun.contracts.search_attributes import SITE_ID
from pressrun.errors import (
    FieldError,
    InvalidTransitionError,
    TemporalUnavailableError,
    UpdateNotAnsweredError,
    WorkflowNotRunningError,
)
from pressrun.models import Content, Publication, PublicationStatus
from pressrun.models.base import utcnow
from pressrun.models.content import ContentStatus
from pressrun.publishing import publications
from pressrun.services.site_config import publishing_settings
from pressrun.temporal_client import ClientSource, execute_update


async def start_publish(
    client: Client, settings: Settings, *, content_id: int, site_id: int, publish_at: datetime
) -> WorkflowHandle[Any, PublishOutcome]:
    """Start the article's publish workflow; one already waiting for it is kept, not doubled."""
    return await client.start_workflow(
        PUBLISH_WORKFLOW,
        PublishInput(
            content_id=content_id,
            site_id=site_id,
            publish_at=publish_at,
            max_attempts=settings.publish_max_attempts,
            timeout_seconds=settings.publish_timeout_seconds,
            heartbeat_seconds=settings.publish_heartbeat_seconds,
            queue=settings.queue("publish"),
        ),
        id=publish_workflow_id(content_id),
        task_queue=settings.queue("runs"),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A failed or unscheduled publication may be scheduled again under the same ID.
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        search_attributes=TypedSearchAttributes([SearchAttributePair(SITE_ID, str(site_id))]),
        static_summary=f"Publish content {content_id} of site {site_id}",
        task_timeout=timedelta(seconds=30),
        result_type=PublishOutcome,
    )


async def reschedule(
    client: Client, settings: Settings, content_id: int, publish_at: datetime
) -> PublishWait:
    return await _update(client, settings, content_id, RESCHEDULE_UPDATE, publish_at)


async def unschedule(client: Client, settings: Settings, content_id: int) -> PublishWait:
    return await _update(client, settings, content_id, UNSCHEDULE_UPDATE)


async def _update(
    client: Client, settings: Settings, content_id: int, name: str, *args: object
) -> PublishWait:
    # The workflow's own refusal (`UpdateRejectedError`) is already an InvalidTransitionError.
    handle = client.get_workflow_handle(publish_workflow_id(content_id))
    timeout = timedelta(seconds=settings.control_timeout_seconds)
    try:
        return await execute_update(
            handle, name, args=args, result_type=PublishWait, timeout=timeout
        )
    except UpdateNotAnsweredError as err:
        raise TemporalUnavailableError(
            f"{err} The request is kept and takes effect when a worker picks it up; the "
            "publication shows it then."
        ) from err
    except WorkflowNotRunningError as err:
        raise InvalidTransitionError(
            f"Content {content_id} has no publish workflow waiting; it is not scheduled."
        ) from err


# -- the API's changes: the row in the request's transaction, then the workflow -----------------


async def schedule_content(
    session: Session,
    temporal: ClientSource,
    settings: Settings,
    content: Content,
    when: datetime | None,
) -> Publication:
    """Give approved content its slot (the next free one unless `when` is given) and start its
    publish workflow. Commits `session` (see `start_after_commit`)."""
    if content.status != ContentStatus.APPROVED:
        raise InvalidTransitionError(
            f"Content {content.id} is {content.status}; only approved content can be scheduled.",
            status=content.status,
        )
    now = utcnow()
    if when is not None and when < now:
        raise FieldError([(("publish_at",), "is in the past")])
    at = when or publications.next_slot(session, content.site_id, now)
    publisher = publishing_settings(session, content.site_id).publisher
    publication = publications.schedule_at(session, content, at, publisher=publisher)
    await start_after_commit(session, temporal, settings, content, at)
    return publication


async def start_after_commit(
    session: Session,
    temporal: ClientSource,
    settings: Settings,
    content: Content,
    at: datetime,
) -> None:
    """Start the article's publish workflow once its row is committed: the workflow may look
    for it at once, and no database lock is held across the call to Temporal. If the start
    fails, the article goes back to approved, off the calendar."""
    session.commit()
    try:
        await start_publish(
            await temporal(),
            settings,
            content_id=content.id or 0,
            site_id=content.site_id,
            publish_at=at,
        )
    except Exception:
        publications.release(session, content.id or 0)
        session.commit()
        raise


async def withdraw(
    session: Session, temporal: ClientSource, settings: Settings, content: Content
) -> None:
    """Stop a scheduled article's publish workflow and put it back to approved; refused once
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
    await unschedule(await temporal(), settings, content.id or 0)
    publications.release(session, content.id or 0)


async def unschedule_content(
    session: Session, temporal: ClientSource, settings: Settings, content: Content
) -> None:
    """`withdraw`, then read back what is stored: the workflow releases the row too and may
    have done so first."""
    await withdraw(session, temporal, settings, content)
    session.flush()
    session.refresh(content)


async def move_content(
    session: Session,
    temporal: ClientSource,
    settings: Settings,
    content: Content,
    when: datetime,
) -> Publication:
    """Move a scheduled article to another time; refused once its publishing has begun."""
    content_id = content.id or 0
    publication = publications.publication_of(session, content_id)
    if publication is None or publication.status != PublicationStatus.SCHEDULED:
        raise InvalidTransitionError(
            f"Content {content_id} is not scheduled for publishing.", status=content.status
        )
    if when < utcnow():
        raise FieldError([(("publish_at",), "is in the past")])
    await reschedule(await temporal(), settings, content_id, when)
    # The workflow records the move too; the same conditional update, taking the rows in the
    # same order, so the two never deadlock and either may land first.
    publications.record_move(session, content_id, when)
    session.refresh(publication)
    return publication


async def retry_content(
    session: Session, temporal: ClientSource, settings: Settings, content: Content
) -> Publication:
    """Publish a failed article again, now; what was already delivered is not sent twice."""
    now = utcnow()
    publication = publications.retry_failed(session, content, now)
    await start_after_commit(session, temporal, settings, content, now)
    return publication
