"""Referral pages: referring, consent, the lifecycle, the thread, outcomes, lists,
the organisation log and the report, and who may see or do what.

Every refusal is checked twice: the answer (status and message) and the database
(nothing was written or changed).
"""

from __future__ import annotations

import csv
import html
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kindred.accounts.models import User
from kindred.algorithms import referral_flow as flow
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

TODAY = timezone.localdate


# --- helpers ------------------------------------------------------------------------


def text(response) -> str:
    """The page as a person reads it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


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


def snapshot() -> dict:
    """Everything the referral pages can write, to prove a refusal wrote nothing."""
    return {
        "referrals": list(Referral.objects.order_by("pk").values()),
        "consents": list(Consent.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "messages": Message.objects.count(),
        "outcomes": list(Outcome.objects.order_by("pk").values()),
        "log": LogEntry.objects.count(),
    }


def referral_form(entrepreneur, organisation, service, **overrides) -> dict:
    """What the 'Refer someone' form posts (hidden fields included)."""
    data = {
        "service": service.pk,
        "entrepreneur_email": entrepreneur.email,
        "from_organisation": organisation.pk,
        "note": "Needs a calmer way to run the business.",
        "wellbeing_note": "",
        "fields": ["name", "email", "note"],
        "purpose": "To offer a place on the programme.",
        "expires_on": (TODAY() + timedelta(days=90)).isoformat(),
        "method": "verbal",
        "given_on": TODAY().isoformat(),
        "notice_version": "2026-11",
        "client_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def self_form(service, **overrides) -> dict:
    data = {
        "service": service.pk,
        "self": "1",
        "note": "I would like a place.",
        "fields": ["name", "email"],
        "purpose": "So that they can offer the support asked for.",
        "expires_on": (TODAY() + timedelta(days=60)).isoformat(),
        "client_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def new_url(service, extra: str = "") -> str:
    return f"/referrals/new/?service={service.pk}{extra}"


def detail(referral) -> str:
    return f"/referrals/{referral.pk}/"


# --- referring through the form -------------------------------------------------------


def test_a_practitioner_refers_with_recorded_verbal_consent_and_it_is_sent(
    client, colleague, organisation, entrepreneur, wellbeing_service, receiver_admin
):
    client.force_login(colleague)
    page = client.get(new_url(wellbeing_service))
    assert page.status_code == 200
    assert "Refer someone" in text(page)
    assert "Founder wellbeing programme" in text(page)

    response = client.post(
        new_url(wellbeing_service),
        referral_form(entrepreneur, organisation, wellbeing_service),
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(referral)
    assert referral.status == flow.SENT
    assert referral.entrepreneur == entrepreneur
    assert referral.referrer == colleague
    assert referral.referring_organisation == organisation
    assert referral.service == wellbeing_service
    assert referral.note == "Needs a calmer way to run the business."
    assert referral.sent_at is not None
    assert referral.due_at == flow.add_working_days(referral.sent_at, 2)
    given = referral.consent
    assert (given.status, given.method, given.given_on, given.recorded_by) == (
        Consent.Status.GIVEN,
        Consent.Method.VERBAL,
        TODAY(),
        colleague,
    )
    assert given.fields == ["name", "email", "note"]

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "The referral is sent." in text(page)


def test_asking_consent_in_the_app_keeps_a_draft_the_receiver_cannot_see(
    client, colleague, organisation, entrepreneur, wellbeing_service, receiver
):
    client.force_login(colleague)
    response = client.post(
        new_url(wellbeing_service),
        referral_form(
            entrepreneur, organisation, wellbeing_service, method="in_app", given_on=""
        ),
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(referral)
    assert referral.status == flow.DRAFT and referral.sent_at is None
    assert referral.consent.status == Consent.Status.REQUESTED
    assert referral.consent.given_on is None
    page = client.get(detail(referral))
    assert "We asked Erin Entrepreneur for consent" in text(page)

    client.force_login(receiver)
    assert client.get(detail(referral)).status_code == 404
    assert "Founder wellbeing" not in text(client.get("/referrals/?box=received"))


def test_the_entrepreneur_gives_consent_on_the_detail_page(
    client, refer, entrepreneur, receiver
):
    referral = refer(consent=in_app())
    client.force_login(entrepreneur)
    page = client.get(detail(referral))
    assert page.status_code == 200
    assert "Your consent is asked" in text(page)
    assert "I agree: send the referral" in text(page)

    response = client.post(
        f"/referrals/{referral.pk}/consent/", {"decision": "give", "fields": ["name"]}
    )
    assert response.status_code == 302 and response["Location"] == detail(referral)
    referral.refresh_from_db()
    assert referral.status == flow.SENT
    assert referral.consent.status == Consent.Status.GIVEN
    assert referral.consent.fields == ["name"]  # narrowed to what was ticked
    assert "the referral is sent" in text(client.get(detail(referral)))

    client.force_login(receiver)
    page = text(client.get(detail(referral)))
    assert "Erin Entrepreneur" in page  # the name was shared
    assert "erin@founder.example" not in page  # the email was not
    assert "Needs a calmer way" not in page  # nor the note


def test_the_entrepreneur_declines_consent_and_nothing_is_shared(
    client, refer, entrepreneur, receiver
):
    referral = refer(consent=in_app())
    client.force_login(entrepreneur)
    response = client.post(
        f"/referrals/{referral.pk}/consent/", {"decision": "decline"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == flow.WITHDRAWN
    assert referral.reason == Referral.Reason.CONSENT_DECLINED
    assert referral.consent.status == Consent.Status.DECLINED
    assert referral.sent_at is None
    assert "nothing was shared" in text(client.get(detail(referral)))
    client.force_login(receiver)
    assert client.get(detail(referral)).status_code == 404


def test_a_consent_request_is_answered_once(client, refer, entrepreneur):
    referral = refer(consent=in_app())
    client.force_login(entrepreneur)
    client.post(f"/referrals/{referral.pk}/consent/", {"decision": "give"})
    before = snapshot()
    response = client.post(
        f"/referrals/{referral.pk}/consent/", {"decision": "decline"}
    )
    assert response.status_code == 409
    assert "already been answered" in text(response)
    assert snapshot() == before


def test_only_the_entrepreneur_answers_consent_on_the_page(
    client, refer, colleague, owner
):
    referral = refer(consent=in_app())
    before = snapshot()
    for person in (colleague, owner):
        client.force_login(person)
        page = client.get(detail(referral))
        assert "I agree: send the referral" not in text(page)
        response = client.post(
            f"/referrals/{referral.pk}/consent/", {"decision": "give"}
        )
        assert response.status_code == 403
    assert snapshot()["referrals"] == before["referrals"]
    assert snapshot()["consents"] == before["consents"]


def test_a_consent_answer_without_a_decision_changes_nothing(
    client, refer, entrepreneur
):
    referral = refer(consent=in_app())
    client.force_login(entrepreneur)
    before = snapshot()
    for data in ({}, {"decision": ""}, {"decision": "maybe"}):
        response = client.post(f"/referrals/{referral.pk}/consent/", data)
        assert response.status_code == 400
    assert snapshot() == before


def test_the_entrepreneur_withdraws_consent_in_one_step(
    client, refer, entrepreneur, receiver
):
    referral = refer()
    client.force_login(entrepreneur)
    page = client.get(detail(referral))
    assert "Withdraw my consent" in text(page)
    response = client.post(f"/referrals/{referral.pk}/consent/withdraw/")
    assert response.status_code == 302 and response["Location"] == detail(referral)
    referral.refresh_from_db()
    assert referral.status == flow.WITHDRAWN
    assert referral.reason == Referral.Reason.CONSENT_WITHDRAWN
    assert referral.consent.status == Consent.Status.WITHDRAWN
    assert referral.consent.withdrawn_at is not None
    assert "Your consent is withdrawn" in text(client.get(detail(referral)))

    before = snapshot()
    again = client.post(f"/referrals/{referral.pk}/consent/withdraw/")
    assert again.status_code == 409
    assert "There is no consent to withdraw." in text(again)
    assert snapshot() == before


def test_only_the_entrepreneur_withdraws_consent(client, refer, colleague, receiver):
    referral = refer()
    before = snapshot()
    for person in (colleague, receiver):
        client.force_login(person)
        response = client.post(f"/referrals/{referral.pk}/consent/withdraw/")
        assert response.status_code == 403
    assert snapshot()["referrals"] == before["referrals"]
    assert snapshot()["consents"] == before["consents"]


def test_an_entrepreneur_refers_themselves(
    client, entrepreneur, wellbeing_service, receiver
):
    client.force_login(entrepreneur)
    page = client.get(new_url(wellbeing_service, "&self=1"))
    assert page.status_code == 200
    assert "Ask for a service" in text(page)
    assert "entrepreneur_email" not in text(page)

    response = client.post(
        new_url(wellbeing_service, "&self=1"), self_form(wellbeing_service)
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(referral)
    assert referral.status == flow.SENT
    assert referral.is_self_referral
    assert referral.referrer == entrepreneur == referral.entrepreneur
    assert referral.note == "I would like a place."
    assert referral.consent.status == Consent.Status.GIVEN
    assert referral.consent.method == Consent.Method.IN_APP
    assert referral.consent.recorded_by is None
    client.force_login(receiver)
    assert client.get(detail(referral)).status_code == 200


def test_a_practitioner_can_ask_for_a_service_for_themselves(
    client, colleague, wellbeing_service
):
    client.force_login(colleague)
    response = client.post(
        new_url(wellbeing_service, "&self=1"), self_form(wellbeing_service)
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.entrepreneur == colleague
    assert referral.referring_organisation is None
    assert referral.status == flow.SENT


def test_a_double_submitted_form_creates_one_referral(
    client, colleague, organisation, entrepreneur, wellbeing_service
):
    client.force_login(colleague)
    data = referral_form(entrepreneur, organisation, wellbeing_service)
    first = client.post(new_url(wellbeing_service), data)
    second = client.post(new_url(wellbeing_service), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Referral.objects.count() == 1
    assert Consent.objects.count() == 1
    # A fresh form (a new token) is a new referral.
    client.post(new_url(wellbeing_service), {**data, "client_token": str(uuid.uuid4())})
    assert Referral.objects.count() == 2


# --- bad input on the form --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"given_on": ""}, "Give the date the entrepreneur agreed."),
        (
            {"given_on": (TODAY() + timedelta(days=2)).isoformat()},
            "The date consent was given cannot be in the future.",
        ),
        (
            {"entrepreneur_email": "nobody@nowhere.example"},
            "Nobody with this email address is on Kindred.",
        ),
        ({"entrepreneur_email": "not an email"}, "Enter a valid email address."),
        (
            {"expires_on": (TODAY() - timedelta(days=1)).isoformat()},
            "The consent must be valid until today or later.",
        ),
        (
            {"expires_on": (TODAY() + timedelta(days=800)).isoformat()},
            "Consent can be given for at most two years.",
        ),
        ({"fields": None}, "This field is required."),
        ({"fields": ["name", "shoe_size"]}, "Select a valid choice."),
        ({"purpose": "   "}, "This field is required."),
        ({"note": "<script>alert(1)</script> hi"}, "is not allowed"),
    ],
)
def test_bad_input_shows_a_clear_message_and_writes_nothing(
    client,
    colleague,
    organisation,
    entrepreneur,
    wellbeing_service,
    overrides,
    message,
):
    client.force_login(colleague)
    before = snapshot()
    response = client.post(
        new_url(wellbeing_service),
        referral_form(entrepreneur, organisation, wellbeing_service, **overrides),
    )
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert snapshot() == before


def test_referring_to_your_own_organisation_is_refused(
    client, colleague, organisation, entrepreneur, topics
):
    own = Service.objects.create(
        organisation=organisation,
        name="Our own clinic",
        description="Ours.",
        application_process="Ask.",
    )
    client.force_login(colleague)
    before = snapshot()
    response = client.post(new_url(own), referral_form(entrepreneur, organisation, own))
    assert response.status_code == 400
    assert "Refer to another organisation; this one is your own." in text(response)
    assert snapshot() == before


def test_referring_for_an_organisation_you_do_not_work_for_is_refused(
    client, colleague, organisation, entrepreneur, wellbeing_service, receiving_org
):
    client.force_login(colleague)
    before = snapshot()
    response = client.post(
        new_url(wellbeing_service),
        referral_form(
            entrepreneur,
            organisation,
            wellbeing_service,
            from_organisation=receiving_org.pk,
        ),
    )
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert snapshot() == before


def test_a_closed_or_unknown_service_is_not_found(
    client, colleague, organisation, entrepreneur, wellbeing_service
):
    client.force_login(colleague)
    assert client.get("/referrals/new/?service=999999").status_code == 404
    assert client.get("/referrals/new/?service=abc").status_code == 404
    assert client.get("/referrals/new/").status_code == 404
    wellbeing_service.status = "inactive"
    wellbeing_service.save()
    response = client.post(
        new_url(wellbeing_service),
        referral_form(entrepreneur, organisation, wellbeing_service),
    )
    assert response.status_code == 404
    assert Referral.objects.count() == 0


def test_people_without_an_organisation_only_ask_for_themselves(
    client, outsider, entrepreneur, wellbeing_service, receiving_org
):
    client.force_login(outsider)
    # Without ?self=1 a service page still offers "ask for it yourself".
    page = client.get(new_url(wellbeing_service))
    assert page.status_code == 200 and "Ask for a service" in text(page)
    # Referring someone else to an organisation needs an organisation of your own.
    response = client.get(f"/referrals/new/?organisation={receiving_org.slug}")
    assert response.status_code == 403
    response = client.post(
        f"/referrals/new/?organisation={receiving_org.slug}",
        {
            "organisation": receiving_org.slug,
            "entrepreneur_email": entrepreneur.email,
            "fields": ["name"],
            "purpose": "x",
            "expires_on": (TODAY() + timedelta(days=9)).isoformat(),
            "method": "verbal",
            "given_on": TODAY().isoformat(),
            "client_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 403
    assert Referral.objects.count() == 0


# --- the lifecycle on the detail page ---------------------------------------------


def move(client, referral, **data):
    return client.post(f"/referrals/{referral.pk}/move/", data)


def test_the_receiver_accepts_works_on_and_completes_with_an_outcome(
    client, refer, receiver, receiving_org
):
    referral = refer()
    client.force_login(receiver)
    page = text(client.get(detail(referral)))
    assert "Accept" in page and "Decline the referral" in page

    response = move(client, referral, to="accepted")
    assert response.status_code == 302 and response["Location"] == detail(referral)
    referral.refresh_from_db()
    assert referral.status == flow.ACCEPTED
    assert referral.accepted_at and referral.first_response_at
    assert "The referral is now “Accepted”." in text(client.get(detail(referral)))

    assert move(client, referral, to="in_progress").status_code == 302
    assert move(client, referral, to="on_hold").status_code == 302
    assert move(client, referral, to="in_progress").status_code == 302
    response = move(
        client, referral, to="completed", outcome="funding_secured", amount="5000"
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == flow.COMPLETED and referral.finished_at
    outcome = referral.outcomes.get()
    assert (outcome.kind, outcome.amount, outcome.recorded_for) == (
        "funding_secured",
        Decimal("5000"),
        receiving_org,
    )
    assert [e.to_status for e in referral.events.all()] == [
        "draft",
        "sent",
        "accepted",
        "in_progress",
        "on_hold",
        "in_progress",
        "completed",
    ]


def test_completing_without_a_good_outcome_is_refused(client, refer, receiver):
    referral = refer()
    accept(referral, receiver)
    client.force_login(receiver)
    before = snapshot()
    response = move(client, referral, to="completed")
    assert response.status_code == 400
    assert "Say what the outcome was to complete the referral." in text(response)
    response = move(client, referral, to="completed", outcome="funding_secured")
    assert response.status_code == 400
    assert "Say how much funding was secured." in text(response)
    response = move(client, referral, to="completed", outcome="jobs_created")
    assert response.status_code == 400
    assert "Say how many jobs were created." in text(response)
    assert snapshot() == before


def test_the_receiver_declines_with_a_reason(client, refer, receiver):
    referral = refer()
    client.force_login(receiver)
    response = move(
        client, referral, to="declined", reason="no_capacity", note="Cohort is full."
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.reason, referral.reason_note) == (
        flow.DECLINED,
        "no_capacity",
        "Cohort is full.",
    )
    assert referral.first_response_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose why you decline."),
        ({"reason": "other"}, "Say why you decline."),
        ({"reason": "no_longer_needed"}, "Choose why you decline."),
        ({"reason": "made_up"}, "Check the form"),
    ],
)
def test_declining_without_a_proper_reason_is_refused(
    client, refer, receiver, data, message
):
    referral = refer()
    client.force_login(receiver)
    before = snapshot()
    response = move(client, referral, to="declined", **data)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


def test_the_receiver_passes_the_referral_on_and_the_new_one_needs_consent(
    client, refer, receiver, other_service, entrepreneur
):
    referral = refer()
    client.force_login(receiver)
    page = text(client.get(detail(referral)))
    assert "Cash-flow clinic" in page  # offered as a service to pass on to
    response = move(client, referral, to="redirected", redirect_to=other_service.pk)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == flow.REDIRECTED
    linked = Referral.objects.get(redirected_from=referral)
    assert linked.status == flow.DRAFT
    assert linked.consent.status == Consent.Status.REQUESTED
    assert linked.service == other_service


def test_closing_without_an_outcome_needs_a_reason(client, refer, receiver):
    referral = refer()
    accept(referral, receiver)
    client.force_login(receiver)
    before = snapshot()
    assert move(client, referral, to="closed").status_code == 400
    assert snapshot() == before
    response = move(client, referral, to="closed", reason="could_not_contact")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == flow.CLOSED


def test_the_referrer_and_the_entrepreneur_may_withdraw(
    client, refer, colleague, entrepreneur
):
    for person in (colleague, entrepreneur):
        referral = refer()
        client.force_login(person)
        assert "Withdraw the referral" in text(client.get(detail(referral)))
        response = move(client, referral, to="withdrawn", note="Found help elsewhere.")
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.status == flow.WITHDRAWN
        assert referral.reason == Referral.Reason.OTHER
        assert referral.reason_note == "Found help elsewhere."


@pytest.mark.parametrize(
    ("setup", "who", "to", "extra", "message"),
    [
        # Accepting a referral that was withdrawn.
        ("withdrawn", "receiver", "accepted", {}, "already finished"),
        # Completing one that was never accepted.
        (
            "sent",
            "receiver",
            "completed",
            {"outcome": "got_help"},
            "cannot become “Completed”",
        ),
        # Only the receiver accepts.
        ("sent", "colleague", "accepted", {}, "another party does that"),
        ("sent", "entrepreneur", "accepted", {}, "another party does that"),
        # The receiver cannot withdraw somebody else's referral.
        ("sent", "receiver", "withdrawn", {}, "another party does that"),
        # A declined referral stays declined.
        ("declined", "receiver", "accepted", {}, "already finished"),
        # On hold cannot jump to completed.
        (
            "on_hold",
            "receiver",
            "completed",
            {"outcome": "got_help"},
            "cannot become “Completed”",
        ),
        # Sending again.
        ("sent", "colleague", "sent", {}, "cannot become “Sent"),
    ],
)
def test_an_illegal_move_is_a_conflict_with_a_clear_message(
    client, refer, receiver, colleague, entrepreneur, setup, who, to, extra, message
):
    people = {
        "receiver": receiver,
        "colleague": colleague,
        "entrepreneur": entrepreneur,
    }
    referral = refer()
    if setup == "withdrawn":
        services.transition(referral, by=colleague, to=flow.WITHDRAWN)
    elif setup == "declined":
        services.transition(
            referral, by=receiver, to=flow.DECLINED, reason="not_eligible"
        )
    elif setup == "on_hold":
        accept(referral, receiver)
        services.transition(referral, by=receiver, to=flow.ON_HOLD)
    client.force_login(people[who])
    before = snapshot()
    response = move(client, referral, to=to, **extra)
    assert response.status_code == 409
    assert message in text(response)
    assert snapshot() == before


def test_a_move_to_an_unknown_status_is_a_bad_request(client, refer, receiver):
    referral = refer()
    client.force_login(receiver)
    before = snapshot()
    response = move(client, referral, to="teleported")
    assert response.status_code == 400
    assert "Check the form" in text(response)
    assert snapshot() == before


def test_a_draft_is_sent_only_once_consent_is_given(client, refer, colleague):
    referral = refer(consent=in_app())
    client.force_login(colleague)
    before = snapshot()
    response = move(client, referral, to="sent")
    assert response.status_code == 403
    assert snapshot() == before


# --- the thread ---------------------------------------------------------------------


def test_parties_write_in_the_thread_and_the_entrepreneur_sees_only_theirs(
    client, refer, receiver, colleague, entrepreneur
):
    referral = refer()
    client.force_login(receiver)
    response = client.post(
        f"/referrals/{referral.pk}/messages/",
        {"body": "Between us: the waiting list is long.", "audience": "organisations"},
    )
    assert response.status_code == 302
    assert response["Location"] == detail(referral) + "#thread"
    client.force_login(colleague)
    client.post(
        f"/referrals/{referral.pk}/messages/",
        {"body": "Erin, they will call you.", "audience": "everyone"},
    )
    assert Message.objects.filter(referral=referral).count() == 2
    page = text(client.get(detail(referral)))
    assert "waiting list is long" in page and "they will call you" in page

    client.force_login(entrepreneur)
    page = text(client.get(detail(referral)))
    assert "they will call you" in page
    assert "waiting list is long" not in page
    client.post(
        f"/referrals/{referral.pk}/messages/",
        {"body": "Thank you!", "audience": "organisations"},
    )
    mine = Message.objects.get(body="Thank you!")
    assert mine.audience == Message.Audience.EVERYONE
    assert mine.party == flow.ENTREPRENEUR


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "", "audience": "everyone"}, "This field is required."),
        ({"body": "   ", "audience": "everyone"}, "This field is required."),
        ({"body": "Hello", "audience": "the_world"}, "Select a valid choice."),
        (
            {"body": "<script>alert(1)</script> hello", "audience": "everyone"},
            "is not allowed",
        ),
    ],
)
def test_a_bad_message_is_refused(client, refer, colleague, data, message):
    referral = refer()
    client.force_login(colleague)
    before = snapshot()
    response = client.post(f"/referrals/{referral.pk}/messages/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


# --- outcomes -----------------------------------------------------------------------


def test_the_referring_organisation_records_an_outcome_and_the_entrepreneur_confirms(
    client, refer, receiver, colleague, entrepreneur, organisation
):
    referral = refer()
    complete(referral, receiver, kind=Outcome.Kind.NOT_NEEDED)
    client.force_login(colleague)
    assert "Record another outcome" in text(client.get(detail(referral)))
    response = client.post(
        f"/referrals/{referral.pk}/outcomes/",
        {"kind": "jobs_created", "number": "2", "note": "Two hires."},
    )
    assert response.status_code == 302
    assert response["Location"] == detail(referral) + "#outcomes"
    jobs = referral.outcomes.get(kind="jobs_created")
    assert (jobs.number, jobs.recorded_for, jobs.recorded_by) == (
        2,
        organisation,
        colleague,
    )
    assert jobs.confirmed_at is None

    # Only the entrepreneur confirms.
    response = client.post(f"/referrals/{referral.pk}/outcomes/{jobs.pk}/confirm/")
    assert response.status_code == 403
    jobs.refresh_from_db()
    assert jobs.confirmed_at is None

    client.force_login(entrepreneur)
    not_needed = referral.outcomes.get(kind="no_longer_needed")
    assert "Yes, that is right" in text(client.get(detail(referral)))
    response = client.post(
        f"/referrals/{referral.pk}/outcomes/{not_needed.pk}/confirm/"
    )
    assert response.status_code == 302
    assert response["Location"] == detail(referral) + "#outcomes"
    not_needed.refresh_from_db()
    assert not_needed.confirmed_at is not None


def test_confirming_a_good_outcome_is_recorded(client, refer, receiver, entrepreneur):
    referral = refer()
    complete(referral, receiver, kind=Outcome.Kind.GOT_HELP)
    outcome = referral.outcomes.get()
    client.force_login(entrepreneur)
    response = client.post(f"/referrals/{referral.pk}/outcomes/{outcome.pk}/confirm/")
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.confirmed_at is not None
    assert LogEntry.objects.filter(
        referral=referral, action=LogEntry.Action.OUTCOME, actor=entrepreneur
    ).exists()


def test_outcomes_wait_for_completion_and_must_be_complete(
    client, refer, receiver, colleague
):
    referral = refer()
    accept(referral, receiver)
    client.force_login(receiver)
    before = snapshot()
    response = client.post(f"/referrals/{referral.pk}/outcomes/", {"kind": "got_help"})
    assert response.status_code == 400
    assert snapshot() == before

    complete_referral = refer()
    complete(complete_referral, receiver)
    before = snapshot()
    response = client.post(
        f"/referrals/{complete_referral.pk}/outcomes/", {"kind": "funding_secured"}
    )
    assert response.status_code == 400
    assert "Say how much funding was secured." in text(response)
    response = client.post(
        f"/referrals/{complete_referral.pk}/outcomes/", {"kind": "made_up"}
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_an_outcome_of_another_referral_cannot_be_confirmed_through_this_one(
    client, refer, receiver, entrepreneur
):
    first, second = refer(), refer()
    complete(first, receiver)
    complete(second, receiver)
    other = second.outcomes.get()
    client.force_login(entrepreneur)
    response = client.post(f"/referrals/{first.pk}/outcomes/{other.pk}/confirm/")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.confirmed_at is None


# --- lists --------------------------------------------------------------------------


def test_the_lists_show_the_right_rows_and_never_another_organisations(
    client,
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
    draft = refer(consent=in_app(), note="Draft note.")
    rows = {
        "sent": {sent.pk, draft.pk},
        "received": {sent.pk},  # drafts are not received yet
        "mine": {sent.pk, draft.pk},
    }
    expectations = [
        (colleague, "sent", rows["sent"]),
        (owner, "sent", rows["sent"]),
        (receiver, "received", rows["received"]),
        (receiver_admin, "received", rows["received"]),
        (entrepreneur, "mine", rows["mine"]),
        (colleague, "received", set()),
        (receiver, "sent", set()),
        (outsider, "mine", set()),
        (steward, "mine", set()),
    ]
    for person, box, want in expectations:
        client.force_login(person)
        response = client.get(f"/referrals/?box={box}")
        assert response.status_code == 200
        shown = {r.pk for r in response.context["rows"]}
        assert shown == want, (person, box)
        page = text(response)
        assert f"/referrals/{unrelated_referral.pk}/" not in page
        assert "Zed Stranger" not in page and "Lighthouse Loans" not in page


def test_the_default_list_depends_on_who_you_are(client, refer, receiver, entrepreneur):
    refer()
    client.force_login(receiver)
    assert client.get("/referrals/").context["box"] == "received"
    client.force_login(entrepreneur)
    response = client.get("/referrals/")
    assert response.context["box"] == "mine"
    assert [b for b, _ in response.context["boxes"]] == ["mine"]
    # An entrepreneur asking for another box finds nothing in it.
    assert not client.get("/referrals/?box=received").context["rows"]
    assert not client.get("/referrals/?box=sent").context["rows"]
    # An unknown box falls back to the default.
    assert client.get("/referrals/?box=everything").context["box"] == "mine"


def test_the_status_filter(client, refer, receiver):
    open_one, declined = refer(), refer()
    services.transition(declined, by=receiver, to=flow.DECLINED, reason="no_capacity")
    client.force_login(receiver)
    shown = client.get("/referrals/?box=received&status=open").context["rows"]
    assert [r.pk for r in shown] == [open_one.pk]
    shown = client.get("/referrals/?box=received&status=declined").context["rows"]
    assert [r.pk for r in shown] == [declined.pk]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("who", "box"),
    [("receiver", "received"), ("colleague", "sent"), ("entrepreneur", "mine")],
)
def test_the_list_query_count_does_not_grow_with_the_referrals(
    client,
    refer,
    receiver,
    colleague,
    entrepreneur,
    who,
    box,
    django_assert_max_num_queries,
):
    person = {
        "receiver": receiver,
        "colleague": colleague,
        "entrepreneur": entrepreneur,
    }
    client.force_login(person[who])
    url = f"/referrals/?box={box}"
    refer()
    with_one = _queries(client, url)
    for _ in range(9):
        refer()
    with django_assert_max_num_queries(with_one):
        response = client.get(url)
    assert len(response.context["rows"]) == 10
    assert _queries(client, url) == with_one


# --- what the receiver sees when consent ends ------------------------------------


def test_after_consent_is_withdrawn_the_receiver_sees_only_that_a_referral_existed(
    client, refer, entrepreneur, receiver
):
    referral = refer(consent=consent(fields=["name", "email", "note", "wellbeing"]))
    services.post_message(referral, by=receiver, body="Erin, shall we meet Tuesday?")
    services.withdraw_consent(referral, by=entrepreneur)
    client.force_login(receiver)
    response = client.get(detail(referral))
    assert response.status_code == 200
    page = text(response)
    assert "A referral existed here" in page
    for secret in (
        "Erin Entrepreneur",
        "erin@founder.example",
        "Needs a calmer way",
        "Sleeps badly",
        "shall we meet Tuesday",
    ):
        assert secret not in page, secret
    listed = text(client.get("/referrals/?box=received"))
    assert "Not shared" in listed
    assert "Erin Entrepreneur" not in listed

    before = snapshot()
    response = client.post(
        f"/referrals/{referral.pk}/messages/",
        {"body": "Hello?", "audience": "everyone"},
    )
    assert response.status_code == 403
    assert snapshot()["messages"] == before["messages"]


def test_after_consent_expires_the_receiver_sees_nothing_more(client, refer, receiver):
    referral = refer()
    Consent.objects.filter(referral=referral).update(
        expires_on=TODAY() - timedelta(days=1)
    )
    client.force_login(receiver)
    page = text(client.get(detail(referral)))
    assert "A referral existed here" in page
    assert "Erin Entrepreneur" not in page and "Needs a calmer way" not in page
    response = client.post(
        f"/referrals/{referral.pk}/messages/", {"body": "Hi", "audience": "everyone"}
    )
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_the_received_list_hides_a_name_the_consent_does_not_cover(
    client, refer, receiver
):
    refer(consent=consent(fields=["email", "note"]))
    client.force_login(receiver)
    page = text(client.get("/referrals/?box=received"))
    assert "Founder wellbeing programme" in page
    assert "Erin Entrepreneur" not in page


def test_the_receiver_does_not_see_an_unshared_name_in_the_history(
    client, refer, receiver, entrepreneur
):
    referral = refer(consent=in_app())
    services.answer_consent(referral, by=entrepreneur, give=True, fields=["note"])
    client.force_login(receiver)
    page = text(client.get(detail(referral)))
    assert "Needs a calmer way" in page  # the note is shared
    assert "Erin Entrepreneur" not in page


# --- permission boundaries ----------------------------------------------------------


@pytest.fixture
def completed_referral(refer, receiver):
    referral = refer()
    complete(referral, receiver)
    return referral


def post_endpoints(referral) -> list[tuple[str, dict]]:
    outcome = referral.outcomes.first()
    outcome_pk = outcome.pk if outcome else 1
    return [
        (f"/referrals/{referral.pk}/move/", {"to": "withdrawn"}),
        (f"/referrals/{referral.pk}/move/", {"to": "accepted"}),
        (f"/referrals/{referral.pk}/messages/", {"body": "Hi", "audience": "everyone"}),
        (f"/referrals/{referral.pk}/outcomes/", {"kind": "got_help"}),
        (f"/referrals/{referral.pk}/outcomes/{outcome_pk}/confirm/", {}),
        (f"/referrals/{referral.pk}/consent/", {"decision": "decline"}),
        (f"/referrals/{referral.pk}/consent/withdraw/", {}),
    ]


def test_an_outsider_gets_404_everywhere_and_changes_nothing(
    client, completed_referral, refer, outsider, steward, unrelated_referral
):
    open_referral = refer()
    others = [outsider, steward, User.objects.get(email="hana@harbour.example")]
    before = snapshot()
    for person in others:
        client.force_login(person)
        for referral in (completed_referral, open_referral):
            assert client.get(detail(referral)).status_code == 404
            for url, data in post_endpoints(referral):
                response = client.post(url, data)
                assert response.status_code == 404, (person, url)
    assert snapshot() == before


def test_the_receiver_cannot_reach_a_draft_before_consent(
    client, refer, receiver, receiver_admin
):
    draft = refer(consent=in_app())
    before = snapshot()
    for person in (receiver, receiver_admin):
        client.force_login(person)
        assert client.get(detail(draft)).status_code == 404
        for url, data in post_endpoints(draft):
            assert client.post(url, data).status_code == 404
    assert snapshot() == before


def test_signed_out_visitors_are_sent_to_log_in(
    client, completed_referral, organisation, wellbeing_service
):
    before = snapshot()
    pages = [
        "/referrals/",
        "/referrals/?box=sent",
        new_url(wellbeing_service),
        detail(completed_referral),
        "/referrals/report/",
        "/referrals/report/?format=csv",
        f"/referrals/organisations/{organisation.slug}/log/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/login/"), url
    for url, data in post_endpoints(completed_referral) + [
        (new_url(wellbeing_service), {"service": wellbeing_service.pk})
    ]:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/login/"), url
    assert snapshot() == before


def test_pages_refuse_the_wrong_method(client, completed_referral, colleague):
    client.force_login(colleague)
    for url, _data in post_endpoints(completed_referral):
        assert client.get(url).status_code == 405
    assert client.post("/referrals/").status_code == 405
    assert client.post(detail(completed_referral)).status_code == 405


def test_the_detail_page_shows_each_party_what_they_may_do(
    client, refer, colleague, owner, receiver, receiver_admin, entrepreneur
):
    referral = refer()
    expectations = {
        receiver: (True, False, False),
        receiver_admin: (True, False, True),
        colleague: (False, True, False),
        owner: (False, True, True),
        entrepreneur: (False, True, True),
    }
    for person, (accepts, withdraws, sees_log) in expectations.items():
        client.force_login(person)
        response = client.get(detail(referral))
        assert response.status_code == 200
        page = text(response)
        assert ("accepted" in response.context["moves"]) is accepts, person
        assert ("Withdraw the referral" in page) is withdraws, person
        assert response.context["show_log"] is sees_log, person
    # Every look is logged, with the party the person acted as.
    parties = set(
        LogEntry.objects.filter(
            referral=referral,
            action__in=[LogEntry.Action.VIEWED, LogEntry.Action.SHARED],
        ).values_list("actor__email", "party", "action")
    )
    assert ("ravi@mindful.example", "receiver", "shared") in parties
    assert ("colleague@example.com", "referrer", "viewed") in parties
    assert ("erin@founder.example", "entrepreneur", "viewed") in parties


# --- the organisation's log ---------------------------------------------------------


def test_admins_read_their_organisations_referral_log(
    client, refer, receiver_admin, owner, receiving_org, organisation, receiver
):
    referral = refer()
    accept(referral, receiver)
    for person, org in ((receiver_admin, receiving_org), (owner, organisation)):
        client.force_login(person)
        response = client.get(f"/referrals/organisations/{org.slug}/log/")
        assert response.status_code == 200
        entries = list(response.context["page"].object_list)
        assert {e.referral_id for e in entries} == {referral.pk}
        assert {e.action for e in entries} >= {"created", "changed"}
        assert f"#{referral.pk}" in text(response)


def test_the_organisation_log_is_for_admins_only(
    client, refer, receiver, colleague, outsider, steward, receiving_org, organisation
):
    refer()
    for person, org in (
        (receiver, receiving_org),
        (colleague, organisation),
        (outsider, receiving_org),
        (outsider, organisation),
        (colleague, receiving_org),
    ):
        client.force_login(person)
        response = client.get(f"/referrals/organisations/{org.slug}/log/")
        assert response.status_code == 403, (person, org)
    client.force_login(outsider)
    assert client.get("/referrals/organisations/no-such-org/log/").status_code == 404


def test_the_organisation_log_never_lists_another_organisations_referrals(
    client, refer, receiver_admin, receiving_org, unrelated_referral
):
    refer()
    client.force_login(receiver_admin)
    response = client.get(f"/referrals/organisations/{receiving_org.slug}/log/")
    ids = {e.referral_id for e in response.context["page"].object_list}
    assert unrelated_referral.pk not in ids
    assert "Hana Harbour" not in text(response)


def test_the_receivers_log_has_no_drafts_it_never_received(
    client, refer, receiver_admin, receiving_org, entrepreneur
):
    waiting = refer(consent=in_app())
    refused = refer(consent=in_app())
    services.answer_consent(refused, by=entrepreneur, give=False)
    client.force_login(receiver_admin)
    response = client.get(f"/referrals/organisations/{receiving_org.slug}/log/")
    ids = {e.referral_id for e in response.context["page"].object_list}
    assert ids.isdisjoint({waiting.pk, refused.pk})
    assert "Colin Colleague" not in text(response)


def test_the_receivers_log_does_not_name_an_entrepreneur_who_withdrew(
    client, refer, receiver_admin, receiving_org, entrepreneur
):
    referral = refer()
    services.record_view(referral, by=entrepreneur)
    services.withdraw_consent(referral, by=entrepreneur)
    client.force_login(receiver_admin)
    response = client.get(f"/referrals/organisations/{receiving_org.slug}/log/")
    assert response.status_code == 200
    assert f"#{referral.pk}" in text(response)
    assert "Erin Entrepreneur" not in text(response)


# --- the report ---------------------------------------------------------------------


@pytest.fixture
def funnel_referrals(refer, receiver, unrelated_referral):
    """Three referrals from `organisation` to `receiving_org`: one completed with
    funding, one declined, one still open; plus one between other organisations."""
    done, declined, waiting = refer(), refer(), refer()
    complete(done, receiver, kind=Outcome.Kind.FUNDING, amount=Decimal(5000))
    services.transition(declined, by=receiver, to=flow.DECLINED, reason="no_capacity")
    return done, declined, waiting


def report_csv(response) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["measure", "value"]
    return dict(rows[1:])


def test_the_report_shows_the_receiving_organisations_figures(
    client, funnel_referrals, receiver, receiving_org
):
    client.force_login(receiver)
    response = client.get("/referrals/report/")
    assert response.status_code == 200
    funnel = response.context["funnel"]
    assert response.context["organisation"] == receiving_org
    assert (funnel.sent, funnel.received, funnel.accepted) == (0, 3, 1)
    assert (funnel.declined, funnel.completed, funnel.open) == (1, 1, 1)
    assert funnel.completion_rate == 1.0
    page = " ".join(text(response).split())
    assert "Received</th><td>3</td>" in page
    assert "Accepted</th><td>1</td>" in page
    assert "Declined</th><td>1</td>" in page
    assert "Funding secured: 1" in page
    assert "100%" in page


def test_the_report_downloads_as_csv(client, funnel_referrals, receiver, colleague):
    client.force_login(receiver)
    response = client.get("/referrals/report/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "mindful-founders" in response["Content-Disposition"]
    rows = report_csv(response)
    assert rows["received"] == "3"
    assert rows["accepted"] == "1"
    assert rows["declined"] == "1"
    assert rows["completed"] == "1"
    assert rows["open"] == "1"
    assert rows["sent"] == "0"
    assert rows["outcome:funding_secured"] == "1"
    assert rows["period_end"] == TODAY().isoformat()
    assert rows["period_start"] == (TODAY() - timedelta(days=365)).isoformat()

    client.force_login(colleague)
    rows = report_csv(client.get("/referrals/report/?format=csv"))
    assert (rows["sent"], rows["received"]) == ("3", "0")


def test_the_csv_keeps_zero_figures(client, refer, receiver):
    referral = refer()
    accept(referral, receiver)  # answered at once: median 0.0 days, none completed
    client.force_login(receiver)
    rows = report_csv(client.get("/referrals/report/?format=csv"))
    assert rows["completion_rate"] == "0.0"
    assert rows["median_days_to_first_response"] == "0.0"


def test_an_empty_report_has_no_rates(client, receiver, receiving_org):
    client.force_login(receiver)
    response = client.get("/referrals/report/")
    assert response.status_code == 200
    assert response.context["funnel"].completion_rate is None
    rows = report_csv(client.get("/referrals/report/?format=csv"))
    assert rows["received"] == "0"
    assert rows["completion_rate"] == ""
    assert rows["median_days_to_first_response"] == ""


def test_the_report_period_is_chosen_by_dates(client, funnel_referrals, receiver):
    client.force_login(receiver)
    old = TODAY() - timedelta(days=400)
    response = client.get(
        "/referrals/report/",
        {"start": old.isoformat(), "end": (old + timedelta(days=30)).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["funnel"].received == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "not-a-date"}, "Enter a valid date."),
        ({"end": "2026-02-30"}, "Enter a valid date."),
        (
            {"start": "2026-02-01", "end": "2026-01-01"},
            "The start must come before the end.",
        ),
        (
            {"start": "2010-01-01", "end": "2026-01-01"},
            "Choose a period of at most ten years.",
        ),
        ({"organisation": "cash-clinic"}, "Select a valid choice."),
        ({"organisation": "riverside-growth-hub"}, "Select a valid choice."),
    ],
)
def test_bad_report_parameters_are_a_bad_request(
    client, funnel_referrals, receiver, params, message
):
    client.force_login(receiver)
    response = client.get("/referrals/report/", params)
    assert response.status_code == 400
    assert message in text(response)
    assert response.context["funnel"] is None
    csv_response = client.get("/referrals/report/", {**params, "format": "csv"})
    assert csv_response.status_code == 400
    assert not csv_response["Content-Type"].startswith("text/csv")


def test_people_without_an_organisation_get_no_report(client, outsider, entrepreneur):
    for person in (outsider, entrepreneur):
        client.force_login(person)
        assert client.get("/referrals/report/").status_code == 403
        assert client.get("/referrals/report/?format=csv").status_code == 403


def test_stewards_see_the_whole_ecosystem(client, funnel_referrals, steward):
    client.force_login(steward)
    response = client.get("/referrals/report/")
    assert response.status_code == 200
    assert response.context["organisation"] is None
    funnel = response.context["funnel"]
    # All four referrals, including the one between other organisations.
    assert (funnel.received, funnel.sent) == (4, 4)
    assert "The whole ecosystem" in text(response)
    rows = report_csv(client.get("/referrals/report/?format=csv&organisation="))
    assert rows["received"] == "4"


def test_a_practitioner_cannot_get_the_ecosystem_figures(
    client, funnel_referrals, receiver
):
    client.force_login(receiver)
    response = client.get("/referrals/report/", {"organisation": ""})
    assert response.status_code in (400, 403) or (
        response.context["organisation"] is not None
    )
    csv_response = client.get("/referrals/report/?organisation=&format=csv")
    if csv_response.status_code == 200:
        assert report_csv(csv_response)["received"] != "4"
    assert "ecosystem" not in csv_response.get("Content-Disposition", "")
