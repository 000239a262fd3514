"""Programmes on other apps' pages: the participant's cohort on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

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
    places = selectors.my_places(user).filter(status=Place.Status.ACTIVE)[:SHOWN]
    return {
        "entries": [
            {
                "cohort": place.cohort,
                "survey_due": selectors.survey_due(place.cohort, user),
            }
            for place in places
        ]
    }
