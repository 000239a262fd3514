"""Errors of networking rounds; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class NetworkingError(KindredError):
    pass


class RoundConflict(NetworkingError):
    """A round already ran for this programme on this date."""

    status_code = 409
    code = "conflict"
