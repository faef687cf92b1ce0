"""Starting and steering publish workflows from outside a workflow (stage 7's activity, the API).

The database row is the record; the workflow is the timer and the delivery. Callers change the
row in the same transaction as they call here, so a refusal from the workflow changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.service import RPCError, RPCStatusCode

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
from pressrun.errors import InvalidTransitionError, TemporalUnavailableError


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
    handle = client.get_workflow_handle(publish_workflow_id(content_id))
    timeout = timedelta(seconds=settings.control_timeout_seconds)
    try:
        reply: PublishWait = await handle.execute_update(
            name, args=list(args), result_type=PublishWait, rpc_timeout=timeout
        )
    except WorkflowUpdateFailedError as err:
        raise InvalidTransitionError(str(getattr(err.cause, "message", err.cause))) from err
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        raise TemporalUnavailableError(
            f"No worker answered within {timeout.total_seconds():g}s. The request is kept and "
            "takes effect when a worker picks it up; the publication shows it then."
        ) from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise InvalidTransitionError(
                f"Content {content_id} has no publish workflow waiting; it is not scheduled."
            ) from err
        raise
    return reply
