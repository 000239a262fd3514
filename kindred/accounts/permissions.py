"""Who may do what with accounts and profiles."""

from __future__ import annotations

from typing import Any

import rules
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import Profile, User
from kindred.core.errors import NotAllowed, SecondFactorRequired


def has_second_factor(user: User) -> bool:
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()


def is_mfa_exempt(user: User) -> bool:
    """Demo accounts skip the two-factor rule, and only in a development instance."""
    return bool(user.is_demo and settings.KINDRED_DEMO_MFA_EXEMPT)


def require_admin_second_factor(user: User) -> None:
    """Raise SecondFactorRequired unless `user` may use admin powers now."""
    if is_mfa_exempt(user) or has_second_factor(user):
        return
    raise SecondFactorRequired(
        _(
            "Turn on two-factor authentication in your account settings before "
            "using admin powers."
        )
    )


@rules.predicate
def is_steward(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_steward)


def require_steward(user: User) -> None:
    """Raise NotAllowed unless `user` is a steward with a second factor."""
    if not is_steward(user):
        raise NotAllowed(_("Only stewards can do this."))
    require_admin_second_factor(user)


def get_profile_for_user(viewer: User, pk: int) -> Profile:
    """Return a listed profile a signed-in `viewer` may look at; 404 otherwise."""
    profile = (
        Profile.objects.listed().select_related("user", "region").filter(pk=pk).first()
    )
    if profile is None and viewer.is_authenticated:
        # People always see their own profile, even while suspended.
        profile = Profile.objects.filter(pk=pk, user=viewer).first()
    if profile is None or not viewer.is_authenticated:
        raise Http404(_("No such member."))
    return profile
