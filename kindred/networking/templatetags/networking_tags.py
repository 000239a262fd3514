"""Template helpers for networking rounds."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def others_in(introduction: Any, user: Any) -> list[str]:
    """The names of the people `user` meets in `introduction` (not their own).

    Usage: `{{ intro|others_in:request.user|join:", " }}`.
    """
    return [
        member.user.profile.display_name
        for member in introduction.members.all()
        if member.user_id != user.pk
    ]
