"""The audit trail is append-only and hash-chained; `kindred audit verify` finds a
changed, removed or appended-behind-its-back entry."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kindred.core import audit
from kindred.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(owner, organisation):
    for n in range(5):
        audit.record("test.touched", actor=owner, target=organisation, n=n)
    return list(AuditEntry.objects.order_by("id"))


def raw(sql: str, params: list) -> None:
    """Change the table as a database owner could, switching off the trigger that
    refuses updates (inside the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_append_only")
        cursor.execute(sql, params)


def test_entries_link_to_the_one_before(chain):
    assert chain[0].prev_hash == audit.GENESIS or chain[0].prev_hash
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
        assert len(after.hash) == 64
    head = AuditChainHead.objects.get()
    assert head.last_id == chain[-1].pk and head.last_hash == chain[-1].hash


def test_verify_passes_on_an_intact_chain(chain, capsys):
    assert audit.verify(chunk=2).ok
    call_command("audit", "verify")
    assert "OK: " in capsys.readouterr().out


def test_a_changed_detail_is_found(chain):
    raw(
        "UPDATE core_auditentry SET detail = %s WHERE id = %s",
        ['{"n": 99}', chain[2].pk],
    )
    verdict = audit.verify(chunk=2)
    assert not verdict.ok and verdict.broken_id == chain[2].pk
    with pytest.raises(CommandError, match=f"#{chain[2].pk}"):
        call_command("audit", "verify")


def test_a_deleted_entry_is_found(chain):
    raw("DELETE FROM core_auditentry WHERE id = %s", [chain[1].pk])
    verdict = audit.verify()
    assert not verdict.ok and verdict.broken_id == chain[2].pk


def test_a_deleted_last_entry_is_found(chain):
    raw("DELETE FROM core_auditentry WHERE id = %s", [chain[-1].pk])
    assert not audit.verify().ok


def test_the_trigger_refuses_an_update(chain):
    from django.db import transaction
    from django.db.utils import DatabaseError

    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE core_auditentry SET action = 'x' WHERE id = %s", [chain[0].pk]
        )
    assert audit.verify().ok


def test_the_orm_refuses_changes(chain):
    entry = chain[0]
    entry.action = "changed"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(ValueError):
        AuditEntry.objects.all().delete()
    assert audit.verify().ok


def test_detail_never_carries_names_or_emails(owner, organisation):
    entry = audit.record(
        "test.invited",
        actor=owner,
        target=organisation,
        email="someone@example.com",
        name="Someone",
        note="write to someone@example.com",
        role="admin",
    )
    assert entry.detail == {"note": "[removed]", "role": "admin"}
    assert audit.verify().ok


def test_erasing_the_actor_keeps_the_chain(chain, owner):
    from kindred.core.privacy import _erase

    _erase(owner)
    assert not AuditEntry.objects.filter(actor=owner).exists()
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_do_not_fork_the_chain():
    """Four writers appending at once on PostgreSQL still make one chain."""
    import threading

    from kindred.organisations.models import Organisation

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE)")
    target = Organisation.objects.create(name="Busy Hub", slug="busy", kind="charity")
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def write() -> None:
        from django.db import connection as own

        try:
            start.wait()
            for n in range(15):
                audit.record("test.concurrent", actor=None, target=target, n=n)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = AuditEntry.objects.filter(action="test.concurrent")
    assert entries.count() == 60
    assert len(set(entries.values_list("prev_hash", flat=True))) == 60
    verdict = audit.verify()
    assert verdict.ok, verdict
