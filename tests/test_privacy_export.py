"""Export: one click downloads a person's data; nobody else's; audited; limited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from kindred.core.models import AuditEntry
from kindred.privacy import services


def test_member_downloads_their_data(client, owner):
    client.force_login(owner)
    page = client.get(reverse("privacy:index"))
    assert page.status_code == 200
    assert "Download all my data" in page.content.decode()
    response = client.post(reverse("privacy:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["person"] == owner.pk
    records = data["providers"]["accounts.account"]["records"]
    assert records["account"]["email"] == "owner@example.com"
    assert AuditEntry.objects.filter(
        action="privacy.exported", actor=owner, object_id=str(owner.pk)
    ).exists()


def test_anonymous_cannot_download(client):
    response = client.post(reverse("privacy:export"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_member_cannot_export_someone_else(client, outsider, colleague):
    """Only stewards reach another person's export; others get 404."""
    client.force_login(outsider)
    url = reverse("privacy:subject_export", args=[colleague.pk])
    assert client.post(url).status_code == 404
    assert not AuditEntry.objects.filter(action="privacy.exported").exists()


def test_steward_exports_a_subject(client, steward, colleague):
    client.force_login(steward)
    response = client.post(reverse("privacy:subject_export", args=[colleague.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["person"] == colleague.pk


def test_export_service_refuses_others(owner, colleague):
    from kindred.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.export_data(colleague, by=owner)


def test_exports_are_rate_limited(client, owner):
    client.force_login(owner)
    for _ in range(services.EXPORTS_PER_HOUR):
        assert client.post(reverse("privacy:export")).status_code == 200
    response = client.post(reverse("privacy:export"))
    assert response.status_code == 302  # back to Your data with a message
    with pytest.raises(services.TooManyExports):
        services.export_data(owner, by=owner)


# --- API ---------------------------------------------------------------------------


def _bearer(user) -> dict[str, str]:
    from kindred.accounts.models import ApiToken

    raw, prefix, key_hash = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", prefix=prefix, key_hash=key_hash)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_export_is_the_callers_own(client, owner):
    response = client.get("/api/v1/privacy/export", **_bearer(owner))
    assert response.status_code == 200
    data = response.json()
    assert data["person"] == owner.pk
    assert "accounts.account" in data["providers"]


def test_api_export_needs_authentication(client):
    response = client.get("/api/v1/privacy/export")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/problem+json")


def test_api_export_rate_limited_as_problem(client, owner):
    headers = _bearer(owner)
    for _ in range(services.EXPORTS_PER_HOUR):
        client.get("/api/v1/privacy/export", **headers)
    response = client.get("/api/v1/privacy/export", **headers)
    assert response.status_code == 429
    assert response.json()["type"].endswith("too_many_exports")
