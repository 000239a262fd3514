"""Personal data of referrals: referrals about a person (with their consent and
who handled them), referrals they made, their messages and recorded outcomes.

Erasure keeps each referral (counts and completion rates survive) but clears its
free text and deletes its messages; closed referrals past their retention period
lose their free text the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows

_CLOSED = ("completed", "closed", "withdrawn", "declined", "redirected")


def _export(person: Any) -> dict[str, Any]:
    from kindred.referrals.models import (
        Consent,
        Event,
        LogEntry,
        Message,
        Outcome,
        Referral,
    )

    about = Referral.objects.filter(entrepreneur=person)
    return {
        "referrals_about_you": rows(
            about,
            "id",
            "status",
            "service_name",
            "referring_organisation__name",
            "receiving_organisation__name",
            "reason",
            "reason_note",
            "note",
            "wellbeing_note",
            "created_at",
            "sent_at",
            "accepted_at",
            "finished_at",
        ),
        "consents_for_your_referrals": rows(
            Consent.objects.filter(referral__entrepreneur=person),
            "referral_id",
            "receiving_organisation__name",
            "fields",
            "purpose",
            "status",
            "method",
            "notice_version",
            "given_on",
            "expires_on",
            "answered_at",
            "withdrawn_at",
        ),
        "who_handled_your_referrals": rows(
            LogEntry.objects.filter(referral__entrepreneur=person),
            "referral_id",
            "organisation__name",
            "party",
            "action",
            "at",
        ),
        "referral_history": rows(
            Event.objects.filter(Q(referral__entrepreneur=person) | Q(by=person)),
            "referral_id",
            "from_status",
            "to_status",
            "reason",
            "note",
            "at",
        ),
        "referrals_you_made": rows(
            Referral.objects.filter(Q(referrer=person) | Q(receiving_person=person)),
            "id",
            "status",
            "service_name",
            "created_at",
        ),
        "messages_you_wrote": rows(
            Message.objects.filter(author=person),
            "referral_id",
            "audience",
            "body",
            "created_at",
        ),
        "outcomes": rows(
            Outcome.objects.filter(
                Q(referral__entrepreneur=person) | Q(recorded_by=person)
            ),
            "referral_id",
            "kind",
            "amount",
            "number",
            "note",
            "recorded_at",
        ),
    }


def _clear(referrals: Any) -> int:
    from kindred.referrals.models import Event, Message, Outcome

    Message.objects.filter(referral__in=referrals).delete()
    Event.objects.filter(referral__in=referrals).exclude(note="").update(note="")
    Outcome.objects.filter(referral__in=referrals).exclude(note="").update(note="")
    return referrals.update(note="", wellbeing_note="", reason_note="")


def _erase(person: Any) -> None:
    from kindred.referrals.models import Message, Referral

    _clear(Referral.objects.filter(entrepreneur=person))
    Message.objects.filter(author=person).delete()


def _purge(cutoff: datetime) -> int:
    from kindred.referrals.models import Referral

    holding_text = (
        ~Q(note="")
        | ~Q(wellbeing_note="")
        | ~Q(reason_note="")
        | Q(messages__isnull=False)
    )
    expired = Referral.objects.filter(
        holding_text, status__in=_CLOSED, finished_at__lt=cutoff
    ).values_list("pk", flat=True)
    return _clear(Referral.objects.filter(pk__in=list(set(expired))))


register(
    Provider(
        key="referrals.referrals",
        label=_("Referrals about you and by you"),
        models=(
            "referrals.referral",
            "referrals.consent",
            "referrals.event",
            "referrals.message",
            "referrals.outcome",
            "referrals.logentry",
        ),
        export=_export,
        erase=_erase,
        retention={"closed_referrals": _purge},
    )
)
