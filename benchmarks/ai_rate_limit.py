"""Measure the fleet-wide AI rate limit: calls per second achieved by two worker processes.

    .venv/bin/python -m benchmarks.ai_rate_limit [--rate 20] [--callers 8] [--seconds 10]
        [--processes 2] [--database-url postgresql+psycopg://…]

Each process is a worker with its own engine on the shared database and `--callers`
concurrent callers, each acquiring the limit in a loop (no AI call: this measures the
limiter). It reports the calls started per second across all processes against the limit,
the smallest gap between two reserved slots and between two actual starts, and how long a
reservation's transaction takes. Without `--database-url` it uses a fresh SQLite file; a
PostgreSQL URL must name a database you may migrate (it gets the `ratelimit` table).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from pressrun.ai.ratelimit import FleetRateLimiter
from pressrun.db import create_db_engine, make_session_factory
from pressrun.migrations.upgrade import upgrade


@dataclass
class WorkerFigures:
    starts: list[float]
    slots: list[float]
    reserve_seconds: list[float]


async def _callers(
    url: str, name: str, rate: float, callers: int, begin: float, end: float
) -> WorkerFigures:
    engine = create_db_engine(url)
    limiter = FleetRateLimiter(make_session_factory(engine), rate, name=name)
    figures = WorkerFigures(starts=[], slots=[], reserve_seconds=[])

    async def caller() -> None:
        while True:
            before = time.perf_counter()
            reservation = await limiter.reserve()
            figures.reserve_seconds.append(time.perf_counter() - before)
            if reservation.wait_seconds > 0:
                await asyncio.sleep(reservation.wait_seconds)
            started = time.time()
            if started >= end:
                return
            figures.starts.append(started)
            figures.slots.append(reservation.slot.timestamp())

    await asyncio.sleep(max(begin - time.time(), 0))
    try:
        await asyncio.gather(*(caller() for _ in range(callers)))
    finally:
        engine.dispose()
    return figures


def _worker(
    url: str, name: str, rate: float, callers: int, begin: float, end: float
) -> WorkerFigures:
    return asyncio.run(_callers(url, name, rate, callers, begin, end))


def main(url: str, rate: float, callers: int, seconds: float, processes: int) -> None:
    upgrade(url)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    # Every process's callers start at the same moment, once the processes are up.
    begin = time.time() + 5.0
    end = begin + seconds
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(_worker, url, name, rate, callers, begin, end) for _ in range(processes)
        ]
        results = [f.result() for f in futures]
    # Count from when every process was calling, in case one came up late.
    since = max([begin, *(r.starts[0] for r in results if r.starts)])
    window = end - since
    starts = sorted(t for r in results for t in r.starts if t >= since)
    slots = sorted(t for r in results for t in r.slots)
    late = sorted(t - slot for r in results for t, slot in zip(r.starts, r.slots, strict=True))
    reserves = sorted(s for r in results for s in r.reserve_seconds)
    start_gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    slot_gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    backend = url.split(":", 1)[0]
    print(f"{backend}: {processes} processes x {callers} callers, limit {rate:g}/s, {window:.1f}s")
    print(f"  calls started        {len(starts)}")
    print(f"  achieved             {len(starts) / window:.2f} calls/s (limit {rate:g}/s)")
    for index, result in enumerate(results):
        mine = [t for t in result.starts if t >= since]
        print(f"    process {index}          {len(mine) / window:.2f} calls/s")
    print(f"  1/limit              {1000 / rate:.1f} ms")
    if slot_gaps:
        print(f"  smallest slot gap    {min(slot_gaps) * 1000:.1f} ms (reserved)")
        # A call starts a little after its slot (commit, thread hand-off, sleep wake-up), so
        # one late start and an on-time next one stand closer than their slots do.
        print(f"  smallest start gap   {min(start_gaps) * 1000:.1f} ms (by the clock)")
        print(
            f"  start after slot     median {statistics.median(late) * 1000:.1f} ms,"
            f" max {late[-1] * 1000:.1f} ms"
        )
    print(
        f"  reservation          median {statistics.median(reserves) * 1000:.2f} ms,"
        f" p99 {reserves[int(len(reserves) * 0.99) - 1] * 1000:.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        main(database_url, args.rate, args.callers, args.seconds, args.processes)
