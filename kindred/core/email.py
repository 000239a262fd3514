"""Plain-text and HTML email, sent now or after the current transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def build_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """Build an email from `template`.txt and `template`.html.

    A site-relative `path` in the context also arrives as an absolute `url`.
    """
    context = {"site_name": settings.KINDRED_SITE_NAME, **context}
    if "path" in context:
        context["url"] = settings.KINDRED_BASE_URL + context["path"]
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"[{settings.KINDRED_SITE_NAME}] {subject}",
        body=text,
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


def send_after_commit(
    *, to: str, subject: str, template: str, context: dict[str, Any]
) -> None:
    """Queue an email; nothing is sent if the surrounding transaction rolls back."""
    message = build_email(to=to, subject=subject, template=template, context=context)
    transaction.on_commit(message.send)
