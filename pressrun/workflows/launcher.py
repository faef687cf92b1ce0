"""AutomationLauncherWorkflow: what a site's Schedule starts, to start the run itself.

A Schedule suffixes the workflow IDs it starts with a timestamp, so it cannot start the run
under the site's run ID; this small workflow can, which keeps one lock for scheduled and
manual starts alike. It applies the 23-hour block (bypassed in test mode) and records a
skipped start, with its reason, in the run history. Deterministic code only.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from pressrun.contracts.launch import (
    CHECK_LAUNCH,
    LAUNCHER_WORKFLOW,
    RECORD_SKIP,
    LaunchDecision,
    LaunchInput,
    LaunchOutcome,
    SkipRecord,
)
from pressrun.contracts.run import RUN_WORKFLOW, RunInput, run_workflow_id
from pressrun.contracts.search_attributes import run_labels

_TIMEOUT = timedelta(seconds=30)
_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30), maximum_attempts=10)


@workflow.defn(name=LAUNCHER_WORKFLOW)
class AutomationLauncherWorkflow:
    @workflow.run
    async def run(self, inp: LaunchInput) -> LaunchOutcome:
        run_id = workflow.uuid4().hex
        decision: LaunchDecision = await workflow.execute_activity(
            CHECK_LAUNCH,
            args=[inp.site_id, workflow.now()],
            result_type=LaunchDecision,
            start_to_close_timeout=_TIMEOUT,
            retry_policy=_RETRY,
        )
        if not decision.allowed:
            return await self._skip(inp, run_id, decision.reason or "not allowed", decision.record)
        labels = run_labels(
            run_id=run_id,
            site_id=inp.site_id,
            account_id=inp.account_id,
            trigger_type=inp.trigger_type,
        )
        try:
            await workflow.start_child_workflow(
                RUN_WORKFLOW,
                RunInput(
                    run_id=run_id,
                    site_id=inp.site_id,
                    account_id=inp.account_id,
                    trigger_type=inp.trigger_type,
                    options=decision.options,
                ),
                id=run_workflow_id(inp.site_id),
                task_queue=workflow.info().task_queue,
                # The run outlives this launcher, which ends as soon as the run has started.
                parent_close_policy=ParentClosePolicy.ABANDON,
                memo=labels.memo,
                search_attributes=labels.search_attributes,
                static_summary=labels.static_summary,
            )
        except WorkflowAlreadyStartedError:
            return await self._skip(inp, run_id, "a run of this site is already in progress", True)
        return LaunchOutcome(started=True, run_id=run_id, reason=decision.reason)

    async def _skip(
        self, inp: LaunchInput, run_id: str, reason: str, record: bool
    ) -> LaunchOutcome:
        if record:
            await workflow.execute_activity(
                RECORD_SKIP,
                SkipRecord(
                    site_id=inp.site_id,
                    account_id=inp.account_id,
                    run_id=run_id,
                    trigger_type=inp.trigger_type,
                    reason=reason,
                ),
                start_to_close_timeout=_TIMEOUT,
                retry_policy=_RETRY,
            )
        return LaunchOutcome(started=False, run_id=run_id, reason=reason)
