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
    return {
        "site_name": settings.KINDRED_SITE_NAME,
        "demo_mfa_exempt": demo_exempt,
        "unread_notifications": unread,
    }
