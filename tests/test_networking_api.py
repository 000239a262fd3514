"""The networking API: programmes, a member's choices, the own-only do-not-pair
list, introductions, time, feedback, organiser runs and aggregates."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kindred.networking import services
from kindred.networking.models import DoNotPair, Introduction, Programme, Round

from .conftest import make_person
from .test_directory_api import api_for, assert_problem


@pytest.fixture
def programme(steward):
    return services.create_programme(
        by=steward,
        name="Random coffee",
        audience=Programme.Audience.EVERYONE,
        cadence=Programme.Cadence.MONTHLY,
        next_round_on=timezone.localdate(),
    )


@pytest.fixture
def pair(db):
    return make_person("ann@example.com", "Ann"), make_person("ben@example.com", "Ben")


def test_steward_creates_a_programme_and_outsider_cannot(steward, outsider):
    payload = {
        "name": "Coffee",
        "audience": "everyone",
        "cadence": "weekly",
        "next_round_on": timezone.localdate().isoformat(),
        "favour_shared_interests": 5,
    }
    created = api_for(steward).post(
        "/api/v1/networking/programmes", payload, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["favour_shared_interests"] == 5
    refused = api_for(outsider).post(
        "/api/v1/networking/programmes", payload, format="json"
    )
    assert_problem(refused, 403)
    assert Programme.objects.count() == 1


def test_bad_programme_is_a_problem(steward):
    response = api_for(steward).post(
        "/api/v1/networking/programmes",
        {"name": "x", "cadence": "daily"},
        format="json",
    )
    assert_problem(response, 400)
    assert not Programme.objects.exists()


def test_opt_in_round_introduction_time_feedback(programme, pair, steward):
    ann, ben = pair
    for person in pair:
        response = api_for(person).patch(
            f"/api/v1/networking/programmes/{programme.pk}/me",
            {"opted_in": True, "topic_line": "Exporting"},
            format="json",
        )
        assert response.status_code == 200 and response.json()["opted_in"] is True
    run = api_for(steward).post(
        f"/api/v1/networking/programmes/{programme.pk}/rounds", {}, format="json"
    )
    assert run.status_code == 201 and run.json()["introductions"] == 1
    again = api_for(steward).post(
        f"/api/v1/networking/programmes/{programme.pk}/rounds",
        {"round_on": run.json()["round_on"]},
        format="json",
    )
    assert_problem(again, 409)
    assert Round.objects.count() == 1
    mine = api_for(ann).get("/api/v1/networking/introductions").json()
    assert [p["name"] for p in mine[0]["people"]] == ["Ben"]
    assert mine[0]["video_url"].startswith("http")
    pk = mine[0]["id"]
    when = mine[0]["suggested_times"][0]
    chosen = api_for(ann).post(
        f"/api/v1/networking/introductions/{pk}/time",
        {"starts_at": when},
        format="json",
    )
    assert chosen.json()["status"] == "scheduled"
    met = api_for(ben).post(
        f"/api/v1/networking/introductions/{pk}/feedback",
        {"did_meet": True, "rating": 4, "stay_in_touch": True},
        format="json",
    )
    assert met.json()["status"] == "met" and met.json()["rating"] == 4
    stats = api_for(steward).get(f"/api/v1/networking/programmes/{programme.pk}/stats")
    assert stats.json()["met"] == 1 and stats.json()["average_rating"] is None


def test_strangers_get_404_for_introductions_and_403_for_stats(
    programme, pair, steward, outsider
):
    for person in pair:
        services.opt_in(programme, by=person)
    round_ = services.run_round(programme, by=steward)
    intro = Introduction.objects.get(round=round_)
    assert_problem(
        api_for(outsider).get(f"/api/v1/networking/introductions/{intro.pk}"), 404
    )
    assert_problem(
        api_for(outsider).post(
            f"/api/v1/networking/introductions/{intro.pk}/feedback",
            {"did_meet": True},
            format="json",
        ),
        404,
    )
    assert_problem(
        api_for(outsider).get(f"/api/v1/networking/programmes/{programme.pk}/stats"),
        403,
    )
    assert_problem(
        api_for(outsider).post(
            f"/api/v1/networking/programmes/{programme.pk}/rounds", {}, format="json"
        ),
        403,
    )
    assert Round.objects.count() == 1


def test_do_not_pair_is_own_only_and_never_shown_to_the_other(pair):
    ann, ben = pair
    added = api_for(ann).post(
        "/api/v1/networking/do-not-pair", {"person": ben.profile.pk}, format="json"
    )
    assert added.status_code == 201
    assert (
        api_for(ann)
        .get("/api/v1/networking/do-not-pair")
        .json()["results"][0]["person"]["name"]
        == "Ben"
    )
    assert api_for(ben).get("/api/v1/networking/do-not-pair").json()["results"] == []
    assert_problem(
        api_for(ben).delete(f"/api/v1/networking/do-not-pair/{ann.profile.pk}"), 404
    )
    assert DoNotPair.objects.count() == 1
    gone = api_for(ann).delete(f"/api/v1/networking/do-not-pair/{ben.profile.pk}")
    assert gone.status_code == 204 and not DoNotPair.objects.exists()
    assert_problem(
        api_for(ann).post(
            "/api/v1/networking/do-not-pair", {"person": 999999}, format="json"
        ),
        400,
    )
