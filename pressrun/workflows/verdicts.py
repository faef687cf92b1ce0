"""How a stage ends: the one set of end-of-stage verdicts the sequential and parallel paths share.

Pure functions of the stage's plan, progress and last batch, so workflow code stays
deterministic and the two paths cannot drift apart in what they call a stage.
"""

from __future__ import annotations

from decimal import Decimal

from pressrun.contracts.run import BatchResult, StagePlan, StageProgress, StageStatus

Verdict = tuple[StageStatus, str]

DISABLED: Verdict = ("skipped", "disabled in the automation config")
NOTHING_TO_DO: Verdict = ("skipped", "no items to process")
NONE_LEFT: Verdict = ("completed", "no items left")
ALL_DONE: Verdict = ("completed", "all items processed")


def limit_reached(plan: StagePlan) -> Verdict:
    return ("completed", f"per-run limit of {plan.per_run_limit} reached")


def budget_spent(budget: Decimal | None) -> Verdict:
    return ("partial", f"stage budget of {budget} credits reached")


def after_batch(
    progress: StageProgress, result: BatchResult, budget: Decimal | None
) -> Verdict | None:
    """The stage's end once a batch came back, or None when it goes on (sequential path)."""
    if result.processed == 0:
        if progress.batches_run == 0 and not result.budget_reached:
            return NOTHING_TO_DO
        return budget_spent(budget) if result.budget_reached else NONE_LEFT
    if result.budget_reached:
        return budget_spent(budget)
    if result.remaining == 0:
        return ALL_DONE
    return None


def after_lanes(plan: StagePlan, progress: StageProgress, stopped: Verdict | None) -> Verdict:
    """The stage's end once every lane has stopped (parallel path)."""
    if stopped is not None:
        return stopped
    if 0 < plan.per_run_limit <= progress.processed:
        return limit_reached(plan)
    if progress.batches_run == 0:
        return NOTHING_TO_DO
    return ALL_DONE


def settled(progress: StageProgress, verdict: Verdict) -> Verdict:
    """What a stage that ended by `verdict` is called: `failed` when it tried items and every
    one of them failed (their reasons are on the items), whatever else ended it."""
    status, _ = verdict
    if status in ("completed", "partial") and 0 < progress.processed <= progress.failed:
        noun = "item" if progress.processed == 1 else "items"
        return ("failed", f"all {progress.processed} {noun} failed; the reasons are on the items")
    return verdict
