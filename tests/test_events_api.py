# ruff: noqa: F811 - the shared fixtures are imported from test_events
"""REST API of events: the same rules as the pages, answered as JSON or
problem+json, with calendar files as text/calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from rest_framework.test import APIClient

from kindred.events import services
from kindred.events.models import Event, Feedback, Registration

from .test_events import (  # noqa: F401 - fixtures
    another,
    answers_for,
    at,
    facilitator,
    group_member,
    member,
    move_clock,
    org_event,
    partner_admin,
    partner_org,
    private_event,
    private_group,
    public_group,
    small_event,
    third,
)


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def payload(**overrides):
    values = {
        "title": "Export basics",
        "description": "Paperwork made simple.",
        "format": "hybrid",
        "starts_at": at().isoformat(),
        "ends_at": (at() + timedelta(hours=2)).isoformat(),
        "time_zone": "Europe/London",
        "location": "Chamber House, Northshire",
        "meeting_url": "https://teams.example.com/l/meetup",
        "capacity": 20,
        "topics": ["exporting-and-international-trade"],
        "questions": [{"text": "Which markets?", "required": True}],
        "host_kind": "organisation",
        "organisations": ["riverside-growth-hub"],
    }
    values.update(overrides)
    return values


def test_the_api_needs_a_signed_in_caller(org_event):
    response = api().get("/api/v1/events")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_a_practitioner_creates_an_event_and_a_retry_creates_one(
    colleague, organisation, topics
):
    client = api(colleague)
    response = client.post(
        "/api/v1/events", payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organisations"] == [
        {"id": organisation.pk, "slug": organisation.slug, "name": organisation.name}
    ]
    assert body["meeting_url"] == "https://teams.example.com/l/meetup"  # a host
    assert body["questions"][0]["required"] is True
    assert [t["slug"] for t in body["topics"]] == ["exporting-and-international-trade"]
    again = client.post(
        "/api/v1/events", payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert again.json()["id"] == body["id"] and Event.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": at().isoformat()}, "ends_at"),
        ({"meeting_url": "http://teams.example.com/x"}, "meeting_url"),
        ({"topics": ["no-such-topic"]}, "topics"),
        ({"organisations": ["no-such-org\x00"]}, "organisations"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"rrule": "FREQ=WEEKLY"}, "rule"),
        ({"questions": [{"text": 7}]}, "questions"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field_and_writes_nothing(
    colleague, organisation, overrides, field
):
    response = api(colleague).post(
        "/api/v1/events", payload(**overrides), format="json"
    )
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not Event.objects.exists()


def test_an_outsider_cannot_create_for_an_organisation(outsider, organisation):
    response = api(outsider).post("/api/v1/events", payload(), format="json")
    assert response.status_code == 403 and not Event.objects.exists()


def test_a_series_through_the_api(facilitator, public_group):
    response = api(facilitator).post(
        "/api/v1/events",
        payload(
            host_kind="group",
            group="makers",
            organisations=[],
            rrule="FREQ=WEEKLY;COUNT=5",
            format="online",
            location="",
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Event.objects.filter(series_id=response.json()["series"]).count() == 5


def test_list_filters_and_pages(member, org_event, small_event):
    client = api(member)
    body = client.get("/api/v1/events?page_size=1").json()
    assert [e["id"] for e in body["results"]] == [org_event.pk]
    assert body["next"]
    assert body["results"][0]["registered_count"] == 0
    assert client.get("/api/v1/events?event_format=in_person").json()["results"] == []
    topical = client.get("/api/v1/events?topic=cash-flow-forecasting").json()
    assert [e["id"] for e in topical["results"]] == [org_event.pk]
    assert client.get("/api/v1/events?event_format=nope").status_code == 400
    assert client.get("/api/v1/events?past=maybe").status_code == 400
    assert client.get("/api/v1/events?past=true").json()["results"] == []


def test_register_with_answers_waitlist_and_cancel(member, another, third, small_event):
    question = small_event.questions.get(required=True)
    url = f"/api/v1/events/{small_event.pk}/registration"
    missing = api(member).post(url, {"answers": []}, format="json")
    assert missing.status_code == 400
    assert f"question_{question.pk}" in missing.json()["errors"]
    assert not Registration.objects.exists()
    body = {"answers": [{"question": question.pk, "text": "Slides"}]}
    for person in (member, another):
        assert api(person).post(url, body, format="json").json()["status"] == (
            "registered"
        )
    assert api(member).post(url, body, format="json").json()["status"] == "registered"
    waiting = api(third).post(url, body, format="json").json()
    assert waiting["status"] == "waitlisted"
    detail = api(third).get(f"/api/v1/events/{small_event.pk}").json()
    assert detail["waitlist_position"] == 1 and detail["my_registration"] == (
        "waitlisted"
    )
    assert detail["meeting_url"] is None
    assert api(member).delete(url).json()["status"] == "cancelled"
    assert api(third).get(url).json()["status"] == "registered"
    assert Registration.objects.count() == 3


def test_outsiders_get_404_for_a_private_groups_event_everywhere(
    outsider, private_event
):
    client = api(outsider)
    huge = 2**63 + 5
    for pk in (private_event.pk, private_event.pk + 999, huge):
        for suffix in ("", "/registration", "/ics", "/feedback", "/registrations"):
            response = client.get(f"/api/v1/events/{pk}{suffix}")
            assert response.status_code == 404, (pk, suffix)
            assert response["Content-Type"] == "application/problem+json"
        assert client.post(f"/api/v1/events/{pk}/registration", {}).status_code == 404
        assert client.post(f"/api/v1/events/{pk}/cancel").status_code == 404
    assert private_event.pk not in [
        e["id"] for e in client.get("/api/v1/events").json()["results"]
    ]
    assert not Registration.objects.exists()


def test_hosts_see_registrations_mark_attendance_and_read_feedback(
    colleague, member, outsider, org_event
):
    registration = services.register(org_event, by=member)
    assert (
        api(member).get(f"/api/v1/events/{org_event.pk}/registrations").status_code
        == 403
    )
    people = api(colleague).get(f"/api/v1/events/{org_event.pk}/registrations").json()
    assert [p["person"]["name"] for p in people["results"]] == ["Fola Founder"]
    move_clock(org_event, starts_in=-timedelta(hours=2))
    url = f"/api/v1/events/{org_event.pk}/registrations/{registration.pk}/attendance"
    assert api(outsider).post(url, {"attendance": "attended"}).status_code == 403
    response = api(colleague).post(url, {"attendance": "attended"}, format="json")
    assert response.json()["attendance"] == "attended"
    feedback_url = f"/api/v1/events/{org_event.pk}/feedback"
    assert api(member).put(feedback_url, {"rating": 0}, format="json").status_code == (
        400
    )
    api(member).put(feedback_url, {"rating": 3, "comment": "OK"}, format="json")
    api(member).put(feedback_url, {"rating": 4, "comment": "Good"}, format="json")
    assert Feedback.objects.get().rating == 4
    assert api(outsider).put(
        feedback_url, {"rating": 5}, format="json"
    ).status_code == (403)
    summary = api(colleague).get(feedback_url).json()
    assert summary["count"] == 1 and summary["average"] == 4.0
    assert summary["comments"] == ["Good"] and summary["attendance"]["attended"] == 1


def test_the_room_link_in_the_api_follows_the_rule(member, org_event):
    services.register(org_event, by=member)
    url = f"/api/v1/events/{org_event.pk}"
    assert api(member).get(url).json()["meeting_url"] is None
    move_clock(org_event, starts_in=timedelta(minutes=5))
    assert (
        api(member).get(url).json()["meeting_url"] == "https://zoom.example.com/j/123"
    )


def test_hosts_change_and_cancel_an_event(colleague, member, org_event):
    services.register(org_event, by=member)
    url = f"/api/v1/events/{org_event.pk}"
    assert api(member).patch(url, {"title": "Mine now"}, format="json").status_code == (
        403
    )
    etag = api(colleague).get(url)["ETag"]
    stale = api(colleague).patch(
        url, {"location": "x"}, format="json", HTTP_IF_MATCH='"stale"'
    )
    assert stale.status_code == 412
    changed = api(colleague).patch(
        url,
        {"ends_at": (org_event.ends_at + timedelta(minutes=30)).isoformat()},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert changed.status_code == 200
    bad = api(colleague).patch(
        url, {"ends_at": org_event.starts_at.isoformat()}, format="json"
    )
    assert bad.status_code == 400 and "ends_at" in bad.json()["errors"]
    assert api(colleague).post(f"{url}/cancel").json()["status"] == "cancelled"
    assert api(colleague).post(f"{url}/cancel").status_code == 409


def test_the_calendar_file_and_my_registrations(member, org_event, small_event):
    services.register(org_event, by=member)
    response = api(member).get(f"/api/v1/events/{org_event.pk}/ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    (vevent,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert vevent.start == org_event.starts_at
    mine = api(member).get("/api/v1/me/event-registrations").json()
    assert [r["event"] for r in mine["results"]] == [org_event.pk]
    assert mine["results"][0]["title"] == "Cash-flow clinic"


def test_cohosting_is_confirmed_through_the_api(
    owner, organisation, partner_org, partner_admin
):
    response = api(owner).post(
        "/api/v1/events",
        payload(organisations=[organisation.slug, partner_org.slug]),
        format="json",
    )
    event_id = response.json()["id"]
    assert [o["slug"] for o in response.json()["organisations"]] == [organisation.slug]
    url = f"/api/v1/events/{event_id}/cohosts/{partner_org.slug}"
    assert api(owner).post(url, {"accept": True}, format="json").status_code == 403
    answered = api(partner_admin).post(url, {"accept": True}, format="json")
    assert [o["slug"] for o in answered.json()["organisations"]] == [
        organisation.slug,
        partner_org.slug,
    ]
