"""Demo events: online, in-person and hybrid sessions, some recurring.

Rows are written directly (past events cannot be made through the services, which
only accept future starts); a few dozen rows, so it stays fast at any scale.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from kindred.accounts.models import User
from kindred.algorithms import recurrence
from kindred.communities.models import Group
from kindred.communities.models import Membership as GroupMembership
from kindred.core.models import Topic
from kindred.core.video import room_url
from kindred.events.models import (
    Answer,
    Event,
    EventHost,
    EventSeries,
    Feedback,
    Question,
    Registration,
)
from kindred.organisations.models import Organisation

if TYPE_CHECKING:
    from kindred.core.demo import Cast

ZONE = "Europe/London"


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock time `days` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return recurrence.to_utc(datetime.combine(day, time(hour, minute)), ZONE)


def _event(
    title: str,
    *,
    description: str,
    format: str,
    starts_at: datetime,
    hours: float = 1.5,
    location: str = "",
    hosts: list[Organisation] | None = None,
    person: User | None = None,
    group: Group | None = None,
    capacity: int | None = None,
    topics: list[Topic] | None = None,
    series: EventSeries | None = None,
    status: str = Event.Status.SCHEDULED,
    created_at: datetime | None = None,
) -> Event:
    if group is not None:
        host_kind = Event.HostKind.GROUP
    elif hosts:
        host_kind = Event.HostKind.ORGANISATION
    else:
        host_kind = Event.HostKind.PERSON
    event = Event.objects.create(
        title=title,
        description=description,
        format=format,
        location=location,
        meeting_url=room_url(title) if format != Event.Format.IN_PERSON else "",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        time_zone=ZONE,
        capacity=capacity,
        host_kind=host_kind,
        host_person=person if host_kind == Event.HostKind.PERSON else None,
        group=group,
        series=series,
        status=status,
        created_by=person,
        cancelled_at=timezone.now() if status == Event.Status.CANCELLED else None,
        created_at=created_at or timezone.now(),
    )
    EventHost.objects.bulk_create(
        [
            EventHost(event=event, organisation=org, position=i)
            for i, org in enumerate(hosts or [])
        ]
    )
    if topics:
        event.topics.set(topics)
    return event


def _register(
    event: Event, people: list[User], status: str = Registration.Status.REGISTERED
) -> list[Registration]:
    now = timezone.now()
    return Registration.objects.bulk_create(
        [
            Registration(
                event=event,
                user=person,
                status=status,
                queued_at=now + timedelta(seconds=i),
                created_at=now,
            )
            for i, person in enumerate(people)
        ]
    )


def build(
    orgs: list[Organisation],
    people: dict[str, User],
    groups: list[Group],
    rng: random.Random,
) -> None:
    """Create demo events, past and upcoming, with registrations."""
    topics = {t.slug: t for t in Topic.objects.all()}

    def topic(*slugs: str) -> list[Topic]:
        return [topics[s] for s in slugs if s in topics]

    hub, mindful, university = orgs[0], orgs[1], orgs[2]
    chamber, skills = orgs[4], orgs[7]
    founder = people["founder@example.org"]
    lead = people["programme.lead@example.org"]
    others = [
        u for email, u in sorted(people.items()) if email.endswith("demo.example.org")
    ]
    crowd = rng.sample(others, min(12, len(others)))

    clinic = _event(
        "Cash-flow clinic",
        description="Bring your numbers: a **practical hour** on forecasting cash "
        "flow, with time for your questions.",
        format=Event.Format.ONLINE,
        starts_at=_at(3, 12, 30),
        hours=1,
        hosts=[hub],
        capacity=30,
        topics=topic("cash-flow-forecasting", "bookkeeping-and-accounts"),
    )
    Question.objects.create(
        event=clinic, text="What would you like to ask about?", position=0
    )
    _register(clinic, [founder, *crowd[:5]])

    _event(
        "Mindful leadership morning",
        description="A calm morning of breathing practice and conversation for "
        "founders under pressure. Tea and toast provided.",
        format=Event.Format.IN_PERSON,
        starts_at=_at(6, 9, 30),
        hours=2.5,
        location="The Quaker Meeting House, 4 Mill Lane, Northshire",
        hosts=[mindful],
        capacity=16,
        topics=topic("mindfulness", "leadership-and-management"),
    )

    export = _event(
        "Export readiness workshop",
        description="Markets, paperwork and trade missions, with the Chamber's "
        "export documents team. Join in the room or online.",
        format=Event.Format.HYBRID,
        starts_at=_at(10, 14),
        hours=2,
        location="Chamber House, Market Square, Northshire",
        hosts=[hub, chamber],
        capacity=40,
        topics=topic("exporting-and-international-trade"),
    )
    _register(export, crowd[3:9])

    pitch = _event(
        "Pitch practice evening",
        description="Five minutes each, friendly feedback from mentors. Places "
        "are few so everyone gets a turn.",
        format=Event.Format.IN_PERSON,
        starts_at=_at(8, 18),
        hours=2,
        location="Enterprise Hub, University of Northshire",
        hosts=[university],
        capacity=4,
        topics=topic("public-speaking-and-pitching", "sales-and-negotiation"),
    )
    _register(pitch, crowd[:4])
    _register(pitch, [*crowd[4:5], founder], status=Registration.Status.WAITLISTED)

    past = _event(
        "Pricing for profit",
        description="How to set prices that cover your costs and your time.",
        format=Event.Format.ONLINE,
        starts_at=_at(-7, 10),
        hours=1.5,
        hosts=[skills],
        topics=topic("pricing"),
    )
    attended = _register(past, [founder, *crowd[5:9]])
    for i, registration in enumerate(attended):
        registration.attendance = (
            Registration.Attendance.NO_SHOW
            if i == len(attended) - 1
            else Registration.Attendance.ATTENDED
        )
    Registration.objects.bulk_update(attended, ["attendance"])
    comments = ["Clear and practical.", "", "I raised my prices the next day!", ""]
    Feedback.objects.bulk_create(
        [
            Feedback(registration=r, rating=rng.choice([4, 5]), comment=comments[i])
            for i, r in enumerate(attended[:-1])
        ]
    )

    _event(
        "Founders' coffee (online)",
        description="An informal half hour to swap what is working. No slides.",
        format=Event.Format.ONLINE,
        starts_at=_at(4, 8, 30),
        hours=0.5,
        person=founder,
        topics=topic("branding"),
    )
    _event(
        "Grant writing surgery",
        description="Postponed to the new year.",
        format=Event.Format.ONLINE,
        starts_at=_at(5, 15),
        hosts=[orgs[3]],
        topics=topic("loans-and-grants"),
        status=Event.Status.CANCELLED,
    )
    _weekly_sessions(mindful, lead, founder, groups, topic("mindfulness"), crowd)


def _weekly_sessions(
    mindful: Organisation,
    lead: User,
    founder: User,
    groups: list[Group],
    topics: list[Topic],
    crowd: list[User],
) -> None:
    """A weekly online session of a public demo group (hosted by it, its facilitator
    the creator), or of the wellbeing programme while there are no groups."""
    public = [
        g
        for g in groups
        if g.visibility == Group.Visibility.PUBLIC and g.status == Group.Status.ACTIVE
    ]
    founders = set(
        GroupMembership.objects.filter(
            user=founder, status=GroupMembership.Status.ACTIVE
        ).values_list("group_id", flat=True)
    )
    # A public group the founder belongs to, so the journey finds its sessions.
    group = next((g for g in public if g.pk in founders), public[0] if public else None)
    creator = lead
    if group is not None:
        facilitator = (
            GroupMembership.objects.filter(
                group=group, role=GroupMembership.Role.FACILITATOR
            )
            .select_related("user")
            .first()
        )
        creator = facilitator.user if facilitator else lead
    first = timezone.localdate() + timedelta(days=2)
    local = datetime.combine(first, time(10, 0))
    sessions = recurrence.expand(
        "FREQ=WEEKLY;COUNT=8", start=local, duration=timedelta(hours=1), time_zone=ZONE
    )
    series = EventSeries.objects.create(
        rule="FREQ=WEEKLY;COUNT=8",
        time_zone=ZONE,
        first_start=sessions[0].starts_at,
        created_by=creator,
    )
    room = room_url("wellbeing circle")
    title = f"{group.name}: weekly session" if group else "Wellbeing circle"
    events = Event.objects.bulk_create(
        [
            Event(
                title=title,
                description="A weekly hour of mindfulness practice and peer "
                "support. Come to one or to all of them.",
                format=Event.Format.ONLINE,
                meeting_url=room,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                time_zone=ZONE,
                capacity=25,
                host_kind=Event.HostKind.GROUP
                if group
                else Event.HostKind.ORGANISATION,
                group=group,
                series=series,
                created_by=creator,
            )
            for s in sessions
        ]
    )
    events = list(Event.objects.filter(series=series).order_by("starts_at"))
    if group is None:
        EventHost.objects.bulk_create(
            [EventHost(event=e, organisation=mindful) for e in events]
        )
    Through = Event.topics.through
    Through.objects.bulk_create(
        [Through(event_id=e.pk, topic_id=t.pk) for e in events for t in topics]
    )
    questions = Question.objects.bulk_create(
        [
            Question(event=e, text="Anything the facilitator should know?")
            for e in events
        ]
    )
    registrations = [r for e in events for r in _register(e, [founder, *crowd[6:9]])]
    Answer.objects.create(
        registration=registrations[0],
        question=questions[0],
        text="First time trying mindfulness.",
    )


def bulk_upcoming(
    count: int,
    *,
    organisations: list[Organisation],
    topics: list[Topic],
    rng: random.Random,
    days: int = 180,
) -> int:
    """Create `count` upcoming public events in bulk (for benchmarks): spread over
    `days`, each hosted by one or two of `organisations` with one or two `topics`.
    Return how many were made."""
    now = timezone.now().replace(second=0, microsecond=0)
    formats = list(Event.Format.values)
    made = 0
    for start in range(0, count, 2000):
        rows = [
            Event(
                title=f"Workshop {start + i + 1}",
                description="A practical session for founders.",
                format=rng.choice(formats),
                location="Northshire",
                starts_at=now + timedelta(minutes=rng.randrange(60, days * 24 * 60)),
                ends_at=now,  # set below, after the start is known
                time_zone=ZONE,
                capacity=rng.choice([None, 20, 50]),
                host_kind=Event.HostKind.ORGANISATION,
            )
            for i in range(min(2000, count - start))
        ]
        for row in rows:
            row.ends_at = row.starts_at + timedelta(hours=rng.choice([1, 2, 3]))
        created = Event.objects.bulk_create(rows)
        if created and created[0].pk is None:  # no RETURNING: read the ids back
            created = list(
                Event.objects.filter(title__startswith="Workshop ").order_by("-pk")[
                    : len(rows)
                ]
            )
        EventHost.objects.bulk_create(
            [
                EventHost(event_id=event.pk, organisation_id=org.pk, position=position)
                for event in created
                for position, org in enumerate(
                    rng.sample(
                        organisations, min(len(organisations), rng.choice([1, 2]))
                    )
                )
            ]
        )
        Through = Event.topics.through
        Through.objects.bulk_create(
            [
                Through(event_id=event.pk, topic_id=topic.pk)
                for event in created
                for topic in rng.sample(topics, min(len(topics), rng.choice([1, 2])))
            ]
        )
        made += len(created)
    return made


def history(orgs: list[Organisation], cast: Cast, rng: random.Random) -> int:
    """Backdate a year of the Chamber's monthly founders' breakfast, co-hosted
    with a different organisation each time: a few more people came each month
    and met people from other organisations there. Return how many were held."""
    from kindred.core.demo import past_months

    if len(orgs) < 8:
        return 0
    chamber = orgs[4]
    partners = [o for o in orgs[:12] if o.pk != chamber.pk]
    topics = list(
        Topic.objects.filter(slug__in=["networking", "partnerships-and-collaboration"])
    )
    held = 0
    registrations = []
    for growth, start, end in past_months()[:-1]:
        day = start + timedelta(days=min(9, (end - start).days - 1))
        starts_at = recurrence.to_utc(datetime.combine(day, time(8, 0)), ZONE)
        if starts_at >= timezone.now():
            continue
        co_host = partners[held % len(partners)]
        event = _event(
            f"Founders' breakfast: {day:%B %Y}",
            description="Coffee, pastries and an hour to meet other founders and "
            "the people who support them. Hosted by the Chamber with a partner "
            "organisation each month.",
            format=Event.Format.IN_PERSON,
            starts_at=starts_at,
            hours=1.5,
            location="Northshire Chamber of Commerce, Market Street",
            hosts=[chamber, co_host],
            capacity=40,
            topics=topics,
            created_at=starts_at - timedelta(days=21),
        )
        held += 1
        guests = rng.sample(cast.people, min(len(cast.people), 5 + round(9 * growth)))
        for index, guest in enumerate(guests):
            registered = starts_at - timedelta(days=rng.randint(1, 20))
            registrations.append(
                Registration(
                    event=event,
                    user=guest,
                    status=Registration.Status.REGISTERED,
                    attendance=(
                        Registration.Attendance.NO_SHOW
                        if rng.random() < 0.25 - 0.1 * growth
                        else Registration.Attendance.ATTENDED
                    ),
                    queued_at=registered + timedelta(seconds=index),
                    created_at=registered,
                )
            )
    Registration.objects.bulk_create(registrations)
    return held
