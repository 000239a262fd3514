"""Recurring sessions: RFC 5545 rules expanded over a local wall-clock time.

A weekly 10:00 session in Europe/London stays at 10:00 local time all year, so its
UTC time moves when the clocks change. The rule is expanded over naive local times
and each occurrence is then placed in the zone; no Django here (import-linter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

#: The most occurrences a series may have; longer series are made again later.
MAX_OCCURRENCES = 52

#: Frequencies people choose on the form, and the rule each one means.
FREQUENCIES = {
    "weekly": "FREQ=WEEKLY;INTERVAL=1",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY;INTERVAL=1",
}

_ALLOWED_PARTS = {
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYSETPOS",
    "WKST",
}
_ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY"}
_UNTIL = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")


class RecurrenceError(ValueError):
    """The rule cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC


def zone(name: str) -> ZoneInfo:
    """Return the IANA zone `name`; raise RecurrenceError if there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecurrenceError(f"Unknown time zone {name!r}.") from None


def to_utc(local: datetime, time_zone: str) -> datetime:
    """Place a naive wall-clock time in `time_zone` and return it in UTC.

    A time the clocks skip (01:30 on the spring-forward night in London) is read
    with the offset in force before the gap, as RFC 5545 says; a time that happens
    twice (autumn) is the first of the two.
    """
    return local.replace(tzinfo=zone(time_zone), fold=0).astimezone(UTC)


def build_rule(frequency: str, *, count: int) -> str:
    """Return the RRULE text for a frequency chosen on the form and a session count."""
    if frequency not in FREQUENCIES:
        raise RecurrenceError(f"Unknown frequency {frequency!r}.")
    if not 1 <= count <= MAX_OCCURRENCES:
        raise RecurrenceError(f"Choose between 1 and {MAX_OCCURRENCES} sessions.")
    return f"{FREQUENCIES[frequency]};COUNT={count}"


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or len(text) > 300 or "\n" in text:
        raise RecurrenceError("Give one RRULE, such as FREQ=WEEKLY;COUNT=6.")
    parts: dict[str, str] = {}
    for piece in text.split(";"):
        key, sep, value = piece.partition("=")
        key = key.strip().upper()
        if not sep or not value or key not in _ALLOWED_PARTS or key in parts:
            raise RecurrenceError(f"The rule part {piece!r} is not supported.")
        parts[key] = value.strip().upper()
    if parts.get("FREQ") not in _ALLOWED_FREQ:
        raise RecurrenceError("The rule must repeat daily, weekly or monthly.")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise RecurrenceError("The rule must end: give COUNT or UNTIL.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("Give COUNT or UNTIL, not both.")
    return parts


def _local_until(value: str, time_zone: str) -> str:
    """UNTIL as a naive local time, to compare with the naive local occurrences."""
    match = _UNTIL.match(value)
    if not match:
        raise RecurrenceError("UNTIL must look like 20261231 or 20261231T235959Z.")
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d")  # noqa: DTZ007 - wall clock
        clock = (
            datetime.strptime(match.group(3), "%H%M%S").time()  # noqa: DTZ007
            if match.group(3)
            else time(23, 59, 59)
        )
    except ValueError:
        raise RecurrenceError("UNTIL is not a real date.") from None
    until = datetime.combine(day.date(), clock)
    if match.group(4):  # given in UTC
        until = until.replace(tzinfo=UTC).astimezone(zone(time_zone))
        until = until.replace(tzinfo=None)
    return until.strftime("%Y%m%dT%H%M%S")


def normalise_rule(rule: str) -> str:
    """Return the rule in canonical form; raise RecurrenceError if it is unusable."""
    parts = _parts(rule)
    return ";".join(f"{key}={parts[key]}" for key in sorted(parts, key=_order))


def _order(key: str) -> int:
    order = ["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "WKST"]
    return order.index(key) if key in order else len(order)


def expand(
    rule: str,
    *,
    start: datetime,
    duration: timedelta,
    time_zone: str,
    limit: int = MAX_OCCURRENCES,
) -> list[Occurrence]:
    """Return the occurrences of `rule` from the naive local `start`, in UTC.

    `start` is the first session's wall-clock time in `time_zone`; each later
    session keeps that wall-clock time. Raise RecurrenceError if the rule is not
    usable, has no occurrence, or has more than `limit`.
    """
    if start.tzinfo is not None:
        raise RecurrenceError("Give the start as a local wall-clock time.")
    if duration <= timedelta(0):
        raise RecurrenceError("A session must end after it starts.")
    zone(time_zone)
    parts = _parts(rule)
    if "UNTIL" in parts:
        parts["UNTIL"] = _local_until(parts["UNTIL"], time_zone)
    if "COUNT" in parts:
        if not parts["COUNT"].isdigit() or int(parts["COUNT"]) < 1:
            raise RecurrenceError("COUNT must be a whole number above zero.")
        if int(parts["COUNT"]) > limit:
            raise RecurrenceError(f"A series can have at most {limit} sessions.")
    text = ";".join(f"{key}={value}" for key, value in parts.items())
    try:
        recurrence = rrulestr(text, dtstart=start, forceset=False)
        starts = []
        for local in recurrence:  # type: ignore[union-attr]
            starts.append(local)
            if len(starts) > limit:
                raise RecurrenceError(f"A series can have at most {limit} sessions.")
    except RecurrenceError:
        raise
    except (ValueError, TypeError, OverflowError) as error:
        raise RecurrenceError(f"The rule cannot be read: {error}.") from None
    if not starts:
        raise RecurrenceError("The rule gives no session at all.")
    return [
        Occurrence(
            starts_at=to_utc(local, time_zone),
            ends_at=to_utc(local + duration, time_zone),
        )
        for local in starts
    ]


def local_day(moment: datetime, time_zone: str) -> date:
    """The calendar day an aware `moment` falls on in `time_zone`."""
    return moment.astimezone(zone(time_zone)).date()
