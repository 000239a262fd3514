"""Who may run, see and apply to mentoring programmes, and see pairs.

`get_<thing>_for_user` hides whether an object exists (404). A programme is run by
its organisation's admins and practitioners (or by stewards); a draft is seen only
by them. Applications are seen by the applicant and the organisers. A pair's
workspace is for the pair; the organisers see a read-only summary (never the
private notes, which only their author sees).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.communities import selectors as community_selectors
from kindred.core.errors import NotAllowed
from kindred.mentoring.models import (
    Access,
    Application,
    MentoringProgramme,
    MentorRequest,
    Pair,
)
from kindred.organisations.models import Membership, Organisation, Role

MAX_ID = 2**63 - 1
#: Roles in an organisation that may run its mentoring programmes.
ACTING_ROLES = (Role.ADMIN, Role.PRACTITIONER)


def _valid_id(pk: object) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def _signed_in(user: User) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.suspended_at is None
    )


def can_act_for(user: User, organisation: Organisation) -> bool:
    """An admin or practitioner of `organisation` (its staff)."""
    return _signed_in(user) and (
        Membership.objects.filter(
            user=user, organisation=organisation, role__in=ACTING_ROLES
        ).exists()
    )


def can_act_for_any(user: User) -> bool:
    """May `user` start a programme: staff of some organisation, or a steward."""
    return _signed_in(user) and (
        is_steward(user)
        or Membership.objects.filter(user=user, role__in=ACTING_ROLES).exists()
    )


def can_run(user: User, programme: MentoringProgramme) -> bool:
    """Stewards, and the staff of the organisation running the programme."""
    if not _signed_in(user):
        return False
    if is_steward(user):
        return True
    if programme.organisation_id is None:
        return programme.created_by_id == user.pk
    return can_act_for(user, programme.organisation)  # type: ignore[arg-type]


def can_see_programme(user: User, programme: MentoringProgramme) -> bool:
    if not _signed_in(user):
        return False
    return programme.status != MentoringProgramme.Status.DRAFT or can_run(
        user, programme
    )


def may_apply(user: User, programme: MentoringProgramme, side: str) -> bool:
    """Does the programme's rule for `side` let `user` apply?"""
    if not _signed_in(user):
        return False
    mentor = side == Application.Side.MENTOR
    access = programme.mentor_access if mentor else programme.mentee_access
    if access == Access.ANYONE:
        return True
    if access == Access.ORGANISATIONS:
        chosen = (
            programme.mentor_organisations if mentor else programme.mentee_organisations
        )
        return Membership.objects.filter(
            user=user, organisation__in=chosen.all()
        ).exists()
    group = programme.mentor_group if mentor else programme.mentee_group
    return group is not None and community_selectors.is_member(user, group)


def get_programme_for_user(user: User, pk: int) -> MentoringProgramme:
    """The programme if `user` may see it; 404 otherwise."""
    if not _valid_id(pk) or not _signed_in(user):
        raise Http404(_("No such mentoring programme."))
    programme = (
        MentoringProgramme.objects.select_related(
            "organisation", "mentor_group", "mentee_group"
        )
        .filter(pk=pk)
        .first()
    )
    if programme is None or not can_see_programme(user, programme):
        raise Http404(_("No such mentoring programme."))
    return programme


def get_programme_to_run(user: User, pk: int) -> MentoringProgramme:
    """The programme if `user` runs it; 404 for everyone else."""
    programme = get_programme_for_user(user, pk)
    if not can_run(user, programme):
        raise Http404(_("No such mentoring programme."))
    return programme


def require_runner(user: User, programme: MentoringProgramme) -> None:
    if not can_run(user, programme):
        raise NotAllowed(_("Only the people running this programme can do this."))


def get_application_for_user(
    user: User, programme: MentoringProgramme, pk: int
) -> Application:
    """An application of `programme`, for its applicant and the organisers."""
    if not _valid_id(pk):
        raise Http404(_("No such application."))
    application = (
        Application.objects.select_related("user__profile")
        .filter(pk=pk, programme=programme)
        .first()
    )
    if application is None or not (
        application.user_id == user.pk or can_run(user, programme)
    ):
        raise Http404(_("No such application."))
    application.programme = programme
    return application


def is_party(user: User, pair: Pair) -> bool:
    return _signed_in(user) and user.pk in (pair.mentee.user_id, pair.mentor.user_id)


def get_pair_for_user(user: User, pk: int) -> Pair:
    """The pair for its two people and (read-only) its organisers; 404 otherwise.

    A proposed pair is not yet known to the pair: only organisers see it.
    """
    if not _valid_id(pk) or not _signed_in(user):
        raise Http404(_("No such mentoring pair."))
    pair = (
        Pair.objects.select_related(
            "programme__organisation", "mentee__user__profile", "mentor__user__profile"
        )
        .filter(pk=pk)
        .first()
    )
    if pair is None:
        raise Http404(_("No such mentoring pair."))
    party = is_party(user, pair) and pair.status != Pair.Status.PROPOSED
    if not (party or can_run(user, pair.programme)):
        raise Http404(_("No such mentoring pair."))
    return pair


def require_party(user: User, pair: Pair) -> None:
    if not is_party(user, pair) or pair.status == Pair.Status.PROPOSED:
        raise NotAllowed(_("Only the mentor and the mentee can do this."))


def get_request_for_user(user: User, pk: int) -> MentorRequest:
    """A request for the mentee who made it and the mentor it is for."""
    if not _valid_id(pk) or not _signed_in(user):
        raise Http404(_("No such request."))
    request = (
        MentorRequest.objects.select_related(
            "programme", "mentee__user__profile", "mentor__user__profile"
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404(_("No such request."))
    # A mentor learns of a request only when it is their turn to answer it.
    mentor_sees = (
        request.mentor.user_id == user.pk
        and request.status != MentorRequest.Status.QUEUED
    )
    if not (request.mentee.user_id == user.pk or mentor_sees):
        raise Http404(_("No such request."))
    return request
