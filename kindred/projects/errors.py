"""Errors of the projects domain; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class ProjectError(KindredError):
    pass


class StateConflict(ProjectError):
    """The project, role or volunteering is not in a state that allows this."""

    status_code = 409
    code = "conflict"
