"""Programme services: programmes, cohorts, places, referrals, surveys, evaluation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from kindred.core.errors import KindredError, NotAllowed
from tests.test_programmes_fixtures import *  # noqa: F403
from tests.test_programmes_fixtures import answers_for, make_cohort


def _open(window):
    today = timezone.localdate()
    window.opens_on = today - timedelta(days=1)
    window.closes_on = today + timedelta(days=1)
    window.save()
    return window


def _window(cohort, kind):
    return cohort.windows.get(kind=kind)


def test_only_staff_can_run_a_service_as_a_programme(wellbeing_service, outsider):
    from kindred.programmes import services
    from kindred.programmes.models import Programme

    wellbeing_service.is_programme = True
    wellbeing_service.save()
    with pytest.raises(NotAllowed):
        services.create_programme(wellbeing_service, by=outsider, lead=outsider)
    assert not Programme.objects.exists()


def test_programme_lead_must_be_staff(wellbeing_service, receiver_admin, outsider):
    from kindred.programmes import services

    wellbeing_service.is_programme = True
    wellbeing_service.save()
    with pytest.raises(KindredError) as error:
        services.create_programme(wellbeing_service, by=receiver_admin, lead=outsider)
    assert error.value.field == "lead"


def test_service_must_be_marked_as_programme(wellbeing_service, receiver_admin, lead):
    from kindred.programmes import services

    with pytest.raises(KindredError) as error:
        services.create_programme(wellbeing_service, by=receiver_admin, lead=lead)
    assert error.value.field == "service"


def test_instrument_keeps_scales_and_reverse_items(instrument):
    items = list(instrument.items.order_by("position"))
    assert [s.name for s in instrument.scales.all()] == ["Wellbeing", "Stress"]
    assert items[1].reverse and items[1].scale.name == "Wellbeing"
    assert (items[3].low, items[3].high) == (1, 7)
    assert (items[4].low, items[4].high) == (0, 120)


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"text": "", "kind": "likert5"}, "items.0.text"),
        ({"text": "Q", "kind": "stars"}, "items.0.kind"),
        ({"text": "Q", "kind": "number"}, "items.0.minimum"),
        (
            {"text": "Q", "kind": "number", "minimum": 5, "maximum": 5},
            "items.0.maximum",
        ),
        ({"text": "Q", "kind": "text", "scale": 0}, "items.0.scale"),
        ({"text": "Q", "kind": "likert5", "scale": 3}, "items.0.scale"),
        ({"text": "Q", "kind": "likert5", "reverse": True}, "items.0.reverse"),
    ],
)
def test_bad_instrument_is_refused_and_nothing_is_saved(programme, lead, item, field):
    from kindred.programmes import services
    from kindred.programmes.models import Instrument
    from kindred.programmes.services import ItemInput, ScaleInput

    with pytest.raises(KindredError) as error:
        services.create_instrument(
            programme,
            by=lead,
            name="Check",
            scales=[ScaleInput("Wellbeing")],
            items=[ItemInput(**item)],
        )
    assert error.value.field == field
    assert not Instrument.objects.exists()


def test_outsider_cannot_build_an_instrument(programme, outsider):
    from kindred.programmes import services
    from kindred.programmes.services import ItemInput

    with pytest.raises(NotAllowed):
        services.create_instrument(
            programme, by=outsider, name="X", items=[ItemInput("Q", "likert5")]
        )


def test_cohort_gets_a_group_led_by_the_lead_and_survey_windows(cohort, lead):
    from kindred.communities.models import Membership

    assert cohort.group.kind == "cohort"
    assert Membership.objects.filter(
        group=cohort.group, user=lead, role="facilitator"
    ).exists()
    kinds = set(cohort.windows.values_list("kind", flat=True))
    assert kinds == {"entry", "exit"}
    entry = _window(cohort, "entry")
    assert entry.opens_on < cohort.starts_on < entry.closes_on


def test_cohort_with_weekly_sessions_creates_an_event_series(programme, lead):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kindred.events.models import Event
    from kindred.programmes.services import SessionPlan

    start = (timezone.now() + timedelta(days=8)).astimezone(ZoneInfo("Europe/London"))
    first = datetime(start.year, start.month, start.day, 18, 0, tzinfo=start.tzinfo)
    cohort = make_cohort(
        programme, lead, sessions=SessionPlan(first_starts_at=first, weeks=6)
    )
    sessions = Event.objects.filter(group=cohort.group)
    assert sessions.count() == 6
    assert cohort.first_session == sessions.order_by("starts_at").first()
    assert all(e.format == "online" and e.meeting_url for e in sessions)


def test_bad_cohort_dates_are_refused(programme, lead):
    from kindred.programmes.models import Cohort
    from kindred.programmes.services import CohortInput, create_cohort

    today = timezone.localdate()
    with pytest.raises(KindredError) as error:
        create_cohort(
            programme,
            by=lead,
            data=CohortInput("X", today, today - timedelta(days=1), capacity=5),
        )
    assert error.value.field == "ends_on"
    with pytest.raises(KindredError) as error:
        create_cohort(
            programme, by=lead, data=CohortInput("X", today, today, capacity=0)
        )
    assert error.value.field == "capacity"
    assert not Cohort.objects.exists()


def test_outsider_cannot_start_a_cohort(programme, outsider):
    from kindred.programmes.models import Cohort

    with pytest.raises(NotAllowed):
        make_cohort(programme, outsider)
    assert not Cohort.objects.exists()


def test_adding_a_place_joins_the_group_and_tells_the_participant(
    cohort, lead, entrepreneur
):
    from kindred.communities.models import Membership
    from kindred.notifications.models import Notification
    from kindred.programmes import services

    place = services.add_place(cohort, participant=entrepreneur, by=lead)
    again = services.add_place(cohort, participant=entrepreneur, by=lead)
    assert again.pk == place.pk
    assert Membership.objects.filter(
        group=cohort.group, user=entrepreneur, status="active"
    ).exists()
    kinds = set(
        Notification.objects.filter(recipient=entrepreneur).values_list(
            "kind", flat=True
        )
    )
    assert {"programmes.place_added", "programmes.survey_due"} <= kinds


def test_a_full_cohort_refuses_another_place(programme, lead, participants):
    from kindred.programmes import services
    from kindred.programmes.models import Place

    cohort = make_cohort(programme, lead, capacity=2)
    services.add_place(cohort, participant=participants[0], by=lead)
    services.add_place(cohort, participant=participants[1], by=lead)
    with pytest.raises(KindredError, match="full"):
        services.add_place(cohort, participant=participants[2], by=lead)
    assert Place.objects.filter(cohort=cohort).count() == 2


def test_outsider_cannot_add_a_place(cohort, outsider, entrepreneur):
    from kindred.programmes import services

    with pytest.raises(NotAllowed):
        services.add_place(cohort, participant=entrepreneur, by=outsider)
    assert not cohort.places.exists()


def test_accepted_referral_gives_a_place_in_the_next_cohort_with_room(
    programme, lead, refer, entrepreneur, receiver, instrument
):
    from kindred.programmes.models import Place
    from kindred.referrals import services as referral_services

    full = make_cohort(programme, lead, capacity=1, days=3, name="Full")
    full.places.create(participant=receiver)
    later = make_cohort(programme, lead, days=40, name="Later", instrument=instrument)
    referral = refer()
    referral_services.transition(referral, by=receiver, to="accepted")
    place = Place.objects.get(participant=entrepreneur)
    assert place.cohort == later
    assert place.source == "referral" and place.referral == referral


def test_accepted_referral_with_no_room_waits_to_be_placed(
    programme, lead, refer, entrepreneur, receiver
):
    from kindred.notifications.models import Notification
    from kindred.programmes import services
    from kindred.programmes.models import Place, WaitingEntry
    from kindred.referrals import services as referral_services

    referral = refer()
    referral_services.transition(referral, by=receiver, to="accepted")
    entry = WaitingEntry.objects.get(person=entrepreneur)
    assert not Place.objects.exists()
    assert Notification.objects.filter(
        recipient=lead, kind="programmes.to_be_placed"
    ).exists()
    # Accepting again changes nothing: one entry.
    services.place_from_referral(referral, by=receiver)
    assert WaitingEntry.objects.filter(person=entrepreneur).count() == 1
    cohort = make_cohort(programme, lead)
    services.place_waiting(entry, cohort=cohort, by=lead)
    entry.refresh_from_db()
    assert entry.placed_at is not None
    assert Place.objects.get(participant=entrepreneur).cohort == cohort


def test_referral_to_another_service_gives_no_place(
    programme, cohort, refer, other_service, entrepreneur
):
    from kindred.organisations.models import Membership, Role
    from kindred.programmes.models import Place, WaitingEntry
    from kindred.referrals import services as referral_services
    from tests.conftest import make_person

    clinic = make_person("cat@clinic.example", "Cat Clinic")
    Membership.objects.create(
        organisation=other_service.organisation, user=clinic, role=Role.ADMIN
    )
    referral = refer(service=other_service, wellbeing_note="")
    referral_services.transition(referral, by=clinic, to="accepted")
    assert not Place.objects.exists() and not WaitingEntry.objects.exists()


def test_referral_place_is_idempotent(programme, cohort, refer, receiver, entrepreneur):
    from kindred.programmes import services
    from kindred.programmes.models import Place
    from kindred.referrals import services as referral_services

    referral = refer()
    referral_services.transition(referral, by=receiver, to="accepted")
    services.place_from_referral(referral, by=receiver)
    assert Place.objects.filter(participant=entrepreneur).count() == 1


def test_participant_answers_and_may_change_while_open(cohort, lead, entrepreneur):
    from kindred.programmes import services
    from kindred.programmes.models import Answer, Response

    services.add_place(cohort, participant=entrepreneur, by=lead)
    entry = _open(_window(cohort, "entry"))
    services.submit_response(
        entry,
        by=entrepreneur,
        answers=answers_for(cohort.instrument, [4, 2, 3, 5, 50, "Busy"]),
    )
    services.submit_response(
        entry,
        by=entrepreneur,
        answers=answers_for(cohort.instrument, [5, 1, 4, 3, None, ""]),
    )
    response = Response.objects.get()
    assert sorted(Answer.objects.values_list("number", flat=True)) == [1, 3, 4, 5]
    assert response.answers.count() == 4


def test_wrong_answers_are_all_named_and_nothing_is_saved(cohort, lead, entrepreneur):
    from kindred.programmes import services
    from kindred.programmes.models import Response

    services.add_place(cohort, participant=entrepreneur, by=lead)
    entry = _open(_window(cohort, "entry"))
    items = list(cohort.instrument.items.order_by("position"))
    with pytest.raises(services.SurveyInvalid) as error:
        services.submit_response(
            entry,
            by=entrepreneur,
            answers=answers_for(cohort.instrument, [6, 2.5, 3, None, 500, "x"]),
        )
    assert set(error.value.errors) == {
        f"item_{items[0].pk}",
        f"item_{items[1].pk}",
        f"item_{items[3].pk}",
        f"item_{items[4].pk}",
    }
    assert not Response.objects.exists()


def test_closed_or_future_window_refuses_answers(cohort, lead, entrepreneur):
    from kindred.programmes import services
    from kindred.programmes.models import Response

    services.add_place(cohort, participant=entrepreneur, by=lead)
    exit_window = _window(cohort, "exit")  # opens near the end, weeks away
    with pytest.raises(services.StateConflict):
        services.submit_response(
            exit_window,
            by=entrepreneur,
            answers=answers_for(cohort.instrument, [4, 2, 3, 5]),
        )
    exit_window.opens_on = timezone.localdate() - timedelta(days=30)
    exit_window.closes_on = timezone.localdate() - timedelta(days=1)
    exit_window.save()
    with pytest.raises(services.StateConflict):
        services.submit_response(
            exit_window,
            by=entrepreneur,
            answers=answers_for(cohort.instrument, [4, 2, 3, 5]),
        )
    assert not Response.objects.exists()


def test_someone_without_a_place_cannot_answer(cohort, outsider):
    from kindred.programmes import services

    entry = _open(_window(cohort, "entry"))
    with pytest.raises(NotAllowed):
        services.submit_response(
            entry, by=outsider, answers=answers_for(cohort.instrument, [4, 2, 3, 5])
        )


def _answered_cohort(cohort, lead, participants, count):
    """`count` participants answer at entry and, better off, at exit."""
    from kindred.programmes import services

    entry = _open(_window(cohort, "entry"))
    exit_window = _open(_window(cohort, "exit"))
    for i, person in enumerate(participants):
        services.add_place(cohort, participant=person, by=lead)
        if i >= count:
            continue
        services.submit_response(
            entry,
            by=person,
            answers=answers_for(cohort.instrument, [2, 4, 2 + i % 2, 6, 50]),
        )
        services.submit_response(
            exit_window,
            by=person,
            answers=answers_for(cohort.instrument, [4, 2, 3 + i % 3, 3 + i % 2, 40]),
        )


def test_evaluation_shows_paired_change_for_five_or_more(cohort, lead, participants):
    from kindred.programmes import selectors

    _answered_cohort(cohort, lead, participants, count=6)
    result = selectors.evaluation(cohort)
    wellbeing, stress = result.scales
    assert result.enrolled == 8
    assert wellbeing.change.shown and wellbeing.change.n == 6
    assert wellbeing.change.mean_change > 0
    assert wellbeing.change.completion_rate == pytest.approx(6 / 8)
    assert [(w.answered, w.shown, w.rate) for w in result.completion] == [
        (6, True, pytest.approx(6 / 8)),
        (6, True, pytest.approx(6 / 8)),
    ]
    assert result.exportable
    assert stress.change.mean_change < 0
    assert stress.change.p is not None


def test_evaluation_hides_figures_below_five(cohort, lead, participants):
    from kindred.programmes import selectors

    _answered_cohort(cohort, lead, participants[:6], count=4)
    result = selectors.evaluation(cohort)
    assert not result.shown
    assert all(r.change.mean_change is None for r in result.scales)


def test_export_is_pseudonymised_and_audited(cohort, lead, participants):
    from kindred.core.models import AuditEntry
    from kindred.programmes import services

    _answered_cohort(cohort, lead, participants, count=5)
    first = services.export_answers(cohort, by=lead)
    second = services.export_answers(cohort, by=lead)
    rows = list(csv.DictReader(io.StringIO(first)))
    assert len(rows) == 10
    assert "participant" in rows[0] and "item_1" in rows[0] and "item_6" not in rows[0]
    assert "@" not in first and "Participant" not in first
    # Stable within one export, different across exports.
    pseudonyms = {r["participant"] for r in rows}
    assert len(pseudonyms) == 5
    assert pseudonyms.isdisjoint(
        {r["participant"] for r in csv.DictReader(io.StringIO(second))}
    )
    assert AuditEntry.objects.filter(action="cohort.answers_exported").count() == 2


def test_outsider_cannot_export(cohort, outsider):
    from kindred.programmes import services

    with pytest.raises(NotAllowed):
        services.export_answers(cohort, by=outsider)


def test_export_is_refused_below_five_and_nothing_is_recorded(
    cohort, lead, participants
):
    """Under five people, even pseudonymised rows are one person's answers in
    all but name: the export is refused, as the evaluation shows nothing."""
    from kindred.core.models import AuditEntry
    from kindred.programmes import services

    _answered_cohort(cohort, lead, participants, count=4)
    with pytest.raises(services.TooFewAnswers) as refused:
        services.export_answers(cohort, by=lead)
    assert refused.value.status_code == 409
    assert "Fewer than 5 people" in refused.value.message
    assert not AuditEntry.objects.filter(action="cohort.answers_exported").exists()


def test_export_rows_are_sorted_by_pseudonym(cohort, lead, participants):
    """Row order follows the fresh pseudonyms, never the people (whose order
    the lead sees on the cohort page); each person's entry comes before exit."""
    from kindred.programmes import services

    _answered_cohort(cohort, lead, participants, count=6)
    rows = list(csv.DictReader(io.StringIO(services.export_answers(cohort, by=lead))))
    keys = [(r["participant"], r["window"]) for r in rows]
    assert len(keys) == 12
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    for i in range(0, 12, 2):
        assert keys[i][0] == keys[i + 1][0]
        assert (keys[i][1], keys[i + 1][1]) == ("entry", "exit")


def test_export_leaves_out_a_window_fewer_than_five_answered(
    cohort, lead, participants
):
    from kindred.programmes import services

    entry = _open(_window(cohort, "entry"))
    exit_window = _open(_window(cohort, "exit"))
    for i, person in enumerate(participants[:6]):
        services.add_place(cohort, participant=person, by=lead)
        services.submit_response(
            entry, by=person, answers=answers_for(cohort.instrument, [2, 4, 3, 6])
        )
        if i < 2:
            services.submit_response(
                exit_window,
                by=person,
                answers=answers_for(cohort.instrument, [4, 2, 3, 3]),
            )
    rows = list(csv.DictReader(io.StringIO(services.export_answers(cohort, by=lead))))
    assert len(rows) == 6
    assert {r["window"] for r in rows} == {"entry"}


def test_withdrawing_places_does_not_change_the_evaluation(cohort, lead, participants):
    """The lead cannot single anyone out by withdrawing them: everyone who has
    had a place counts and every answer given stays in the figures."""
    from kindred.programmes import selectors, services
    from kindred.programmes.models import Place

    _answered_cohort(cohort, lead, participants, count=6)

    def figures():
        result = selectors.evaluation(cohort)
        return (
            result.enrolled,
            [(w.kind, w.answered, w.enrolled) for w in result.completion],
            [r.change for r in result.scales],
        )

    before = figures()
    for person in participants[:3]:
        place = Place.objects.get(cohort=cohort, participant=person)
        services.withdraw_place(place, by=lead)
    assert figures() == before
    services.add_place(cohort, participant=participants[0], by=lead)
    assert figures() == before
    assert before[0] == 8 and before[2][0].n == 6


def test_deleting_an_account_takes_its_answers_out(cohort, lead, participants):
    """Answers leave the figures and the export only with their author's account
    (the cascade the erasure relies on)."""
    from kindred.programmes import selectors, services
    from kindred.programmes.models import Answer, Response

    _answered_cohort(cohort, lead, participants, count=6)
    gone = participants[0]
    gone.delete()
    assert not Response.objects.filter(participant_id=gone.pk).exists()
    assert not Answer.objects.filter(response__participant_id=gone.pk).exists()
    result = selectors.evaluation(cohort)
    assert result.enrolled == 7 and result.scales[0].change.n == 5
    rows = list(csv.DictReader(io.StringIO(services.export_answers(cohort, by=lead))))
    assert len(rows) == 10
    participants[1].delete()
    assert not selectors.evaluation(cohort).shown
    with pytest.raises(services.TooFewAnswers):
        services.export_answers(cohort, by=lead)


def test_completion_counts_below_five_are_hidden(cohort, lead, participants):
    from kindred.programmes import selectors

    _answered_cohort(cohort, lead, participants, count=4)
    result = selectors.evaluation(cohort)
    assert [(w.kind, w.shown, w.rate) for w in result.completion] == [
        ("entry", False, None),
        ("exit", False, None),
    ]
    assert not result.exportable


def test_survey_reminders_go_once_to_those_who_have_not_answered(
    cohort, lead, participants
):
    from kindred.notifications.models import Notification
    from kindred.programmes import services

    services.add_place(cohort, participant=participants[0], by=lead)
    services.add_place(cohort, participant=participants[1], by=lead)
    entry = _window(cohort, "entry")
    # The entry window was already open: the place itself told them it is due.
    assert services.send_survey_reminders() == 0
    entry.reminders.all().delete()
    services.submit_response(
        entry,
        by=participants[0],
        answers=answers_for(cohort.instrument, [4, 2, 3, 5]),
    )
    assert services.send_survey_reminders() == 1
    assert services.send_survey_reminders() == 0
    assert (
        Notification.objects.filter(
            recipient=participants[1], kind="programmes.survey_due"
        ).count()
        == 2
    )


def test_finishing_a_cohort_completes_places(cohort, lead, entrepreneur):
    from kindred.programmes import services

    place = services.add_place(cohort, participant=entrepreneur, by=lead)
    services.set_cohort_status(cohort, by=lead, status="finished")
    place.refresh_from_db()
    assert place.status == "completed"
    with pytest.raises(services.StateConflict):
        services.add_place(cohort, participant=entrepreneur, by=lead)


def test_participant_may_withdraw_and_outsider_may_not(
    cohort, lead, entrepreneur, outsider
):
    from kindred.programmes import services

    place = services.add_place(cohort, participant=entrepreneur, by=lead)
    with pytest.raises(NotAllowed):
        services.withdraw_place(place, by=outsider)
    services.withdraw_place(place, by=entrepreneur)
    place.refresh_from_db()
    assert place.status == "withdrawn"


def test_place_webhook_carries_no_personal_or_survey_data(cohort, lead, entrepreneur):
    from kindred.programmes import services
    from kindred.webhooks.models import Delivery, Endpoint

    Endpoint.objects.create(
        organisation=cohort.programme.service.organisation,
        url="https://hooks.example.org/x",
        event_types=["programme.place_added"],
    )
    services.add_place(cohort, participant=entrepreneur, by=lead)
    delivery = Delivery.objects.get(event_type="programme.place_added")
    assert (
        delivery.payload["data"]["cohort"]["id"] == cohort.pk
        if "data" in (delivery.payload)
        else delivery.payload["cohort"]["id"] == cohort.pk
    )
    text = str(delivery.payload).lower()
    assert "erin" not in text and "@" not in text and "answer" not in text


def test_survey_in_use_is_kept_but_goes_with_its_organisation(cohort):
    """A survey a cohort uses cannot be deleted alone; deleting the organisation
    deletes the programme with its cohorts and surveys."""
    from django.db.models import RestrictedError

    from kindred.programmes.models import Cohort, Instrument, Programme

    with pytest.raises(RestrictedError):
        cohort.instrument.delete()
    cohort.programme.service.organisation.delete()
    assert not Programme.objects.exists()
    assert not Cohort.objects.exists() and not Instrument.objects.exists()
