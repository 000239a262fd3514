"""Mentor matching: score mentee-mentor pairs by criterion, and assign them.

Plain data in, plain data out; no Django. The mentoring app turns applications
into `Candidate`s, the organiser's criteria into `weights`, and the programme's
rules into `Rules`, then calls `match` (programme-wide) or `suggest` (one mentee).

A score is in points from 0 to 100: each criterion gives a fit from 0 to 1, and
the score is the weighted mean of the fits times 100. `PairScore.parts` holds each
criterion's contribution in points, so the parts add up to the total and the pages
can say why a pair scored what it did.

THIS FILE IS THE INTERFACE. The first implementation of `match` is an exact
assignment on the capacity-expanded matrix (SciPy), fine for a few hundred people;
the scalable exact solver (min-cost flow on each mentee's best candidates,
certified from the dual) replaces it behind the same signature.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

GOALS = "goals"
SECTOR = "sector"
STAGE = "stage"
REGION = "region"
LANGUAGE = "language"
AVAILABILITY = "availability"
EXPERIENCE = "experience"
PREFERENCE = "preference"
CRITERIA = (
    GOALS,
    SECTOR,
    STAGE,
    REGION,
    LANGUAGE,
    AVAILABILITY,
    EXPERIENCE,
    PREFERENCE,
)

DEFAULT_WEIGHTS: dict[str, float] = {
    GOALS: 5,
    SECTOR: 2,
    STAGE: 2,
    REGION: 1,
    LANGUAGE: 3,
    AVAILABILITY: 2,
    EXPERIENCE: 1,
    PREFERENCE: 2,
}

# Objectives the organiser chooses between.
BEST_TOTAL = "total"  # the largest sum of scores
MOST_MATCHED = "coverage"  # as many people matched as possible, then the largest sum
MODES = (BEST_TOTAL, MOST_MATCHED)

EXPERIENCE_FULL_YEARS = 20


@dataclass(frozen=True)
class Candidate:
    """One applicant, mentee or mentor, as plain data."""

    id: int
    organisations: frozenset[int] = frozenset()
    topics: frozenset[int] = frozenset()  # goals and topics
    sectors: frozenset[int] = frozenset()
    # A mentee's own stage (one value); the stages a mentor likes to work with.
    stages: frozenset[str] = frozenset()
    regions: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    availability: frozenset[str] = frozenset()  # slots such as "mon-am"
    experience_years: int = 0  # mentors
    preferences: tuple[int, ...] = ()  # ids on the other side, best first
    capacity: int = 1  # mentors: 1 to 5 mentees


@dataclass(frozen=True)
class Rules:
    allow_same_organisation: bool = False
    forbidden: frozenset[tuple[int, int]] = frozenset()  # (mentee id, mentor id)


@dataclass(frozen=True)
class PairScore:
    mentee: int
    mentor: int
    total: float
    parts: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Matching:
    pairs: list[PairScore]
    unmatched: list[int]  # mentee ids
    total: float
    mode: str
    # An upper bound on the best possible total; `gap` = (bound - total) / bound.
    upper_bound: float
    gap: float
    optimal: bool


def _share(a: frozenset, b: frozenset) -> float:
    return 1.0 if a & b else 0.0


def _rank_fit(ranking: Sequence[int], other: int) -> float | None:
    if not ranking:
        return None
    try:
        return 1.0 - ranking.index(other) / len(ranking)
    except ValueError:
        return 0.0


def fits(mentee: Candidate, mentor: Candidate) -> dict[str, float]:
    """Each criterion's fit, from 0 to 1."""
    goals = (
        len(mentee.topics & mentor.topics) / len(mentee.topics)
        if mentee.topics
        else 0.0
    )
    stage = (1.0 if mentee.stages & mentor.stages else 0.0) if mentor.stages else 0.5
    availability = (
        len(mentee.availability & mentor.availability) / len(mentee.availability)
        if mentee.availability
        else 0.5
    )
    liked = [
        f
        for f in (
            _rank_fit(mentee.preferences, mentor.id),
            _rank_fit(mentor.preferences, mentee.id),
        )
        if f is not None
    ]
    return {
        GOALS: goals,
        SECTOR: _share(mentee.sectors, mentor.sectors),
        STAGE: stage,
        REGION: _share(mentee.regions, mentor.regions),
        LANGUAGE: _share(mentee.languages, mentor.languages),
        AVAILABILITY: availability,
        EXPERIENCE: min(mentor.experience_years, EXPERIENCE_FULL_YEARS)
        / EXPERIENCE_FULL_YEARS,
        PREFERENCE: sum(liked) / len(liked) if liked else 0.0,
    }


def score_pair(
    mentee: Candidate, mentor: Candidate, weights: Mapping[str, float]
) -> PairScore:
    """The pair's score in points (0-100) and each criterion's contribution."""
    weight_sum = sum(max(0.0, float(weights.get(c, 0))) for c in CRITERIA)
    if weight_sum <= 0:
        return PairScore(mentee.id, mentor.id, 0.0, dict.fromkeys(CRITERIA, 0.0))
    fit = fits(mentee, mentor)
    parts = {
        c: round(100.0 * max(0.0, float(weights.get(c, 0))) * fit[c] / weight_sum, 2)
        for c in CRITERIA
    }
    return PairScore(mentee.id, mentor.id, round(sum(parts.values()), 2), parts)


def refusal(mentee: Candidate, mentor: Candidate, rules: Rules) -> str | None:
    """Why this pair may not be made ("same_organisation", "forbidden"), or None."""
    if (mentee.id, mentor.id) in rules.forbidden:
        return "forbidden"
    if (
        not rules.allow_same_organisation
        and mentee.organisations & mentor.organisations
    ):
        return "same_organisation"
    if mentee.id == mentor.id:
        return "same_person"
    return None


def suggest(
    mentee: Candidate,
    mentors: Iterable[Candidate],
    weights: Mapping[str, float],
    rules: Rules,
    *,
    k: int = 5,
    load: Mapping[int, int] | None = None,
) -> list[PairScore]:
    """The mentee's best `k` allowed mentors with room left, best first (ties by id)."""
    load = load or {}
    scored = [
        score_pair(mentee, mentor, weights)
        for mentor in mentors
        if refusal(mentee, mentor, rules) is None
        and load.get(mentor.id, 0) < mentor.capacity
    ]
    scored.sort(key=lambda p: (-p.total, p.mentor))
    return scored[:k]


def match(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    weights: Mapping[str, float],
    rules: Rules,
    *,
    mode: str = BEST_TOTAL,
    seed: int = 0,
) -> Matching:
    """The assignment with the largest total score within capacities and rules.

    In MOST_MATCHED mode the number of matched mentees comes first, the total second.
    Pairs scoring 0 are never made. Ties are broken by a seeded order, so the same
    input and seed give the same result.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    rng = np.random.default_rng(seed)
    slots = [m for m in mentors for _ in range(max(0, m.capacity))]
    if not mentees or not slots:
        return Matching([], [m.id for m in mentees], 0.0, mode, 0.0, 0.0, True)
    scores: dict[tuple[int, int], PairScore] = {}
    gain = np.zeros((len(mentees), len(slots)))
    # A tiny seeded jitter breaks ties reproducibly without changing the optimum.
    jitter = rng.random((len(mentees), len(mentors))) * 1e-6
    mentor_index = {m.id: j for j, m in enumerate(mentors)}
    bonus = 1000.0 if mode == MOST_MATCHED else 0.0
    for i, mentee in enumerate(mentees):
        for s, mentor in enumerate(slots):
            if refusal(mentee, mentor, rules) is not None:
                continue
            key = (mentee.id, mentor.id)
            if key not in scores:
                scores[key] = score_pair(mentee, mentor, weights)
            if scores[key].total > 0:
                gain[i, s] = (
                    bonus + scores[key].total + jitter[i, mentor_index[mentor.id]]
                )
    rows, cols = linear_sum_assignment(gain, maximize=True)
    pairs = [
        scores[(mentees[i].id, slots[s].id)]
        for i, s in zip(rows, cols, strict=True)
        if gain[i, s] > 0
    ]
    matched = {p.mentee for p in pairs}
    total = round(sum(p.total for p in pairs), 2)
    return Matching(
        pairs=sorted(pairs, key=lambda p: (p.mentee, p.mentor)),
        unmatched=[m.id for m in mentees if m.id not in matched],
        total=total,
        mode=mode,
        upper_bound=total,
        gap=0.0,
        optimal=True,
    )
