"""Programmes on other apps' pages: the participant's cohort on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from kindred.accounts.models import User
from kindred.programmes import selectors
from kindred.programmes.models import Place

register = template.Library()

SHOWN = 2


@register.inclusion_tag("programmes/_my_programme.html")
def my_programme(user: User) -> dict[str, Any]:
    """`user`'s current cohort places, each with whether a survey waits for them.

    Usage: `{% my_programme user %}`; renders nothing when there is nothing.
    """
    if not user.is_authenticated:
        return {"entries": []}
    today = timezone.localdate()
    entries = []
    for place in selectors.my_places(user).filter(status=Place.Status.ACTIVE)[:SHOWN]:
        cohort = place.cohort
        answered = selectors.responses_of(user, cohort) if cohort.instrument_id else {}
        due = cohort.instrument_id and any(
            window.is_open(today) and window.kind not in answered
            for window in cohort.windows.all()
        )
        entries.append({"cohort": cohort, "survey_due": bool(due)})
    return {"entries": entries}
