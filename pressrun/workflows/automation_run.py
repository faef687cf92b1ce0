"""AutomationRunWorkflow: one durable run of a site's seven-stage pipeline.

The workflow ID is derived from the site, so Temporal itself is the per-site lock. Each
batch is one activity; pause, resume and cancel are updates that take effect between
batches; Temporal cancellation ends the run `cancelled`. Deterministic code only.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

from pressrun.contracts.run import (
    FINISH_RUN,
    LIVE_QUERY,
    PREPARE_RUN,
    RECORD_STAGE,
    RUN_WORKFLOW,
    SET_RUN_STATUS,
    STAGE_ACTIVITIES,
    STAGE_NAMES,
    BatchRequest,
    BatchResult,
    ControlReply,
    FinishRequest,
    LiveDetail,
    PrepareRequest,
    RunInput,
    RunOutcome,
    RunPlan,
    RunState,
    RunStatusName,
    StageProgress,
    StageRecord,
    StatusChange,
    control_signal,
    run_workflow_id,
)
from pressrun.contracts.search_attributes import ACCOUNT_ID, RUN_STATUS, SITE_ID, TRIGGER_TYPE
from pressrun.workflows import verdicts
from pressrun.workflows.lanes import Reservations

# The patch marking budgets shared over the stages that run, and a stage with no budget
# asking for its items before it is called partial.
BUDGETS_OVER_RUNNING_STAGES = "budgets-over-running-stages"

# Errors no retry can fix: the batch fails at once and the run ends failed.
NON_RETRYABLE = ["InsufficientCredits", "NotFound"]


class RunStopped(Exception):
    """Raised inside the workflow when a cancel request stops the run between batches."""


@workflow.defn(name=RUN_WORKFLOW)
class AutomationRunWorkflow:
    @workflow.init
    def __init__(self, inp: RunInput) -> None:
        self._input = inp
        self._state = inp.state or RunState()
        self._status: RunStatusName = "paused" if self._state.paused else "running"
        self._finished = False
        self._in_flight = 0
        self._batches_this_history = 0
        self._lanes_failed = False

    # ---- control: updates with validators, and a query ------------------------------------

    @workflow.update(name="pause")
    def pause(self) -> ControlReply:
        self._state.paused = True
        return self._reply("Pause requested: the run pauses after the current batch.")

    @pause.validator
    def _validate_pause(self) -> None:
        self._refuse_if_finished("pause")
        if self._state.cancel_requested:
            raise ApplicationError("The run is being cancelled.", type="InvalidTransition")
        if self._state.paused:
            raise ApplicationError("The run is already paused.", type="InvalidTransition")

    @workflow.update(name="resume")
    def resume(self) -> ControlReply:
        self._state.paused = False
        return self._reply("Resumed: the run continues from where it stopped.")

    @resume.validator
    def _validate_resume(self) -> None:
        self._refuse_if_finished("resume")
        if not self._state.paused:
            raise ApplicationError("The run is not paused.", type="InvalidTransition")

    @workflow.update(name="cancel")
    def cancel(self) -> ControlReply:
        self._state.cancel_requested = True
        return self._reply("Cancel requested: the run stops after the current batch.")

    @cancel.validator
    def _validate_cancel(self) -> None:
        self._refuse_if_finished("cancel")
        if self._state.cancel_requested:
            raise ApplicationError("The run is already being cancelled.", type="InvalidTransition")

    @workflow.signal(name=control_signal("pause"))
    def request_pause(self) -> None:
        """Signal twin of `pause`, accepted even when no worker is up; a no-op when invalid."""
        if not self._finished and not self._state.cancel_requested:
            self._state.paused = True

    @workflow.signal(name=control_signal("resume"))
    def request_resume(self) -> None:
        if not self._finished:
            self._state.paused = False

    @workflow.signal(name=control_signal("cancel"))
    def request_cancel(self) -> None:
        if not self._finished:
            self._state.cancel_requested = True

    @workflow.query(name=LIVE_QUERY)
    def live(self) -> LiveDetail:
        stage = self._state.current_stage
        return LiveDetail(
            run_id=self._input.run_id,
            status=self._status,
            current_stage=min(stage, 7),
            batch_index=self._progress(min(stage, 7)).batches_run,
            batch_in_flight=self._in_flight > 0,
            stage=self._progress(min(stage, 7)),
            pause_requested=self._state.paused,
            cancel_requested=self._state.cancel_requested,
        )

    def _refuse_if_finished(self, action: str) -> None:
        if self._finished:
            raise ApplicationError(
                f"Cannot {action}: the run has already ended ({self._status}).",
                type="InvalidTransition",
            )

    def _reply(self, message: str) -> ControlReply:
        return ControlReply(
            run_id=self._input.run_id,
            status=self._status,
            pause_requested=self._state.paused,
            cancel_requested=self._state.cancel_requested,
            message=message,
        )

    # ---- the run -------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: RunInput) -> RunOutcome:
        state = self._state
        try:
            if state.plan is None:
                workflow.upsert_search_attributes(
                    [
                        SITE_ID.value_set(str(inp.site_id)),
                        ACCOUNT_ID.value_set(str(inp.account_id)),
                        TRIGGER_TYPE.value_set(inp.trigger_type),
                        RUN_STATUS.value_set("running"),
                    ]
                )
                state.plan = await self._activity(
                    PREPARE_RUN,
                    PrepareRequest(
                        run_id=inp.run_id,
                        site_id=inp.site_id,
                        account_id=inp.account_id,
                        workflow_id=run_workflow_id(inp.site_id),
                        trigger_type=inp.trigger_type,
                    ),
                    RunPlan,
                )
                if state.plan.balance < state.plan.required:
                    raise ApplicationError(
                        f"Insufficient credits: this run needs an estimated "
                        f"{state.plan.required} credits ({state.plan.estimate} x buffer), "
                        f"the balance is {state.plan.balance}.",
                        type="InsufficientCredits",
                        non_retryable=True,
                    )
            plan = state.plan
            while state.current_stage <= 7:
                ran = await self._run_stage(plan, state.current_stage)
                state.current_stage += 1
                if ran and state.current_stage <= 7 and plan.between_stage_delay > 0:
                    await self._delay(plan.between_stage_delay)
            return await self._finish("completed")
        except RunStopped:
            return await self._finish("cancelled")
        except (ActivityError, ApplicationError, asyncio.CancelledError) as err:
            # Anything else is a bug in this code: it fails the workflow task, which Temporal
            # retries, so a fixed deployment resumes the run instead of losing it.
            if is_cancelled_exception(err):
                # Temporal cancellation (Web UI, CLI): record it, then let Temporal mark the
                # workflow cancelled. The bookkeeping must run despite the cancellation.
                await asyncio.shield(asyncio.ensure_future(self._finish("cancelled")))
                raise
            message = _describe_failure(err)
            await self._fail_current_stage(message)
            await self._finish("failed", message)
            if isinstance(err, ApplicationError):
                raise
            raise ApplicationError(message, type="RunFailed", non_retryable=True) from err

    async def _run_stage(self, plan: RunPlan, number: int) -> bool:
        """Run one stage to its end; True when it did work (so the between-stage delay applies)."""
        progress = self._progress(number)
        stage_plan = plan.stage(number)
        if progress.status == "pending":
            if not stage_plan.enabled:
                progress.status = "skipped"
                progress.reason = "stage disabled"
                await self._record(progress, verdicts.DISABLED[1])
                return False
            progress.status = "running"
            progress.started_at = workflow.now()
        # Runs started before these rules keep the old ones (workflow determinism).
        new_rules = workflow.patched(BUDGETS_OVER_RUNNING_STAGES)
        budget = plan.budget(number, over_running_stages=new_rules)
        lanes = self._input.options.parallel(number)
        if lanes > 1:
            await self._checkpoint()
            await self._maybe_continue_as_new()
            return await self._run_stage_parallel(plan, number, budget, lanes, new_rules)
        while True:
            await self._checkpoint()
            await self._maybe_continue_as_new()
            limit = stage_plan.batch_size
            if stage_plan.per_run_limit > 0:
                left = stage_plan.per_run_limit - progress.processed
                if left <= 0:
                    return await self._end_stage(progress, verdicts.limit_reached(stage_plan))
                limit = min(limit, left)
            budget_left: Decimal | None = None
            if budget is not None:
                budget_left = budget - progress.credits_used
                # Before its first batch, a stage with no budget still asks for its items: with
                # none, it is `skipped`, not `partial`.
                first_ask = new_rules and progress.batches_attempted == 0
                if budget_left <= 0 and not first_ask:
                    return await self._end_stage(progress, verdicts.budget_spent(budget))
                budget_left = max(budget_left, Decimal(0))
            result = await self._batch(number, progress, limit, budget_left, stage_plan.use_testing)
            verdict = verdicts.after_batch(progress, result, budget)
            if verdict is not None:
                return await self._end_stage(progress, verdict)
            if plan.within_stage_delay > 0:
                await self._delay(plan.within_stage_delay)

    async def _run_stage_parallel(
        self, plan: RunPlan, number: int, budget: Decimal | None, lanes: int, new_rules: bool
    ) -> bool:
        """Up to `lanes` batches in flight, each lane on its own share of the items (by ID).

        Limits stay exact: a batch reserves its items against the per-run limit and its share
        of the unspent budget before it starts, and returns what it did not use. Pause and
        cancel stop new batches; the ones in flight finish first.
        """
        progress = self._progress(number)
        stage_plan = plan.stage(number)
        held = Reservations(lanes=lanes)
        stop: list[verdicts.Verdict] = []
        errors: list[BaseException] = []
        drained: list[int] = []
        gate = asyncio.Lock()

        async def others_finish_one() -> None:
            seen = held.finished
            await workflow.wait_condition(lambda: held.finished != seen or bool(stop))

        async def lane(index: int) -> None:
            while not stop:
                # One lane at a time records a pause and waits it out; the rest queue here.
                async with gate:
                    if not await self._may_continue() or stop:
                        return
                if self._history_full():
                    # Drain, then continue as new: nothing may be in flight across it.
                    drained.append(index)
                    return
                limit = stage_plan.batch_size
                left = held.items_left(stage_plan, progress)
                if left is not None:
                    if left <= 0:
                        if held.items == 0:
                            return
                        # Held by batches in flight, which may use less than they reserved.
                        await others_finish_one()
                        continue
                    limit = min(limit, left)
                share: Decimal | None = None
                if budget is not None:
                    free = held.free_budget(budget, progress)
                    # As in the sequential path, a stage with no budget first asks for items.
                    first_ask = (
                        new_rules and progress.batches_attempted == 0 and held.in_flight == 0
                    )
                    if free <= 0 and not first_ask:
                        if held.budget == 0:
                            stop.append(verdicts.budget_spent(budget))
                            return
                        await others_finish_one()
                        continue
                    share = held.share(free)
                held.take(limit, share)
                try:
                    result = await self._batch(
                        number, progress, limit, share, stage_plan.use_testing, (index, lanes)
                    )
                except BaseException as err:
                    errors.append(err)
                    stop.append(("failed", str(err)))
                    # A lane waiting out a pause must not hide this until someone resumes.
                    self._lanes_failed = True
                    return
                finally:
                    held.give_back(limit, share)
                if result.budget_reached:
                    stop.append(verdicts.budget_spent(budget))
                    return
                if result.processed == 0 or result.remaining == 0:
                    return
                if plan.within_stage_delay > 0:
                    await self._delay(plan.within_stage_delay)

        await asyncio.gather(*(lane(index) for index in range(lanes)))
        if errors:
            raise errors[0]
        await self._checkpoint()
        if drained and not stop:
            await self._maybe_continue_as_new()
        verdict = verdicts.after_lanes(stage_plan, progress, stop[0] if stop else None)
        return await self._end_stage(progress, verdict)

    async def _may_continue(self) -> bool:
        """The checkpoint between batches, answering False instead of raising on cancel."""
        try:
            await self._checkpoint()
        except RunStopped:
            return False
        return True

    async def _batch(
        self,
        number: int,
        progress: StageProgress,
        limit: int,
        budget_left: Decimal | None,
        use_testing: bool,
        partition: tuple[int, int] = (0, 1),
    ) -> BatchResult:
        inp = self._input
        request = BatchRequest(
            run_id=inp.run_id,
            site_id=inp.site_id,
            account_id=inp.account_id,
            stage=number,
            batch_index=progress.batches_attempted,
            limit=limit,
            use_testing=use_testing,
            budget_remaining=budget_left,
            now=workflow.now(),
            partition=partition[0],
            partitions=partition[1],
        )
        progress.batches_attempted += 1
        self._in_flight += 1
        try:
            result: BatchResult = await self._activity(
                STAGE_ACTIVITIES[number],
                request,
                BatchResult,
                task_queue=self._input.options.queue_for(number),
            )
        finally:
            self._in_flight -= 1
        self._batches_this_history += 1
        if result.processed:
            progress.batches_run += 1
        progress.processed += result.processed
        progress.created += result.created
        progress.failed += result.failed
        progress.words += result.words
        progress.approved += result.approved
        progress.credits_used += result.credits
        self._state.total_credits += result.credits
        return result

    async def _end_stage(self, progress: StageProgress, verdict: verdicts.Verdict) -> bool:
        # Only what is recorded changes with the verdict, never which commands follow, so
        # histories of runs started before this rule replay unchanged.
        status, reason = verdicts.settled(progress, verdict)
        progress.status = status
        progress.reason = reason if status != "completed" or progress.batches_run == 0 else None
        if progress.started_at is not None:
            progress.elapsed_seconds = (workflow.now() - progress.started_at).total_seconds()
        await self._record(progress, reason)
        return progress.batches_run > 0

    async def _record(self, progress: StageProgress, message: str) -> None:
        await self._activity(
            RECORD_STAGE,
            StageRecord(run_id=self._input.run_id, progress=progress, message=message),
            None,
        )

    async def _fail_current_stage(self, message: str) -> None:
        stage = self._state.current_stage
        if stage > 7 or self._state.plan is None:
            return
        progress = self._progress(stage)
        if progress.status == "running":
            await self._end_stage(progress, ("failed", message))

    async def _checkpoint(self) -> None:
        """Between batches: honour a cancel, or wait out a pause."""
        state = self._state
        if state.cancel_requested:
            raise RunStopped()
        if state.paused:
            await self._set_status("paused", "Run paused")
            await workflow.wait_condition(
                lambda: not state.paused or state.cancel_requested or self._lanes_failed
            )
            if state.cancel_requested:
                raise RunStopped()
            if self._lanes_failed:
                return
            await self._set_status("running", "Run resumed")

    async def _delay(self, seconds: int) -> None:
        """A durable timer that a cancel request cuts short."""
        state = self._state
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: state.cancel_requested, timeout=timedelta(seconds=seconds)
            )

    def _history_full(self) -> bool:
        limit = self._input.options.batches_before_continue_as_new
        return self._batches_this_history >= limit or workflow.info().is_continue_as_new_suggested()

    async def _maybe_continue_as_new(self) -> None:
        if not self._history_full():
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(self._input.model_copy(update={"state": self._state}))

    async def _set_status(self, status: RunStatusName, message: str) -> None:
        self._status = status
        workflow.upsert_search_attributes([RUN_STATUS.value_set(status)])
        await self._activity(
            SET_RUN_STATUS,
            StatusChange(run_id=self._input.run_id, status=status, message=message),
            None,
        )

    async def _finish(self, status: RunStatusName, error: str | None = None) -> RunOutcome:
        self._finished = True
        self._status = status
        workflow.upsert_search_attributes([RUN_STATUS.value_set(status)])
        await self._activity(
            FINISH_RUN,
            FinishRequest(
                run_id=self._input.run_id,
                site_id=self._input.site_id,
                status=status,
                error_message=error,
            ),
            None,
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return RunOutcome(
            run_id=self._input.run_id,
            status=status,
            total_credits_used=self._state.total_credits,
            stage_results={
                n: p.result() for n, p in self._state.stages.items() if p.status != "pending"
            },
            error_message=error,
        )

    def _progress(self, number: int) -> StageProgress:
        return self._state.stages[number]

    async def _activity(
        self, name: str, arg: Any, result_type: type | None, task_queue: str | None = None
    ) -> Any:
        options = self._input.options
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            task_queue=task_queue,
            start_to_close_timeout=timedelta(seconds=options.activity_timeout_seconds),
            heartbeat_timeout=timedelta(seconds=options.heartbeat_timeout_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(minutes=2),
                maximum_attempts=options.max_attempts,
                non_retryable_error_types=NON_RETRYABLE,
            ),
            summary=_summary(name, arg),
        )


def _summary(name: str, arg: Any) -> str:
    if isinstance(arg, BatchRequest):
        return f"Stage {arg.stage} · {STAGE_NAMES[arg.stage]} · batch {arg.batch_index + 1}"
    return name.replace("_", " ")


def _describe_failure(err: BaseException) -> str:
    if isinstance(err, ActivityError) and err.cause is not None:
        cause = err.cause
        if isinstance(cause, ApplicationError):
            return cause.message
        return str(cause)
    if isinstance(err, ApplicationError):
        return err.message
    return f"{type(err).__name__}: {err}"


__all__ = ["AutomationRunWorkflow"]
