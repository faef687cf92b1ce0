"""Publish slots follow the site's calendar: publish days, time slots, the daily limit,
its time zone (DST included) and slots already taken."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pressrun.publishing.calendar import Calendar, assign_slots

WEEKDAYS_9_14_18 = Calendar(
    timezone="UTC",
    publish_days=("mon", "tue", "wed", "thu", "fri"),
    time_slots=("18:00", "09:00", "14:00"),
    daily_limit=2,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_slots_by_day_time_and_daily_limit_across_several_days() -> None:
    # Friday 2026-06-05 at 10:00: Friday's 09:00 has passed, the weekend is not a publish day.
    slots = assign_slots(WEEKDAYS_9_14_18, utc(2026, 6, 5, 10), 5)
    assert slots == [
        utc(2026, 6, 5, 14),
        utc(2026, 6, 5, 18),
        utc(2026, 6, 8, 9),  # Monday
        utc(2026, 6, 8, 14),
        utc(2026, 6, 9, 9),  # Monday is full at 2
    ]


def test_taken_slots_and_full_days_are_skipped() -> None:
    taken = [utc(2026, 6, 8, 9), utc(2026, 6, 9, 14), utc(2026, 6, 9, 18)]
    slots = assign_slots(WEEKDAYS_9_14_18, utc(2026, 6, 7, 12), 3, taken)
    # Monday has one left (14:00); Tuesday is full; Wednesday follows.
    assert slots == [utc(2026, 6, 8, 14), utc(2026, 6, 10, 9), utc(2026, 6, 10, 14)]


def test_articles_sharing_an_instant_each_count_against_the_day() -> None:
    # Two articles moved by hand to the same Monday 09:00: Monday is full at 2.
    taken = [utc(2026, 6, 8, 9), utc(2026, 6, 8, 9)]
    slots = assign_slots(WEEKDAYS_9_14_18, utc(2026, 6, 7, 12), 1, taken)
    assert slots == [utc(2026, 6, 9, 9)]


def test_slots_keep_local_time_across_dst() -> None:
    berlin = Calendar("Europe/Berlin", ("sat", "sun", "mon"), ("09:00",), 1)
    # Clocks go forward on Sunday 2026-03-29.
    slots = assign_slots(berlin, utc(2026, 3, 27, 12), 3)
    local = [s.astimezone(ZoneInfo("Europe/Berlin")) for s in slots]
    assert [(t.day, t.hour) for t in local] == [(28, 9), (29, 9), (30, 9)]
    assert [s.hour for s in slots] == [8, 7, 7]  # UTC moves, the wall clock does not


def test_a_calendar_without_room_gives_nothing() -> None:
    assert assign_slots(Calendar("UTC", (), ("09:00",), 3), utc(2026, 6, 1), 2) == []
    assert assign_slots(Calendar("UTC", ("mon",), ("09:00",), 0), utc(2026, 6, 1), 2) == []
