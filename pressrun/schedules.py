"""Temporal Schedules replace the seed's hourly Celery check: one Schedule per site, kept in step
with its AutomationConfig.

Each site has the Schedule `automation-schedule-site-{id}` (`contracts.schedule_id`). It starts
the `AutomationLauncher` workflow with a `LaunchInput`, in the site's time zone, hourly, daily
at the configured hour or weekly at that hour on the configured days, always at minute 0. A
Schedule appends a timestamp to the workflow ID it starts, so it cannot start the run itself
under the run's per-site ID: the launcher does, and records "skipped" when a run is already
going. A disabled config keeps its Schedule, paused, so it can still be triggered by hand.

The config is the source of truth: `reconcile_site` rewrites the Schedule's spec, action,
policy and paused state from it, so a pause made in the Temporal UI or CLI lasts only until
the next reconcile (on a config change, or `pressrun schedules sync`).

Test mode (`test_mode_enabled`): an admin fires a launch at once with
`temporal schedule trigger --schedule-id automation-schedule-site-N` (or
`ScheduleHandle.trigger()`), which works on a paused Schedule too; the launcher, not the
Schedule, lets a test-mode site bypass the 23-hour block.

Known server behaviour (Temporal 1.32): an hour that does not exist on the spring DST change
day (02:00 in Europe/Berlin on the last Sunday of March) fires nothing that day; an hour that
occurs twice in autumn fires once, at its second occurrence.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Literal

import structlog
from sqlmodel import Session, select
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
)
from temporalio.service import RPCError, RPCStatusCode

from pressrun.config import Settings
from pressrun.contracts.launch import LAUNCHER_WORKFLOW, LaunchInput, schedule_id
from pressrun.db import SessionFactory, transaction
from pressrun.models import AutomationConfig, Site
from pressrun.models.automation import Frequency
from pressrun.services.site_config import get_or_create_config

log = structlog.get_logger("pressrun.schedules")

ReconcileAction = Literal["created", "updated", "unchanged", "paused", "deleted"]

SCHEDULE_ID_PREFIX = schedule_id(0).removesuffix("0")

# A server outage shorter than this still runs the missed slot once, late; after a longer one
# the site waits for its next slot. Short on purpose: sites are spread over the hours of the
# day, so a long window would start every site whose slot passed during an outage at once.
CATCHUP_WINDOW = timedelta(hours=1)
LAUNCH_TIMEOUT = timedelta(hours=1)

# Temporal counts days of the week from Sunday = 0.
WEEKDAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}


def launch_workflow_id(site_id: int) -> str:
    """The ID the Schedule starts the launcher under; the server appends `-<RFC 3339 time>`."""
    return f"automation-launch-site-{site_id}"


def build_schedule(config: AutomationConfig, site: Site, settings: Settings) -> Schedule:
    """The Schedule a site's config asks for."""
    site_id = site.id or 0
    frequency = Frequency(config.frequency)
    hour = _scheduled_hour(config.scheduled_time)
    if frequency is Frequency.HOURLY:
        calendar = ScheduleCalendarSpec(hour=(ScheduleRange(0, 23),))
        when = "hourly"
    elif frequency is Frequency.DAILY:
        calendar = ScheduleCalendarSpec(hour=(ScheduleRange(hour),))
        when = f"daily at {hour:02d}:00"
    else:
        days = sorted({_weekday(day) for day in config.scheduled_days})
        # No days selected: a calendar with no day of week matches nothing, so it never fires.
        calendar = ScheduleCalendarSpec(
            hour=(ScheduleRange(hour),), day_of_week=tuple(ScheduleRange(d) for d in days)
        )
        names = ",".join(name for name, number in WEEKDAYS.items() if number in days)
        when = f"weekly on {names or 'no days'} at {hour:02d}:00"
    note = (
        f"pressrun: {when} {site.timezone}"
        if config.enabled
        else "pressrun: automation disabled in the site's settings"
    )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            LAUNCHER_WORKFLOW,
            LaunchInput(site_id=site_id, account_id=site.account_id, trigger_type="scheduled"),
            id=launch_workflow_id(site_id),
            task_queue=settings.task_queue,
            # With overlap SKIP a launcher that cannot finish (no worker) would hold back every
            # later slot; the launcher's work takes seconds, so an hour bounds it.
            execution_timeout=LAUNCH_TIMEOUT,
        ),
        spec=ScheduleSpec(calendars=[calendar], time_zone_name=site.timezone or None),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(paused=not config.enabled, note=note),
    )


async def reconcile_site(
    client: Client,
    session: Session,
    site_id: int,
    settings: Settings,
    *,
    site: Site | None = None,
) -> ReconcileAction:
    """Make the site's Schedule match its config and write `config.next_run_at`.

    "paused" means the Schedule was created or changed and is now paused; "unchanged" means
    nothing was written to Temporal; "deleted" that the site is gone and so is its Schedule.
    Loads the site when `site` is not given. Does not commit: the caller's transaction does.
    """
    if site is None:
        site = session.get(Site, site_id)
    if site is None:
        return "deleted" if await delete_site_schedule(client, site_id) else "unchanged"
    config = get_or_create_config(session, site)
    desired = build_schedule(config, site, settings)
    handle = client.get_schedule_handle(schedule_id(site_id))
    current = await _describe(handle)
    action: ReconcileAction
    if current is not None and await _matches(client, current.schedule, desired):
        action = "unchanged"
        description = current
    else:
        if current is None:
            try:
                await client.create_schedule(handle.id, desired)
                action = "created"
            except ScheduleAlreadyRunningError:
                await _replace(handle, desired)
                action = "updated"
        else:
            await _replace(handle, desired)
            action = "updated"
        if desired.state.paused:
            action = "paused"
        description = await _describe_settled(client, handle, desired)
    next_times = description.info.next_action_times
    config.next_run_at = None if desired.state.paused or not next_times else next_times[0]
    session.add(config)
    session.flush()
    return action


async def delete_site_schedule(client: Client, site_id: int) -> bool:
    """Delete the site's Schedule; False when it had none."""
    try:
        await client.get_schedule_handle(schedule_id(site_id)).delete()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def sync_all(
    client: Client, sessions: SessionFactory, settings: Settings
) -> list[tuple[int, str]]:
    """Reconcile every site, each in its own transaction, and delete Schedules of gone sites.

    Returns (site_id, action) pairs in site order, orphans last; a site that could not be
    reconciled is reported as "failed: <error>" and the others still run.
    """
    # Listed before the sites are read: a Schedule whose site is committed after this read
    # cannot be in the list, so it is never mistaken for an orphan.
    scheduled = [
        site_id
        async for listed in await client.list_schedules()
        if (site_id := _site_id_from_schedule(listed.id)) is not None
    ]
    with transaction(sessions) as session:
        site_ids = sorted(id_ for id_ in session.exec(select(Site.id)).all() if id_ is not None)
    orphans = sorted(set(scheduled) - set(site_ids))
    results: list[tuple[int, str]] = []
    for site_id in [*site_ids, *orphans]:
        try:
            with transaction(sessions) as session:
                action: str = await reconcile_site(client, session, site_id, settings)
        except Exception as err:
            log.exception("schedule_reconcile_failed", site_id=site_id)
            action = f"failed: {err}"
        results.append((site_id, action))
    return results


def _scheduled_hour(scheduled_time: str) -> int:
    hour = int(scheduled_time.split(":", 1)[0])
    if not 0 <= hour <= 23:
        raise ValueError(f"scheduled_time {scheduled_time!r} is not an hour of the day")
    return hour


def _weekday(name: str) -> int:
    try:
        return WEEKDAYS[name.strip().lower()[:3]]
    except KeyError:
        raise ValueError(f"unknown day of the week {name!r}") from None


def _site_id_from_schedule(id_: str) -> int | None:
    suffix = id_.removeprefix(SCHEDULE_ID_PREFIX)
    return int(suffix) if suffix != id_ and suffix.isdigit() else None


async def _describe(handle: ScheduleHandle) -> ScheduleDescription | None:
    try:
        return await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


async def _replace(handle: ScheduleHandle, desired: Schedule) -> None:
    await handle.update(lambda _: ScheduleUpdate(schedule=desired))


async def _describe_settled(
    client: Client, handle: ScheduleHandle, desired: Schedule
) -> ScheduleDescription:
    """Describe the Schedule once it shows the change, so its next action times are current."""
    for _ in range(20):
        description = await handle.describe()
        if await _matches(client, description.schedule, desired):
            return description
        await asyncio.sleep(0.1)
    return description


async def _matches(client: Client, current: Schedule, desired: Schedule) -> bool:
    return (
        current.spec == desired.spec
        and current.policy == desired.policy
        and current.state == desired.state
        and await _same_action(client, current, desired)
    )


_ACTION_FIELDS = (
    "workflow",
    "id",
    "task_queue",
    "execution_timeout",
    "run_timeout",
    "task_timeout",
    "retry_policy",
    "memo",
    "typed_search_attributes",
)


async def _same_action(client: Client, current: Schedule, desired: Schedule) -> bool:
    have, want = current.action, desired.action
    if not isinstance(have, ScheduleActionStartWorkflow):
        return False
    assert isinstance(want, ScheduleActionStartWorkflow)
    if any(getattr(have, name) != getattr(want, name) for name in _ACTION_FIELDS):
        return False
    try:
        args = await client.data_converter.decode(list(have.args), [LaunchInput])
    except Exception:
        return False
    return args == list(want.args)
