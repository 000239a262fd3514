"""Write audit entries (the one place that does) and verify their hash chain.

Each entry's `hash` is sha256 over the canonical JSON of its recorded fields and
the previous entry's hash, so changing, removing or inserting a row anywhere
breaks every later link. Appends are serialised by locking the single
`AuditChainHead` row (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises
writers anyway with BEGIN IMMEDIATE), so concurrent writers cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kindred.core.models import AuditChainHead, AuditEntry

GENESIS = ""
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Keys that would carry names or contact details; detail holds ids and codes.
FORBIDDEN_KEYS = frozenset(
    {"name", "email", "display_name", "first_name", "last_name", "phone", "address"}
)
# Keys that carry free text (a steward's reason or note, a message): it may name
# anyone, and the audit trail is never swept on erasure, so the text stays in its
# own table and detail only says whether there was any. Codes go under other keys.
FREE_TEXT_KEYS = frozenset({"reason", "note", "message", "text", "comment", "body"})
REMOVED = "[removed]"


def canonical(
    *,
    at: datetime,
    actor_key: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: Any,
    prev_hash: str,
) -> bytes:
    """The bytes an entry's hash is computed over."""
    return json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_key,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "detail": detail,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def compute_hash(entry: Any, prev_hash: str) -> str:
    """The hash `entry` (an AuditEntry or a row with the same attributes) has
    when it follows `prev_hash`."""
    return hashlib.sha256(
        canonical(
            at=entry.at,
            actor_key=entry.actor_key,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            detail=entry.detail,
            prev_hash=prev_hash,
        )
    ).hexdigest()


def scrub(detail: dict[str, Any]) -> dict[str, Any]:
    """Drop keys that would carry names or contact details, blank free text
    (FREE_TEXT_KEYS: "[removed]" if there was any) and any value that looks like
    an email address: audit detail holds ids and codes only."""

    def clean(value: Any) -> Any:
        if isinstance(value, str) and EMAIL.search(value):
            return REMOVED
        if isinstance(value, dict):
            return {
                k: (REMOVED if v else v) if k in FREE_TEXT_KEYS else clean(v)
                for k, v in value.items()
                if k not in FORBIDDEN_KEYS
            }
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    # Round-trip once so the hash is computed over what the database returns.
    return json.loads(json.dumps(clean(detail), default=str))


def _head() -> AuditChainHead:
    """The chain head, locked until the surrounding transaction ends."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record(
    action: str, *, actor: Any | None, target: models.Model, **detail: Any
) -> AuditEntry:
    """Append an audit entry saying `actor` did `action` to `target`.

    `detail` carries ids and codes only (never names or email addresses), so an
    erased person leaves no trace in the audit trail.
    """
    actor = actor if getattr(actor, "is_authenticated", False) else None
    detail = scrub(detail)
    with transaction.atomic():
        head = _head()
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor,
            actor_key=str(actor.pk) if actor is not None else "",
            action=action,
            object_type=target._meta.label_lower,
            object_id=str(target.pk),
            detail=detail,
            prev_hash=head.last_hash,
        )
        entry.hash = compute_hash(entry, head.last_hash)
        entry.save()
        AuditChainHead.objects.filter(pk=1).update(
            last_id=entry.pk, last_hash=entry.hash, length=models.F("length") + 1
        )
    return entry


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


@dataclass
class _Row:
    id: int
    at: datetime
    actor_id: int | None
    actor_key: str
    action: str
    object_type: str
    object_id: str
    detail: Any
    prev_hash: str
    hash: str


def _rows(chunk: int, upto: int | None) -> Iterator[_Row]:
    """Every entry up to id `upto` in id order, read in keyset-paginated chunks."""
    fields = [
        "id",
        "at",
        "actor_id",
        "actor_key",
        "action",
        "object_type",
        "object_id",
        "detail",
        "prev_hash",
        "hash",
    ]
    last = 0
    entries = AuditEntry.objects.all()
    if upto is not None:
        entries = entries.filter(id__lte=upto)
    while True:
        batch = list(
            entries.filter(id__gt=last).order_by("id").values_list(*fields)[:chunk]
        )
        if not batch:
            return
        for values in batch:
            yield _Row(*values)
        last = batch[-1][0]


def verify(*, chunk: int = 5000) -> Verdict:
    """Walk the chain in id order; report the first entry whose link is broken.

    Entries appended after the walk starts are left for the next run; an entry
    beyond the head's last id that no append recorded is reported.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    prev = GENESIS
    checked = 0
    last_id = 0
    for row in _rows(chunk, head.last_id if head is not None else None):
        if row.prev_hash != prev:
            return Verdict(
                False,
                checked,
                row.id,
                "it does not follow the entry before it (an entry was removed, "
                "inserted or changed)",
            )
        if compute_hash(row, prev) != row.hash:
            return Verdict(False, checked, row.id, "its content was changed")
        if row.actor_id is not None and str(row.actor_id) != row.actor_key:
            return Verdict(False, checked, row.id, "its actor was changed")
        prev = row.hash
        last_id = row.id
        checked += 1
    if head is not None and (
        head.last_id != last_id or head.last_hash != prev or head.length != checked
    ):
        return Verdict(
            False,
            checked,
            head.last_id or None,
            "the chain ends before its recorded end (entries were removed at the end)",
        )
    # One statement reads the head and the entries beyond it from one snapshot,
    # so an append committing meanwhile (entry and head together) is not reported.
    beyond = (
        AuditEntry.objects.filter(
            id__gt=models.Subquery(
                AuditChainHead.objects.filter(pk=1).values("last_id")[:1]
            )
        )
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if beyond is not None:
        return Verdict(
            False,
            checked,
            beyond,
            "it lies beyond the chain's recorded end (an entry was inserted)",
        )
    return Verdict(True, checked)
