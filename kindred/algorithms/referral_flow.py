"""The referral lifecycle as a pure state machine, and working-day arithmetic.

A referral moves through stable state codes; each move is made by one party:

- the referrer (the practitioner who referred, or the entrepreneur referring
  themselves),
- the receiver (the organisation, or the practitioner, the referral is sent to),
- the entrepreneur the referral is about.

`check(state, to, party)` is the only rule book: services call it before any
change, so an illegal move is refused the same way everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DRAFT = "draft"
SENT = "sent"
ACCEPTED = "accepted"
DECLINED = "declined"
REDIRECTED = "redirected"
IN_PROGRESS = "in_progress"
ON_HOLD = "on_hold"
COMPLETED = "completed"
CLOSED = "closed"
WITHDRAWN = "withdrawn"

STATES = (
    DRAFT,
    SENT,
    ACCEPTED,
    DECLINED,
    REDIRECTED,
    IN_PROGRESS,
    ON_HOLD,
    COMPLETED,
    CLOSED,
    WITHDRAWN,
)
OPEN = frozenset({DRAFT, SENT, ACCEPTED, IN_PROGRESS, ON_HOLD})
FINAL = frozenset(STATES) - OPEN
# Stages at which the receiver has taken the referral on.
TAKEN_ON = frozenset({ACCEPTED, IN_PROGRESS, ON_HOLD, COMPLETED, CLOSED})

REFERRER = "referrer"
RECEIVER = "receiver"
ENTREPRENEUR = "entrepreneur"
PARTIES = (REFERRER, RECEIVER, ENTREPRENEUR)

_MOVES: dict[tuple[str, str], frozenset[str]] = {
    (DRAFT, SENT): frozenset({REFERRER}),
    (SENT, ACCEPTED): frozenset({RECEIVER}),
    (SENT, DECLINED): frozenset({RECEIVER}),
    (SENT, REDIRECTED): frozenset({RECEIVER}),
    (ACCEPTED, IN_PROGRESS): frozenset({RECEIVER}),
    (ACCEPTED, ON_HOLD): frozenset({RECEIVER}),
    (IN_PROGRESS, ON_HOLD): frozenset({RECEIVER}),
    (ON_HOLD, IN_PROGRESS): frozenset({RECEIVER}),
    (ACCEPTED, COMPLETED): frozenset({RECEIVER}),
    (IN_PROGRESS, COMPLETED): frozenset({RECEIVER}),
    (ACCEPTED, CLOSED): frozenset({RECEIVER}),
    (IN_PROGRESS, CLOSED): frozenset({RECEIVER}),
    (ON_HOLD, CLOSED): frozenset({RECEIVER}),
} | {(state, WITHDRAWN): frozenset({REFERRER, ENTREPRENEUR}) for state in OPEN}


class IllegalTransition(Exception):
    """The move is not in the rule book, or not for this party."""

    def __init__(self, state: str, to: str, party: str, why: str) -> None:
        super().__init__(why)
        self.state, self.to, self.party, self.why = state, to, party, why


def parties_for(state: str, to: str) -> frozenset[str]:
    """Who may move a referral from `state` to `to` (empty when nobody may)."""
    return _MOVES.get((state, to), frozenset())


def check(state: str, to: str, party: str) -> None:
    """Raise IllegalTransition unless `party` may move from `state` to `to`."""
    if state not in STATES or to not in STATES:
        raise IllegalTransition(state, to, party, "unknown_state")
    if party not in PARTIES:
        raise IllegalTransition(state, to, party, "unknown_party")
    if state in FINAL:
        raise IllegalTransition(state, to, party, "final")
    allowed = parties_for(state, to)
    if not allowed:
        raise IllegalTransition(state, to, party, "not_a_move")
    if party not in allowed:
        raise IllegalTransition(state, to, party, "wrong_party")


def next_states(state: str, parties: set[str] | frozenset[str]) -> list[str]:
    """The states any of `parties` may move a referral in `state` to, in order."""
    return [
        to
        for to in STATES
        if (state, to) in _MOVES and _MOVES[(state, to)] & set(parties)
    ]


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` plus `days` working days (Monday to Friday), same time of day.

    Something sent on a Saturday or Sunday counts from the next Monday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    moment = start
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    remaining = days
    while remaining:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def median(values: list[float]) -> float | None:
    """The median of `values`, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
