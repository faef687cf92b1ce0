"""What the stages share, over a real database: a batch commits its rows, charge, progress and
log once or not at all; credits never overdraw; the provider loop; partitions."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from pressrun.ai.base import AIItemError, AIRetryableError
from pressrun.contracts.run import BatchResult
from pressrun.errors import InsufficientCreditsError
from pressrun.models import AutomationRun, Cluster
from pressrun.stages.common import (
    call_each,
    charge_credits,
    commit_batch,
    committed_result,
    in_share,
    ledger_key,
    share_of,
)
from tests.unit.stages.conftest import StageSite


def writer(
    site: StageSite, result: BatchResult, calls: list[int]
) -> Callable[[Session], BatchResult]:
    """A batch's write: one cluster row, and `result` as its counts."""

    def write(session: Session) -> BatchResult:
        calls.append(1)
        session.add(Cluster(site_id=site.site_id, name=f"Made by write {len(calls)}"))
        return result.model_copy()

    return write


def describe(result: BatchResult) -> str:
    return f"did {result.created}"


async def test_a_batch_commits_its_rows_charge_progress_and_log_once(site: StageSite) -> None:
    calls: list[int] = []
    req = site.request(4, batch=7)
    counts = BatchResult(processed=3, created=2, failed=1, words=450, credits=Decimal("5"))
    first = commit_batch(site.deps, req, writer(site, counts, calls), describe=describe)
    assert first == counts and not first.replayed
    assert await committed_result(site.deps, req) == counts.model_copy(update={"replayed": True})

    again = commit_batch(site.deps, req, writer(site, counts, calls), describe=describe)
    assert again == counts.model_copy(update={"replayed": True})
    assert calls == [1]  # the write ran once
    assert [c.name for c in site.rows(Cluster)] == ["Made by write 1"]
    [charge] = site.charges()
    assert (charge.amount, charge.stage) == (Decimal("-5"), 4)
    assert (
        charge.idempotency_key
        == ledger_key(site.run_id, 4, 7)
        == f"run:{site.run_id}:stage:4:batch:7"
    )
    assert charge.description == "Tasks → Content, batch 8"
    assert site.balance() == Decimal("995") == charge.balance_after
    [batch] = site.batches()
    assert (batch.stage, batch.batch_index) == (4, 7)
    [log] = site.log_rows()
    assert (log.message, log.stage, log.data["batch"], log.data["created"]) == ("did 2", 4, 8, 2)


async def test_progress_adds_up_over_a_stages_batches(site: StageSite) -> None:
    calls: list[int] = []
    for batch, words in enumerate((300, 500)):
        counts = BatchResult(
            processed=2, created=2, failed=batch, words=words, credits=Decimal("1.5"),
            remaining=1 - batch,
        )  # fmt: skip
        commit_batch(
            site.deps, site.request(4, batch), writer(site, counts, calls), describe=describe
        )
    progress = site.progress(4)
    assert progress == {
        "tasks_processed": 4,
        "content_created": 4,
        "batches_run": 2,
        "credits_used": 3.0,
        "items_failed": 1,
        "total_words": 800,
        "remaining": 0,
        "status": "running",
    }
    run = site.get(AutomationRun, site.run_id)
    assert run.current_stage == 4 and run.total_credits_used == Decimal("3")


async def test_a_charge_beyond_the_balance_rolls_the_whole_batch_back(site: StageSite) -> None:
    calls: list[int] = []
    req = site.request(2)
    counts = BatchResult(processed=1, created=1, credits=Decimal("1000.01"))
    with pytest.raises(InsufficientCreditsError) as raised:
        commit_batch(site.deps, req, writer(site, counts, calls), describe=describe)
    assert raised.value.balance == Decimal("1000") and raised.value.required == counts.credits
    assert "stage 2" in str(raised.value)
    assert calls == [1]
    assert site.rows(Cluster) == [] and site.batches() == [] and site.charges() == []
    assert site.logs() == [] and site.progress(2) == {} and site.balance() == Decimal("1000")
    assert await committed_result(site.deps, req) is None
    # The balance exactly: it goes through, to zero.
    exact = counts.model_copy(update={"credits": Decimal("1000")})
    commit_batch(site.deps, req, writer(site, exact, calls), describe=describe)
    assert site.balance() == 0 and len(site.charges()) == 1


async def test_a_batch_of_no_cost_writes_no_ledger_entry(site: StageSite) -> None:
    calls: list[int] = []
    counts = BatchResult(processed=1, created=1)
    commit_batch(site.deps, site.request(3), writer(site, counts, calls), describe=describe)
    assert site.charges() == [] and len(site.batches()) == 1 and site.logs() == ["did 1"]


async def test_two_attempts_of_one_batch_at_once_commit_it_once(site: StageSite) -> None:
    req = site.request(5, batch=1)
    counts = BatchResult(processed=1, created=1, credits=Decimal("2"))
    inside = threading.Barrier(2, timeout=10)
    calls: list[int] = []

    def attempt() -> BatchResult:
        def write(session: Session) -> BatchResult:
            calls.append(1)
            return counts.model_copy()

        inside.wait()  # both start together
        return commit_batch(site.deps, req, write, describe=describe)

    results = await asyncio.gather(asyncio.to_thread(attempt), asyncio.to_thread(attempt))
    assert sorted(r.replayed for r in results) == [False, True]
    assert all(r.model_copy(update={"replayed": False}) == counts for r in results)
    assert calls == [1]  # the batch is claimed before its write: the loser never writes
    assert len(site.charges()) == 1 and len(site.batches()) == 1
    assert site.balance() == Decimal("998")


async def test_two_batches_never_overdraw_the_account(site: StageSite) -> None:
    with site.sessions() as session:
        charge_credits(
            session, account_id=site.account_id, site_id=site.site_id, run_id=site.run_id,
            stage=4, key="k1", amount=Decimal("600"), description="first",
        )  # fmt: skip
        with pytest.raises(InsufficientCreditsError):
            charge_credits(
                session, account_id=site.account_id, site_id=site.site_id, run_id=site.run_id,
                stage=4, key="k2", amount=Decimal("600"), description="second",
            )  # fmt: skip
        session.commit()
    [charge] = site.charges()
    assert (charge.amount, charge.balance_after) == (Decimal("-600"), Decimal("400"))
    assert site.balance() == Decimal("400")


async def test_call_each_fails_items_alone_and_stops_at_the_budget() -> None:
    async def call(n: int) -> int:
        if n == 2:
            raise AIItemError("x" * 600)
        return n * 10

    outcomes, reached = await call_each(
        [1, 2, 3, 4, 5], call, budget_remaining=Decimal("45"), cost=Decimal
    )
    # 10 + 30 spent after items 1 and 3: under 45, so 4 is called; then the budget is spent.
    assert reached
    assert [(o.item, o.output) for o in outcomes] == [(1, 10), (2, None), (3, 30), (4, 40)]
    assert outcomes[1].error == "x" * 500
    everything, reached = await call_each([1, 3], call, budget_remaining=None, cost=Decimal)
    assert not reached and [o.output for o in everything] == [10, 30]
    nothing, reached = await call_each([1], call, budget_remaining=Decimal(0), cost=Decimal)
    assert reached and nothing == []


async def test_call_each_lets_a_retryable_error_fail_the_batch() -> None:
    seen: list[int] = []

    async def call(n: int) -> int:
        seen.append(n)
        if n == 2:
            raise AIRetryableError("429", retry_after=1.0)
        return n

    with pytest.raises(AIRetryableError):
        await call_each([1, 2, 3], call, budget_remaining=None, cost=Decimal)
    assert seen == [1, 2]


async def test_partitions_split_a_stages_items_without_overlap(site: StageSite) -> None:
    ids = [site.cluster((f"partition topic {n}", 10)) for n in range(7)]
    assert share_of(site.request(2)) == (0, 1)
    assert share_of(site.request(2, partition=2, partitions=3)) == (2, 3)
    assert share_of(site.request(2, partitions=0)) == (0, 1)
    assert in_share(col(Cluster.id), (0, 1)) == []
    seen: list[int] = []
    with site.sessions() as session:
        for part in range(3):
            found = session.exec(
                select(Cluster.id).where(
                    Cluster.site_id == site.site_id, *in_share(col(Cluster.id), (part, 3))
                )
            ).all()
            assert all((i or 0) % 3 == part for i in found)
            seen += [i or 0 for i in found]
    assert sorted(seen) == ids
