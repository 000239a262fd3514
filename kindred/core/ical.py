"""Calendar files (RFC 5545) for events, sessions, calls and meetings.

Callers describe each entry as plain data; this module writes the VCALENDAR with
one VTIMEZONE per zone used, so that calendar apps show local times correctly on
both sides of a daylight-saving change. Never put a secret link (a video room) in
an entry that is fetched before the link is due: link to the page instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODUCT_ID = "-//Kindred//Kindred calendar//EN"

#: RFC 5545 statuses of a VEVENT.
CONFIRMED = "CONFIRMED"
TENTATIVE = "TENTATIVE"
CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class CalendarEntry:
    """One VEVENT. Times are aware; `time_zone` is the IANA zone shown (TZID)."""

    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str = "UTC"
    description: str = ""
    url: str = ""
    location: str = ""
    status: str = CONFIRMED
    sequence: int = 0
    last_modified: datetime | None = None
    categories: tuple[str, ...] = ()


def uid_for(kind: str, pk: int | str) -> str:
    """A UID that stays the same for the object however often the file is made."""
    host = settings.KINDRED_BASE_URL.split("://", 1)[-1].split("/", 1)[0]
    host = host.split(":", 1)[0] or "kindred.invalid"
    return f"{kind}-{pk}@{host}"


def absolute_url(path: str) -> str:
    """`path` on this instance, for links in files read outside the site."""
    return settings.KINDRED_BASE_URL.rstrip("/") + path


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _vevent(entry: CalendarEntry, stamp: datetime) -> Event:
    zone = _zone(entry.time_zone)
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.starts_at.astimezone(zone))
    event.add("dtend", entry.ends_at.astimezone(zone))
    event.add("summary", entry.summary)
    event.add("sequence", entry.sequence)
    event.add("status", entry.status)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    if entry.location:
        event.add("location", entry.location)
    if entry.last_modified is not None:
        event.add("last-modified", entry.last_modified.astimezone(UTC))
    if entry.categories:
        event.add("categories", list(entry.categories))
    return event


def build_calendar(
    entries: Iterable[CalendarEntry], *, name: str = "", refresh_hours: int = 0
) -> bytes:
    """Return the VCALENDAR for `entries`, with the VTIMEZONEs they need.

    `name` titles a subscribed feed; `refresh_hours` suggests how often apps
    fetch it again.
    """
    entries = list(entries)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
    if refresh_hours:
        calendar.add(
            "refresh-interval",
            timedelta(hours=refresh_hours),
            parameters={"VALUE": "DURATION"},
        )
        calendar.add("x-published-ttl", f"PT{refresh_hours}H")
    stamp = timezone.now().astimezone(UTC).replace(microsecond=0)
    for entry in entries:
        calendar.add_component(_vevent(entry, stamp))
    if entries:
        # Transitions of the years the entries span, not since 1970.
        first = min(e.starts_at for e in entries).date()
        last = max(e.ends_at for e in entries).date()
        calendar.add_missing_timezones(
            first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 2, 1, 1)
        )
    return calendar.to_ical()


def calendar_response(
    entries: Iterable[CalendarEntry],
    *,
    filename: str = "",
    name: str = "",
    refresh_hours: int = 0,
) -> HttpResponse:
    """An HTTP answer carrying the calendar; with `filename`, as a download."""
    response = HttpResponse(
        build_calendar(entries, name=name, refresh_hours=refresh_hours),
        content_type=CONTENT_TYPE,
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
