"""Reads about groups. Other apps (events, peer help, mentoring) ask here who may see
what: a private group's content is for its active members only, by every route."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kindred.accounts.models import User
from kindred.communities.models import Group, Membership

LISTED_STATUSES = (Group.Status.ACTIVE, Group.Status.ARCHIVED)


def member_group_ids(user: User) -> frozenset[int]:
    """Groups `user` is an active member (or facilitator) of; cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_member_group_ids", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(
                user=user, status=Membership.Status.ACTIVE
            ).values_list("group_id", flat=True)
        )
        user._member_group_ids = cached  # type: ignore[attr-defined]
    return cached


def facilitated_group_ids(user: User) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            user=user,
            status=Membership.Status.ACTIVE,
            role=Membership.Role.FACILITATOR,
        ).values_list("group_id", flat=True)
    )


def content_visible_q(user: User, prefix: str = "") -> Q:
    """A filter for rows whose group content `user` may read.

    `prefix` is the path to the group from the filtered model, e.g. "group__";
    an empty prefix filters Group itself. Public groups (active or archived) are
    readable by everyone (pages may still ask people to sign in); private ones by
    their active members only - not by stewards, who moderate what is reported.
    """
    public = Q(
        **{
            f"{prefix}visibility": Group.Visibility.PUBLIC,
            f"{prefix}status__in": LISTED_STATUSES,
        }
    )
    if not getattr(user, "is_authenticated", False):
        return public
    return public | Q(**{f"{prefix}pk__in": member_group_ids(user)})


def can_read(user: User, group: Group) -> bool:
    """May `user` read the group's threads, files, members and events?"""
    if group.visibility == Group.Visibility.PUBLIC and group.status in LISTED_STATUSES:
        return True
    return group.pk in member_group_ids(user)


def readable_group_ids(user: User) -> QuerySet[Group]:
    """Ids of every group whose content `user` may read, as a subquery."""
    return Group.objects.filter(content_visible_q(user)).values("pk")


def listed_groups(user: User) -> QuerySet[Group]:
    """Groups shown in the groups list: every active or archived group, plus proposals
    the person made. Private groups are listed (name, purpose, joining rule) so people
    can ask to join; their content stays behind `can_read`."""
    shown = Q(status__in=LISTED_STATUSES)
    if getattr(user, "is_authenticated", False):
        shown |= Q(created_by=user) | Q(pk__in=member_group_ids(user))
    return Group.objects.filter(shown)
