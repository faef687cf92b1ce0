"""The background heartbeat every long activity sends while it works.

A beat every third of the activity's heartbeat timeout lets the server hand the work to
another worker soon after this one dies, and lets cancellation reach the activity.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity


@contextlib.asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat in the background for as long as the block runs."""
    timeout = activity.info().heartbeat_timeout
    interval = max(timeout.total_seconds() / 3, 0.5) if timeout else 10.0

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(interval)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
