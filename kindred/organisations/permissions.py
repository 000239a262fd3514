"""Who may act for an organisation."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward, require_admin_second_factor
from kindred.core.errors import NotAllowed
from kindred.organisations.models import Membership, Organisation, Role


def role_in(user: User, organisation: Organisation) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organisation=organisation)
        .values_list("role", flat=True)
        .first()
    )


def is_admin_of(user: User, organisation: Organisation) -> bool:
    return role_in(user, organisation) == Role.ADMIN


def require_org_admin(user: User, organisation: Organisation) -> None:
    """Raise NotAllowed unless `user` may use admin powers for `organisation`.

    Stewards count as admins of every organisation. Either way a second factor
    must be on (demo accounts excepted in development).
    """
    if not (is_admin_of(user, organisation) or is_steward(user)):
        raise NotAllowed(
            _("Only admins of %(org)s can do this.") % {"org": organisation}
        )
    require_admin_second_factor(user)


def get_organisation_for_user(user: User, slug: str) -> Organisation:
    """Return the organisation; inactive ones only for their members and stewards."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404(_("No such organisation."))
    if not organisation.is_active and not (
        is_steward(user) or role_in(user, organisation)
    ):
        raise Http404(_("No such organisation."))
    return organisation
