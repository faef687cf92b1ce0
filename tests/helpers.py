"""Small helpers the workflow tests share: start a run, read its row, count what it made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlmodel import col, func, select

from pressrun.db import SessionFactory, transaction
from pressrun.models import (
    Account,
    AutomationLog,
    AutomationRun,
    CreditLedger,
)


def run_row(sessions: SessionFactory, run_id: str) -> AutomationRun | None:
    with transaction(sessions) as s:
        return s.get(AutomationRun, run_id)


def stage_batches(sessions: SessionFactory, run_id: str, stage: int) -> int:
    """Batches of `stage` the run row shows committed so far."""
    run = run_row(sessions, run_id)
    result = getattr(run, f"stage_{stage}_result", None) if run else None
    return int((result or {}).get("batches_run", 0))


def count(sessions: SessionFactory, model: Any, **where: Any) -> int:
    with transaction(sessions) as s:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return int(s.exec(stmt).one())


def balance(sessions: SessionFactory, account_id: int) -> Decimal:
    with transaction(sessions) as s:
        account = s.get(Account, account_id)
        assert account is not None
        return account.credit_balance


def ledger_charges(sessions: SessionFactory, run_id: str) -> list[CreditLedger]:
    with transaction(sessions) as s:
        return list(s.exec(select(CreditLedger).where(CreditLedger.run_id == run_id)).all())


def logs(sessions: SessionFactory, run_id: str) -> list[str]:
    with transaction(sessions) as s:
        return list(
            s.exec(
                select(AutomationLog.message)
                .where(AutomationLog.run_id == run_id)
                .order_by(col(AutomationLog.id))
            ).all()
        )


async def wait_for(
    check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1
) -> Any:
    """Poll `check` (off the event loop) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def assert_charged_once(
    sessions: SessionFactory, run_id: str, account_id: int, before: Decimal
) -> None:
    """Every charge of the run has its own key, adds up to what the run and the balance say,
    and there is one per committed AI batch."""
    charges = ledger_charges(sessions, run_id)
    keys = [c.idempotency_key for c in charges]
    assert len(keys) == len(set(keys))
    run = run_row(sessions, run_id)
    assert run is not None
    charged = -sum((c.amount for c in charges), Decimal(0))
    assert charged == run.total_credits_used == before - balance(sessions, account_id)
    stage_batches = sum(
        (getattr(run, f"stage_{n}_result") or {}).get("batches_run", 0) for n in (1, 2, 4, 5, 6)
    )
    assert len(charges) == stage_batches
