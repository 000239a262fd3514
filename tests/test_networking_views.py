"""Networking pages: opt in, snooze, topic line, the private list, the
introduction page with time and feedback, organiser pages, privacy and the demo."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from kindred.networking import services
from kindred.networking.models import (
    DoNotPair,
    Introduction,
    Participation,
    Programme,
    Round,
)
from kindred.organisations.models import Membership, Organisation, Role

from .conftest import make_person


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
def ann(db):
    return make_person("ann@example.com", "Ann Archer")


@pytest.fixture
def ben(db):
    return make_person("ben@example.com", "Ben Baker")


def test_member_opts_in_snoozes_and_sets_a_line(client, programme, ann):
    client.force_login(ann)
    page = client.get(f"/networking/{programme.pk}/")
    assert page.status_code == 200 and "Opt in" in page.content.decode()
    client.post(f"/networking/{programme.pk}/join/")
    assert Participation.objects.get(user=ann).opted_in
    client.post(f"/networking/{programme.pk}/snooze/")
    assert (
        Participation.objects.get(user=ann).snoozed_round_on == programme.next_round_on
    )
    client.post(f"/networking/{programme.pk}/topic/", {"topic_line": "Grants"})
    assert Participation.objects.get(user=ann).topic_line == "Grants"
    client.post(f"/networking/{programme.pk}/leave/")
    assert not Participation.objects.get(user=ann).opted_in


def test_index_lists_programmes_with_few_queries(
    client, programme, ann, django_assert_max_num_queries
):
    client.force_login(ann)
    with django_assert_max_num_queries(20):
        page = client.get("/networking/")
    assert page.status_code == 200 and "Random coffee" in page.content.decode()


def test_introduction_page_time_feedback_and_calendar(
    client, programme, ann, ben, steward
):
    for person in (ann, ben):
        services.opt_in(programme, by=person)
    round_ = services.run_round(programme, by=steward)
    intro = round_.introductions.get()
    client.force_login(ann)
    page = client.get(f"/networking/introductions/{intro.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "Ben Baker" in body and "video room" in body
    client.post(
        f"/networking/introductions/{intro.pk}/time/",
        {"suggested": intro.suggested_times[0]},
    )
    intro.refresh_from_db()
    assert intro.status == Introduction.Status.SCHEDULED
    ics = client.get(f"/networking/introductions/{intro.pk}/calendar.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content
    client.post(
        f"/networking/introductions/{intro.pk}/feedback/",
        {"did_meet": "yes", "rating": "5", "stay_in_touch": "on"},
    )
    intro.refresh_from_db()
    assert intro.status == Introduction.Status.MET


def test_outsider_sees_nothing_of_an_introduction_or_organiser_pages(
    client, programme, ann, ben, outsider, steward
):
    for person in (ann, ben):
        services.opt_in(programme, by=person)
    intro = services.run_round(programme, by=steward).introductions.get()
    client.force_login(outsider)
    assert client.get(f"/networking/introductions/{intro.pk}/").status_code == 404
    assert (
        client.post(
            f"/networking/introductions/{intro.pk}/feedback/", {"did_meet": "yes"}
        ).status_code
        == 404
    )
    assert client.get(f"/networking/{programme.pk}/stats/").status_code == 404
    assert client.post(f"/networking/{programme.pk}/run/").status_code == 403
    intro.refresh_from_db()
    assert intro.status == Introduction.Status.MATCHED
    assert Round.objects.count() == 1


def test_do_not_pair_list_is_private_on_every_page(
    client, programme, ann, ben, steward
):
    for person in (ann, ben):
        services.opt_in(programme, by=person)
    client.force_login(ann)
    response = client.post("/networking/do-not-pair/", {"other": ben.pk})
    assert response.status_code == 302
    assert DoNotPair.objects.filter(owner=ann, other=ben).exists()
    client.force_login(ben)
    for url in ("/networking/", f"/networking/{programme.pk}/"):
        assert "Ann Archer" not in client.get(url).content.decode()
    own = client.get("/networking/do-not-pair/").content.decode()
    assert "Your list is empty." in own and "Remove Ann Archer" not in own
    round_ = services.run_round(programme, by=steward)
    assert round_.introductions.count() == 0
    notes = client.get("/notifications/")
    assert "Ann Archer" not in notes.content.decode()


def test_organiser_runs_a_round_and_sees_aggregates(
    client, programme, ann, ben, steward
):
    for person in (ann, ben):
        services.opt_in(programme, by=person)
    client.force_login(steward)
    client.post(f"/networking/{programme.pk}/run/")
    assert Round.objects.count() == 1
    again = client.post(f"/networking/{programme.pk}/run/", follow=True)
    assert "already run" in again.content.decode()
    assert Round.objects.count() == 1
    stats = client.get(f"/networking/{programme.pk}/stats/")
    assert stats.status_code == 200 and "Share that met" in stats.content.decode()


def test_steward_creates_a_programme_and_bad_input_is_refused(
    client, steward, outsider
):
    client.force_login(steward)
    data = {
        "name": "Coffee",
        "audience": "everyone",
        "cadence": "weekly",
        "next_round_on": timezone.localdate().isoformat(),
        "size": "pairs",
        "favour_different_organisations": 3,
        "favour_different_sectors": 1,
        "favour_shared_interests": 2,
        "favour_newcomers": 1,
        "repeat_block_rounds": 3,
    }
    assert client.post("/networking/new/", data).status_code == 302
    bad = client.post("/networking/new/", {**data, "favour_newcomers": 99})
    assert bad.status_code == 400
    grouped = client.post("/networking/new/", {**data, "audience": "group"})
    assert grouped.status_code == 400
    assert Programme.objects.count() == 1
    client.force_login(outsider)
    assert client.get("/networking/new/").status_code == 404


def test_demo_has_a_past_round_where_the_founder_met_across_organisations(db):
    from kindred.networking import demo, selectors

    people = {
        email: make_person(email, email.split("@")[0])
        for email in [
            "steward@example.org",
            "founder@example.org",
            "mentor@example.org",
        ]
        + [f"demo{i}@example.org" for i in range(9)]
    }
    people["steward@example.org"].is_steward = True
    people["steward@example.org"].save()
    orgs = []
    for i, user in enumerate(people.values()):
        org = Organisation.objects.create(
            name=f"Org {i}", slug=f"org-{i}", kind="business"
        )
        Membership.objects.create(organisation=org, user=user, role=Role.MEMBER)
        orgs.append(org)
    demo.build(orgs, people, random.Random(4))
    programme = Programme.objects.get(name="Northshire random coffee")
    assert programme.next_round_on > timezone.localdate()
    assert programme.rounds.count() == 1
    founder = people["founder@example.org"]
    intro = Introduction.objects.get(members__user=founder)
    assert intro.status == Introduction.Status.MET
    assert intro.features["different_organisations"]
    statuses = set(Introduction.objects.values_list("status", flat=True))
    assert len(statuses) >= 3
    assert any(founder.pk in (a, b) for a, b, _ in selectors.met_ties())
