"""Deliveries heartbeat: a dead attempt is retried after the heartbeat timeout, not after the
start-to-close timeout, and a slow live one is left alone.

Real workflow, real activities and database, the folder publisher.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType, TimeoutType
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from pressrun.activities import publish_activities
from pressrun.activities.publish_activities import PublishActivities
from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.publish import (
    PUBLISH_CONTENT,
    PUBLISH_WORKFLOW,
    PublishInput,
    PublishOutcome,
    PublishRequest,
    publish_workflow_id,
)
from pressrun.db import SessionFactory, transaction
from pressrun.models import Content, PublishingSettings
from pressrun.publishing import control as publish_control
from pressrun.publishing import publications
from pressrun.publishing.base import (
    ProgressCallback,
    Publisher,
    PublishItem,
    PublishResult,
    PublishState,
)
from pressrun.publishing.factory import build_publisher
from pressrun.sealing import Sealer
from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import WORKFLOWS, build_worker
from tests.conftest import SiteFactory
from tests.publishing_helpers import publication, seed_article

HEARTBEAT = 2


def _fast_heartbeat(settings: Settings) -> Settings:
    return settings.model_copy(update={"publish_heartbeat_seconds": HEARTBEAT})


def _schedule_row(sessions: SessionFactory, content_id: int, at: datetime) -> int:
    with transaction(sessions) as s:
        content = s.get(Content, content_id)
        assert content is not None
        publications.schedule_at(s, content, at, publisher="folder")
        return content.site_id


async def _publish_now(
    env: WorkflowEnvironment, settings: Settings, sessions: SessionFactory, content_id: int
) -> WorkflowHandle[Any, PublishOutcome]:
    at = await env.get_current_time()
    site_id = _schedule_row(sessions, content_id, at)
    return await publish_control.start_publish(
        env.client, settings, content_id=content_id, site_id=site_id, publish_at=at
    )


async def _delivery_events(client: Client, workflow_id: str) -> dict[EventType.ValueType, Any]:
    """The delivery's scheduled, started and completed events (the only activity run here)."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    wanted = {
        EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    }
    events = [e for e in history.events if e.event_type in wanted]
    assert len(events) == 3, events
    return {e.event_type: e for e in events}


async def _replays(client: Client, workflow_id: str) -> None:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    result = await Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER).replay_workflow(
        history
    )
    assert result.replay_failure is None


async def test_a_dead_delivery_is_retried_after_the_heartbeat_timeout(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
    make_site: SiteFactory,
) -> None:
    settings = _fast_heartbeat(settings)
    _, site_id = make_site(keywords=1)
    content_id = seed_article(sessions, site_id, settings.resolved_media_root())
    real = PublishActivities(sessions, settings)
    release = asyncio.Event()
    attempts: list[int] = []

    @activity.defn(name=PUBLISH_CONTENT)
    async def dies_first(req: PublishRequest) -> PublishOutcome:
        attempts.append(activity.info().attempt)
        if activity.info().attempt == 1:
            # Neither beats nor answers, as if its worker had been killed.
            await release.wait()
            raise ApplicationError("stale attempt")
        return await real.publish_content(req)

    # On the dev server, in real time: the time-skipping server would be free to jump its clock
    # while the dead attempt hangs. Without a heartbeat timeout the retry would only come after
    # the 300 s start-to-close timeout, so the bounded wait fails instead of hanging.
    fleet = build_worker(
        dev_env.client, settings, sessions, provider, overrides={PUBLISH_CONTENT: dies_first}
    )
    async with fleet:
        try:
            handle = await _publish_now(dev_env, settings, sessions, content_id)
            outcome = await asyncio.wait_for(handle.result(), timeout=90)
        finally:
            release.set()

    assert outcome.status == "published" and attempts == [1, 2]
    row = publication(sessions, content_id)
    assert row is not None and row.status == "published"
    events = await _delivery_events(dev_env.client, handle.id)
    started = events[
        EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ].activity_task_started_event_attributes
    assert started.attempt == 2
    # What ended the first attempt: its heartbeat timeout, not the start-to-close one.
    timeout = started.last_failure.timeout_failure_info
    assert timeout.timeout_type == TimeoutType.TIMEOUT_TYPE_HEARTBEAT, started.last_failure
    scheduled = events[EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    done = events[EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]
    took = done.event_time.ToDatetime() - scheduled.event_time.ToDatetime()
    assert took < timedelta(seconds=settings.publish_timeout_seconds)
    await _replays(dev_env.client, handle.id)


async def test_a_delivery_slower_than_the_heartbeat_timeout_completes_first_time(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
    make_site: SiteFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings.model_copy(update={"publish_heartbeat_seconds": 1})
    _, site_id = make_site(keywords=1)
    content_id = seed_article(sessions, site_id, settings.resolved_media_root())

    class Slow:
        def __init__(self, inner: Publisher) -> None:
            self._inner = inner

        async def publish(
            self, item: PublishItem, state: PublishState, on_progress: ProgressCallback
        ) -> PublishResult:
            await asyncio.sleep(2.5)
            return await self._inner.publish(item, state, on_progress)

    def slow_build(config: PublishingSettings, s: Settings, sealer: Sealer) -> Publisher:
        return Slow(build_publisher(config, s, sealer))

    monkeypatch.setattr(publish_activities, "build_publisher", slow_build)
    async with build_worker(dev_env.client, settings, sessions, provider):
        handle = await _publish_now(dev_env, settings, sessions, content_id)
        outcome = await handle.result()

    assert outcome.status == "published"
    events = await _delivery_events(dev_env.client, handle.id)
    scheduled = events[EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    options = scheduled.activity_task_scheduled_event_attributes
    assert options.heartbeat_timeout.ToTimedelta() == timedelta(seconds=1)
    started = events[
        EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ].activity_task_started_event_attributes
    assert started.attempt == 1


async def test_a_workflow_started_without_a_heartbeat_setting_still_publishes_and_replays(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
    make_site: SiteFactory,
) -> None:
    _, site_id = make_site(keywords=1)
    content_id = seed_article(sessions, site_id, settings.resolved_media_root())
    at = await time_env.get_current_time()
    _schedule_row(sessions, content_id, at)
    # The input as a starter from before this setting wrote it.
    old_input = PublishInput(
        content_id=content_id, site_id=site_id, publish_at=at, queue=settings.queue("publish")
    ).model_dump(mode="json", exclude={"heartbeat_seconds"})
    async with build_worker(time_env.client, settings, sessions, provider):
        handle = await time_env.client.start_workflow(
            PUBLISH_WORKFLOW,
            old_input,
            id=publish_workflow_id(content_id),
            task_queue=settings.queue("runs"),
            result_type=PublishOutcome,
        )
        outcome = await handle.result()

    assert outcome.status == "published"
    events = await _delivery_events(time_env.client, handle.id)
    options = events[
        EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ].activity_task_scheduled_event_attributes
    assert not options.HasField("heartbeat_timeout") or (
        options.heartbeat_timeout.ToTimedelta() == timedelta(0)
    )
    await _replays(time_env.client, handle.id)
