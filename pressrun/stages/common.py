"""What every batch stage shares: its dependencies, the one transaction that commits a batch,
and the loop by which an AI stage calls the provider per item and writes what came back.

A batch commits its items, its credit charge, its `RunBatch` record, the run row's progress
and a log row together. The `RunBatch` row is claimed first, so a retried or duplicated
attempt of the same (run, stage, batch) finds it and returns the stored result: nothing is
written or charged twice.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, func, select

from pressrun.ai.base import AIItemError, AIProvider
from pressrun.config import Settings
from pressrun.contracts.run import RESULT_FIELDS, STAGE_NAMES, BatchRequest, BatchResult
from pressrun.db import SessionFactory, transaction
from pressrun.embeddings.base import Embedder
from pressrun.errors import InsufficientCreditsError, NotFoundError
from pressrun.models import Account, AutomationLog, AutomationRun, CreditLedger, RunBatch
from pressrun.models.base import utcnow

T = TypeVar("T")


@dataclass(frozen=True)
class StageDeps:
    sessions: SessionFactory
    provider: AIProvider
    settings: Settings
    embedder: Embedder


async def read(deps: StageDeps, fn: Callable[[Session], T]) -> T:
    """Run a read-only database function off the event loop."""

    def work() -> T:
        with transaction(deps.sessions) as session:
            return fn(session)

    return await asyncio.to_thread(work)


# A batch's share of a stage's items: (partition, partitions). Parallel batches each take the
# items whose `id % partitions == partition`, so no two in flight share an item.
Share = tuple[int, int]
WHOLE: Share = (0, 1)


def share_of(req: BatchRequest) -> Share:
    return (req.partition, max(1, req.partitions))


def in_share(id_column: Any, share: Share) -> list[sa.ColumnElement[bool]]:
    index, count = share
    return [] if count <= 1 else [id_column % count == index]


def count_waiting(
    session: Session, model: type[SQLModel], *where: Any, share: Share = WHOLE
) -> int:
    """How many of `model`'s rows match `where` within a batch's share: a stage's queue."""
    id_column = col(model.id)  # type: ignore[attr-defined]
    return session.exec(
        select(func.count()).select_from(model).where(*where, *in_share(id_column, share))
    ).one()


def ledger_key(run_id: str, stage: int, batch_index: int) -> str:
    return f"run:{run_id}:stage:{stage}:batch:{batch_index}"


def _stored(session: Session, req: BatchRequest) -> BatchResult | None:
    row = session.exec(
        select(RunBatch).where(
            RunBatch.run_id == req.run_id,
            RunBatch.stage == req.stage,
            RunBatch.batch_index == req.batch_index,
        )
    ).first()
    if row is None:
        return None
    return BatchResult.model_validate({**row.result, "replayed": True})


async def committed_result(deps: StageDeps, req: BatchRequest) -> BatchResult | None:
    """The stored result when this batch already committed (the activity is a retry)."""
    return await read(deps, lambda s: _stored(s, req))


def charge_credits(
    session: Session,
    *,
    account_id: int,
    site_id: int,
    run_id: str,
    stage: int,
    key: str,
    amount: Decimal,
    description: str,
) -> None:
    if amount <= 0:
        return
    # One conditional UPDATE: concurrent batches of one account can never overdraw it.
    updated = session.execute(
        sa.update(Account)
        .where(col(Account.id) == account_id, col(Account.credit_balance) >= amount)
        .values(credit_balance=col(Account.credit_balance) - amount)
    )
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"account {account_id} not found")
    session.refresh(account)
    balance = account.credit_balance
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        raise InsufficientCreditsError(
            required=amount, balance=balance, what=f"stage {stage} ({description})"
        )
    session.add(
        CreditLedger(
            account_id=account_id,
            site_id=site_id,
            run_id=run_id,
            stage=stage,
            amount=-amount,
            balance_after=balance,
            idempotency_key=key,
            description=description,
        )
    )


def add_log(
    session: Session,
    run_id: str,
    message: str,
    *,
    stage: int | None = None,
    level: str = "info",
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AutomationLog(run_id=run_id, stage=stage, level=level, message=message, data=data or {})
    )


def _merge_progress(run: AutomationRun, stage: int, result: BatchResult) -> None:
    processed_key, created_key = RESULT_FIELDS[stage]
    field = f"stage_{stage}_result"
    current: dict[str, Any] = dict(getattr(run, field) or {})
    current[processed_key] = current.get(processed_key, 0) + result.processed
    current[created_key] = current.get(created_key, 0) + result.created
    current["batches_run"] = current.get("batches_run", 0) + 1
    current["credits_used"] = float(Decimal(str(current.get("credits_used", 0))) + result.credits)
    current["items_failed"] = current.get("items_failed", 0) + result.failed
    if stage == 4:
        current["total_words"] = current.get("total_words", 0) + result.words
    if stage == 7:
        current["approved"] = current.get("approved", 0) + result.approved
    current["remaining"] = result.remaining
    current.setdefault("status", "running")
    setattr(run, field, current)
    run.current_stage = stage
    run.total_credits_used = run.total_credits_used + result.credits
    run.updated_at = utcnow()


def commit_batch(
    deps: StageDeps,
    req: BatchRequest,
    write: Callable[[Session], BatchResult],
    *,
    describe: Callable[[BatchResult], str],
) -> BatchResult:
    """Write a batch's items, charge and progress in one transaction, exactly once.

    `write` adds the stage's items and returns the batch's counts and credits; it runs only
    when this batch has not committed before.
    """
    try:
        with transaction(deps.sessions) as session:
            stored = _stored(session, req)
            if stored is not None:
                return stored
            record = RunBatch(run_id=req.run_id, stage=req.stage, batch_index=req.batch_index)
            session.add(record)
            # Claim the batch before any other write, so a competing attempt waits here.
            session.flush()
            result = write(session)
            message = describe(result)
            charge_credits(
                session,
                account_id=req.account_id,
                site_id=req.site_id,
                run_id=req.run_id,
                stage=req.stage,
                key=ledger_key(req.run_id, req.stage, req.batch_index),
                amount=result.credits,
                description=f"{STAGE_NAMES[req.stage]}, batch {req.batch_index + 1}",
            )
            record.result = result.model_dump(mode="json")
            run = session.get(AutomationRun, req.run_id)
            if run is not None:
                _merge_progress(run, req.stage, result)
            add_log(
                session,
                req.run_id,
                message,
                stage=req.stage,
                data={"batch": req.batch_index + 1, **record.result},
            )
            return result
    except IntegrityError:
        # Another attempt of this batch committed first: report what it did.
        with transaction(deps.sessions) as session:
            stored = _stored(session, req)
        if stored is None:
            raise
        return stored


ItemT = TypeVar("ItemT")
OutT = TypeVar("OutT")


@dataclass
class ItemOutcome(Generic[ItemT, OutT]):
    item: ItemT
    output: OutT | None = None
    error: str | None = None


async def call_each(
    items: list[ItemT],
    call: Callable[[ItemT], Awaitable[OutT]],
    *,
    budget_remaining: Decimal | None,
    cost: Callable[[OutT], Decimal],
) -> tuple[list[ItemOutcome[ItemT, OutT]], bool]:
    """Call the provider for each item in turn, stopping once the stage's budget is spent.

    An `AIItemError` fails that item only; a retryable error propagates so Temporal retries
    the batch (nothing of it has been written yet).
    """
    spent = Decimal("0")
    outcomes: list[ItemOutcome[ItemT, OutT]] = []
    for item in items:
        if budget_remaining is not None and spent >= budget_remaining:
            return outcomes, True
        try:
            output = await call(item)
        except AIItemError as exc:
            outcomes.append(ItemOutcome(item=item, error=str(exc)[:500]))
            continue
        outcomes.append(ItemOutcome(item=item, output=output))
        spent += cost(output)
    return outcomes, False


RowT = TypeVar("RowT")


class ItemWriter(ABC, Generic[ItemT, OutT, RowT]):
    """How an AI stage writes one item's outcome inside the batch's transaction.

    The loop (`run_item_batch`) counts; the stage says which row an item is, how it fails and
    how a reply is stored (adding what it creates and costs to the result). `pending` is the
    stage's queue, counted within the batch's share for `remaining`.
    """

    def __init__(
        self, req: BatchRequest, price: Decimal, pending: Callable[[Session, int, Share], int]
    ) -> None:
        self.req = req
        self.price = price
        self._pending = pending

    def begin(self, session: Session) -> None:
        """Read what the whole batch's writes depend on, in the batch's transaction."""

    @abstractmethod
    def claim(self, session: Session, item: ItemT) -> RowT | None:
        """The item's row if it still waits for this stage; None skips it (done meanwhile)."""

    @abstractmethod
    def fail(self, row: RowT, error: str) -> None: ...

    @abstractmethod
    def store(
        self, session: Session, row: RowT, item: ItemT, output: OutT, result: BatchResult
    ) -> None: ...

    def remaining(self, session: Session) -> int:
        return self._pending(session, self.req.site_id, share_of(self.req))


async def run_item_batch(
    deps: StageDeps,
    req: BatchRequest,
    *,
    load: Callable[[Session], list[ItemT]],
    call: Callable[[ItemT], Awaitable[OutT]],
    cost: Callable[[OutT], Decimal],
    writer: ItemWriter[ItemT, OutT, RowT],
    describe: Callable[[BatchResult], str],
) -> BatchResult:
    """One batch of an AI stage: load the items, call the provider for each within the budget,
    then write every outcome, the charge and the progress in one transaction, exactly once."""
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    items = await read(deps, load)
    if not items:
        return BatchResult(remaining=0)
    outcomes, budget_reached = await call_each(
        items, call, budget_remaining=req.budget_remaining, cost=cost
    )

    def write(session: Session) -> BatchResult:
        result = BatchResult(budget_reached=budget_reached)
        writer.begin(session)
        for outcome in outcomes:
            row = writer.claim(session, outcome.item)
            if row is None:
                continue
            result.processed += 1
            if outcome.output is None:
                writer.fail(row, outcome.error or "")
                result.failed += 1
                continue
            writer.store(session, row, outcome.item, outcome.output, result)
        session.flush()
        result.remaining = writer.remaining(session)
        return result

    return await asyncio.to_thread(commit_batch, deps, req, write, describe=describe)
