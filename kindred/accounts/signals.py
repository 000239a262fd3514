from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from kindred.accounts.models import Profile, User
from kindred.core.middleware import start_session_clock

log = logging.getLogger("kindred.security")


@receiver(post_save, sender=User)
def give_every_user_a_profile(
    sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        Profile.objects.get_or_create(
            user=instance,
            defaults={"display_name": instance.email.split("@")[0][:120]},
        )


@receiver(user_logged_in)
def start_the_session_clock(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    """Idle and absolute timeouts count from here (kindred.core.middleware)."""
    if request is not None and hasattr(request, "session"):
        start_session_clock(request.session)
    log.info("login succeeded", extra={"event": "login.succeeded", "user_id": user.pk})


def account_reference(login: str) -> str:
    """A keyed, one-way reference to a login name: repeated failures against one
    account can be told apart in the logs without the logs holding the address."""
    return salted_hmac("kindred.login-failure", login.strip().lower()).hexdigest()[:16]


@receiver(user_login_failed)
def log_failed_login(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """Log a failed sign-in with its reason; never the address or the password."""
    login = str(credentials.get("email") or credentials.get("username") or "")
    person = User.objects.filter(email__iexact=login.strip()).first() if login else None
    if person is None:
        reason = "unknown account"
    elif not person.is_active:
        reason = "inactive account"
    else:
        reason = "wrong password"
    log.warning(
        "login failed: %s",
        reason,
        extra={
            "event": "login.failed",
            "reason": reason,
            "account": account_reference(login) if login else "",
        },
    )
