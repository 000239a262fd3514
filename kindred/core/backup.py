"""Back up and restore a whole Kindred instance: the database and the uploaded files.

An archive is one gzipped tar file:

    manifest.json        format version, engine, migrations, table counts, checksums
    database.sqlite3     SQLite: a copy made with the online backup API
    database.pgdump      PostgreSQL: `pg_dump --format=custom`
    media/...            MEDIA_ROOT (public uploads: photos, logos)
    private/...          the private storage (group library files, attachments)

Restore checks the whole archive (manifest, engine, migrations, every checksum)
before it touches anything, so a corrupt or foreign archive leaves the target as it
was. The archive holds personal data: operators encrypt it and keep it out of reach
(docs/security.md, "Backups and restore").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with fixed arguments
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024

Progress = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore could not be done; `message` tells the operator why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _silent(message: str) -> None:
    """Report nothing."""


def file_directories() -> dict[str, Path]:
    """Return the folders of uploaded files, by their name inside the archive."""
    return {
        "media": Path(settings.MEDIA_ROOT),
        "private": Path(storages["private"].location),
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _files_under(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _code_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# Creating a backup ---------------------------------------------------------------


def create_backup(
    path: Path, *, using: str = "default", progress: Progress = _silent
) -> dict[str, Any]:
    """Write an archive of the database and the uploaded files to `path`.

    The archive appears only when it is complete (written beside it, then renamed),
    readable by its owner alone. Return the manifest.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    engine = _engine(using)
    with tempfile.TemporaryDirectory(prefix="kindred-backup-") as work:
        database = Path(work) / DATABASE_MEMBER[engine]
        progress(f"Copying the {ENGINE_NAMES[engine]} database…")
        if engine == "sqlite":
            counts, migrations = _copy_sqlite(using, database)
        else:
            counts, migrations = _dump_postgresql(using, database)
        checksums = {database.name: _sha256(database)}
        members: list[tuple[Path, str]] = [(database, database.name)]
        for name, folder in file_directories().items():
            files = list(_files_under(folder))
            progress(f"Adding {len(files)} files from {folder}…")
            for file in files:
                arcname = f"{name}/{file.relative_to(folder).as_posix()}"
                checksums[arcname] = _sha256(file)
                members.append((file, arcname))
        manifest = {
            "format_version": FORMAT_VERSION,
            "kindred_version": _kindred_version(),
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "migrations": sorted([app, name] for app, name in migrations),
            "counts": counts,
            "checksums": checksums,
        }
        manifest_path = Path(work) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = path.with_name(path.name + ".partial")
        progress(f"Writing {path}…")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(manifest_path, MANIFEST)
                for file, arcname in members:
                    archive.add(file, arcname)
            partial.chmod(0o600)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    progress(
        f"Backup written: {sum(counts.values())} rows in {len(counts)} tables, "
        f"{len(members) - 1} files."
    )
    return manifest


def _kindred_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kindred")
    except PackageNotFoundError:
        return "unknown"


def _count_rows(cursor: Any, tables: list[str], quote: Callable[[str], str]) -> dict:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%'"
    )
    return [row[0] for row in cursor.fetchall()]


def _sqlite_state(target: sqlite3.Connection) -> tuple[dict, set[tuple[str, str]]]:
    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    cursor = target.cursor()
    tables = _sqlite_tables(cursor)
    counts = _count_rows(cursor, tables, quote)
    migrations: set[tuple[str, str]] = set()
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = {(app, name) for app, name in cursor.fetchall()}
    return counts, migrations


def _copy_sqlite(using: str, destination: Path) -> tuple[dict, set[tuple[str, str]]]:
    """Copy the live database page by page; writers carry on meanwhile."""
    connection = connections[using]
    if connection.in_atomic_block:
        # The copy would wait forever on the open transaction's own lock.
        raise BackupError("Back up outside a transaction.")
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        connection.connection.backup(target)
        # Counted in the copy, so the counts describe exactly what was saved.
        return _sqlite_state(target)
    finally:
        target.close()


def _pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Return the environment that points libpq's tools at a database.

    Credentials travel in the environment, never on the command line where other
    users of the machine could read them.
    """
    environment = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ):
        values[variable] = options.get(option)
    for variable, value in values.items():
        if value:
            environment[variable] = str(value)
    return environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed; install the PostgreSQL client tools "
            "(Debian package postgresql-client) of the server's major version."
        )
    result = subprocess.run(  # noqa: S603 - fixed program, no shell
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: " + " / ".join(detail[-5:]))


def _pg_state(cursor: Any) -> tuple[dict, set[tuple[str, str]]]:
    cursor.execute(
        "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
    )
    tables = [row[0] for row in cursor.fetchall()]

    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    counts = _count_rows(cursor, tables, quote)
    migrations: set[tuple[str, str]] = set()
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = {(app, name) for app, name in cursor.fetchall()}
    return counts, migrations


def _dump_postgresql(
    using: str, destination: Path
) -> tuple[dict, set[tuple[str, str]]]:
    """Dump with pg_dump; counts come from the same snapshot as the dump."""
    connection = connections[using]
    environment = _pg_environment(connection.settings_dict)
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={destination}"]
    if connection.in_atomic_block:
        # A transaction is already open: the snapshot cannot be shared.
        with connection.cursor() as cursor:
            state = _pg_state(cursor)
        _run(command, environment, "pg_dump")
        return state
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = _pg_state(cursor)
        _run([*command, f"--snapshot={snapshot}"], environment, "pg_dump")
    return state


# Reading and checking an archive -------------------------------------------------


@contextmanager
def opened_backup(path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """Unpack and check an archive in a temporary folder; yield (manifest, folder).

    Raise BackupError, having touched nothing outside the temporary folder, if the
    archive is missing, unreadable, incomplete or altered.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    with tempfile.TemporaryDirectory(prefix="kindred-restore-") as work:
        folder = Path(work)
        try:
            with tarfile.open(path, "r:*") as archive:
                for member in archive.getmembers():
                    if not (member.isfile() or member.isdir()):
                        raise BackupError(
                            f"The archive holds {member.name!r}, which is not a "
                            "plain file; refusing it."
                        )
                # The data filter refuses absolute paths and "..".
                archive.extractall(folder, filter="data")
        except (tarfile.TarError, EOFError, OSError, ValueError) as error:
            raise BackupError(
                f"{path} is not a readable Kindred backup (corrupt or truncated "
                f"archive: {error})."
            ) from error
        manifest = _read_manifest(folder)
        _check_checksums(manifest, folder)
        yield manifest, folder


def _read_manifest(folder: Path) -> dict[str, Any]:
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError("The archive has no manifest.json; it is not a backup.")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"The manifest cannot be read: {error}.") from error
    if not isinstance(manifest, dict):
        raise BackupError("The manifest is not a JSON object.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"This backup has format version {version!r}; this Kindred reads "
            f"version {FORMAT_VERSION}."
        )
    for key in ("engine", "checksums", "counts", "migrations"):
        if key not in manifest:
            raise BackupError(f"The manifest lacks {key!r}.")
    if manifest["engine"] not in DATABASE_MEMBER:
        raise BackupError(f"Unknown database engine {manifest['engine']!r}.")
    return manifest


def _check_checksums(manifest: dict[str, Any], folder: Path) -> None:
    expected: dict[str, str] = manifest["checksums"]
    if DATABASE_MEMBER[manifest["engine"]] not in expected:
        raise BackupError("The manifest lists no database copy.")
    present = {
        file.relative_to(folder).as_posix()
        for file in folder.rglob("*")
        if file.is_file()
    } - {MANIFEST}
    missing = sorted(set(expected) - present)
    if missing:
        raise BackupError(
            f"The archive is incomplete: {len(missing)} listed files are missing "
            f"(first: {missing[0]})."
        )
    extra = sorted(present - set(expected))
    if extra:
        raise BackupError(f"The archive holds unlisted files (first: {extra[0]}).")
    for name, checksum in expected.items():
        if _sha256(folder / name) != checksum:
            raise BackupError(
                f"{name} does not match its checksum; the archive is damaged."
            )


def check_compatible(manifest: dict[str, Any], *, using: str = "default") -> None:
    """Refuse a backup of another engine, or one made by a newer Kindred."""
    engine = _engine(using)
    if manifest["engine"] != engine:
        raise BackupError(
            f"This backup holds a {ENGINE_NAMES[manifest['engine']]} database, but "
            f"this instance uses {ENGINE_NAMES[engine]}. Restore it into a "
            f"{ENGINE_NAMES[manifest['engine']]} instance (then move the data across "
            "with dumpdata/loaddata if needed)."
        )
    unknown = sorted(
        {(app, name) for app, name in manifest["migrations"]} - _code_migrations()
    )
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"This backup comes from a newer Kindred: migration {app}.{name} is "
            "unknown here. Upgrade Kindred first, then restore."
        )


# Restoring ---------------------------------------------------------------------


def is_empty(*, using: str = "default") -> bool:
    """Tell whether the target holds no people and no uploaded files."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if "accounts_user" in tables:
            cursor.execute("SELECT 1 FROM accounts_user LIMIT 1")
            if cursor.fetchone() is not None:
                return False
    return not any(
        next(_files_under(folder), None) for folder in file_directories().values()
    )


def restore_backup(
    path: Path,
    *,
    using: str = "default",
    force: bool = False,
    progress: Progress = _silent,
) -> dict[str, Any]:
    """Replace the database and uploaded files with those in the archive at `path`.

    Refuse a target that holds people or files unless `force`. The archive is
    checked in full first; the database is replaced in one transaction (SQLite: the
    backup API; PostgreSQL: pg_restore --single-transaction). Return the manifest.
    """
    progress(f"Checking {path}…")
    with opened_backup(path) as (manifest, folder):
        check_compatible(manifest, using=using)
        if not force and not is_empty(using=using):
            raise BackupError(
                "The target instance is not empty (it has people or uploaded "
                "files). Restore into an empty instance, or pass --force to "
                "replace everything in it."
            )
        database = folder / DATABASE_MEMBER[manifest["engine"]]
        connection = connections[using]
        progress(f"Restoring the {ENGINE_NAMES[manifest['engine']]} database…")
        if manifest["engine"] == "sqlite":
            _restore_sqlite(database, manifest, using)
        else:
            _restore_postgresql(database, manifest, using)
        connection.close()
        for name, target in file_directories().items():
            progress(f"Restoring files into {target}…")
            _replace_folder(folder / name, target)
    progress(
        f"Restored {sum(manifest['counts'].values())} rows in "
        f"{len(manifest['counts'])} tables and "
        f"{len(manifest['checksums']) - 1} files from a backup made "
        f"{manifest.get('created_at', 'at an unknown time')}."
    )
    return manifest


def _check_counts(manifest: dict[str, Any], counts: dict[str, int]) -> None:
    differences = sorted(
        table
        for table, count in manifest["counts"].items()
        if counts.get(table) != count
    )
    if differences:
        table = differences[0]
        raise BackupError(
            f"The database copy does not match the manifest: table {table} has "
            f"{counts.get(table)} rows, the manifest says {manifest['counts'][table]}."
        )


def _restore_sqlite(database: Path, manifest: dict[str, Any], using: str) -> None:
    source = sqlite3.connect(database)
    try:
        try:
            counts, _ = _sqlite_state(source)
            source.execute("PRAGMA quick_check")
        except sqlite3.DatabaseError as error:
            raise BackupError(f"The database copy is damaged: {error}.") from error
        _check_counts(manifest, counts)
        connection = connections[using]
        connection.close()
        target_name = connection.settings_dict["NAME"]
        if str(target_name).startswith("file:") or target_name == ":memory:":
            connection.ensure_connection()
            target = connection.connection
            source.backup(target)
        else:
            target = sqlite3.connect(target_name, timeout=60)
            try:
                # Copied in one step: other connections see the old or the new
                # database, never a mixture.
                source.backup(target)
            finally:
                target.close()
    finally:
        source.close()


def _restore_postgresql(database: Path, manifest: dict[str, Any], using: str) -> None:
    connection = connections[using]
    environment = _pg_environment(connection.settings_dict)
    connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(database),
        ],
        environment,
        "pg_restore",
    )
    with connection.cursor() as cursor:
        counts, _ = _pg_state(cursor)
    _check_counts(manifest, counts)


def _replace_folder(source: Path, target: Path) -> None:
    """Put `source`'s files in place of `target`'s, swapping whole folders."""
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(
        tempfile.mkdtemp(prefix=f".{target.name}-incoming-", dir=target.parent)
    )
    if source.is_dir():
        shutil.copytree(source, incoming, dirs_exist_ok=True)
    previous = target.with_name(f".{target.name}-previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.replace(previous)
    incoming.replace(target)
    shutil.rmtree(previous, ignore_errors=True)
