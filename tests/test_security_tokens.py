"""API tokens: at least 128 random bits, stored only as a hash, always expiring,
revocable, and never accepted in a query string."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kindred.accounts import services
from kindred.accounts.models import TOKEN_PREFIX, ApiToken
from kindred.accounts.services import ProfileError
from tests.conftest import PASSWORD

ME = "/api/v1/me"


def api(raw: str | None = None) -> APIClient:
    client = APIClient()
    if raw:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_token_carries_at_least_128_random_bits():
    raws = [ApiToken.generate()[0] for _ in range(2000)]
    assert len(set(raws)) == len(raws)
    for raw in raws[:50]:
        assert raw.startswith(TOKEN_PREFIX)
        secret = raw[len(TOKEN_PREFIX) :]
        random_bytes = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
        assert len(random_bytes) * 8 >= 128
    # Every bit of the 256 varies across tokens: random, not padding or a counter.
    decoded = [
        int.from_bytes(base64.urlsafe_b64decode(raw[len(TOKEN_PREFIX) :] + "="))
        for raw in raws
    ]
    ones = [sum((value >> bit) & 1 for value in decoded) for bit in range(256)]
    assert all(700 < count < 1300 for count in ones)  # about half of 2000 each


@pytest.mark.django_db
def test_the_raw_token_is_nowhere_in_the_database(owner):
    token, raw = services.create_api_token(by=owner, name="CRM")
    assert token.key_hash != raw and len(token.key_hash) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    assert raw not in stored and raw[len(TOKEN_PREFIX) :] not in stored
    assert ApiToken.find_active(raw) == token


@pytest.mark.django_db
def test_a_token_without_a_date_expires_after_the_default(owner, settings):
    settings.KINDRED_API_TOKEN_DEFAULT_DAYS = 90
    token, _raw = services.create_api_token(by=owner, name="CRM")
    expected = timezone.now() + timedelta(days=90)
    assert abs((token.expires_at - expected).total_seconds()) < 60


@pytest.mark.django_db
def test_a_token_cannot_outlive_the_maximum(owner, settings):
    settings.KINDRED_API_TOKEN_MAX_DAYS = 365
    with pytest.raises(ProfileError, match="at most 365 days"):
        services.create_api_token(
            by=owner, name="Forever", expires_at=timezone.now() + timedelta(days=366)
        )
    assert not ApiToken.objects.filter(user=owner).exists()
    token, _raw = services.create_api_token(
        by=owner, name="A year", expires_at=timezone.now() + timedelta(days=364)
    )
    assert token.pk


@pytest.mark.django_db
def test_the_api_refuses_a_token_longer_than_the_maximum(owner, settings):
    settings.KINDRED_API_TOKEN_MAX_DAYS = 30  # shorter than the default: 30 days
    _token, raw = services.create_api_token(by=owner, name="Admin")
    later = (timezone.now() + timedelta(days=31)).isoformat()
    # Tokens are created from a session that has just confirmed its password.
    browser = APIClient()
    browser.force_login(owner)
    browser.post(
        reverse("account_reauthenticate"), {"password": PASSWORD}, format="multipart"
    )
    response = browser.post(
        "/api/v1/tokens", {"name": "Long", "expires_at": later}, format="json"
    )
    assert response.status_code == 400
    assert "at most 30 days" in response.json()["detail"]
    assert not ApiToken.objects.filter(name="Long").exists()
    assert _token.expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.django_db
def test_an_expired_token_is_refused(owner):
    token, raw = services.create_api_token(by=owner, name="CRM")
    assert api(raw).get(ME).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = api(raw).get(ME)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.django_db
def test_a_revoked_token_is_refused_at_once(owner):
    token, raw = services.create_api_token(by=owner, name="CRM")
    assert api(raw).get(ME).status_code == 200
    services.revoke_api_token(token, by=owner)
    assert api(raw).get(ME).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["token", "access_token", "key", "api_key"])
def test_a_valid_token_in_the_query_string_is_refused(owner, name):
    _token, raw = services.create_api_token(by=owner, name="CRM")
    response = api().get(ME, {name: raw})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert "Authorization: Bearer" in problem["detail"]
    assert raw not in response.content.decode()


@pytest.mark.django_db
def test_a_query_string_token_is_refused_even_beside_a_good_header(owner):
    _token, raw = services.create_api_token(by=owner, name="CRM")
    response = api(raw).get(ME, {"access_token": raw})
    assert response.status_code == 401
    assert api(raw).get(ME).status_code == 200  # the header alone works


@pytest.mark.django_db
def test_a_session_request_with_a_token_parameter_is_refused_too(client, owner):
    _token, raw = services.create_api_token(by=owner, name="CRM")
    client.force_login(owner)
    assert client.get(ME).status_code == 200
    assert client.get(ME, {"token": raw}).status_code == 401
