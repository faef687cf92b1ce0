"""In-attempt retries of transient AI errors: how many, how long between them, and which errors
go straight up to Temporal's retry of the batch."""

from __future__ import annotations

import pytest

from pressrun.ai.base import AIItemError, AIRetryableError
from pressrun.ai.offline import OfflineProvider
from pressrun.ai.retry import RetryingProvider, TransientRetry, call_with_retries, retry_provider
from pressrun.config import Settings


class Script:
    """A call that raises the scripted errors in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


POLICY = TransientRetry(retries=3, base_delay=1.0, max_delay=10.0)


async def test_transient_errors_are_retried_with_doubling_backoff() -> None:
    call, sleeps = Script(AIRetryableError("500"), AIRetryableError("reset")), Sleeps()
    assert await call_with_retries(call, POLICY, sleep=sleeps, rand=lambda: 1.0) == "answer"
    assert call.calls == 3
    assert sleeps.waits == [1.0, 2.0]


async def test_jitter_draws_each_wait_below_its_ceiling() -> None:
    call, sleeps = Script(AIRetryableError("500"), AIRetryableError("500")), Sleeps()
    await call_with_retries(call, POLICY, sleep=sleeps, rand=lambda: 0.25)
    assert sleeps.waits == [0.25, 0.5]


async def test_retry_after_is_waited_as_given() -> None:
    call, sleeps = Script(AIRetryableError("429", retry_after=7.5)), Sleeps()
    assert await call_with_retries(call, POLICY, sleep=sleeps, rand=lambda: 1.0) == "answer"
    assert sleeps.waits == [7.5]


async def test_a_retry_after_beyond_the_cap_goes_up_for_temporal_to_wait_out() -> None:
    call, sleeps = Script(AIRetryableError("429", retry_after=60)), Sleeps()
    with pytest.raises(AIRetryableError) as raised:
        await call_with_retries(call, POLICY, sleep=sleeps)
    assert raised.value.retry_after == 60
    assert call.calls == 1 and sleeps.waits == []


async def test_the_last_transient_error_goes_up_once_the_retries_are_spent() -> None:
    errors = [AIRetryableError(f"500 #{n}") for n in range(5)]
    call, sleeps = Script(*errors), Sleeps()
    with pytest.raises(AIRetryableError, match="500 #3"):
        await call_with_retries(call, POLICY, sleep=sleeps, rand=lambda: 1.0)
    assert call.calls == 4
    # Capped at max_delay.
    assert sleeps.waits == [1.0, 2.0, 4.0]


async def test_an_item_error_is_not_retried() -> None:
    call, sleeps = Script(AIItemError("invalid output")), Sleeps()
    with pytest.raises(AIItemError):
        await call_with_retries(call, POLICY, sleep=sleeps)
    assert call.calls == 1 and sleeps.waits == []


def test_the_backoff_never_exceeds_the_cap() -> None:
    assert POLICY.delay(10, None, lambda: 1.0) == 10.0


def test_the_provider_is_wrapped_unless_retries_are_off() -> None:
    offline = OfflineProvider()
    wrapped = retry_provider(offline, Settings(ai_item_retries=2))
    assert isinstance(wrapped, RetryingProvider) and wrapped.name == offline.name
    assert retry_provider(offline, Settings(ai_item_retries=0)) is offline
