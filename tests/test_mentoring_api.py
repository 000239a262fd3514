"""The mentoring API: programmes, applications, matching, requests and the pair
workspace; refusals as problem+json, privacy as 404, bad input changes nothing."""

from __future__ import annotations

import pytest

from kindred.mentoring import services
from kindred.mentoring.models import (
    Application,
    MentoringProgramme,
    MentorRequest,
    Note,
    Pair,
)

from .test_directory_api import api_for, assert_problem
from .test_mentoring import applicant, make_programme

BASE = "/api/v1/mentoring"


@pytest.fixture
def topic_ids(topics):
    return [t.pk for t in list(topics.values())[:3]]


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


def test_staff_create_a_programme_once_even_when_retrying(owner, organisation):
    api = api_for(owner)
    payload = {
        "organisation": organisation.slug,
        "title": "Founders' mentoring",
        "purpose": "Pairs founders with mentors.",
        "mode": "self",
        "weights": {"goals": 8},
        "questions": ["Why?"],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "m-1"}
    first = api.post(f"{BASE}/programmes", payload, format="json", **headers)
    again = api.post(f"{BASE}/programmes", payload, format="json", **headers)
    assert first.status_code == 201, first.content
    assert again.json()["id"] == first.json()["id"]
    body = first.json()
    assert body["status"] == "draft" and body["weights"]["goals"] == 8
    assert MentoringProgramme.objects.count() == 1


def test_outsider_cannot_create_for_an_organisation_or_see_drafts(
    outsider, organisation, owner
):
    api = api_for(outsider)
    response = api.post(
        f"{BASE}/programmes",
        {"organisation": organisation.slug, "title": "x", "purpose": "y"},
        format="json",
    )
    assert_problem(response, 403)
    draft = services.create_programme(
        by=owner,
        organisation=organisation,
        settings=services.ProgrammeInput(title="Draft", purpose="x"),
    )
    assert_problem(api.get(f"{BASE}/programmes/{draft.pk}"), 404)
    assert draft.pk not in [
        p["id"] for p in api.get(f"{BASE}/programmes").json()["results"]
    ]


def test_bad_application_is_refused_with_the_field(programme, outsider, topic_ids):
    api = api_for(outsider)
    response = api.post(
        f"{BASE}/programmes/{programme.pk}/applications",
        {"side": "mentor", "topics": topic_ids, "capacity": 7},
        format="json",
    )
    assert_problem(response, 400, "capacity")
    response = api.post(
        f"{BASE}/programmes/{programme.pk}/applications",
        {"side": "mentee", "topics": topic_ids, "availability": ["someday"]},
        format="json",
    )
    assert_problem(response, 400, "availability")
    assert not Application.objects.exists()


def test_apply_and_see_only_your_own_application(
    programme, people, outsider, topic_ids
):
    api = api_for(outsider)
    response = api.post(
        f"{BASE}/programmes/{programme.pk}/applications",
        {"side": "mentee", "topics": topic_ids[:1], "languages": ["en"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    listed = api.get(f"{BASE}/programmes/{programme.pk}/applications").json()
    assert [a["person"]["name"] for a in listed] == ["Oscar Outsider"]


def test_organiser_runs_reviews_edits_and_publishes(programme, people, owner):
    mentors, mentees = people
    api = api_for(owner)
    run = api.post(
        f"{BASE}/programmes/{programme.pk}/matching",
        {"objective": "coverage"},
        format="json",
    )
    assert run.status_code == 200, run.content
    assert run.json()["pairs"] == 2 and run.json()["objective"] == "coverage"
    pairs = api.get(f"{BASE}/programmes/{programme.pk}/pairs").json()
    assert {p["status"] for p in pairs} == {"proposed"}
    assert {part["criterion"] for part in pairs[0]["score_parts"]} >= {"goals"}
    swap = api.post(
        f"{BASE}/programmes/{programme.pk}/pairs/{pairs[0]['id']}/swap",
        {"other": pairs[1]["id"]},
        format="json",
    )
    assert swap.status_code == 200, swap.content
    removed = api.delete(f"{BASE}/programmes/{programme.pk}/pairs/{pairs[1]['id']}")
    assert removed.status_code == 204
    refused = api.post(
        f"{BASE}/programmes/{programme.pk}/pairs",
        {"mentee": mentees[0].pk, "mentor": mentors[0].pk},
        format="json",
    )
    assert_problem(refused, 400)
    published = api.post(f"{BASE}/programmes/{programme.pk}/publish")
    assert published.status_code == 200 and len(published.json()) == 1
    dashboard = api.get(f"{BASE}/programmes/{programme.pk}/dashboard").json()
    assert dashboard["matched"] == 1 and dashboard["mentees"] == 2


def test_adding_a_pair_over_capacity_is_refused_with_a_reason(programme, people, owner):
    mentors, mentees = people
    api = api_for(owner)
    ok = api.post(
        f"{BASE}/programmes/{programme.pk}/pairs",
        {"mentee": mentees[0].pk, "mentor": mentors[0].pk},
        format="json",
    )
    assert ok.status_code == 201
    full = api.post(
        f"{BASE}/programmes/{programme.pk}/pairs",
        {"mentee": mentees[1].pk, "mentor": mentors[0].pk},
        format="json",
    )
    body = assert_problem(full, 400)
    assert "capacity" in body["detail"]
    assert Pair.objects.count() == 1


def test_non_organisers_get_404_on_organiser_endpoints(programme, people, outsider):
    api = api_for(outsider)
    for url in ("pairs", "dashboard"):
        assert_problem(api.get(f"{BASE}/programmes/{programme.pk}/{url}"), 404)
    assert_problem(api.post(f"{BASE}/programmes/{programme.pk}/matching"), 404)
    assert_problem(api.post(f"{BASE}/programmes/{programme.pk}/publish"), 404)
    assert not Pair.objects.exists()


def test_self_match_request_and_decision(owner, organisation, topics):
    chosen = list(topics.values())[:2]
    programme = make_programme(owner, organisation, mode="self")
    mentor = applicant(programme, "m@example.com", "mentor", chosen)
    mentee = applicant(programme, "e@example.com", "mentee", chosen[:1])
    mentee_api = api_for(mentee.user)
    suggestions = mentee_api.get(f"{BASE}/programmes/{programme.pk}/suggestions")
    assert [s["mentor_application"] for s in suggestions.json()] == [mentor.pk]
    made = mentee_api.post(
        f"{BASE}/programmes/{programme.pk}/requests",
        {"mentors": [mentor.pk], "message": "Hi"},
        format="json",
    )
    assert made.status_code == 201, made.content
    request_id = made.json()[0]["id"]
    refused = mentee_api.post(
        f"{BASE}/requests/{request_id}/decision", {"accept": True}, format="json"
    )
    assert_problem(refused, 403)
    mentor_api = api_for(mentor.user)
    accepted = mentor_api.post(
        f"{BASE}/requests/{request_id}/decision", {"accept": True}, format="json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert MentorRequest.objects.get().status == "accepted"
    assert Pair.objects.get().status == "active"


@pytest.fixture
def pair(programme, people, owner):
    mentors, mentees = people
    services.add_pair(programme, by=owner, mentee=mentees[0], mentor=mentors[0])
    services.publish_matching(programme, by=owner)
    return Pair.objects.get()


def test_workspace_round_trip(pair):
    api = api_for(pair.mentee.user)
    url = f"{BASE}/pairs/{pair.pk}"
    assert (
        api.post(
            f"{url}/agreement", {"agreement": "Monthly."}, format="json"
        ).status_code
        == 200
    )
    goal = api.post(
        f"{url}/goals",
        {"title": "Price it", "milestones": [{"title": "Survey"}]},
        format="json",
    )
    assert goal.status_code == 201 and goal.json()["milestones"][0]["title"] == "Survey"
    done = api.post(
        f"{url}/goals/{goal.json()['id']}/done", {"done": True}, format="json"
    )
    assert done.json()["done_at"]
    session = api.post(
        f"{url}/sessions",
        {"starts_at": "2026-11-20T10:00:00Z", "duration_minutes": 45},
        format="json",
    )
    assert session.status_code == 201, session.content
    assert session.json()["room_url"].startswith("http")
    assert (
        api.post(f"{url}/check-ins", {"still_meeting": True}, format="json").status_code
        == 201
    )
    workspace = api.get(url).json()
    assert workspace["agreement"] == "Monthly." and len(workspace["sessions"]) == 1
    closed = api.post(
        f"{url}/close-out", {"rating": 5, "comment": "Great"}, format="json"
    )
    assert closed.status_code == 201
    assert Pair.objects.get().status == "closed"


def test_notes_are_only_for_their_author(pair, owner):
    mentee_api = api_for(pair.mentee.user)
    mentee_api.post(f"{BASE}/pairs/{pair.pk}/notes", {"body": "Secret"}, format="json")
    assert len(mentee_api.get(f"{BASE}/pairs/{pair.pk}/notes").json()) == 1
    assert api_for(pair.mentor.user).get(f"{BASE}/pairs/{pair.pk}/notes").json() == []
    assert api_for(owner).get(f"{BASE}/pairs/{pair.pk}/notes").json() == []
    refused = api_for(owner).post(
        f"{BASE}/pairs/{pair.pk}/notes", {"body": "Mine"}, format="json"
    )
    assert_problem(refused, 403)
    assert Note.objects.count() == 1


def test_outsider_gets_404_on_a_pair(pair, outsider):
    api = api_for(outsider)
    assert_problem(api.get(f"{BASE}/pairs/{pair.pk}"), 404)
    assert_problem(
        api.post(f"{BASE}/pairs/{pair.pk}/notes", {"body": "x"}, format="json"), 404
    )
    assert_problem(api.get(f"{BASE}/pairs/{2**63}"), 404)
    assert not Note.objects.exists()


def test_bad_workspace_input_is_refused(pair):
    api = api_for(pair.mentor.user)
    url = f"{BASE}/pairs/{pair.pk}"
    assert_problem(
        api.post(f"{url}/close-out", {"rating": 9}, format="json"), 400, "rating"
    )
    assert_problem(
        api.post(
            f"{url}/sessions", {"starts_at": "1990-01-01T00:00:00Z"}, format="json"
        ),
        400,
        "starts_at",
    )
    assert_problem(
        api.post(f"{url}/check-ins", {"still_meeting": "yes"}, format="json"), 400
    )
    assert not pair.sessions.exists() and not pair.check_ins.exists()


def test_organiser_workspace_summary_has_no_room_or_session_words(pair, owner):
    """Organisers see that a session happened, not its video room or summary."""
    from django.utils import timezone

    session = services.log_session(
        pair, by=pair.mentee.user, starts_at=timezone.now(), summary="Private talk"
    )
    body = api_for(owner).get(f"{BASE}/pairs/{pair.pk}").json()
    assert body["sessions"][0]["room_url"] == ""
    assert "Private talk" not in str(body) and session.room_url not in str(body)
    mine = api_for(pair.mentor.user).get(f"{BASE}/pairs/{pair.pk}").json()
    assert mine["sessions"][0]["room_url"] == session.room_url


def test_dashboard_satisfaction_is_null_below_three_ratings(pair, people, owner):
    mentors, mentees = people
    api = api_for(owner)
    url = f"{BASE}/programmes/{pair.programme.pk}/dashboard"
    services.close_out(pair, by=pair.mentee.user, rating=1)
    body = api.get(url).json()
    assert body["ratings"] == 1 and body["satisfaction"] is None
    services.close_out(pair, by=pair.mentor.user, rating=4)
    services.add_pair(pair.programme, by=owner, mentee=mentees[1], mentor=mentors[1])
    services.publish_matching(pair.programme, by=owner)
    second = Pair.objects.get(mentee=mentees[1])
    services.close_out(second, by=mentees[1].user, rating=4)
    body = api.get(url).json()
    assert body["ratings"] == 3 and body["satisfaction"] == 3.0
