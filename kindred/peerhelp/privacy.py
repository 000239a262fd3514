"""Personal data of peer help: asks, offers, answers, thanks and the helper
recommendations made for a person.

Erasure keeps asks, answers and thanks (the give/get counts survive) shown as by
"Former member"; offers and recommendations are deleted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.peerhelp.models import Ask, HelpInvitation, Offer, Response, Thanks

    return {
        "asks": rows(
            Ask.objects.filter(author=person),
            "title",
            "details",
            "kind",
            "status",
            "visibility",
            "created_at",
        ),
        "offers": rows(
            Offer.objects.filter(helper=person),
            "title",
            "details",
            "format",
            "is_active",
            "created_at",
        ),
        "answers": rows(
            Response.objects.filter(author=person),
            "ask__title",
            "kind",
            "body",
            "helped",
            "created_at",
        ),
        "thanks": rows(
            Thanks.objects.filter(Q(sender=person) | Q(recipient=person)),
            "ask__title",
            "sender_id",
            "recipient_id",
            "note",
            "created_at",
        ),
        "recommended_to_help": rows(
            HelpInvitation.objects.filter(user=person),
            "ask__title",
            "reason",
            "invited",
            "created_at",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.peerhelp.models import HelpInvitation, Offer

    Offer.objects.filter(helper=person).delete()
    HelpInvitation.objects.filter(user=person).delete()


register(
    Provider(
        key="peerhelp.asks",
        label=_("Asks, offers, answers and thanks"),
        models=(
            "peerhelp.ask",
            "peerhelp.offer",
            "peerhelp.response",
            "peerhelp.thanks",
            "peerhelp.helpinvitation",
        ),
        export=_export,
        erase=_erase,
    )
)
