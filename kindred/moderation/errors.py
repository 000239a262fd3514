"""Errors of the moderation domain; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class ModerationError(KindredError):
    pass


class AlreadyReported(ModerationError):
    """The person already has an open report about this content."""

    status_code = 409
    code = "conflict"
