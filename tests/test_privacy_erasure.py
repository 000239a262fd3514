"""Erasure: a person deletes their account (or a steward answers their request);
their name and email appear nowhere afterwards — not in any table, not in the
media folder — while counts survive and other people's data is untouched."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from kindred.accounts.models import ApiToken, User
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.models import AuditEntry
from kindred.notifications.models import Notification
from kindred.privacy import services
from tests.conftest import PASSWORD, make_person

NAME = "Zebediah Quillfeather"
EMAIL = "zeb.quill@example.net"

# One PNG pixel.
PIXEL = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _counts() -> dict[str, int]:
    from kindred.insights.models import Insight
    from kindred.peerhelp.models import Ask, Response, Thanks
    from kindred.referrals.models import Referral

    return {
        "referrals": Referral.objects.count(),
        "asks": Ask.objects.count(),
        "responses": Response.objects.count(),
        "thanks": Thanks.objects.count(),
        "insights": Insight.objects.count(),
        "users": User.objects.count(),
    }


def _dump_everything() -> str:
    """dumpdata of every app plus every row of every table, read raw."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out, indent=0)
    text = [out.getvalue()]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names
            text.append(repr(cursor.fetchall()))
    return "\n".join(text)


def _media_text(root: Path) -> str:
    parts = []
    for path in root.rglob("*"):
        parts.append(str(path))
        if path.is_file():
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def seeded(db, media):
    """The demo ecosystem, with the founder renamed to a name found nowhere else
    and given a photo, a session, a token and mentions in others' texts."""
    call_command("demo", scale=12, seed=3, stdout=io.StringIO())
    person = User.objects.get(email="founder@example.org")
    person.email = EMAIL
    person.set_password(PASSWORD)
    person.save()
    person.emailaddress_set.update(email=EMAIL)
    profile = person.profile
    profile.display_name = NAME
    profile.photo.save("zeb.png", SimpleUploadedFile("zeb.png", PIXEL), save=True)
    ApiToken.objects.create(user=person, name="laptop", prefix="abc", key_hash="x")
    other = User.objects.get(email="adviser@example.org")
    Notification.objects.create(
        recipient=other, kind="test", message=f"{NAME} ({EMAIL}) asked for help"
    )
    return person


def _sign_in_session(client, person) -> str:
    client.force_login(person)
    return client.session.session_key


@pytest.mark.django_db(transaction=False)
def test_erased_person_appears_nowhere(
    seeded, media, client, django_capture_on_commit_callbacks
):
    """After deleting their account, the person's name and email are in no table,
    no dump and no file; counts are unchanged; another person's data is intact."""
    person = seeded
    session_key = _sign_in_session(client, person)
    photo = Path(person.profile.photo.path)
    assert photo.exists()
    before = _counts()
    before_dump = _dump_everything()
    assert NAME in before_dump and EMAIL in before_dump  # the test can fail
    other = User.objects.get(email="adviser@example.org")
    other_name = other.profile.display_name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:delete"), {"password": PASSWORD})
    assert response.status_code == 302

    dump = _dump_everything()
    assert dump.lower().count(NAME.lower()) == 0
    assert dump.lower().count(EMAIL.lower()) == 0
    files = _media_text(media)
    assert NAME.lower() not in files.lower() and EMAIL not in files
    assert not photo.exists()
    assert _counts() == before
    person.refresh_from_db()
    assert person.profile.display_name == "Former member"
    assert not person.is_active and not person.has_usable_password()
    assert person.email.endswith("@erased.invalid")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not ApiToken.objects.filter(user=person).exists()
    assert not Notification.objects.filter(recipient=person).exists()
    other.refresh_from_db()
    assert other.profile.display_name == other_name
    assert other.email == "adviser@example.org" and other.is_active
    assert Notification.objects.filter(recipient=other, kind="test").exists()
    entry = AuditEntry.objects.filter(action="privacy.erased").get()
    assert entry.object_id == str(person.pk)
    assert NAME not in json.dumps(entry.detail) and EMAIL not in json.dumps(
        entry.detail
    )


def test_wrong_password_changes_nothing(client, owner):
    """A wrong password is refused with a clear message; the account stays."""
    client.force_login(owner)
    response = client.post(reverse("privacy:delete"), {"password": "not-it"})
    assert response.status_code == 400
    assert "not your password" in response.content.decode()
    owner.refresh_from_db()
    assert owner.is_active and owner.email == "owner@example.com"
    assert owner.profile.display_name == "Olive Owner"
    assert not AuditEntry.objects.filter(action="privacy.erased").exists()


def test_delete_requires_sign_in_and_post(client):
    response = client.post(reverse("privacy:delete"), {"password": PASSWORD})
    assert response.status_code == 302 and "login" in response["Location"]


def test_steward_erases_a_subject(client, steward, colleague):
    """A steward answers an erasure request after typing the address again."""
    client.force_login(steward)
    url = reverse("privacy:subject_erase", args=[colleague.pk])
    response = client.post(url, {"confirm_email": "wrong@example.com"})
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_active  # not confirmed: nothing changed
    client.post(url, {"confirm_email": "colleague@example.com"})
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert colleague.profile.display_name == "Former member"
    entry = AuditEntry.objects.get(action="privacy.erased")
    assert entry.actor == steward and entry.detail["by_steward"] is True


def test_only_stewards_answer_subject_requests(client, owner, colleague):
    """Anyone else gets 404 from the subject-request pages; nothing changes."""
    client.force_login(owner)
    assert client.get(reverse("privacy:requests")).status_code == 404
    url = reverse("privacy:subject_erase", args=[colleague.pk])
    assert client.post(url, {"confirm_email": colleague.email}).status_code == 404
    url = reverse("privacy:subject_export", args=[colleague.pk])
    assert client.post(url).status_code == 404
    colleague.refresh_from_db()
    assert colleague.is_active


def test_erase_subject_service_refuses_non_stewards(owner, colleague):
    with pytest.raises(NotAllowed):
        services.erase_subject(colleague, by=owner, confirm_email=colleague.email)
    with pytest.raises(KindredError):
        services.delete_own_account(owner, password="")
    colleague.refresh_from_db()
    assert colleague.is_active


def test_steward_finds_a_person(client, steward, colleague):
    client.force_login(steward)
    response = client.get(reverse("privacy:requests"), {"q": "colleague@example.com"})
    assert response.status_code == 200
    assert "Colin Colleague" in response.content.decode()


def test_erasure_deletes_uploaded_library_file(media, owner, colleague):
    """A file a person uploaded to a group library is gone from storage."""
    from django.core.files.storage import storages

    from kindred.communities.models import Group, Resource

    group = Group.objects.create(name="Makers", slug="makers", created_by=owner)
    name = storages["private"].save("library/x.txt", io.BytesIO(b"hello"))
    Resource.objects.create(
        group=group, kind="file", title="Notes", file_name=name, added_by=colleague
    )
    path = Path(storages["private"].path(name))
    assert path.exists()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.erase_subject(
            colleague,
            by=make_person("s2@example.com", "Sam Steward", steward=True),
            confirm_email=colleague.email,
        )
    assert not path.exists()
    assert not Resource.objects.filter(added_by=colleague).exists()
