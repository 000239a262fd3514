"""Who may see and run programmes, cohorts and surveys.

A programme is run by its lead and the admins of its organisation ("managers").
A cohort is seen by its managers and its participants; anyone else gets 404.
Survey answers are seen individually only by the person who gave them: managers
get aggregates (selectors.evaluation) and the pseudonymised export.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core.errors import NotAllowed
from kindred.organisations.models import Membership, Organisation, Role
from kindred.programmes.models import Cohort, Place, Programme

MAX_ID = 2**63 - 1
#: Roles in an organisation whose holders may lead its programmes.
STAFF_ROLES = (Role.ADMIN, Role.PRACTITIONER)


def _valid_id(pk: object) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def is_staff_of(user: User, organisation_id: int) -> bool:
    return bool(
        user.is_authenticated
        and Membership.objects.filter(
            user=user, organisation_id=organisation_id, role__in=STAFF_ROLES
        ).exists()
    )


def is_admin_of(user: User, organisation_id: int) -> bool:
    return bool(
        user.is_authenticated
        and Membership.objects.filter(
            user=user, organisation_id=organisation_id, role=Role.ADMIN
        ).exists()
    )


def can_manage(user: User, programme: Programme) -> bool:
    """The programme lead, or an admin of the organisation that runs it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if programme.lead_id == user.pk:
        return True
    return is_admin_of(user, programme.service.organisation_id)


def can_start_programme(user: User, organisation: Organisation) -> bool:
    return is_staff_of(user, organisation.pk)


def has_place(user: User, cohort: Cohort) -> bool:
    return bool(
        user.is_authenticated
        and Place.objects.filter(cohort=cohort, participant=user)
        .exclude(status=Place.Status.WITHDRAWN)
        .exists()
    )


def can_see_cohort(user: User, cohort: Cohort) -> bool:
    return can_manage(user, cohort.programme) or has_place(user, cohort)


def get_programme_for_user(user: User, pk: object) -> Programme:
    """Any signed-in member may see a programme (it is a directory service)."""
    if not _valid_id(pk) or not user.is_authenticated:
        raise Http404(_("No such programme."))
    programme = (
        Programme.objects.select_related("service__organisation", "lead__profile")
        .filter(pk=pk)
        .first()
    )
    if programme is None:
        raise Http404(_("No such programme."))
    return programme


def get_managed_programme(user: User, pk: object) -> Programme:
    """The programme if `user` manages it; 404 otherwise."""
    programme = get_programme_for_user(user, pk)
    if not can_manage(user, programme):
        raise Http404(_("No such programme."))
    return programme


def get_cohort_for_user(user: User, pk: object) -> Cohort:
    """The cohort if `user` runs it or has a place in it; 404 otherwise."""
    if not _valid_id(pk) or not user.is_authenticated:
        raise Http404(_("No such cohort."))
    cohort = (
        Cohort.objects.select_related(
            "programme__service__organisation", "programme__lead__profile", "group"
        )
        .filter(pk=pk)
        .first()
    )
    if cohort is None or not can_see_cohort(user, cohort):
        raise Http404(_("No such cohort."))
    return cohort


def get_managed_cohort(user: User, pk: object) -> Cohort:
    cohort = get_cohort_for_user(user, pk)
    if not can_manage(user, cohort.programme):
        raise Http404(_("No such cohort."))
    return cohort


def require_manager(user: User, programme: Programme) -> None:
    if not can_manage(user, programme):
        raise NotAllowed(_("Only the people running this programme can do this."))
