from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Closed by KINDRED_SIGNUP_OPEN=0, or while a launch keeps the doors shut
        (except to people following an invitation to an organisation)."""
        from kindred.launch.selectors import invited_signup, state

        if not getattr(settings, "KINDRED_SIGNUP_OPEN", True):
            return False
        if state().doors_open:
            return True
        following = request.POST.get("next") or request.GET.get("next") or ""
        return invited_signup(following)

    def format_email_subject(self, subject: str) -> str:
        """Account emails carry the ecosystem's name, as every other email does."""
        from kindred.launch.selectors import site_name

        return f"[{site_name()}] {subject}"

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
