"""Item-level progress through the real worker: a retried batch repeats only the items it lacks,
transient AI faults are ridden out inside the attempt, and a full run under a steady fault mix
completes with every item done and every credit charged once.

On the dev server, in real time: the activities here wait on real clocks (a hung AI call, the
backoff between retries), which the time-skipping server would race with its timeouts."""

from __future__ import annotations

import threading
from itertools import cycle

from temporalio.testing import WorkflowEnvironment

from pressrun.ai.base import AIProvider
from pressrun.ai.openai_provider import OpenAIProvider
from pressrun.ai.retry import RetryingProvider, TransientRetry
from pressrun.config import Settings
from pressrun.contracts.run import RunOutcome
from pressrun.db import SessionFactory
from pressrun.models import Content, ImagePrompt, Keyword, Task
from pressrun.models.content import ItemStatus, KeywordStatus, TaskStatus
from pressrun.runs.control import start_run
from pressrun.worker import build_worker
from tests.conftest import FULL_BUDGETS, NO_DELAYS, SiteFactory
from tests.fakes.openai_server import (
    Behaviour,
    Default,
    Delay,
    FakeOpenAIServer,
    RecordedRequest,
    Reply,
    Respond429,
    Respond500,
)
from tests.helpers import assert_charged_once, balance, count

# Shorter than the fake's `Delay` below: that call times out, as a hung connection would.
CLIENT_TIMEOUT = 0.3
QUICK = TransientRetry(retries=4, base_delay=0.05, max_delay=2.0)


class EveryNth(Behaviour):
    """Answers by the default, except every `n`th request (of `schema`, when given, counted
    from `first`), which gets the next of `faults` in turn; one instance is scripted for many
    requests, so it counts across them."""

    def __init__(
        self, n: int, faults: list[Behaviour], *, schema: str | None = None, first: int = 1
    ) -> None:
        self.n, self.schema, self.first = n, schema, first
        self.faults = cycle(faults)
        self.seen = 0
        self.injected = 0
        self.lock = threading.Lock()

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        with self.lock:
            counted = self.schema is None or request.schema_name == self.schema
            self.seen += counted
            fault = counted and self.seen >= self.first and (self.seen - self.first) % self.n == 0
            behaviour = next(self.faults) if fault else Default()
            self.injected += fault
        return behaviour.reply(server, request)


async def run_to_end(
    env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: AIProvider,
    site_id: int,
    account_id: int,
) -> tuple[str, RunOutcome]:
    """One run of the site through the real worker, to its end; the provider is closed after."""
    try:
        async with build_worker(env.client, settings, sessions, provider):
            started = await start_run(env.client, settings, site_id=site_id, account_id=account_id)
            return started.run_id, await started.handle.result()
    finally:
        await provider.aclose()


def openai(server: FakeOpenAIServer) -> OpenAIProvider:
    return OpenAIProvider(
        api_key="sk-test-key-123456", base_url=server.base_url, timeout=CLIENT_TIMEOUT
    )


async def test_a_retried_batch_calls_the_provider_only_for_the_items_it_lacks(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(
        keywords=8, stage_5_enabled=False, stage_6_enabled=False, **NO_DELAYS, **FULL_BUDGETS
    )
    with FakeOpenAIServer() as server:
        # No retries inside the attempt: the third article's 500 fails the batch's activity.
        provider: AIProvider = openai(server)
        third = EveryNth(10_000, [Respond500()], schema="article", first=3)
        server.script("chat", *[third] * 500)
        before = balance(sessions, account_id)
        run_id, outcome = await run_to_end(
            dev_env, settings, sessions, provider, site_id, account_id
        )
        articles = [r for r in server.requests if r.schema_name == "article"]
    assert outcome.status == "completed"
    tasks = count(sessions, Task, site_id=site_id)
    assert tasks >= 3
    # One call per article, and one more for the one that failed: the retry kept the others.
    assert len(articles) == tasks + 1
    assert count(sessions, Content, site_id=site_id) == tasks
    assert_charged_once(sessions, run_id, account_id, before)


async def test_a_full_run_under_a_steady_fault_mix_completes_with_every_item_done(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=12, **NO_DELAYS, **FULL_BUDGETS)
    with FakeOpenAIServer() as server:
        # One request in four fails, on every route the run uses.
        faults: list[Behaviour] = [
            Respond429(retry_after=0.2),
            Respond500(),
            Delay(CLIENT_TIMEOUT * 2),
        ]
        chat, images = EveryNth(4, faults), EveryNth(4, faults)
        server.script("chat", *[chat] * 1000)
        server.script("images", *[images] * 1000)
        provider: AIProvider = RetryingProvider(openai(server), QUICK)
        before = balance(sessions, account_id)
        run_id, outcome = await run_to_end(
            dev_env, settings, sessions, provider, site_id, account_id
        )
    assert outcome.status == "completed"
    assert chat.injected > 5 and images.injected > 5
    for stage in range(1, 8):
        assert outcome.stage_results[stage]["status"] == "completed", stage
        assert outcome.stage_results[stage].get("items_failed", 0) == 0, stage
    assert count(sessions, Keyword, site_id=site_id, status=KeywordStatus.CLUSTERED) == 12
    tasks = count(sessions, Task, site_id=site_id)
    assert tasks > 0 and count(sessions, Task, site_id=site_id, status=TaskStatus.DONE) == tasks
    assert count(sessions, Content, site_id=site_id, image_prompts_done=True) == tasks
    prompts = count(sessions, ImagePrompt, site_id=site_id)
    assert prompts == tasks * (1 + settings.in_article_images)
    assert count(sessions, ImagePrompt, site_id=site_id, status=ItemStatus.DONE) == prompts
    assert_charged_once(sessions, run_id, account_id, before)
