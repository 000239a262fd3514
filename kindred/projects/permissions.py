"""Who may see and change projects, their updates and businesses.

`get_<thing>_for_user` hides whether an object exists (404). Projects and
businesses are for signed-in members; a project hidden by a steward is seen only
by the people who manage it and by stewards; updates only by the people who manage
the project and its accepted volunteers.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.core.errors import NotAllowed
from kindred.organisations.models import Membership, Organisation, Role
from kindred.projects.models import Business, Project, Volunteer
from kindred.projects.models import Role as ProjectRole

MAX_ID = 2**63 - 1
#: Roles in an organisation that may post and manage projects for it.
ACTING_ROLES = (Role.ADMIN, Role.PRACTITIONER)


def _valid_id(pk: int) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def can_act_for(user: User, organisation: Organisation) -> bool:
    return bool(
        user.is_authenticated
        and Membership.objects.filter(
            user=user, organisation=organisation, role__in=ACTING_ROLES
        ).exists()
    )


def can_manage(user: User, project: Project) -> bool:
    """The owner, or an admin or practitioner of the project's organisation."""
    if not user.is_authenticated:
        return False
    if project.owner_id == user.pk:
        return True
    return project.organisation_id is not None and can_act_for(
        user,
        project.organisation,  # type: ignore[arg-type]
    )


def is_accepted_volunteer(user: User, project: Project) -> bool:
    return bool(
        user.is_authenticated
        and Volunteer.objects.filter(
            role__project=project, user=user, status=Volunteer.Status.ACCEPTED
        ).exists()
    )


def can_see_project(user: User, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    return not project.hidden or can_manage(user, project) or is_steward(user)


def can_see_updates(user: User, project: Project) -> bool:
    return can_see_project(user, project) and (
        can_manage(user, project) or is_accepted_volunteer(user, project)
    )


def get_project_for_user(user: User, pk: int) -> Project:
    """The project if `user` may see it; 404 otherwise."""
    if not _valid_id(pk) or not user.is_authenticated:
        raise Http404(_("No such project."))
    project = (
        Project.objects.select_related("owner__profile", "organisation")
        .filter(pk=pk)
        .first()
    )
    if project is None or not can_see_project(user, project):
        raise Http404(_("No such project."))
    return project


def get_project_for_updates(user: User, pk: int) -> Project:
    """The project if `user` may read its updates; 404 otherwise."""
    project = get_project_for_user(user, pk)
    if not can_see_updates(user, project):
        raise Http404(_("No such project."))
    return project


def get_volunteer_in(project: Project, pk: int) -> Volunteer:
    if not _valid_id(pk):
        raise Http404(_("No such volunteer."))
    volunteer = (
        Volunteer.objects.select_related("role", "user__profile")
        .filter(pk=pk, role__project=project)
        .first()
    )
    if volunteer is None:
        raise Http404(_("No such volunteer."))
    volunteer.role.project = project
    return volunteer


def get_role_in(project: Project, pk: int) -> ProjectRole:
    if not _valid_id(pk):
        raise Http404(_("No such role."))
    role = project.roles.filter(pk=pk).first()
    if role is None:
        raise Http404(_("No such role."))
    role.project = project
    return role


def get_business_for_user(user: User, slug: str) -> Business:
    """A listed business, or one's own; 404 otherwise (members only)."""
    if not user.is_authenticated or not isinstance(slug, str) or "\x00" in slug:
        raise Http404(_("No such business."))
    business = (
        Business.objects.select_related("owner__profile", "sector", "region")
        .filter(slug=slug[:80])
        .first()
    )
    if business is None or not (
        business.is_active or business.owner_id == user.pk or is_steward(user)
    ):
        raise Http404(_("No such business."))
    return business


def require_manager(user: User, project: Project) -> None:
    if not can_manage(user, project):
        raise NotAllowed(_("Only the people running this project can do this."))


def require_business_owner(user: User, business: Business) -> None:
    if not user.is_authenticated or business.owner_id != user.pk:
        raise NotAllowed(_("Only the owner of this business can do this."))
