"""Events as calendar entries (kindred.core.ical): one event's file, a person's feed.

The room link never goes into a file: files are fetched (and feeds refreshed) long
before the link is due, so each entry links to the event page, which shows the
room to registered people when it opens.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from kindred.core import ical
from kindred.events.models import Event, Registration


def entry(
    event: Event, *, registration: Registration | None = None
) -> ical.CalendarEntry:
    """The calendar entry of `event`, as `registration` (if any) sees it."""
    page = ical.absolute_url(event.get_absolute_url())
    status = ical.CONFIRMED
    if event.is_cancelled or (
        registration is not None
        and registration.status == Registration.Status.CANCELLED
    ):
        status = ical.CANCELLED
    elif (
        registration is not None
        and registration.status == Registration.Status.WAITLISTED
    ):
        status = ical.TENTATIVE
    lines = []
    if status == ical.TENTATIVE:
        lines.append(_("You are on the waiting list."))
    if event.is_cancelled:
        lines.append(_("This event is cancelled."))
    if event.description:
        lines.append(event.description)
    if event.is_online:
        lines.append(
            _(
                "Join online: the room link is on the event page from 15 minutes "
                "before the start: %(url)s"
            )
            % {"url": page}
        )
    else:
        lines.append(_("Details: %(url)s") % {"url": page})
    location = event.location
    if event.format == Event.Format.ONLINE:
        location = _("Online (link on the event page)")
    elif event.format == Event.Format.HYBRID:
        location = _("%(place)s, or online") % {"place": event.location}
    return ical.CalendarEntry(
        uid=ical.uid_for("event", event.pk),
        summary=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        time_zone=event.time_zone,
        description="\n\n".join(lines),
        url=page,
        location=location,
        status=status,
        sequence=event.sequence,
        last_modified=event.updated_at,
    )


def entries(registrations: Iterable[Registration]) -> list[ical.CalendarEntry]:
    return [entry(r.event, registration=r) for r in registrations]
