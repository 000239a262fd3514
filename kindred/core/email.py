"""Plain-text and HTML email, sent now or after the current transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
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
    from kindred.launch.selectors import site_name

    name = site_name()
    context = {"site_name": name, **context}
    if "path" in context:
        context["url"] = settings.KINDRED_BASE_URL + context["path"]
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"[{name}] {subject}",
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
    send_in_background(message)


def send_in_background(message: EmailMessage) -> None:
    """Hand a built message to the worker once the current transaction commits.

    A mail server that is down then delays the email (the task retries) instead
    of failing the web request that caused it.
    """
    from kindred.core.tasks import send_email

    data = {
        "subject": str(message.subject),
        "body": message.body,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
    }
    transaction.on_commit(lambda: send_email.enqueue(data))
