"""Errors of the peer-help domain; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class PeerhelpError(KindredError):
    pass


class StateConflict(PeerhelpError):
    """The ask or response is not in a state that allows this change."""

    status_code = 409
    code = "conflict"
