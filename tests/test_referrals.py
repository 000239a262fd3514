"""Referral services and selectors: consent first, the lifecycle, visibility,
the thread, outcomes, the log, reminders, the funnel and stories."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from kindred.algorithms import referral_flow as flow
from kindred.core.errors import KindredError, NotAllowed
from kindred.notifications.models import Notification
from kindred.referrals import selectors, services
from kindred.referrals.models import Consent, LogEntry, Message, Outcome, Referral
from kindred.webhooks.models import Delivery, Endpoint
from tests.referral_fixtures import *  # noqa: F403
from tests.referral_fixtures import consent

pytestmark = pytest.mark.django_db


def _accept(referral, receiver):
    return services.transition(referral, by=receiver, to=flow.ACCEPTED)


# --- consent first ------------------------------------------------------------------


def test_recorded_consent_sends_at_once_and_tells_the_receiver(
    refer, receiver_admin, wellbeing_service
):
    referral = refer()
    assert referral.status == flow.SENT
    assert referral.consent.status == Consent.Status.GIVEN
    assert referral.consent.method == Consent.Method.VERBAL
    assert referral.consent.recorded_by == referral.referrer
    # Two working days from sending, never on a weekend.
    assert referral.due_at == flow.add_working_days(referral.sent_at, 2)
    assert Notification.objects.filter(
        recipient=receiver_admin, kind="referrals.received"
    ).exists()
    # The entrepreneur hears of it too, with a way to withdraw.
    told = Notification.objects.get(recipient=referral.entrepreneur)
    assert told.url == referral.get_absolute_url() and "withdraw" in told.message


def test_asking_in_the_app_shares_nothing_until_the_entrepreneur_agrees(
    refer, receiver, entrepreneur
):
    referral = refer(consent=consent(method=Consent.Method.IN_APP, given_on=None))
    assert referral.status == flow.DRAFT
    # The receiver cannot even see that it exists yet.
    assert selectors.visible_referral(receiver, referral.pk) is None
    assert Notification.objects.filter(
        recipient=entrepreneur, kind="referrals.consent_requested"
    ).exists()
    services.answer_consent(
        referral, by=entrepreneur, give=True, fields=["name", "wellbeing"]
    )
    referral.refresh_from_db()
    assert referral.status == flow.SENT
    # Narrowing keeps only fields that were asked for: wellbeing was not.
    assert referral.consent.fields == ["name"]
    seen = selectors.visible_referral(receiver, referral.pk)
    shared = selectors.shared_details(seen)
    assert [code for code, _label, _value in shared.fields] == ["name"]


def test_saying_no_to_consent_withdraws_the_referral(refer, entrepreneur, receiver):
    referral = refer(consent=consent(method=Consent.Method.IN_APP, given_on=None))
    services.answer_consent(referral, by=entrepreneur, give=False)
    referral.refresh_from_db()
    assert referral.status == flow.WITHDRAWN
    assert referral.reason == Referral.Reason.CONSENT_DECLINED
    assert selectors.visible_referral(receiver, referral.pk) is None


def test_only_the_entrepreneur_answers_a_consent_request(refer, colleague):
    referral = refer(consent=consent(method=Consent.Method.IN_APP, given_on=None))
    with pytest.raises(NotAllowed):
        services.answer_consent(referral, by=colleague, give=True)
    referral.refresh_from_db()
    assert referral.status == flow.DRAFT


def test_wellbeing_answers_are_shared_only_when_explicitly_included(refer, receiver):
    without = refer()
    shared = selectors.shared_details(selectors.visible_referral(receiver, without.pk))
    assert "wellbeing" not in [code for code, *_ in shared.fields]
    with_it = refer(consent=consent(fields=["name", "wellbeing"]))
    shared = selectors.shared_details(selectors.visible_referral(receiver, with_it.pk))
    assert ("wellbeing", "Wellbeing answers", "Sleeps badly.") in shared.fields


def test_withdrawing_consent_takes_one_step_and_hides_the_details(
    refer, entrepreneur, receiver
):
    referral = refer()
    services.withdraw_consent(referral, by=entrepreneur)
    seen = selectors.visible_referral(receiver, referral.pk)
    assert seen is not None, "the receiver still sees that a referral existed"
    assert seen.status == flow.WITHDRAWN
    assert selectors.shared_details(seen) is None
    assert list(selectors.thread_for(seen, {flow.RECEIVER})) == []
    with pytest.raises(services.ConsentMissing):
        services.post_message(seen, by=receiver, body="Hello?")


def test_expired_consent_blocks_sharing(refer, receiver):
    referral = refer()
    Consent.objects.filter(referral=referral).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    seen = selectors.visible_referral(receiver, referral.pk)
    assert selectors.shared_details(seen) is None
    with pytest.raises(services.ConsentMissing) as error:
        services.post_message(seen, by=receiver, body="Hello?")
    assert error.value.status_code == 403


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"fields": []}, "fields"),
        ({"fields": ["name", "shoe_size"]}, "fields"),
        ({"purpose": "  "}, "purpose"),
        ({"expires_on": date(2020, 1, 1)}, "expires_on"),
        ({"given_on": None}, "given_on"),
        ({"given_on": date.today() + timedelta(days=3)}, "given_on"),
        ({"notice_version": ""}, "notice_version"),
    ],
)
def test_bad_consent_is_refused_and_nothing_is_written(refer, overrides, field):
    with pytest.raises(KindredError) as error:
        refer(consent=consent(**overrides))
    assert error.value.field == field
    assert Referral.objects.count() == 0 and Consent.objects.count() == 0


def test_a_double_clicked_send_creates_one_referral(refer):
    token = uuid.uuid4()
    first = refer(client_token=token)
    second = refer(client_token=token)
    assert first.pk == second.pk
    assert Referral.objects.count() == 1


def test_only_practitioners_refer_others(refer, outsider, entrepreneur):
    with pytest.raises(NotAllowed):
        refer(by=outsider, from_organisation=None)
    assert Referral.objects.count() == 0


def test_a_practitioner_cannot_refer_for_an_organisation_they_do_not_work_for(
    refer, receiving_org, colleague
):
    with pytest.raises(NotAllowed):
        refer(from_organisation=receiving_org)


def test_entrepreneurs_refer_themselves_with_consent_given_in_the_app(
    entrepreneur, wellbeing_service, receiver
):
    referral = services.create_referral(
        by=entrepreneur,
        entrepreneur=entrepreneur,
        consent=consent(method=Consent.Method.IN_APP, given_on=None),
        service=wellbeing_service,
        note="I would like a place.",
    )
    assert referral.status == flow.SENT and referral.is_self_referral
    assert selectors.parties_of(entrepreneur, referral) == {
        flow.ENTREPRENEUR,
        flow.REFERRER,
    }
    assert selectors.visible_referral(receiver, referral.pk) is not None


def test_closed_services_take_no_referrals(refer, wellbeing_service):
    wellbeing_service.status = "inactive"
    wellbeing_service.save()
    with pytest.raises(KindredError):
        refer()
    assert Referral.objects.count() == 0


# --- lifecycle ----------------------------------------------------------------------


def test_the_whole_loop_to_a_confirmed_outcome_drafts_a_shared_credit_story(
    refer, receiver, entrepreneur, organisation, receiving_org
):
    referral = refer()
    _accept(referral, receiver)
    services.transition(referral, by=receiver, to=flow.IN_PROGRESS)
    services.transition(
        referral,
        by=receiver,
        to=flow.COMPLETED,
        outcome=services.OutcomeInput(kind=Outcome.Kind.GOT_HELP),
    )
    referral.refresh_from_db()
    assert referral.status == flow.COMPLETED
    assert referral.first_response_at and referral.accepted_at and referral.finished_at
    assert [e.to_status for e in referral.events.all()] == [
        flow.DRAFT,
        flow.SENT,
        flow.ACCEPTED,
        flow.IN_PROGRESS,
        flow.COMPLETED,
    ]
    outcome = referral.outcomes.get()
    assert outcome.recorded_for == receiving_org
    services.confirm_outcome(outcome, by=entrepreneur)
    from kindred.collaboration.models import SuccessStory

    story = SuccessStory.objects.get(source_referral_id=referral.pk)
    credited = set(story.credits.values_list("organisation_id", flat=True))
    assert credited == {organisation.pk, receiving_org.pk}
    assert story.entrepreneur == entrepreneur


def test_an_illegal_move_is_a_conflict_and_changes_nothing(refer, receiver, colleague):
    referral = refer()
    with pytest.raises(services.IllegalMove) as error:
        services.transition(
            referral,
            by=receiver,
            to=flow.COMPLETED,
            outcome=services.OutcomeInput(kind=Outcome.Kind.GOT_HELP),
        )
    assert error.value.status_code == 409
    services.transition(referral, by=colleague, to=flow.WITHDRAWN)
    with pytest.raises(services.IllegalMove):
        _accept(referral, receiver)
    referral.refresh_from_db()
    assert referral.status == flow.WITHDRAWN
    assert referral.events.count() == 3  # draft, sent, withdrawn


def test_only_the_receiver_accepts(refer, colleague, entrepreneur):
    referral = refer()
    for person in (colleague, entrepreneur):
        with pytest.raises(services.IllegalMove):
            _accept(referral, person)
    referral.refresh_from_db()
    assert referral.status == flow.SENT


def test_an_outsider_cannot_move_a_referral(refer, outsider):
    referral = refer()
    with pytest.raises(NotAllowed):
        services.transition(referral, by=outsider, to=flow.WITHDRAWN)


@pytest.mark.parametrize(
    "reason, note, field",
    [("", "", "reason"), ("other", "", "note"), ("no_longer_needed", "", "reason")],
)
def test_declining_needs_a_reason(refer, receiver, reason, note, field):
    referral = refer()
    with pytest.raises(KindredError) as error:
        services.transition(
            referral, by=receiver, to=flow.DECLINED, reason=reason, note=note
        )
    assert error.value.field == field
    referral.refresh_from_db()
    assert referral.status == flow.SENT


def test_declining_with_a_reason_is_recorded(refer, receiver, colleague):
    referral = refer()
    services.transition(
        referral, by=receiver, to=flow.DECLINED, reason="no_capacity", note="Full."
    )
    referral.refresh_from_db()
    assert (referral.status, referral.reason, referral.reason_note) == (
        flow.DECLINED,
        "no_capacity",
        "Full.",
    )
    assert Notification.objects.filter(
        recipient=colleague, kind="referrals.updated"
    ).exists()


def test_redirecting_starts_a_linked_referral_that_needs_fresh_consent(
    refer, receiver, other_service, entrepreneur
):
    referral = refer()
    services.transition(
        referral, by=receiver, to=flow.REDIRECTED, redirect_to=other_service
    )
    linked = Referral.objects.get(redirected_from=referral)
    assert linked.status == flow.DRAFT
    assert linked.consent.status == Consent.Status.REQUESTED
    assert linked.receiving_organisation == other_service.organisation
    # It stays the original referrer's: the organisation that passed it on
    # learns nothing beyond what its own consent allowed.
    assert linked.referring_organisation == referral.referring_organisation
    assert selectors.visible_referral(receiver, linked.pk) is None
    assert linked.note == referral.note  # the consent covered the note
    assert linked.wellbeing_note == ""  # it did not cover wellbeing
    assert "wellbeing" not in linked.consent.fields
    services.answer_consent(linked, by=entrepreneur, give=True)
    linked.refresh_from_db()
    assert linked.status == flow.SENT
    assert [r.pk for r in services.chain(linked)] == [referral.pk, linked.pk]


def test_completing_needs_an_outcome(refer, receiver):
    referral = refer()
    _accept(referral, receiver)
    with pytest.raises(KindredError) as error:
        services.transition(referral, by=receiver, to=flow.COMPLETED)
    assert error.value.field == "outcome"
    with pytest.raises(KindredError) as error:
        services.transition(
            referral,
            by=receiver,
            to=flow.COMPLETED,
            outcome=services.OutcomeInput(kind=Outcome.Kind.FUNDING),
        )
    assert error.value.field == "amount"
    referral.refresh_from_db()
    assert referral.status == flow.ACCEPTED and not referral.outcomes.exists()


def test_either_organisation_records_outcomes_and_the_entrepreneur_confirms(
    refer, receiver, colleague, entrepreneur, organisation
):
    referral = refer()
    _accept(referral, receiver)
    services.transition(
        referral,
        by=receiver,
        to=flow.COMPLETED,
        outcome=services.OutcomeInput(kind=Outcome.Kind.TRAINED),
    )
    jobs = services.record_outcome(
        referral,
        by=colleague,
        outcome=services.OutcomeInput(kind=Outcome.Kind.JOBS, number=2),
    )
    assert jobs.recorded_for == organisation
    with pytest.raises(NotAllowed):
        services.confirm_outcome(jobs, by=colleague)
    services.confirm_outcome(jobs, by=entrepreneur)
    jobs.refresh_from_db()
    assert jobs.confirmed_at is not None


def test_outcomes_wait_for_completion(refer, receiver):
    referral = refer()
    with pytest.raises(services.IllegalMove):
        services.record_outcome(
            referral,
            by=receiver,
            outcome=services.OutcomeInput(kind=Outcome.Kind.GOT_HELP),
        )


# --- visibility and the thread --------------------------------------------------------


def test_only_the_parties_see_a_referral(
    refer, colleague, owner, receiver, receiver_admin, entrepreneur, outsider, steward
):
    referral = refer()
    for person in (colleague, owner, receiver, receiver_admin, entrepreneur):
        assert selectors.visible_referral(person, referral.pk) is not None
    for person in (outsider, steward):
        assert selectors.visible_referral(person, referral.pk) is None
        assert not selectors.visible_referrals(person).exists()
        for name in selectors.BOXES:
            assert not selectors.box(person, name).exists()


def test_the_entrepreneur_sees_only_messages_meant_for_them(
    refer, receiver, colleague, entrepreneur
):
    referral = refer()
    services.post_message(
        referral,
        by=receiver,
        body="Between us: the waiting list is long.",
        audience=Message.Audience.ORGANISATIONS,
    )
    services.post_message(referral, by=colleague, body="Erin, they will call you.")
    mine = selectors.thread_for(referral, {flow.ENTREPRENEUR})
    assert [m.body for m in mine] == ["Erin, they will call you."]
    theirs = selectors.thread_for(referral, {flow.REFERRER})
    assert len(theirs) == 2
    # Entrepreneurs' own messages always go to everyone.
    message = services.post_message(
        referral,
        by=entrepreneur,
        body="Thanks!",
        audience=Message.Audience.ORGANISATIONS,
    )
    assert message.audience == Message.Audience.EVERYONE


def test_messages_are_sanitised_and_checked(refer, receiver):
    referral = refer()
    with pytest.raises(KindredError):
        services.post_message(referral, by=receiver, body="   ")
    with pytest.raises(KindredError):
        services.post_message(
            referral, by=receiver, body="<script>alert(1)</script> hello"
        )
    assert not referral.messages.exists()


def test_views_changes_and_shares_are_logged_with_role_and_organisation(
    refer, receiver, receiving_org, entrepreneur
):
    referral = refer()
    services.record_view(referral, by=receiver)
    services.record_view(referral, by=entrepreneur)
    entries = list(selectors.log_for(referral).order_by("at", "id"))
    assert [e.action for e in entries][-2:] == [
        LogEntry.Action.SHARED,
        LogEntry.Action.VIEWED,
    ]
    shared = entries[-2]
    assert (shared.actor, shared.party, shared.organisation) == (
        receiver,
        flow.RECEIVER,
        receiving_org,
    )
    with pytest.raises(ValueError):
        shared.note = "edited"
        shared.save()
    assert selectors.organisation_log(receiving_org).count() == len(entries)


# --- reminders, webhooks, reports ----------------------------------------------------


def test_overdue_referrals_remind_the_receiver_then_the_admins(
    refer, receiver_admin, receiving_org, receiver
):
    referral = refer(service=None, person=receiver)
    late = referral.due_at + timedelta(hours=1)
    assert services.remind_overdue(late) == 1
    assert (
        Notification.objects.filter(
            recipient=receiver, kind="referrals.overdue"
        ).count()
        == 1
    )
    assert services.remind_overdue(late) == 0, "no second reminder the same day"
    later = flow.add_working_days(referral.due_at, 1) + timedelta(hours=1)
    assert services.remind_overdue(later) == 1
    assert (
        Notification.objects.filter(
            recipient=receiver_admin, kind="referrals.overdue"
        ).count()
        == 1
    )
    assert services.remind_overdue(later + timedelta(days=9)) == 0


def test_answered_referrals_are_not_chased(refer, receiver):
    referral = refer()
    _accept(referral, receiver)
    assert services.remind_overdue(referral.due_at + timedelta(days=30)) == 0


def test_webhooks_carry_codes_not_personal_details(
    refer, receiving_org, receiver_admin, organisation, receiver
):
    Endpoint.objects.create(
        organisation=receiving_org,
        url="https://example.com/hook",
        event_types=["referral.received", "referral.updated"],
    )
    referral = refer()
    _accept(referral, receiver)
    payloads = [d.payload for d in Delivery.objects.order_by("pk")]
    assert [p["type"] for p in payloads] == ["referral.received", "referral.updated"]
    assert payloads[1]["data"]["referral"]["status"] == "accepted"
    text = str(payloads)
    assert "Erin" not in text and "erin@" not in text


def test_the_funnel_counts_and_medians_in_a_fixed_number_of_queries(
    refer, receiver, receiving_org, organisation, django_assert_max_num_queries
):
    first = refer()
    second = refer()
    refer()
    _accept(first, receiver)
    services.transition(
        first,
        by=receiver,
        to=flow.COMPLETED,
        outcome=services.OutcomeInput(kind=Outcome.Kind.FUNDING, amount=Decimal(5000)),
    )
    services.transition(second, by=receiver, to=flow.DECLINED, reason="not_eligible")
    today = timezone.localdate()
    with django_assert_max_num_queries(8):
        received = selectors.funnel(receiving_org, today - timedelta(days=30), today)
    assert (received.received, received.accepted, received.completed) == (3, 1, 1)
    assert received.declined == 1 and received.open == 1
    assert received.completion_rate == 1.0
    assert received.outcomes[0][0] == "funding_secured"
    assert received.median_days_to_response is not None
    sent = selectors.funnel(organisation, today - timedelta(days=30), today)
    assert (sent.sent, sent.received) == (3, 0)
    everyone = selectors.funnel(None, today - timedelta(days=30), today)
    assert everyone.received == 3
    assert (
        selectors.funnel(
            receiving_org, today - timedelta(days=400), today - timedelta(days=300)
        ).received
        == 0
    )


def test_the_demo_tells_the_referral_story():
    from kindred.accounts.models import User
    from kindred.core.demo import build

    build(scale=30, seed=3)
    founder = User.objects.get(email="founder@example.org")
    lead = User.objects.get(email="programme.lead@example.org")
    assert selectors.box_counts(founder)["consents"] == 1
    waiting = selectors.box(lead, "received", status=flow.SENT)
    assert waiting.filter(entrepreneur=founder).count() == 1
    assert Outcome.objects.filter(
        referral__entrepreneur=founder, confirmed_at__isnull=True
    ).exists()
    assert Referral.objects.count() >= 60
    assert not Referral.objects.filter(
        referring_organisation=F("receiving_organisation")
    ).exists()
    # Every generated referral is consistent with the lifecycle.
    for referral in Referral.objects.exclude(status=flow.SENT)[:200]:
        if referral.status in flow.TAKEN_ON:
            assert referral.accepted_at is not None
        if referral.status == flow.COMPLETED:
            assert referral.outcomes.exists()


def test_exporting_a_list_logs_each_referral_and_hides_unshared_names(
    client, refer, receiver, entrepreneur, colleague
):
    shared = refer()
    hidden = refer()
    services.withdraw_consent(hidden, by=entrepreneur)
    client.force_login(receiver)
    response = client.get("/referrals/", {"box": "received", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("id,status,service")
    by_id = {line.split(",")[0]: line for line in lines[1:]}
    assert "Erin Entrepreneur" in by_id[str(shared.pk)]
    assert "Erin Entrepreneur" not in by_id[str(hidden.pk)]
    exported = LogEntry.objects.filter(action=LogEntry.Action.EXPORTED, actor=receiver)
    assert set(exported.values_list("referral_id", flat=True)) == {
        shared.pk,
        hidden.pk,
    }
    # The referrer's colleague exports the sent list; an outsider's is empty.
    client.force_login(colleague)
    lines = client.get("/referrals/", {"box": "sent", "format": "csv"}).content
    assert len(lines.decode().splitlines()) == 3


def test_a_practitioner_can_refer_to_a_colleague_elsewhere_from_their_profile(
    client, colleague, receiver, entrepreneur, organisation, receiving_org
):
    client.force_login(colleague)
    page = client.get(f"/members/{receiver.profile.pk}/").content.decode()
    assert f"/referrals/new/?person={receiver.profile.pk}" in page
    form = client.get("/referrals/new/", {"person": receiver.profile.pk})
    assert form.status_code == 200 and "Ravi Practitioner" in form.content.decode()
    # An entrepreneur sees no such link: referring others is for practitioners.
    client.force_login(entrepreneur)
    page = client.get(f"/members/{receiver.profile.pk}/").content.decode()
    assert "/referrals/new/" not in page
    assert (
        client.get("/referrals/new/", {"person": receiver.profile.pk}).status_code
        == 403
    )


def test_a_self_referring_entrepreneur_never_reads_organisation_only_messages(
    entrepreneur, wellbeing_service, receiver
):
    referral = services.create_referral(
        by=entrepreneur,
        entrepreneur=entrepreneur,
        consent=consent(method=Consent.Method.IN_APP, given_on=None),
        service=wellbeing_service,
    )
    services.post_message(
        referral,
        by=receiver,
        body="Internal: check eligibility first.",
        audience=Message.Audience.ORGANISATIONS,
    )
    services.post_message(referral, by=receiver, body="We will call you Monday.")
    parties = selectors.parties_of(entrepreneur, referral)
    seen = [m.body for m in selectors.thread_for(referral, parties)]
    assert seen == ["We will call you Monday."]
    mine = services.post_message(
        referral,
        by=entrepreneur,
        body="Thanks",
        audience=Message.Audience.ORGANISATIONS,
    )
    assert (mine.party, mine.audience) == (flow.ENTREPRENEUR, "everyone")


def test_the_dashboard_says_what_referrals_wait(client, refer, entrepreneur, receiver):
    refer(consent=consent(method=Consent.Method.IN_APP, given_on=None))
    refer()
    client.force_login(entrepreneur)
    page = client.get("/").content.decode()
    assert "Someone asks your consent to refer you." in page
    client.force_login(receiver)
    page = client.get("/").content.decode()
    assert "1 open referral to your organisations." in page


def test_organisation_pages_lead_to_referring_the_log_and_the_report(
    client, colleague, organisation, receiving_org, receiver_admin, entrepreneur
):
    client.force_login(colleague)
    page = client.get(f"/organisations/{receiving_org.slug}/").content.decode()
    assert f"/referrals/new/?organisation={receiving_org.slug}" in page
    assert (
        client.get("/referrals/new/", {"organisation": receiving_org.slug}).status_code
        == 200
    )
    client.force_login(receiver_admin)
    page = client.get(f"/organisations/{receiving_org.slug}/").content.decode()
    assert f"/referrals/organisations/{receiving_org.slug}/log/" in page
    assert "/referrals/new/?organisation=" not in page  # not to your own
    client.force_login(entrepreneur)
    page = client.get(f"/organisations/{receiving_org.slug}/").content.decode()
    assert "/referrals/new/" not in page and "/log/" not in page


def test_the_cached_report_follows_every_change(
    refer, receiver, receiving_org, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    period = (today - timedelta(days=30), today)
    with django_capture_on_commit_callbacks(execute=True):
        referral = refer()
    assert selectors.funnel(receiving_org, *period).accepted == 0
    with django_capture_on_commit_callbacks(execute=True):
        _accept(referral, receiver)
    after = selectors.funnel(receiving_org, *period)
    assert after.accepted == 1 and after.median_days_to_response is not None
    assert after.by_month[-1][2] == 1  # this month: one received
    everyone = selectors.funnel(None, *period)
    assert everyone.accepted == 1


# --- privacy review ------------------------------------------------------------------


def test_receivers_are_told_of_a_message_without_a_name_they_may_not_see(
    refer, entrepreneur, receiver_admin, colleague
):
    referral = refer(consent=consent(fields=["stage"]))
    services.post_message(referral, by=entrepreneur, body="Any news?")
    told = Notification.objects.filter(kind="referrals.message")
    assert told.get(recipient=receiver_admin).message.startswith("The entrepreneur")
    assert told.get(recipient=receiver_admin).actor is None
    assert told.get(recipient=colleague).message.startswith("Erin Entrepreneur")


def test_an_entrepreneur_withdrawing_the_referral_stops_sharing(
    refer, entrepreneur, receiver
):
    referral = refer()
    services.transition(referral, by=entrepreneur, to=flow.WITHDRAWN)
    seen = selectors.visible_referral(receiver, referral.pk)
    assert seen.consent.status == Consent.Status.WITHDRAWN
    assert selectors.shared_details(seen) is None


def test_staff_of_the_receiving_organisation_cannot_be_referred_to_it(
    refer, receiver, wellbeing_service
):
    with pytest.raises(KindredError):
        refer(entrepreneur=receiver)
    with pytest.raises(KindredError):
        services.create_referral(
            by=receiver,
            entrepreneur=receiver,
            consent=consent(method=Consent.Method.IN_APP, given_on=None),
            service=wellbeing_service,
        )
    assert Referral.objects.count() == 0


def test_people_who_leave_an_organisation_lose_its_referrals(
    refer, receiver, colleague, receiving_org, organisation
):
    from kindred.organisations.models import Membership

    referral = refer(service=None, person=receiver)
    Membership.objects.filter(user=receiver, organisation=receiving_org).delete()
    Membership.objects.filter(user=colleague, organisation=organisation).delete()
    for person in (receiver, colleague):
        person._referral_staff_ids = None  # a new request
        assert selectors.visible_referral(person, referral.pk) is None
        with pytest.raises(NotAllowed):
            services.transition(referral, by=person, to=flow.WITHDRAWN)


def test_the_api_list_logs_each_share_it_returns(client, refer, receiver):
    from rest_framework.test import APIClient

    shared = refer()
    api = APIClient()
    api.force_authenticate(receiver)
    assert api.get("/api/v1/referrals", {"box": "received"}).status_code == 200
    assert LogEntry.objects.filter(
        referral=shared, actor=receiver, action=LogEntry.Action.SHARED
    ).exists()


def test_csv_cells_are_never_formulas(client, refer, colleague, wellbeing_service):
    wellbeing_service.name = '=HYPERLINK("http://evil")'
    wellbeing_service.save()
    refer()
    client.force_login(colleague)
    import csv
    import io

    body = client.get("/referrals/", {"box": "sent", "format": "csv"}).content
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_a_referral_whose_consent_ended_cannot_be_passed_on(
    refer, receiver, other_service
):
    referral = refer()
    Consent.objects.filter(referral=referral).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(services.ConsentMissing):
        services.transition(
            referral, by=receiver, to=flow.REDIRECTED, redirect_to=other_service
        )
    assert not Referral.objects.filter(redirected_from=referral).exists()


def test_the_open_badge_stops_counting_at_99(monkeypatch, refer, receiver):
    monkeypatch.setattr(selectors, "BADGE_CAP", 2)
    for _ in range(2):
        refer()
    assert selectors.box_counts(receiver)["received"] == 2
    assert not selectors.box_counts(receiver)["received_more"]
    refer()
    counts = selectors.box_counts(receiver)
    assert (counts["received"], counts["received_more"]) == (2, 1)
