"""Authentication backends that load the person's profile with the person.

Every signed-in request needs the profile (its time zone, its name in the
navigation bar); fetching both in one query saves a query on every page.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import (
    AuthenticationBackend as AllauthAuthenticationBackend,
)
from django.contrib.auth import backends


def _user_with_profile(backend: backends.ModelBackend, user_id: Any) -> Any:
    from kindred.accounts.models import User

    try:
        user = User._default_manager.select_related("profile").get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        return None
    return user if backend.user_can_authenticate(user) else None


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        return _user_with_profile(self, user_id)


class AuthenticationBackend(AllauthAuthenticationBackend):
    def get_user(self, user_id: Any) -> Any:
        return _user_with_profile(self, user_id)
