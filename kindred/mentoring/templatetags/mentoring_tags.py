"""Mentoring on other apps' pages: the signed-in person's pairs on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from kindred.accounts.models import User
from kindred.mentoring import selectors
from kindred.mentoring.models import Pair

register = template.Library()

SHOWN = 3


@register.inclusion_tag("mentoring/_my_mentoring.html")
def my_mentoring(user: User) -> dict[str, Any]:
    """`user`'s current pairs and the requests waiting for their answer.

    Usage: `{% my_mentoring user %}`; renders nothing when there is nothing.
    """
    if not user.is_authenticated:
        return {"pairs": [], "waiting": 0}
    pairs = list(
        selectors.my_pairs(user)
        .filter(status=Pair.Status.ACTIVE)
        .select_related("programme")[:SHOWN]
    )
    return {
        "user": user,
        "pairs": pairs,
        "waiting": selectors.requests_to_me(user).count(),
    }
