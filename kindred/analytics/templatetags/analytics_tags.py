"""Template tags of ecosystem analytics usable on any page (no view context)."""

from __future__ import annotations

from django import template

from kindred.analytics import selectors

register = template.Library()


@register.simple_tag
def public_ecosystem_page_on() -> bool:
    """Whether the public ecosystem page is on (read at most every 30 s)."""
    return selectors.public_page_on()
