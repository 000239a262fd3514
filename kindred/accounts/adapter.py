from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "KINDRED_SIGNUP_OPEN", True))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send account emails (verification, password reset) through the worker.

        A mail server that is down delays them; sign-up and reset still answer.
        """
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        from kindred.core.email import send_in_background

        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
        }
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        send_in_background(message)
