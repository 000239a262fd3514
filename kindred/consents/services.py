"""Writes for the consent ledger and the access log.

Other apps call these when a person gives or withdraws consent (referrals) and
when someone views or shares a record about a person (referrals, programmes).
Withdrawing from the consents page goes back through the owning app's service,
so the withdrawal takes effect everywhere on the next request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.consents.models import AccessEntry, ConsentRecord
from kindred.core import audit
from kindred.core.errors import KindredError, NotAllowed

if TYPE_CHECKING:
    from kindred.programmes.models import Cohort, Place
    from kindred.referrals.models import Consent, LogEntry, Referral


class ConsentError(KindredError):
    """The consent cannot be withdrawn now (HTTP 409)."""

    status_code = 409
    code = "consent_not_active"


# Referral consent methods as ledger methods.
_REFERRAL_METHODS = {"in_app": ConsentRecord.Method.ONLINE}


def _about(obj: models.Model | None) -> dict[str, Any]:
    if obj is None:
        return {"content_type": None, "object_id": None}
    return {
        "content_type": ContentType.objects.get_for_model(obj),
        "object_id": obj.pk,
    }


# --- the ledger ---------------------------------------------------------------------


def record_given(
    person: User,
    *,
    organisation: Any | None,
    scope: list[str],
    purpose: str,
    expires_on: date | None,
    method: str,
    notice_version: str,
    recorded_by: User | None = None,
    about: models.Model | None = None,
) -> ConsentRecord:
    """Append that `person` gave consent to `organisation` (None: the ecosystem)."""
    if method not in ConsentRecord.Method.values:
        raise KindredError(_("Choose how consent was given."), field="method")
    if not scope or not purpose.strip():
        raise KindredError(_("Say what is shared and why."), field="scope")
    return ConsentRecord.objects.create(
        person=person,
        organisation=organisation,
        organisation_name=organisation.name if organisation is not None else "",
        scope=list(scope),
        purpose=purpose.strip()[:300],
        expires_on=expires_on,
        method=method,
        notice_version=notice_version[:20],
        action=ConsentRecord.Action.GIVEN,
        recorded_by=recorded_by,
        **_about(about),
    )


def _open_given(person_id: int, about: models.Model) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(
            person_id=person_id,
            action=ConsentRecord.Action.GIVEN,
            withdrawals__isnull=True,
            **_about(about),
        )
        .order_by("-at", "-id")
        .first()
    )


def record_withdrawn(
    person: User, *, about: models.Model, by: User | None = None
) -> ConsentRecord | None:
    """Append the withdrawal of `person`'s open consent about `about`, if any."""
    given = _open_given(person.pk, about)
    if given is None:
        return None
    return ConsentRecord.objects.create(
        person=person,
        organisation_id=given.organisation_id,
        organisation_name=given.organisation_name,
        scope=given.scope,
        purpose=given.purpose,
        expires_on=given.expires_on,
        method=ConsentRecord.Method.ONLINE if by == person else given.method,
        notice_version=given.notice_version,
        action=ConsentRecord.Action.WITHDRAWN,
        recorded_by=by,
        given=given,
        content_type=given.content_type,
        object_id=given.object_id,
    )


def referral_consent_given(consent: Consent, *, by: User | None) -> ConsentRecord:
    """Append a referral's consent, just given (called by referrals.services)."""
    referral = consent.referral
    return record_given(
        referral.entrepreneur,
        organisation=consent.receiving_organisation,
        scope=list(consent.fields),
        purpose=consent.purpose,
        expires_on=consent.expires_on,
        method=_REFERRAL_METHODS.get(consent.method, consent.method),
        notice_version=consent.notice_version,
        recorded_by=consent.recorded_by,
        about=referral,
    )


def referral_consent_withdrawn(
    referral: Referral, *, by: User | None
) -> ConsentRecord | None:
    """Append the withdrawal of a referral's consent (called by referrals.services)."""
    return record_withdrawn(referral.entrepreneur, about=referral, by=by)


@transaction.atomic
def withdraw(record: ConsentRecord, *, by: User) -> ConsentRecord:
    """The person withdraws a consent they gave, from their consents page.

    A referral's consent is withdrawn through the referrals service, which stops
    the sharing at once; the ledger then holds the withdrawal. Raise NotAllowed
    for anyone but the person, ConsentError when nothing is left to withdraw.
    """
    record = ConsentRecord.objects.select_for_update().get(pk=record.pk)
    if record.person_id != by.pk:
        raise NotAllowed(_("Only the person who gave a consent can withdraw it."))
    if record.action != ConsentRecord.Action.GIVEN:
        raise ConsentError(_("This is a withdrawal, not a consent."))
    if record.withdrawals.exists():
        raise ConsentError(_("You have already withdrawn this consent."))
    if record.expires_on is not None and record.expires_on < timezone.localdate():
        raise ConsentError(
            _("This consent ended on %(date)s; nothing is shared under it any more.")
            % {"date": formats.date_format(record.expires_on)}
        )
    target = record_target(record)
    if target is not None and target._meta.label_lower == "referrals.referral":
        from kindred.referrals import services as referral_services

        referral_services.withdraw_consent(target, by=by)  # type: ignore[arg-type]
        withdrawal = record.withdrawals.first()
        if withdrawal is None:  # the referral had nothing left to withdraw
            withdrawal = record_withdrawn(by, about=target, by=by)
    else:
        withdrawal = record_withdrawn(by, about=target, by=by) if target else None
        if withdrawal is None:
            withdrawal = ConsentRecord.objects.create(
                person=by,
                organisation_id=record.organisation_id,
                organisation_name=record.organisation_name,
                scope=record.scope,
                purpose=record.purpose,
                expires_on=record.expires_on,
                method=ConsentRecord.Method.ONLINE,
                notice_version=record.notice_version,
                action=ConsentRecord.Action.WITHDRAWN,
                recorded_by=by,
                given=record,
                content_type=record.content_type,
                object_id=record.object_id,
            )
    assert withdrawal is not None
    audit.record("consent.withdrawn", actor=by, target=record, withdrawal=withdrawal.pk)
    return withdrawal


def record_target(record: ConsentRecord) -> models.Model | None:
    """The object a consent is about, if it still exists."""
    if record.content_type_id is None or record.object_id is None:
        return None
    model = record.content_type.model_class()  # type: ignore[union-attr]
    if model is None:
        return None
    return model._default_manager.filter(pk=record.object_id).first()


# --- the access log -----------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    person_id: int
    actor_id: int | None
    organisation_id: int | None
    action: str
    kind: str
    object_id: int
    label: str = ""
    url: str = ""


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def record_accesses(accesses: Iterable[Access]) -> None:
    """Append access entries in one insert; a repeat by the same person of the
    same action on the same record within the hour is ignored. Nobody is logged
    looking at their own record."""
    now = timezone.now()
    rows = [
        AccessEntry(
            person_id=a.person_id,
            actor_id=a.actor_id,
            organisation_id=a.organisation_id,
            action=a.action,
            kind=a.kind,
            object_id=a.object_id,
            label=a.label[:200],
            url=a.url[:200],
            at=now,
            hour=_hour(now),
        )
        for a in accesses
        if a.actor_id != a.person_id
    ]
    if rows:
        AccessEntry.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


# Referral log actions that show a person's record to someone.
_REFERRAL_ACCESS = {
    "viewed": AccessEntry.Action.VIEWED,
    "shared": AccessEntry.Action.SHARED,
    "exported": AccessEntry.Action.EXPORTED,
}


def referral_accessed(entries: Iterable[LogEntry]) -> None:
    """Turn referral log entries into access entries (called by referrals.services):
    views, shares and exports, the referral being sent and being passed on."""
    accesses = []
    for entry in entries:
        action = _REFERRAL_ACCESS.get(entry.action)
        if entry.action == "changed":
            to = (entry.detail or {}).get("to")
            action = {"sent": AccessEntry.Action.SENT}.get(to)
            if to == "redirected":
                action = AccessEntry.Action.FORWARDED
        if action is None:
            continue
        referral = entry.referral
        accesses.append(
            Access(
                person_id=referral.entrepreneur_id,
                actor_id=entry.actor_id,
                organisation_id=entry.organisation_id,
                action=action,
                kind=AccessEntry.Kind.REFERRAL,
                object_id=referral.pk,
                label=_("Referral to %(target)s") % {"target": referral.target_name},
                url=referral.get_absolute_url(),
            )
        )
    record_accesses(accesses)


def places_seen(cohort: Cohort, places: Iterable[Place], *, by: User) -> None:
    """Log that `by`, running `cohort`, saw these participants' places."""
    service = cohort.programme.service
    label = _("Your place on %(programme)s (%(cohort)s)") % {
        "programme": service.name,
        "cohort": cohort.name,
    }
    record_accesses(
        Access(
            person_id=place.participant_id,
            actor_id=by.pk,
            organisation_id=service.organisation_id,
            action=AccessEntry.Action.VIEWED,
            kind=AccessEntry.Kind.PROGRAMME,
            object_id=place.pk,
            label=label,
            url=cohort.get_absolute_url(),
        )
        for place in places
    )
