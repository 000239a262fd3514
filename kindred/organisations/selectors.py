"""Reads about organisations and who belongs to them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Role,
)


def organisation_ids_of(user: User) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user).values_list("organisation_id", flat=True)
    )


def colleague_ids_query(user: User) -> QuerySet[Membership]:
    """Return a subquery of the ids of people who share an organisation with `user`."""
    return Membership.objects.filter(
        organisation_id__in=Membership.objects.filter(user_id=user.pk).values(
            "organisation_id"
        )
    ).values("user_id")


def colleague_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(colleague_ids_query(user).values_list("user_id", flat=True))


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation")


def list_organisations(
    *, q: str = "", kind: str = "", region: int | None = None
) -> QuerySet[Organisation]:
    organisations = Organisation.objects.filter(is_active=True).annotate(
        member_count=Count(
            "memberships",
            filter=Q(memberships__user__is_active=True),
            distinct=True,
        )
    )
    if q:
        organisations = organisations.filter(
            Q(name__icontains=q) | Q(summary__icontains=q)
        )
    if kind:
        organisations = organisations.filter(kind=kind)
    if region:
        organisations = organisations.filter(regions__id=region)
    return organisations.prefetch_related("regions").order_by("name")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation, user__is_active=True)
        .select_related("user__profile")
        .order_by("role", "user__profile__display_name")
    )


def admins_of(organisation: Organisation) -> list[User]:
    """Active admins of `organisation`, the people told about its affairs."""
    return list(
        User.objects.filter(
            memberships__organisation=organisation,
            memberships__role=Role.ADMIN,
            is_active=True,
        ).order_by("pk")
    )


def organisation_with_people(slug: str) -> Organisation | None:
    return (
        Organisation.objects.filter(slug=slug)
        .prefetch_related(
            "regions",
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user__profile"),
            ),
        )
        .first()
    )


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    return organisation.invitations.filter(status=Invitation.Status.PENDING)


def pending_join_requests(organisation: Organisation) -> QuerySet[JoinRequest]:
    return organisation.join_requests.filter(
        status=JoinRequest.Status.PENDING
    ).select_related("user__profile")


def open_invitations_for(user: User) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        email__iexact=user.email,
        status=Invitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    ).select_related("organisation")


def member_ids_query(organisation_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation_id=organisation_id).values("user_id")


def memberships_with_organisation() -> QuerySet[Membership]:
    return Membership.objects.select_related("organisation").order_by(
        "organisation__name"
    )


def pending_join_requests_for_admin_of(
    organisations: list[Organisation],
) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(
            organisation__in=organisations, status=JoinRequest.Status.PENDING
        )
        .select_related("organisation", "user__profile")
        .order_by("created_at")[:10]
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def primary_organisations() -> dict[int, int]:
    """Person id -> their primary organisation's id: the one they joined first."""
    primary: dict[int, int] = {}
    for user_id, organisation_id in (
        Membership.objects.filter(organisation__is_active=True)
        .order_by("user_id", "joined_at", "pk")
        .values_list("user_id", "organisation_id")
        .iterator(chunk_size=20000)
    ):
        primary.setdefault(user_id, organisation_id)
    return primary


def staff_organisation_ids(user: User) -> set[int]:
    """Ids of the organisations where `user` is an admin or a practitioner."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user, role__in=[Role.ADMIN, Role.PRACTITIONER]
        ).values_list("organisation_id", flat=True)
    )


def organisation_names(ids: Iterable[int]) -> dict[int, str]:
    """Organisation id -> name."""
    return dict(Organisation.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def person_names(ids: Iterable[int]) -> dict[int, str]:
    """Person id -> the name they show ("Member #id" when they have none, never
    their email address)."""
    return {
        pk: name or _("Member #%(id)s") % {"id": pk}
        for pk, name in User.objects.filter(pk__in=list(ids)).values_list(
            "pk", "profile__display_name"
        )
    }


def active_organisation(pk: int) -> Organisation | None:
    """The active organisation with this id, or None."""
    return Organisation.objects.filter(pk=pk, is_active=True).first()


def home_pending_invitation_counts(organisation_ids: Iterable[int]) -> dict[int, int]:
    """Organisation id -> how many of its invitations wait for an answer."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    return dict(
        Invitation.objects.filter(
            organisation_id__in=ids, status=Invitation.Status.PENDING
        )
        .values_list("organisation_id")
        .annotate(n=Count("id"))
        .order_by()
    )
