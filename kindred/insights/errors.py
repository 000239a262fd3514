"""Errors of the insights domain; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class InsightError(KindredError):
    pass
