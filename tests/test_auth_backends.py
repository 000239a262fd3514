"""The authentication backends load the person's profile with the person."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kindred.accounts.models import Profile, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> User:
    user = User.objects.create_user(email="pat@example.org", password="x" * 12)
    Profile.objects.get_or_create(
        user=user, defaults={"display_name": "Pat", "time_zone": "Europe/Paris"}
    )
    return user


def _profile_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "accounts_profile"' in q["sql"]
    ]


def test_a_signed_in_request_loads_the_profile_with_the_user(client, person):
    """The time-zone middleware reads the profile without a query of its own."""
    client.force_login(person)
    assert _profile_queries(client) == []


def test_without_the_kindred_backend_the_profile_costs_a_query(
    client, person, settings
):
    """The check above can fail: Django's own backend loads the profile apart."""
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    client.force_login(person)
    assert len(_profile_queries(client)) == 1


def test_an_inactive_person_is_signed_out(client, person):
    client.force_login(person)
    User.objects.filter(pk=person.pk).update(is_active=False)
    response = client.get("/account/profile/")
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_a_deleted_person_is_signed_out(client, person):
    client.force_login(person)
    person.delete()
    response = client.get("/account/profile/")
    assert response.status_code == 302
