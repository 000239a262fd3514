"""Reads about events: the calendar, one event's people and numbers, feeds.

Every read that lists events goes through `visible_q`: an event hosted by a group
follows the group's rule (a private group's events are for its members only, by
every route); every other event is visible to all members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.algorithms.recurrence import local_day, zone
from kindred.communities.selectors import content_visible_q, facilitated_group_ids
from kindred.core.models import Topic
from kindred.events.models import (
    Event,
    EventHost,
    Feedback,
    Registration,
)
from kindred.organisations.models import Membership, Organisation, Role

#: Roles that may create and run an organisation's events.
HOSTING_ROLES = (Role.ADMIN, Role.PRACTITIONER)

CALENDAR_PAGE_SIZE = 20

#: How far back the personal feed and "my events" reach.
RECENT = timedelta(days=30)


def visible_q(user: User) -> Q:
    """Events `user` may see: not hosted by a group, or by a group they may read."""
    return Q(group__isnull=True) | content_visible_q(user, prefix="group__")


def visible_events(user: User) -> QuerySet[Event]:
    return Event.objects.filter(visible_q(user))


def confirmed_hosts() -> Prefetch:
    return Prefetch(
        "hosts",
        queryset=EventHost.objects.filter(status=EventHost.Status.CONFIRMED)
        .select_related("organisation")
        .order_by("position", "pk"),
        to_attr="confirmed_hosts",
    )


def event_queryset() -> QuerySet[Event]:
    """Events with what a page or the API shows about each: hosts and topics."""
    return Event.objects.select_related(
        "group", "host_person__profile", "series"
    ).prefetch_related(confirmed_hosts(), "topics")


def visible_event(user: User, pk: int) -> Event | None:
    return event_queryset().filter(visible_q(user), pk=pk).first()


# --- who may run an event ----------------------------------------------------------


def hosting_organisation_ids(user: User) -> set[int]:
    """Organisations whose events `user` may create and run."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user, role__in=HOSTING_ROLES, organisation__is_active=True
        ).values_list("organisation_id", flat=True)
    )


def admin_organisation_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, role=Role.ADMIN).values_list(
            "organisation_id", flat=True
        )
    )


def hosting_organisations(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=hosting_organisation_ids(user)).order_by(
        "name"
    )


def host_ids(event: Event) -> list[int]:
    """Confirmed host organisations, in order (uses the prefetch when present)."""
    hosts = getattr(event, "confirmed_hosts", None)
    if hosts is None:
        hosts = list(
            event.hosts.filter(status=EventHost.Status.CONFIRMED).order_by(
                "position", "pk"
            )
        )
    return [h.organisation_id for h in hosts]


def is_host(user: User, event: Event) -> bool:
    """May `user` run `event`: its person host, a facilitator of its group, or an
    admin or practitioner of one of its confirmed host organisations."""
    if not user.is_authenticated:
        return False
    if event.host_kind == Event.HostKind.PERSON:
        return event.host_person_id == user.pk
    if event.host_kind == Event.HostKind.GROUP:
        return event.group_id in facilitated_group_ids(user)
    return bool(set(host_ids(event)) & hosting_organisation_ids(user))


def host_people(event: Event) -> list[User]:
    """Who hears about registrations: the person host, the group's facilitators,
    or the admins of the host organisations."""
    from kindred.communities.models import Membership as GroupMembership

    if event.host_kind == Event.HostKind.PERSON:
        person = event.host_person
        return [person] if person is not None and person.is_active else []
    if event.host_kind == Event.HostKind.GROUP:
        return list(
            User.objects.filter(
                is_active=True,
                group_memberships__group_id=event.group_id,
                group_memberships__status=GroupMembership.Status.ACTIVE,
                group_memberships__role=GroupMembership.Role.FACILITATOR,
            ).distinct()
        )
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id__in=host_ids(event),
            memberships__role=Role.ADMIN,
        ).distinct()
    )


# --- the ecosystem calendar --------------------------------------------------------


@dataclass(frozen=True)
class CalendarFilters:
    topic: str = ""  # a topic slug
    organisation: str = ""  # an organisation slug
    format: str = ""  # an Event.Format code
    past: bool = False


@dataclass
class CalendarMonth:
    label_date: datetime  # any moment in the month, aware
    events: list[Event] = field(default_factory=list)


@dataclass
class CalendarPage:
    events: list[Event]
    number: int
    has_next: bool
    page_size: int
    registrations: dict[int, str]  # event id -> the viewer's registration status

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def months(self, time_zone: str = "UTC") -> list[CalendarMonth]:
        """The page's events grouped by month, in `time_zone`."""
        groups: list[CalendarMonth] = []
        tz = zone(time_zone)
        for event in self.events:
            local = event.starts_at.astimezone(tz)
            key = (local.year, local.month)
            if (
                not groups
                or (
                    groups[-1].label_date.astimezone(tz).year,
                    groups[-1].label_date.astimezone(tz).month,
                )
                != key
            ):
                groups.append(CalendarMonth(label_date=event.starts_at))
            groups[-1].events.append(event)
        return groups


def calendar_queryset(
    user: User, filters: CalendarFilters, *, now: datetime | None = None
) -> QuerySet[Event]:
    """Scheduled events `user` may see, filtered; upcoming soonest first (or past,
    latest first). Reads the (status, starts_at) index."""
    now = now or timezone.now()
    events = Event.objects.filter(visible_q(user), status=Event.Status.SCHEDULED)
    if filters.past:
        events = events.filter(ends_at__lte=now).order_by("-starts_at", "-id")
    else:
        events = events.filter(starts_at__gte=now - timedelta(days=1)).filter(
            ends_at__gt=now
        )
        events = events.order_by("starts_at", "id")
    if filters.format:
        events = events.filter(format=filters.format)
    if filters.topic:
        events = events.filter(
            pk__in=Event.topics.through.objects.filter(
                topic__slug=filters.topic
            ).values("event_id")
        )
    if filters.organisation:
        events = events.filter(
            pk__in=EventHost.objects.filter(
                organisation__slug=filters.organisation,
                organisation__is_active=True,
                status=EventHost.Status.CONFIRMED,
            ).values("event_id")
        )
    return events


def calendar_page(
    user: User,
    filters: CalendarFilters | None = None,
    page: int = 1,
    *,
    page_size: int = CALENDAR_PAGE_SIZE,
    now: datetime | None = None,
) -> CalendarPage:
    """One page of the ecosystem calendar, with hosts and topics for that page only.

    No count of all matches: one more row than the page says whether there is a
    next page, so the cost does not grow with the number of events.
    """
    filters = filters or CalendarFilters()
    page = max(1, min(int(page), 10_000))
    offset = (page - 1) * page_size
    rows = list(
        calendar_queryset(user, filters, now=now)
        .select_related("group", "host_person__profile")
        .prefetch_related(confirmed_hosts(), "topics")[offset : offset + page_size + 1]
    )
    events = rows[:page_size]
    mine: dict[int, str] = {}
    if user.is_authenticated and events:
        mine = dict(
            Registration.objects.filter(user=user, event_id__in=[e.pk for e in events])
            .exclude(status=Registration.Status.CANCELLED)
            .values_list("event_id", "status")
        )
    for event in events:
        event.my_status = mine.get(event.pk, "")  # type: ignore[attr-defined]
    return CalendarPage(
        events=events,
        number=page,
        has_next=len(rows) > page_size,
        page_size=page_size,
        registrations=mine,
    )


def calendar_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(is_active=True, parent__isnull=False).order_by("name")


def calendar_organisations(now: datetime | None = None) -> QuerySet[Organisation]:
    """Organisations hosting an upcoming event: the choices of the calendar filter."""
    now = now or timezone.now()
    return Organisation.objects.filter(
        is_active=True,
        pk__in=EventHost.objects.filter(
            status=EventHost.Status.CONFIRMED,
            event__status=Event.Status.SCHEDULED,
            event__ends_at__gt=now,
        ).values("organisation_id"),
    ).order_by("name")


def same_day_events(
    *,
    starts_at: datetime,
    time_zone: str,
    topic_ids: list[int],
    exclude_event: int | None = None,
    limit: int = 5,
) -> tuple[int, list[Event]]:
    """Other public events on the same local day sharing a topic: how many, and the
    first few. Helps organisations avoid scheduling against each other."""
    if not topic_ids:
        return 0, []
    day = local_day(starts_at, time_zone)
    tz = zone(time_zone)
    day_start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    events = (
        Event.objects.filter(
            group__isnull=True,
            status=Event.Status.SCHEDULED,
            starts_at__gte=day_start,
            starts_at__lt=day_end,
            pk__in=Event.topics.through.objects.filter(topic_id__in=topic_ids).values(
                "event_id"
            ),
        )
        .exclude(pk=exclude_event)
        .order_by("starts_at", "id")
    )
    found = list(events.prefetch_related(confirmed_hosts())[: limit + 1])
    total = len(found) if len(found) <= limit else events.count()
    return total, found[:limit]


# --- one event's people ------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    registered: int
    waitlisted: int
    capacity: int | None

    @property
    def places_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.registered)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.registered >= self.capacity


def counts(event: Event) -> Counts:
    by_status = dict(
        event.registrations.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return Counts(
        registered=by_status.get(Registration.Status.REGISTERED, 0),
        waitlisted=by_status.get(Registration.Status.WAITLISTED, 0),
        capacity=event.capacity,
    )


def registration_of(user: User, event: Event) -> Registration | None:
    if not user.is_authenticated:
        return None
    return (
        Registration.objects.filter(event=event, user=user)
        .select_related("feedback")
        .prefetch_related("answers")
        .first()
    )


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in the queue; None if not waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=Registration.Status.WAITLISTED
    ).filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def registrations_for_hosts(event: Event) -> QuerySet[Registration]:
    """Everyone who registered, waits or cancelled, with their answers."""
    return (
        event.registrations.select_related("user__profile", "feedback")
        .prefetch_related("answers__question")
        .order_by("status", "queued_at", "pk")
    )


@dataclass(frozen=True)
class FeedbackSummary:
    count: int
    average: float | None
    ratings: dict[int, int]  # 1..5 -> how many
    comments: list[str]


def feedback_summary(event: Event) -> FeedbackSummary:
    rows = Feedback.objects.filter(registration__event=event)
    numbers = rows.aggregate(n=Count("pk"), average=Avg("rating"))
    ratings = {n: 0 for n in range(1, 6)}
    for rating, n in (
        rows.values_list("rating").annotate(n=Count("pk")).values_list("rating", "n")
    ):
        ratings[rating] = n
    comments = list(
        rows.exclude(comment="")
        .order_by("-updated_at")
        .values_list("comment", flat=True)[:200]
    )
    average = numbers["average"]
    return FeedbackSummary(
        count=numbers["n"],
        average=round(float(average), 1) if average is not None else None,
        ratings=ratings,
        comments=comments,
    )


def attendance_summary(event: Event) -> dict[str, int]:
    found = dict(
        event.registrations.filter(status=Registration.Status.REGISTERED)
        .values_list("attendance")
        .annotate(n=Count("pk"))
        .values_list("attendance", "n")
    )
    return {code: found.get(code, 0) for code in Registration.Attendance.values}


# --- a person's events -------------------------------------------------------------


def my_registrations(
    user: User, *, now: datetime | None = None
) -> QuerySet[Registration]:
    """`user`'s registrations for events from a month ago on, soonest first,
    for events they may still see."""
    now = now or timezone.now()
    return (
        Registration.objects.filter(
            user=user,
            event__ends_at__gte=now - RECENT,
        )
        .filter(
            Q(event__group__isnull=True)
            | content_visible_q(user, prefix="event__group__")
        )
        .select_related("event", "event__group")
        .order_by("event__starts_at", "event_id")
    )


def feed_registrations(user: User, *, now: datetime | None = None) -> list[Any]:
    """What the personal calendar feed holds: every registration (waiting and
    cancelled ones too) for events from a month ago on that `user` may see."""
    return list(my_registrations(user, now=now)[:500])


def hosted_by_organisation(organisation: Organisation) -> QuerySet[Event]:
    """An organisation's upcoming public events (confirmed hosting only)."""
    return (
        Event.objects.filter(
            group__isnull=True,
            status=Event.Status.SCHEDULED,
            ends_at__gt=timezone.now(),
            hosts__organisation=organisation,
            hosts__status=EventHost.Status.CONFIRMED,
        )
        .order_by("starts_at", "id")
        .distinct()
    )


def pending_cohost_invitations(user: User) -> QuerySet[EventHost]:
    """Co-hosting invitations that `user` may answer as an admin."""
    return EventHost.objects.filter(
        status=EventHost.Status.INVITED,
        organisation_id__in=admin_organisation_ids(user),
        event__status=Event.Status.SCHEDULED,
    ).select_related("event", "organisation")


def series_events(event: Event) -> QuerySet[Event]:
    if event.series_id is None:
        return Event.objects.filter(pk=event.pk)
    return Event.objects.filter(series_id=event.series_id).order_by("starts_at", "pk")


def upcoming_registrations(
    user: User, *, now: datetime | None = None
) -> QuerySet[Registration]:
    """`user`'s places and waiting-list spots for events still to come, soonest
    first, for events they may still see."""
    now = now or timezone.now()
    return (
        my_registrations(user, now=now)
        .filter(event__ends_at__gt=now, event__status=Event.Status.SCHEDULED)
        .exclude(status=Registration.Status.CANCELLED)
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_attendance_rows(
    since: datetime | None = None,
) -> list[tuple[int, datetime, list[int]]]:
    """(event id, starts at, ids of the people marked as attended) for events that
    were not cancelled and had at least two people checked in, oldest first."""
    rows = Registration.objects.filter(
        attendance=Registration.Attendance.ATTENDED,
        event__status=Event.Status.SCHEDULED,
    )
    if since is not None:
        rows = rows.filter(event__starts_at__gte=since)
    events: dict[int, tuple[datetime, list[int]]] = {}
    for event_id, starts_at, user_id in rows.order_by(
        "event__starts_at", "event_id", "user_id"
    ).values_list("event_id", "event__starts_at", "user_id"):
        events.setdefault(event_id, (starts_at, []))[1].append(user_id)
    return [
        (event_id, starts_at, people)
        for event_id, (starts_at, people) in events.items()
        if len(people) >= 2
    ]
