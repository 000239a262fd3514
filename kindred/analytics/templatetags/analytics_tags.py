"""Template tags of ecosystem analytics usable on any page (no view context)."""

from __future__ import annotations

from django import template
from django.core.cache import cache

from kindred.analytics.models import EcosystemSettings

register = template.Library()

#: The footer asks on every page; the answer is cached this long (seconds).
PUBLIC_PAGE_SECONDS = 60
PUBLIC_PAGE_KEY = "analytics:public-page-on"


def _public_page_on() -> bool:
    return bool(
        EcosystemSettings.objects.filter(pk=1)
        .values_list("public_page", flat=True)
        .first()
    )


@register.simple_tag
def public_ecosystem_page_on() -> bool:
    """Whether the public ecosystem page is on (read without writing, cached)."""
    return bool(cache.get_or_set(PUBLIC_PAGE_KEY, _public_page_on, PUBLIC_PAGE_SECONDS))


def forget_public_page() -> None:
    """Drop the cached answer (after the steward switched the page)."""
    cache.delete(PUBLIC_PAGE_KEY)
