"""Publishing on the time-skipping server: stage 7's slots, the durable timer, exactly once.

Real worker, real activities and database; the WordPress site and the webhook receiver are
local HTTP servers speaking their protocols.

The clock is held (no time skipping) except while a test awaits a result it started or calls
`env.sleep`; then the server skips to the next timer as soon as every workflow waits, which
includes the moment between a run's end and the SDK holding the clock again. So a test that
needs a publish timer still pending after a run awaits the run with the clock held
(`_run_result`), on a calendar whose first slot is hours away.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from PIL import Image as PILImage
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from pressrun.config import Settings
from pressrun.contracts.publish import PUBLISH_STATE_QUERY, PublishWait, publish_workflow_id
from pressrun.contracts.run import RunOutcome
from pressrun.db import SessionFactory, transaction
from pressrun.errors import InvalidTransitionError
from pressrun.models import Content, Publication
from pressrun.publishing import control as publish_control
from pressrun.publishing import publications
from pressrun.publishing.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from pressrun.runs.control import StartedRun, start_run
from pressrun.services import site_config
from pressrun.worker import WorkerFleet
from tests.conftest import FULL_BUDGETS, SiteFactory
from tests.fakes.wordpress_server import FakeWordPressServer
from tests.helpers import wait_for
from tests.publishing_helpers import (
    content_row,
    publication,
    seed_article,
    set_publishing,
    set_timezone,
)

IMAGE_LINK = re.compile(r"!\[(?:\\.|[^\]])*\]\(([^)]+)\)")


def _site_publications(sessions: SessionFactory, site_id: int) -> list[Publication]:
    with transaction(sessions) as s:
        rows = list(
            s.exec(
                select(Publication)
                .where(Publication.site_id == site_id)
                .order_by(col(Publication.publish_at))
            ).all()
        )
        for row in rows:
            s.expunge(row)
        return rows


async def _schedule(
    env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    content_id: int,
    after: timedelta,
) -> Any:
    """Schedule an approved article `after` from the server's now, as the API does."""
    at = await env.get_current_time() + after
    with transaction(sessions) as s:
        content = s.get(Content, content_id)
        assert content is not None
        publisher = site_config.publishing_settings(s, content.site_id).publisher
        publications.schedule_at(s, content, at, publisher=publisher)
        site_id = content.site_id
    return await publish_control.start_publish(
        env.client, settings, content_id=content_id, site_id=site_id, publish_at=at
    )


# A run with no timers of its own, so it can be awaited with the clock held.
NO_STAGE_DELAYS: dict[str, Any] = {"within_stage_delay": 0, "between_stage_delay": 0}


async def _run_result(env: WorkflowEnvironment, started: StartedRun) -> RunOutcome:
    """The run's outcome, awaited with the clock held: no publish slot can fire meanwhile.

    Awaiting a result normally lets the time-skipping server skip to the next timer (a
    publish slot once stage 7 has scheduled one) whenever every workflow waits, up to the
    SDK locking the clock again after the run ended. Held, the clock moves only in real time,
    so a slot hours away is still pending afterwards. The run must have no timers of its own
    (`NO_STAGE_DELAYS`), or it would wait them out in real time.
    """
    with env.auto_time_skipping_disabled():
        return await started.handle.result()


def _use_wordpress(
    sessions: SessionFactory, site_id: int, wp: FakeWordPressServer, password: str
) -> None:
    set_publishing(
        sessions,
        site_id,
        publisher="wordpress",
        wordpress_url=wp.base_url,
        wordpress_username=wp.username,
        wordpress_app_password=password,
    )


async def test_stage_7_slots_by_calendar_and_publishes_to_folder_when_the_timers_fire(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    config: dict[str, Any] = {**FULL_BUDGETS, **NO_STAGE_DELAYS}
    account_id, site_id = make_site(keywords=10, **config)
    zone = "America/New_York"
    set_timezone(sessions, site_id, zone)
    set_publishing(
        sessions,
        site_id,
        auto_approval_enabled=True,
        auto_publish_enabled=True,
        daily_publish_limit=2,
        publish_days=["mon", "wed", "fri"],
        time_slots=["09:00", "13:00", "17:00"],
    )
    # Start on a Monday at 10:00 local: the first slot (13:00) is three hours away, so it is
    # still pending below, and the first day takes only the slots left after 10:00.
    now = await time_env.get_current_time()
    local_now = now.astimezone(ZoneInfo(zone))
    monday = local_now.date() + timedelta(days=(7 - local_now.weekday()) % 7 or 7)
    await time_env.sleep(datetime.combine(monday, time(10), tzinfo=ZoneInfo(zone)) - now)
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    assert (await _run_result(time_env, started)).status == "completed"

    rows = _site_publications(sessions, site_id)
    assert len(rows) >= 5  # enough to span several publish days
    assert {row.status for row in rows} == {"scheduled"}
    local = [row.publish_at.astimezone(ZoneInfo(zone)) for row in rows]
    per_day = Counter(moment.date() for moment in local)
    assert max(per_day.values()) == 2 and len(per_day) >= 3
    for moment in local:
        assert moment.strftime("%a").lower() in {"mon", "wed", "fri"}
        assert moment.strftime("%H:%M") in {"09:00", "13:00", "17:00"}
    # Greedy and in order: every day after the first takes the day's earliest slots.
    days = sorted(per_day)
    assert days[0] == monday
    assert sorted(m.strftime("%H:%M") for m in local if m.date() == monday) == ["13:00", "17:00"]
    for day in days[1:]:
        times = sorted(m.strftime("%H:%M") for m in local if m.date() == day)
        assert times == ["09:00", "13:00"][: len(times)]
    assert all(count == 2 for day, count in per_day.items() if day not in (days[0], days[-1]))
    assert len({row.publish_at for row in rows}) == len(rows)

    # Each slot is a durable timer in its own workflow, waiting.
    first = time_env.client.get_workflow_handle(publish_workflow_id(rows[0].content_id))
    assert (await first.describe()).status == WorkflowExecutionStatus.RUNNING
    wait = await first.query(PUBLISH_STATE_QUERY, result_type=PublishWait)
    assert wait.phase == "waiting" and wait.publish_at == rows[0].publish_at
    events = [event.event_type async for event in first.fetch_history_events()]
    assert EventType.EVENT_TYPE_TIMER_STARTED in events
    assert content_row(sessions, rows[0].content_id).status == "scheduled"

    # Let the calendar run out: every article is published, each on its own slot.
    now = await time_env.get_current_time()
    await time_env.sleep(rows[-1].publish_at - now + timedelta(hours=1))

    def all_published() -> bool:
        return all(p.status == "published" for p in _site_publications(sessions, site_id))

    await wait_for(all_published, timeout=60)
    root = settings.resolved_publish_root()
    for row in _site_publications(sessions, site_id):
        assert row.attempts == 1 and row.error is None
        assert content_row(sessions, row.content_id).status == "published"
        index = root / (row.remote_id or "") / "index.md"
        text = index.read_text()
        assert text.startswith("---\n") and "\n---\n" in text[4:]
        links = IMAGE_LINK.findall(text)
        assert links, "the article carries its images"
        for target in links:
            with PILImage.open(index.parent / target) as image:
                image.verify()


async def test_wordpress_receives_each_post_once_when_the_response_is_lost(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    _, site_id = make_site(keywords=1)
    with FakeWordPressServer() as wp:
        _use_wordpress(sessions, site_id, wp, wp.application_password)
        content_id = seed_article(sessions, site_id, settings.resolved_media_root(), images=3)
        # The post is created, then the connection drops before WordPress answers: the
        # activity fails as if it died after the POST, and Temporal retries it.
        wp.drop_response_after_create_post()
        handle = await _schedule(time_env, settings, sessions, content_id, timedelta(hours=5))
        outcome = await handle.result()

        assert outcome.status == "published"
        [post] = wp.posts
        assert len(wp.requests_to("POST", "/wp-json/wp/v2/posts")) == 1
        assert outcome.remote_id == str(post["id"]) and post["status"] == "publish"
        assert len(wp.media) == 3 and len(wp.requests_to("POST", "/wp-json/wp/v2/media")) == 3
        assert post["featured_media"] in {m["id"] for m in wp.media}
        row = publication(sessions, content_id)
        assert row is not None and row.status == "published"
        assert row.attempts == 2 and row.remote_id == str(post["id"])
        assert row.remote_url == post["link"] and len(row.media) == 3


async def test_a_refused_publish_fails_with_its_reason_and_can_be_retried(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    _, site_id = make_site(keywords=1)
    with FakeWordPressServer() as wp:
        _use_wordpress(sessions, site_id, wp, "wrong password")
        content_id = seed_article(sessions, site_id, settings.resolved_media_root(), images=1)
        handle = await _schedule(time_env, settings, sessions, content_id, timedelta(minutes=1))
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        row = publication(sessions, content_id)
        assert row is not None and row.status == "failed" and row.attempts == 1
        assert row.error and "password" in row.error.lower()
        assert wp.posts == []
        # Off the calendar, approved, until it is retried: it can be rejected or rescheduled.
        article = content_row(sessions, content_id)
        assert article.status == "approved" and article.publish_at is None

        set_publishing(sessions, site_id, wordpress_app_password=wp.application_password)
        # What the API's retry does: back on the calendar, now, under the same workflow ID.
        at = await time_env.get_current_time()
        with transaction(sessions) as s:
            content = s.get(Content, content_id)
            assert content is not None
            publications.retry_failed(s, content, at)
        handle = await publish_control.start_publish(
            time_env.client, settings, content_id=content_id, site_id=site_id, publish_at=at
        )
        assert (await handle.result()).status == "published"
        assert len(wp.posts) == 1
        row = publication(sessions, content_id)
        assert row is not None and row.status == "published" and row.attempts == 2


async def test_reschedule_unschedule_and_cancel_a_waiting_publication(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    _, site_id = make_site(keywords=1)
    media = settings.resolved_media_root()
    moved = seed_article(sessions, site_id, media)
    handle = await _schedule(time_env, settings, sessions, moved, timedelta(days=3))
    target = await time_env.get_current_time() + timedelta(days=1)
    reply = await publish_control.reschedule(time_env.client, settings, moved, target)
    assert reply.phase == "waiting" and reply.publish_at == target
    # The workflow records the move itself (the API also does, when it gets the answer).
    await wait_for(lambda: (p := publication(sessions, moved)) and p.publish_at == target)
    assert content_row(sessions, moved).publish_at == target
    with pytest.raises(InvalidTransitionError):
        await publish_control.reschedule(
            time_env.client, settings, moved, target.replace(tzinfo=None)
        )
    outcome = await handle.result()
    assert outcome.status == "published"
    # The 3-day timer was cancelled and one to the new time, a day out, fired instead.
    timers = [
        event
        async for event in handle.fetch_history_events()
        if event.event_type
        in (EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_CANCELED)
    ]
    assert [t.event_type for t in timers] == [
        EventType.EVENT_TYPE_TIMER_STARTED,
        EventType.EVENT_TYPE_TIMER_CANCELED,
        EventType.EVENT_TYPE_TIMER_STARTED,
    ]
    first, _, second = (t.timer_started_event_attributes.start_to_fire_timeout for t in timers)
    assert first.ToTimedelta() > timedelta(days=2, hours=23)
    assert timedelta(hours=23) < second.ToTimedelta() <= timedelta(days=1)
    with pytest.raises(InvalidTransitionError):
        await publish_control.reschedule(time_env.client, settings, moved, target)

    withdrawn = seed_article(sessions, site_id, media)
    handle = await _schedule(time_env, settings, sessions, withdrawn, timedelta(days=1))
    assert (await publish_control.unschedule(time_env.client, settings, withdrawn)).phase == (
        "waiting"
    )
    assert (await handle.result()).status == "unscheduled"
    # Written by the workflow: a withdrawal lands even when nobody waited for its answer.
    row = publication(sessions, withdrawn)
    assert row is not None and row.status == "unscheduled"
    assert content_row(sessions, withdrawn).status == "approved"

    cancelled = seed_article(sessions, site_id, media)
    handle = await _schedule(time_env, settings, sessions, cancelled, timedelta(days=1))
    await handle.cancel()  # as an operator does in the Web UI
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    row = publication(sessions, cancelled)
    assert row is not None and row.status == "unscheduled"
    article = content_row(sessions, cancelled)
    assert article.status == "approved" and article.publish_at is None
    out = settings.resolved_publish_root() / f"site-{site_id}"
    assert not (out / content_row(sessions, withdrawn).slug).exists()
    assert not (out / article.slug).exists()


class _Receiver(BaseHTTPRequestHandler):
    secret = ""
    deliveries: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = verify_signature(
            self.secret,
            self.headers[TIMESTAMP_HEADER],
            body,
            self.headers[SIGNATURE_HEADER],
            now=datetime.now().timestamp(),
        )
        self.deliveries.append(
            {"valid": valid, "id": self.headers[DELIVERY_HEADER], "body": json.loads(body)}
        )
        answer = json.dumps({"id": "remote-7", "url": "https://cms.test/p/7"}).encode()
        self.send_response(200 if valid else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


async def test_webhook_delivery_is_signed_and_verified_by_the_receiver(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
    tmp_path: Path,
) -> None:
    _, site_id = make_site(keywords=1)
    handler = cast(
        type[_Receiver],
        type("Receiver", (_Receiver,), {"secret": "per-site-secret", "deliveries": []}),
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        set_publishing(
            sessions,
            site_id,
            publisher="webhook",
            webhook_url=f"http://127.0.0.1:{server.server_address[1]}/hook",
            webhook_secret="per-site-secret",
        )
        content_id = seed_article(sessions, site_id, settings.resolved_media_root())
        handle = await _schedule(time_env, settings, sessions, content_id, timedelta(hours=2))
        outcome = await handle.result()
    finally:
        server.shutdown()
        server.server_close()
    [delivery] = handler.deliveries
    assert delivery["valid"] is True and delivery["id"] == f"content-{content_id}"
    assert delivery["body"]["title"] == content_row(sessions, content_id).title
    assert outcome.remote_id == "remote-7" and outcome.remote_url == "https://cms.test/p/7"
    row = publication(sessions, content_id)
    assert row is not None and row.status == "published" and row.remote_id == "remote-7"


async def test_a_cancel_during_delivery_lets_the_delivery_finish(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    _, site_id = make_site(keywords=1)
    arrived, release = threading.Event(), threading.Event()

    class Slow(_Receiver):
        secret = "s"
        deliveries: list[dict[str, Any]] = []

        def do_POST(self) -> None:
            arrived.set()
            release.wait(timeout=30)
            super().do_POST()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        set_publishing(
            sessions,
            site_id,
            publisher="webhook",
            webhook_url=f"http://127.0.0.1:{server.server_address[1]}/hook",
            webhook_secret="s",
        )
        content_id = seed_article(sessions, site_id, settings.resolved_media_root())
        handle = await _schedule(time_env, settings, sessions, content_id, timedelta(0))
        await wait_for(arrived.is_set)
        await handle.cancel()  # too late: the post is on its way
        release.set()
        outcome = await handle.result()
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    assert outcome.status == "published" and len(Slow.deliveries) == 1
    row = publication(sessions, content_id)
    assert row is not None and row.status == "published" and row.attempts == 1


async def test_stage_7_leaves_withdrawn_and_failed_articles_alone(
    time_env: WorkflowEnvironment,
    worker: WorkerFleet,
    settings: Settings,
    sessions: SessionFactory,
    make_site: SiteFactory,
) -> None:
    stages_off: dict[str, Any] = {f"stage_{n}_enabled": False for n in range(1, 7)}
    account_id, site_id = make_site(keywords=0, **stages_off, **NO_STAGE_DELAYS)
    # One slot a day, twelve hours from now: the waiting article's timer is pending after
    # the run whatever the server's clock reads.
    slot = (await time_env.get_current_time()).astimezone(UTC) + timedelta(hours=12)
    set_timezone(sessions, site_id, "UTC")
    set_publishing(
        sessions,
        site_id,
        auto_publish_enabled=True,
        publish_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        time_slots=[slot.strftime("%H:%M")],
    )
    media = settings.resolved_media_root()
    waiting, withdrawn, failed = (seed_article(sessions, site_id, media) for _ in range(3))
    with transaction(sessions) as s:
        for content_id, status in ((withdrawn, "unscheduled"), (failed, "failed")):
            s.add(Publication(site_id=site_id, content_id=content_id, status=status))
    started = await start_run(time_env.client, settings, site_id=site_id, account_id=account_id)
    assert (await _run_result(time_env, started)).status == "completed"
    assert content_row(sessions, waiting).status == "scheduled"
    # Its timer would outlive the test, and a waiting workflow without a worker stops the
    # time-skipping server from skipping time for the tests after this one: withdraw it and
    # let it end cleanly (terminating it mid-task has left that server's clock stuck). It is
    # still waiting: the clock has been held since the run started, and nothing before this
    # line lets it skip.
    reply = await publish_control.unschedule(time_env.client, settings, waiting)
    assert reply.phase == "waiting"
    leftover = time_env.client.get_workflow_handle(publish_workflow_id(waiting))

    async def ended() -> bool:
        return (await leftover.describe()).status != WorkflowExecutionStatus.RUNNING

    for _ in range(300):
        if await ended():
            break
        await asyncio.sleep(0.1)
    assert await ended()
    for content_id in (withdrawn, failed):
        article = content_row(sessions, content_id)
        assert article.status == "approved" and article.publish_at is None
    # Scheduled on request, a withdrawn article is publishable again.
    handle = await _schedule(time_env, settings, sessions, withdrawn, timedelta(hours=1))
    assert (await handle.result()).status == "published"
