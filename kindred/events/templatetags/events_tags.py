"""Events on other apps' pages: an organisation's upcoming events (co-hosting
credits every host) and the signed-in person's next events on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from kindred.accounts.models import User
from kindred.events import selectors
from kindred.events.models import Registration
from kindred.organisations.models import Organisation

register = template.Library()

#: Events shown on an organisation page and on the dashboard.
SHOWN = 5


@register.inclusion_tag("events/_organisation_events.html")
def organisation_events(organisation: Organisation) -> dict[str, Any]:
    """The next public events `organisation` hosts or co-hosts.

    Usage: `{% organisation_events organisation %}`.
    """
    events = list(
        selectors.hosted_by_organisation(organisation).prefetch_related(
            selectors.confirmed_hosts()
        )[: SHOWN + 1]
    )
    return {
        "organisation": organisation,
        "events": events[:SHOWN],
        "more": len(events) > SHOWN,
    }


@register.inclusion_tag("events/_my_next_events.html")
def my_next_events(user: User) -> dict[str, Any]:
    """`user`'s next events they registered for or wait for; co-hosting invitations.

    Usage: `{% my_next_events user %}`.
    """
    registrations = list(
        selectors.upcoming_registrations(user)[:SHOWN] if user.is_authenticated else []
    )
    return {
        "registrations": registrations,
        "waitlisted": Registration.Status.WAITLISTED,
        "invitations": list(selectors.pending_cohost_invitations(user)[:SHOWN])
        if user.is_authenticated
        else [],
    }
