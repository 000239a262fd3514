"""Collaboration on other apps' pages: an organisation's partners, shared services
and successes, and the ecosystem feed on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from kindred.collaboration import selectors
from kindred.organisations.models import Organisation

register = template.Library()

#: Stories shown on an organisation page and in the dashboard feed.
ORGANISATION_STORIES = 5
FEED_STORIES = 5


@register.inclusion_tag("collaboration/_organisation_sections.html", takes_context=True)
def organisation_collaboration(
    context: template.Context, organisation: Organisation
) -> dict[str, Any]:
    """Partners, services delivered together and shared successes of `organisation`.

    Usage: `{% organisation_collaboration organisation %}`.
    """
    user = context.get("user")
    return {
        "organisation": organisation,
        "partners": selectors.partners_of(organisation),
        "shared_services": list(selectors.co_delivered_services(organisation)),
        "stories": selectors.stories_of(organisation, limit=ORGANISATION_STORIES),
        "is_admin": bool(
            user is not None
            and user.is_authenticated
            and (
                user.is_steward
                or organisation.pk in selectors.admin_organisation_ids(user)
            )
        ),
    }


@register.inclusion_tag("collaboration/_ecosystem_feed.html")
def ecosystem_feed() -> dict[str, Any]:
    """The newest published success stories. Usage: `{% ecosystem_feed %}`."""
    return {"stories": selectors.recent_stories(FEED_STORIES)}
