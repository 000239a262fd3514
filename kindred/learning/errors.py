"""Errors of the learning domain; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class LearningError(KindredError):
    pass


class StateConflict(LearningError):
    """The course, enrolment or lesson is not in a state that allows this."""

    status_code = 409
    code = "conflict"
