# ruff: noqa: F811 - the shared fixtures are imported from test_events
"""Event pages: the calendar, hosting, registering, managing, files and feeds.

Each refusal is checked twice: the answer (403, 404 or a clear message) and the
database (nothing changed).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from kindred.events import services
from kindred.events.models import Event, Feedback, Registration

from .test_events import (  # noqa: F401 - fixtures
    another,
    answers_for,
    at,
    bulk_events,
    details,
    facilitator,
    group_member,
    member,
    move_clock,
    org_event,
    partner_admin,
    partner_org,
    private_event,
    private_group,
    small_event,
    third,
)


def form_data(**overrides):
    values = {
        "title": "Pricing workshop",
        "description": "Set prices with confidence.",
        "host": "person",
        "format": "online",
        "meeting_url": "",
        "date": at().date().isoformat(),
        "start_time": "10:00",
        "end_time": "11:30",
        "time_zone": "Europe/London",
        "capacity": "",
        "repeat": "",
        "sessions": "6",
        "question_1": "",
        "question_2": "",
        "question_3": "",
    }
    values.update(overrides)
    return values


def test_signed_out_visitors_are_sent_to_log_in(client, org_event):
    for url in (
        "/events/",
        "/events/new/",
        f"/events/{org_event.pk}/",
        "/events/mine/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_calendar_lists_events_by_month_with_filters(
    client, member, org_event, topics
):
    client.force_login(member)
    body = client.get("/events/").content.decode()
    assert "Cash-flow clinic" in body and org_event.starts_at.strftime("%B") in body
    assert "Riverside Growth Hub" in body
    empty = client.get("/events/?format=in_person").content.decode()
    assert "No events match these filters." in empty
    assert (
        "Cash-flow clinic"
        in client.get("/events/?topic=cash-flow-forecasting").content.decode()
    )
    assert client.get("/events/?format=bogus&page=x").status_code == 200
    # An unknown value drops that filter only.
    kept = client.get("/events/?format=bogus&topic=pricing").content.decode()
    assert "No events match these filters." in kept


def test_the_calendar_says_when_there_are_no_events(client, member):
    client.force_login(member)
    assert "No upcoming events yet." in client.get("/events/").content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_calendar_page_costs_the_same_for_3_and_30_events(
    count, client, member, organisation, topics, django_assert_max_num_queries
):
    bulk_events(count, organisation, topics["pricing"])
    client.force_login(member)
    with django_assert_max_num_queries(14):
        response = client.get("/events/")
    assert response.status_code == 200


def test_a_member_hosts_an_event_through_the_form(client, member):
    client.force_login(member)
    assert client.get("/events/new/").status_code == 200
    response = client.post("/events/new/", form_data())
    event = Event.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/events/{event.pk}/"
    )
    assert event.host_person == member and event.meeting_url.startswith("https://")
    assert event.starts_at == at(hour=10)


def test_a_bad_event_form_says_what_is_wrong_and_keeps_what_was_typed(client, member):
    client.force_login(member)
    response = client.post(
        "/events/new/", form_data(end_time="09:00", title="Backwards event")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "The end must be after the start." in body and "Backwards event" in body
    response = client.post(
        "/events/new/", form_data(meeting_url="http://zoom.example.com/j/1")
    )
    assert response.status_code == 400 and "https://" in response.content.decode()
    assert not Event.objects.exists()


def test_an_outsider_cannot_host_for_an_organisation_by_posting(
    client, outsider, organisation
):
    client.force_login(outsider)
    response = client.post("/events/new/", form_data(host=f"org:{organisation.pk}"))
    # Not one of their choices: the event would be theirs, not the organisation's.
    assert response.status_code in (302, 400)
    assert not Event.objects.filter(hosts__organisation=organisation).exists()


def test_the_form_warns_about_same_day_events_with_shared_topics(
    client, owner, organisation, org_event, topics
):
    client.force_login(owner)
    data = form_data(
        host=f"org:{organisation.pk}",
        topics=[topics["cash-flow-forecasting"].pk],
        date=org_event.starts_at.date().isoformat(),
        check="1",
    )
    response = client.post("/events/new/", data)
    assert response.status_code == 200
    assert "1 other event that day shares a topic" in response.content.decode()
    assert Event.objects.count() == 1  # checking creates nothing
    del data["check"]
    response = client.post("/events/new/", data, follow=True)
    assert "1 other event with shared topics that day" in response.content.decode()
    assert Event.objects.count() == 2


def test_a_repeating_event_is_made_as_sessions(client, member):
    client.force_login(member)
    client.post("/events/new/", form_data(repeat="fortnightly", sessions="4"))
    sessions = list(Event.objects.order_by("starts_at"))
    assert len(sessions) == 4
    assert sessions[1].starts_at - sessions[0].starts_at in (
        timedelta(days=14),
        timedelta(days=14, hours=1),
        timedelta(days=14, hours=-1),
    )
    body = client.get(f"/events/{sessions[0].pk}/").content.decode()
    assert "Sessions in this series" in body


def test_registering_through_the_page_with_questions(client, member, small_event):
    client.force_login(member)
    page = client.get(f"/events/{small_event.pk}/").content.decode()
    assert "What do you want to practise?" in page and "2 places left" in page
    response = client.post(f"/events/{small_event.pk}/register/", {})
    assert response.status_code == 400
    assert "Please answer this question." in response.content.decode()
    assert not Registration.objects.exists()
    question = small_event.questions.get(required=True)
    response = client.post(
        f"/events/{small_event.pk}/register/", {f"question_{question.pk}": "Slides"}
    )
    assert response.status_code == 302
    assert Registration.objects.get().status == "registered"
    again = client.post(
        f"/events/{small_event.pk}/register/", {f"question_{question.pk}": "Slides"}
    )
    assert again.status_code == 302 and Registration.objects.count() == 1
    page = client.get(f"/events/{small_event.pk}/").content.decode()
    assert "You are registered." in page
    client.post(f"/events/{small_event.pk}/unregister/")
    assert Registration.objects.get().status == "cancelled"


def test_a_full_event_shows_the_waiting_list_position(
    client, small_event, member, another, third
):
    for person in (member, another):
        services.register(small_event, by=person, answers=answers_for(small_event))
    client.force_login(third)
    question = small_event.questions.get(required=True)
    page = client.get(f"/events/{small_event.pk}/").content.decode()
    assert "Join the waiting list" in page
    response = client.post(
        f"/events/{small_event.pk}/register/",
        {f"question_{question.pk}": "Q&A"},
        follow=True,
    )
    assert "You are number 1 on the waiting list." in response.content.decode()


def test_the_room_link_appears_only_when_due(client, org_event, member):
    services.register(org_event, by=member)
    client.force_login(member)
    body = client.get(f"/events/{org_event.pk}/").content.decode()
    assert "zoom.example.com" not in body and "appears here" in body
    move_clock(org_event, starts_in=timedelta(minutes=10))
    body = client.get(f"/events/{org_event.pk}/").content.decode()
    assert "https://zoom.example.com/j/123" in body


def test_the_event_file_downloads_and_parses(client, member, org_event):
    client.force_login(member)
    response = client.get(f"/events/{org_event.pk}/event.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    (vevent,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert vevent.start == org_event.starts_at
    assert "zoom.example.com" not in response.content.decode()


def test_outsiders_get_404_for_a_private_groups_event_by_every_route(
    client, outsider, private_event, facilitator
):
    client.force_login(outsider)
    missing = Event.objects.order_by("-pk").first().pk + 1000
    for suffix in ("", "event.ics", "manage/", "edit/"):
        assert client.get(f"/events/{private_event.pk}/{suffix}").status_code == 404
        assert client.get(f"/events/{missing}/{suffix}").status_code == 404
    for suffix in ("register/", "unregister/", "feedback/", "cancel/"):
        assert client.post(f"/events/{private_event.pk}/{suffix}").status_code == 404
    assert "Recovery circle" not in client.get("/events/").content.decode()
    assert not Registration.objects.exists()
    private_event.refresh_from_db()
    assert private_event.status == "scheduled"


def test_only_hosts_manage_an_event(client, member, org_event, colleague):
    client.force_login(member)
    assert client.get(f"/events/{org_event.pk}/manage/").status_code == 403
    assert client.post(f"/events/{org_event.pk}/cancel/").status_code == 403
    org_event.refresh_from_db()
    assert org_event.status == "scheduled"
    client.force_login(colleague)
    assert client.get(f"/events/{org_event.pk}/manage/").status_code == 200


def test_hosts_cancel_mark_attendance_and_read_feedback(
    client, colleague, member, org_event
):
    registration = services.register(org_event, by=member)
    move_clock(org_event, starts_in=-timedelta(hours=2))
    client.force_login(colleague)
    client.post(
        f"/events/{org_event.pk}/attendance/{registration.pk}/",
        {"attendance": "attended"},
    )
    registration.refresh_from_db()
    assert registration.attendance == "attended"
    client.force_login(member)
    response = client.post(
        f"/events/{org_event.pk}/feedback/", {"rating": "9", "comment": "x"}
    )
    assert response.status_code == 400 and not Feedback.objects.exists()
    client.post(f"/events/{org_event.pk}/feedback/", {"rating": "4", "comment": "Good"})
    client.post(
        f"/events/{org_event.pk}/feedback/", {"rating": "5", "comment": "Great"}
    )
    assert Feedback.objects.get().rating == 5
    client.force_login(colleague)
    body = client.get(f"/events/{org_event.pk}/manage/").content.decode()
    assert "Average 5.0 out of 5, from 1 person." in body and "Great" in body


def test_cancelling_through_the_manage_page(
    client, colleague, member, org_event, django_capture_on_commit_callbacks
):
    services.register(org_event, by=member)
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/events/{org_event.pk}/cancel/", {"reason": "Room flooded."}
        )
    assert response.status_code == 302
    org_event.refresh_from_db()
    assert org_event.status == "cancelled"
    client.force_login(member)
    assert (
        "This event is cancelled."
        in client.get(f"/events/{org_event.pk}/").content.decode()
    )


def test_hosts_change_the_time_and_registrants_hear(
    client, colleague, member, org_event
):
    from kindred.notifications.models import Notification

    services.register(org_event, by=member)
    client.force_login(colleague)
    assert client.get(f"/events/{org_event.pk}/edit/").status_code == 200
    new_day = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client.post(
        f"/events/{org_event.pk}/edit/",
        {
            "title": "Cash-flow clinic",
            "description": "",
            "format": "hybrid",
            "location": "Town Hall",
            "meeting_url": "https://zoom.example.com/j/123",
            "date": new_day,
            "start_time": "14:00",
            "end_time": "15:00",
            "time_zone": "Europe/London",
            "capacity": "",
        },
    )
    assert response.status_code == 302
    org_event.refresh_from_db()
    assert org_event.location == "Town Hall" and org_event.format == "hybrid"
    assert Notification.objects.filter(recipient=member, kind="events.changed").exists()


def test_a_cohost_admin_answers_on_the_manage_page(
    client, owner, organisation, partner_org, partner_admin
):
    event = services.create_event(
        details(),
        by=owner,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation, partner_org],
    )
    client.force_login(partner_admin)
    assert "is asked to co-host" in client.get("/events/mine/").content.decode()
    page = client.get(f"/events/{event.pk}/manage/").content.decode()
    assert "Co-host this event as Harbour Enterprise Agency?" in page
    client.post(f"/events/{event.pk}/cohost/{partner_org.pk}/", {"answer": "accept"})
    body = client.get(f"/events/{event.pk}/").content.decode()
    assert "Riverside Growth Hub</a> and <a" in body and "Harbour Enterprise" in body


def test_my_events_and_the_personal_feed(
    client, member, org_event, small_event, another, third
):
    services.register(org_event, by=member)
    client.force_login(member)
    body = client.get("/events/mine/").content.decode()
    assert "Cash-flow clinic" in body and "Make my calendar address" in body
    response = client.post("/events/mine/feed/")
    url = response.context["new_feed_url"]
    assert "/events/feed/kcal_" in url
    client.logout()
    path = url.split("://", 1)[1].split("/", 1)[1]
    feed = client.get("/" + path)
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    vevents = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(v["SUMMARY"]) for v in vevents] == ["Cash-flow clinic"]
    client.force_login(member)
    client.post("/events/mine/feed/revoke/")
    client.logout()
    assert client.get("/" + path).status_code == 404
    assert client.get("/events/feed/kcal_nothing.ics").status_code == 404


def test_attendance_of_another_events_registration_is_404(
    client, colleague, org_event, small_event, member
):
    registration = services.register(
        small_event, by=member, answers=answers_for(small_event)
    )
    client.force_login(colleague)
    response = client.post(
        f"/events/{org_event.pk}/attendance/{registration.pk}/",
        {"attendance": "attended"},
    )
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.attendance == "unknown"
