"""The publish workflow's activities: deliver an article exactly once, and record how it went.

The attempt is recorded before the publisher is called, and every remote ID is stored the
moment the publisher reports it, so a retry (after a crash, a timeout, a lost response)
resumes from what was already done instead of posting again. Credentials are read here, from
the database, and opened (they are stored sealed) only to hand to the publisher: they never
travel in workflow or activity inputs, results or errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from pressrun.activities.heartbeat import heartbeating
from pressrun.config import Settings
from pressrun.contracts.publish import (
    PUBLISH_CONTENT,
    PUBLISH_PERMANENT_ERROR,
    RECORD_PUBLISH_FAILURE,
    RECORD_PUBLISH_MOVE,
    RELEASE_PUBLICATION,
    PublishFailure,
    PublishMove,
    PublishOutcome,
    PublishRequest,
)
from pressrun.db import SessionFactory, transaction
from pressrun.errors import InvalidTransitionError, NotFoundError
from pressrun.metrics import activity_metrics
from pressrun.publishing import publications
from pressrun.publishing.base import PublishPermanentError, PublishRetryableError, PublishState
from pressrun.publishing.factory import build_publisher
from pressrun.sealing import Sealer, build_sealer

T = TypeVar("T")
log = structlog.get_logger("pressrun.publishing")


class PublishActivities:
    def __init__(
        self, sessions: SessionFactory, settings: Settings, sealer: Sealer | None = None
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._sealer = sealer or build_sealer(settings)

    async def _tx(self, fn: Callable[..., T], *args: Any) -> T:
        def work() -> T:
            with transaction(self._sessions) as session:
                return fn(session, *args)

        return await asyncio.to_thread(work)

    @activity.defn(name=PUBLISH_CONTENT)
    async def publish_content(self, req: PublishRequest) -> PublishOutcome:
        async with heartbeating():
            return await self._publish(req)

    async def _publish(self, req: PublishRequest) -> PublishOutcome:
        bound = log.bind(site_id=req.site_id, content_id=req.content_id)
        try:
            job = await self._tx(
                publications.begin_attempt, req.content_id, self._settings.resolved_media_root()
            )
        except InvalidTransitionError as err:
            raise _permanent(err) from err
        except NotFoundError as err:
            # Possibly not yet visible (a starter committing just now): worth another try.
            raise ApplicationError(str(err), type="NotFound") from err
        if job.already_published and job.state.remote_id is not None:
            return PublishOutcome(
                content_id=req.content_id,
                status="published",
                remote_id=job.state.remote_id,
                remote_url=job.state.remote_url,
            )

        async def on_progress(state: PublishState) -> None:
            await self._tx(publications.save_state, req.content_id, state)

        try:
            publisher = build_publisher(job.config, self._settings, self._sealer)
            result = await publisher.publish(job.item, job.state, on_progress)
        except PublishRetryableError as err:
            activity_metrics().publish(job.config.publisher, "retry")
            bound.warning("publish attempt failed", error=str(err))
            await self._tx(publications.note_error, req.content_id, str(err))
            raise ApplicationError(str(err), type="PublishRetryable") from err
        except PublishPermanentError as err:
            bound.warning("publish refused", error=str(err))
            raise _permanent(err) from err
        await self._tx(
            publications.mark_published,
            req.content_id,
            result.state,
            result.remote_id,
            result.remote_url,
        )
        activity_metrics().publish(job.config.publisher, "published")
        bound.info("published", remote_id=result.remote_id, url=result.remote_url)
        return PublishOutcome(
            content_id=req.content_id,
            status="published",
            remote_id=result.remote_id,
            remote_url=result.remote_url,
        )

    @activity.defn(name=RECORD_PUBLISH_FAILURE)
    async def record_publish_failure(self, failure: PublishFailure) -> None:
        # Counted here, once per publication that ends failed (refused, or out of retries).
        publisher = await self._tx(publications.mark_failed, failure.content_id, failure.reason)
        if publisher is not None:
            activity_metrics().publish(publisher, "failed")

    @activity.defn(name=RECORD_PUBLISH_MOVE)
    async def record_publish_move(self, move: PublishMove) -> None:
        await self._tx(publications.record_move, move.content_id, move.publish_at)

    @activity.defn(name=RELEASE_PUBLICATION)
    async def release_publication(self, req: PublishRequest) -> None:
        await self._tx(publications.release, req.content_id)

    def by_name(self) -> dict[str, Callable[..., Any]]:
        """Every activity of a publication, keyed by the name workflows call it by."""
        return {
            PUBLISH_CONTENT: self.publish_content,
            RECORD_PUBLISH_FAILURE: self.record_publish_failure,
            RECORD_PUBLISH_MOVE: self.record_publish_move,
            RELEASE_PUBLICATION: self.release_publication,
        }


def _permanent(err: Exception) -> ApplicationError:
    return ApplicationError(str(err), type=PUBLISH_PERMANENT_ERROR, non_retryable=True)
