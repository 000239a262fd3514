"""Personal data of organisations: memberships, invitations and join requests.
Organisations themselves are not personal data; the ones a person created keep
pointing at the erased account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, addresses_of, register, rows


def _to_any_of(person: Any) -> Q:
    """Invitations to any of the person's addresses."""
    addressed = Q(pk__in=[])
    for address in addresses_of(person):
        addressed |= Q(email__iexact=address)
    return addressed


def _export(person: Any) -> dict[str, Any]:
    from kindred.organisations.models import (
        Invitation,
        JoinRequest,
        Membership,
        Organisation,
    )

    return {
        "memberships": rows(
            Membership.objects.filter(user=person),
            "organisation__name",
            "role",
            "title",
            "joined_at",
        ),
        "invitations_to_you": rows(
            Invitation.objects.filter(_to_any_of(person)),
            "organisation__name",
            "role",
            "status",
            "created_at",
        ),
        # Not the invitees' addresses: those are other people's data.
        "invitations_you_sent": rows(
            Invitation.objects.filter(invited_by=person),
            "organisation__name",
            "role",
            "status",
            "created_at",
        ),
        "join_requests": rows(
            JoinRequest.objects.filter(user=person),
            "organisation__name",
            "message",
            "status",
            "created_at",
            "decided_at",
        ),
        "organisations_created": rows(
            Organisation.objects.filter(created_by=person), "name", "created_at"
        ),
    }


def _erase(person: Any) -> None:
    from kindred.organisations.models import Invitation, JoinRequest, Membership

    Membership.objects.filter(user=person).delete()
    Invitation.objects.filter(_to_any_of(person)).delete()
    JoinRequest.objects.filter(user=person).delete()


def _purge_invitations(cutoff: datetime) -> int:
    from kindred.organisations.models import Invitation

    deleted, _n = Invitation.objects.filter(
        Q(expires_at__lt=cutoff) | (~Q(status="pending") & Q(created_at__lt=cutoff))
    ).delete()
    return deleted


def _purge_join_requests(cutoff: datetime) -> int:
    from kindred.organisations.models import JoinRequest

    deleted, _n = JoinRequest.objects.filter(decided_at__lt=cutoff).delete()
    return deleted


register(
    Provider(
        key="organisations.memberships",
        label=_("Your organisations"),
        models=(
            "organisations.organisation",
            "organisations.membership",
            "organisations.invitation",
            "organisations.joinrequest",
        ),
        export=_export,
        erase=_erase,
        retention={
            "invitations": _purge_invitations,
            "join_requests": _purge_join_requests,
        },
    )
)
