"""Personal data of accounts: the login, profile, addresses, second factors,
sign-ins and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import (
    FORMER_MEMBER,
    Provider,
    delete_files_on_commit,
    register,
    rows,
)


def _sessions_of(person: Any) -> list[str]:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(person.pk):
            keys.append(session.session_key)
    return keys


def _export(person: Any) -> dict[str, Any]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from kindred.accounts.models import ApiToken, Profile

    profile = Profile.objects.filter(user=person).first()
    data: dict[str, Any] = {
        "account": {
            "id": person.pk,
            "email": person.email,
            "date_joined": person.date_joined,
            "last_login": person.last_login,
            "is_active": person.is_active,
            "is_steward": person.is_steward,
            "suspended_at": person.suspended_at,
            "suspension_reason": person.suspension_reason,
        },
        "email_addresses": rows(
            EmailAddress.objects.filter(user=person), "email", "verified", "primary"
        ),
        "second_factors": rows(
            Authenticator.objects.filter(user=person),
            "type",
            "created_at",
            "last_used_at",
        ),
        "api_tokens": rows(
            ApiToken.objects.filter(user=person),
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ),
        "signed_in_sessions": len(_sessions_of(person)),
    }
    if profile is not None:
        data["profile"] = {
            "display_name": profile.display_name,
            "headline": profile.headline,
            "bio": profile.bio,
            "photo": profile.photo.name or "",
            "region": profile.region.name if profile.region_id else None,
            "stage": profile.stage,
            "time_zone": profile.time_zone,
            "languages": profile.languages,
            "sectors": [s.name for s in profile.sectors.all()],
            "topics_offered": [t.name for t in profile.topics_offered.all()],
            "topics_needed": [t.name for t in profile.topics_needed.all()],
            "created_at": profile.created_at,
            "updated_at": profile.updated_at,
        }
    return data


def _erase(person: Any) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.sessions.models import Session

    from kindred.accounts.models import ApiToken, Profile

    profile = Profile.objects.filter(user=person).first()
    if profile is not None:
        if profile.photo:
            delete_files_on_commit("default", [profile.photo.name])
        profile.display_name = FORMER_MEMBER
        profile.headline = ""
        profile.bio = ""
        profile.photo = ""
        profile.region = None
        profile.languages = []
        profile.save()
        profile.sectors.clear()
        profile.topics_offered.clear()
        profile.topics_needed.clear()
    Session.objects.filter(session_key__in=_sessions_of(person)).delete()
    if apps.is_installed("allauth.usersessions"):
        from allauth.usersessions.models import UserSession

        UserSession.objects.filter(user=person).delete()
    EmailAddress.objects.filter(user=person).delete()  # and their confirmations
    Authenticator.objects.filter(user=person).delete()
    ApiToken.objects.filter(user=person).delete()
    person.email = f"former-member-{person.pk}@erased.invalid"
    person.set_unusable_password()
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    person.is_steward = False
    person.suspension_reason = ""
    person.save()


def _purge_sessions(cutoff: datetime) -> int:
    from django.contrib.sessions.models import Session

    deleted, _n = Session.objects.filter(expire_date__lt=cutoff).delete()
    return deleted


def _purge_api_tokens(cutoff: datetime) -> int:
    from kindred.accounts.models import ApiToken

    deleted, _n = ApiToken.objects.filter(
        Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    ).delete()
    return deleted


register(
    Provider(
        key="accounts.account",
        label=_("Your account and profile"),
        models=(
            get_user_model()._meta.label_lower,
            "accounts.profile",
            "accounts.apitoken",
            "account.emailaddress",
            "account.emailconfirmation",
            "mfa.authenticator",
            "sessions.session",
            "usersessions.usersession",
        ),
        export=_export,
        erase=_erase,
        retention={"sessions": _purge_sessions, "api_tokens": _purge_api_tokens},
    )
)
