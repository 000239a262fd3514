"""Events: hosting, co-hosting, waiting lists, recurrence, reminders, feeds and the
calendar (services and selectors). The fixtures here are shared by the other
events test files."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from kindred.communities.models import Group
from kindred.communities.models import Membership as GroupMembership
from kindred.core import ical
from kindred.core.errors import KindredError, NotAllowed
from kindred.events import calendars, permissions, selectors, services
from kindred.events.models import (
    CalendarFeed,
    Event,
    EventHost,
    Feedback,
    Registration,
    SeriesRegistration,
)
from kindred.events.services import EventDetails, QuestionInput, StateConflict
from kindred.notifications.models import Notification
from kindred.organisations.models import Membership, Organisation, Role
from kindred.webhooks.models import Delivery, Endpoint

from .conftest import make_person

LONDON = ZoneInfo("Europe/London")


def at(days: float = 2, hour: int = 10, minute: int = 0) -> datetime:
    """A London wall-clock time `days` from today, as an aware datetime."""
    day = timezone.localdate() + timedelta(days=int(days))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def details(**overrides) -> EventDetails:
    values = {
        "title": "Cash-flow clinic",
        "description": "Bring your **numbers**.",
        "format": Event.Format.ONLINE,
        "starts_at": at(),
        "ends_at": at() + timedelta(hours=1),
        "time_zone": "Europe/London",
        "meeting_url": "https://zoom.example.com/j/123",
    }
    values.update(overrides)
    return EventDetails(**values)


# --- fixtures shared by the events tests ------------------------------------------


@pytest.fixture
def member(db):
    """A founder with no tie to any host."""
    return make_person("founder@events.example", "Fola Founder")


@pytest.fixture
def another(db):
    return make_person("second@events.example", "Sam Second")


@pytest.fixture
def third(db):
    return make_person("third@events.example", "Tia Third")


@pytest.fixture
def partner_admin(db):
    return make_person("pat@partner.example", "Pat Partner", mfa=True)


@pytest.fixture
def partner_org(partner_admin):
    org = Organisation.objects.create(
        name="Harbour Enterprise Agency", slug="harbour-enterprise", kind="charity"
    )
    Membership.objects.create(organisation=org, user=partner_admin, role=Role.ADMIN)
    return org


@pytest.fixture
def facilitator(db):
    return make_person("fran@group.example", "Fran Facilitator")


@pytest.fixture
def group_member(db):
    return make_person("gil@group.example", "Gil Member")


def _group(name, slug, visibility, facilitator, group_member):
    group = Group.objects.create(
        name=name,
        slug=slug,
        purpose="Peer support.",
        visibility=visibility,
        status=Group.Status.ACTIVE,
    )
    GroupMembership.objects.create(
        group=group, user=facilitator, role=GroupMembership.Role.FACILITATOR
    )
    GroupMembership.objects.create(group=group, user=group_member)
    return group


@pytest.fixture
def private_group(facilitator, group_member):
    return _group(
        "Founders in recovery", "recovery", "private", facilitator, group_member
    )


@pytest.fixture
def public_group(facilitator, group_member):
    return _group("Makers circle", "makers", "public", facilitator, group_member)


@pytest.fixture
def org_event(colleague, organisation, topics):
    """An online event of `organisation`, created by its practitioner."""
    event = services.create_event(
        details(topics=[topics["cash-flow-forecasting"]]),
        by=colleague,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation],
    )
    return event


@pytest.fixture
def small_event(owner, organisation):
    """Two places and a required question."""
    return services.create_event(
        details(
            title="Pitch practice",
            capacity=2,
            questions=[
                QuestionInput("What do you want to practise?", required=True),
                QuestionInput("Anything else?"),
            ],
        ),
        by=owner,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation],
    )


@pytest.fixture
def private_event(facilitator, private_group):
    return services.create_event(
        details(title="Recovery circle"),
        by=facilitator,
        host_kind=Event.HostKind.GROUP,
        group=private_group,
    )


def answers_for(event, text="My pitch"):
    first = event.questions.order_by("position").first()
    return {first.pk: text} if first else {}


def move_clock(event, *, starts_in: timedelta, length=timedelta(hours=1)):
    """Put `event` at a time relative to now (bypassing the future-only rule)."""
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() + starts_in,
        ends_at=timezone.now() + starts_in + length,
    )
    event.refresh_from_db()
    return event


# --- hosting ----------------------------------------------------------------------


def test_any_member_hosts_a_personal_event(member):
    event = services.create_event(details(), by=member, host_kind=Event.HostKind.PERSON)
    assert event.host_person == member and event.host_kind == "person"
    assert selectors.is_host(member, event)
    assert event.starts_at == at() and event.time_zone == "Europe/London"


def test_a_practitioner_hosts_for_their_organisation(org_event, colleague, owner):
    assert selectors.host_ids(org_event) == [org_event.hosts.get().organisation_id]
    assert selectors.is_host(colleague, org_event)
    assert selectors.is_host(owner, org_event)


def test_an_outsider_cannot_host_for_an_organisation(outsider, organisation):
    with pytest.raises(NotAllowed):
        services.create_event(
            details(),
            by=outsider,
            host_kind=Event.HostKind.ORGANISATION,
            organisations=[organisation],
        )
    assert not Event.objects.exists()


def test_only_facilitators_host_a_groups_events(
    group_member, facilitator, private_group
):
    with pytest.raises(NotAllowed):
        services.create_event(
            details(),
            by=group_member,
            host_kind=Event.HostKind.GROUP,
            group=private_group,
        )
    event = services.create_event(
        details(), by=facilitator, host_kind=Event.HostKind.GROUP, group=private_group
    )
    assert event.group == private_group and selectors.is_host(facilitator, event)
    assert not selectors.is_host(group_member, event)


def test_a_cohost_the_creator_runs_is_confirmed_at_once(
    owner, organisation, partner_org
):
    Membership.objects.create(organisation=partner_org, user=owner, role=Role.ADMIN)
    event = services.create_event(
        details(),
        by=owner,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation, partner_org],
    )
    event = selectors.visible_event(owner, event.pk)
    assert selectors.host_ids(event) == [organisation.pk, partner_org.pk]


def test_a_cohost_confirms_before_it_is_credited(
    owner, organisation, partner_org, partner_admin
):
    event = services.create_event(
        details(),
        by=owner,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation, partner_org],
    )
    assert selectors.host_ids(event) == [organisation.pk]
    assert Notification.objects.filter(
        recipient=partner_admin, kind="events.cohost_invited"
    ).exists()
    filters = selectors.CalendarFilters(organisation=partner_org.slug)
    assert selectors.calendar_page(owner, filters).events == []
    with pytest.raises(NotAllowed):
        services.answer_cohosting(event, partner_org, by=owner, accept=True)
    services.answer_cohosting(event, partner_org, by=partner_admin, accept=True)
    assert selectors.host_ids(event) == [organisation.pk, partner_org.pk]
    assert [e.pk for e in selectors.calendar_page(owner, filters).events] == [event.pk]
    # Both hosts' people run it now; the invitation cannot be answered twice.
    assert selectors.is_host(partner_admin, Event.objects.get(pk=event.pk))
    with pytest.raises(StateConflict):
        services.answer_cohosting(event, partner_org, by=partner_admin, accept=False)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": at() - timedelta(minutes=1)}, "ends_at", "end must be after"),
        ({"meeting_url": "http://zoom.example.com/j/1"}, "meeting_url", "https://"),
        ({"meeting_url": "javascript:alert(1)"}, "meeting_url", "https://"),
        ({"format": "in_person", "location": ""}, "location", "where"),
        ({"title": "  "}, "title", "title"),
        ({"starts_at": at(-3), "ends_at": at(-3, 11)}, "starts_at", "future"),
        ({"capacity": 0}, "capacity", "places"),
        ({"time_zone": "Mars/Base"}, "time_zone", "time zone"),
        ({"description": "<script>x</script>"}, "description", "not allowed"),
    ],
)
def test_bad_event_details_name_the_field_and_write_nothing(
    member, overrides, field, message
):
    with pytest.raises(KindredError) as raised:
        services.create_event(
            details(**overrides), by=member, host_kind=Event.HostKind.PERSON
        )
    assert raised.value.field == field and message in raised.value.message
    assert not Event.objects.exists()


def test_an_online_event_without_a_link_gets_a_video_room(member, settings):
    settings.KINDRED_VIDEO_BASE_URL = "https://video.example.org/"
    event = services.create_event(
        details(meeting_url="", generate_room=True),
        by=member,
        host_kind=Event.HostKind.PERSON,
    )
    assert event.meeting_url.startswith("https://video.example.org/Kindred-cash-flow")
    in_person = services.create_event(
        details(format="in_person", location="Town Hall", meeting_url="x"),
        by=member,
        host_kind=Event.HostKind.PERSON,
    )
    assert in_person.meeting_url == "" and in_person.location == "Town Hall"


def test_the_same_form_submitted_twice_creates_one_event(member):
    token = uuid.uuid4()
    first = services.create_event(
        details(), by=member, host_kind=Event.HostKind.PERSON, client_token=token
    )
    again = services.create_event(
        details(), by=member, host_kind=Event.HostKind.PERSON, client_token=token
    )
    assert first.pk == again.pk and Event.objects.count() == 1


# --- registering and the waiting list ---------------------------------------------


def test_registering_past_capacity_joins_the_waiting_list_and_a_cancel_promotes(
    small_event, member, another, third, owner
):
    first = services.register(small_event, by=member, answers=answers_for(small_event))
    second = services.register(
        small_event, by=another, answers=answers_for(small_event)
    )
    waiting = services.register(small_event, by=third, answers=answers_for(small_event))
    assert [first.status, second.status, waiting.status] == [
        "registered",
        "registered",
        "waitlisted",
    ]
    assert selectors.waitlist_position(waiting) == 1
    assert selectors.counts(small_event).is_full
    # Hosts hear of each registration (by the daily digest by default).
    assert (
        Notification.objects.filter(recipient=owner, kind="events.registered").count()
        == 3
    )

    services.cancel_registration(small_event, by=another)
    waiting.refresh_from_db()
    assert waiting.status == "registered"
    assert Notification.objects.filter(recipient=third, kind="events.promoted").exists()
    counts = selectors.counts(small_event)
    assert (counts.registered, counts.waitlisted) == (2, 0)


def test_registering_twice_registers_once(small_event, member):
    one = services.register(small_event, by=member, answers=answers_for(small_event))
    two = services.register(small_event, by=member, answers=answers_for(small_event))
    assert one.pk == two.pk
    assert Registration.objects.filter(event=small_event, user=member).count() == 1
    assert selectors.counts(small_event).registered == 1


def test_a_required_question_must_be_answered_and_nothing_is_written(
    small_event, member
):
    with pytest.raises(KindredError) as raised:
        services.register(small_event, by=member, answers=answers_for(small_event, ""))
    assert "What do you want to practise?" in raised.value.message
    assert not Registration.objects.exists()
    registration = services.register(
        small_event, by=member, answers=answers_for(small_event, "Slides")
    )
    assert [a.text for a in registration.answers.all()] == ["Slides"]


def test_answers_to_another_events_questions_are_refused(
    small_event, org_event, member
):
    with pytest.raises(KindredError):
        services.register(org_event, by=member, answers=answers_for(small_event))
    assert not Registration.objects.exists()


def test_a_cancelled_or_started_event_takes_no_registrations(
    org_event, member, colleague
):
    move_clock(org_event, starts_in=-timedelta(minutes=5))
    with pytest.raises(StateConflict, match="started"):
        services.register(org_event, by=member)
    move_clock(org_event, starts_in=timedelta(days=1))
    services.cancel_event(org_event, by=colleague)
    with pytest.raises(StateConflict, match="cancelled"):
        services.register(org_event, by=member)
    assert not Registration.objects.exists()


def test_a_person_who_cancelled_queues_again_at_the_back(
    small_event, member, another, third
):
    for person in (member, another, third):
        services.register(small_event, by=person, answers=answers_for(small_event))
    services.cancel_registration(small_event, by=third)
    services.register(small_event, by=third, answers=answers_for(small_event))
    assert Registration.objects.get(user=third).status == "waitlisted"
    with pytest.raises(StateConflict):
        services.cancel_registration(small_event, by=make_person("x@x.example", "X"))


def test_more_places_promote_the_waiting_list(
    small_event, owner, member, another, third
):
    for person in (member, another, third):
        services.register(small_event, by=person, answers=answers_for(small_event))
    change = details(title="Pitch practice", capacity=3)
    services.change_event(small_event, change, by=owner)
    assert Registration.objects.get(user=third).status == "registered"
    with pytest.raises(KindredError, match="keep at least"):
        services.change_event(small_event, details(capacity=1), by=owner)


def test_cancelling_an_event_tells_registrants_and_webhooks(
    org_event, colleague, member, organisation
):
    Endpoint.objects.create(
        organisation=organisation,
        url="https://hooks.example.com/kindred",
        event_types=["event.registered", "event.cancelled"],
    )
    services.register(org_event, by=member)
    assert Delivery.objects.filter(event_type="event.registered").count() == 1
    services.cancel_event(org_event, by=colleague, reason="The trainer is ill.")
    org_event.refresh_from_db()
    assert org_event.is_cancelled and org_event.sequence == 1
    note = Notification.objects.get(recipient=member, kind="events.cancelled")
    assert "The trainer is ill." in note.message
    delivery = Delivery.objects.get(event_type="event.cancelled")
    assert delivery.payload["data"]["event"]["id"] == org_event.pk
    assert "member" not in str(delivery.payload)  # no personal data in webhooks
    with pytest.raises(StateConflict):
        services.cancel_event(org_event, by=colleague)


def test_only_hosts_cancel_or_change(org_event, outsider, member):
    with pytest.raises(NotAllowed):
        services.cancel_event(org_event, by=outsider)
    with pytest.raises(NotAllowed):
        services.change_event(org_event, details(title="Hijacked"), by=member)
    org_event.refresh_from_db()
    assert org_event.status == "scheduled" and org_event.title == "Cash-flow clinic"


def test_a_new_time_tells_registrants_and_resets_reminders(
    org_event, colleague, member
):
    registration = services.register(org_event, by=member)
    Registration.objects.filter(pk=registration.pk).update(
        day_reminder_at=timezone.now()
    )
    services.change_event(
        org_event,
        details(starts_at=at(3), ends_at=at(3, 12)),
        by=colleague,
    )
    org_event.refresh_from_db()
    registration.refresh_from_db()
    assert org_event.starts_at == at(3) and org_event.sequence == 1
    assert registration.day_reminder_at is None
    assert Notification.objects.filter(recipient=member, kind="events.changed").exists()


# --- the room link ----------------------------------------------------------------


def test_the_room_link_shows_to_registered_people_only_near_the_start(
    org_event, member, another, colleague
):
    registration = services.register(org_event, by=member)
    start = org_event.starts_at
    assert not permissions.can_see_room(
        member, org_event, registration, now=start - timedelta(minutes=16)
    )
    assert permissions.can_see_room(
        member, org_event, registration, now=start - timedelta(minutes=15)
    )
    assert permissions.can_see_room(
        member, org_event, registration, now=start + timedelta(minutes=59)
    )
    assert not permissions.can_see_room(
        member, org_event, registration, now=org_event.ends_at
    )
    assert not permissions.can_see_room(another, org_event, None, now=start)
    # Hosts always; nobody once it is cancelled.
    assert permissions.can_see_room(
        colleague, org_event, None, now=start - timedelta(days=1)
    )
    cancelled = services.cancel_event(org_event, by=colleague)
    assert not permissions.can_see_room(colleague, cancelled, None, now=start)


def test_waiting_people_do_not_see_the_room(small_event, member, another, third):
    for person in (member, another, third):
        services.register(small_event, by=person, answers=answers_for(small_event))
    waiting = Registration.objects.get(user=third)
    assert not permissions.can_see_room(
        third, small_event, waiting, now=small_event.starts_at
    )


# --- recurrence -------------------------------------------------------------------


def test_a_weekly_series_keeps_its_local_time_across_the_clock_change(
    facilitator, public_group, member, settings
):
    """Sessions materialised across the last Sunday of October keep 10:00 local."""
    first = datetime(2030, 10, 15, 10, 0, tzinfo=LONDON)
    event = services.create_event(
        details(starts_at=first, ends_at=first + timedelta(hours=1)),
        by=facilitator,
        host_kind=Event.HostKind.GROUP,
        group=public_group,
        rule="FREQ=WEEKLY;COUNT=3",
    )
    sessions = list(selectors.series_events(event))
    assert len(sessions) == 3 and sessions[0] == event
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [9, 9, 10]
    assert {s.starts_at.astimezone(LONDON).hour for s in sessions} == {10}
    assert all(s.group == public_group for s in sessions)
    assert event.series.rule == "FREQ=WEEKLY;COUNT=3"

    services.register(event, by=member, whole_series=True)
    assert Registration.objects.filter(user=member, status="registered").count() == 3
    assert SeriesRegistration.objects.filter(user=member).exists()
    services.cancel_registration(sessions[1], by=member, whole_series=True)
    statuses = dict(
        Registration.objects.filter(user=member).values_list("event_id", "status")
    )
    assert statuses == {
        sessions[0].pk: "registered",
        sessions[1].pk: "cancelled",
        sessions[2].pk: "cancelled",
    }


def test_a_bad_rule_is_refused_and_nothing_is_written(member):
    with pytest.raises(KindredError) as raised:
        services.create_event(
            details(), by=member, host_kind=Event.HostKind.PERSON, rule="FREQ=WEEKLY"
        )
    assert raised.value.field == "rule"
    assert not Event.objects.exists()


def test_cohosts_confirm_for_every_session_of_a_series(
    owner, organisation, partner_org, partner_admin
):
    event = services.create_event(
        details(),
        by=owner,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation, partner_org],
        rule="FREQ=WEEKLY;COUNT=4",
    )
    services.answer_cohosting(event, partner_org, by=partner_admin, accept=True)
    assert (
        EventHost.objects.filter(
            organisation=partner_org, status=EventHost.Status.CONFIRMED
        ).count()
        == 4
    )


# --- reminders --------------------------------------------------------------------


def test_reminders_go_a_day_and_an_hour_before_once_each(org_event, member, another):
    services.register(org_event, by=member)
    start = org_event.starts_at

    def reminders(person):
        return Notification.objects.filter(recipient=person, kind="events.reminder")

    assert services.send_reminders(now=start - timedelta(hours=30)) == 0
    assert services.send_reminders(now=start - timedelta(hours=23)) == 1
    assert services.send_reminders(now=start - timedelta(hours=22)) == 0
    assert "Tomorrow" in reminders(member).get().message
    assert services.send_reminders(now=start - timedelta(minutes=55)) == 1
    assert services.send_reminders(now=start - timedelta(minutes=50)) == 0
    assert reminders(member).count() == 2
    assert services.send_reminders(now=start + timedelta(minutes=1)) == 0

    # Someone registering 40 minutes before gets only the hour reminder.
    Registration.objects.create(
        event=org_event, user=another, status=Registration.Status.REGISTERED
    )
    assert services.send_reminders(now=start - timedelta(minutes=40)) == 1
    assert services.send_reminders(now=start - timedelta(minutes=30)) == 0
    assert "within the hour" in reminders(another).get().message


def test_the_reminder_job_is_scheduled():
    from kindred.core.tasks import SCHEDULE

    job = next(
        j for j in SCHEDULE if j.task_path == "kindred.events.tasks.send_reminders"
    )
    assert job.cadence.startswith("every:")


# --- after the event --------------------------------------------------------------


def test_hosts_mark_attendance_and_attendees_give_feedback_once(
    org_event, colleague, member, another, outsider
):
    mine = services.register(org_event, by=member)
    theirs = services.register(org_event, by=another)
    with pytest.raises(StateConflict):
        services.mark_attendance(org_event, mine, by=colleague, attendance="attended")
    with pytest.raises(StateConflict, match="over"):
        services.give_feedback(org_event, by=member, rating=5)
    move_clock(org_event, starts_in=-timedelta(hours=2))
    with pytest.raises(NotAllowed):
        services.mark_attendance(org_event, mine, by=outsider, attendance="attended")
    services.mark_attendance(org_event, mine, by=colleague, attendance="attended")
    services.mark_attendance(org_event, theirs, by=colleague, attendance="no_show")
    assert selectors.attendance_summary(org_event) == {
        "unknown": 0,
        "attended": 1,
        "no_show": 1,
    }
    services.give_feedback(org_event, by=member, rating=4, comment="Useful.")
    services.give_feedback(org_event, by=member, rating=5, comment="Very useful.")
    assert Feedback.objects.count() == 1
    with pytest.raises(NotAllowed):
        services.give_feedback(org_event, by=another, rating=1)
    with pytest.raises(NotAllowed):
        services.give_feedback(org_event, by=outsider, rating=1)
    with pytest.raises(KindredError, match="1 to 5"):
        services.give_feedback(org_event, by=member, rating=6)
    summary = selectors.feedback_summary(org_event)
    assert (summary.count, summary.average, summary.comments) == (
        1,
        5.0,
        ["Very useful."],
    )
    assert summary.ratings[5] == 1


# --- visibility -------------------------------------------------------------------


def test_a_private_groups_event_is_hidden_from_outsiders_everywhere(
    private_event, outsider, group_member, facilitator
):
    assert selectors.visible_event(outsider, private_event.pk) is None
    assert selectors.visible_event(group_member, private_event.pk) is not None
    assert private_event.pk not in [
        e.pk for e in selectors.calendar_page(outsider).events
    ]
    assert private_event.pk in [
        e.pk for e in selectors.calendar_page(group_member).events
    ]
    # A member who registered and then left no longer sees it in their feed.
    services.register(private_event, by=group_member)
    assert [r.event_id for r in selectors.feed_registrations(group_member)] == [
        private_event.pk
    ]
    GroupMembership.objects.filter(user=group_member).update(status="left")
    group_member = type(group_member).objects.get(pk=group_member.pk)
    assert selectors.feed_registrations(group_member) == []
    assert selectors.visible_event(group_member, private_event.pk) is None


def test_same_day_public_events_with_shared_topics_are_found(
    org_event, member, topics, private_group, facilitator
):
    services.create_event(
        details(title="Private numbers", topics=[topics["cash-flow-forecasting"]]),
        by=facilitator,
        host_kind=Event.HostKind.GROUP,
        group=private_group,
    )
    total, found = selectors.same_day_events(
        starts_at=at(hour=15),
        time_zone="Europe/London",
        topic_ids=[topics["cash-flow-forecasting"].pk],
    )
    assert total == 1 and found == [org_event]  # never a private group's event
    assert selectors.same_day_events(
        starts_at=at(days=3),
        time_zone="Europe/London",
        topic_ids=[topics["cash-flow-forecasting"].pk],
    ) == (0, [])


# --- the calendar -----------------------------------------------------------------


def bulk_events(count, organisation, topic, *, start_in_days=1):
    """Create `count` public events quickly (as a benchmark would)."""
    now = timezone.now()
    events = Event.objects.bulk_create(
        [
            Event(
                title=f"Event {i}",
                format=Event.Format.ONLINE,
                starts_at=now + timedelta(days=start_in_days, hours=i),
                ends_at=now + timedelta(days=start_in_days, hours=i + 1),
                time_zone="Europe/London",
                host_kind=Event.HostKind.ORGANISATION,
            )
            for i in range(count)
        ]
    )
    events = list(Event.objects.filter(title__startswith="Event ").order_by("pk"))
    EventHost.objects.bulk_create(
        [EventHost(event=e, organisation=organisation) for e in events]
    )
    Event.topics.through.objects.bulk_create(
        [Event.topics.through(event_id=e.pk, topic_id=topic.pk) for e in events]
    )
    return events


@pytest.mark.parametrize("count", [3, 30])
def test_the_calendar_costs_the_same_for_3_and_30_events(
    count, member, organisation, topics, django_assert_max_num_queries
):
    bulk_events(count, organisation, topics["pricing"])
    member = type(member).objects.get(pk=member.pk)
    with django_assert_max_num_queries(5):
        page = selectors.calendar_page(member, selectors.CalendarFilters(), 1)
        [list(e.topics.all()) for e in page.events]
        [e.confirmed_hosts for e in page.events]
    assert len(page.events) == min(count, selectors.CALENDAR_PAGE_SIZE)
    assert page.has_next == (count > selectors.CALENDAR_PAGE_SIZE)


def test_the_calendar_filters_orders_and_pages(
    member, organisation, partner_org, topics
):
    events = bulk_events(25, organisation, topics["pricing"])
    Event.objects.filter(pk=events[0].pk).update(format=Event.Format.IN_PERSON)
    first = selectors.calendar_page(member, selectors.CalendarFilters(), 1)
    second = selectors.calendar_page(member, selectors.CalendarFilters(), 2)
    assert [e.pk for e in first.events + second.events] == [e.pk for e in events]
    assert not second.has_next and second.has_previous
    assert selectors.calendar_page(
        member, selectors.CalendarFilters(format="in_person")
    ).events == [events[0]]
    assert (
        selectors.calendar_page(
            member, selectors.CalendarFilters(topic="mindfulness")
        ).events
        == []
    )
    assert (
        selectors.calendar_page(
            member, selectors.CalendarFilters(organisation=partner_org.slug)
        ).events
        == []
    )
    assert (
        len(
            selectors.calendar_page(
                member, selectors.CalendarFilters(organisation=organisation.slug)
            ).events
        )
        == 20
    )
    months = first.months("Europe/London")
    assert sum(len(m.events) for m in months) == 20


# --- calendar files and feeds -----------------------------------------------------


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, list(calendar.walk("VEVENT"))


def test_an_event_file_parses_with_its_zone_and_never_holds_the_room(org_event):
    calendar, (vevent,) = parse(ical.build_calendar([calendars.entry(org_event)]))
    assert str(vevent["UID"]) == ical.uid_for("event", org_event.pk)
    assert vevent.start == org_event.starts_at
    assert str(vevent.start.tzinfo) == "Europe/London"
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert "DTSTAMP" in vevent and str(vevent["SUMMARY"]) == "Cash-flow clinic"
    assert str(vevent["URL"]).endswith(f"/events/{org_event.pk}/")
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert (
        "zoom.example.com"
        not in ical.build_calendar([calendars.entry(org_event)]).decode()
    )
    # The UID is stable: the same event gives the same UID next time.
    _c, (again,) = parse(ical.build_calendar([calendars.entry(org_event)]))
    assert again["UID"] == vevent["UID"]


def test_series_files_keep_local_time_across_the_spring_change(
    facilitator, public_group
):
    first = datetime(2030, 3, 24, 10, 0, tzinfo=LONDON)  # the Sunday before BST
    event = services.create_event(
        details(starts_at=first, ends_at=first + timedelta(hours=1)),
        by=facilitator,
        host_kind=Event.HostKind.GROUP,
        group=public_group,
        rule="FREQ=WEEKLY;COUNT=2",
    )
    sessions = list(selectors.series_events(event))
    _c, vevents = parse(ical.build_calendar([calendars.entry(s) for s in sessions]))
    assert [v.start.astimezone(LONDON).hour for v in vevents] == [10, 10]
    assert [v.start.astimezone(UTC).hour for v in vevents] == [10, 9]
    assert all(v["DTSTART"].params["TZID"] == "Europe/London" for v in vevents)


def test_the_personal_feed_marks_waiting_and_cancelled(
    small_event, org_event, member, another, third, colleague
):
    for person in (member, another):
        services.register(small_event, by=person, answers=answers_for(small_event))
    services.register(small_event, by=third, answers=answers_for(small_event))
    services.register(org_event, by=third)
    services.cancel_event(org_event, by=colleague)
    _c, vevents = parse(
        ical.build_calendar(calendars.entries(selectors.feed_registrations(third)))
    )
    statuses = {str(v["SUMMARY"]): str(v["STATUS"]) for v in vevents}
    assert statuses == {"Pitch practice": "TENTATIVE", "Cash-flow clinic": "CANCELLED"}


def test_feed_secrets_are_stored_hashed_revocable_and_recreatable(member):
    feed, raw = services.create_feed(by=member)
    assert raw.startswith("kcal_") and raw not in feed.key_hash
    assert services.feed_owner(raw) == member
    _new_feed, new_raw = services.create_feed(by=member)
    assert services.feed_owner(raw) is None  # the old address stops working
    assert services.feed_owner(new_raw) == member
    assert (
        CalendarFeed.objects.filter(user=member, revoked_at__isnull=True).count() == 1
    )
    services.revoke_feed(by=member)
    assert services.feed_owner(new_raw) is None
    assert services.feed_owner("kcal_guess") is None


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_place_at_once_cannot_both_get_it(
    owner, organisation, member, another
):
    """The event row is locked while places are counted (PostgreSQL; SQLite
    serialises writers by itself)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    event = services.create_event(
        details(capacity=1),
        by=owner,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation],
    )
    barrier = threading.Barrier(2)
    statuses = []

    def take(person):
        try:
            barrier.wait()
            statuses.append(services.register(event, by=person).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(p,)) for p in (member, another)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == ["registered", "waitlisted"]
    assert selectors.counts(event).registered == 1
