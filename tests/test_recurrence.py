"""Recurring sessions keep their local wall-clock time across daylight-saving changes
(pure functions: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kindred.algorithms.recurrence import (
    MAX_OCCURRENCES,
    RecurrenceError,
    build_rule,
    expand,
    local_day,
    normalise_rule,
    to_utc,
    zone,
)

LONDON = "Europe/London"
HOUR = timedelta(hours=1)


def test_a_weekly_session_stays_at_ten_local_across_the_spring_change():
    """2026-03-29 is the spring-forward Sunday in London: 10:00 GMT is 10:00 UTC
    before it and 10:00 BST (09:00 UTC) after it."""
    sessions = expand(
        "FREQ=WEEKLY;COUNT=3",
        start=datetime(2026, 3, 22, 10, 0),
        duration=HOUR,
        time_zone=LONDON,
    )
    assert [s.starts_at for s in sessions] == [
        datetime(2026, 3, 22, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
        datetime(2026, 4, 5, 9, 0, tzinfo=UTC),
    ]
    for session in sessions:
        local = session.starts_at.astimezone(zone(LONDON))
        assert (local.hour, local.minute) == (10, 0)
        assert session.ends_at - session.starts_at == HOUR


def test_a_weekly_session_stays_at_ten_local_across_the_autumn_change():
    """2026-10-25 is the fall-back Sunday: 10:00 BST is 09:00 UTC, then 10:00 UTC."""
    sessions = expand(
        "FREQ=WEEKLY;COUNT=2",
        start=datetime(2026, 10, 20, 10, 0),
        duration=HOUR,
        time_zone=LONDON,
    )
    assert [s.starts_at for s in sessions] == [
        datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 10, 0, tzinfo=UTC),
    ]


def test_fortnightly_and_monthly_rules_from_the_form():
    fortnightly = expand(
        build_rule("fortnightly", count=3),
        start=datetime(2026, 1, 6, 18, 30),
        duration=HOUR,
        time_zone=LONDON,
    )
    assert [s.starts_at.date().isoformat() for s in fortnightly] == [
        "2026-01-06",
        "2026-01-20",
        "2026-02-03",
    ]
    monthly = expand(
        build_rule("monthly", count=4),
        start=datetime(2026, 1, 15, 12, 0),
        duration=HOUR,
        time_zone=LONDON,
    )
    assert [s.starts_at.astimezone(zone(LONDON)).day for s in monthly] == [15] * 4
    assert monthly[3].starts_at == datetime(2026, 4, 15, 11, 0, tzinfo=UTC)


def test_a_monthly_rule_by_weekday_follows_rfc_5545():
    """The second Tuesday of each month, at 09:00 in New York."""
    sessions = expand(
        "FREQ=MONTHLY;BYDAY=2TU;COUNT=3",
        start=datetime(2026, 2, 10, 9, 0),
        duration=HOUR,
        time_zone="America/New_York",
    )
    assert [s.starts_at for s in sessions] == [
        datetime(2026, 2, 10, 14, 0, tzinfo=UTC),  # EST, UTC-5
        datetime(2026, 3, 10, 13, 0, tzinfo=UTC),  # EDT from 8 March, UTC-4
        datetime(2026, 4, 14, 13, 0, tzinfo=UTC),
    ]


def test_until_in_utc_includes_the_last_session_of_that_day():
    sessions = expand(
        "FREQ=WEEKLY;UNTIL=20260405T090000Z",
        start=datetime(2026, 3, 22, 10, 0),
        duration=HOUR,
        time_zone=LONDON,
    )
    assert len(sessions) == 3
    assert sessions[-1].starts_at == datetime(2026, 4, 5, 9, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_read_with_the_offset_before_the_gap():
    """01:30 on 2026-03-29 does not exist in London; RFC 5545 reads it as 01:30 GMT."""
    assert to_utc(datetime(2026, 3, 29, 1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    # 01:30 on 2026-10-25 happens twice; the first (BST) is meant.
    assert to_utc(datetime(2026, 10, 25, 1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=WEEKLY", "must end"),
        ("FREQ=YEARLY;COUNT=2", "daily, weekly or monthly"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20260101", "not both"),
        ("FREQ=WEEKLY;COUNT=0", "above zero"),
        (f"FREQ=WEEKLY;COUNT={MAX_OCCURRENCES + 1}", "at most"),
        ("FREQ=DAILY;UNTIL=20300101", "at most"),
        ("FREQ=WEEKLY;BYHOUR=3;COUNT=2", "not supported"),
        ("FREQ=WEEKLY;INTERVAL=x;COUNT=2", "cannot be read"),
        ("FREQ=WEEKLY;UNTIL=20261340", "not a real date"),
        ("", "Give one RRULE"),
    ],
)
def test_unusable_rules_are_refused_with_a_reason(rule, message):
    with pytest.raises(RecurrenceError, match=message):
        expand(rule, start=datetime(2026, 1, 5, 10, 0), duration=HOUR, time_zone=LONDON)


def test_bad_zones_durations_and_aware_starts_are_refused():
    with pytest.raises(RecurrenceError, match="time zone"):
        expand(
            "FREQ=WEEKLY;COUNT=2",
            start=datetime(2026, 1, 5, 10),
            duration=HOUR,
            time_zone="Mars/Olympus",
        )
    with pytest.raises(RecurrenceError, match="end after"):
        expand(
            "FREQ=WEEKLY;COUNT=2",
            start=datetime(2026, 1, 5, 10),
            duration=timedelta(0),
            time_zone=LONDON,
        )
    with pytest.raises(RecurrenceError, match="wall-clock"):
        expand(
            "FREQ=WEEKLY;COUNT=2",
            start=datetime(2026, 1, 5, 10, tzinfo=UTC),
            duration=HOUR,
            time_zone=LONDON,
        )
    with pytest.raises(RecurrenceError):
        build_rule("yearly", count=2)
    with pytest.raises(RecurrenceError):
        build_rule("weekly", count=MAX_OCCURRENCES + 1)


def test_rules_are_normalised_and_days_are_local():
    assert normalise_rule("rrule:count=4;freq=weekly;interval=2") == (
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4"
    )
    late_evening = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert local_day(late_evening, LONDON).isoformat() == "2026-07-02"
    assert local_day(late_evening, "UTC").isoformat() == "2026-07-01"
