"""Writes for events: hosting, registering, waiting lists, attendance, feedback,
reminders and personal calendar feeds.

Each function checks who may act, then the state; an illegal change of state
raises StateConflict (409) and changes nothing. Registrations and cancellations
lock the event row, so two people taking the last place cannot both get it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.algorithms import recurrence
from kindred.communities import selectors as community_selectors
from kindred.communities.models import Group
from kindred.communities.selectors import facilitated_group_ids
from kindred.core import audit
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.markdown import problems
from kindred.core.models import Topic
from kindred.core.video import room_url
from kindred.events import selectors
from kindred.events.models import (
    Answer,
    CalendarFeed,
    Event,
    EventHost,
    EventSeries,
    Feedback,
    Question,
    Registration,
    SeriesRegistration,
    hash_feed_token,
)
from kindred.events.permissions import require_host
from kindred.notifications.services import notify, notify_many
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import is_admin_of, require_org_admin
from kindred.webhooks.services import emit

MAX_QUESTIONS = 10
MAX_TOPICS = 10
MAX_HOSTS = 10
MAX_CAPACITY = 100_000
MAX_LENGTH = timedelta(days=14)
_https = URLValidator(schemes=["https"])


class EventError(KindredError):
    pass


class StateConflict(EventError):
    """The event or registration is not in a state that allows this change."""

    status_code = 409
    code = "conflict"


@dataclass
class QuestionInput:
    text: str
    required: bool = False


@dataclass
class EventDetails:
    """What a host fills in; times are aware (any zone), `time_zone` is the IANA
    zone the event is held in."""

    title: str
    format: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    description: str = ""
    location: str = ""
    meeting_url: str = ""
    generate_room: bool = False
    capacity: int | None = None
    topics: Sequence[Topic] = ()
    questions: Sequence[QuestionInput] = field(default_factory=list)


# --- checks -----------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, missing: str = "") -> str:
    cleaned = (value or "").strip()
    if not cleaned and missing:
        raise EventError(missing, field=field)
    if len(cleaned) > limit:
        raise EventError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    if "\x00" in cleaned:
        raise EventError(_("The text contains a character that is not allowed."))
    return cleaned


def _clean(details: EventDetails, *, now: datetime, new: bool) -> EventDetails:
    """Return `details` checked and tidied; raise EventError naming the field."""
    title = _text(
        details.title, field="title", limit=160, missing=_("Give the event a title.")
    )
    description = _text(details.description, field="description", limit=10000)
    found = problems(description)
    if found:
        raise EventError(
            _("The description contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field="description",
        )
    if details.format not in Event.Format.values:
        raise EventError(_("Choose online, in person or hybrid."), field="format")
    try:
        recurrence.zone(details.time_zone)
    except recurrence.RecurrenceError:
        raise EventError(_("Choose a time zone."), field="time_zone") from None
    if details.starts_at.tzinfo is None or details.ends_at.tzinfo is None:
        raise EventError(_("Give the time with its time zone."), field="starts_at")
    if details.ends_at <= details.starts_at:
        raise EventError(_("The end must be after the start."), field="ends_at")
    if details.ends_at - details.starts_at > MAX_LENGTH:
        raise EventError(_("An event can last at most 14 days."), field="ends_at")
    if new and details.starts_at <= now:
        raise EventError(_("The start must be in the future."), field="starts_at")
    location = _text(details.location, field="location", limit=300)
    meeting_url = (details.meeting_url or "").strip()
    in_person = details.format in (Event.Format.IN_PERSON, Event.Format.HYBRID)
    online = details.format in (Event.Format.ONLINE, Event.Format.HYBRID)
    if in_person and not location:
        raise EventError(_("Say where the event takes place."), field="location")
    if not in_person:
        location = ""
    if online:
        if meeting_url:
            if len(meeting_url) > 500:
                raise EventError(
                    _("The meeting link is too long."), field="meeting_url"
                )
            try:
                _https(meeting_url)
            except ValidationError:
                raise EventError(
                    _(
                        "Give a secure meeting link starting with https:// "
                        "(for example a Zoom or Teams link)."
                    ),
                    field="meeting_url",
                ) from None
        elif not details.generate_room:
            raise EventError(
                _("Give a meeting link, or let Kindred create a video room."),
                field="meeting_url",
            )
    else:
        meeting_url = ""
    capacity = details.capacity
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise EventError(
            _("Give a number of places from 1 to 100,000, or leave it empty."),
            field="capacity",
        )
    topics = list(dict.fromkeys(details.topics))
    if len(topics) > MAX_TOPICS:
        raise EventError(_("Choose at most 10 topics."), field="topics")
    questions = [
        QuestionInput(
            _text(q.text, field="questions", limit=300), required=bool(q.required)
        )
        for q in details.questions
    ]
    questions = [q for q in questions if q.text]
    if len(questions) > MAX_QUESTIONS:
        raise EventError(_("Ask at most 10 questions."), field="questions")
    return EventDetails(
        title=title,
        description=description,
        format=details.format,
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        time_zone=details.time_zone,
        location=location,
        meeting_url=meeting_url,
        generate_room=online and not meeting_url,
        capacity=capacity,
        topics=topics,
        questions=questions,
    )


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update(of=("self",)).get(pk=event.pk)


def _when(event: Event) -> str:
    local = timezone.localtime(event.starts_at, recurrence.zone(event.time_zone))
    return formats.date_format(local, "j M Y, H:i") + f" ({event.time_zone})"


def _webhook(event: Event, event_type: str, data: dict[str, Any]) -> None:
    """Tell the confirmed host organisations' webhooks."""
    payload = {
        "event": {
            "id": event.pk,
            "title": event.title,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
            "status": event.status,
            "url": event.get_absolute_url(),
        },
        **data,
    }
    for organisation in Organisation.objects.filter(
        pk__in=selectors.host_ids(event), is_active=True
    ):
        emit(organisation, event_type, payload)


def _who_may_see(event: Event, people: list[User]) -> list[User]:
    """Those of `people` who may still see `event`: a private group's event is for
    its current members only, whatever registrations remain."""
    if event.group_id is None or community_selectors.open_to_all(event.group):
        return people
    members = community_selectors.active_member_ids(event.group, (p.pk for p in people))
    return [p for p in people if p.pk in members]


def _tell_registrants(
    event: Event, *, kind: str, message: str, actor: User | None
) -> None:
    people = _who_may_see(
        event,
        [
            r.user
            for r in event.registrations.exclude(
                status=Registration.Status.CANCELLED
            ).select_related("user")
            if r.user.is_active and (actor is None or r.user_id != actor.pk)
        ],
    )
    if people:
        notify_many(
            people,
            kind=kind,
            message=message,
            url=event.get_absolute_url(),
            actor=actor,
        )


# --- hosting ----------------------------------------------------------------------


@transaction.atomic
def create_event(
    details: EventDetails,
    *,
    by: User,
    host_kind: str,
    group: Group | None = None,
    organisations: Sequence[Organisation] = (),
    rule: str = "",
    client_token: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Event:
    """Create an event (or, with an RRULE, a series of sessions) and return the
    first. Personal events: any member. Group events: the group's facilitators.
    Organisation events: admins and practitioners of the first organisation; each
    further organisation co-hosts at once if `by` is its admin, otherwise its
    admins are asked to confirm.
    """
    now = now or timezone.now()
    if client_token is not None:
        earlier = Event.objects.filter(created_by=by, client_token=client_token).first()
        if earlier is not None:
            return earlier  # a double-submitted form creates one event
    details = _clean(details, now=now, new=True)
    hosts = _check_hosts(
        by, host_kind=host_kind, group=group, organisations=organisations
    )
    occurrences = [recurrence.Occurrence(details.starts_at, details.ends_at)]
    series = None
    if rule:
        local_start = details.starts_at.astimezone(
            recurrence.zone(details.time_zone)
        ).replace(tzinfo=None)
        try:
            occurrences = recurrence.expand(
                rule,
                start=local_start,
                duration=details.ends_at - details.starts_at,
                time_zone=details.time_zone,
            )
            rule = recurrence.normalise_rule(rule)
        except recurrence.RecurrenceError as error:
            raise EventError(str(error), field="rule") from None
        series = EventSeries.objects.create(
            rule=rule,
            time_zone=details.time_zone,
            first_start=occurrences[0].starts_at,
            created_by=by,
        )
    meeting_url = details.meeting_url or (
        room_url(details.title) if details.generate_room else ""
    )
    events = []
    for index, occurrence in enumerate(occurrences):
        event = Event(
            title=details.title,
            description=details.description,
            format=details.format,
            location=details.location,
            meeting_url=meeting_url,
            starts_at=occurrence.starts_at,
            ends_at=occurrence.ends_at,
            time_zone=details.time_zone,
            capacity=details.capacity,
            host_kind=host_kind,
            host_person=by if host_kind == Event.HostKind.PERSON else None,
            group=group if host_kind == Event.HostKind.GROUP else None,
            series=series,
            created_by=by,
            client_token=client_token if index == 0 else None,
        )
        events.append(event)
    try:
        with transaction.atomic():
            Event.objects.bulk_create(events)
    except IntegrityError:  # the same form, submitted twice at once
        earlier = Event.objects.filter(created_by=by, client_token=client_token).first()
        if earlier is not None:
            return earlier
        raise
    if len(events) > 1 or events[0].pk is None:  # backends without RETURNING
        events = list(
            Event.objects.filter(series=series).order_by("starts_at", "pk")
            if series
            else Event.objects.filter(created_by=by, client_token=client_token)
        )
    Through = Event.topics.through
    Through.objects.bulk_create(
        [Through(event_id=e.pk, topic_id=t.pk) for e in events for t in details.topics]
    )
    Question.objects.bulk_create(
        [
            Question(event=e, text=q.text, required=q.required, position=i)
            for e in events
            for i, q in enumerate(details.questions)
        ]
    )
    EventHost.objects.bulk_create(
        [
            EventHost(
                event=e,
                organisation=organisation,
                status=status,
                position=i,
                invited_by=by,
            )
            for e in events
            for i, (organisation, status) in enumerate(hosts)
        ]
    )
    first = events[0]
    audit.record(
        "event.created",
        actor=by,
        target=first,
        host_kind=host_kind,
        sessions=len(events),
        organisations=[o.pk for o, _status in hosts],
    )
    for organisation, status in hosts:
        if status == EventHost.Status.INVITED:
            _ask_cohost(first, organisation, by=by, sessions=len(events))
    return first


def _check_hosts(
    by: User,
    *,
    host_kind: str,
    group: Group | None,
    organisations: Sequence[Organisation],
) -> list[tuple[Organisation, str]]:
    if not by.is_authenticated or not by.is_active:
        raise NotAllowed(_("Sign in to host an event."))
    if host_kind == Event.HostKind.PERSON:
        return []
    if host_kind == Event.HostKind.GROUP:
        if group is None:
            raise EventError(_("Choose the group that hosts it."), field="group")
        if group.pk not in facilitated_group_ids(by):
            raise NotAllowed(_("Only the group's facilitators can host its events."))
        if group.status != Group.Status.ACTIVE:
            raise EventError(_("Only an active group can host events."), field="group")
        return []
    if host_kind != Event.HostKind.ORGANISATION:
        raise EventError(_("Choose who hosts the event."), field="host_kind")
    chosen = list(dict.fromkeys(organisations))
    if not chosen:
        raise EventError(
            _("Choose the organisation that hosts it."), field="organisations"
        )
    if len(chosen) > MAX_HOSTS:
        raise EventError(_("At most 10 organisations can host one event."))
    lead = chosen[0]
    if lead.pk not in selectors.hosting_organisation_ids(by):
        raise NotAllowed(
            _("Only admins and practitioners of %(org)s can host its events.")
            % {"org": lead.name}
        )
    hosts = [(lead, EventHost.Status.CONFIRMED)]
    for organisation in chosen[1:]:
        if not organisation.is_active:
            raise EventError(
                _("%(org)s cannot host events.") % {"org": organisation.name},
                field="organisations",
            )
        status = (
            EventHost.Status.CONFIRMED
            if is_admin_of(by, organisation)
            else EventHost.Status.INVITED
        )
        hosts.append((organisation, status))
    return hosts


def _ask_cohost(
    event: Event, organisation: Organisation, *, by: User, sessions: int
) -> None:
    from kindred.organisations import selectors as organisation_selectors

    admins = [a for a in organisation_selectors.admins_of(organisation) if a != by]
    if admins:
        notify_many(
            admins,
            kind="events.cohost_invited",
            message=_("%(person)s asks %(org)s to co-host “%(title)s”.")
            % {"person": by, "org": organisation.name, "title": event.title},
            url=reverse("events:manage", args=[event.pk]),
            actor=by,
        )


@transaction.atomic
def answer_cohosting(
    event: Event, organisation: Organisation, *, by: User, accept: bool
) -> EventHost:
    """Confirm or decline co-hosting on behalf of `organisation` (its admins), for
    every session of the event's series still to come."""
    require_org_admin(by, organisation)
    hosting = (
        EventHost.objects.select_for_update()
        .filter(event=event, organisation=organisation)
        .first()
    )
    if hosting is None or hosting.status != EventHost.Status.INVITED:
        raise StateConflict(_("There is no invitation to co-host this event."))
    status = EventHost.Status.CONFIRMED if accept else EventHost.Status.DECLINED
    answered = timezone.now()
    EventHost.objects.filter(
        event__in=selectors.series_events(event).filter(ends_at__gt=answered)
        | Event.objects.filter(pk=event.pk),
        organisation=organisation,
        status=EventHost.Status.INVITED,
    ).update(status=status, answered_by=by, answered_at=answered)
    audit.record(
        "event.cohost_confirmed" if accept else "event.cohost_declined",
        actor=by,
        target=event,
        organisation=organisation.pk,
    )
    hosting.refresh_from_db()
    return hosting


@transaction.atomic
def change_event(
    event: Event, details: EventDetails, *, by: User, now: datetime | None = None
) -> Event:
    """Change an event's details (its hosts). People registered hear about a new
    time or place; reminders follow the new time; more places promote people from
    the waiting list. Topics and questions are not changed here."""
    require_host(by, event)
    now = now or timezone.now()
    event = _lock(event)
    if event.is_cancelled:
        raise StateConflict(_("This event is cancelled."))
    if event.has_ended(now):
        raise StateConflict(_("This event is over and cannot change."))
    details.topics = list(event.topics.all())
    details.questions = []
    moved = details.starts_at != event.starts_at
    details = _clean(details, now=now, new=moved)
    registered = event.registrations.filter(
        status=Registration.Status.REGISTERED
    ).count()
    if details.capacity is not None and details.capacity < registered:
        raise EventError(
            _("%(n)d people are registered already; keep at least that many places.")
            % {"n": registered},
            field="capacity",
        )
    retimed = (details.starts_at, details.ends_at) != (event.starts_at, event.ends_at)
    replaced = (
        details.format != event.format
        or details.location != event.location
        or (details.meeting_url or event.meeting_url) != event.meeting_url
    )
    event.title = details.title
    event.description = details.description
    event.format = details.format
    event.location = details.location
    if details.meeting_url:
        event.meeting_url = details.meeting_url
    elif details.generate_room and not event.meeting_url:
        event.meeting_url = room_url(details.title)
    elif not details.generate_room:
        event.meeting_url = ""
    event.starts_at = details.starts_at
    event.ends_at = details.ends_at
    event.time_zone = details.time_zone
    event.capacity = details.capacity
    if retimed or replaced:
        event.sequence += 1
    event.save()
    if retimed:
        event.registrations.update(day_reminder_at=None, hour_reminder_at=None)
    audit.record("event.changed", actor=by, target=event, moved=retimed)
    if retimed or replaced:
        _tell_registrants(
            event,
            kind="events.changed",
            message=_("“%(title)s” has changed: now %(when)s%(where)s.")
            % {
                "title": event.title,
                "when": _when(event),
                "where": f", {event.location}" if event.location else "",
            },
            actor=by,
        )
    _promote(event, now=now)
    return event


@transaction.atomic
def cancel_event(event: Event, *, by: User, reason: str = "") -> Event:
    """Cancel an event (its hosts); everyone registered or waiting is told."""
    require_host(by, event)
    reason = _text(reason, field="reason", limit=500)
    event = _lock(event)
    if event.is_cancelled:
        raise StateConflict(_("This event is cancelled already."))
    if event.has_ended():
        raise StateConflict(_("This event is over; it cannot be cancelled."))
    event.status = Event.Status.CANCELLED
    event.cancelled_at = timezone.now()
    event.sequence += 1
    event.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    audit.record("event.cancelled", actor=by, target=event, reason=reason)
    message = _("“%(title)s” on %(when)s is cancelled.") % {
        "title": event.title,
        "when": _when(event),
    }
    if reason:
        message += " " + reason
    _tell_registrants(event, kind="events.cancelled", message=message, actor=by)
    _webhook(event, "event.cancelled", {"cancelled": "event", "reason": reason})
    return event


# --- registering ------------------------------------------------------------------


def _answers_for(
    event: Event, answers: Mapping[int, str], *, by_position: bool = False
) -> list[tuple[Question, str]]:
    """Check answers against the event's questions; raise EventError for the first
    required one left empty. `answers` are keyed by question id (or position)."""
    questions = list(event.questions.all())
    keys = {q.position if by_position else q.pk for q in questions}
    unknown = [k for k in answers if k not in keys]
    if unknown:
        raise EventError(_("Answer only this event's questions."), field="answers")
    result = []
    for question in questions:
        key = question.position if by_position else question.pk
        text = _text(answers.get(key, ""), field=f"question_{question.pk}", limit=1000)
        if question.required and not text:
            raise EventError(
                _("Please answer: %(question)s") % {"question": question.text},
                field=f"question_{question.pk}",
            )
        result.append((question, text))
    return result


def _register_one(
    event: Event,
    *,
    by: User,
    answers: list[tuple[Question, str]],
    now: datetime,
) -> tuple[Registration, bool]:
    """Register `by` (the event row is locked); return the registration and
    whether it is new or renewed."""
    existing = Registration.objects.filter(event=event, user=by).first()
    if existing is not None and existing.is_active:
        return existing, False
    registered = event.registrations.filter(
        status=Registration.Status.REGISTERED
    ).count()
    full = event.capacity is not None and registered >= event.capacity
    status = Registration.Status.WAITLISTED if full else Registration.Status.REGISTERED
    if existing is None:
        registration = Registration.objects.create(
            event=event, user=by, status=status, queued_at=now, created_at=now
        )
    else:
        registration = existing
        registration.status = status
        registration.queued_at = now
        registration.cancelled_at = None
        registration.attendance = Registration.Attendance.UNKNOWN
        registration.day_reminder_at = None
        registration.hour_reminder_at = None
        registration.save()
        registration.answers.all().delete()
    Answer.objects.bulk_create(
        [
            Answer(registration=registration, question=q, text=text)
            for q, text in answers
            if text
        ]
    )
    return registration, True


def _tell_hosts_of_registration(
    event: Event, registration: Registration, *, by: User
) -> None:
    hosts = [h for h in selectors.host_people(event) if h.pk != by.pk]
    waiting = registration.status == Registration.Status.WAITLISTED
    if hosts:
        message = (
            _("%(person)s joined the waiting list for “%(title)s”.")
            if waiting
            else _("%(person)s registered for “%(title)s”.")
        )
        notify_many(
            hosts,
            kind="events.registered",
            message=message % {"person": by, "title": event.title},
            url=reverse("events:manage", args=[event.pk]),
            actor=by,
        )
    _webhook(
        event,
        "event.registered",
        {"registration": {"id": registration.pk, "status": registration.status}},
    )


@transaction.atomic
def register(
    event: Event,
    *,
    by: User,
    answers: Mapping[int, str] | None = None,
    whole_series: bool = False,
    now: datetime | None = None,
) -> Registration:
    """Register `by` for `event` (whom the caller has checked may see it): a
    place if one is free, otherwise the waiting list. Registering again changes
    nothing. With `whole_series`, also every later session of the series, with
    the same answers."""
    now = now or timezone.now()
    if not by.is_authenticated or not by.is_active:
        raise NotAllowed(_("Sign in to register."))
    event = _lock(event)
    if event.is_cancelled:
        raise StateConflict(_("This event is cancelled."))
    if event.has_started(now):
        raise StateConflict(_("Registration has closed: the event has started."))
    checked = _answers_for(event, answers or {})
    registration, new = _register_one(event, by=by, answers=checked, now=now)
    if new:
        _tell_hosts_of_registration(event, registration, by=by)
    if whole_series and event.series_id is not None:
        by_position = {q.position: text for q, text in checked}
        later = (
            Event.objects.filter(
                series_id=event.series_id,
                status=Event.Status.SCHEDULED,
                starts_at__gt=event.starts_at,
            )
            .select_for_update(of=("self",))
            .order_by("starts_at", "pk")
        )
        for session in later:
            session_answers = _answers_for(session, by_position, by_position=True)
            other, renewed = _register_one(
                session, by=by, answers=session_answers, now=now
            )
            if renewed:
                _tell_hosts_of_registration(session, other, by=by)
        SeriesRegistration.objects.get_or_create(series_id=event.series_id, user=by)
    return registration


def _promote(event: Event, *, now: datetime | None = None) -> list[Registration]:
    """Give free places to the first on the waiting list (the event is locked)."""
    now = now or timezone.now()
    if event.is_cancelled or event.has_started(now):
        return []
    promoted: list[Registration] = []
    registered = event.registrations.filter(
        status=Registration.Status.REGISTERED
    ).count()
    free = None if event.capacity is None else event.capacity - registered
    if free is not None and free <= 0:
        return []
    queue = event.registrations.filter(
        status=Registration.Status.WAITLISTED
    ).select_related("user")
    waiting = list(queue.order_by("queued_at", "pk"))
    allowed = {u.pk for u in _who_may_see(event, [r.user for r in waiting])}
    for gone in [r for r in waiting if r.user_id not in allowed]:
        # Left the private group while waiting: the place is not theirs to take.
        gone.status = Registration.Status.CANCELLED
        gone.cancelled_at = now
        gone.save(update_fields=["status", "cancelled_at", "updated_at"])
    waiting = [r for r in waiting if r.user_id in allowed]
    for registration in waiting if free is None else waiting[:free]:
        registration.status = Registration.Status.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        promoted.append(registration)
        notify(
            registration.user,
            kind="events.promoted",
            message=_("A place came free: you are now registered for “%(title)s”.")
            % {"title": event.title},
            url=event.get_absolute_url(),
        )
    return promoted


@transaction.atomic
def cancel_registration(
    event: Event, *, by: User, whole_series: bool = False
) -> Registration:
    """Give up a place (or a place in the queue); the first waiting person gets a
    freed place. With `whole_series`, also every later session of the series."""
    event = _lock(event)
    registration = Registration.objects.filter(event=event, user=by).first()
    if registration is None or not registration.is_active:
        raise StateConflict(_("You are not registered for this event."))
    if event.has_ended():
        raise StateConflict(_("This event is over."))
    _cancel_one(event, registration)
    if whole_series and event.series_id is not None:
        later = (
            Event.objects.filter(
                series_id=event.series_id, starts_at__gt=event.starts_at
            )
            .select_for_update(of=("self",))
            .order_by("starts_at", "pk")
        )
        for session in later:
            other = Registration.objects.filter(event=session, user=by).first()
            if other is not None and other.is_active:
                _cancel_one(session, other)
        SeriesRegistration.objects.filter(series_id=event.series_id, user=by).delete()
    return registration


def _cancel_one(event: Event, registration: Registration) -> None:
    had_place = registration.status == Registration.Status.REGISTERED
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    _webhook(
        event,
        "event.cancelled",
        {
            "cancelled": "registration",
            "registration": {"id": registration.pk, "status": registration.status},
        },
    )
    if had_place:
        _promote(event)


# --- after the event --------------------------------------------------------------


@transaction.atomic
def mark_attendance(
    event: Event, registration: Registration, *, by: User, attendance: str
) -> Registration:
    """Mark whether a registered person came (the hosts, once the event started)."""
    require_host(by, event)
    if registration.event_id != event.pk:
        raise EventError(_("This registration is for another event."))
    if attendance not in Registration.Attendance.values:
        raise EventError(_("Choose attended or did not come."), field="attendance")
    if not event.has_started():
        raise StateConflict(_("Attendance can be marked once the event has started."))
    if registration.status != Registration.Status.REGISTERED:
        raise StateConflict(_("Only people with a place can be marked."))
    registration.attendance = attendance
    registration.save(update_fields=["attendance", "updated_at"])
    return registration


@transaction.atomic
def give_feedback(
    event: Event, *, by: User, rating: int, comment: str = ""
) -> Feedback:
    """Rate an event you had a place at, after it ended (once; later calls edit)."""
    registration = Registration.objects.filter(
        event=event, user=by, status=Registration.Status.REGISTERED
    ).first()
    if registration is None:
        raise NotAllowed(_("Only people who had a place can give feedback."))
    if registration.attendance == Registration.Attendance.NO_SHOW:
        raise NotAllowed(_("The hosts marked you as not attending."))
    if not event.has_ended():
        raise StateConflict(_("Feedback opens when the event is over."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise EventError(_("Choose a rating from 1 to 5."), field="rating")
    comment = _text(comment, field="comment", limit=1000)
    feedback, _created = Feedback.objects.update_or_create(
        registration=registration, defaults={"rating": rating, "comment": comment}
    )
    return feedback


# --- people who leave a private group ----------------------------------------------


@transaction.atomic
def release_places_of_former_member(group: Group, user: User) -> int:
    """Give up `user`'s places and waiting-list spots at `group`'s upcoming events
    once they may no longer see them (they left or were removed from a private
    group); freed places go to the next person waiting. Return how many."""
    if community_selectors.open_to_all(group):
        return 0
    now = timezone.now()
    released = 0
    event_ids = list(
        Registration.objects.filter(
            user=user,
            event__group=group,
            event__ends_at__gt=now,
            status__in=(
                Registration.Status.REGISTERED,
                Registration.Status.WAITLISTED,
            ),
        ).values_list("event_id", flat=True)
    )
    for event in Event.objects.filter(pk__in=event_ids).order_by("starts_at", "pk"):
        event = _lock(event)
        registration = Registration.objects.filter(event=event, user=user).first()
        if registration is not None and registration.is_active:
            _cancel_one(event, registration)
            released += 1
    SeriesRegistration.objects.filter(series__events__group=group, user=user).delete()
    return released


# --- reminders --------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Remind registered people a day and an hour before; return how many were
    told. Each registration gets each reminder once however often this runs; a
    registration made less than an hour before gets only the hour reminder."""
    now = now or timezone.now()
    told = 0
    due = Registration.objects.filter(
        status=Registration.Status.REGISTERED,
        event__status=Event.Status.SCHEDULED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + timedelta(days=1),
    )
    for kind, window, flag, also in (
        ("hour", timedelta(hours=1), "hour_reminder_at", "day_reminder_at"),
        ("day", timedelta(days=1), "day_reminder_at", None),
    ):
        rows = due.filter(
            **{f"{flag}__isnull": True, "event__starts_at__lte": now + window}
        )
        if kind == "day":
            rows = rows.filter(hour_reminder_at__isnull=True)
        event_ids = set(rows.values_list("event_id", flat=True)[:5000])
        for event in Event.objects.filter(pk__in=event_ids):
            with transaction.atomic():
                mine = list(
                    rows.filter(event=event)
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("user")
                )
                if not mine:
                    continue
                changes = {flag: now}
                if also:
                    changes[also] = now
                Registration.objects.filter(
                    pk__in=[r.pk for r in mine], **{f"{flag}__isnull": True}
                ).update(**changes)
                message = (
                    _("Starting within the hour: “%(title)s”, %(when)s.")
                    if kind == "hour"
                    else _("Tomorrow: “%(title)s”, %(when)s.")
                )
                notify_many(
                    _who_may_see(event, [r.user for r in mine if r.user.is_active]),
                    kind="events.reminder",
                    message=message % {"title": event.title, "when": _when(event)},
                    url=event.get_absolute_url(),
                )
                told += len(mine)
    return told


# --- calendar feeds ---------------------------------------------------------------


@transaction.atomic
def create_feed(*, by: User) -> tuple[CalendarFeed, str]:
    """Make a new private feed address for `by` (the old one stops working);
    return the feed and its secret, which is shown once and stored as a hash."""
    if not by.is_authenticated:
        raise NotAllowed(_("Sign in first."))
    CalendarFeed.objects.select_for_update().filter(
        user=by, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    raw, prefix, key_hash = CalendarFeed.generate()
    feed = CalendarFeed.objects.create(user=by, key_hash=key_hash, prefix=prefix)
    audit.record("event_feed.created", actor=by, target=feed)
    return feed, raw


@transaction.atomic
def revoke_feed(*, by: User) -> int:
    """Stop `by`'s feed address from working; return how many were revoked."""
    revoked = CalendarFeed.objects.filter(user=by, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit.record("event_feed.revoked", actor=by, target=by)
    return revoked


def feed_owner(raw: str) -> User | None:
    """The active person whose live feed has the secret `raw`, or None."""
    if not raw.startswith("kcal_") or len(raw) > 100:
        return None
    feed = (
        CalendarFeed.objects.filter(
            key_hash=hash_feed_token(raw),
            revoked_at__isnull=True,
            user__is_active=True,
            user__suspended_at__isnull=True,
        )
        .select_related("user")
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
