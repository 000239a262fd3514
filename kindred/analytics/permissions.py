"""Who may see which part of ecosystem analytics (django-rules predicates).

Stewards see everything; an organisation's admins and practitioners see its view
(others get 404, as if it did not exist); anyone sees the public page while the
steward has it on; a member sees only the ties that involve them.
"""

from __future__ import annotations

from typing import Any

import rules
from django.http import Http404

from kindred.accounts.permissions import (
    has_second_factor,
    is_mfa_exempt,
    is_steward,
)
from kindred.organisations import selectors as organisations
from kindred.organisations.models import Organisation

MAX_ID = 2**63 - 1


@rules.predicate
def steward(user: Any) -> bool:
    """A steward who may use admin powers now: with a second factor (or exempt)."""
    return is_steward(user) and (is_mfa_exempt(user) or has_second_factor(user))


@rules.predicate
def organisation_staff(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return organisation.pk in organisations.staff_organisation_ids(user)


can_see_dashboard = steward
can_export = steward
can_take_snapshot = steward
can_change_settings = steward
can_see_organisation = steward | organisation_staff

rules.add_perm("analytics.view_dashboard", can_see_dashboard)
rules.add_perm("analytics.export", can_export)
rules.add_perm("analytics.take_snapshot", can_take_snapshot)
rules.add_perm("analytics.change_settings", can_change_settings)
rules.add_perm("analytics.view_organisation", can_see_organisation)


def get_organisation_for_user(user: Any, pk: int) -> Organisation:
    """Return the organisation if `user` may see its analytics; Http404 otherwise."""
    if not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise Http404
    organisation = organisations.active_organisation(pk)
    if organisation is None or not can_see_organisation(user, organisation):
        raise Http404
    return organisation
