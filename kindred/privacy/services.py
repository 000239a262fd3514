"""Writes of data rights: exporting (audited, rate-limited), erasing a person
everywhere, and purging what has outlived its retention period."""

from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from datetime import datetime, timedelta
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core import audit
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.personal_data import (
    FORMER_MEMBER,
    addresses_of,
    json_escaped,
    name_of,
    providers,
    scrub,
)
from kindred.privacy.selectors import build_export
from kindred.privacy.summary import render_summary

logger = logging.getLogger(__name__)

#: Exports one person may make (of their own data, or a steward of anyone's) an hour.
EXPORTS_PER_HOUR = 5
#: Archives larger than this are spooled to a temporary file, not held in memory.
SPOOL_BYTES = 5 * 1024 * 1024
#: A name shorter than this is not swept from other people's text: it would
#: match ordinary words.
MIN_SWEEP_NAME = 5

#: Days each kind of personal record is kept; settings.KINDRED_RETENTION_DAYS
#: overrides any of them, and None keeps a kind for ever.
DEFAULT_RETENTION_DAYS: dict[str, int | None] = {
    "notifications": 365,
    "webhook_deliveries": 90,
    "sessions": 0,  # past their own expiry date
    "api_tokens": 90,  # after expiring or being revoked
    "calendar_feeds": 90,  # after being revoked
    "invitations": 90,  # after expiring or being answered
    "join_requests": 365,  # after being decided
    "closed_referrals": 6 * 365,  # free text cleared; the referral still counts
    "idempotency_records": 2,
    "task_results": 30,
    "dormant_accounts": 3 * 365,  # no sign-in: the account is erased
    "audit_log": 7 * 365,
}

#: Models the final sweep leaves alone: append-only audit trails (they hold ids
#: only) and tables whose rows are deleted whole.
_SWEEP_SKIP = {"core.auditentry", "sessions.session"}


class TooManyExports(KindredError):
    status_code = 429
    code = "too_many_exports"


def retention_days() -> dict[str, int | None]:
    """The retention period of each kind of record, settings over defaults."""
    configured = getattr(settings, "KINDRED_RETENTION_DAYS", {}) or {}
    return {**DEFAULT_RETENTION_DAYS, **configured}


# --- export ------------------------------------------------------------------------


def _check_export_rate(by: User) -> None:
    from kindred.core.models import AuditEntry

    since = timezone.now() - timedelta(hours=1)
    made = AuditEntry.objects.filter(
        actor=by, action="privacy.exported", at__gte=since
    ).count()
    if made >= EXPORTS_PER_HOUR:
        raise TooManyExports(
            _("You have downloaded data %(n)d times this hour; try again later.")
            % {"n": made}
        )


@transaction.atomic
def export_data(person: User, *, by: User) -> dict[str, Any]:
    """Return `person`'s data (JSON) and audit the export.

    Raise NotAllowed unless `by` is the person or a steward; TooManyExports after
    EXPORTS_PER_HOUR exports by `by` within an hour.
    """
    if by.pk != person.pk and not by.is_steward:
        raise NotAllowed(_("Only the person or a steward may export their data."))
    _check_export_rate(by)
    data = build_export(person)
    audit.record("privacy.exported", actor=by, target=person, person=person.pk)
    return data


def export_archive(person: User, *, by: User) -> IO[bytes]:
    """Return a ZIP (data.json and summary.html) of `person`'s data, rewound, in
    a temporary file that spills to disk past SPOOL_BYTES."""
    data = export_data(person, by=by)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        archive.writestr("summary.html", render_summary(data))
    spool.seek(0)
    return spool  # type: ignore[return-value]


# --- erasure -----------------------------------------------------------------------


def erased_email(person: User) -> str:
    """The unique, undeliverable address an erased account keeps."""
    return f"former-member-{person.pk}@erased.invalid"


def _sweep(needles: list[str], replacement: str, skip: set[str]) -> int:
    """Replace `needles` in every text and JSON column of every table."""
    changed = 0
    text_types = (models.CharField, models.TextField, models.JSONField)
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in skip or model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, text_types) and not f.primary_key and not f.choices
        ]
        if not fields:
            continue
        condition = Q()
        for f in fields:
            for needle in needles:
                condition |= Q(**{f"{f.attname}__icontains": needle})
                if isinstance(f, models.JSONField) and json_escaped(needle) != needle:
                    # SQLite keeps non-ASCII letters (and quotes) escaped in JSON.
                    condition |= Q(**{f"{f.attname}__icontains": json_escaped(needle)})
        for row in model._base_manager.filter(condition).values(
            "pk", *[f.attname for f in fields]
        ):
            update = {}
            for f in fields:
                value = row[f.attname]
                new = scrub(value, needles, replacement)
                if new != value:
                    update[f.attname] = new
            if update:
                model._base_manager.filter(pk=row["pk"]).update(**update)
                changed += 1
    return changed


def _forget_derived_state() -> None:
    """Empty caches and in-process search indexes that may hold erased data."""
    from kindred.directory.selectors import reset_index as reset_directory
    from kindred.peerhelp.ranking import reset_index as reset_helpers

    cache.clear()
    reset_directory()
    reset_helpers()


def _erase(person: User, *, by: User | None, reason: str) -> None:
    name = name_of(person)
    emails = addresses_of(person)
    # The accounts provider replaces the address, deletes the others and renames
    # the person: the providers after it read these (addresses_of, name_of).
    person._erasure_addresses = emails  # type: ignore[attr-defined]
    person._erasure_name = name  # type: ignore[attr-defined]
    registry = providers()
    try:
        for provider in registry:
            provider.erase(person)
    finally:
        del person._erasure_addresses  # type: ignore[attr-defined]
        del person._erasure_name  # type: ignore[attr-defined]
    needles = list(emails)
    if len(name) >= MIN_SWEEP_NAME and name != FORMER_MEMBER:
        needles.append(name)
    skip = set(_SWEEP_SKIP)
    for provider in registry:
        skip.update(label.lower() for label in provider.append_only)
    swept = _sweep(needles, FORMER_MEMBER, skip)
    audit.record(
        "privacy.erased",
        actor=by if by is not None and by.pk != person.pk else None,
        target=person,
        person=person.pk,
        by_steward=bool(by and by.pk != person.pk),
        reason_code=reason,
        swept_rows=swept,
    )
    transaction.on_commit(_forget_derived_state)
    logger.info("person %s erased", person.pk)


@transaction.atomic
def delete_own_account(person: User, *, password: str) -> None:
    """Erase `person` at their own request.

    Raise KindredError (field "password") if the password is wrong; nothing is
    changed then.
    """
    if not person.is_active or not person.has_usable_password():
        raise NotAllowed(_("This account cannot be deleted this way."))
    if not password or not person.check_password(password):
        raise KindredError(
            _("That is not your password; your account was not deleted."),
            field="password",
        )
    _erase(person, by=person, reason="own_request")


@transaction.atomic
def erase_subject(person: User, *, by: User, confirm_email: str) -> None:
    """Erase `person` answering a subject's erasure request, as a steward.

    Raise NotAllowed unless `by` is a steward other than `person`; KindredError
    (field "confirm_email") unless `confirm_email` repeats the person's address.
    """
    if not by.is_steward:
        raise NotAllowed(_("Only stewards answer erasure requests."))
    if by.pk == person.pk:
        raise NotAllowed(_("Delete your own account from Your data instead."))
    if person.email.endswith("@erased.invalid"):
        raise KindredError(_("This person has already been erased."))
    if confirm_email.strip().lower() != person.email.lower():
        raise KindredError(
            _("Type the person's email address exactly to confirm."),
            field="confirm_email",
        )
    _erase(person, by=by, reason="subject_request")


def erase_dormant(person: User) -> None:
    """Erase an account no one has signed in to within its retention period."""
    _erase(person, by=None, reason="retention")


# --- retention ---------------------------------------------------------------------


@transaction.atomic
def purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Purge or anonymise every kind of record older than its retention period
    (as of `now`); return how many records of each kind changed."""
    now = now or timezone.now()
    days = retention_days()
    done: dict[str, int] = {}
    for provider in providers():
        for kind, purge in provider.retention.items():
            period = days.get(kind)
            if period is None:
                continue
            done[kind] = done.get(kind, 0) + purge(now - timedelta(days=period))
    if any(done.values()):
        logger.info("retention purge: %s", done)
    return done
