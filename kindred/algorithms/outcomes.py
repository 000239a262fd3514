"""Outcome statistics for cohort programmes: scale scores and paired change.

Plain data in, plain data out (no Django). Scale scores are the mean of a
person's answered items after reverse-scoring; the before/after change of a scale
is a paired comparison over the people who have a score at both times, with the
t-test and its p-value from SciPy.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Fewer people than this: no figures are shown at all (privacy and sense).
MIN_GROUP = 5
#: Below this many pairs the figures are shown with a "small sample" note.
SMALL_SAMPLE = 10
#: By default a scale score needs at least half of its items answered.
DEFAULT_MIN_SHARE = 0.5

# Notes are stable codes; the pages translate them.
NOTE_TOO_FEW = "too_few"
NOTE_SMALL_SAMPLE = "small_sample"
NOTE_NO_VARIATION = "no_variation"


@dataclass(frozen=True)
class ItemSpec:
    """One scored item of a scale: its key, its answer range and direction."""

    key: Hashable
    minimum: float
    maximum: float
    reverse: bool = False


def item_value(value: float, item: ItemSpec) -> float:
    """Return the answer as it counts towards the scale (reverse = min+max-x)."""
    if item.reverse:
        return item.minimum + item.maximum - value
    return value


def score_scale(
    answers: Mapping[Hashable, float | None],
    items: Sequence[ItemSpec],
    *,
    min_share: float = DEFAULT_MIN_SHARE,
) -> float | None:
    """Return the mean of the answered items of one person, reverse-scored.

    None when the scale has no items, or fewer than `min_share` of them are
    answered. Answers outside an item's range are treated as missing.
    """
    if not items:
        return None
    counted = []
    for item in items:
        value = answers.get(item.key)
        if value is None or isinstance(value, bool):
            continue
        value = float(value)
        if math.isnan(value) or not item.minimum <= value <= item.maximum:
            continue
        counted.append(item_value(value, item))
    if not counted or len(counted) / len(items) < min_share - 1e-12:
        return None
    return float(sum(counted) / len(counted))


@dataclass(frozen=True)
class PairedChange:
    """The before/after change of one scale across the people with both scores.

    With `shown` False (fewer than MIN_GROUP pairs) every figure is None: only
    `n`, `enrolled`, `completion_rate` and the note may be told.
    """

    n: int
    enrolled: int
    completion_rate: float | None
    shown: bool
    mean_before: float | None = None
    mean_after: float | None = None
    mean_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    sd_change: float | None = None
    cohens_d: float | None = None
    t: float | None = None
    p: float | None = None
    notes: tuple[str, ...] = ()


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def paired_change(
    before: Mapping[Hashable, float | None],
    after: Mapping[Hashable, float | None],
    *,
    enrolled: int | None = None,
    min_group: int = MIN_GROUP,
    confidence: float = 0.95,
) -> PairedChange:
    """Compare the scores of the people who have both a `before` and an `after`.

    `enrolled` is how many people could have answered both (for the completion
    rate; defaults to everyone in `before` or `after`). The confidence interval
    uses the t-distribution with n-1 degrees of freedom; Cohen's d is d_z, the
    mean change over the standard deviation of the changes.
    """
    people = [
        key
        for key, value in before.items()
        if value is not None and after.get(key) is not None
    ]
    n = len(people)
    if enrolled is None:
        enrolled = len(set(before) | set(after))
    rate = (n / enrolled) if enrolled else None
    if n < max(min_group, 2):
        return PairedChange(
            n=n,
            enrolled=enrolled,
            completion_rate=rate,
            shown=False,
            notes=(NOTE_TOO_FEW,),
        )
    first = np.array([float(before[k]) for k in people])  # type: ignore[arg-type]
    second = np.array([float(after[k]) for k in people])  # type: ignore[arg-type]
    changes = second - first
    mean_change = float(changes.mean())
    sd = float(changes.std(ddof=1))
    notes: list[str] = []
    if n < SMALL_SAMPLE:
        notes.append(NOTE_SMALL_SAMPLE)
    if sd == 0.0:
        # Every change identical: the t-test and the effect size are undefined.
        notes.append(NOTE_NO_VARIATION)
        return PairedChange(
            n=n,
            enrolled=enrolled,
            completion_rate=rate,
            shown=True,
            mean_before=float(first.mean()),
            mean_after=float(second.mean()),
            mean_change=mean_change,
            ci_low=mean_change,
            ci_high=mean_change,
            sd_change=0.0,
            notes=tuple(notes),
        )
    result = stats.ttest_rel(second, first)
    margin = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return PairedChange(
        n=n,
        enrolled=enrolled,
        completion_rate=rate,
        shown=True,
        mean_before=float(first.mean()),
        mean_after=float(second.mean()),
        mean_change=mean_change,
        ci_low=mean_change - margin,
        ci_high=mean_change + margin,
        sd_change=sd,
        cohens_d=mean_change / sd,
        t=_finite(result.statistic),
        p=_finite(result.pvalue),
        notes=tuple(notes),
    )
