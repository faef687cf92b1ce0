"""Publish slots: the next free moments on a site's publishing calendar, in its time zone.

A slot is a publish day (`publish_days`) at one of its `time_slots`, local time; a day takes
at most `daily_publish_limit` articles. Days and times are the site's, so a slot keeps its
wall-clock time across a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far enough to find room on any sane calendar; one with no room at all ends there.
HORIZON_DAYS = 366


@dataclass(frozen=True)
class Calendar:
    timezone: str
    publish_days: tuple[str, ...]
    time_slots: tuple[str, ...]
    daily_limit: int

    def _times(self) -> list[time]:
        return sorted({time.fromisoformat(slot) for slot in self.time_slots})

    def candidates(self, after: datetime) -> Iterator[datetime]:
        """Every slot strictly after `after`, in order, as UTC datetimes."""
        zone = ZoneInfo(self.timezone)
        days = {WEEKDAYS.index(d) for d in self.publish_days}
        times = self._times()
        if not days or not times or self.daily_limit <= 0:
            return
        start = after.astimezone(zone).date()
        for offset in range(HORIZON_DAYS):
            day = start + timedelta(days=offset)
            if day.weekday() not in days:
                continue
            for moment in times:
                # A wall-clock time that does not exist (the spring DST gap) resolves, as
                # zoneinfo does, to the instant after the gap; one that exists twice takes
                # its first occurrence.
                at = datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
                if at > after:
                    yield at

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()


def assign_slots(
    calendar: Calendar, after: datetime, count: int, taken: Iterable[datetime] = ()
) -> list[datetime]:
    """The next `count` free slots after `after`, given the slots already taken.

    A taken slot is not given twice, and a day already holding `daily_limit` articles takes
    no more. Returns fewer than `count` when the calendar has no more room within a year
    (no publish days, no time slots, or a zero limit).
    """
    taken = list(taken)
    used = set(taken)
    per_day: dict[date, int] = {}
    # Counted over the list: two articles at the same instant are two of the day's limit.
    for moment in taken:
        day = calendar.local_day(moment)
        per_day[day] = per_day.get(day, 0) + 1
    chosen: list[datetime] = []
    for slot in calendar.candidates(after):
        if len(chosen) >= count:
            break
        day = calendar.local_day(slot)
        if slot in used or per_day.get(day, 0) >= calendar.daily_limit:
            continue
        chosen.append(slot)
        used.add(slot)
        per_day[day] = per_day.get(day, 0) + 1
    return chosen
