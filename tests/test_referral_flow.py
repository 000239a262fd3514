"""The referral lifecycle as a pure state machine, and working-day arithmetic.

The expected rule book is written out here by hand, so that a change to the
machine's table (a move added, dropped or given to another party) fails a test.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kindred.algorithms import referral_flow as flow
from kindred.algorithms.referral_flow import IllegalTransition

# --- the rule book, written out by hand -------------------------------------------

ALL_STATES = (
    "draft",
    "sent",
    "accepted",
    "declined",
    "redirected",
    "in_progress",
    "on_hold",
    "completed",
    "closed",
    "withdrawn",
)
OPEN_STATES = {"draft", "sent", "accepted", "in_progress", "on_hold"}
FINAL_STATES = {"declined", "redirected", "completed", "closed", "withdrawn"}
ALL_PARTIES = ("referrer", "receiver", "entrepreneur")

R, V, E = "referrer", "receiver", "entrepreneur"
LEGAL: dict[tuple[str, str], set[str]] = {
    ("draft", "sent"): {R},
    ("draft", "withdrawn"): {R, E},
    ("sent", "accepted"): {V},
    ("sent", "declined"): {V},
    ("sent", "redirected"): {V},
    ("sent", "withdrawn"): {R, E},
    ("accepted", "in_progress"): {V},
    ("accepted", "on_hold"): {V},
    ("accepted", "completed"): {V},
    ("accepted", "closed"): {V},
    ("accepted", "withdrawn"): {R, E},
    ("in_progress", "on_hold"): {V},
    ("in_progress", "completed"): {V},
    ("in_progress", "closed"): {V},
    ("in_progress", "withdrawn"): {R, E},
    ("on_hold", "in_progress"): {V},
    ("on_hold", "closed"): {V},
    ("on_hold", "withdrawn"): {R, E},
}
LEGAL_TRIPLES = {
    (state, to, party) for (state, to), parties in LEGAL.items() for party in parties
}


def expected_why(state: str, to: str, party: str) -> str | None:
    """None when the move is legal, else the reason `check` must give."""
    if state in FINAL_STATES:
        return "final"
    if (state, to) not in LEGAL:
        return "not_a_move"
    if party not in LEGAL[(state, to)]:
        return "wrong_party"
    return None


def test_the_vocabulary_is_the_documented_one():
    assert flow.STATES == ALL_STATES
    assert flow.PARTIES == ALL_PARTIES
    assert set(flow.OPEN) == OPEN_STATES
    assert set(flow.FINAL) == FINAL_STATES
    assert set(ALL_STATES) == OPEN_STATES | FINAL_STATES
    assert set(flow.TAKEN_ON) == {
        "accepted",
        "in_progress",
        "on_hold",
        "completed",
        "closed",
    }


def test_the_hand_written_table_has_the_expected_size():
    # 18 (state, to) moves; 5 withdrawals have two parties each: 23 legal triples.
    assert len(LEGAL) == 18
    assert len(LEGAL_TRIPLES) == 23
    # Every state moves to withdrawn exactly when it is open.
    assert {s for (s, to) in LEGAL if to == "withdrawn"} == OPEN_STATES


# --- every combination of state, target and party ---------------------------------


@pytest.mark.parametrize(("state", "to", "party"), sorted(LEGAL_TRIPLES))
def test_every_legal_move_passes_for_its_party(state, to, party):
    assert flow.check(state, to, party) is None
    assert party in flow.parties_for(state, to)


def test_the_full_product_matches_the_table():
    """Every (state, to, party) of 10 × 10 × 3 is checked against the table."""
    mismatches = []
    checked = 0
    for state, to, party in product(ALL_STATES, ALL_STATES, ALL_PARTIES):
        checked += 1
        want = expected_why(state, to, party)
        try:
            flow.check(state, to, party)
        except IllegalTransition as error:
            got = error.why
            assert (error.state, error.to, error.party) == (state, to, party)
            assert str(error) == error.why
        else:
            got = None
        if got != want:
            mismatches.append((state, to, party, want, got))
    assert checked == 300
    assert mismatches == []


@pytest.mark.parametrize(
    ("state", "to", "party"),
    sorted(
        t
        for t in product(ALL_STATES, ALL_STATES, ALL_PARTIES)
        if t not in LEGAL_TRIPLES
    ),
)
def test_every_illegal_move_raises_with_the_right_reason(state, to, party):
    with pytest.raises(IllegalTransition) as error:
        flow.check(state, to, party)
    assert error.value.why == expected_why(state, to, party)
    assert error.value.why in {"final", "not_a_move", "wrong_party"}


def test_staying_in_the_same_state_is_never_a_move():
    for state, party in product(ALL_STATES, ALL_PARTIES):
        with pytest.raises(IllegalTransition) as error:
            flow.check(state, state, party)
        assert error.value.why == ("final" if state in FINAL_STATES else "not_a_move")


@pytest.mark.parametrize(
    ("state", "to", "party", "why"),
    [
        ("nonsense", "sent", R, "unknown_state"),
        ("draft", "nonsense", R, "unknown_state"),
        ("", "", R, "unknown_state"),
        ("SENT", "accepted", V, "unknown_state"),  # codes are lower case
        ("draft", "sent", "steward", "unknown_party"),
        ("sent", "accepted", "", "unknown_party"),
        ("withdrawn", "sent", "nobody", "unknown_party"),
    ],
)
def test_unknown_states_and_parties_are_refused(state, to, party, why):
    with pytest.raises(IllegalTransition) as error:
        flow.check(state, to, party)
    assert error.value.why == why


def test_parties_for_names_exactly_the_table():
    for state, to in product(ALL_STATES, ALL_STATES):
        assert set(flow.parties_for(state, to)) == LEGAL.get((state, to), set())
    assert flow.parties_for("nonsense", "sent") == frozenset()


@pytest.mark.parametrize("state", ALL_STATES)
def test_next_states_lists_the_table_in_state_order(state):
    subsets = [set(), {R}, {V}, {E}, {R, V}, {R, E}, {V, E}, {R, V, E}]
    for parties in subsets:
        want = [
            to
            for to in ALL_STATES
            if (state, to) in LEGAL and LEGAL[(state, to)] & parties
        ]
        assert flow.next_states(state, parties) == want
        assert flow.next_states(state, frozenset(parties)) == want
    if state in FINAL_STATES:
        assert flow.next_states(state, {R, V, E}) == []


def test_next_states_examples():
    assert flow.next_states("sent", {V}) == ["accepted", "declined", "redirected"]
    assert flow.next_states("sent", {R}) == ["withdrawn"]
    assert flow.next_states("accepted", {V}) == [
        "in_progress",
        "on_hold",
        "completed",
        "closed",
    ]
    assert flow.next_states("on_hold", {V}) == ["in_progress", "closed"]
    assert flow.next_states("draft", {V}) == []


# --- properties over random sequences of attempted moves ---------------------------

attempts = st.lists(
    st.tuples(st.sampled_from(ALL_STATES), st.sampled_from(ALL_PARTIES)),
    max_size=40,
)


def play(start: str, moves: list[tuple[str, str]]) -> list[str]:
    """Apply the attempted moves that `check` allows; return the states visited."""
    state = start
    visited = [state]
    for to, party in moves:
        before = state
        try:
            flow.check(state, to, party)
        except IllegalTransition as error:
            assert error.why == expected_why(before, to, party)
            assert state == before
            continue
        # Only moves in the hand-written table are ever applied.
        assert (before, to, party) in LEGAL_TRIPLES
        state = to
        visited.append(state)
    return visited


@settings(max_examples=300, deadline=None)
@given(start=st.sampled_from(ALL_STATES), moves=attempts)
def test_random_attempts_apply_only_legal_moves(start, moves):
    visited = play(start, moves)
    for before, after in zip(visited, visited[1:], strict=False):
        assert before in OPEN_STATES, "nothing moves out of a final state"
        assert (before, after) in LEGAL


@settings(max_examples=300, deadline=None)
@given(start=st.sampled_from(sorted(FINAL_STATES)), moves=attempts)
def test_final_states_never_change(start, moves):
    assert play(start, moves) == [start]
    for to, party in moves:
        with pytest.raises(IllegalTransition) as error:
            flow.check(start, to, party)
        assert error.value.why == "final"


@settings(max_examples=300, deadline=None)
@given(moves=attempts)
def test_once_final_a_referral_stays_put(moves):
    visited = play("draft", moves)
    finals = [i for i, s in enumerate(visited) if s in FINAL_STATES]
    if finals:
        assert finals[0] == len(visited) - 1, "a final state is always the last"


@settings(max_examples=300, deadline=None)
@given(moves=attempts, party=st.sampled_from([R, E]))
def test_withdrawn_is_reachable_from_every_open_state(moves, party):
    visited = play("draft", moves)
    for state in visited:
        if state in OPEN_STATES:
            flow.check(state, "withdrawn", party)  # does not raise
            assert "withdrawn" in flow.next_states(state, {party})
    with pytest.raises(IllegalTransition) as error:
        flow.check(visited[-1], "withdrawn", V)
    assert error.value.why == (
        "final" if visited[-1] in FINAL_STATES else "wrong_party"
    )


@settings(max_examples=500, deadline=None)
@given(
    start=st.sampled_from(["draft", "sent"]),
    moves=attempts,
)
def test_completed_is_reached_only_after_accepted(start, moves):
    visited = play(start, moves)
    if "completed" in visited:
        assert "accepted" in visited[: visited.index("completed")]
    for taken in ("in_progress", "on_hold", "closed"):
        if taken in visited:
            assert "accepted" in visited[: visited.index(taken)]


def test_the_whole_loop_is_a_legal_path():
    path = [
        ("sent", R),
        ("accepted", V),
        ("in_progress", V),
        ("on_hold", V),
        ("in_progress", V),
        ("completed", V),
    ]
    assert play("draft", path) == [
        "draft",
        "sent",
        "accepted",
        "in_progress",
        "on_hold",
        "in_progress",
        "completed",
    ]


# --- working days ------------------------------------------------------------------

# 23 to 29 November 2026: Monday to Sunday.
MON, TUE, WED, THU, FRI, SAT, SUN = (
    datetime(2026, 11, day, 14, 30, tzinfo=UTC) for day in range(23, 30)
)
NEXT_MON = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)


def test_the_calendar_in_these_tests_is_right():
    assert [d.weekday() for d in (MON, TUE, WED, THU, FRI, SAT, SUN)] == list(range(7))


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (MON, 1, TUE),
        (MON, 4, FRI),
        (MON, 5, NEXT_MON),
        (THU, 1, FRI),
        (THU, 2, NEXT_MON),
        (FRI, 1, NEXT_MON),
        (FRI, 2, NEXT_MON + timedelta(days=1)),
        (FRI, 5, FRI + timedelta(days=7)),
        (SAT, 1, NEXT_MON + timedelta(days=1)),
        (SUN, 1, NEXT_MON + timedelta(days=1)),
        (SAT, 5, NEXT_MON + timedelta(days=7)),
        (WED, 10, WED + timedelta(days=14)),
    ],
)
def test_add_working_days_skips_weekends(start, days, due):
    assert flow.add_working_days(start, days) == due


def test_friday_plus_one_is_monday():
    assert flow.add_working_days(FRI, 1).weekday() == 0
    assert flow.add_working_days(FRI, 1) == NEXT_MON


@pytest.mark.parametrize("weekend_day", [SAT, SUN])
def test_a_weekend_start_counts_from_monday(weekend_day):
    assert flow.add_working_days(weekend_day, 0) == NEXT_MON
    assert flow.add_working_days(weekend_day, 1) == flow.add_working_days(NEXT_MON, 1)
    assert flow.add_working_days(weekend_day, 3) == flow.add_working_days(NEXT_MON, 3)


@pytest.mark.parametrize("weekday", [MON, TUE, WED, THU, FRI])
def test_zero_days_on_a_weekday_is_the_same_moment(weekday):
    assert flow.add_working_days(weekday, 0) == weekday


@pytest.mark.parametrize("days", [-1, -5])
def test_negative_days_raise(days):
    with pytest.raises(ValueError):
        flow.add_working_days(MON, days)


def test_the_time_of_day_and_zone_are_kept():
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 27, 9, 15, tzinfo=london)  # a Friday before BST
    due = flow.add_working_days(start, 1)
    assert due.date() == date(2026, 3, 30)
    assert (due.hour, due.minute, due.tzinfo) == (9, 15, london)


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    days=st.integers(min_value=0, max_value=400),
)
def test_working_days_property(start, days):
    due = flow.add_working_days(start, days)
    assert due.weekday() < 5
    assert due.time() == start.time()
    assert due >= start
    # Exactly `days` weekdays lie in (first working moment, due].
    first = start
    while first.weekday() >= 5:
        first += timedelta(days=1)
    span = (due.date() - first.date()).days
    weekdays = sum(
        1 for i in range(1, span + 1) if (first + timedelta(days=i)).weekday() < 5
    )
    assert weekdays == days
    # One more working day is always later, and on a weekday.
    assert flow.add_working_days(start, days + 1) > due


# --- median --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([], None),
        ([4], 4.0),
        ([1, 3], 2.0),
        ([3, 1, 2], 2.0),
        ([10, 1, 4, 3], 3.5),
        ([0.5, 0.25], 0.375),
        ([5, 5, 5, 5], 5.0),
        ([-2, 2], 0.0),
    ],
)
def test_median(values, want):
    got = flow.median(values)
    assert got == want
    if want is not None:
        assert isinstance(got, float)


def test_median_does_not_reorder_its_argument():
    values = [3, 1, 2]
    flow.median(values)
    assert values == [3, 1, 2]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        min_size=1,
        max_size=50,
    )
)
def test_median_matches_the_standard_library(values):
    got = flow.median(values)
    assert got == pytest.approx(statistics.median(values))
    assert min(values) <= got <= max(values)
