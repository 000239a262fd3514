"""Programme pages: who sees what (answers stay private), bad input kept, the
evaluation hides small groups, bounded queries."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kindred.programmes import services
from kindred.programmes.models import Cohort, Instrument, Place, Response
from tests.conftest import PASSWORD, make_person
from tests.test_programmes_fixtures import *  # noqa: F403
from tests.test_programmes_fixtures import answers_for, make_cohort


def _login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def _open(window):
    today = timezone.localdate()
    window.opens_on = today - timedelta(days=1)
    window.closes_on = today + timedelta(days=1)
    window.save()
    return window


def _answered(cohort, lead, people, count, secret_text="my private worry"):
    entry = _open(cohort.windows.get(kind="entry"))
    exit_window = _open(cohort.windows.get(kind="exit"))
    for i, person in enumerate(people):
        services.add_place(cohort, participant=person, by=lead)
        if i >= count:
            continue
        services.submit_response(
            entry,
            by=person,
            answers=answers_for(
                cohort.instrument, [2, 4, 2 + i % 2, 6, 50, secret_text]
            ),
        )
        services.submit_response(
            exit_window,
            by=person,
            answers=answers_for(cohort.instrument, [4, 2, 3 + i % 3, 3 + i % 2, 41]),
        )


def test_signed_out_visitors_are_sent_to_log_in(client, cohort):
    for url in (
        "/programmes/",
        "/programmes/mine/",
        f"/programmes/{cohort.programme_id}/",
        f"/programmes/cohorts/{cohort.pk}/",
        f"/programmes/cohorts/{cohort.pk}/evaluation/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_empty_states(client, outsider):
    _login(client, outsider)
    page = client.get("/programmes/").content.decode()
    assert "No organisation runs a cohort programme yet" in page
    page = client.get("/programmes/mine/").content.decode()
    assert "You have no place in a programme" in page


def test_lead_pages_render(client, lead, cohort, entrepreneur):
    services.add_place(cohort, participant=entrepreneur, by=lead)
    _login(client, lead)
    programme = cohort.programme
    for url in (
        "/programmes/",
        f"/programmes/{programme.pk}/",
        f"/programmes/{programme.pk}/edit/",
        f"/programmes/{programme.pk}/cohorts/new/",
        f"/programmes/{programme.pk}/surveys/new/",
        f"/programmes/{programme.pk}/surveys/{cohort.instrument_id}/",
        f"/programmes/cohorts/{cohort.pk}/",
        f"/programmes/cohorts/{cohort.pk}/evaluation/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/programmes/cohorts/{cohort.pk}/").content.decode()
    assert "Erin Entrepreneur" in page


def test_participant_sees_my_programme_and_answers_the_survey(
    client, lead, cohort, entrepreneur
):
    services.add_place(cohort, participant=entrepreneur, by=lead)
    _login(client, entrepreneur)
    page = client.get("/programmes/mine/").content.decode()
    assert cohort.name in page and "Answer now" in page
    url = f"/programmes/cohorts/{cohort.pk}/survey/entry/"
    assert client.get(url).status_code == 200
    items = list(cohort.instrument.items.order_by("position"))
    data = {f"item_{items[i].pk}": v for i, v in enumerate(["4", "2", "3", "5"])}
    response = client.post(url, data)
    assert response.status_code == 302
    assert Response.objects.filter(participant=entrepreneur).exists()
    again = client.get(url).content.decode()
    assert "You can change your answers" in again


def test_wrong_answers_are_shown_and_kept(client, lead, cohort, entrepreneur):
    services.add_place(cohort, participant=entrepreneur, by=lead)
    _login(client, entrepreneur)
    items = list(cohort.instrument.items.order_by("position"))
    url = f"/programmes/cohorts/{cohort.pk}/survey/entry/"
    response = client.post(
        url,
        {
            f"item_{items[0].pk}": "4",
            f"item_{items[4].pk}": "900",
            f"item_{items[5].pk}": "Kept text",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Answer this question." in page  # the required Likert-7 item
    assert "Give a number from 0 to 120." in page
    assert "Kept text" in page and 'value="900"' in page
    assert not Response.objects.exists()


def test_outsider_and_other_organisation_get_404(
    client, lead, cohort, entrepreneur, outsider, colleague, organisation
):
    """Someone else's staff (colleague works for another organisation) and an
    outsider see no cohort, no survey and no evaluation."""
    services.add_place(cohort, participant=entrepreneur, by=lead)
    for person in (outsider, colleague):
        client.logout()
        _login(client, person)
        for url in (
            f"/programmes/cohorts/{cohort.pk}/",
            f"/programmes/cohorts/{cohort.pk}/survey/entry/",
            f"/programmes/cohorts/{cohort.pk}/evaluation/",
            f"/programmes/cohorts/{cohort.pk}/evaluation/answers.csv",
            f"/programmes/{cohort.programme_id}/edit/",
            f"/programmes/{cohort.programme_id}/cohorts/new/",
        ):
            assert client.get(url).status_code == 404, url
        response = client.post(
            f"/programmes/cohorts/{cohort.pk}/places/", {"email": person.email}
        )
        assert response.status_code == 404
    assert not Place.objects.filter(participant__in=[outsider, colleague]).exists()


def test_participant_cannot_see_the_evaluation(client, lead, cohort, entrepreneur):
    services.add_place(cohort, participant=entrepreneur, by=lead)
    _login(client, entrepreneur)
    assert client.get(f"/programmes/cohorts/{cohort.pk}/evaluation/").status_code == 404


def test_lead_sees_aggregates_only(client, lead, cohort, participants):
    _answered(cohort, lead, participants, count=6)
    _login(client, lead)
    page = client.get(f"/programmes/cohorts/{cohort.pk}/evaluation/").content.decode()
    assert "Wellbeing" in page and "Not shown" not in page
    assert "Entry: 6 of 8 participants (75%)" in page
    assert "answers.csv" in page
    assert "outcomes-data" in page
    assert "my private worry" not in page
    # Individual answers are never on the cohort page either.
    cohort_page = client.get(f"/programmes/cohorts/{cohort.pk}/").content.decode()
    assert "my private worry" not in cohort_page


def test_evaluation_hides_results_below_five(client, lead, cohort, participants):
    _answered(cohort, lead, participants[:6], count=4)
    _login(client, lead)
    page = client.get(f"/programmes/cohorts/{cohort.pk}/evaluation/").content.decode()
    assert "Not shown" in page
    assert "Fewer than 5 people answered both surveys" in page
    assert "outcomes-data" not in page


def test_export_downloads_pseudonymised_csv(client, lead, cohort, participants):
    _answered(cohort, lead, participants, count=5)
    _login(client, lead)
    response = client.get(f"/programmes/cohorts/{cohort.pk}/evaluation/answers.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "Participant" not in body and "@" not in body
    assert "my private worry" not in body


def test_export_below_five_says_why_and_sends_no_file(
    client, lead, cohort, participants
):
    _answered(cohort, lead, participants[:6], count=4)
    _login(client, lead)
    evaluation = client.get(f"/programmes/cohorts/{cohort.pk}/evaluation/")
    page = evaluation.content.decode()
    assert "answers.csv" not in page
    assert "Not available yet" in page
    response = client.get(f"/programmes/cohorts/{cohort.pk}/evaluation/answers.csv")
    assert response.status_code == 302
    assert not response.get("Content-Type", "").startswith("text/csv")
    followed = client.get(response["Location"]).content.decode()
    assert "cannot be exported yet" in followed


def test_completion_counts_below_five_read_fewer_than_five(
    client, lead, cohort, participants
):
    _answered(cohort, lead, participants[:6], count=4)
    _login(client, lead)
    page = client.get(f"/programmes/cohorts/{cohort.pk}/evaluation/").content.decode()
    assert "Entry: fewer than 5 answered (6 participants)" in page
    assert "4 of 6" not in page and "67%" not in page


def test_lead_adds_a_place_by_email(client, lead, cohort, entrepreneur):
    _login(client, lead)
    url = f"/programmes/cohorts/{cohort.pk}/places/"
    response = client.post(url, {"email": entrepreneur.email})
    assert response.status_code == 302
    assert Place.objects.filter(cohort=cohort, participant=entrepreneur).exists()
    response = client.post(url, {"email": "nobody@nowhere.example"}, follow=True)
    assert "No one with that email address" in response.content.decode()


def test_lead_plans_a_cohort_and_bad_input_is_kept(client, lead, programme):
    _login(client, lead)
    url = f"/programmes/{programme.pk}/cohorts/new/"
    today = timezone.localdate()
    bad = {
        "name": "Autumn keepers",
        "starts_on": (today + timedelta(days=30)).isoformat(),
        "ends_on": (today + timedelta(days=10)).isoformat(),
        "capacity": "12",
        "time_zone": "Europe/London",
        "weeks": "8",
        "minutes": "90",
    }
    response = client.post(url, bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end must be on or after the start." in page
    assert "Autumn keepers" in page
    assert not Cohort.objects.exists()
    good = dict(
        bad,
        ends_on=(today + timedelta(days=86)).isoformat(),
        first_session=f"{(today + timedelta(days=30)).isoformat()}T18:00",
    )
    response = client.post(url, good)
    assert response.status_code == 302
    cohort = Cohort.objects.get()
    assert cohort.first_session is not None
    assert cohort.first_session.series is not None


def test_lead_builds_a_survey(client, lead, programme):
    _login(client, lead)
    url = f"/programmes/{programme.pk}/surveys/new/"
    data = {
        "name": "Calm check",
        "scales-TOTAL_FORMS": "3",
        "scales-INITIAL_FORMS": "0",
        "scales-0-name": "",
        "scales-1-name": "Calm",
        "scales-1-higher_is_better": "on",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-text": "I feel calm.",
        "items-0-kind": "likert5",
        "items-0-scale": "1",
        "items-1-text": "I feel tense.",
        "items-1-kind": "likert5",
        "items-1-scale": "1",
        "items-1-reverse": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    instrument = Instrument.objects.get(name="Calm check")
    assert [i.scale.name for i in instrument.items.all()] == ["Calm", "Calm"]
    bad = dict(data, name="Broken", **{"items-0-kind": "number"})
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "Question 1" in response.content.decode()
    assert not Instrument.objects.filter(name="Broken").exists()


def test_waiting_person_is_placed_from_the_programme_page(
    client, lead, programme, entrepreneur
):
    from kindred.programmes.models import WaitingEntry

    entry = WaitingEntry.objects.create(programme=programme, person=entrepreneur)
    cohort = make_cohort(programme, lead)
    _login(client, lead)
    page = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert "Erin Entrepreneur" in page
    response = client.post(
        f"/programmes/{programme.pk}/waiting/{entry.pk}/place/", {"cohort": cohort.pk}
    )
    assert response.status_code == 302
    assert Place.objects.filter(cohort=cohort, participant=entrepreneur).exists()


def test_unknown_and_huge_ids_are_404(client, outsider):
    _login(client, outsider)
    for url in (
        "/programmes/999999/",
        f"/programmes/{2**70}/",
        "/programmes/cohorts/999999/",
        "/programmes/cohorts/1/survey/nonsense/",
    ):
        assert client.get(url).status_code == 404, url


def test_cohort_page_has_bounded_queries(
    client, lead, cohort, django_assert_max_num_queries
):
    for i in range(8):
        person = make_person(f"q{i}@example.org", f"Q {i}")
        services.add_place(cohort, participant=person, by=lead)
    _login(client, lead)
    with django_assert_max_num_queries(40):
        assert client.get(f"/programmes/cohorts/{cohort.pk}/").status_code == 200
    with django_assert_max_num_queries(40):
        assert client.get(f"/programmes/{cohort.programme_id}/").status_code == 200


def test_demo_builds_a_finished_cohort_with_figures(db):
    """The demo's finished cohort shows real figures (n ≥ 5) and its current
    cohort has room for the founder."""
    import random

    from kindred.directory.models import Service
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.programmes import demo, selectors

    mindful = Organisation.objects.create(
        name="Mindful Founders CIC", slug="mindful", kind="charity"
    )
    people = {
        email: make_person(email, email.split("@")[0])
        for email in ["programme.lead@example.org", "founder@example.org"]
        + [f"demo{i}@example.org" for i in range(12)]
    }
    Membership.objects.create(
        organisation=mindful, user=people["programme.lead@example.org"], role=Role.ADMIN
    )
    Service.objects.create(
        organisation=mindful,
        name="Founder Wellbeing Programme",
        description="Eight weeks.",
        is_programme=True,
    )
    demo.build([mindful], people, random.Random(3))
    finished = Cohort.objects.get(status="finished")
    result = selectors.evaluation(finished)
    assert result.shown and all(r.change.n >= 5 for r in result.scales)
    current = Cohort.objects.get(status="planned")
    assert current.places.count() < current.capacity
    assert current.first_session is not None
