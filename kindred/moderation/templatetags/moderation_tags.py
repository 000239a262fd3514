"""Report buttons on other apps' pages.

Usage: `{% load moderation_tags %}{% report_button obj %}` — a small link to the
report form, shown to signed-in people other than the author.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.db import models
from django.urls import reverse

from kindred.moderation import registry

register = template.Library()


@register.inclusion_tag("moderation/_report_button.html", takes_context=True)
def report_button(
    context: template.Context, obj: models.Model, css_class: str = ""
) -> dict[str, Any]:
    """A link to report `obj`; nothing for anonymous people or the author."""
    request = context.get("request")
    user = getattr(request, "user", None)
    shown = bool(
        obj is not None
        and getattr(obj, "pk", None)
        and user is not None
        and user.is_authenticated
        and registry.is_registered(obj)
    )
    url = ""
    label = ""
    if shown:
        entry = registry.for_object(obj)
        author = entry.author(obj)
        shown = author is None or author.pk != user.pk  # type: ignore[union-attr]
        label = str(entry.label)
        url = reverse("moderation:report", args=[entry.key, obj.pk])
        if request is not None:
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    return {"shown": shown, "url": url, "label": label, "css_class": css_class}
