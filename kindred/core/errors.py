"""Domain errors that services raise and views and the API turn into answers."""

from __future__ import annotations

from django.utils.functional import Promise


class KindredError(Exception):
    """A rule of the domain refused the action; `message` is shown to the person."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class NotAllowed(KindredError):
    """The person may not do this to this object."""

    status_code = 403
    code = "not_allowed"


class SecondFactorRequired(NotAllowed):
    """Admin powers need two-factor authentication switched on first."""

    code = "second_factor_required"
