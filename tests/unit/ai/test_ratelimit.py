"""The fleet-wide AI rate limit, on the test database as two workers would share it."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from pressrun.ai.base import ArticleBrief, ClusterBrief, ClusterCandidate, KeywordInput
from pressrun.ai.offline import OfflineProvider
from pressrun.ai.ratelimit import (
    FleetRateLimiter,
    RateLimitedProvider,
    Reservation,
    limit_provider,
)
from pressrun.config import Settings
from pressrun.db import SessionFactory, create_db_engine, make_session_factory


@pytest.fixture
def second_engine(database_url: str, engine: Engine) -> Iterator[Engine]:
    """Another engine (its own connection pool) on the same database: a second worker."""
    other = create_db_engine(database_url)
    yield other
    other.dispose()


class CountingLimiter(FleetRateLimiter):
    def __init__(self, sessions: SessionFactory, rate: float, *, name: str) -> None:
        super().__init__(sessions, rate, name=name)
        self.reservations: list[Reservation] = []

    async def reserve(self) -> Reservation:
        reservation = await super().reserve()
        self.reservations.append(reservation)
        return reservation


async def test_two_workers_never_reserve_closer_than_one_over_the_rate(
    sessions: SessionFactory, second_engine: Engine
) -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    rate = 3.0  # 1/3 s is no whole number of microseconds: the spacing must round up
    first = FleetRateLimiter(sessions, rate, name=name)
    second = FleetRateLimiter(make_session_factory(second_engine), rate, name=name)

    # Both workers reserve at once, many callers each; nobody waits for their slot.
    reservations = await asyncio.gather(
        *(limiter.reserve() for _ in range(15) for limiter in (first, second))
    )

    slots = sorted(r.slot for r in reservations)
    assert len(set(slots)) == len(slots) == 30
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert min(gaps).total_seconds() >= 1 / rate
    # Callers arriving together queue up: the later ones are told to wait for their slot.
    assert max(r.wait_seconds for r in reservations) > 0


async def test_the_rate_limited_provider_reserves_once_per_call(
    sessions: SessionFactory, provider: OfflineProvider
) -> None:
    limiter = CountingLimiter(sessions, 1000.0, name=f"test-{uuid.uuid4().hex[:8]}")
    limited = RateLimitedProvider(provider, limiter)
    model = "offline-test"

    keywords = [KeywordInput(id=1, text="grow tomatoes"), KeywordInput(id=2, text="tomato soil")]
    await limited.name_clusters(
        [ClusterCandidate(id=0, intent="how_to", keywords=keywords)], model=model
    )
    assert len(limiter.reservations) == 1
    await limited.generate_ideas(
        ClusterBrief(id=1, name="Tomatoes", keywords=["grow tomatoes"]), count=2, model=model
    )
    assert len(limiter.reservations) == 2
    article = await limited.write_article(
        ArticleBrief(task_id=1, title="Grow tomatoes", target_words=300), model=model
    )
    assert len(limiter.reservations) == 3
    prompts = await limited.image_prompts(article, in_article=1, model=model)
    assert len(limiter.reservations) == 4
    await limited.generate_image(prompts[0].prompt, model=model, size="64x64")
    assert len(limiter.reservations) == 5

    assert limited.name == provider.name
    await limited.aclose()
    assert len(limiter.reservations) == 5


def test_no_limit_leaves_the_provider_as_it_is(
    settings: Settings, sessions: SessionFactory, provider: OfflineProvider
) -> None:
    assert limit_provider(provider, settings, sessions) is provider
    limited = limit_provider(
        provider, settings.model_copy(update={"ai_calls_per_second": 5.0}), sessions
    )
    assert isinstance(limited, RateLimitedProvider)
