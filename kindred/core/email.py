"""Send plain-text and HTML email after the current transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def send_after_commit(
    *, to: str, subject: str, template: str, context: dict[str, Any]
) -> None:
    """Queue an email built from `template`.txt and `template`.html.

    A site-relative `path` in the context also arrives as an absolute `url`.

    Nothing is sent if the surrounding transaction rolls back.
    """
    context = {"site_name": settings.KINDRED_SITE_NAME, **context}
    if "path" in context:
        context["url"] = settings.KINDRED_BASE_URL + context["path"]
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)

    def send() -> None:
        message = EmailMultiAlternatives(
            subject=f"[{settings.KINDRED_SITE_NAME}] {subject}", body=text, to=[to]
        )
        message.attach_alternative(html, "text/html")
        message.send()

    transaction.on_commit(send)
