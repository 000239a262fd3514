"""Reads for the consents pages and API: only ever the person's own records."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import User
from kindred.consents.models import AccessEntry, ConsentRecord

ACTIVE = "active"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
STATUS_LABELS = {
    ACTIVE: _("Active"),
    WITHDRAWN: _("Withdrawn"),
    EXPIRED: _("Expired"),
}


@dataclass
class ConsentRow:
    record: ConsentRecord
    status: str
    withdrawn_at: object | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def scope_labels(self) -> list[str]:
        from kindred.referrals.models import SHAREABLE

        labels = {code: str(label) for code, label in SHAREABLE}
        return [labels.get(code, code) for code in self.record.scope]

    @property
    def can_withdraw(self) -> bool:
        return self.status == ACTIVE


def status_of(record: ConsentRecord) -> tuple[str, object | None]:
    withdrawals = list(record.withdrawals.all())
    if withdrawals:
        return WITHDRAWN, withdrawals[0].at
    if record.expires_on is not None and record.expires_on < timezone.localdate():
        return EXPIRED, None
    return ACTIVE, None


def consents_given(person: User) -> QuerySet[ConsentRecord]:
    """Every consent `person` gave, newest first, with its withdrawal if any."""
    return (
        ConsentRecord.objects.filter(person=person, action=ConsentRecord.Action.GIVEN)
        .select_related("organisation", "recorded_by__profile")
        .prefetch_related(
            Prefetch(
                "withdrawals",
                queryset=ConsentRecord.objects.filter(
                    action=ConsentRecord.Action.WITHDRAWN
                ),
            )
        )
        .order_by("-at", "-id")
    )


def rows(records: list[ConsentRecord]) -> list[ConsentRow]:
    return [ConsentRow(r, *status_of(r)) for r in records]


def access_log(person: User) -> QuerySet[AccessEntry]:
    """Who viewed or shared records about `person`, newest first."""
    return (
        AccessEntry.objects.filter(person=person)
        .select_related("actor__profile", "organisation")
        .order_by("-at", "-id")
    )
