"""What the API process builds at startup and its requests share."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from temporalio.client import Client

from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.errors import TemporalUnavailableError
from pressrun.temporal_client import connect


@dataclass
class ApiState:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    client: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def temporal(self) -> Client:
        """The Temporal client, connecting on first use (the API starts without Temporal)."""
        if self.client is not None:
            return self.client
        async with self._lock:
            if self.client is None:
                try:
                    self.client = await asyncio.wait_for(connect(self.settings), timeout=5)
                except Exception as err:
                    raise TemporalUnavailableError(
                        f"Temporal at {self.settings.temporal_address} is unreachable: {err}"
                    ) from err
            return self.client
