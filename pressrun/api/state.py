"""What the API process builds at startup and its requests share."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from temporalio.client import Client

from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.errors import TemporalUnavailableError
from pressrun.sealing import Sealer
from pressrun.temporal_client import connect


class KeyCache:
    """Recently verified API keys (by hash), so polling clients cost no key lookup each time.

    A revoked key is dropped at once in the process that revoked it and within `ttl` seconds
    in other API processes."""

    def __init__(self, ttl: float = 10.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[float, int, int]] = {}

    def get(self, key_hash: str) -> tuple[int, int] | None:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, key_hash: str, account_id: int, key_id: int) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic() + self.ttl, account_id, key_id)

    def forget_account_key(self, key_id: int) -> None:
        self._entries = {h: e for h, e in self._entries.items() if e[2] != key_id}


@dataclass
class ApiState:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    # Seals and opens stored secrets: the process's one, built at startup from `settings`.
    sealer: Sealer
    client: Client | None = None
    keys: KeyCache = field(default_factory=KeyCache)
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
