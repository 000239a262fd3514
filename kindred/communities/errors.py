"""Errors of the communities domain; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class CommunityError(KindredError):
    pass


class StateConflict(CommunityError):
    """The group, membership or post is not in a state that allows this change."""

    status_code = 409
    code = "conflict"
