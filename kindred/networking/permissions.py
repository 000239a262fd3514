"""Who may see, join and organise networking programmes and introductions.

`get_<thing>_for_user` hides whether an object exists (404). A programme for a
community group is seen by the group's active members; a practitioners' programme
by practitioners; the others by every signed-in member. Organisers (stewards, the
person who created it, and the group's facilitators) see and run all of it. An
introduction is seen only by the people in it.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.communities import selectors as community_selectors
from kindred.core.errors import NotAllowed
from kindred.networking.models import Introduction, Programme
from kindred.organisations.models import Membership, Role

MAX_ID = 2**63 - 1
STAFF_ROLES = (Role.ADMIN, Role.PRACTITIONER)


def _valid_id(pk: int) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def is_practitioner(user: User) -> bool:
    return bool(
        user.is_authenticated
        and Membership.objects.filter(
            user=user, role__in=STAFF_ROLES, organisation__is_active=True
        ).exists()
    )


def can_create_programme(user: User) -> bool:
    """Stewards, and facilitators of a community group (for their group)."""
    if not user.is_authenticated:
        return False
    return is_steward(user) or bool(community_selectors.facilitated_group_ids(user))


def can_manage(user: User, programme: Programme) -> bool:
    if not user.is_authenticated:
        return False
    if is_steward(user) or programme.created_by_id == user.pk:
        return True
    return programme.group_id is not None and (
        programme.group_id in community_selectors.facilitated_group_ids(user)
    )


def require_manager(user: User, programme: Programme) -> None:
    if not can_manage(user, programme):
        raise NotAllowed(_("Only the organisers of this programme can do that."))


def is_eligible(user: User, programme: Programme) -> bool:
    """May `user` take part in `programme`'s rounds?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if programme.audience == Programme.Audience.GROUP:
        return programme.group_id in community_selectors.member_group_ids(user)
    if programme.audience == Programme.Audience.PRACTITIONERS:
        return is_practitioner(user)
    return True


def can_see(user: User, programme: Programme) -> bool:
    return can_manage(user, programme) or (
        programme.is_active and is_eligible(user, programme)
    )


def get_programme_for_user(user: User, pk: int) -> Programme:
    """The programme if `user` may see it; 404 otherwise."""
    programme = (
        Programme.objects.select_related("group", "organisation").filter(pk=pk).first()
        if _valid_id(pk)
        else None
    )
    if programme is None or not can_see(user, programme):
        raise Http404(_("No such networking programme."))
    return programme


def get_introduction_for_user(user: User, pk: int) -> Introduction:
    """The introduction if `user` is in it; 404 otherwise (organisers included)."""
    introduction = (
        Introduction.objects.select_related("round__programme")
        .filter(pk=pk, members__user_id=user.pk)
        .first()
        if _valid_id(pk) and user.is_authenticated
        else None
    )
    if introduction is None:
        raise Http404(_("No such introduction."))
    return introduction
