"""Transient AI errors retried inside one activity attempt, before the batch gives up on them.

A 429, a 5xx, a timeout or a reset usually clears within seconds; retrying the one call here
keeps the rest of the batch's work in hand. Each retry waits the provider's Retry-After when
it gives one, otherwise an exponential backoff with full jitter; a Retry-After longer than
`max_delay` is not waited out here: the error goes up, and Temporal's retry of the batch
honours it as the next retry's delay.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from pressrun.ai.base import AIProvider, AIRetryableError, WrappedProvider
from pressrun.config import Settings

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class TransientRetry:
    retries: int = 4
    # The first backoff; each next one doubles, up to `max_delay`.
    base_delay: float = 1.0
    max_delay: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TransientRetry:
        return cls(retries=settings.ai_item_retries, max_delay=settings.ai_item_retry_max_seconds)

    def delay(self, retry: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        """How long to wait before retry number `retry` (0-based); -1 when not to wait here."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else -1.0
        ceiling = min(self.max_delay, self.base_delay * 2.0**retry)
        return ceiling * rand()


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    policy: TransientRetry,
    *,
    sleep: Sleep = asyncio.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """`call()`, retried on `AIRetryableError` up to `policy.retries` times."""
    retry = 0
    while True:
        try:
            return await call()
        except AIRetryableError as err:
            if retry >= policy.retries:
                raise
            wait = policy.delay(retry, err.retry_after, rand)
            if wait < 0:
                raise
            retry += 1
            await sleep(wait)


class RetryingProvider(WrappedProvider):
    """An AI provider whose calls ride out transient errors (see the module docstring)."""

    def __init__(self, provider: AIProvider, policy: TransientRetry) -> None:
        super().__init__(provider)
        self._policy = policy

    async def around(self, operation: str, model: str, call: Callable[[], Awaitable[T]]) -> T:
        return await call_with_retries(call, self._policy)


def retry_provider(provider: AIProvider, settings: Settings) -> AIProvider:
    """The provider with in-attempt retries of `ai_item_retries`; unchanged when that is 0."""
    if settings.ai_item_retries <= 0:
        return provider
    return RetryingProvider(provider, TransientRetry.from_settings(settings))
