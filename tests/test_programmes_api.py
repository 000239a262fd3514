"""The programmes API: happy paths, refusals as problem+json, own answers only,
aggregates only for the lead, nothing below five, and the CSV export."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kindred.programmes import services
from kindred.programmes.models import Cohort, Instrument, Place, Programme, Response
from tests.test_directory_api import api_for, assert_problem
from tests.test_programmes_fixtures import *  # noqa: F403
from tests.test_programmes_fixtures import answers_for


def _open(window):
    today = timezone.localdate()
    window.opens_on = today - timedelta(days=1)
    window.closes_on = today + timedelta(days=1)
    window.save()


def _answered(cohort, lead, people, count):
    _open(cohort.windows.get(kind="entry"))
    _open(cohort.windows.get(kind="exit"))
    windows = {w.kind: w for w in cohort.windows.all()}
    for i, person in enumerate(people):
        services.add_place(cohort, participant=person, by=lead)
        if i >= count:
            continue
        services.submit_response(
            windows["entry"],
            by=person,
            answers=answers_for(cohort.instrument, [2, 4, 2 + i % 2, 6, 50, "secret"]),
        )
        services.submit_response(
            windows["exit"],
            by=person,
            answers=answers_for(cohort.instrument, [4, 2, 3 + i % 3, 3 + i % 2, 40]),
        )


def test_programme_created_once_through_the_api(
    wellbeing_service, receiver_admin, lead
):
    wellbeing_service.is_programme = True
    wellbeing_service.save()
    api = api_for(receiver_admin)
    payload = {"service": wellbeing_service.pk, "lead": lead.profile.pk}
    headers = {"HTTP_IDEMPOTENCY_KEY": "programme-1"}
    first = api.post("/api/v1/programmes", payload, format="json", **headers)
    second = api.post("/api/v1/programmes", payload, format="json", **headers)
    assert first.status_code == 201, first.content
    assert first.json() == second.json()
    assert first.json()["lead"]["id"] == lead.profile.pk
    assert Programme.objects.count() == 1
    listed = api.get("/api/v1/programmes").json()
    assert [p["id"] for p in listed["results"]] == [first.json()["id"]]


def test_outsider_cannot_create_a_programme(wellbeing_service, outsider):
    wellbeing_service.is_programme = True
    wellbeing_service.save()
    response = api_for(outsider).post(
        "/api/v1/programmes",
        {"service": wellbeing_service.pk, "lead": outsider.profile.pk},
        format="json",
    )
    assert_problem(response, 403)
    assert not Programme.objects.exists()


def test_lead_builds_a_survey_and_plans_a_cohort(programme, lead):
    api = api_for(lead)
    survey = api.post(
        f"/api/v1/programmes/{programme.pk}/instruments",
        {
            "name": "Calm",
            "scales": [{"name": "Calm"}],
            "items": [
                {"text": "I am calm.", "kind": "likert5", "scale": 0},
                {"text": "I am tense.", "kind": "likert5", "scale": 0, "reverse": True},
            ],
        },
        format="json",
    )
    assert survey.status_code == 201, survey.content
    assert survey.json()["items"][1]["reverse"] is True
    today = timezone.localdate()
    start = timezone.now() + timedelta(days=10)
    cohort = api.post(
        f"/api/v1/programmes/{programme.pk}/cohorts",
        {
            "name": "Winter",
            "starts_on": (today + timedelta(days=10)).isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(),
            "capacity": 10,
            "instrument": survey.json()["id"],
            "sessions": {"first_starts_at": start.isoformat(), "weeks": 4},
        },
        format="json",
    )
    assert cohort.status_code == 201, cohort.content
    body = cohort.json()
    assert body["group"] and body["first_session"]
    assert {w["kind"] for w in body["windows"]} == {"entry", "exit"}


def test_bad_survey_names_the_field(programme, lead):
    response = api_for(lead).post(
        f"/api/v1/programmes/{programme.pk}/instruments",
        {"name": "X", "items": [{"text": "Hours", "kind": "number"}]},
        format="json",
    )
    assert_problem(response, 400)
    assert not Instrument.objects.exists()


def test_bad_cohort_dates_are_refused(programme, lead):
    today = timezone.localdate()
    response = api_for(lead).post(
        f"/api/v1/programmes/{programme.pk}/cohorts",
        {
            "name": "Backwards",
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=3)).isoformat(),
            "capacity": 5,
        },
        format="json",
    )
    assert_problem(response, 400, "ends_on")
    assert not Cohort.objects.exists()


def test_places_and_refusals(cohort, lead, entrepreneur, outsider):
    api = api_for(lead)
    url = f"/api/v1/programmes/cohorts/{cohort.pk}/places"
    added = api.post(url, {"participant": entrepreneur.profile.pk}, format="json")
    assert added.status_code == 201, added.content
    assert_problem(
        api_for(outsider).post(
            url, {"participant": outsider.profile.pk}, format="json"
        ),
        404,
    )
    assert_problem(
        api_for(outsider).get(f"/api/v1/programmes/cohorts/{cohort.pk}"), 404
    )
    mine = api_for(entrepreneur).get("/api/v1/programmes/mine").json()
    assert mine["results"][0]["cohort"]["id"] == cohort.pk
    # A participant sees only their own place and may not add anyone.
    assert_problem(
        api_for(entrepreneur).post(
            url, {"participant": outsider.profile.pk}, format="json"
        ),
        403,
    )
    own = api_for(entrepreneur).get(url).json()["results"]
    assert [p["participant"]["id"] for p in own] == [entrepreneur.profile.pk]
    assert Place.objects.count() == 1


def test_participant_answers_and_reads_only_their_own(cohort, lead, entrepreneur):
    services.add_place(cohort, participant=entrepreneur, by=lead)
    api = api_for(entrepreneur)
    survey = api.get(f"/api/v1/programmes/cohorts/{cohort.pk}/survey").json()
    items = [i["id"] for i in survey["items"]]
    url = f"/api/v1/programmes/cohorts/{cohort.pk}/responses/entry"
    assert_problem(api.get(url), 404)
    bad = api.put(
        url,
        {"answers": [{"item": items[0], "value": "9"}]},
        format="json",
    )
    body = assert_problem(bad, 400)
    assert f"item_{items[0]}" in body["errors"] and f"item_{items[3]}" in body["errors"]
    assert not Response.objects.exists()
    good = api.put(
        url,
        {
            "answers": [
                {"item": items[0], "value": "4"},
                {"item": items[3], "value": "6"},
                {"item": items[5], "value": "Quiet week"},
            ]
        },
        format="json",
    )
    assert good.status_code == 200, good.content
    assert {a["value"] for a in good.json()["answers"]} == {"4", "6", "Quiet week"}
    # The lead has no place and so no answers to read.
    assert_problem(api_for(lead).get(url), 404)


def test_evaluation_is_for_the_lead_and_aggregates_only(
    cohort, lead, participants, entrepreneur
):
    _answered(cohort, lead, participants, count=6)
    response = api_for(lead).get(f"/api/v1/programmes/cohorts/{cohort.pk}/evaluation")
    assert response.status_code == 200
    body = response.json()
    assert body["scales"][0]["shown"] is True and body["scales"][0]["n"] == 6
    assert "secret" not in response.content.decode()
    assert_problem(
        api_for(participants[0]).get(
            f"/api/v1/programmes/cohorts/{cohort.pk}/evaluation"
        ),
        404,
    )
    assert_problem(
        api_for(entrepreneur).get(f"/api/v1/programmes/cohorts/{cohort.pk}/evaluation"),
        404,
    )


def test_evaluation_below_five_shows_no_figures(cohort, lead, participants):
    _answered(cohort, lead, participants[:5], count=4)
    body = (
        api_for(lead).get(f"/api/v1/programmes/cohorts/{cohort.pk}/evaluation").json()
    )
    for scale in body["scales"]:
        assert scale["shown"] is False and scale["mean_change"] is None
        assert scale["notes"] == ["too_few"]


def test_export_csv(cohort, lead, participants, outsider):
    _answered(cohort, lead, participants, count=5)
    response = api_for(lead).get(
        f"/api/v1/programmes/cohorts/{cohort.pk}/export", HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("participant,cohort,window")
    assert "secret" not in text and "@" not in text
    assert_problem(
        api_for(outsider).get(f"/api/v1/programmes/cohorts/{cohort.pk}/export"), 404
    )


def test_export_below_five_is_a_409_problem(cohort, lead, participants):
    _answered(cohort, lead, participants[:6], count=4)
    for accept in ("text/csv", "application/json"):
        response = api_for(lead).get(
            f"/api/v1/programmes/cohorts/{cohort.pk}/export", HTTP_ACCEPT=accept
        )
        body = assert_problem(response, 409)
        assert body["type"].endswith("/too_few_answers")
        assert "Fewer than 5 people" in body["detail"]
        assert "secret" not in response.content.decode()


def test_evaluation_counts_below_five_are_null(cohort, lead, participants):
    _answered(cohort, lead, participants[:6], count=4)
    body = (
        api_for(lead).get(f"/api/v1/programmes/cohorts/{cohort.pk}/evaluation").json()
    )
    assert body["enrolled"] == 6
    for window in body["completion"]:
        assert window["shown"] is False and window["answered"] is None
    for scale in body["scales"]:
        assert scale["n"] is None and scale["completion_rate"] is None


def test_evaluation_counts_from_five_are_shown(cohort, lead, participants):
    _answered(cohort, lead, participants[:6], count=5)
    body = (
        api_for(lead).get(f"/api/v1/programmes/cohorts/{cohort.pk}/evaluation").json()
    )
    assert [(w["shown"], w["answered"]) for w in body["completion"]] == [
        (True, 5),
        (True, 5),
    ]
    assert body["scales"][0]["n"] == 5


def test_waiting_list_and_placing(programme, lead, entrepreneur, outsider):
    from kindred.programmes.models import WaitingEntry
    from tests.test_programmes_fixtures import make_cohort

    entry = WaitingEntry.objects.create(programme=programme, person=entrepreneur)
    cohort = make_cohort(programme, lead)
    api = api_for(lead)
    listed = api.get(f"/api/v1/programmes/{programme.pk}/waiting").json()
    assert [e["id"] for e in listed["results"]] == [entry.pk]
    assert_problem(
        api_for(outsider).get(f"/api/v1/programmes/{programme.pk}/waiting"), 404
    )
    placed = api.post(
        f"/api/v1/programmes/{programme.pk}/waiting/{entry.pk}/place",
        {"cohort": cohort.pk},
        format="json",
    )
    assert placed.status_code == 201, placed.content
    assert Place.objects.filter(participant=entrepreneur, cohort=cohort).exists()


def test_huge_ids_are_404(outsider):
    api = api_for(outsider)
    for url in (
        f"/api/v1/programmes/{2**63}",
        "/api/v1/programmes/cohorts/999999",
        "/api/v1/programmes/cohorts/1/responses/entry",
    ):
        assert api.get(url).status_code == 404, url
