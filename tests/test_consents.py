"""The consent ledger: referral consents land in it, a person sees every consent
they gave and withdraws it, and a withdrawal stops the sharing on the next request,
through the real referral pages and API."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kindred.algorithms import referral_flow as flow
from kindred.consents import services as ledger
from kindred.consents.models import ConsentRecord
from kindred.referrals import services
from kindred.referrals.models import Consent, Referral
from tests.referral_fixtures import *  # noqa: F403
from tests.referral_fixtures import consent

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def state() -> tuple:
    return (
        list(ConsentRecord.objects.order_by("id").values_list("id", "action")),
        list(Consent.objects.order_by("id").values_list("id", "status")),
        list(Referral.objects.order_by("id").values_list("id", "status")),
    )


def test_a_recorded_consent_is_in_the_ledger(refer, entrepreneur, colleague):
    referral = refer()
    record = ConsentRecord.objects.get()
    assert record.person == entrepreneur
    assert record.action == ConsentRecord.Action.GIVEN
    assert record.organisation == referral.receiving_organisation
    assert record.scope == ["name", "email", "note"]
    assert record.method == ConsentRecord.Method.VERBAL
    assert record.recorded_by == colleague
    assert record.notice_version and record.purpose
    assert record.object_id == referral.pk


def test_consent_asked_in_kindred_is_in_the_ledger_once_given(refer, entrepreneur):
    referral = refer(consent=consent(method=Consent.Method.IN_APP, given_on=None))
    assert not ConsentRecord.objects.exists()
    services.answer_consent(referral, by=entrepreneur, give=True)
    record = ConsentRecord.objects.get()
    assert record.method == ConsentRecord.Method.ONLINE
    assert record.recorded_by is None


def test_the_ledger_is_append_only(refer):
    refer()
    record = ConsentRecord.objects.get()
    record.purpose = "Something else"
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        ConsentRecord.objects.update(purpose="Something else")
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE consents_consentrecord SET purpose = 'x' WHERE id = %s",
            [record.pk],
        )
    assert ConsentRecord.objects.get().purpose != "x"


def test_the_page_lists_every_consent_and_withdraws_one(
    client, refer, entrepreneur, receiver
):
    referral = refer()
    client.force_login(entrepreneur)
    page = client.get("/account/consents/")
    assert page.status_code == 200
    body = text(page)
    assert "Mindful Founders" in body and "Active" in body
    assert "To offer a place on the programme." in body
    record = ConsentRecord.objects.get()

    # The receiver sees the shared name before...
    client.force_login(receiver)
    assert "Erin Entrepreneur" in text(client.get(referral.get_absolute_url()))
    client.force_login(entrepreneur)
    response = client.post(f"/account/consents/{record.pk}/withdraw/")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.consent.status == Consent.Status.WITHDRAWN
    assert referral.status == flow.WITHDRAWN
    withdrawal = ConsentRecord.objects.get(action=ConsentRecord.Action.WITHDRAWN)
    assert withdrawal.given == record
    assert "Withdrawn" in text(client.get("/account/consents/"))

    # ...and not after, on the page or through the API.
    client.force_login(receiver)
    detail = client.get(referral.get_absolute_url())
    assert detail.status_code == 200
    assert "Erin Entrepreneur" not in text(detail)
    assert "erin@founder.example" not in text(detail)
    answer = api(receiver).get(f"/api/v1/referrals/{referral.pk}")
    assert answer.status_code == 200
    assert "Erin" not in answer.content.decode()
    assert "erin@founder.example" not in answer.content.decode()


def test_withdrawing_twice_says_so_and_changes_nothing(client, refer, entrepreneur):
    refer()
    record = ConsentRecord.objects.get()
    client.force_login(entrepreneur)
    client.post(f"/account/consents/{record.pk}/withdraw/")
    before = state()
    response = client.post(f"/account/consents/{record.pk}/withdraw/", follow=True)
    assert "You have already withdrawn this consent." in text(response)
    assert state() == before


def test_an_expired_consent_cannot_be_withdrawn(refer, entrepreneur):
    refer(consent=consent(expires_on=timezone.localdate() + timedelta(days=1)))
    record = ConsentRecord.objects.get()
    before = state()
    client = api(entrepreneur)
    later = timezone.now() + timedelta(days=3)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.post(f"/api/v1/consents/{record.pk}/withdraw")
        assert response.status_code == 409
        assert "nothing is shared under it any more" in response.json()["detail"]
        assert client.get("/api/v1/consents").json()["results"][0]["status"] == (
            "expired"
        )
    assert state() == before


def test_nobody_else_sees_or_withdraws_my_consents(
    client, refer, entrepreneur, colleague, receiver, outsider
):
    refer()
    record = ConsentRecord.objects.get()
    before = state()
    for person in (colleague, receiver, outsider):
        client.force_login(person)
        assert "Mindful Founders" not in text(client.get("/account/consents/"))
        assert client.post(f"/account/consents/{record.pk}/withdraw/").status_code == (
            404
        )
        answer = api(person).post(f"/api/v1/consents/{record.pk}/withdraw")
        assert answer.status_code == 404
        assert api(person).get("/api/v1/consents").json()["results"] == []
    assert state() == before
    with pytest.raises(Exception):  # noqa: B017 - the service refuses as well
        ledger.withdraw(record, by=outsider)
    assert state() == before


def test_the_api_lists_and_withdraws(refer, entrepreneur, receiver):
    referral = refer()
    client = api(entrepreneur)
    listed = client.get("/api/v1/consents")
    assert listed.status_code == 200
    (item,) = listed.json()["results"]
    assert item["status"] == "active" and item["about_type"] == "referrals.referral"
    assert item["to"]["name"] == "Mindful Founders"
    response = client.post(f"/api/v1/consents/{item['id']}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert not Referral.objects.get(pk=referral.pk).consent_valid
    again = client.post(f"/api/v1/consents/{item['id']}/withdraw")
    assert again.status_code == 409
    assert api(receiver).get(f"/api/v1/referrals/{referral.pk}").status_code == 200


def test_withdrawing_the_referral_withdraws_the_ledger_consent(refer, entrepreneur):
    referral = refer()
    services.transition(referral, by=entrepreneur, to=flow.WITHDRAWN)
    record = ConsentRecord.objects.get(action=ConsentRecord.Action.GIVEN)
    assert record.withdrawals.count() == 1


def test_the_consents_page_has_a_helpful_empty_state(client, outsider):
    client.force_login(outsider)
    assert "You have not given any consent yet." in text(
        client.get("/account/consents/")
    )


def test_the_consents_list_costs_a_fixed_number_of_queries(
    client, refer, entrepreneur, django_assert_max_num_queries
):
    for _ in range(5):
        refer()
    client.force_login(entrepreneur)
    with django_assert_max_num_queries(12):
        assert client.get("/account/consents/").status_code == 200
    with django_assert_max_num_queries(12):
        assert api(entrepreneur).get("/api/v1/consents").status_code == 200
