"""Outcome statistics: scale scoring and the paired before/after change."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from kindred.algorithms.outcomes import (
    NOTE_NO_VARIATION,
    NOTE_SMALL_SAMPLE,
    NOTE_TOO_FEW,
    ItemSpec,
    item_value,
    paired_change,
    score_scale,
)

LIKERT5 = [ItemSpec("a", 1, 5), ItemSpec("b", 1, 5, reverse=True), ItemSpec("c", 1, 5)]


def test_reverse_item_is_min_plus_max_minus_answer():
    assert item_value(1, ItemSpec("x", 1, 5, reverse=True)) == 5
    assert item_value(2, ItemSpec("x", 1, 7, reverse=True)) == 6
    assert item_value(2, ItemSpec("x", 1, 7)) == 2


def test_scale_score_is_mean_after_reverse_scoring():
    assert score_scale({"a": 4, "b": 2, "c": 5}, LIKERT5) == pytest.approx(13 / 3)


def test_scale_score_needs_a_minimum_share_of_items():
    """One item of three answered is below half: no score; two of three is enough."""
    assert score_scale({"a": 4}, LIKERT5) is None
    assert score_scale({"a": 4, "b": None, "c": 2}, LIKERT5) == 3
    assert score_scale({"a": 4}, LIKERT5, min_share=0.3) == 4
    assert score_scale({"a": 4, "c": 2}, LIKERT5, min_share=1.0) is None


def test_out_of_range_and_missing_answers_do_not_count():
    assert score_scale({"a": 9, "b": 1, "c": 3}, LIKERT5) == pytest.approx(4)
    assert score_scale({"a": float("nan"), "b": 1, "c": 3}, LIKERT5) == 4
    assert score_scale({}, LIKERT5) is None
    assert score_scale({"a": 3}, []) is None


BEFORE = [2.1, 3.4, 2.8, 3.0, 1.9, 2.5, 3.3, 2.2, 2.9, 3.1, 2.4, 2.7]
AFTER = [2.9, 3.6, 3.5, 3.1, 2.8, 2.4, 4.0, 3.0, 3.3, 3.9, 2.6, 3.5]


def test_paired_change_matches_scipy_paired_t_test():
    before = dict(enumerate(BEFORE))
    after = dict(enumerate(AFTER))
    result = paired_change(before, after, enrolled=15)
    expected = stats.ttest_rel(AFTER, BEFORE)
    diffs = np.array(AFTER) - np.array(BEFORE)
    assert result.shown
    assert result.n == 12
    assert result.t == pytest.approx(expected.statistic)
    assert result.p == pytest.approx(expected.pvalue)
    assert result.mean_before == pytest.approx(np.mean(BEFORE))
    assert result.mean_after == pytest.approx(np.mean(AFTER))
    assert result.mean_change == pytest.approx(diffs.mean())
    assert result.cohens_d == pytest.approx(diffs.mean() / diffs.std(ddof=1))
    interval = stats.t.interval(
        0.95, len(diffs) - 1, loc=diffs.mean(), scale=stats.sem(diffs)
    )
    assert (result.ci_low, result.ci_high) == pytest.approx(interval)
    assert result.completion_rate == pytest.approx(12 / 15)
    assert result.notes == ()


def test_known_textbook_values():
    """Hand-checked: changes 1,2,3,4,5 → mean 3, sd √2.5, t = 3/(√2.5/√5)."""
    before = {i: 0.0 for i in range(5)}
    after = {i: float(i + 1) for i in range(5)}
    result = paired_change(before, after)
    assert result.mean_change == 3
    assert result.t == pytest.approx(3 / (math.sqrt(2.5) / math.sqrt(5)))
    assert result.cohens_d == pytest.approx(3 / math.sqrt(2.5))
    assert NOTE_SMALL_SAMPLE in result.notes


def test_only_people_with_both_scores_are_paired():
    before = {1: 2.0, 2: 3.0, 3: None, 4: 2.0, 5: 1.0, 6: 2.5, 7: 3.0}
    after = {1: 3.0, 2: 3.5, 3: 4.0, 4: None, 5: 2.0, 6: 2.0, 7: 4.0, 8: 5.0}
    result = paired_change(before, after, enrolled=10)
    assert result.n == 5
    expected = stats.ttest_rel([3.0, 3.5, 2.0, 2.0, 4.0], [2.0, 3.0, 1.0, 2.5, 3.0])
    assert result.t == pytest.approx(expected.statistic)
    assert result.completion_rate == 0.5


def test_fewer_than_five_pairs_shows_nothing():
    before = {i: float(i) for i in range(4)}
    after = {i: float(i) + 1 for i in range(4)}
    result = paired_change(before, after, enrolled=8)
    assert not result.shown
    assert result.n == 4
    assert result.notes == (NOTE_TOO_FEW,)
    assert result.mean_before is None
    assert result.mean_change is None
    assert result.t is None and result.p is None and result.cohens_d is None


def test_zero_variance_gives_no_test_and_a_note():
    """Everyone improved by exactly one point: no t, p or d, but the change."""
    before = {i: float(i % 3 + 1) for i in range(6)}
    after = {i: v + 1 for i, v in before.items()}
    result = paired_change(before, after)
    assert result.shown
    assert result.mean_change == 1
    assert result.t is None and result.p is None and result.cohens_d is None
    assert result.ci_low == result.ci_high == 1
    assert NOTE_NO_VARIATION in result.notes


def test_no_one_enrolled_has_no_completion_rate():
    result = paired_change({}, {}, enrolled=0)
    assert result.completion_rate is None
    assert not result.shown
