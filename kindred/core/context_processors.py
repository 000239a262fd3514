from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def kindred(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    demo_exempt = bool(
        user is not None
        and user.is_authenticated
        and user.is_demo
        and settings.KINDRED_DEMO_MFA_EXEMPT
    )
    unread = 0
    if user is not None and user.is_authenticated:
        from kindred.notifications.selectors import unread_count

        unread = unread_count(user)
    from kindred.launch import selectors as launch_selectors

    # Memoised per process (no query on most pages); KINDRED_SITE_NAME until the
    # steward names the ecosystem.
    launch = launch_selectors.state()
    return {
        "site_name": launch.ecosystem_name or settings.KINDRED_SITE_NAME,
        "site_tagline": launch.tagline,
        "signup_open": bool(settings.KINDRED_SIGNUP_OPEN) and launch.doors_open,
        "demo_mfa_exempt": demo_exempt,
        "unread_notifications": unread,
    }
