"""Mentoring pages: what each person sees, refusals, bad input kept, bounded
queries, the calendar file, and the demo data."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.html import escape

from kindred.mentoring import services
from kindred.mentoring.models import Application, MentoringProgramme, Note, Pair

from .conftest import PASSWORD, make_person
from .test_mentoring import applicant, make_programme


def log_in(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def programme(owner, organisation):
    return make_programme(owner, organisation)


@pytest.fixture
def people(programme, topics):
    chosen = list(topics.values())[:3]
    mentors = [
        applicant(programme, f"mentor{i}@example.com", "mentor", chosen)
        for i in range(2)
    ]
    mentees = [
        applicant(programme, f"mentee{i}@example.com", "mentee", chosen[i : i + 1])
        for i in range(2)
    ]
    return mentors, mentees


@pytest.fixture
def pair(programme, people, owner):
    mentors, mentees = people
    services.add_pair(programme, by=owner, mentee=mentees[0], mentor=mentors[0])
    services.publish_matching(programme, by=owner)
    return Pair.objects.get()


def test_signed_out_visitors_are_sent_to_log_in(client, programme):
    for url in ("/mentoring/", f"/mentoring/{programme.pk}/", "/mentoring/requests/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_index_lists_open_programmes_and_mine(client, programme, outsider):
    page = log_in(client, outsider).get("/mentoring/").content.decode()
    assert escape(programme.title) in page
    assert "not in a mentoring pair yet" in page


def test_staff_create_a_programme_and_bad_input_is_kept(client, owner, organisation):
    log_in(client, owner)
    data = {
        "organisation": organisation.pk,
        "title": "Spring mentoring",
        "purpose": "",
        "mode": "programme",
        "objective": "total",
        "mentor_access": "anyone",
        "mentee_access": "anyone",
        "request_days": 7,
        "suggestions_shown": 3,
        "check_in_weeks": 4,
        **{
            f"weight_{c}": 2
            for c in (
                "goals",
                "sector",
                "stage",
                "region",
                "language",
                "availability",
                "experience",
                "preference",
            )
        },
    }
    response = client.post("/mentoring/new/", data)
    assert response.status_code == 400
    assert "Spring mentoring" in response.content.decode()
    assert not MentoringProgramme.objects.exists()
    data["purpose"] = "Pairs founders with mentors."
    response = client.post("/mentoring/new/", data)
    assert response.status_code == 302
    assert MentoringProgramme.objects.get().status == "draft"


def test_outsider_gets_404_on_drafts_and_organiser_pages(
    client, owner, organisation, outsider, programme
):
    draft = services.create_programme(
        by=owner,
        organisation=organisation,
        settings=services.ProgrammeInput(title="Draft", purpose="x"),
    )
    log_in(client, outsider)
    assert client.get(f"/mentoring/{draft.pk}/").status_code == 404
    for url in ("edit", "applications", "matching", "dashboard"):
        assert client.get(f"/mentoring/{programme.pk}/{url}/").status_code == 404
    assert client.post(f"/mentoring/{programme.pk}/matching/run/").status_code == 404
    assert (
        client.post(f"/mentoring/{programme.pk}/matching/publish/").status_code == 404
    )
    assert not Pair.objects.exists()


def test_apply_as_mentee_page(client, programme, outsider, topics):
    log_in(client, outsider)
    url = f"/mentoring/{programme.pk}/apply/mentee/"
    assert "What do you want from mentoring?" in client.get(url).content.decode()
    response = client.post(url, {"answer_0": "Help"})
    assert response.status_code == 400 and not Application.objects.exists()
    topic = next(iter(topics.values()))
    response = client.post(url, {"answer_0": "Help", "topics": [topic.pk]})
    assert response.status_code == 302
    assert Application.objects.get().side == "mentee"


def test_organiser_runs_matching_and_publishes_in_pages(
    client, programme, people, owner
):
    log_in(client, owner)
    client.post(f"/mentoring/{programme.pk}/matching/run/", {"objective": "total"})
    page = client.get(f"/mentoring/{programme.pk}/matching/").content.decode()
    assert "Proposed pairs" in page and "Shared goals and topics" in page
    client.post(f"/mentoring/{programme.pk}/matching/publish/")
    assert Pair.objects.filter(status="active").count() == 2


def test_adding_a_pair_over_capacity_shows_the_reason(client, programme, people, owner):
    mentors, mentees = people
    services.add_pair(programme, by=owner, mentee=mentees[0], mentor=mentors[0])
    log_in(client, owner)
    response = client.post(
        f"/mentoring/{programme.pk}/matching/add/",
        {"mentee": mentees[1].pk, "mentor": mentors[0].pk},
    )
    assert response.status_code == 400
    assert "at capacity" in response.content.decode()
    assert Pair.objects.count() == 1


def test_matching_page_queries_do_not_grow_with_pairs(
    client, programme, people, owner, topics, django_assert_max_num_queries
):
    chosen = list(topics.values())[:3]
    for i in range(8):
        applicant(programme, f"more-mentor{i}@example.com", "mentor", chosen)
        applicant(programme, f"more-mentee{i}@example.com", "mentee", chosen[:1])
    services.run_matching(programme, by=owner)
    log_in(client, owner)
    with django_assert_max_num_queries(40):
        response = client.get(f"/mentoring/{programme.pk}/matching/")
    assert response.status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"/mentoring/{programme.pk}/dashboard/").status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"/mentoring/{programme.pk}/applications/").status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get("/mentoring/").status_code == 200


def test_workspace_for_the_pair_summary_for_organiser_404_for_others(
    client, pair, owner, outsider
):
    services.add_note(pair, by=pair.mentee.user, body="Only mine to read")
    page = log_in(client, pair.mentee.user).get(f"/mentoring/pairs/{pair.pk}/")
    assert "Only mine to read" in page.content.decode()
    client.logout()
    page = log_in(client, pair.mentor.user).get(f"/mentoring/pairs/{pair.pk}/")
    assert "Only mine to read" not in page.content.decode()
    client.logout()
    page = log_in(client, owner).get(f"/mentoring/pairs/{pair.pk}/")
    assert page.status_code == 200
    assert "Only mine to read" not in page.content.decode()
    assert "as an organiser" in page.content.decode()
    client.logout()
    assert (
        log_in(client, outsider).get(f"/mentoring/pairs/{pair.pk}/").status_code == 404
    )


def test_log_a_session_and_download_its_calendar_file(client, pair, outsider):
    log_in(client, pair.mentee.user)
    url = f"/mentoring/pairs/{pair.pk}/"
    response = client.post(
        url + "sessions/",
        {"starts_at": "2026-12-01T10:00", "duration_minutes": 45, "summary": "Plan"},
    )
    assert response.status_code == 302
    session = pair.sessions.get()
    ics = client.get(f"{url}sessions/{session.pk}.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body and session.room_url[:30] in body.replace("\r\n ", "")
    client.logout()
    log_in(client, outsider)
    assert client.get(f"{url}sessions/{session.pk}.ics").status_code == 404


def test_bad_session_input_is_kept_and_nothing_saved(client, pair):
    log_in(client, pair.mentor.user)
    response = client.post(
        f"/mentoring/pairs/{pair.pk}/sessions/",
        {"starts_at": "not a date", "duration_minutes": 45, "summary": "Kept text"},
    )
    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert not pair.sessions.exists()


def test_organiser_cannot_write_in_the_workspace(client, pair, owner):
    log_in(client, owner)
    response = client.post(f"/mentoring/pairs/{pair.pk}/notes/", {"body": "Mine"})
    assert response.status_code == 403
    assert not Note.objects.exists()


def test_check_in_and_close_out_pages(client, pair):
    log_in(client, pair.mentee.user)
    url = f"/mentoring/pairs/{pair.pk}/"
    assert client.post(url + "check-in/", {"still_meeting": "yes"}).status_code == 302
    assert client.post(url + "close/", {"rating": "5"}).status_code == 302
    pair.refresh_from_db()
    assert pair.status == "closed" and pair.check_ins.count() == 1


def test_mentor_accepts_a_request_on_the_requests_page(
    client, owner, organisation, topics
):
    chosen = list(topics.values())[:2]
    programme = make_programme(owner, organisation, mode="self")
    mentor = applicant(programme, "m@example.com", "mentor", chosen)
    mentee = applicant(programme, "e@example.com", "mentee", chosen[:1])
    log_in(client, mentee.user)
    page = client.get(f"/mentoring/{programme.pk}/").content.decode()
    assert "Mentors you can ask" in page
    client.post(f"/mentoring/{programme.pk}/request/", {f"rank_{mentor.pk}": "1"})
    client.logout()
    log_in(client, mentor.user)
    page = client.get("/mentoring/requests/").content.decode()
    assert "E" in page and "Accept" in page
    request_pk = mentor.requests_received.get().pk
    client.post(f"/mentoring/requests/{request_pk}/decide/", {"decision": "accept"})
    assert Pair.objects.get().status == "active"


def test_demo_data_builds(db):
    import random

    from kindred.organisations.models import Membership, Organisation, Role

    university = Organisation.objects.create(
        name="University of Northshire Enterprise", slug="uni", kind="university"
    )
    hub = Organisation.objects.create(
        name="Northshire Growth Hub", slug="hub", kind="public_agency"
    )
    people = {
        email: make_person(email, email.split("@")[0])
        for email in (
            "founder@example.org",
            "mentor@example.org",
            "adviser@example.org",
            *(f"person{i}@example.org" for i in range(35)),
        )
    }
    Membership.objects.create(
        organisation=university,
        user=people["mentor@example.org"],
        role=Role.PRACTITIONER,
    )
    Membership.objects.create(
        organisation=hub, user=people["adviser@example.org"], role=Role.PRACTITIONER
    )
    from kindred.mentoring import demo

    demo.build([university, hub], people, random.Random(1))
    pair = Pair.objects.get(mentee__user=people["founder@example.org"], status="active")
    assert pair.mentor.user == people["mentor@example.org"]
    assert pair.agreement and pair.goals.exists() and pair.check_ins.exists()
    assert pair.sessions.filter(starts_at__lt=timezone.now()).exists()
    uni_programme = pair.programme
    assert uni_programme.status == "running"
    assert uni_programme.applications.filter(side="mentee").count() >= 19
    assert MentoringProgramme.objects.filter(status="open", mode="self").exists()


def test_dashboard_hides_satisfaction_below_three_ratings(client, pair, people, owner):
    """With one or two close-out ratings the organiser reads a "not enough
    ratings" note, never the mean (which would be someone's own rating)."""
    mentors, mentees = people
    services.close_out(pair, by=pair.mentee.user, rating=2)
    services.close_out(pair, by=pair.mentor.user, rating=5)
    log_in(client, owner)
    url = f"/mentoring/{pair.programme.pk}/dashboard/"
    page = client.get(url).content.decode()
    assert "Not enough ratings yet: 2 so far" in page
    assert "3.5" not in page and "from 2 ratings" not in page
    services.add_pair(pair.programme, by=owner, mentee=mentees[1], mentor=mentors[1])
    services.publish_matching(pair.programme, by=owner)
    second = Pair.objects.get(mentee=mentees[1])
    services.close_out(second, by=mentees[1].user, rating=5)
    page = client.get(url).content.decode()
    assert "4.0 from 3 ratings" in page
    assert "Not enough ratings yet" not in page
