"""Suggested meeting times within everyone's working hours, in their time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Working hours on weekdays, local time: a meeting starts from 9:00 to 16:30.
WORK_STARTS = time(9, 0)
LAST_START = time(16, 30)
MEETING_MINUTES = 30
#: How many days after the round the suggestions may fall on.
SEARCH_DAYS = 14


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _working(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.weekday() < 5 and WORK_STARTS <= local.time() <= LAST_START


def suggest_times(
    round_on: date, zones: list[str], *, count: int = 3
) -> list[datetime]:
    """Up to `count` half-hour starts on different days after `round_on`, inside
    everyone's working hours (nearest to late morning for the first person).

    When the zones share no working hour, the first person's hours are used.
    """
    places = [_zone(z) for z in zones] or [ZoneInfo("UTC")]
    for required in (places, places[:1]):
        found: list[datetime] = []
        for offset in range(1, SEARCH_DAYS + 1):
            day = round_on + timedelta(days=offset)
            start = datetime.combine(day, time(0, 0), tzinfo=UTC)
            slots = [
                start + timedelta(minutes=30 * s)
                for s in range(48)
                if all(_working(start + timedelta(minutes=30 * s), z) for z in required)
            ]
            if not slots:
                continue
            late_morning = datetime.combine(
                slots[0].astimezone(places[0]).date(), time(11, 0), tzinfo=places[0]
            )
            found.append(min(slots, key=lambda s: abs(s - late_morning)))
            if len(found) == count:
                return found
        if found:
            return found
    return []
