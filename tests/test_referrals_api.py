"""The referrals REST API: create, lists, one referral, transitions, the thread,
outcomes, consent, the log and the funnel reports, and who may do what.

Every refusal is checked twice: the answer (status, problem+json naming the field)
and the database (nothing was written or changed).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from kindred.accounts.models import User
from kindred.algorithms import referral_flow as flow
from kindred.api.models import IdempotencyRecord
from kindred.directory.models import Service
from kindred.referrals import services
from kindred.referrals.models import (
    Consent,
    Event,
    LogEntry,
    Message,
    Outcome,
    Referral,
)
from tests.referral_fixtures import *  # noqa: F403
from tests.referral_fixtures import consent

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
TODAY = timezone.localdate


# --- helpers ------------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_problem(response, status: int, field: str | None = None) -> dict:
    """The answer is an RFC 9457 problem with `status`, naming `field` if given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"] and "detail" in body
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


def snapshot() -> dict:
    """Everything the referral API can write, to prove a refusal wrote nothing."""
    return {
        "referrals": list(Referral.objects.order_by("pk").values()),
        "consents": list(Consent.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "messages": Message.objects.count(),
        "outcomes": list(Outcome.objects.order_by("pk").values()),
        "log": LogEntry.objects.count(),
    }


def in_app():
    return consent(method=Consent.Method.IN_APP, given_on=None)


def accept(referral, receiver):
    return services.transition(referral, by=receiver, to=flow.ACCEPTED)


def complete(referral, receiver, kind=Outcome.Kind.GOT_HELP, **extra):
    accept(referral, receiver)
    return services.transition(
        referral,
        by=receiver,
        to=flow.COMPLETED,
        outcome=services.OutcomeInput(kind=kind, **extra),
    )


def body_for(entrepreneur, service, organisation, /, **overrides) -> dict:
    consent_body = {
        "fields": ["name", "email", "note"],
        "purpose": "To offer a place on the programme.",
        "expires_on": (TODAY() + timedelta(days=90)).isoformat(),
        "method": "verbal",
        "given_on": TODAY().isoformat(),
    }
    consent_body.update(overrides.pop("consent", {}))
    body = {
        "entrepreneur": entrepreneur.profile.pk,
        "service": service.pk,
        "from_organisation": organisation.slug,
        "note": "Needs a calmer way to run the business.",
        "consent": consent_body,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


URL = "/api/v1/referrals"


def url(referral, tail: str = "") -> str:
    return f"{URL}/{referral.pk}{tail}"


# --- creating -----------------------------------------------------------------------


def test_a_practitioner_refers_with_recorded_consent(
    colleague, organisation, entrepreneur, wellbeing_service, receiving_org
):
    response = api(colleague).post(
        URL, body_for(entrepreneur, wellbeing_service, organisation), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    referral = Referral.objects.get()
    assert data["id"] == referral.pk
    assert data["status"] == "sent"
    assert data["status_label"] == "Sent: waiting for an answer"
    assert data["redacted"] is False
    assert data["your_parties"] == ["referrer"]
    assert data["allowed_moves"] == ["withdrawn"]
    assert data["entrepreneur"] == {
        "id": entrepreneur.profile.pk,
        "name": "Erin Entrepreneur",
    }
    assert data["referrer"]["name"] == "Colin Colleague"
    assert data["receiving_organisation"]["slug"] == receiving_org.slug
    assert data["referring_organisation"]["slug"] == organisation.slug
    assert data["service_id"] == wellbeing_service.pk
    assert data["note"] == "Needs a calmer way to run the business."
    assert data["consent"]["status"] == "given"
    assert data["consent"]["valid"] is True
    assert data["consent"]["method"] == "verbal"
    assert data["consent"]["fields"] == ["name", "email", "note"]
    assert data["sent_at"] and data["due_at"]
    assert referral.consent.recorded_by == colleague


def test_asking_consent_in_the_app_makes_a_draft(
    colleague, organisation, entrepreneur, wellbeing_service, receiver
):
    response = api(colleague).post(
        URL,
        body_for(
            entrepreneur,
            wellbeing_service,
            organisation,
            consent={"method": "in_app", "given_on": None},
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["sent_at"] is None
    assert data["consent"]["status"] == "requested"
    assert data["consent"]["valid"] is False
    # The receiver cannot see it until the entrepreneur agrees.
    assert_problem(api(receiver).get(f"{URL}/{data['id']}"), 404)


def test_an_entrepreneur_refers_themselves(entrepreneur, wellbeing_service, receiver):
    response = api(entrepreneur).post(
        URL,
        {
            "service": wellbeing_service.pk,
            "note": "I would like a place.",
            "consent": {
                "fields": ["name", "email"],
                "purpose": "So that they can offer me a place.",
                "expires_on": (TODAY() + timedelta(days=30)).isoformat(),
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "sent"
    assert data["your_parties"] == ["entrepreneur", "referrer"]
    assert data["referring_organisation"] is None
    assert data["consent"]["method"] == "in_app"
    assert api(receiver).get(f"{URL}/{data['id']}").status_code == 200


def test_a_retried_create_with_one_idempotency_key_makes_one_referral(
    colleague, organisation, entrepreneur, wellbeing_service
):
    client = api(colleague)
    body = body_for(entrepreneur, wellbeing_service, organisation)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="refer-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="refer-1")
    assert first.status_code == again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Referral.objects.count() == 1
    assert Consent.objects.count() == 1
    # The same key for a different request is refused and writes nothing.
    other = body_for(entrepreneur, wellbeing_service, organisation, note="Other.")
    assert_problem(
        client.post(URL, other, format="json", HTTP_IDEMPOTENCY_KEY="refer-1"), 422
    )
    assert Referral.objects.count() == 1


def test_a_refused_create_does_not_burn_the_idempotency_key(
    colleague, organisation, entrepreneur, wellbeing_service
):
    client = api(colleague)
    bad = body_for(
        entrepreneur, wellbeing_service, organisation, consent={"given_on": None}
    )
    assert_problem(
        client.post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="k"), 400, "given_on"
    )
    assert not IdempotencyRecord.objects.exists()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consent": {"given_on": None}}, "given_on"),
        (
            {"consent": {"given_on": (TODAY() + timedelta(days=1)).isoformat()}},
            "given_on",
        ),
        ({"consent": {"fields": []}}, "consent"),
        ({"consent": {"fields": ["shoe_size"]}}, "consent"),
        (
            {"consent": {"expires_on": (TODAY() - timedelta(days=1)).isoformat()}},
            "expires_on",
        ),
        ({"consent": {"method": "telepathy"}}, "consent"),
        ({"organisation": "cash-clinic"}, "service"),  # two targets
        ({"service": None}, "service"),  # no target
        ({"service": 999999}, "service"),
        ({"entrepreneur": 999999}, "entrepreneur"),
        ({"from_organisation": "no-such-org"}, "from_organisation"),
        ({"note": "<script>alert(1)</script> hi"}, "note"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(
    colleague,
    organisation,
    entrepreneur,
    wellbeing_service,
    other_service,
    overrides,
    field,
):
    before = snapshot()
    response = api(colleague).post(
        URL,
        body_for(entrepreneur, wellbeing_service, organisation, **overrides),
        format="json",
    )
    assert_problem(response, 400, field)
    assert snapshot() == before


def test_referring_to_your_own_organisation_is_refused(
    colleague, organisation, entrepreneur, topics
):
    own = Service.objects.create(
        organisation=organisation,
        name="Our own clinic",
        description="Ours.",
        application_process="Ask.",
    )
    response = api(colleague).post(
        URL, body_for(entrepreneur, own, organisation), format="json"
    )
    body = assert_problem(response, 400, "service")
    assert "your own" in body["detail"]
    assert not Referral.objects.exists()


def test_only_practitioners_refer_others_and_only_for_their_organisation(
    colleague, outsider, organisation, receiving_org, entrepreneur, wellbeing_service
):
    before = snapshot()
    assert_problem(
        api(outsider).post(
            URL,
            body_for(
                entrepreneur, wellbeing_service, organisation, from_organisation=None
            ),
            format="json",
        ),
        403,
    )
    assert_problem(
        api(colleague).post(
            URL,
            body_for(
                entrepreneur,
                wellbeing_service,
                organisation,
                from_organisation=receiving_org.slug,
            ),
            format="json",
        ),
        403,
    )
    assert snapshot() == before


def test_signed_out_callers_are_refused_everywhere(refer, receiver, organisation):
    referral = refer()
    complete(referral, receiver)
    outcome = referral.outcomes.get()
    before = snapshot()
    client = APIClient()
    for path in (
        URL,
        url(referral),
        url(referral, "/messages"),
        url(referral, "/outcomes"),
        url(referral, "/consent"),
        url(referral, "/log"),
        f"/api/v1/organisations/{organisation.slug}/referral-report",
        "/api/v1/referral-report",
    ):
        assert_problem(client.get(path), 401)
    for path in (
        URL,
        url(referral, "/transitions"),
        url(referral, "/messages"),
        url(referral, "/outcomes"),
        url(referral, f"/outcomes/{outcome.pk}/confirm"),
        url(referral, "/consent"),
    ):
        assert_problem(client.post(path, {}, format="json"), 401)
    assert_problem(client.delete(url(referral, "/consent")), 401)
    assert snapshot() == before


# --- lists --------------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_boxes_hold_the_right_referrals_and_no_one_elses(
    refer,
    colleague,
    owner,
    receiver,
    receiver_admin,
    entrepreneur,
    outsider,
    steward,
    unrelated_referral,
):
    sent = refer()
    draft = refer(consent=in_app())
    expectations = [
        (colleague, "sent", {sent.pk, draft.pk}),
        (owner, "sent", {sent.pk, draft.pk}),
        (receiver, "received", {sent.pk}),
        (receiver_admin, "received", {sent.pk}),
        (entrepreneur, "mine", {sent.pk, draft.pk}),
        (colleague, "received", set()),
        (receiver, "sent", set()),
        (receiver, "mine", set()),
        (outsider, "mine", set()),
        (outsider, "received", set()),
        (steward, "received", set()),
        (steward, "sent", set()),
    ]
    for person, box, want in expectations:
        got = ids(api(person).get(URL, {"box": box}))
        assert got == want, (person, box)
        assert unrelated_referral.pk not in got


def test_the_list_defaults_to_received_and_filters_by_status(refer, receiver):
    open_one, declined = refer(), refer()
    services.transition(declined, by=receiver, to=flow.DECLINED, reason="no_capacity")
    client = api(receiver)
    assert ids(client.get(URL)) == {open_one.pk, declined.pk}
    assert ids(client.get(URL, {"status": "open"})) == {open_one.pk}
    assert ids(client.get(URL, {"status": "declined"})) == {declined.pk}
    rows = client.get(URL).json()["results"]
    assert [r["id"] for r in rows] == [declined.pk, open_one.pk]  # newest first


@pytest.mark.parametrize(
    "params",
    [{"box": "everything"}, {"status": "lost"}, {"page_size": "0"}],
)
def test_bad_list_parameters_are_a_bad_request(refer, receiver, params):
    refer()
    assert_problem(api(receiver).get(URL, params), 400)


def test_the_list_pages_with_a_cursor(refer, receiver):
    made = {refer().pk for _ in range(3)}
    client = api(receiver)
    first = client.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert {r["id"] for r in first["results"] + second["results"]} == made


@pytest.mark.parametrize("who, box", [("receiver", "received"), ("colleague", "sent")])
def test_the_list_query_count_does_not_grow_with_the_referrals(
    refer, receiver, colleague, who, box
):
    client = api({"receiver": receiver, "colleague": colleague}[who])
    refer()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"box": box})
        assert response.status_code == 200
        return len(queries)

    with_one = count()
    for _ in range(9):
        refer()
    assert len(client.get(URL, {"box": box}).json()["results"]) == 10
    assert count() <= with_one


# --- one referral ---------------------------------------------------------------------


def test_every_party_reads_the_referral_and_the_view_is_logged(
    refer, colleague, owner, receiver, receiver_admin, entrepreneur
):
    referral = refer()
    expectations = {
        colleague: ["referrer"],
        owner: ["referrer"],
        receiver: ["receiver"],
        receiver_admin: ["receiver"],
        entrepreneur: ["entrepreneur"],
    }
    for person, parties in expectations.items():
        response = api(person).get(url(referral))
        assert response.status_code == 200
        assert response.json()["your_parties"] == parties
    logged = LogEntry.objects.filter(
        referral=referral, action__in=[LogEntry.Action.VIEWED, LogEntry.Action.SHARED]
    )
    assert logged.count() == 5
    assert logged.filter(actor=receiver, action=LogEntry.Action.SHARED).exists()


def test_the_receiver_sees_what_the_consent_shares(refer, receiver):
    referral = refer(consent=consent(fields=["name", "note"]))
    data = api(receiver).get(url(referral)).json()
    assert data["redacted"] is False
    assert data["entrepreneur"]["name"] == "Erin Entrepreneur"
    assert data["note"] == ""  # the raw note is only for the referring side
    assert {s["field"]: s["value"] for s in data["shared"]} == {
        "name": "Erin Entrepreneur",
        "note": "Needs a calmer way to run the business.",
    }
    assert set(data["allowed_moves"]) == {"accepted", "declined", "redirected"}


def test_the_receiver_does_not_learn_a_name_that_is_not_shared(refer, receiver):
    referral = refer(consent=consent(fields=["email"]))
    data = api(receiver).get(url(referral)).json()
    assert data["entrepreneur"] is None
    assert data["shared"] == [
        {"field": "email", "label": "Email address", "value": "erin@founder.example"}
    ]
    assert "Erin Entrepreneur" not in str(data)


def test_outsiders_get_404_on_every_endpoint_and_change_nothing(
    refer, receiver, outsider, steward, unrelated_referral
):
    done = refer()
    complete(done, receiver)
    outcome = done.outcomes.get()
    open_one = refer()
    hana = User.objects.get(email="hana@harbour.example")
    before = snapshot()
    for person in (outsider, steward, hana):
        client = api(person)
        for referral in (done, open_one):
            for tail in ("", "/messages", "/outcomes", "/consent", "/log"):
                assert_problem(client.get(url(referral, tail)), 404)
            for tail, data in (
                ("/transitions", {"to": "withdrawn"}),
                ("/transitions", {"to": "accepted"}),
                ("/messages", {"body": "Hello"}),
                ("/outcomes", {"kind": "got_help"}),
                (f"/outcomes/{outcome.pk}/confirm", {}),
                ("/consent", {"decision": "decline"}),
            ):
                assert_problem(
                    client.post(url(referral, tail), data, format="json"), 404
                )
            assert_problem(client.delete(url(referral, "/consent")), 404)
    assert_problem(api(outsider).get(f"{URL}/999999"), 404)
    assert snapshot() == before


def test_after_consent_is_withdrawn_the_receiver_sees_only_that_it_existed(
    refer, receiver, entrepreneur
):
    referral = refer(consent=consent(fields=["name", "email", "note", "wellbeing"]))
    services.withdraw_consent(referral, by=entrepreneur)
    response = api(receiver).get(url(referral))
    assert response.status_code == 200
    data = response.json()
    assert data["redacted"] is True
    assert data["entrepreneur"] is None
    assert data["shared"] == []
    assert data["note"] == ""
    assert data["consent"] is None
    assert data["referrer"] is None
    assert data["reason_note"] == ""
    assert data["allowed_moves"] == []
    assert data["status"] == "withdrawn"
    text = str(data)
    for secret in ("Erin", "erin@founder.example", "calmer", "Sleeps badly"):
        assert secret not in text
    # The referring side still sees everything.
    assert api(referral.referrer).get(url(referral)).json()["redacted"] is False


# --- transitions ----------------------------------------------------------------------


def test_the_receiver_takes_the_referral_through_to_completion(
    refer, receiver, receiving_org
):
    referral = refer()
    client = api(receiver)
    response = client.post(url(referral, "/transitions"), {"to": "accepted"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "accepted" and data["first_response_at"]
    assert set(data["allowed_moves"]) == {
        "in_progress",
        "on_hold",
        "completed",
        "closed",
    }
    assert (
        client.post(url(referral, "/transitions"), {"to": "in_progress"}).status_code
        == 200
    )
    response = client.post(
        url(referral, "/transitions"),
        {"to": "completed", "outcome": "funding_secured", "amount": "2500.50"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    assert response.json()["finished_at"]
    outcome = Outcome.objects.get(referral=referral)
    assert (outcome.kind, outcome.amount, outcome.recorded_for) == (
        "funding_secured",
        Decimal("2500.50"),
        receiving_org,
    )


@pytest.mark.parametrize(
    ("setup", "who", "body"),
    [
        ("withdrawn", "receiver", {"to": "accepted"}),
        ("sent", "receiver", {"to": "completed", "outcome": "got_help"}),
        ("sent", "colleague", {"to": "accepted"}),
        ("sent", "entrepreneur", {"to": "declined", "reason": "other", "note": "x"}),
        ("sent", "receiver", {"to": "withdrawn"}),
        ("completed", "receiver", {"to": "closed", "reason": "other", "note": "x"}),
        ("declined", "receiver", {"to": "accepted"}),
        ("sent", "receiver", {"to": "sent"}),
    ],
)
def test_illegal_transitions_are_409_problems_and_change_nothing(
    refer, receiver, colleague, entrepreneur, setup, who, body
):
    referral = refer()
    if setup == "withdrawn":
        services.transition(referral, by=colleague, to=flow.WITHDRAWN)
    elif setup == "completed":
        complete(referral, receiver)
    elif setup == "declined":
        services.transition(
            referral, by=receiver, to=flow.DECLINED, reason="other", note="x"
        )
    person = {
        "receiver": receiver,
        "colleague": colleague,
        "entrepreneur": entrepreneur,
    }[who]
    before = snapshot()
    response = api(person).post(url(referral, "/transitions"), body, format="json")
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("/illegal_transition")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "declined"}, "reason"),
        ({"to": "declined", "reason": "other"}, "note"),
        ({"to": "declined", "reason": "not_a_reason"}, "reason"),
        ({"to": "teleported"}, "to"),
        ({}, "to"),
        ({"to": "redirected"}, "redirect_to"),
        ({"to": "redirected", "redirect_to": 999999}, "redirect_to"),
    ],
)
def test_bad_transitions_are_400_problems_and_change_nothing(
    refer, receiver, body, field
):
    referral = refer()
    before = snapshot()
    response = api(receiver).post(url(referral, "/transitions"), body, format="json")
    assert_problem(response, 400, field)
    assert snapshot() == before


def test_completing_needs_an_outcome(refer, receiver):
    referral = refer()
    accept(referral, receiver)
    before = snapshot()
    client = api(receiver)
    assert_problem(
        client.post(url(referral, "/transitions"), {"to": "completed"}), 400, "outcome"
    )
    assert_problem(
        client.post(
            url(referral, "/transitions"),
            {"to": "completed", "outcome": "jobs_created"},
        ),
        400,
        "number",
    )
    assert snapshot() == before


def test_a_draft_cannot_be_sent_without_consent(refer, colleague):
    referral = refer(consent=in_app())
    before = snapshot()
    problem = assert_problem(
        api(colleague).post(url(referral, "/transitions"), {"to": "sent"}), 403
    )
    assert problem["type"].endswith("/consent_required")
    assert snapshot() == before


def test_the_referrer_and_the_entrepreneur_withdraw(refer, colleague, entrepreneur):
    for person in (colleague, entrepreneur):
        referral = refer()
        response = api(person).post(
            url(referral, "/transitions"), {"to": "withdrawn", "note": "Not needed."}
        )
        assert response.status_code == 200
        assert response.json()["status"] == "withdrawn"
        assert response.json()["reason"] == "other"


# --- the thread -----------------------------------------------------------------------


def test_parties_write_and_read_the_thread(refer, receiver, colleague, entrepreneur):
    referral = refer()
    response = api(receiver).post(
        url(referral, "/messages"),
        {"body": "Between us: the list is long.", "audience": "organisations"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["party"] == "receiver"
    assert response.json()["author"]["name"] == "Ravi Practitioner"
    api(colleague).post(url(referral, "/messages"), {"body": "Erin, they will call."})
    theirs = api(colleague).get(url(referral, "/messages")).json()
    assert [m["body"] for m in theirs] == [
        "Between us: the list is long.",
        "Erin, they will call.",
    ]
    mine = api(entrepreneur).get(url(referral, "/messages")).json()
    assert [m["body"] for m in mine] == ["Erin, they will call."]


def test_a_retried_message_with_one_idempotency_key_is_posted_once(refer, colleague):
    referral = refer()
    client = api(colleague)
    for _ in range(2):
        response = client.post(
            url(referral, "/messages"),
            {"body": "Once only."},
            format="json",
            HTTP_IDEMPOTENCY_KEY="msg-1",
        )
        assert response.status_code == 201
    assert Message.objects.filter(referral=referral).count() == 1


@pytest.mark.parametrize(
    "body",
    [{"body": ""}, {"body": "   "}, {}, {"body": "Hi", "audience": "world"}],
)
def test_a_bad_message_is_a_400_and_writes_nothing(refer, colleague, body):
    referral = refer()
    before = snapshot()
    assert_problem(api(colleague).post(url(referral, "/messages"), body), 400)
    assert snapshot() == before


def test_the_receiver_cannot_use_the_thread_after_consent_is_withdrawn(
    refer, receiver, entrepreneur
):
    referral = refer()
    services.post_message(referral, by=receiver, body="Shall we meet?")
    services.withdraw_consent(referral, by=entrepreneur)
    client = api(receiver)
    before = snapshot()
    assert_problem(client.post(url(referral, "/messages"), {"body": "Hello?"}), 403)
    assert_problem(client.get(url(referral, "/messages")), 403)
    assert snapshot()["messages"] == before["messages"]
    # The entrepreneur still reads their thread.
    assert api(entrepreneur).get(url(referral, "/messages")).status_code == 200


# --- outcomes -------------------------------------------------------------------------


def test_outcomes_are_recorded_and_confirmed(
    refer, receiver, colleague, entrepreneur, organisation
):
    referral = refer()
    complete(referral, receiver, kind=Outcome.Kind.NOT_NEEDED)
    response = api(colleague).post(
        url(referral, "/outcomes"), {"kind": "jobs_created", "number": 3}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["kind"] == "jobs_created" and created["number"] == 3
    assert created["recorded_for"]["slug"] == organisation.slug
    assert created["confirmed_at"] is None

    listed = api(entrepreneur).get(url(referral, "/outcomes")).json()
    assert {o["kind"] for o in listed} == {"no_longer_needed", "jobs_created"}

    assert_problem(
        api(colleague).post(url(referral, f"/outcomes/{created['id']}/confirm")), 403
    )
    assert Outcome.objects.get(pk=created["id"]).confirmed_at is None
    response = api(entrepreneur).post(
        url(referral, f"/outcomes/{created['id']}/confirm")
    )
    assert response.status_code == 200
    assert response.json()["confirmed_at"] is not None
    assert Outcome.objects.get(pk=created["id"]).confirmed_at is not None


def test_outcomes_wait_for_completion(refer, receiver):
    referral = refer()
    accept(referral, receiver)
    before = snapshot()
    assert_problem(
        api(receiver).post(url(referral, "/outcomes"), {"kind": "got_help"}), 409
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "funding_secured"}, "amount"),
        ({"kind": "funding_secured", "amount": "-5"}, "amount"),
        ({"kind": "jobs_created"}, "number"),
        ({"kind": "lottery_win"}, "kind"),
        ({}, "kind"),
    ],
)
def test_bad_outcomes_are_refused(refer, receiver, body, field):
    referral = refer()
    complete(referral, receiver)
    before = snapshot()
    assert_problem(api(receiver).post(url(referral, "/outcomes"), body), 400, field)
    assert snapshot() == before


def test_the_entrepreneur_does_not_record_outcomes(refer, receiver, entrepreneur):
    referral = refer()
    complete(referral, receiver)
    before = snapshot()
    assert_problem(
        api(entrepreneur).post(
            url(referral, "/outcomes"), {"kind": "training_completed"}
        ),
        403,
    )
    assert snapshot() == before


def test_an_outcome_is_confirmed_only_through_its_own_referral(
    refer, receiver, entrepreneur
):
    first, second = refer(), refer()
    complete(first, receiver)
    complete(second, receiver)
    other = second.outcomes.get()
    assert_problem(
        api(entrepreneur).post(url(first, f"/outcomes/{other.pk}/confirm")), 404
    )
    other.refresh_from_db()
    assert other.confirmed_at is None


# --- consent --------------------------------------------------------------------------


def test_the_entrepreneur_answers_and_withdraws_consent(
    refer, entrepreneur, colleague, receiver
):
    referral = refer(consent=in_app())
    got = api(colleague).get(url(referral, "/consent"))
    assert got.status_code == 200
    assert got.json()["status"] == "requested" and got.json()["valid"] is False

    before = snapshot()
    assert_problem(
        api(colleague).post(url(referral, "/consent"), {"decision": "give"}), 403
    )
    assert_problem(
        api(entrepreneur).post(url(referral, "/consent"), {"decision": "perhaps"}),
        400,
        "decision",
    )
    assert_problem(
        api(entrepreneur).post(url(referral, "/consent"), {}), 400, "decision"
    )
    assert snapshot() == before

    response = api(entrepreneur).post(
        url(referral, "/consent"), {"decision": "give", "fields": ["name", "email"]}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "sent"
    assert data["consent"]["status"] == "given"
    assert data["consent"]["fields"] == ["name", "email"]
    assert api(receiver).get(url(referral, "/consent")).json()["valid"] is True

    assert_problem(
        api(entrepreneur).post(url(referral, "/consent"), {"decision": "decline"}), 409
    )
    assert_problem(api(colleague).delete(url(referral, "/consent")), 403)

    response = api(entrepreneur).delete(url(referral, "/consent"))
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["consent"]["status"] == "withdrawn"
    assert response.json()["consent"]["withdrawn_at"]
    assert_problem(api(entrepreneur).delete(url(referral, "/consent")), 409)


def test_declining_consent_withdraws_the_referral(refer, entrepreneur, receiver):
    referral = refer(consent=in_app())
    response = api(entrepreneur).post(
        url(referral, "/consent"), {"decision": "decline"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["reason"] == "consent_declined"
    assert_problem(api(receiver).get(url(referral)), 404)


def test_narrowing_to_nothing_that_was_asked_is_refused(refer, entrepreneur):
    referral = refer(consent=in_app())
    before = snapshot()
    assert_problem(
        api(entrepreneur).post(
            url(referral, "/consent"), {"decision": "give", "fields": ["wellbeing"]}
        ),
        400,
        "fields",
    )
    assert snapshot() == before


@pytest.mark.parametrize("how", ["expired", "withdrawn"])
def test_ended_consent_blocks_sharing_with_the_receiver(
    refer, receiver, colleague, entrepreneur, how
):
    referral = refer()
    services.post_message(referral, by=colleague, body="Erin starts Monday.")
    if how == "expired":
        Consent.objects.filter(referral=referral).update(
            expires_on=TODAY() - timedelta(days=1)
        )
    else:
        services.withdraw_consent(referral, by=entrepreneur)
    client = api(receiver)
    assert_problem(client.get(url(referral, "/consent")), 403)
    assert_problem(client.get(url(referral, "/messages")), 403)
    assert_problem(client.get(url(referral, "/outcomes")), 403)
    data = client.get(url(referral)).json()
    assert data["redacted"] is True and data["entrepreneur"] is None
    assert data["shared"] == []
    # The referrer still sees the consent and its state.
    consent_now = api(colleague).get(url(referral, "/consent")).json()
    assert consent_now["valid"] is False


# --- the log --------------------------------------------------------------------------


def test_the_log_is_for_the_entrepreneur_and_admins(
    refer, entrepreneur, receiver_admin, owner, receiver, colleague
):
    referral = refer()
    api(receiver).get(url(referral))  # a logged look
    for person in (entrepreneur, receiver_admin, owner):
        response = api(person).get(url(referral, "/log"))
        assert response.status_code == 200, person
        rows = response.json()
        assert {"created", "changed", "shared"} <= {r["action"] for r in rows}
        shared = next(r for r in rows if r["action"] == "shared")
        assert shared["actor"]["name"] == "Ravi Practitioner"
        assert shared["party"] == "receiver"
        assert shared["organisation"]["slug"] == "mindful-founders"
    for person in (receiver, colleague):
        assert_problem(api(person).get(url(referral, "/log")), 403)


def test_the_log_does_not_name_an_entrepreneur_who_withdrew_to_the_receiver(
    refer, entrepreneur, receiver_admin
):
    referral = refer()
    services.withdraw_consent(referral, by=entrepreneur)
    assert api(receiver_admin).get(url(referral)).json()["redacted"] is True
    response = api(receiver_admin).get(url(referral, "/log"))
    assert response.status_code == 200
    assert "Erin" not in str(response.json())


# --- reports --------------------------------------------------------------------------


@pytest.fixture
def funnel_referrals(refer, receiver, unrelated_referral):
    done, declined, waiting = refer(), refer(), refer()
    complete(done, receiver, kind=Outcome.Kind.FUNDING, amount=Decimal(5000))
    services.transition(declined, by=receiver, to=flow.DECLINED, reason="no_capacity")
    return done, declined, waiting


def report_url(slug: str) -> str:
    return f"/api/v1/organisations/{slug}/referral-report"


def test_practitioners_read_their_organisations_funnel(
    funnel_referrals, receiver, colleague, receiving_org, organisation
):
    response = api(receiver).get(report_url(receiving_org.slug))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["sent"], data["received"], data["accepted"]) == (0, 3, 1)
    assert (data["declined"], data["completed"], data["open"]) == (1, 1, 1)
    assert data["completion_rate"] == 1.0
    assert data["outcomes"] == {"funding_secured": 1}
    assert data["median_days_to_response"] is not None
    assert data["end"] == TODAY().isoformat()
    assert data["start"] == (TODAY() - timedelta(days=365)).isoformat()
    assert sum(m["received"] for m in data["by_month"]) == 3

    sent = api(colleague).get(report_url(organisation.slug)).json()
    assert (sent["sent"], sent["received"]) == (3, 0)


def test_reports_are_refused_to_outsiders(
    funnel_referrals, outsider, colleague, receiver, receiving_org
):
    assert_problem(api(outsider).get(report_url(receiving_org.slug)), 403)
    assert_problem(api(colleague).get(report_url(receiving_org.slug)), 403)
    assert_problem(api(outsider).get(report_url("no-such-org")), 404)
    for person in (outsider, colleague, receiver):
        assert_problem(api(person).get("/api/v1/referral-report"), 403)


def test_stewards_read_any_organisation_and_the_ecosystem(
    funnel_referrals, steward, receiving_org
):
    response = api(steward).get("/api/v1/referral-report")
    assert response.status_code == 200
    assert (response.json()["received"], response.json()["sent"]) == (4, 4)
    response = api(steward).get(report_url(receiving_org.slug))
    assert response.status_code == 200
    assert response.json()["received"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "not-a-date"}, "start"),
        ({"end": "2026-02-30"}, "end"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "start"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "start"),
    ],
)
def test_bad_report_dates_are_a_400(
    funnel_referrals, receiver, steward, receiving_org, params, field
):
    assert_problem(
        api(receiver).get(report_url(receiving_org.slug), params), 400, field
    )
    assert_problem(api(steward).get("/api/v1/referral-report", params), 400, field)


def test_a_report_period_in_the_past_is_empty(
    funnel_referrals, receiver, receiving_org
):
    old = TODAY() - timedelta(days=400)
    data = (
        api(receiver)
        .get(
            report_url(receiving_org.slug),
            {"start": old.isoformat(), "end": (old + timedelta(days=30)).isoformat()},
        )
        .json()
    )
    assert data["received"] == 0
    assert data["completion_rate"] is None
    assert data["median_days_to_response"] is None
