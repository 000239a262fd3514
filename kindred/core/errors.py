"""Domain errors that services raise and views and the API turn into answers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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


def validate_model(instance: Any, *, exclude: list[str] | None = None) -> None:
    """Run the model's own validation, raising KindredError for the first problem."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field, messages = next(iter(error.message_dict.items()))
            raise KindredError(
                messages[0], field=None if field == NON_FIELD_ERRORS else field
            ) from None
        raise KindredError(error.messages[0]) from None
