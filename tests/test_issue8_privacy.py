"""Adversarial privacy, permission and bad-input review of issue 8: mentoring
programmes, courses and cohort programmes (pages, API, files, notifications,
webhooks).

Each rule of the issue is tried by the people who must not pass it: a signed-out
visitor, a signed-in outsider, a steward, the admin of another organisation, the
practitioner who referred someone, another participant, the other side of a pair,
a learner of another course. Positive controls (the owner of the data, the lead,
the trainer) show that each refusal is a real boundary.

A test marked xfail(strict=True, reason="BUG: ...") asserts the CORRECT behaviour
and documents a hole that still exists; it turns red once the hole is fixed, so
the marker can be removed.
"""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kindred.core.errors import KindredError
from kindred.learning import selectors as learning_selectors
from kindred.learning import services as learning_services
from kindred.learning.models import Enrolment, Lesson, QuizAttempt
from kindred.learning.services import QuestionInput
from kindred.mentoring import services as mentoring_services
from kindred.mentoring.models import (
    Application,
    MentorRequest,
    Note,
    Pair,
)
from kindred.mentoring.services import ApplicationInput, ProgrammeInput
from kindred.notifications.models import Notification
from kindred.organisations.models import Membership, Organisation, Role
from kindred.programmes import services as programme_services
from kindred.programmes.models import Answer, Place, Response
from tests.conftest import make_person
from tests.test_directory_api import api_for
from tests.test_programmes_fixtures import *  # noqa: F403
from tests.test_programmes_fixtures import answers_for, make_cohort

API = "/api/v1"


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# =====================================================================================
# Cohort programmes: surveys, evaluation, export
# =====================================================================================


def _open(window):
    today = timezone.localdate()
    window.opens_on = today - timedelta(days=1)
    window.closes_on = today + timedelta(days=1)
    window.save()


ENTRY_SLEEP = [1, 2, 3, 4, 5, 3, 2, 4]


def _answer_all(cohort, lead, people, *, count=None):
    """Give everyone a place; the first `count` answer entry and exit surveys with
    different answers each (their hours worked are 10 + their index)."""
    _open(cohort.windows.get(kind="entry"))
    _open(cohort.windows.get(kind="exit"))
    windows = {w.kind: w for w in cohort.windows.all()}
    count = len(people) if count is None else count
    for i, person in enumerate(people):
        programme_services.add_place(cohort, participant=person, by=lead)
        if i >= count:
            continue
        programme_services.submit_response(
            windows["entry"],
            by=person,
            answers=answers_for(
                cohort.instrument,
                [2, 4, ENTRY_SLEEP[i], 6, 10 + i, f"SECRET-TEXT-{i}"],
            ),
        )
        programme_services.submit_response(
            windows["exit"],
            by=person,
            answers=answers_for(cohort.instrument, [4, 2, 3 + i % 3, 3 + i % 2, 40]),
        )


@pytest.fixture
def other_admin(db):
    """The admin of another organisation (with no link to the programme)."""
    org = Organisation.objects.create(
        name="Harbour Enterprise", slug="harbour-enterprise", kind="public_agency"
    )
    person = make_person("hal@harbour.example", "Hal Harbour")
    Membership.objects.create(organisation=org, user=person, role=Role.ADMIN)
    return person


@pytest.fixture
def referrer(colleague, organisation):
    """A practitioner of the organisation that referred people to the programme."""
    return colleague


@pytest.fixture
def answered(cohort, lead, participants):
    _answer_all(cohort, lead, participants[:6])
    return cohort


def _cohort_urls(cohort):
    return [
        f"/programmes/cohorts/{cohort.pk}/",
        f"/programmes/cohorts/{cohort.pk}/survey/entry/",
        f"/programmes/cohorts/{cohort.pk}/evaluation/",
        f"/programmes/cohorts/{cohort.pk}/evaluation/answers.csv",
    ]


def _cohort_api(cohort):
    return [
        f"{API}/programmes/cohorts/{cohort.pk}",
        f"{API}/programmes/cohorts/{cohort.pk}/places",
        f"{API}/programmes/cohorts/{cohort.pk}/survey",
        f"{API}/programmes/cohorts/{cohort.pk}/responses/entry",
        f"{API}/programmes/cohorts/{cohort.pk}/evaluation",
        f"{API}/programmes/cohorts/{cohort.pk}/export",
    ]


@pytest.mark.parametrize("who", ["outsider", "steward", "other_admin", "referrer"])
def test_cohort_pages_are_404_for_people_outside_it(request, answered, who):
    """Wellbeing answers never reach another organisation, a steward or the
    practitioner who referred someone: every cohort page answers 404."""
    client = _logged_in(request.getfixturevalue(who))
    for url in _cohort_urls(answered):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"SECRET-TEXT" not in response.content


@pytest.mark.parametrize("who", ["outsider", "steward", "other_admin", "referrer"])
def test_cohort_api_is_404_for_people_outside_it(request, answered, who):
    api = api_for(request.getfixturevalue(who))
    for url in _cohort_api(answered):
        response = api.get(url)
        assert response.status_code == 404, url


def test_signed_out_visitor_gets_nothing(answered):
    client = Client()
    for url in _cohort_urls(answered):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        assert b"SECRET-TEXT" not in response.content
    for url in _cohort_api(answered):
        assert client.get(url).status_code in (401, 403, 404), url


def test_participant_reads_only_their_own_answers(answered, participants):
    """Another participant's answers are not reachable; the API returns only
    the caller's own response and places."""
    me, other = participants[0], participants[1]
    api = api_for(me)
    mine = api.get(f"{API}/programmes/cohorts/{answered.pk}/responses/entry").json()
    values = {a["value"] for a in mine["answers"]}
    assert "SECRET-TEXT-0" in values and "SECRET-TEXT-1" not in values
    places = api.get(f"{API}/programmes/cohorts/{answered.pk}/places").json()
    people = {p["participant"]["name"] for p in places["results"]}
    assert people == {"Participant 0"}
    page = _logged_in(me).get(f"/programmes/cohorts/{answered.pk}/").content.decode()
    assert other.profile.display_name not in page
    assert "SECRET-TEXT-1" not in page


def test_participant_cannot_open_evaluation_or_export(answered, participants):
    client = _logged_in(participants[0])
    api = api_for(participants[0])
    assert client.get(f"/programmes/cohorts/{answered.pk}/evaluation/").status_code
    assert (
        client.get(f"/programmes/cohorts/{answered.pk}/evaluation/").status_code == 404
    )
    assert (
        client.get(
            f"/programmes/cohorts/{answered.pk}/evaluation/answers.csv"
        ).status_code
        == 404
    )
    assert api.get(f"{API}/programmes/cohorts/{answered.pk}/export").status_code == 404


def test_lead_never_sees_one_persons_answers(answered, lead, participants):
    """The lead has no survey page of their own (no place) and no per-person
    response through the API: only aggregates."""
    client = _logged_in(lead)
    assert client.get(f"/programmes/cohorts/{answered.pk}/survey/entry/").status_code
    assert (
        client.get(f"/programmes/cohorts/{answered.pk}/survey/entry/").status_code
        == 404
    )
    api = api_for(lead)
    assert (
        api.get(f"{API}/programmes/cohorts/{answered.pk}/responses/entry").status_code
        == 404
    )
    evaluation = api.get(f"{API}/programmes/cohorts/{answered.pk}/evaluation")
    assert evaluation.status_code == 200
    body = evaluation.content.decode()
    for person in participants:
        assert person.profile.display_name not in body
        assert person.email not in body
    assert "SECRET-TEXT" not in body
    page = client.get(f"/programmes/cohorts/{answered.pk}/evaluation/")
    assert page.status_code == 200 and b"SECRET-TEXT" not in page.content


def test_evaluation_shows_nothing_for_fewer_than_five(cohort, lead, participants):
    _answer_all(cohort, lead, participants[:4])
    data = api_for(lead).get(f"{API}/programmes/cohorts/{cohort.pk}/evaluation").json()
    for scale in data["scales"]:
        assert scale["shown"] is False
        for figure in ("mean_before", "mean_after", "mean_change", "ci_low", "t"):
            assert scale[figure] is None


def test_export_has_no_names_emails_ids_or_free_text(answered, lead, participants):
    response = api_for(lead).get(f"{API}/programmes/cohorts/{answered.pk}/export")
    assert response.status_code == 200
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["participant", "cohort", "window"]
    assert len(body) == 12
    for person in participants:
        assert person.email not in text
        assert person.profile.display_name not in text
        assert str(person.pk) not in {row[0] for row in body}
        assert str(person.profile.pk) not in {row[0] for row in body}
    assert "SECRET-TEXT" not in text
    again = api_for(lead).get(f"{API}/programmes/cohorts/{answered.pk}/export")
    first_ids = {row[0] for row in body}
    second_ids = {row[0] for row in list(csv.reader(io.StringIO(again.text)))[1:]}
    assert first_ids.isdisjoint(second_ids), "a fresh pseudonym each export"


def test_export_row_order_does_not_follow_people(cohort, lead, participants):
    _answer_all(cohort, lead, participants[:6])
    by_id = [10 + i for i in range(6)]  # hours worked, in participant-id order
    orders = []
    for _ in range(3):
        text = api_for(lead).get(f"{API}/programmes/cohorts/{cohort.pk}/export").text
        rows = list(csv.DictReader(io.StringIO(text)))
        hours_column = [k for k in rows[0] if k.startswith("item_")][4]
        orders.append(
            [int(float(r[hours_column])) for r in rows if r["window"] == "entry"]
        )
    assert any(order != by_id for order in orders)


def test_export_is_refused_below_five(cohort, lead, participants):
    _answer_all(cohort, lead, participants[:2])
    response = api_for(lead).get(f"{API}/programmes/cohorts/{cohort.pk}/export")
    rows = (
        list(csv.reader(io.StringIO(response.content.decode())))
        if response.status_code == 200
        else []
    )
    assert response.status_code != 200 or len(rows) <= 1


def test_withdrawing_one_place_does_not_reveal_their_score(cohort, lead, participants):
    _answer_all(cohort, lead, participants[:6])
    api = api_for(lead)
    url = f"{API}/programmes/cohorts/{cohort.pk}/evaluation"
    before = {s["scale"]: s for s in api.get(url).json()["scales"]}
    assert before["Wellbeing"]["shown"]
    target = Place.objects.get(cohort=cohort, participant=participants[0])
    withdrawn = api.post(
        f"{API}/programmes/cohorts/{cohort.pk}/places/{target.pk}/withdraw"
    )
    assert withdrawn.status_code == 200
    after = {s["scale"]: s for s in api.get(url).json()["scales"]}
    for name, scale in after.items():
        assert scale["mean_before"] in (None, before[name]["mean_before"]), name


def test_bad_survey_answer_names_the_question_and_saves_nothing(
    cohort, lead, participants
):
    person = participants[0]
    programme_services.add_place(cohort, participant=person, by=lead)
    _open(cohort.windows.get(kind="entry"))
    items = list(cohort.instrument.items.order_by("position"))
    api = api_for(person)
    response = api.put(
        f"{API}/programmes/cohorts/{cohort.pk}/responses/entry",
        {
            "answers": [
                {"item": items[0].pk, "value": "9"},  # out of 1-5
                {"item": items[3].pk, "value": "4"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert f"item_{items[0].pk}" in response.json().get("errors", {})
    assert not Response.objects.exists() and not Answer.objects.exists()
    client = _logged_in(person)
    page = client.post(
        f"/programmes/cohorts/{cohort.pk}/survey/entry/",
        {f"item_{items[0].pk}": "3", f"item_{items[3].pk}": "not a number"},
    )
    assert page.status_code == 400
    assert not Response.objects.exists()


def test_answers_to_another_cohorts_questions_are_refused(
    programme, instrument, cohort, lead, participants
):
    """Item ids of another survey are not accepted (no write through guessing)."""
    from kindred.programmes.services import ItemInput, ScaleInput

    other_instrument = programme_services.create_instrument(
        programme,
        by=lead,
        name="Other",
        scales=[ScaleInput("X")],
        items=[ItemInput("Q", "likert5", scale=0)],
    )
    foreign = other_instrument.items.get()
    person = participants[0]
    programme_services.add_place(cohort, participant=person, by=lead)
    _open(cohort.windows.get(kind="entry"))
    items = list(instrument.items.order_by("position"))
    response = api_for(person).put(
        f"{API}/programmes/cohorts/{cohort.pk}/responses/entry",
        {
            "answers": [
                {"item": items[3].pk, "value": "4"},
                {"item": foreign.pk, "value": "3"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_withdrawn_participant_loses_the_survey(cohort, lead, participants):
    person = participants[0]
    place = programme_services.add_place(cohort, participant=person, by=lead)
    _open(cohort.windows.get(kind="entry"))
    programme_services.withdraw_place(place, by=person)
    client = _logged_in(person)
    assert client.get(f"/programmes/cohorts/{cohort.pk}/survey/entry/").status_code
    assert (
        client.get(f"/programmes/cohorts/{cohort.pk}/survey/entry/").status_code == 404
    )
    assert (
        api_for(person)
        .get(f"{API}/programmes/cohorts/{cohort.pk}/responses/entry")
        .status_code
        == 404
    )


def test_participant_cannot_withdraw_someone_elses_place(cohort, lead, participants):
    me, other = participants[0], participants[1]
    programme_services.add_place(cohort, participant=me, by=lead)
    theirs = programme_services.add_place(cohort, participant=other, by=lead)
    page = _logged_in(me).post(
        f"/programmes/cohorts/{cohort.pk}/places/{theirs.pk}/withdraw/"
    )
    assert page.status_code == 404
    api = api_for(me).post(
        f"{API}/programmes/cohorts/{cohort.pk}/places/{theirs.pk}/withdraw"
    )
    assert api.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status != Place.Status.WITHDRAWN


def test_place_of_another_cohort_is_404_through_my_cohort(
    programme, cohort, lead, participants
):
    """IDOR: a place id from cohort B under cohort A's URL is not found."""
    other_cohort = make_cohort(programme, lead, name="Autumn cohort", days=30)
    mine = programme_services.add_place(cohort, participant=participants[0], by=lead)
    theirs = programme_services.add_place(
        other_cohort, participant=participants[1], by=lead
    )
    me = participants[0]
    assert (
        _logged_in(me)
        .post(f"/programmes/cohorts/{cohort.pk}/places/{theirs.pk}/withdraw/")
        .status_code
        == 404
    )
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status != Place.Status.WITHDRAWN
    assert mine.status != Place.Status.WITHDRAWN


def test_lead_of_one_programme_cannot_reach_another_organisations_cohort(
    answered, other_admin
):
    """The admin of another organisation cannot add themselves a place."""
    api = api_for(other_admin)
    response = api.post(
        f"{API}/programmes/cohorts/{answered.pk}/places",
        {"participant": other_admin.profile.pk},
        format="json",
    )
    assert response.status_code == 404
    assert not Place.objects.filter(participant=other_admin).exists()


def test_survey_form_needs_a_csrf_token(cohort, lead, participants):
    person = participants[0]
    programme_services.add_place(cohort, participant=person, by=lead)
    _open(cohort.windows.get(kind="entry"))
    items = list(cohort.instrument.items.order_by("position"))
    response = _csrf_client(person).post(
        f"/programmes/cohorts/{cohort.pk}/survey/entry/",
        {f"item_{items[3].pk}": "4"},
    )
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_place_webhook_and_survey_notifications_carry_no_answers(
    monkeypatch, cohort, lead, participants
):
    sent = []
    monkeypatch.setattr(
        "kindred.programmes.services.emit",
        lambda org, name, data: sent.append((org, name, data)),
    )
    _answer_all(cohort, lead, participants[:1])
    assert sent, "a place_added webhook is emitted"
    text = repr([data for _org, _name, data in sent])
    person = participants[0]
    assert person.email not in text
    assert person.profile.display_name not in text
    assert "SECRET-TEXT" not in text
    # Only the participant is told their survey is due.
    due = Notification.objects.filter(kind="programmes.survey_due")
    assert set(due.values_list("recipient_id", flat=True)) <= {person.pk}


def test_huge_and_negative_ids_are_404(lead):
    client = _logged_in(lead)
    for url in (
        "/programmes/cohorts/99999999999999999999/",
        "/programmes/cohorts/0/evaluation/",
        "/programmes/9223372036854775808/",
    ):
        assert client.get(url).status_code == 404, url
    api = api_for(lead)
    assert api.get(f"{API}/programmes/cohorts/9223372036854775808").status_code == 404


# =====================================================================================
# Mentoring: pairs, notes, applications, requests
# =====================================================================================


def _mentoring_programme(by, organisation, **overrides):
    programme = mentoring_services.create_programme(
        by=by,
        organisation=organisation,
        settings=ProgrammeInput(
            **{
                "title": "Founders' mentoring",
                "purpose": "Pair founders with mentors.",
                "questions": ["What do you want?"],
                **overrides,
            }
        ),
    )
    mentoring_services.set_programme_status(programme, by=by, status="open")
    return programme


def _apply(programme, email, side, topics, *, capacity=1, answer="To grow."):
    person = make_person(email, email.split("@")[0].title())
    return mentoring_services.apply(
        programme,
        by=person,
        data=ApplicationInput(
            side=side,
            answers=[answer],
            topics=topics,
            languages=["en"],
            availability=["mon-am"],
            stages=["start_up"],
            capacity=capacity,
            experience_years=10 if side == "mentor" else 0,
        ),
    )


@pytest.fixture
def topic_list(topics):
    return list(topics.values())


@pytest.fixture
def mprog(owner, organisation):
    return _mentoring_programme(owner, organisation)


@pytest.fixture
def mpeople(mprog, topic_list):
    mentors = [
        _apply(mprog, f"mentor{i}@example.net", "mentor", topic_list[:3])
        for i in range(2)
    ]
    mentees = [
        _apply(
            mprog,
            f"mentee{i}@example.net",
            "mentee",
            topic_list[i : i + 1],
            answer=f"APPLICATION-SECRET-{i}",
        )
        for i in range(3)
    ]
    return mentors, mentees


@pytest.fixture
def pairs(mprog, mpeople, owner):
    """Two published pairs: mentee0-mentor0 and mentee1-mentor1."""
    mentors, mentees = mpeople
    mentoring_services.add_pair(mprog, by=owner, mentee=mentees[0], mentor=mentors[0])
    mentoring_services.add_pair(mprog, by=owner, mentee=mentees[1], mentor=mentors[1])
    mentoring_services.publish_matching(mprog, by=owner)
    first = Pair.objects.get(mentee=mentees[0])
    second = Pair.objects.get(mentee=mentees[1])
    return first, second


@pytest.fixture
def busy_pair(pairs):
    """The first pair with a note from each side, a session and feedback."""
    pair = pairs[0]
    mentee, mentor = pair.mentee.user, pair.mentor.user
    mentoring_services.add_note(pair, by=mentee, body="MENTEE-PRIVATE-NOTE")
    mentoring_services.add_note(pair, by=mentor, body="MENTOR-PRIVATE-NOTE")
    mentoring_services.log_session(
        pair,
        by=mentee,
        starts_at=timezone.now() - timedelta(days=1),
        summary="SESSION-SUMMARY-TEXT",
    )
    mentoring_services.close_out(pair, by=mentee, rating=2, comment="FEEDBACK-WORDS")
    return pair


def test_pair_workspace_is_404_for_outsiders_and_other_pairs(
    busy_pair, pairs, outsider
):
    """IDOR: a member of another pair, an outsider and a steward-less visitor get
    404 for the pair's page, API, notes and calendar file."""
    other_member = pairs[1].mentee.user
    session = busy_pair.sessions.get()
    urls = [
        f"/mentoring/pairs/{busy_pair.pk}/",
        f"/mentoring/pairs/{busy_pair.pk}/sessions/{session.pk}.ics",
    ]
    apis = [
        f"{API}/mentoring/pairs/{busy_pair.pk}",
        f"{API}/mentoring/pairs/{busy_pair.pk}/notes",
        f"{API}/mentoring/pairs/{busy_pair.pk}/goals",
        f"{API}/mentoring/pairs/{busy_pair.pk}/sessions",
    ]
    for person in (outsider, other_member):
        client = _logged_in(person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (person, url)
            assert b"PRIVATE-NOTE" not in response.content
        api = api_for(person)
        for url in apis:
            assert api.get(url).status_code == 404, (person, url)


def test_writes_into_another_pair_are_404_and_change_nothing(busy_pair, pairs):
    intruder = pairs[1].mentor.user
    client = _logged_in(intruder)
    before = Note.objects.count()
    for url, data in (
        (f"/mentoring/pairs/{busy_pair.pk}/notes/", {"body": "x"}),
        (f"/mentoring/pairs/{busy_pair.pk}/agreement/", {"agreement": "x"}),
        (f"/mentoring/pairs/{busy_pair.pk}/goals/", {"title": "x"}),
        (f"/mentoring/pairs/{busy_pair.pk}/check-in/", {"still_meeting": "yes"}),
    ):
        assert client.post(url, data).status_code == 404, url
    api = api_for(intruder)
    assert (
        api.post(
            f"{API}/mentoring/pairs/{busy_pair.pk}/notes", {"body": "x"}, format="json"
        ).status_code
        == 404
    )
    busy_pair.refresh_from_db()
    assert Note.objects.count() == before and busy_pair.agreement == ""
    assert not busy_pair.goals.exists() and not busy_pair.check_ins.exists()


def test_private_notes_only_for_their_author(busy_pair):
    mentee, mentor = busy_pair.mentee.user, busy_pair.mentor.user
    page = _logged_in(mentee).get(f"/mentoring/pairs/{busy_pair.pk}/").content
    assert b"MENTEE-PRIVATE-NOTE" in page and b"MENTOR-PRIVATE-NOTE" not in page
    notes = api_for(mentor).get(f"{API}/mentoring/pairs/{busy_pair.pk}/notes").json()
    assert [n["body"] for n in notes] == ["MENTOR-PRIVATE-NOTE"]
    workspace = api_for(mentor).get(f"{API}/mentoring/pairs/{busy_pair.pk}").content
    assert b"MENTEE-PRIVATE-NOTE" not in workspace


def test_partner_cannot_delete_the_others_note(busy_pair):
    mentee_note = Note.objects.get(body="MENTEE-PRIVATE-NOTE")
    response = _logged_in(busy_pair.mentor.user).post(
        f"/mentoring/pairs/{busy_pair.pk}/notes/{mentee_note.pk}/delete/"
    )
    assert response.status_code == 404
    assert Note.objects.filter(pk=mentee_note.pk).exists()


def test_organiser_sees_a_summary_without_notes_or_feedback_words(busy_pair, owner):
    page = _logged_in(owner).get(f"/mentoring/pairs/{busy_pair.pk}/")
    assert page.status_code == 200
    body = page.content
    assert b"PRIVATE-NOTE" not in body and b"FEEDBACK-WORDS" not in body
    api = api_for(owner)
    workspace = api.get(f"{API}/mentoring/pairs/{busy_pair.pk}")
    assert workspace.status_code == 200
    assert b"PRIVATE-NOTE" not in workspace.content
    assert b"FEEDBACK-WORDS" not in workspace.content
    assert workspace.json()["feedback"] == []
    assert api.get(f"{API}/mentoring/pairs/{busy_pair.pk}/notes").json() == []
    # The organiser cannot write into the pair's workspace either.
    response = api.post(
        f"{API}/mentoring/pairs/{busy_pair.pk}/notes", {"body": "x"}, format="json"
    )
    assert response.status_code == 403
    assert not Note.objects.filter(author=owner).exists()


def test_organiser_has_no_session_calendar_file(busy_pair, owner):
    session = busy_pair.sessions.get()
    response = _logged_in(owner).get(
        f"/mentoring/pairs/{busy_pair.pk}/sessions/{session.pk}.ics"
    )
    assert response.status_code == 404
    assert (
        api_for(owner).get(f"{API}/mentoring/pairs/{busy_pair.pk}/sessions").status_code
        == 404
    )


def test_organiser_workspace_api_has_no_video_room(busy_pair, owner):
    """Fixed after this review (2368062): organisers see that sessions happened,
    not their room, calendar link or what was talked about."""
    session = busy_pair.sessions.get()
    body = api_for(owner).get(f"{API}/mentoring/pairs/{busy_pair.pk}").content
    assert session.room_url.encode() not in body
    assert b"SESSION-SUMMARY-TEXT" not in body
    page = _logged_in(owner).get(f"/mentoring/pairs/{busy_pair.pk}/").content
    assert session.room_url.encode() not in page
    assert b"SESSION-SUMMARY-TEXT" not in page
    mine = api_for(busy_pair.mentee.user).get(f"{API}/mentoring/pairs/{busy_pair.pk}")
    assert session.room_url.encode() in mine.content  # the positive control


def test_session_calendar_of_another_pair_via_my_pair_is_404(busy_pair, pairs):
    """IDOR: pair B's session id under pair A's calendar URL."""
    other = pairs[1]
    session = busy_pair.sessions.get()
    response = _logged_in(other.mentee.user).get(
        f"/mentoring/pairs/{other.pk}/sessions/{session.pk}.ics"
    )
    assert response.status_code == 404


def test_proposed_pair_is_hidden_from_the_pair(mprog, mpeople, owner):
    mentors, mentees = mpeople
    mentoring_services.add_pair(mprog, by=owner, mentee=mentees[2], mentor=mentors[0])
    pair = Pair.objects.get(mentee=mentees[2])
    assert pair.status == Pair.Status.PROPOSED
    for person in (mentees[2].user, mentors[0].user):
        assert _logged_in(person).get(f"/mentoring/pairs/{pair.pk}/").status_code == 404
        assert (
            api_for(person).get(f"{API}/mentoring/pairs/{pair.pk}").status_code == 404
        )
        assert api_for(person).get(f"{API}/mentoring/pairs").json() == []


def test_applications_only_for_applicant_and_organisers(mprog, mpeople, owner):
    mentors, mentees = mpeople
    someone = mentees[1].user
    page = _logged_in(someone).get(f"/mentoring/{mprog.pk}/applications/")
    assert page.status_code == 404
    rows = api_for(someone).get(f"{API}/mentoring/programmes/{mprog.pk}/applications")
    assert rows.status_code == 200
    assert [r["id"] for r in rows.json()] == [mentees[1].pk]
    assert b"APPLICATION-SECRET-0" not in rows.content
    organiser = api_for(owner).get(
        f"{API}/mentoring/programmes/{mprog.pk}/applications"
    )
    assert b"APPLICATION-SECRET-0" in organiser.content
    other = _logged_in(someone).get(f"/mentoring/{mprog.pk}/matching/")
    assert other.status_code == 404


def test_organiser_routes_are_404_for_participants(mprog, mpeople):
    mentee = mpeople[1][0].user
    client = _logged_in(mentee)
    for url in (
        f"/mentoring/{mprog.pk}/dashboard/",
        f"/mentoring/{mprog.pk}/matching/",
        f"/mentoring/{mprog.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    api = api_for(mentee)
    for url in (
        f"{API}/mentoring/programmes/{mprog.pk}/pairs",
        f"{API}/mentoring/programmes/{mprog.pk}/dashboard",
    ):
        assert api.get(url).status_code == 404, url
    response = api.post(f"{API}/mentoring/programmes/{mprog.pk}/matching", {})
    assert response.status_code == 404
    assert not Pair.objects.exists()


def test_draft_programme_is_404_for_everyone_but_its_organisers(
    owner, organisation, outsider
):
    draft = mentoring_services.create_programme(
        by=owner,
        organisation=organisation,
        settings=ProgrammeInput(title="Hidden draft", purpose="Soon."),
    )
    assert _logged_in(outsider).get(f"/mentoring/{draft.pk}/").status_code == 404
    api = api_for(outsider)
    assert api.get(f"{API}/mentoring/programmes/{draft.pk}").status_code == 404
    listed = api.get(f"{API}/mentoring/programmes").content
    assert b"Hidden draft" not in listed
    assert _logged_in(owner).get(f"/mentoring/{draft.pk}/").status_code == 200


@pytest.fixture
def self_match(owner, organisation, topic_list):
    programme = _mentoring_programme(owner, organisation, mode="self", request_days=3)
    mentors = [
        _apply(programme, f"sm{i}@example.net", "mentor", topic_list[:2])
        for i in range(3)
    ]
    mentee = _apply(programme, "se@example.net", "mentee", topic_list[:1])
    return programme, mentors, mentee


def test_requests_are_404_for_people_not_in_them(self_match, outsider):
    programme, mentors, mentee = self_match
    requests = mentoring_services.request_mentors(
        programme, by=mentee.user, mentors=mentors[:2]
    )
    waiting, queued = requests
    for person, request in ((outsider, waiting), (mentors[1].user, queued)):
        response = _logged_in(person).post(
            f"/mentoring/requests/{request.pk}/decide/", {"decision": "accept"}
        )
        assert response.status_code == 404
        api = api_for(person).post(
            f"{API}/mentoring/requests/{request.pk}/decision",
            {"accept": True},
            format="json",
        )
        assert api.status_code == 404
    assert not Pair.objects.exists()
    assert MentorRequest.objects.get(pk=queued.pk).status == "queued"
    listed = api_for(mentors[1].user).get(f"{API}/mentoring/requests").content
    assert str(queued.pk).encode() not in listed or b"queued" not in listed


def test_expired_request_is_refused_with_the_reason(self_match):
    programme, mentors, mentee = self_match
    first, *_rest = mentoring_services.request_mentors(
        programme, by=mentee.user, mentors=mentors[:2]
    )
    MentorRequest.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = api_for(mentors[0].user).post(
        f"{API}/mentoring/requests/{first.pk}/decision",
        {"accept": True},
        format="json",
    )
    assert response.status_code in (400, 409)
    assert "expired" in response.json()["detail"]
    assert not Pair.objects.exists()


def test_over_capacity_and_forbidden_pairs_are_refused_with_reasons(
    mprog, mpeople, owner
):
    mentors, mentees = mpeople
    api = api_for(owner)
    url = f"{API}/mentoring/programmes/{mprog.pk}/pairs"
    ok = api.post(
        url, {"mentee": mentees[0].pk, "mentor": mentors[0].pk}, format="json"
    )
    assert ok.status_code == 201
    full = api.post(
        url, {"mentee": mentees[1].pk, "mentor": mentors[0].pk}, format="json"
    )
    assert full.status_code in (400, 409)
    assert "capacity" in full.json()["detail"]
    mentoring_services.forbid_pair(
        mprog, by=owner, mentee=mentees[2], mentor=mentors[1]
    )
    forbidden = api.post(
        url, {"mentee": mentees[2].pk, "mentor": mentors[1].pk}, format="json"
    )
    assert forbidden.status_code in (400, 409)
    assert "must not" in forbidden.json()["detail"]
    assert Pair.objects.count() == 1


def test_application_ids_of_another_programme_are_refused(
    mprog, mpeople, owner, organisation, topic_list
):
    """IDOR through the body: another programme's application id is unknown."""
    other = _mentoring_programme(owner, organisation, title="Other")
    stranger = _apply(other, "stranger@example.net", "mentee", topic_list[:1])
    response = api_for(owner).post(
        f"{API}/mentoring/programmes/{mprog.pk}/pairs",
        {"mentee": stranger.pk, "mentor": mpeople[0][0].pk},
        format="json",
    )
    assert response.status_code == 400
    assert not Pair.objects.exists()


XSS = '<img src=x onerror="alert(1)"> [x](javascript:alert(2))'


def test_agreement_markdown_is_sanitised(pairs):
    pair = pairs[0]
    mentee = pair.mentee.user
    client = _logged_in(mentee)
    client.post(
        f"/mentoring/pairs/{pair.pk}/agreement/",
        {"agreement": f"We meet. {XSS}"},
    )
    page = client.get(f"/mentoring/pairs/{pair.pk}/").content.decode()
    assert 'onerror="alert(1)"' not in page and 'href="javascript:' not in page


def test_bad_goal_is_refused_and_nothing_is_written(pairs):
    pair = pairs[0]
    response = _logged_in(pair.mentee.user).post(
        f"/mentoring/pairs/{pair.pk}/goals/", {"title": ""}
    )
    assert response.status_code == 400
    api = api_for(pair.mentee.user).post(
        f"{API}/mentoring/pairs/{pair.pk}/goals",
        {"title": "x" * 500, "milestones": [{"title": "ok"}]},
        format="json",
    )
    assert api.status_code == 400
    assert not pair.goals.exists()


def test_pair_note_form_needs_a_csrf_token(pairs):
    pair = pairs[0]
    response = _csrf_client(pair.mentee.user).post(
        f"/mentoring/pairs/{pair.pk}/notes/", {"body": "x"}
    )
    assert response.status_code == 403
    assert not Note.objects.exists()


def test_pair_webhooks_carry_no_private_text(monkeypatch, mprog, mpeople, owner):
    sent = []
    monkeypatch.setattr(
        "kindred.webhooks.services.emit",
        lambda org, name, data: sent.append((name, data)),
    )
    mentors, mentees = mpeople
    mentoring_services.add_pair(mprog, by=owner, mentee=mentees[0], mentor=mentors[0])
    mentoring_services.publish_matching(mprog, by=owner)
    pair = Pair.objects.get(mentee=mentees[0])
    mentoring_services.add_note(pair, by=mentees[0].user, body="MENTEE-PRIVATE-NOTE")
    mentoring_services.close_out(
        pair, by=mentees[0].user, rating=3, comment="FEEDBACK-WORDS"
    )
    text = repr(sent)
    assert "PRIVATE-NOTE" not in text and "FEEDBACK-WORDS" not in text
    assert "APPLICATION-SECRET" not in text
    assert mentees[0].user.email not in text


# =====================================================================================
# Courses: unpublished courses, progress, quizzes, certificates
# =====================================================================================

QUESTIONS = [QuestionInput("Pick A", [("A", True), ("B", False)])]


@pytest.fixture
def trainer(organisation, colleague):
    return colleague


@pytest.fixture
def course(organisation, trainer):
    course = learning_services.create_course(
        organisation, by=trainer, title="Money basics", summary="Cash flow first."
    )
    module = learning_services.add_module(course, by=trainer, title="Start")
    learning_services.add_lesson(module, by=trainer, title="One", body="**Hello**")
    quizzed = learning_services.add_lesson(module, by=trainer, title="Two")
    learning_services.set_quiz(quizzed, by=trainer, pass_mark=100, questions=QUESTIONS)
    learning_services.publish_course(course, by=trainer)
    return course


@pytest.fixture
def learners(db):
    return [make_person(f"l{i}@learn.example", f"Learner {i}") for i in range(2)]


def _lessons(course) -> list[Lesson]:
    return learning_selectors.ordered_lessons(course)


def _complete(course, learner, *, wrong_first=True):
    learning_services.enrol(course, learner, by=learner)
    first, quizzed = _lessons(course)
    learning_services.complete_lesson(first, by=learner)
    quiz = learning_selectors.quiz_of(quizzed)
    question = quiz.questions.get()
    choices = {c.correct: c.pk for c in question.choices.all()}
    if wrong_first:
        learning_services.attempt_quiz(
            quiz, by=learner, answers={question.pk: [choices[False]]}
        )
    learning_services.attempt_quiz(
        quiz, by=learner, answers={question.pk: [choices[True]]}
    )
    return Enrolment.objects.get(course=course, user=learner)


def test_unpublished_course_is_404_for_everyone_but_trainers(
    organisation, trainer, outsider, owner
):
    draft = learning_services.create_course(
        organisation, by=trainer, title="Secret draft", summary="Soon."
    )
    module = learning_services.add_module(draft, by=trainer, title="M")
    lesson = learning_services.add_lesson(module, by=trainer, title="L", body="B")
    client = _logged_in(outsider)
    for url in (
        f"/courses/{draft.slug}/",
        f"/courses/{draft.slug}/lessons/{lesson.pk}/",
        f"/courses/{draft.slug}/manage/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/courses/{draft.slug}/enrol/").status_code == 404
    api = api_for(outsider)
    assert api.get(f"{API}/courses/{draft.slug}").status_code == 404
    assert api.get(f"{API}/courses/{draft.slug}/lessons/{lesson.pk}").status_code == 404
    assert api.post(f"{API}/courses/{draft.slug}/enrolment").status_code == 404
    assert b"Secret draft" not in api.get(f"{API}/courses").content
    assert not Enrolment.objects.filter(user=outsider).exists()
    # Admins of the organisation are trainers: the positive control.
    assert _logged_in(owner).get(f"/courses/{draft.slug}/").status_code == 200


def test_progress_and_quiz_answers_only_for_learner_and_trainers(
    course, learners, trainer, other_admin, steward
):
    first, second = learners
    _complete(course, first)
    # Another learner: their own progress only, no trainer pages.
    other = api_for(second)
    assert other.get(f"{API}/courses/{course.slug}/progress").status_code == 404
    for url in ("enrolments", "report"):
        assert other.get(f"{API}/courses/{course.slug}/{url}").status_code == 404
        assert (
            _logged_in(second).get(f"/courses/{course.slug}/{url}/").status_code == 404
        )
    # Another organisation's admin and a steward are not the course's trainers.
    for person in (other_admin, steward):
        assert (
            api_for(person).get(f"{API}/courses/{course.slug}/enrolments").status_code
            == 404
        )
    rows = api_for(trainer).get(f"{API}/courses/{course.slug}/enrolments").json()
    assert [r["person"]["name"] for r in rows] == ["Learner 0"]


def test_another_learner_never_sees_my_attempts(course, learners):
    first, second = learners
    _complete(course, first)
    learning_services.enrol(course, second, by=second)
    quizzed = _lessons(course)[1]
    page = _logged_in(second).get(f"/courses/{course.slug}/lessons/{quizzed.pk}/")
    assert page.status_code == 200
    assert QuizAttempt.objects.filter(enrolment__user=first).count() == 2
    assert b"Your attempts:" not in page.content
    assert b"(passed)" not in page.content
    mine = _logged_in(first).get(f"/courses/{course.slug}/lessons/{quizzed.pk}/")
    assert b"Your attempts:" in mine.content  # the positive control


def test_quiz_does_not_reveal_the_right_answers(course, learners):
    learner = learners[0]
    learning_services.enrol(course, learner, by=learner)
    quizzed = _lessons(course)[1]
    response = api_for(learner).get(
        f"{API}/courses/{course.slug}/lessons/{quizzed.pk}/quiz"
    )
    assert response.status_code == 200
    assert b"correct" not in response.content
    page = _logged_in(learner).get(f"/courses/{course.slug}/lessons/{quizzed.pk}/")
    assert b"correct" not in page.content.lower().replace(b"incorrect", b"")


def test_enrolment_of_another_course_is_404_through_mine(
    organisation, course, trainer, learners
):
    """IDOR: a trainer of course A decides an enrolment of course B by id."""
    other_org = Organisation.objects.create(
        name="Other trainers", slug="other-trainers", kind="public_agency"
    )
    other_trainer = make_person("ot@other.example", "Other Trainer")
    Membership.objects.create(
        organisation=other_org, user=other_trainer, role=Role.PRACTITIONER
    )
    theirs = learning_services.create_course(
        other_org, by=other_trainer, title="Theirs", summary="x"
    )
    learning_services.add_lesson(
        learning_services.add_module(theirs, by=other_trainer, title="M"),
        by=other_trainer,
        title="L",
    )
    learning_services.update_course(theirs, by=other_trainer, enrolment="approval")
    learning_services.publish_course(theirs, by=other_trainer)
    enrolment = learning_services.enrol(theirs, learners[0], by=learners[0])
    assert enrolment.status == Enrolment.Status.PENDING
    response = api_for(trainer).post(
        f"{API}/courses/{course.slug}/enrolments/{enrolment.pk}/decision",
        {"approve": True},
        format="json",
    )
    assert response.status_code == 404
    page = _logged_in(trainer).post(
        f"/courses/{course.slug}/enrolments/{enrolment.pk}/decide/",
        {"decision": "approve"},
    )
    assert page.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_certificate_pdf_only_for_its_learner(course, learners, trainer):
    first, second = learners
    _complete(course, first)
    assert (
        _logged_in(first).get(f"/courses/{course.slug}/certificate/").status_code == 200
    )
    for person in (second, trainer):
        assert (
            _logged_in(person).get(f"/courses/{course.slug}/certificate/").status_code
            == 404
        )
        assert (
            api_for(person).get(f"{API}/courses/{course.slug}/certificate").status_code
            == 404
        )


def test_verification_shows_only_name_course_organisation_date(course, learners):
    learner = learners[0]
    enrolment = _complete(course, learner)
    certificate = enrolment.certificate
    api = Client().get(f"{API}/courses/certificates/{certificate.code}")
    assert api.status_code == 200
    data = api.json()
    assert set(data) <= {
        "valid",
        "revoked_at",
        "name",
        "course",
        "organisation",
        "issued_at",
    }
    assert data["name"] == "Learner 0"
    page = Client().get(f"/courses/certificates/{certificate.code}/")
    body = page.content.decode()
    assert page.status_code == 200 and "Learner 0" in body
    assert learner.email not in body and learner.email not in api.content.decode()
    assert f"/members/{learner.profile.pk}/" not in body
    # A guessed code says nothing.
    assert (
        Client().get("/courses/certificates/AAAAAAAAAAAAAAAAAAAAAA/").status_code == 404
    )


def test_lesson_file_is_404_for_people_not_enrolled(
    course, trainer, learners, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    lesson = _lessons(course)[0]
    data = b"%PDF-1.4 FILE-SECRET"
    resource = learning_services.add_resource(
        lesson,
        by=trainer,
        upload=io.BytesIO(data),
        name="notes.pdf",
        size=len(data),
        title="Notes",
    )
    stranger = learners[1]
    assert (
        _logged_in(stranger)
        .get(f"/courses/{course.slug}/files/{resource.pk}/")
        .status_code
        == 404
    )
    assert (
        api_for(stranger)
        .get(f"{API}/courses/{course.slug}/resources/{resource.pk}/download")
        .status_code
        == 404
    )


def test_lesson_markdown_is_sanitised_on_the_page(course, trainer, learners):
    lesson = _lessons(course)[0]
    with contextlib.suppress(KindredError):  # refused as bad input is fine too
        learning_services.update_lesson(
            lesson,
            by=trainer,
            title="One",
            body='Hi <img src=x onerror="alert(1)"> [x](javascript:alert(2))',
        )
    learner = learners[0]
    learning_services.enrol(course, learner, by=learner)
    page = _logged_in(learner).get(f"/courses/{course.slug}/lessons/{lesson.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'onerror="alert(1)"' not in body and 'href="javascript:' not in body


def test_enrol_form_needs_a_csrf_token(course, learners):
    response = _csrf_client(learners[0]).post(f"/courses/{course.slug}/enrol/")
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_bad_quiz_attempt_is_refused_and_nothing_recorded(course, learners):
    learner = learners[0]
    learning_services.enrol(course, learner, by=learner)
    quizzed = _lessons(course)[1]
    api = api_for(learner)
    url = f"{API}/courses/{course.slug}/lessons/{quizzed.pk}/quiz/attempts"
    for body in (
        {"answers": [{"question": 999999, "choices": [1]}]},
        {"answers": []},
        {"answers": "nonsense"},
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, body
    assert not QuizAttempt.objects.exists()


def test_learning_webhook_names_only_the_learner(monkeypatch, course, learners):
    sent = []
    monkeypatch.setattr(
        "kindred.learning.services.emit",
        lambda org, name, data: sent.append((name, data)),
    )
    learner = learners[0]
    _complete(course, learner)
    assert [name for name, _data in sent] == ["course.completed"]
    text = repr(sent)
    assert learner.email not in text
    assert "answers" not in text and "score" not in text


def test_certificate_issued_notification_goes_to_the_learner_only(
    course, learners, trainer
):
    _complete(course, learners[0])
    issued = Notification.objects.filter(kind="learning.certificate_issued")
    assert list(issued.values_list("recipient_id", flat=True)) == [learners[0].pk]


def test_application_answers_do_not_reach_mentors_through_suggestions(
    owner, organisation, topic_list
):
    """In suggested mode a mentee sees their best mentors, never other mentees'
    applications or answers."""
    programme = _mentoring_programme(owner, organisation, mode="suggested")
    _apply(programme, "sgm@example.net", "mentor", topic_list[:1])
    me = _apply(programme, "sge@example.net", "mentee", topic_list[:1])
    _apply(
        programme,
        "sgo@example.net",
        "mentee",
        topic_list[:1],
        answer="APPLICATION-SECRET-OTHER",
    )
    response = api_for(me.user).get(
        f"{API}/mentoring/programmes/{programme.pk}/suggestions"
    )
    assert response.status_code == 200
    assert b"APPLICATION-SECRET-OTHER" not in response.content
    assert b"sgo@example.net" not in response.content
    assert Application.objects.filter(programme=programme).count() == 3
