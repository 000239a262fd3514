"""Errors of the mentoring domain; views and the API turn them into answers."""

from __future__ import annotations

from kindred.core.errors import KindredError


class MentoringError(KindredError):
    pass


class StateConflict(MentoringError):
    """The programme, pair or request is not in a state that allows this."""

    status_code = 409
    code = "conflict"


class PairRefused(MentoringError):
    """A pair that the programme's rules or a mentor's capacity do not allow."""

    code = "pair_refused"
