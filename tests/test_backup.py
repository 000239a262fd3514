"""`kindred backup` and `kindred restore`: an archive of the database and the
uploaded files restores into an empty instance where people can still sign in,
and a missing, damaged or foreign archive changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import CommandError, call_command
from django.db import connection

from kindred.core import backup
from tests.conftest import PASSWORD
from tests.referral_fixtures import *  # noqa: F403

ROOT = Path(__file__).resolve().parent.parent
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LIBRARY_FILE = b"%PDF-1.4 minutes of the founders' circle\n"


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.fixture
def file_roots(settings, tmp_path):
    """Uploaded files of the instance under test live in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    stores = dict(settings.STORAGES)
    stores["private"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
    }
    settings.STORAGES = stores
    return tmp_path


@pytest.fixture
def vocabularies(db):
    """Transactional tests empty every table when they end: seed the vocabularies."""
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic

    vocabulary.seed(Topic, Region, Sector)


@pytest.fixture
def seeded(vocabularies, file_roots, refer, receiver, entrepreneur):
    """A referral with a thread, and an uploaded photo and library file."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from kindred.referrals import services

    # Tests hash with MD5 for speed; the restored instance runs production
    # settings, so give the person a password hash those settings accept.
    hasher = PBKDF2PasswordHasher()
    entrepreneur.password = hasher.encode(PASSWORD, hasher.salt())
    entrepreneur.save(update_fields=["password"])
    referral = refer()
    services.post_message(referral, by=receiver, body="Welcome, Erin: Tuesday at ten?")
    photo = default_storage.save("photos/erin.png", ContentFile(PHOTO))
    library = storages["private"].save("library/minutes.pdf", ContentFile(LIBRARY_FILE))
    return {"referral": referral, "photo": photo, "library": library}


def run_kindred(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kindred.cli", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


INSPECT = """
import json, django
django.setup()
from django.contrib.auth import authenticate
from django.core.files.storage import default_storage, storages
from django.db import connection
from kindred.referrals.models import Referral

with connection.cursor() as cursor:
    counts = {}
    for table in connection.introspection.table_names(cursor):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
referral = Referral.objects.get()
person = authenticate(None, email=EMAIL, password=PASSWORD)
wrong = authenticate(None, email=EMAIL, password="not-the-password")
print(json.dumps({
    "counts": counts,
    "signed_in": getattr(person, "email", None),
    "wrong_password_refused": wrong is None,
    "entrepreneur": referral.entrepreneur.email,
    "thread": [m.body for m in referral.messages.order_by("pk")],
    "photo": default_storage.open(PHOTO_NAME).read().hex(),
    "library": storages["private"].open(LIBRARY_NAME).read().hex(),
}))
"""


@pytest.fixture
def empty_instance(tmp_path):
    """Return the environment of a second, empty instance: its own database and
    folders. PostgreSQL: a database created for the test and dropped after it."""
    root = tmp_path / "restored"
    (root / "media").mkdir(parents=True)
    env = {
        **os.environ,
        "KINDRED_DEBUG": "1",
        "KINDRED_VAR_DIR": str(root),
        "KINDRED_MEDIA_ROOT": str(root / "media"),
        "KINDRED_PRIVATE_ROOT": str(root / "private"),
        "DJANGO_SETTINGS_MODULE": "kindred.settings",
    }
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{root / 'restored.sqlite3'}"
        yield env
        return
    import psycopg

    settings_dict = connection.settings_dict
    name = f"kindred_restore_{uuid.uuid4().hex[:12]}"
    params = {
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{name}"
    )
    yield env
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def inspect(env: dict[str, str], seeded) -> dict:
    script = (
        f"EMAIL = {seeded['referral'].entrepreneur.email!r}\n"
        f"PASSWORD = {PASSWORD!r}\n"
        f"PHOTO_NAME = {seeded['photo']!r}\n"
        f"LIBRARY_NAME = {seeded['library']!r}\n" + INSPECT
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_instance(seeded, empty_instance, tmp_path):
    """Counts, a sign-in, the referral with its thread and the files' bytes all
    come back; a second restore over it needs --force; a damaged archive then
    fails with a message and leaves the restored instance as it was."""
    archive = tmp_path / "kindred.tar.gz"
    before = table_counts()
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out, stderr=io.StringIO())
    assert "written to" in out.getvalue()
    assert archive.stat().st_mode & 0o077 == 0  # personal data: owner only

    with tarfile.open(archive) as opened:
        names = set(opened.getnames())
        manifest = json.load(opened.extractfile("manifest.json"))
    assert {"manifest.json", f"media/{seeded['photo']}"} <= names
    assert f"private/{seeded['library']}" in names
    assert manifest["engine"] == connection.vendor
    assert manifest["counts"] == before
    assert ["referrals", "0001_initial"] in manifest["migrations"]

    restored = run_kindred("restore", str(archive), env=empty_instance)
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout

    state = inspect(empty_instance, seeded)
    assert state["counts"] == before
    assert state["counts"]["referrals_referral"] == 1
    assert state["signed_in"] == "erin@founder.example"
    assert state["wrong_password_refused"]
    assert state["entrepreneur"] == "erin@founder.example"
    assert state["thread"] == ["Welcome, Erin: Tuesday at ten?"]
    assert bytes.fromhex(state["photo"]) == PHOTO
    assert bytes.fromhex(state["library"]) == LIBRARY_FILE

    again = run_kindred("restore", str(archive), env=empty_instance)
    assert again.returncode != 0
    assert "not empty" in again.stderr and "--force" in again.stderr

    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused = run_kindred("restore", "--force", str(damaged), env=empty_instance)
    assert refused.returncode != 0
    assert "corrupt or truncated" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert inspect(empty_instance, seeded)["counts"] == before

    forced = run_kindred("restore", "--force", str(archive), env=empty_instance)
    assert forced.returncode == 0, forced.stderr
    assert inspect(empty_instance, seeded)["counts"] == before


# --- bad input: nothing changes ------------------------------------------------------


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy an archive, letting `change(name, data)` alter each member's bytes."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read() if member.isfile() else None
            if data is not None:
                data = change(member.name, data)
                if data is None:
                    continue
                member.size = len(data)
                new.addfile(member, io.BytesIO(data))
            else:
                new.addfile(member)


@pytest.fixture
def archive(db, file_roots, tmp_path, owner):
    """A well-formed archive for this engine. (A real one needs committed data;
    the end-to-end test above makes and restores one.)"""
    path = tmp_path / "good.tar.gz"
    database = b"a database copy"
    members = {
        backup.DATABASE_MEMBER[connection.vendor]: database,
        "media/logos/hub.png": PHOTO,
    }
    manifest = {
        "format_version": backup.FORMAT_VERSION,
        "engine": connection.vendor,
        "created_at": "2026-11-01T02:00:00+00:00",
        "migrations": [["referrals", "0001_initial"]],
        "counts": {},
        "checksums": {
            name: hashlib.sha256(data).hexdigest() for name, data in members.items()
        },
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, "w:gz") as opened:
        for name, data in members.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            opened.addfile(member, io.BytesIO(data))
    return path


def test_the_hand_made_archive_passes_every_check(archive):
    """Otherwise the refusals below could come from a flaw of the fixture."""
    with backup.opened_backup(archive) as (manifest, folder):
        backup.check_compatible(manifest)
        assert (folder / "media/logos/hub.png").read_bytes() == PHOTO


def refused_restore(path: Path, *, force: bool = True) -> str:
    before = table_counts()
    files = sorted(p.name for p in Path(default_storage.location).rglob("*"))
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), force=force, stderr=io.StringIO())
    assert table_counts() == before
    assert sorted(p.name for p in Path(default_storage.location).rglob("*")) == files
    return str(refused.value)


def test_a_missing_file_is_refused(db, file_roots, tmp_path):
    message = refused_restore(tmp_path / "nowhere.tar.gz")
    assert "There is no backup file at" in message


def test_a_file_that_is_no_archive_is_refused(db, file_roots, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(os.urandom(4096))
    assert "not a readable Kindred backup" in refused_restore(junk)


def test_an_altered_file_fails_its_checksum(archive, tmp_path):
    altered = tmp_path / "altered.tar.gz"
    rewrite_archive(
        archive,
        altered,
        lambda name, data: data + b"!" if name.startswith("media/") else data,
    )
    assert "does not match its checksum" in refused_restore(altered)


def test_a_missing_member_is_refused(archive, tmp_path):
    partial = tmp_path / "partial.tar.gz"
    rewrite_archive(
        archive, partial, lambda name, data: None if name.startswith("media/") else data
    )
    assert "incomplete" in refused_restore(partial)


def test_an_archive_without_a_manifest_is_refused(archive, tmp_path):
    bare = tmp_path / "bare.tar.gz"
    rewrite_archive(
        archive, bare, lambda name, data: None if name == "manifest.json" else data
    )
    assert "no manifest.json" in refused_restore(bare)


def _with_manifest(archive: Path, target: Path, **changes) -> None:
    def change(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest.update(changes)
        return json.dumps(manifest).encode()

    rewrite_archive(archive, target, change)


def test_a_backup_of_another_engine_is_refused(archive, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    foreign = tmp_path / "foreign.tar.gz"

    def change(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            database = backup.DATABASE_MEMBER[manifest["engine"]]
            manifest["engine"] = other
            manifest["checksums"][backup.DATABASE_MEMBER[other]] = manifest[
                "checksums"
            ].pop(database)
            return json.dumps(manifest).encode()
        if name.startswith("database."):
            return data
        return data

    # Rename the database member too, so only the engine differs.
    with tarfile.open(archive) as old, tarfile.open(foreign, "w:gz") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())
            if member.name.startswith("database."):
                member.name = backup.DATABASE_MEMBER[other]
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    message = refused_restore(foreign)
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert f"holds a {names[other]} database" in message
    assert f"this instance uses {names[connection.vendor]}" in message


def test_a_backup_from_a_newer_kindred_is_refused(archive, tmp_path):
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
    _with_manifest(
        archive,
        newer,
        migrations=[*manifest["migrations"], ["referrals", "9999_from_the_future"]],
    )
    assert "newer Kindred" in refused_restore(newer)


def test_an_unknown_format_version_is_refused(archive, tmp_path):
    future = tmp_path / "future.tar.gz"
    _with_manifest(archive, future, format_version=99)
    assert "format version 99" in refused_restore(future)


def test_a_target_with_people_is_refused_without_force(archive):
    message = refused_restore(archive, force=False)
    assert "not empty" in message and "--force" in message


def test_backup_refuses_to_overwrite_an_existing_file(archive):
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive))


def test_backup_into_a_missing_folder_is_refused(db, file_roots, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "no" / "such" / "k.tar.gz"))
    assert not (tmp_path / "no").exists()
