"""What every batch stage shares: its dependencies, the one transaction that commits a batch,
the loop by which an AI stage calls the provider per item and writes what came back, and
which failed items a run takes up again.

A batch commits its items, its credit charge, its `RunBatch` record, the run row's progress
and a log row together. The `RunBatch` row is claimed first, so a retried or duplicated
attempt of the same (run, stage, batch) finds it and returns the stored result: nothing is
written or charged twice. Until then each item's answer is kept as it arrives
(`BatchItemResult`), so a retried attempt calls the provider only for the items it lacks.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, func, select

from pressrun.ai.base import AIItemError, AIProvider
from pressrun.config import Settings
from pressrun.contracts.run import RESULT_FIELDS, STAGE_NAMES, BatchRequest, BatchResult
from pressrun.db import SessionFactory, transaction
from pressrun.embeddings.base import Embedder
from pressrun.errors import InsufficientCreditsError, NotFoundError
from pressrun.models import (
    Account,
    AutomationLog,
    AutomationRun,
    BatchItemResult,
    CreditLedger,
    RunBatch,
)
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


@dataclass(frozen=True)
class Retry:
    """Which failed items are taken up again: those that failed fewer than `max_attempts`
    times, and (within a run) not by this run, so a run never loops on an item it just
    failed. With no `run_id`, what the next run would take."""

    max_attempts: int
    run_id: str | None = None

    @classmethod
    def of(cls, deps: StageDeps, req: BatchRequest) -> Retry:
        return cls(deps.settings.item_max_attempts, req.run_id)


def waiting(
    model: type[SQLModel],
    fresh: sa.ColumnElement[bool],
    failed: sa.ColumnElement[bool],
    retry: Retry,
) -> sa.ColumnElement[bool]:
    """A stage's queue over `model`: its `fresh` rows, and the `failed` ones `retry` allows."""
    attempts = col(model.attempts)  # type: ignore[attr-defined]
    last_run = col(model.last_run_id)  # type: ignore[attr-defined]
    again = [failed, attempts < retry.max_attempts]
    if retry.run_id is not None:
        again.append(sa.or_(last_run.is_(None), last_run != retry.run_id))
    return sa.or_(fresh, sa.and_(*again))


class Retriable(Protocol):
    error: str | None
    attempts: int
    last_run_id: str | None


def record_failure(row: Retriable, error: str, run_id: str) -> None:
    """Keep why `row` failed, count the failure, and note the run (which will not retry it)."""
    row.error = error[:500] or "failed without a reason"
    row.attempts += 1
    row.last_run_id = run_id


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


Remember = Callable[[ItemT, "ItemOutcome[ItemT, OutT]"], Awaitable[None]]


async def call_each(
    items: list[ItemT],
    call: Callable[[ItemT], Awaitable[OutT]],
    *,
    budget_remaining: Decimal | None,
    cost: Callable[[OutT], Decimal],
    known: Callable[[ItemT], ItemOutcome[ItemT, OutT] | None] = lambda _: None,
    remember: Remember[ItemT, OutT] | None = None,
) -> tuple[list[ItemOutcome[ItemT, OutT]], bool]:
    """Call the provider for each item in turn, stopping once the stage's budget is spent.

    An item `known` has an outcome from an earlier attempt and is not called again; every new
    outcome is passed to `remember` as soon as it exists. An `AIItemError` fails that item
    only; a retryable error (once the provider's own retries are spent) propagates, so
    Temporal retries the batch, whose next attempt finds the outcomes remembered so far.
    """
    spent = Decimal("0")
    outcomes: list[ItemOutcome[ItemT, OutT]] = []
    for item in items:
        if budget_remaining is not None and spent >= budget_remaining:
            return outcomes, True
        outcome = known(item)
        if outcome is None:
            try:
                outcome = ItemOutcome(item=item, output=await call(item))
            except AIItemError as exc:
                outcome = ItemOutcome(item=item, error=str(exc)[:500])
            if remember is not None:
                await remember(item, outcome)
        outcomes.append(outcome)
        if outcome.output is not None:
            spent += cost(outcome.output)
    return outcomes, False


RowT = TypeVar("RowT")


class ItemWriter(ABC, Generic[ItemT, OutT, RowT]):
    """How an AI stage keeps and writes one item's outcome.

    The loop (`run_item_batch`) counts; the stage says which row an item is, how it fails and
    how a reply is stored (adding what it creates and costs to the result), and how a reply
    is kept between attempts (`remember` / `recall`, JSON through `output_type` by default).
    `pending` is the stage's queue, counted within the batch's share for `remaining`.
    """

    output_type: Any

    def __init__(
        self,
        req: BatchRequest,
        price: Decimal,
        pending: Callable[[Session, int, Share, Retry], int],
        retry: Retry,
    ) -> None:
        self.req = req
        self.price = price
        self.retry = retry
        self._pending = pending
        self._adapter: TypeAdapter[OutT] = TypeAdapter(self.output_type)

    @abstractmethod
    def key(self, item: ItemT) -> int:
        """The item's row ID: what its kept outcome is filed under."""

    def remember(self, output: OutT) -> Any:
        return self._adapter.dump_python(output, mode="json")

    def recall(self, kept: Any) -> OutT | None:
        """A kept reply, or None when it can no longer be used (the item is called again):
        kept by an attempt of an older release whose shape has changed since, say."""
        try:
            return self._adapter.validate_python(kept)
        except ValidationError:
            return None

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
        return self._pending(session, self.req.site_id, share_of(self.req), self.retry)


def _batch_rows(req: BatchRequest) -> list[sa.ColumnElement[bool]]:
    return [
        col(BatchItemResult.run_id) == req.run_id,
        col(BatchItemResult.stage) == req.stage,
        col(BatchItemResult.batch_index) == req.batch_index,
    ]


def _kept(session: Session, req: BatchRequest) -> dict[int, BatchItemResult]:
    rows = session.exec(select(BatchItemResult).where(*_batch_rows(req))).all()
    return {row.item_id: row for row in rows}


def _keep(deps: StageDeps, req: BatchRequest, item_id: int, output: Any, error: str | None) -> None:
    try:
        with transaction(deps.sessions) as session:
            session.add(
                BatchItemResult(
                    run_id=req.run_id,
                    stage=req.stage,
                    batch_index=req.batch_index,
                    item_id=item_id,
                    output=None if error is not None else {"output": output},
                    error=error,
                )
            )
    except IntegrityError:
        pass  # a duplicated attempt kept this item's outcome first: either one will do


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
    """One batch of an AI stage: load the items, call the provider for each within the budget
    (reusing what an earlier attempt kept), then write every outcome, the charge and the
    progress in one transaction, exactly once."""
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    items = await read(deps, load)
    if not items:
        return BatchResult(remaining=0)
    kept = await read(deps, lambda s: _kept(s, req))

    def known(item: ItemT) -> ItemOutcome[ItemT, OutT] | None:
        row = kept.get(writer.key(item))
        if row is None:
            return None
        if row.output is None:
            return ItemOutcome(item=item, error=row.error or "")
        output = writer.recall(row.output["output"])
        return None if output is None else ItemOutcome(item=item, output=output)

    async def remember(item: ItemT, outcome: ItemOutcome[ItemT, OutT]) -> None:
        data = None if outcome.output is None else writer.remember(outcome.output)
        await asyncio.to_thread(_keep, deps, req, writer.key(item), data, outcome.error)

    outcomes, budget_reached = await call_each(
        items,
        call,
        budget_remaining=req.budget_remaining,
        cost=cost,
        known=known,
        remember=remember,
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
        session.execute(sa.delete(BatchItemResult).where(*_batch_rows(req)))
        session.flush()
        result.remaining = writer.remaining(session)
        return result

    return await asyncio.to_thread(commit_batch, deps, req, write, describe=describe)
