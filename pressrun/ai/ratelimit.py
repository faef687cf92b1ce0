"""A fleet-wide cap on AI calls: every worker reserves call slots in the shared database.

Each limit is one `ratelimit` row holding the next free slot. A caller reserves
`slot = max(next_free, now)` and moves `next_free` on by `1/rate` in one short transaction,
then sleeps until its slot — spaced reservations (GCRA without burst), so N workers together
start at most `rate` calls a second, evenly spread. A caller holds at most one reservation at a
time, so the wait never exceeds (callers in the fleet) / rate.

PostgreSQL takes `now` from the server's clock, so workers on machines with drifting clocks
still agree (each is told how long to wait, not until when); SQLite is one file on one
machine, whose local clock every worker shares.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine

from pressrun.ai.base import AIProvider, WrappedProvider
from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.models import RateLimit

T = TypeVar("T")

AI_LIMIT = "ai"

_TABLE = cast(sa.Table, RateLimit.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Reservation:
    """A reserved call slot, and how long until it by the clock that reserved it."""

    slot: datetime
    wait_seconds: float


class FleetRateLimiter:
    """At most `rate` acquisitions a second under `name`, across every process on the database."""

    def __init__(self, sessions: SessionFactory, rate: float, *, name: str = AI_LIMIT) -> None:
        if rate <= 0:
            raise ValueError("a rate limit needs a positive rate")
        with sessions() as session:
            self._engine = cast(Engine, session.get_bind())
        self.name = name
        self.rate = rate
        # Whole microseconds (the databases' precision), rounded up: never closer than 1/rate.
        self.spacing = timedelta(microseconds=math.ceil(1_000_000 / rate))
        # One reservation at a time per process: the callers of one worker queue here, in
        # order, instead of all contending for the database's lock (SQLite's busy handler
        # sleeps up to 100 ms between tries, so contention there wastes slots).
        self._local = threading.Lock()

    async def acquire(self) -> None:
        """Wait for this caller's turn."""
        reservation = await self.reserve()
        if reservation.wait_seconds > 0:
            await asyncio.sleep(reservation.wait_seconds)

    async def reserve(self) -> Reservation:
        """Reserve the next free slot without waiting for it."""
        return await asyncio.to_thread(self._reserve)

    def _reserve(self) -> Reservation:
        with self._local:
            if self._engine.dialect.name == "postgresql":
                return self._reserve_postgres()
            return self._reserve_locked()

    def _reserve_postgres(self) -> Reservation:
        # One statement in autocommit: the row lock is held for the statement alone, not for
        # a further COMMIT round trip. clock_timestamp() is the server's wall clock when
        # evaluated (now() would be frozen at the transaction's start).
        now = sa.func.clock_timestamp(type_=_TABLE.c.next_free.type)
        spacing = sa.literal(self.spacing, sa.Interval())
        statement = (
            pg_insert(_TABLE)
            .values(name=self.name, next_free=now + spacing)
            .on_conflict_do_update(
                index_elements=[_TABLE.c.name],
                set_={"next_free": sa.func.greatest(_TABLE.c.next_free, now) + spacing},
            )
            .returning(
                _TABLE.c.next_free,
                sa.extract("epoch", _TABLE.c.next_free - spacing - now).label("wait"),
            )
        )
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            next_free, wait = conn.execute(statement).one()
        return Reservation(slot=next_free - self.spacing, wait_seconds=max(float(wait), 0.0))

    def _reserve_locked(self) -> Reservation:
        # SQLite: BEGIN IMMEDIATE takes the database's write lock before the read, so no other
        # process can reserve between our read and our write (a deferred BEGIN would let two
        # readers both see the same next_free). The driver starts no transaction of its own
        # before this statement; commit() ends ours.
        with self._engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            now = datetime.now(UTC)
            current = conn.execute(
                sa.select(_TABLE.c.next_free).where(_TABLE.c.name == self.name)
            ).scalar_one_or_none()
            slot = now if current is None else max(current, now)
            if current is None:
                conn.execute(
                    sa.insert(_TABLE).values(name=self.name, next_free=slot + self.spacing)
                )
            else:
                conn.execute(
                    sa.update(_TABLE)
                    .where(_TABLE.c.name == self.name)
                    .values(next_free=slot + self.spacing)
                )
            conn.commit()
        return Reservation(slot=slot, wait_seconds=(slot - now).total_seconds())


class RateLimitedProvider(WrappedProvider):
    """An AI provider whose every call first waits for a slot of the fleet-wide limit."""

    def __init__(self, provider: AIProvider, limiter: FleetRateLimiter) -> None:
        super().__init__(provider)
        self._limiter = limiter

    async def around(self, operation: str, model: str, call: Callable[[], Awaitable[T]]) -> T:
        await self._limiter.acquire()
        return await call()


def limit_provider(
    provider: AIProvider, settings: Settings, sessions: SessionFactory
) -> AIProvider:
    """The provider behind the fleet-wide limit `ai_calls_per_second`; unchanged when it is 0."""
    if settings.ai_calls_per_second <= 0:
        return provider
    return RateLimitedProvider(
        provider, FleetRateLimiter(sessions, settings.ai_calls_per_second, name=AI_LIMIT)
    )
