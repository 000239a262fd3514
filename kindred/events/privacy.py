"""Personal data of events: registrations with answers and feedback, calendar
feeds, events a person created or hosts.

Erasure keeps registrations (attendance counts survive) but clears answers and
feedback comments, and deletes calendar feeds and series registrations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.events.models import (
        Answer,
        CalendarFeed,
        Event,
        EventHost,
        EventSeries,
        Feedback,
        Registration,
        SeriesRegistration,
    )

    return {
        "registrations": rows(
            Registration.objects.filter(user=person),
            "event__title",
            "event__starts_at",
            "status",
            "attendance",
            "created_at",
            "cancelled_at",
        ),
        "answers": rows(
            Answer.objects.filter(registration__user=person),
            "registration__event__title",
            "question__text",
            "text",
        ),
        "feedback": rows(
            Feedback.objects.filter(registration__user=person),
            "registration__event__title",
            "rating",
            "comment",
            "created_at",
        ),
        "series_registrations": rows(
            SeriesRegistration.objects.filter(user=person), "series_id", "created_at"
        ),
        "events_you_created_or_host": rows(
            Event.objects.filter(Q(created_by=person) | Q(host_person=person)),
            "title",
            "starts_at",
            "status",
        ),
        "series_you_created": rows(
            EventSeries.objects.filter(created_by=person), "rule", "first_start"
        ),
        "co_hosting_answers": rows(
            EventHost.objects.filter(Q(invited_by=person) | Q(answered_by=person)),
            "event__title",
            "organisation__name",
            "status",
        ),
        "calendar_feeds": rows(
            CalendarFeed.objects.filter(user=person),
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.events.models import (
        Answer,
        CalendarFeed,
        Feedback,
        SeriesRegistration,
    )

    Answer.objects.filter(registration__user=person).update(text="")
    Feedback.objects.filter(registration__user=person).update(comment="")
    SeriesRegistration.objects.filter(user=person).delete()
    CalendarFeed.objects.filter(user=person).delete()


def _purge_feeds(cutoff: datetime) -> int:
    from kindred.events.models import CalendarFeed

    deleted, _n = CalendarFeed.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted


register(
    Provider(
        key="events.registrations",
        label=_("Events you registered for, created or host"),
        models=(
            "events.eventseries",
            "events.event",
            "events.eventhost",
            "events.registration",
            "events.answer",
            "events.seriesregistration",
            "events.feedback",
            "events.calendarfeed",
        ),
        export=_export,
        erase=_erase,
        retention={"calendar_feeds": _purge_feeds},
    )
)
