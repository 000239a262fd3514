"""Writes for accounts: profiles, access tokens, suspension."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import ApiToken, Profile, User
from kindred.accounts.permissions import require_steward
from kindred.core import audit
from kindred.core.errors import KindredError, NotAllowed, validate_model
from kindred.core.images import normalise_image
from kindred.core.markdown import problems
from kindred.core.models import Sector, Topic

SIMPLE_FIELDS = ("display_name", "headline", "bio", "region", "stage", "time_zone")
VISIBILITY_FIELDS = tuple(f"{f}_visibility" for f in Profile.PERSONAL_FIELDS)


class ProfileError(KindredError):
    pass


@transaction.atomic
def update_profile(
    profile: Profile,
    *,
    by: User,
    photo: UploadedFile | None = None,
    remove_photo: bool = False,
    sectors: Iterable[Sector] | None = None,
    topics_offered: Iterable[Topic] | None = None,
    topics_needed: Iterable[Topic] | None = None,
    languages: list[str] | None = None,
    **fields: Any,
) -> Profile:
    """Change `profile` with the given fields; only its owner may.

    Raise ProfileError for unsafe Markdown or an unacceptable photo; then nothing is
    changed at all.
    """
    if profile.user_id != by.pk:
        raise NotAllowed(_("You can only edit your own profile."))
    if "bio" in fields:
        found = problems(fields["bio"] or "")
        if found:
            raise ProfileError(
                _(
                    "Your text contains %(what)s, which is not allowed. Remove it or "
                    "use Markdown instead."
                )
                % {"what": ", ".join(found)},
                field="bio",
            )
    new_photo = normalise_image(photo, field="photo") if photo else None
    for field, value in fields.items():
        if field in SIMPLE_FIELDS or field in VISIBILITY_FIELDS:
            if value is None and field != "region":
                value = ""  # text fields store "not set" as an empty string
            setattr(profile, field, value)
    if languages is not None:
        profile.languages = list(dict.fromkeys(languages))
    validate_model(profile, exclude=["photo", "user"])
    old_photo = profile.photo.name if profile.photo else ""
    storage = profile.photo.storage
    if new_photo is not None:
        profile.photo.save(new_photo.name, new_photo, save=False)
    elif remove_photo:
        profile.photo = ""  # type: ignore[assignment]
    try:
        profile.save()
        for name, values in (
            ("sectors", sectors),
            ("topics_offered", topics_offered),
            ("topics_needed", topics_needed),
        ):
            if values is not None:
                getattr(profile, name).set(values)
    except Exception:
        if new_photo is not None:
            storage.delete(profile.photo.name)  # nothing stored half-way
        raise
    if old_photo and (new_photo is not None or remove_photo):
        transaction.on_commit(lambda: storage.delete(old_photo))
    audit.record("profile.updated", actor=by, target=profile)
    return profile


@transaction.atomic
def create_api_token(
    *, by: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a personal access token; return it with the raw key, shown once.

    Every token expires: after KINDRED_API_TOKEN_DEFAULT_DAYS when no date is
    given, and never later than KINDRED_API_TOKEN_MAX_DAYS from now.
    """
    name = name.strip()
    if not name:
        raise ProfileError(_("Give the token a name."), field="name")
    now = timezone.now()
    longest = settings.KINDRED_API_TOKEN_MAX_DAYS
    if expires_at is None:
        days = min(settings.KINDRED_API_TOKEN_DEFAULT_DAYS, longest)
        expires_at = now + timedelta(days=days)
    if expires_at <= now:
        raise ProfileError(
            _("The expiry date must be in the future."), field="expires_at"
        )
    if expires_at > now + timedelta(days=longest):
        raise ProfileError(
            _("A token can last at most %(days)s days; pick an earlier date.")
            % {"days": longest},
            field="expires_at",
        )
    if by.api_tokens.active().count() >= 20:
        raise ProfileError(_("You have 20 active tokens; revoke one first."))
    raw, prefix, key_hash = ApiToken.generate()
    token = ApiToken.objects.create(
        user=by, name=name, prefix=prefix, key_hash=key_hash, expires_at=expires_at
    )
    audit.record("api_token.created", actor=by, target=token)
    return token, raw


@transaction.atomic
def revoke_api_token(token: ApiToken, *, by: User) -> ApiToken:
    if token.user_id != by.pk:
        raise NotAllowed(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("api_token.revoked", actor=by, target=token)
    return token


@transaction.atomic
def end_all_sessions(user: User, *, by: User) -> None:
    """Sign `user` out everywhere: every session, on every device, ends at its next
    request (the session hash includes the generation). API tokens are not
    touched; revoke them separately."""
    User.objects.filter(pk=user.pk).update(
        session_generation=F("session_generation") + 1
    )
    user.refresh_from_db(fields=["session_generation"])
    audit.record("user.sessions_ended", actor=by, target=user)


@transaction.atomic
def suspend_user(user: User, *, by: User, reason: str) -> User:
    """Steward: stop `user` logging in or using the API, and hide their profile."""
    require_steward(by)
    if user.pk == by.pk:
        raise ProfileError(_("You cannot suspend yourself."))
    if not reason.strip():
        raise ProfileError(_("Say why the account is suspended."), field="reason")
    user.suspended_at = timezone.now()
    user.suspension_reason = reason.strip()
    user.is_active = False
    user.save(update_fields=["suspended_at", "suspension_reason", "is_active"])
    end_all_sessions(user, by=by)
    audit.record("user.suspended", actor=by, target=user, reason=reason.strip())
    return user


@transaction.atomic
def reinstate_user(user: User, *, by: User) -> User:
    require_steward(by)
    user.suspended_at = None
    user.suspension_reason = ""
    user.is_active = True
    user.save(update_fields=["suspended_at", "suspension_reason", "is_active"])
    audit.record("user.reinstated", actor=by, target=user)
    return user


@transaction.atomic
def set_steward(user: User, *, by: User, is_steward: bool) -> User:
    require_steward(by)
    if user.pk == by.pk and not is_steward:
        raise ProfileError(_("Ask another steward to remove your steward role."))
    user.is_steward = is_steward
    user.save(update_fields=["is_steward"])
    audit.record(
        "user.steward_granted" if is_steward else "user.steward_removed",
        actor=by,
        target=user,
    )
    return user
