"""Courses on other apps' pages: the signed-in person's courses on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from kindred.accounts.models import User
from kindred.learning import selectors

register = template.Library()

SHOWN = 3


@register.inclusion_tag("learning/_my_courses.html")
def my_courses(user: User) -> dict[str, Any]:
    """`user`'s courses under way (not completed), with their progress.

    Usage: `{% my_courses user %}`; renders nothing when there is nothing.
    """
    if not user.is_authenticated:
        return {"enrolments": []}
    enrolments = list(
        selectors.enrolments_of_user(user).filter(completed_at__isnull=True)[:SHOWN]
    )
    return {"enrolments": enrolments}
