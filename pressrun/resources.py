"""What a process builds once at startup from settings: database, AI provider, Temporal client,
the sealer of stored secrets."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from temporalio.client import Client

from pressrun.ai.base import AIProvider
from pressrun.ai.factory import build_provider
from pressrun.ai.ratelimit import limit_provider
from pressrun.ai.retry import retry_provider
from pressrun.config import Settings
from pressrun.db import SessionFactory, create_db_engine, make_session_factory
from pressrun.embeddings.base import Embedder
from pressrun.embeddings.factory import build_embedder
from pressrun.metrics import InstrumentedProvider, build_temporal_runtime
from pressrun.sealing import Sealer
from pressrun.services.sealed_secrets import startup_sealer
from pressrun.temporal_client import connect


@dataclass
class ProcessResources:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    provider: AIProvider
    embedder: Embedder
    client: Client
    sealer: Sealer


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[ProcessResources]:
    """A worker process's resources. Its Temporal client exports metrics on
    `worker_metrics_port` when set; its AI provider is timed per call, retries transient errors
    within the attempt and, with `ai_calls_per_second`, is held to the fleet-wide rate.
    `SealingError` when stored secrets have no key that opens them."""
    engine = create_db_engine(settings.resolved_database_url())
    sessions = make_session_factory(engine)
    try:
        sealer = await asyncio.to_thread(startup_sealer, settings, sessions)
    except BaseException:
        engine.dispose()
        raise
    # The limiter wraps the timing, so waiting for a slot is not counted as call latency; the
    # retries wrap both, so every retry waits for its own slot and is timed as a call.
    provider = retry_provider(
        limit_provider(InstrumentedProvider(build_provider(settings)), settings, sessions),
        settings,
    )
    embedder = build_embedder(settings, sessions)
    try:
        client = await connect(settings, runtime=build_temporal_runtime(settings))
        yield ProcessResources(settings, engine, sessions, provider, embedder, client, sealer)
    finally:
        await embedder.aclose()
        await provider.aclose()
        engine.dispose()


async def wait_for_shutdown_signal() -> None:
    """Return on the first SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
