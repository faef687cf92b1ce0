"""PublishContentWorkflow: one article's publish slot as a durable timer, then its delivery.

The wait is a Temporal timer, so it survives restarts, shows in the Web UI and can be moved
(update `reschedule`), withdrawn (update `unschedule`) or cancelled there. Once delivery has
begun it can no longer be moved or withdrawn: the updates' validators refuse, so an API caller
gets a clear answer instead of a race. Deterministic code only.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from pressrun.contracts.publish import (
    PUBLISH_CONTENT,
    PUBLISH_PERMANENT_ERROR,
    PUBLISH_STATE_QUERY,
    PUBLISH_WORKFLOW,
    RECORD_PUBLISH_FAILURE,
    RECORD_PUBLISH_MOVE,
    RELEASE_PUBLICATION,
    RESCHEDULE_UPDATE,
    UNSCHEDULE_UPDATE,
    PublishFailure,
    PublishInput,
    PublishMove,
    PublishOutcome,
    PublishPhase,
    PublishRequest,
    PublishWait,
)

_BOOKKEEPING_TIMEOUT = timedelta(seconds=30)
_BOOKKEEPING_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30), maximum_attempts=10)


@workflow.defn(name=PUBLISH_WORKFLOW)
class PublishContentWorkflow:
    @workflow.init
    def __init__(self, inp: PublishInput) -> None:
        self._inp = inp
        self._publish_at = inp.publish_at
        self._phase: PublishPhase = "waiting"
        self._moved = False
        self._withdrawn = False

    @workflow.run
    async def run(self, inp: PublishInput) -> PublishOutcome:
        request = PublishRequest(content_id=inp.content_id, site_id=inp.site_id)
        try:
            await self._wait_for_slot(request)
        except asyncio.CancelledError:
            # Cancelled from the Web UI or CLI while waiting: the article goes back to approved.
            # No update may slip in while that is written.
            self._phase = "done"
            await self._bookkeeping(RELEASE_PUBLICATION, request)
            raise
        if self._withdrawn:
            self._phase = "done"
            # The workflow writes the row itself, so a withdrawal the API could not wait for
            # (no worker answered in time) still lands.
            await self._bookkeeping(RELEASE_PUBLICATION, request)
            return PublishOutcome(content_id=inp.content_id, status="unscheduled")
        self._phase = "publishing"
        delivery = workflow.start_activity(
            PUBLISH_CONTENT,
            request,
            result_type=PublishOutcome,
            task_queue=inp.queue,
            start_to_close_timeout=timedelta(seconds=inp.timeout_seconds),
            # An activity option, not a command: histories recorded without it still replay.
            heartbeat_timeout=(
                timedelta(seconds=inp.heartbeat_seconds) if inp.heartbeat_seconds else None
            ),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=10),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(minutes=10),
                maximum_attempts=inp.max_attempts,
                non_retryable_error_types=[PUBLISH_PERMANENT_ERROR],
            ),
            summary=f"publish content {inp.content_id}",
        )
        try:
            try:
                outcome: PublishOutcome = await asyncio.shield(delivery)
            except asyncio.CancelledError:
                # A delivery under way cannot be taken back: a cancel now would leave the post
                # out while the record says otherwise. See it through and record what happened.
                workflow.logger.warning("cancel arrived during delivery; finishing the delivery")
                outcome = await delivery
        except ActivityError as err:
            reason = _reason(err)
            await self._bookkeeping(
                RECORD_PUBLISH_FAILURE, PublishFailure(content_id=inp.content_id, reason=reason)
            )
            self._phase = "done"
            # Failing the workflow shows the failure, with its reason, in the Web UI.
            raise ApplicationError(
                f"publishing content {inp.content_id} failed: {reason}",
                type="PublishFailed",
                non_retryable=True,
            ) from err
        self._phase = "done"
        return outcome

    async def _bookkeeping(self, name: str, arg: object) -> None:
        await workflow.execute_activity(
            name,
            arg,
            start_to_close_timeout=_BOOKKEEPING_TIMEOUT,
            retry_policy=_BOOKKEEPING_RETRY,
        )

    async def _wait_for_slot(self, request: PublishRequest) -> None:
        recorded = self._publish_at
        while not self._withdrawn:
            if self._publish_at != recorded:
                # Recorded by the workflow, so a move the API could not wait for still lands;
                # another move may arrive meanwhile, hence the loop.
                recorded = self._publish_at
                await self._bookkeeping(
                    RECORD_PUBLISH_MOVE,
                    PublishMove(content_id=request.content_id, publish_at=recorded),
                )
                continue
            remaining = (self._publish_at - workflow.now()).total_seconds()
            if remaining <= 0:
                return
            self._moved = False
            try:
                await workflow.wait_condition(
                    lambda: self._moved or self._withdrawn,
                    timeout=remaining,
                    timeout_summary=f"publish slot {self._publish_at.isoformat()}",
                )
            except TimeoutError:
                if self._publish_at == recorded:
                    return

    def _state(self) -> PublishWait:
        return PublishWait(
            content_id=self._inp.content_id, phase=self._phase, publish_at=self._publish_at
        )

    @workflow.query(name=PUBLISH_STATE_QUERY)
    def state(self) -> PublishWait:
        return self._state()

    @workflow.update(name=RESCHEDULE_UPDATE)
    def reschedule(self, publish_at: datetime) -> PublishWait:
        self._publish_at = publish_at
        self._moved = True
        return self._state()

    @reschedule.validator
    def _can_reschedule(self, publish_at: datetime) -> None:
        self._refuse_unless_waiting()
        if publish_at.tzinfo is None:
            raise ApplicationError("publish_at needs a time zone", type="InvalidPublishTime")

    @workflow.update(name=UNSCHEDULE_UPDATE)
    def unschedule(self) -> PublishWait:
        self._withdrawn = True
        return self._state()

    @unschedule.validator
    def _can_unschedule(self) -> None:
        self._refuse_unless_waiting()

    def _refuse_unless_waiting(self) -> None:
        if self._phase != "waiting" or self._withdrawn:
            raise ApplicationError(
                f"content {self._inp.content_id} is already {self._phase}; it can no longer "
                "be moved or unscheduled",
                type="PublishNotWaiting",
            )


def _reason(err: ActivityError) -> str:
    """The innermost application error's message: what the publisher said went wrong."""
    cause: BaseException | None = err.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = getattr(cause, "cause", None)
    return cause.message if isinstance(cause, ApplicationError) else str(err.cause or err)
