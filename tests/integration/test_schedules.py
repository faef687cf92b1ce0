"""Per-site Temporal Schedules, on the real dev server (the time-skipping server has none)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlmodel import select
from temporalio.api.workflowservice.v1 import ListScheduleMatchingTimesRequest
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from pressrun.config import Settings
from pressrun.contracts.launch import LAUNCHER_WORKFLOW, LaunchInput, schedule_id
from pressrun.db import SessionFactory, transaction
from pressrun.models import AutomationConfig, Site
from pressrun.models.automation import Frequency
from pressrun.schedules import (
    CATCHUP_WINDOW,
    build_schedule,
    delete_site_schedule,
    launch_workflow_id,
    reconcile_site,
    sync_all,
)
from pressrun.services.accounts import delete_site
from tests.conftest import SiteFactory

pytestmark = pytest.mark.devserver


@pytest.fixture
async def scheduled(dev_env: WorkflowEnvironment) -> AsyncIterator[list[int]]:
    """Site IDs whose Schedules the test made; deleted at the end."""
    site_ids: list[int] = []
    yield site_ids
    for site_id in site_ids:
        await delete_site_schedule(dev_env.client, site_id)


def set_config(sessions: SessionFactory, site_id: int, **values: Any) -> None:
    with transaction(sessions) as session:
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site_id)
        ).one()
        for key, value in values.items():
            setattr(config, key, value)


def set_timezone(sessions: SessionFactory, site_id: int, timezone: str) -> None:
    with transaction(sessions) as session:
        site = session.get(Site, site_id)
        assert site is not None
        site.timezone = timezone


async def reconcile(
    client: Client, sessions: SessionFactory, settings: Settings, site_id: int
) -> tuple[str, datetime | None]:
    """Reconcile in a transaction; the action and the committed `next_run_at`."""
    with transaction(sessions) as session:
        action = await reconcile_site(client, session, site_id, settings)
    with transaction(sessions) as session:
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site_id)
        ).one()
        return action, config.next_run_at


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def matching_times(
    client: Client, site_id: int, start: datetime, end: datetime
) -> list[datetime]:
    """When the server's own calendar logic fires the site's Schedule between start and end."""
    response = await client.workflow_service.list_schedule_matching_times(
        ListScheduleMatchingTimesRequest(
            namespace=client.namespace,
            schedule_id=schedule_id(site_id),
            start_time=_timestamp(start),
            end_time=_timestamp(end),
        )
    )
    return [t.ToDatetime().replace(tzinfo=UTC) for t in response.start_time]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def test_create_update_pause_resume(
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
    settings: Settings,
    make_site: SiteFactory,
    scheduled: list[int],
) -> None:
    client = dev_env.client
    account_id, site_id = make_site(
        keywords=0, enabled=True, frequency="daily", scheduled_time="09:00"
    )
    scheduled.append(site_id)

    action, first = await reconcile(client, sessions, settings, site_id)
    assert action == "created"
    assert first is not None
    assert (first.hour, first.minute) == (9, 0)
    assert first > datetime.now(UTC)

    description = await client.get_schedule_handle(schedule_id(site_id)).describe()
    assert description.info.next_action_times[0] == first
    schedule = description.schedule
    assert isinstance(schedule.action, ScheduleActionStartWorkflow)
    assert schedule.action.workflow == LAUNCHER_WORKFLOW
    assert schedule.action.id == launch_workflow_id(site_id)
    assert schedule.action.task_queue == settings.task_queue
    args = await client.data_converter.decode(list(schedule.action.args), [LaunchInput])
    assert args == [LaunchInput(site_id=site_id, account_id=account_id, trigger_type="scheduled")]
    assert schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
    assert schedule.policy.catchup_window == CATCHUP_WINDOW
    assert schedule.spec.time_zone_name == "UTC"
    assert not schedule.state.paused

    assert await reconcile(client, sessions, settings, site_id) == ("unchanged", first)

    set_config(sessions, site_id, scheduled_time="14:00")
    action, moved = await reconcile(client, sessions, settings, site_id)
    assert action == "updated"
    assert moved is not None
    assert moved != first
    assert (moved.hour, moved.minute) == (14, 0)

    set_config(sessions, site_id, enabled=False)
    assert await reconcile(client, sessions, settings, site_id) == ("paused", None)
    described = await client.get_schedule_handle(schedule_id(site_id)).describe()
    assert described.schedule.state.paused
    assert await reconcile(client, sessions, settings, site_id) == ("unchanged", None)

    set_config(sessions, site_id, enabled=True)
    action, resumed = await reconcile(client, sessions, settings, site_id)
    assert action == "updated"
    assert resumed is not None
    assert (resumed.hour, resumed.minute) == (14, 0)
    described = await client.get_schedule_handle(schedule_id(site_id)).describe()
    assert not described.schedule.state.paused


async def test_paused_schedule_can_still_be_triggered(
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
    settings: Settings,
    make_site: SiteFactory,
    scheduled: list[int],
) -> None:
    """The admin's test trigger (`temporal schedule trigger`) fires a disabled site's Schedule."""
    client = dev_env.client
    _, site_id = make_site(keywords=0, enabled=False)
    scheduled.append(site_id)
    assert await reconcile(client, sessions, settings, site_id) == ("paused", None)

    handle = client.get_schedule_handle(schedule_id(site_id))
    await handle.trigger()
    for _ in range(50):
        recent = (await handle.describe()).info.recent_actions
        if recent:
            break
        await asyncio.sleep(0.1)
    assert len(recent) == 1
    started = recent[0].action
    assert isinstance(started, ScheduleActionExecutionStartWorkflow)
    workflow_id = started.workflow_id
    # The server suffixes the ID with the action time: why a launcher workflow exists.
    assert workflow_id.startswith(f"{launch_workflow_id(site_id)}-")
    await client.get_workflow_handle(workflow_id).terminate("test over")


async def test_site_gone_deletes_its_schedule(
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
    settings: Settings,
    make_site: SiteFactory,
    scheduled: list[int],
) -> None:
    client = dev_env.client
    _, site_id = make_site(keywords=0, enabled=True)
    scheduled.append(site_id)
    assert (await reconcile(client, sessions, settings, site_id))[0] == "created"
    with transaction(sessions) as session:
        site = session.get(Site, site_id)
        assert site is not None
        delete_site(session, site)

    with transaction(sessions) as session:
        assert await reconcile_site(client, session, site_id, settings) == "deleted"
        assert await reconcile_site(client, session, site_id, settings) == "unchanged"
    with pytest.raises(RPCError) as raised:
        await client.get_schedule_handle(schedule_id(site_id)).describe()
    assert raised.value.status == RPCStatusCode.NOT_FOUND


async def test_sync_all_reconciles_sites_and_deletes_orphans(
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
    settings: Settings,
    make_site: SiteFactory,
    scheduled: list[int],
) -> None:
    client = dev_env.client
    _, daily = make_site(keywords=0, enabled=True, frequency="daily", scheduled_time="03:00")
    _, weekly = make_site(keywords=0, enabled=True, frequency="weekly", scheduled_days=["fri"])
    _, disabled = make_site(keywords=0, enabled=False)
    _, orphan = make_site(keywords=0, enabled=True, frequency="hourly")
    scheduled.extend([daily, weekly, disabled, orphan])
    assert (await reconcile(client, sessions, settings, orphan))[0] == "created"
    with transaction(sessions) as session:
        site = session.get(Site, orphan)
        assert site is not None
        delete_site(session, site)
    # Listing schedules is eventually consistent: wait until the orphan shows.
    for _ in range(100):
        if schedule_id(orphan) in [s.id async for s in await client.list_schedules()]:
            break
        await asyncio.sleep(0.1)

    try:
        results = await sync_all(client, sessions, settings)
    finally:
        # Every site of the test database now has a Schedule, not only this test's.
        with transaction(sessions) as session:
            scheduled.extend(i for i in session.exec(select(Site.id)).all() if i is not None)
    actions = dict(results)
    assert [a for a in actions.values() if a.startswith("failed")] == []
    assert actions[daily] == "created"
    assert actions[weekly] == "created"
    assert actions[disabled] == "paused"
    assert actions[orphan] == "deleted"
    assert results.index((orphan, "deleted")) == len(results) - 1
    with pytest.raises(RPCError):
        await client.get_schedule_handle(schedule_id(orphan)).describe()

    again = dict(await sync_all(client, sessions, settings))
    assert {again[i] for i in (daily, weekly, disabled)} == {"unchanged"}
    assert again.get(orphan, "unchanged") == "unchanged"


# Windows start and end at :30 or noon, off every fire time, so boundary handling never matters.
FIRING_CASES = {
    "daily-over-a-week": (
        dict(frequency="daily", scheduled_time="09:00"),
        "UTC",
        (utc(2026, 6, 1, 0, 30), utc(2026, 6, 8, 0, 30)),
        [utc(2026, 6, day, 9) for day in range(1, 8)],
    ),
    "hourly-over-a-day": (
        dict(frequency="hourly", scheduled_time="09:00"),
        "UTC",
        (utc(2026, 6, 1, 0, 30), utc(2026, 6, 2, 0, 30)),
        [utc(2026, 6, 1, 1) + timedelta(hours=h) for h in range(24)],
    ),
    "weekly-mon-thu": (
        dict(frequency="weekly", scheduled_time="07:00", scheduled_days=["thu", "mon"]),
        "UTC",
        (utc(2026, 6, 1, 0, 30), utc(2026, 6, 15, 0, 30)),
        [utc(2026, 6, 1, 7), utc(2026, 6, 4, 7), utc(2026, 6, 8, 7), utc(2026, 6, 11, 7)],
    ),
    # Sunday 23:00 in New York is Monday 03:00 UTC: days are the site's days.
    "weekly-sunday-evening-new-york": (
        dict(frequency="weekly", scheduled_time="23:00", scheduled_days=["sun"]),
        "America/New_York",
        (utc(2026, 6, 1, 12), utc(2026, 6, 15, 12)),
        [utc(2026, 6, 8, 3), utc(2026, 6, 15, 3)],
    ),
    "weekly-no-days-never-fires": (
        dict(frequency="weekly", scheduled_time="07:00", scheduled_days=[]),
        "UTC",
        (utc(2026, 6, 1, 0, 30), utc(2026, 6, 15, 0, 30)),
        [],
    ),
    # Clocks go forward at 02:00 on 2026-03-29: 02:00 CET is 01:00Z, 02:00 CEST is 00:00Z.
    # 02:00 does not exist on the 29th and the server fires nothing that day.
    "berlin-0200-spring-dst": (
        dict(frequency="daily", scheduled_time="02:00"),
        "Europe/Berlin",
        (utc(2026, 3, 25, 12), utc(2026, 4, 1, 12)),
        [
            utc(2026, 3, 26, 1),
            utc(2026, 3, 27, 1),
            utc(2026, 3, 28, 1),
            utc(2026, 3, 30, 0),
            utc(2026, 3, 31, 0),
            utc(2026, 4, 1, 0),
        ],
    ),
    # Clocks go back at 03:00 on 2026-10-25: 02:00 happens twice; the server fires once, at
    # the second (CET) one.
    "berlin-0200-autumn-dst": (
        dict(frequency="daily", scheduled_time="02:00"),
        "Europe/Berlin",
        (utc(2026, 10, 22, 12), utc(2026, 10, 29, 12)),
        [
            utc(2026, 10, 23, 0),
            utc(2026, 10, 24, 0),
            utc(2026, 10, 25, 1),
            utc(2026, 10, 26, 1),
            utc(2026, 10, 27, 1),
            utc(2026, 10, 28, 1),
            utc(2026, 10, 29, 1),
        ],
    ),
}


@pytest.mark.parametrize(
    ("config", "timezone", "window", "expected"),
    list(FIRING_CASES.values()),
    ids=list(FIRING_CASES),
)
async def test_fire_times(
    dev_env: WorkflowEnvironment,
    sessions: SessionFactory,
    settings: Settings,
    make_site: SiteFactory,
    scheduled: list[int],
    config: dict[str, Any],
    timezone: str,
    window: tuple[datetime, datetime],
    expected: list[datetime],
) -> None:
    client = dev_env.client
    _, site_id = make_site(keywords=0, enabled=True, **config)
    set_timezone(sessions, site_id, timezone)
    scheduled.append(site_id)
    action, next_run_at = await reconcile(client, sessions, settings, site_id)
    assert action == "created"
    assert await matching_times(client, site_id, *window) == expected
    if not expected:
        assert next_run_at is None


def test_build_schedule_normalises_days() -> None:
    site = Site(id=7, account_id=3, name="s", url="https://s.test", timezone="Asia/Tokyo")
    config = AutomationConfig(
        account_id=3,
        site_id=7,
        enabled=True,
        frequency=Frequency.WEEKLY,
        scheduled_time="18:00",
        scheduled_days=["Fri", "mon", "monday"],
    )
    schedule = build_schedule(config, site, Settings(task_queue="q"))
    (calendar,) = schedule.spec.calendars
    assert [r.start for r in calendar.day_of_week] == [1, 5]
    assert [r.start for r in calendar.hour] == [18]
    assert schedule.spec.time_zone_name == "Asia/Tokyo"
    assert schedule.state.note == "pressrun: weekly on mon,fri at 18:00 Asia/Tokyo"

    config.frequency = "monthly"
    with pytest.raises(ValueError):
        build_schedule(config, site, Settings(task_queue="q"))
    config.frequency = Frequency.DAILY
    config.scheduled_time = "25:00"
    with pytest.raises(ValueError):
        build_schedule(config, site, Settings(task_queue="q"))
