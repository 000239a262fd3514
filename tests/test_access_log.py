"""Access transparency: a person sees who viewed, received or sent on their
referral and programme records, and nobody sees anyone else's."""

from __future__ import annotations

import html

import pytest
from rest_framework.test import APIClient

from kindred.consents.models import AccessEntry
from tests.test_programmes_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_sending_and_viewing_a_referral_are_logged_once_an_hour(
    client, refer, entrepreneur, receiver
):
    referral = refer()
    sent = AccessEntry.objects.get(action=AccessEntry.Action.SENT)
    assert sent.person == entrepreneur and sent.object_id == referral.pk
    client.force_login(receiver)
    for _ in range(3):
        assert client.get(referral.get_absolute_url()).status_code == 200
    api(receiver).get(f"/api/v1/referrals/{referral.pk}")
    shared = AccessEntry.objects.filter(actor=receiver)
    assert shared.count() == 1
    entry = shared.get()
    assert entry.action == AccessEntry.Action.SHARED
    assert entry.organisation == referral.receiving_organisation


def test_the_person_sees_who_saw_their_records(client, refer, entrepreneur, receiver):
    referral = refer()
    client.force_login(receiver)
    client.get(referral.get_absolute_url())
    client.force_login(entrepreneur)
    client.get(referral.get_absolute_url())  # their own look is not logged
    assert not AccessEntry.objects.filter(actor=entrepreneur).exists()
    page = text(client.get("/account/consents/access/"))
    assert "Ravi Practitioner" in page and "Mindful Founders" in page
    assert "Received your shared details" in page
    answer = api(entrepreneur).get("/api/v1/consents/access-log")
    assert answer.status_code == 200
    actions = {row["action"] for row in answer.json()["results"]}
    assert {"sent", "shared"} <= actions


def test_nobody_sees_another_persons_access_log(
    client, refer, receiver, outsider, unrelated_referral
):
    referral = refer()
    client.force_login(receiver)
    client.get(referral.get_absolute_url())
    for person in (receiver, outsider):
        client.force_login(person)
        page = text(client.get("/account/consents/access/"))
        assert "Ravi Practitioner" not in page and "Hana Harbour" not in page
        assert "Nobody has looked" in page
        assert api(person).get("/api/v1/consents/access-log").json()["results"] == []


def test_the_access_page_costs_a_fixed_number_of_queries(
    client, refer, entrepreneur, receiver, django_assert_max_num_queries
):
    client.force_login(receiver)
    for _ in range(4):
        client.get(refer().get_absolute_url())
    client.force_login(entrepreneur)
    with django_assert_max_num_queries(10):
        assert client.get("/account/consents/access/").status_code == 200
    with django_assert_max_num_queries(10):
        assert api(entrepreneur).get("/api/v1/consents/access-log").status_code == 200


@pytest.fixture
def placed(programme, lead, entrepreneur):
    from kindred.programmes import services
    from tests.test_programmes_fixtures import make_cohort

    cohort = make_cohort(programme, lead)
    services.add_place(cohort, participant=entrepreneur, by=lead)
    return cohort


def test_staff_seeing_a_cohorts_places_is_logged(
    client, placed, lead, entrepreneur, outsider
):
    client.force_login(lead)
    assert client.get(placed.get_absolute_url()).status_code == 200
    api(lead).get(f"/api/v1/programmes/cohorts/{placed.pk}/places")
    entry = AccessEntry.objects.get(kind=AccessEntry.Kind.PROGRAMME)
    assert entry.person == entrepreneur and entry.actor == lead
    assert entry.organisation == placed.programme.service.organisation
    client.force_login(entrepreneur)
    mine = text(client.get("/account/consents/access/"))
    assert "Founder wellbeing programme" in mine
    client.force_login(outsider)
    assert "Founder wellbeing programme" not in text(
        client.get("/account/consents/access/")
    )
