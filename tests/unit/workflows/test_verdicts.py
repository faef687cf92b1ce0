"""How a stage's end is named: a stage that failed every item it tried is `failed`, whatever
else ended it; one with any success keeps its verdict."""

from __future__ import annotations

from pressrun.contracts.run import StageProgress
from pressrun.workflows import verdicts


def progress(processed: int, failed: int) -> StageProgress:
    return StageProgress(number=1, processed=processed, failed=failed)


def test_a_stage_whose_every_item_failed_ends_failed() -> None:
    assert verdicts.settled(progress(30, 30), verdicts.ALL_DONE) == (
        "failed",
        "all 30 items failed; the reasons are on the items",
    )
    assert verdicts.settled(progress(1, 1), verdicts.NONE_LEFT)[0] == "failed"
    assert verdicts.settled(progress(4, 4), verdicts.budget_spent(None))[0] == "failed"


def test_one_success_keeps_the_verdict() -> None:
    assert verdicts.settled(progress(30, 29), verdicts.ALL_DONE) == verdicts.ALL_DONE


def test_a_stage_with_nothing_to_do_is_not_failed() -> None:
    assert verdicts.settled(progress(0, 0), verdicts.NOTHING_TO_DO) == verdicts.NOTHING_TO_DO
    assert verdicts.settled(progress(0, 0), verdicts.DISABLED) == verdicts.DISABLED
