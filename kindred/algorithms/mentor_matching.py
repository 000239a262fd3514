"""Mentor matching: score mentee-mentor pairs by criterion, and assign them.

Plain data in, plain data out; no Django. The mentoring app turns applications
into `Candidate`s, the organiser's criteria into `weights`, and the programme's
rules into `Rules`, then calls `match` (programme-wide) or `suggest` (one mentee).

A score is in points from 0 to 100: each criterion gives a fit from 0 to 1, and
the score is the weighted mean of the fits times 100. `PairScore.parts` holds each
criterion's contribution in points, rounded to hundredths (half up), so the parts
add up exactly to the total and the pages can say why a pair scored what it did.

How `match` finds the optimum (the array-level core below does the work):

1. Scoring, block by block of mentees, in integer hundredths of a point (int16)
   from feature arrays: each criterion's values are gathered as 0/1 rows of the
   mentors and turned into points through small lookup tables built with the very
   function `score_pair` uses, so both agree to the hundredth. A pair that is
   refused (same organisation unless allowed, forbidden, same person) scores 0,
   and pairs scoring 0 are never made. Only about each mentee's `candidates` best
   mentors (a threshold from a sample of the columns) and each mentor's
   `per_mentor` best mentees (a running list) are kept, never the whole matrix.
2. A min-cost flow (OR-tools) on those arcs: source -> mentee (1) -> mentor
   (cost = -score) -> sink (the mentor's capacity), with a source -> sink arc that
   lets mentees stay unmatched (best total), or a maximum flow of minimum cost
   (most matched first: the number matched, then the total). Node and arc order
   are shuffled by the seed, so ties are broken reproducibly.
3. A certificate from the linear-programming dual: the mentors' potentials `v`
   (the least ones consistent with the flow, found by a longest-path relaxation)
   and the mentees' `u = score - v` of their pair. Any `u`, `v` with
   u_i + v_j >= w_ij on every allowed pair bound the best total from above by
   sum(u) + sum(capacity * v). A pruned pair scores below both its mentee's and
   its mentor's last kept candidate, so only mentors whose potential is below
   their bound need rescoring, and only for the mentees whose slack is too small.
   Pruned pairs that break the bound are added as arcs and the flow is solved
   again, until none does: the result is then the optimum over ALL allowed pairs
   (`optimal`, `gap` 0). Every round's bound and gap are in `Matching.stats`.

On large problems (`PRICE_MIN_MENTEES` and up) step 1 is preceded by an estimate
of the mentors' prices (the dual v) from a sample of mentees, each standing for
several people (`estimate_prices`), and each mentee keeps her best mentors by
score - price (plus each mentor's best mentees by score): the optimum's pairs are
then nearly all in the first round, and a pruned pair is bounded by her threshold
+ the mentor's price, so the certificate rescores few pairs. The estimate only
chooses candidates; the certificate stays exact whatever the prices.

In "most matched first" mode the same certificate is computed on the weights
B + w, with B larger than any possible total, which is the lexicographic objective.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow

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
MIN_CAPACITY = 1
MAX_CAPACITY = 5
DEFAULT_CANDIDATES = 50
# One score point is 100 units in the optimiser: scores are exact hundredths.
UNITS = 100
MAX_UNITS = 100 * UNITS


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
    # How the optimum was found and certified: rounds, arcs, bounds, seconds.
    stats: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Scoring one pair (the reference the array core agrees with)


def _share(a: frozenset, b: frozenset) -> float:
    return 1.0 if a & b else 0.0


def _rank_fit(ranking: Sequence[int], other: int) -> float | None:
    if not ranking:
        return None
    try:
        return 1.0 - ranking.index(other) / len(ranking)
    except ValueError:
        return 0.0


def _weight(weights: Mapping[str, float], criterion: str) -> float:
    return max(0.0, float(weights.get(criterion, 0)))


def _weight_sum(weights: Mapping[str, float]) -> float:
    return sum(_weight(weights, c) for c in CRITERIA)


def _hundredths(weight: float, fit: float, weight_sum: float) -> int:
    """A criterion's contribution in hundredths of a point, rounded half up."""
    return math.floor(100.0 * weight * fit / weight_sum * 100.0 + 0.5)


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
    weight_sum = _weight_sum(weights)
    if weight_sum <= 0:
        return PairScore(mentee.id, mentor.id, 0.0, dict.fromkeys(CRITERIA, 0.0))
    fit = fits(mentee, mentor)
    units = {c: _hundredths(_weight(weights, c), fit[c], weight_sum) for c in CRITERIA}
    parts = {c: u / UNITS for c, u in units.items()}
    return PairScore(mentee.id, mentor.id, sum(units.values()) / UNITS, parts)


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
    """The mentee's best `k` allowed mentors with room left, best first (ties by id).

    Mentors who would score 0 are not suggested.
    """
    load = load or {}
    scored = [
        score_pair(mentee, mentor, weights)
        for mentor in mentors
        if refusal(mentee, mentor, rules) is None
        and load.get(mentor.id, 0) < mentor.capacity
    ]
    scored = [p for p in scored if p.total > 0]
    scored.sort(key=lambda p: (-p.total, p.mentor))
    return scored[:k]


# ---------------------------------------------------------------------------
# The array-level core


@dataclass(frozen=True)
class Side:
    """One side as arrays: each set-valued criterion is a 0/1 matrix, people x values.

    The mentee and mentor matrices of a criterion share their columns (the same
    vocabulary). `stages` is a mentee's own stage and the stages a mentor works with.
    """

    topics: sp.csr_matrix
    sectors: sp.csr_matrix
    stages: sp.csr_matrix
    regions: sp.csr_matrix
    languages: sp.csr_matrix
    availability: sp.csr_matrix
    organisations: sp.csr_matrix
    experience_years: np.ndarray | None = None  # mentors
    capacity: np.ndarray | None = None  # mentors

    @property
    def size(self) -> int:
        return self.topics.shape[0]


@dataclass(frozen=True)
class Criterion:
    """One set-valued criterion in gather form.

    `codes` lists each mentee's values (n x width, padded with the index of an
    all-zero row); `has` is values x mentors (uint8, one extra zero row); `table`
    gives the units for (the mentee's number of values, how many are shared) at
    `offset[i] + shared`, or is None for "any shared value scores `units`".
    """

    codes: np.ndarray
    has: np.ndarray
    units: int = 0
    table: np.ndarray | None = None
    offset: np.ndarray | None = None


@dataclass(frozen=True)
class Problem:
    """Everything the optimiser needs, in integer hundredths of a point."""

    n: int  # mentees
    m: int  # mentors
    capacity: np.ndarray  # int64, per mentor
    criteria: tuple[Criterion, ...]
    mentor_units: np.ndarray  # int16: the same for every mentee (experience...)
    organisations: tuple[sp.csr_matrix, sp.csr_matrix] | None  # None when allowed
    extra: sp.csr_matrix  # int32 units added per pair (preferences)
    banned: sp.csr_matrix  # 1 where the pair is refused (forbidden, same person)


def _csr(matrix: Any) -> sp.csr_matrix:
    out = sp.csr_matrix(matrix, dtype=np.float32)
    out.data[:] = 1.0
    out.sum_duplicates()
    out.data[:] = 1.0
    return out


def _criterion(
    mentees: sp.csr_matrix,
    mentors: sp.csr_matrix,
    *,
    units: int = 0,
    weight: float = 0.0,
    weight_sum: float = 1.0,
    empty_fit: float | None = None,
) -> Criterion:
    """Gather form of a criterion; a lookup table when `empty_fit` is given
    (the fit is the share of the mentee's values the mentor has)."""
    a, b = _csr(mentees), _csr(mentors)
    width = max(a.shape[1], b.shape[1])
    a.resize((a.shape[0], width))
    b.resize((b.shape[0], width))
    lengths = np.diff(a.indptr)
    longest = int(lengths.max(initial=0))
    codes = np.full((a.shape[0], max(1, longest)), width, np.int64)
    owner = np.repeat(np.arange(a.shape[0]), lengths)
    codes[owner, np.arange(a.nnz) - a.indptr[owner]] = a.indices
    has = np.zeros((width + 1, b.shape[0]), np.uint8)
    has[:width] = b.T.toarray() > 0
    if empty_fit is None:
        return Criterion(codes=codes, has=has, units=units)
    table = np.zeros((longest + 1) * (longest + 1), np.int16)
    for length in range(longest + 1):
        for count in range(length + 1):
            fit = count / length if length else empty_fit
            table[length * (longest + 1) + count] = _hundredths(weight, fit, weight_sum)
    offset = (lengths * (longest + 1)).astype(np.int16)
    return Criterion(codes=codes, has=has, table=table, offset=offset)


def build_problem(
    mentees: Side,
    mentors: Side,
    weights: Mapping[str, float],
    *,
    allow_same_organisation: bool = False,
    forbidden: np.ndarray | None = None,
    mentee_preferences: Sequence[Sequence[int]] | None = None,
    mentor_preferences: Sequence[Sequence[int]] | None = None,
) -> Problem:
    """Arrays -> a Problem. `forbidden` is an (k, 2) array of (mentee, mentor) indices;
    preferences are rankings of indices on the other side, best first (-1 for someone
    not in this run, who still counts in the ranking's length)."""
    n, m = mentees.size, mentors.size
    capacity = (
        np.ones(m, np.int64)
        if mentors.capacity is None
        else np.asarray(mentors.capacity, np.int64)
    )
    bad = (capacity < MIN_CAPACITY) | (capacity > MAX_CAPACITY)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"mentor capacity must be {MIN_CAPACITY} to {MAX_CAPACITY} mentees; "
            f"mentor #{j} has {int(capacity[j])}"
        )
    weight_sum = _weight_sum(weights)
    ws = {c: (_weight(weights, c) if weight_sum > 0 else 0.0) for c in CRITERIA}
    weight_sum = weight_sum if weight_sum > 0 else 1.0
    criteria = []
    simple = ((SECTOR, "sectors"), (REGION, "regions"), (LANGUAGE, "languages"))
    for criterion, name in simple:
        units = _hundredths(ws[criterion], 1.0, weight_sum)
        if units:
            criteria.append(
                _criterion(getattr(mentees, name), getattr(mentors, name), units=units)
            )
    for criterion, name, empty_fit in (
        (GOALS, "topics", 0.0),
        (AVAILABILITY, "availability", 0.5),
    ):
        if ws[criterion]:
            criteria.append(
                _criterion(
                    getattr(mentees, name),
                    getattr(mentors, name),
                    weight=ws[criterion],
                    weight_sum=weight_sum,
                    empty_fit=empty_fit,
                )
            )
    years = (
        np.zeros(m, np.int64)
        if mentors.experience_years is None
        else np.asarray(mentors.experience_years, np.int64)
    )
    mentor_units = np.array(
        [
            _hundredths(
                ws[EXPERIENCE],
                min(int(y), EXPERIENCE_FULL_YEARS) / EXPERIENCE_FULL_YEARS,
                weight_sum,
            )
            for y in years
        ],
        np.int16,
    )
    if ws[STAGE]:
        # A mentor with no stage listed fits every stage half; otherwise a shared
        # stage fits fully.
        stage = _criterion(
            mentees.stages,
            mentors.stages,
            units=_hundredths(ws[STAGE], 1.0, weight_sum),
        )
        criteria.append(stage)
        empty = stage.has.sum(axis=0) == 0
        mentor_units[empty] += _hundredths(ws[STAGE], 0.5, weight_sum)
    organisations = None
    if not allow_same_organisation:
        a, b = _csr(mentees.organisations), _csr(mentors.organisations)
        width = max(a.shape[1], b.shape[1])
        a.resize((n, width))
        b.resize((m, width))
        organisations = (a, sp.csr_matrix(b.T))
    extra = _preference_units(
        n, m, ws[PREFERENCE], weight_sum, mentee_preferences, mentor_preferences
    )
    if forbidden is None or len(forbidden) == 0:
        banned = sp.csr_matrix((n, m), dtype=np.int8)
    else:
        f = np.asarray(forbidden, np.int64).reshape(-1, 2)
        banned = sp.csr_matrix(
            (np.ones(len(f), np.int8), (f[:, 0], f[:, 1])), shape=(n, m)
        )
        banned.data[:] = 1
    return Problem(
        n=n,
        m=m,
        capacity=capacity,
        criteria=tuple(criteria),
        mentor_units=mentor_units,
        organisations=organisations,
        extra=extra,
        banned=banned,
    )


def _preference_units(
    n: int,
    m: int,
    weight: float,
    weight_sum: float,
    mentee_preferences: Sequence[Sequence[int]] | None,
    mentor_preferences: Sequence[Sequence[int]] | None,
) -> sp.csr_matrix:
    """Units of the preference criterion, only where a ranking names the pair."""
    if not weight or not (mentee_preferences or mentor_preferences):
        return sp.csr_matrix((n, m), dtype=np.int32)
    ee = list(mentee_preferences or [()] * n)
    rr = list(mentor_preferences or [()] * m)

    def ranks(rankings: list[Sequence[int]]) -> list[dict[int, float]]:
        out = []
        for ranking in rankings:
            seen: dict[int, float] = {}
            for position, other in enumerate(ranking):
                if other >= 0 and other not in seen:
                    seen[other] = 1.0 - position / len(ranking)
            out.append(seen)
        return out

    by_mentee, by_mentor = ranks(ee), ranks(rr)
    pairs = {(i, j) for i in range(n) for j in by_mentee[i]}
    pairs |= {(i, j) for j in range(m) for i in by_mentor[j]}
    rows, cols, data = [], [], []
    for i, j in pairs:
        liked = []
        if ee[i]:
            liked.append(by_mentee[i].get(j, 0.0))
        if rr[j]:
            liked.append(by_mentor[j].get(i, 0.0))
        units = _hundredths(weight, sum(liked) / len(liked), weight_sum)
        if units:
            rows.append(i)
            cols.append(j)
            data.append(units)
    return sp.csr_matrix(
        (
            np.array(data, np.int32),
            (np.array(rows, np.int64), np.array(cols, np.int64)),
        ),
        shape=(n, m),
    )


def score_block(
    problem: Problem, rows: np.ndarray, cols: np.ndarray | None = None
) -> np.ndarray:
    """Scores (int16 units) of mentees `rows` against mentors `cols` (default all).

    Refused pairs score 0. Work arrays are len(rows) x len(cols): call it on
    blocks of mentees.
    """
    rows = np.asarray(rows, np.int64)
    all_cols = cols is None
    cols = np.arange(problem.m) if cols is None else np.asarray(cols, np.int64)
    if len(rows) == 0 or len(cols) == 0:
        return np.zeros((len(rows), len(cols)), np.int16)
    out = np.repeat(problem.mentor_units[cols][None, :], len(rows), axis=0)
    for c in problem.criteria:
        has = c.has if all_cols else c.has[:, cols]
        codes = c.codes[rows]
        if c.table is None:
            if codes.shape[1] == 1:
                out += has[codes[:, 0]] * np.int16(c.units)
                continue
            any_shared = has[codes[:, 0]]
            for k in range(1, codes.shape[1]):
                any_shared |= has[codes[:, k]]
            out += any_shared * np.int16(c.units)
        else:
            shared = has[codes[:, 0]].astype(np.int16)
            for k in range(1, codes.shape[1]):
                shared += has[codes[:, k]]
            shared += c.offset[rows][:, None]
            out += c.table[shared]
    position = None
    if problem.extra.nnz or problem.banned.nnz:
        position = np.full(problem.m, -1, np.int64)
        position[cols] = np.arange(len(cols))
    if problem.extra.nnz:
        block = problem.extra[rows].tocoo()
        keep = position[block.col] >= 0
        np.add.at(
            out,
            (block.row[keep], position[block.col[keep]]),
            block.data[keep].astype(np.int16),
        )
    if problem.organisations is not None:
        a, bt = problem.organisations
        clash = (a[rows] @ (bt if all_cols else bt[:, cols])).tocoo()
        out[clash.row, clash.col] = 0
    if problem.banned.nnz:
        block = problem.banned[rows].tocoo()
        keep = position[block.col] >= 0
        out[block.row[keep], position[block.col[keep]]] = 0
    return out


def _block_rows(m: int, budget: int = 2_000_000) -> int:
    return max(1, budget // max(1, m))


@dataclass
class Candidates:
    """The arcs kept: each mentee's best allowed mentors and each mentor's best
    allowed mentees, as (mentee, mentor, units > 0), each pair once."""

    mentee: np.ndarray  # int64
    mentor: np.ndarray  # int64
    units: np.ndarray  # int64
    # A pair not kept scores no more than its mentee's lowest kept score (0 when
    # she kept every pair that scores) and no more than its mentor's.
    pruned_bound: np.ndarray  # int64 per mentee
    mentor_bound: np.ndarray  # int64 per mentor
    seconds: float = 0.0
    # When chosen by estimated reduced score (score - price of the mentor): a
    # pair not kept scores no more than its mentee's `pruned_bound` + the
    # mentor's price (and NO_BOUND means every pair that scores was kept).
    prices: np.ndarray | None = None


def _row_candidates(
    block: np.ndarray, k: int, floor: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's entries at or above a threshold near its k-th largest score, and
    the threshold (1 when every positive entry is kept).

    The threshold comes from a strided sample of the columns (an eighth), which is
    far cheaper than a full partition; rows whose threshold lets too many through
    are partitioned exactly. Keeping a few more or fewer than k is harmless: the
    certificate knows every pruned pair scores below the threshold.
    """
    b, m = block.shape
    stride = 8 if m >= 16 * k else 1
    sample = block[:, ::stride]
    kk = min(sample.shape[1], max(1, -(-k // stride)))
    threshold = np.partition(sample, sample.shape[1] - kk, axis=1)[:, -kk]
    threshold = np.maximum(threshold.astype(np.int64), floor)
    mask = block >= threshold[:, None].astype(block.dtype)
    crowded = np.flatnonzero(mask.sum(axis=1) > 3 * k)
    if len(crowded):
        exact = np.partition(block[crowded], m - k, axis=1)[:, m - k]
        threshold[crowded] = np.maximum(exact.astype(np.int64), floor)
        mask[crowded] = block[crowded] >= threshold[crowded][:, None]
    return mask, threshold


def _mentor_lists(
    block: np.ndarray,
    rows: np.ndarray,
    col_vals: np.ndarray,
    col_rows: np.ndarray,
    col_floor: np.ndarray,
) -> np.ndarray:
    """Merge a block into each mentor's running list of best mentees (in place);
    the new floors. Only entries above a mentor's current floor matter."""
    per_mentor = col_vals.shape[0]
    r, c = np.nonzero(block > col_floor[None, :])
    if len(r):
        touched = np.unique(c)
        held = col_rows[:, touched] >= 0
        src = np.concatenate([c, np.broadcast_to(touched[None, :], held.shape)[held]])
        vals = np.concatenate([block[r, c], col_vals[:, touched][held]])
        who = np.concatenate([rows[r], col_rows[:, touched][held]])
        order = np.lexsort((-vals.astype(np.int64), src))
        src, vals, who = src[order], vals[order], who[order]
        first = np.r_[0, np.flatnonzero(src[1:] != src[:-1]) + 1]
        rank = np.arange(len(src)) - np.repeat(first, np.diff(np.r_[first, len(src)]))
        keep = rank < per_mentor
        col_vals[:, touched] = 0
        col_rows[:, touched] = -1
        col_vals[rank[keep], src[keep]] = vals[keep]
        col_rows[rank[keep], src[keep]] = who[keep]
        full = (col_rows >= 0).all(axis=0)
        col_floor = np.where(full, col_vals.min(axis=0), 0).astype(np.int16)
    return col_floor


def top_candidates(
    problem: Problem,
    k: int = DEFAULT_CANDIDATES,
    per_mentor: int | None = None,
    prices: np.ndarray | None = None,
) -> Candidates:
    """Score block-wise and keep about each mentee's `k` best allowed mentors, and
    each mentor's `per_mentor` best allowed mentees (default: 5 per place).

    With `prices` (units per mentor), each mentee's `k` best by score - price are
    kept instead, and no mentor lists (see `estimate_prices`)."""
    if k < 1:
        raise ValueError("candidates must be at least 1")
    if prices is not None:
        return _priced_candidates(
            problem, k, prices, PRICED_PER_MENTOR if per_mentor is None else per_mentor
        )
    started = time.perf_counter()
    n, m = problem.n, problem.m
    per_mentor = max(1, 5 * MAX_CAPACITY if per_mentor is None else per_mentor)
    arcs_i, arcs_j, arcs_w = [], [], []
    bound = np.zeros(n, np.int64)
    # Each mentor's best mentees so far (per_mentor x m) and the lowest of them.
    col_vals = np.zeros((per_mentor, m), np.int16)
    col_rows = np.full((per_mentor, m), -1, np.int64)
    col_floor = np.zeros(m, np.int16)
    step = _block_rows(m)
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        block = score_block(problem, rows)
        if k < m:
            mask, threshold = _row_candidates(block, k)
            bound[rows] = threshold - 1
        else:
            mask = block > 0
        r, c = np.nonzero(mask)
        arcs_i.append(rows[r])
        arcs_j.append(c)
        arcs_w.append(block[r, c])
        col_floor = _mentor_lists(block, rows, col_vals, col_rows, col_floor)
    mentee = np.concatenate(arcs_i).astype(np.int64)
    mentor = np.concatenate(arcs_j).astype(np.int64)
    weight = np.concatenate(arcs_w).astype(np.int64)
    if per_mentor < n:
        # A mentor's pruned pairs score no more than her lowest kept one.
        mentor_bound = col_floor.astype(np.int64)
        extra = col_rows >= 0
        mentee = np.concatenate([mentee, col_rows[extra]])
        mentor = np.concatenate(
            [mentor, np.broadcast_to(np.arange(m)[None, :], col_rows.shape)[extra]]
        )
        weight = np.concatenate([weight, col_vals[extra].astype(np.int64)])
    else:  # each mentor keeps every mentee: nothing is pruned
        mentor_bound = np.zeros(m, np.int64)
        bound[:] = 0
    keep = weight > 0
    mentee, mentor, weight = mentee[keep], mentor[keep], weight[keep]
    _, first = np.unique(mentee * m + mentor, return_index=True)
    return Candidates(
        mentee=mentee[first],
        mentor=mentor[first],
        units=weight[first],
        pruned_bound=bound,
        mentor_bound=mentor_bound,
        seconds=time.perf_counter() - started,
    )


# A mentee's `pruned_bound` when she kept every pair that scores (priced pools).
NO_BOUND = -4 * MAX_UNITS


def _priced_candidates(
    problem: Problem, k: int, prices: np.ndarray, per_mentor: int
) -> Candidates:
    """Each mentee's about `k` best allowed mentors by score - price: with prices
    near the optimal dual, her pair in the optimum is among them (its reduced
    score is her best), and every pair left out is bounded by her threshold.
    Each mentor's `per_mentor` best mentees (by score) are kept too, so that a
    mentor whose price was overestimated is not left without candidates."""
    started = time.perf_counter()
    n, m = problem.n, problem.m
    per_mentor = max(1, per_mentor)
    col_vals = np.zeros((per_mentor, m), np.int16)
    col_rows = np.full((per_mentor, m), -1, np.int64)
    col_floor = np.zeros(m, np.int16)
    p = np.asarray(prices, np.int32)
    arcs_i, arcs_j, arcs_w = [], [], []
    bound = np.full(n, NO_BOUND, np.int64)
    step = _block_rows(m)
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        block = score_block(problem, rows)
        reduced = block.astype(np.int32)
        reduced -= p[None, :]
        reduced[block <= 0] = NO_BOUND
        if k < m:
            mask, threshold = _row_candidates(reduced, k, floor=NO_BOUND + 1)
            bound[rows] = np.where(threshold > NO_BOUND + 1, threshold - 1, NO_BOUND)
            mask &= block > 0
        else:
            mask = block > 0
        r, c = np.nonzero(mask)
        arcs_i.append(rows[r])
        arcs_j.append(c)
        arcs_w.append(block[r, c])
        col_floor = _mentor_lists(block, rows, col_vals, col_rows, col_floor)
    held = col_rows >= 0
    arcs_i.append(col_rows[held])
    arcs_j.append(np.broadcast_to(np.arange(m)[None, :], col_rows.shape)[held])
    arcs_w.append(col_vals[held])
    mentee = np.concatenate(arcs_i).astype(np.int64)
    mentor = np.concatenate(arcs_j).astype(np.int64)
    weight = np.concatenate(arcs_w).astype(np.int64)
    _, first = np.unique(mentee * m + mentor, return_index=True)
    return Candidates(
        mentee=mentee[first],
        mentor=mentor[first],
        units=weight[first],
        pruned_bound=bound,
        mentor_bound=col_floor.astype(np.int64)
        if per_mentor < n
        else np.zeros(m, np.int64),
        seconds=time.perf_counter() - started,
        prices=np.asarray(prices, np.int64),
    )


@dataclass
class Solution:
    """An assignment by index: `mentor_of[i]` is mentee i's mentor, or -1."""

    mentor_of: np.ndarray
    units: np.ndarray  # the pair's score in units, 0 when unmatched
    total_units: int
    upper_bound_units: int
    optimal: bool
    stats: dict[str, Any]

    @property
    def matched(self) -> int:
        return int((self.mentor_of >= 0).sum())


def _bonus(problem: Problem, mode: str) -> int:
    """B: more than any total, so that one more pair beats any difference in total."""
    if mode == BEST_TOTAL:
        return 0
    return MAX_UNITS * int(min(problem.n, int(problem.capacity.sum()))) + 1


def _flow(
    problem: Problem,
    mentee: np.ndarray,
    mentor: np.ndarray,
    units: np.ndarray,
    mode: str,
    seed: int,
) -> np.ndarray:
    """The optimum over the given arcs: mentor index per mentee, or -1."""
    n, m = problem.n, problem.m
    rng = np.random.default_rng(seed)
    mentee_node = 2 + rng.permutation(n)
    mentor_node = 2 + n + rng.permutation(m)
    order = rng.permutation(len(mentee))
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate(
        [mentee_node[mentee[order]], np.zeros(n, np.int64), mentor_node]
    )
    heads = np.concatenate(
        [mentor_node[mentor[order]], mentee_node, np.ones(m, np.int64)]
    )
    caps = np.concatenate(
        [np.ones(len(order) + n, np.int64), problem.capacity.astype(np.int64)]
    )
    costs = np.concatenate([-units[order], np.zeros(n + m, np.int64)])
    if mode == BEST_TOTAL:
        tails = np.append(tails, 0)
        heads = np.append(heads, 1)
        caps = np.append(caps, n)
        costs = np.append(costs, 0)
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    flow.set_nodes_supplies(np.array([0, 1], np.int32), np.array([n, -n], np.int64))
    status = flow.solve() if mode == BEST_TOTAL else flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    used = np.asarray(flow.flows(np.arange(len(order), dtype=np.int32))) > 0
    mentor_of = np.full(n, -1, np.int64)
    mentor_of[mentee[order][used]] = mentor[order][used]
    return mentor_of


def _duals(
    problem: Problem,
    mentee: np.ndarray,
    mentor: np.ndarray,
    weight: np.ndarray,
    mentor_of: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal dual (u per mentee, v per mentor) of the restricted problem.

    v is the least solution of the constraints an optimal dual must meet (a
    longest-path relaxation over the exchange arcs); it exists because the flow is
    optimal, and it then satisfies every complementary-slackness condition.
    """
    n, m = problem.n, problem.m
    matched_weight = np.zeros(n, np.int64)
    is_pair = mentor_of[mentee] == mentor
    matched_weight[mentee[is_pair]] = weight[is_pair]
    v = np.zeros(m, np.int64)
    free = mentor_of[mentee] < 0
    np.maximum.at(v, mentor[free], weight[free])
    exchange = (~free) & (~is_pair)
    src = mentor_of[mentee[exchange]]
    dst = mentor[exchange]
    delta = weight[exchange] - matched_weight[mentee[exchange]]
    order = np.argsort(dst, kind="stable")
    src, dst, delta = src[order], dst[order], delta[order]
    starts = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]]) if len(dst) else []
    targets = dst[starts] if len(dst) else dst
    for _ in range(m + 2):
        if not len(dst):
            break
        best = np.maximum.reduceat(v[src] + delta, starts)
        improved = best > v[targets]
        if not improved.any():
            break
        v[targets[improved]] = best[improved]
    else:
        raise RuntimeError("the dual did not converge: the flow is not optimal")
    u = np.zeros(n, np.int64)
    has = mentor_of >= 0
    u[has] = matched_weight[has] - v[mentor_of[has]]
    load = np.bincount(mentor_of[has], minlength=m)
    if (u < 0).any() or (v[load < problem.capacity] != 0).any():
        raise RuntimeError("no optimal dual: the flow is not optimal")
    return u, v


def _violations(
    problem: Problem,
    u: np.ndarray,
    v: np.ndarray,
    pool: Candidates,
    bonus: int,
    per_row: int,
    fixed: np.ndarray,
    only: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray], int]:
    """For each mentee, how far her pruned pairs break u_i + v_j >= w_ij (0 if not),
    the worst breaking pairs (mentee, mentor, units) up to `per_row` each, and how
    many mentees were rescored. Pairs in `fixed` (keys mentee * m + mentor, sorted)
    are left out: they were proven out of every solution better than one found.

    A pruned pair scores at most min(the mentee's bound, the mentor's bound), so
    only mentors with bound + B - v_j > 0 and mentees with bound + B - u_i > v_j
    for one of them are rescored, against those mentors only. With `only` =
    (mentees, mentors), only pairs with one of those mentees or one of those
    mentors are rescored: the caller knows every other pair kept its bound.
    """
    n = problem.n
    excess = np.zeros(n, np.int64)
    mentor_reach = np.where(pool.mentor_bound > 0, pool.mentor_bound + bonus - v, 0)
    suspects = np.flatnonzero(mentor_reach > 0)
    # A pruned pair scores at most pruned_bound_i + price_j: it can break the
    # bound only where pruned_bound_i + B - u_i > v_j - price_j (= key_j).
    price = np.zeros(problem.m, np.int64) if pool.prices is None else pool.prices
    key = v - price
    never = np.iinfo(np.int64).min // 4
    mentee_reach = np.where(
        pool.pruned_bound + price.max(initial=0) > 0,
        pool.pruned_bound + bonus - u,
        never,
    )
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    found_w: list[np.ndarray] = []
    rescored: set[int] = set()

    def scan(check: np.ndarray, suspects: np.ndarray) -> None:
        lowest_v = key[suspects].min(initial=np.iinfo(np.int64).max)
        check = check[mentee_reach[check] > lowest_v]
        if not len(check) or not len(suspects):
            return
        check = check[np.argsort(-mentee_reach[check], kind="stable")]
        suspects = suspects[np.argsort(key[suspects], kind="stable")]
        sorted_v = key[suspects]
        step = _block_rows(problem.m)
        start = 0
        while start < len(check):
            rows = check[start : start + step]
            reach = mentee_reach[rows].max()
            cols = suspects[: np.searchsorted(sorted_v, reach, "left")]
            cols = np.sort(cols[mentor_reach[cols] > u[rows].min()])
            # Fewer columns allow more rows per block (their reach is lower).
            wider = check[start : start + _block_rows(len(cols))]
            if len(wider) > len(rows):
                rows = wider
            start += len(rows)
            if not len(cols):
                continue
            rescored.update(rows.tolist())
            block = score_block(problem, rows, cols).astype(np.int64)
            reduced = np.where(block > 0, block + bonus, 0) - v[cols][None, :]
            reduced -= u[rows][:, None]
            rr, cc = np.nonzero(reduced > 0)
            if len(rr) and len(fixed):  # pairs proven out of every better solution
                outside = ~np.isin(rows[rr] * problem.m + cols[cc], fixed)
                rr, cc = rr[outside], cc[outside]
            if not len(rr):
                continue
            gain = reduced[rr, cc]
            np.maximum.at(excess, rows[rr], gain)
            found_i.append(rows[rr])
            found_j.append(cols[cc])
            found_w.append(block[rr, cc])

    everyone = np.arange(n)
    if only is None:
        scan(everyone, suspects)
    else:
        rows_changed, cols_changed = only
        scan(np.asarray(rows_changed, np.int64), suspects)
        scan(everyone, np.intersect1d(suspects, cols_changed))
    if not found_i:
        empty = np.zeros(0, np.int64)
        return excess, (empty, empty, empty), len(rescored)
    fi, fj, fw = (np.concatenate(x) for x in (found_i, found_j, found_w))
    _, first = np.unique(fi * problem.m + fj, return_index=True)
    fi, fj, fw = fi[first], fj[first], fw[first]
    gain = np.where(fw > 0, fw + bonus, 0) - v[fj] - u[fi]
    # Each mentee's `per_row` worst offenders.
    order = np.lexsort((-gain, fi))
    fi, fj, fw = fi[order], fj[order], fw[order]
    starts = np.r_[0, np.flatnonzero(fi[1:] != fi[:-1]) + 1]
    rank = np.arange(len(fi)) - np.repeat(starts, np.diff(np.r_[starts, len(fi)]))
    keep = rank < per_row
    return excess, (fi[keep], fj[keep], fw[keep].astype(np.int64)), len(rescored)


def _group_flow(
    problem: Problem, copies: int, mentee: np.ndarray, mentor: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Best total with each of `s` sample mentees standing for `copies` people:
    the flow on each arc (0 to copies)."""
    s, m = int(mentee.max(initial=-1)) + 1, problem.m
    flow = min_cost_flow.SimpleMinCostFlow()
    mentee_node = 2 + np.arange(s)
    mentor_node = 2 + s + np.arange(m)
    tails = np.concatenate(
        [mentee_node[mentee], np.zeros(s, np.int64), mentor_node, [0]]
    )
    heads = np.concatenate(
        [mentor_node[mentor], mentee_node, np.ones(m, np.int64), [1]]
    )
    caps = np.concatenate(
        [np.full(len(mentee) + s, copies), problem.capacity, [s * copies]]
    ).astype(np.int64)
    costs = np.concatenate([-w, np.zeros(s + m + 1, np.int64)])
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    flow.set_nodes_supplies(
        np.array([0, 1], np.int32), np.array([s * copies, -s * copies], np.int64)
    )
    if flow.solve() != flow.OPTIMAL:  # pragma: no cover
        raise RuntimeError("min-cost flow failed on the price sample")
    return np.asarray(flow.flows(np.arange(len(mentee), dtype=np.int32)), np.int64)


def _group_duals(
    problem: Problem,
    copies: int,
    mentee: np.ndarray,
    mentor: np.ndarray,
    w: np.ndarray,
    x: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The least optimal dual of `_group_flow`'s problem (u per sample mentee, v
    per mentor): v rises and u falls until every optimality condition holds."""
    s, m = int(mentee.max(initial=-1)) + 1, problem.m
    sent = np.bincount(mentee, weights=x, minlength=s)
    full = sent >= copies
    on = x > 0
    fi, fj, fw = mentee[on], mentor[on], w[on]
    order = np.argsort(fi, kind="stable")
    fi, fj, fw = fi[order], fj[order], fw[order]
    f_starts = np.flatnonzero(np.r_[True, fi[1:] != fi[:-1]]) if len(fi) else fi
    f_owner = fi[f_starts] if len(fi) else fi
    room = x < copies
    ri, rj, rw = mentee[room], mentor[room], w[room]
    order = np.argsort(rj, kind="stable")
    ri, rj, rw = ri[order], rj[order], rw[order]
    r_starts = np.flatnonzero(np.r_[True, rj[1:] != rj[:-1]]) if len(rj) else rj
    r_owner = rj[r_starts] if len(rj) else rj
    v = np.zeros(m, np.int64)
    u = np.zeros(s, np.int64)
    for _ in range(m + s + 2):
        u = np.zeros(s, np.int64)
        if len(fi):
            u[f_owner] = np.minimum.reduceat(fw - v[fj], f_starts)
        u[~full] = 0
        if not len(ri):
            break
        best = np.maximum.reduceat(rw - u[ri], r_starts)
        rise = best > v[r_owner]
        if not rise.any():
            break
        v[r_owner[rise]] = best[rise]
    return u, v


PRICE_SAMPLE = 8  # one sample mentee in 8, standing for 8 people
PRICE_MIN_MENTEES = 2_000  # below this, scoring twice costs more than it saves
PRICED_CANDIDATES = 12
PRICED_PER_MENTOR = 10


def estimate_prices(
    problem: Problem,
    *,
    sample: int = PRICE_SAMPLE,
    k: int = 10,
    add: int = 5,
    rounds: int = 6,
    seed: int = 0,
) -> np.ndarray:
    """Estimated mentor prices (the optimal dual v, in units) from one mentee in
    `sample`, each standing for `sample` people competing for the full capacities:
    a few rounds of the flow on the sample's best pairs, the dual, and the pairs
    that break it added. Only an estimate: the certificate never relies on it."""
    n, m = problem.n, problem.m
    rng = np.random.default_rng(seed)
    s = max(1, n // sample)
    copies = max(1, round(n / s))
    rows = np.sort(rng.choice(n, s, replace=False))
    block = score_block(problem, rows).astype(np.int32)
    kk = min(k, m)
    top = np.argpartition(block, m - kk, axis=1)[:, m - kk :]
    mentee = np.repeat(np.arange(s), kk)
    mentor = top.ravel().astype(np.int64)
    w = block[mentee, mentor].astype(np.int64)
    keep = w > 0
    mentee, mentor, w = mentee[keep], mentor[keep], w[keep]
    v = np.zeros(m, np.int64)
    for round_no in range(rounds):
        x = _group_flow(problem, copies, mentee, mentor, w)
        u, v = _group_duals(problem, copies, mentee, mentor, w, x)
        if round_no == rounds - 1:
            break
        reduced = block - v.astype(np.int32)[None, :]
        reduced -= u.astype(np.int32)[:, None]
        reduced[block <= 0] = -1
        reduced[mentee, mentor] = -1
        aa = min(add, m)
        top = np.argpartition(reduced, m - aa, axis=1)[:, m - aa :]
        ai = np.repeat(np.arange(s), aa)
        aj = top.ravel().astype(np.int64)
        keep = reduced[ai, aj] > 0
        if not keep.any():
            break
        mentee = np.concatenate([mentee, ai[keep]])
        mentor = np.concatenate([mentor, aj[keep]])
        w = np.concatenate([w, block[ai[keep], aj[keep]].astype(np.int64)])
    return v


def solve(
    problem: Problem,
    *,
    mode: str = BEST_TOTAL,
    seed: int = 0,
    candidates: int = DEFAULT_CANDIDATES,
    per_mentor: int | None = None,
    widen: int = 10,
    max_rounds: int = 30,
    gap_tolerance: float = 0.0,
    pool: Candidates | None = None,
    priced: bool | None = None,
) -> Solution:
    """The optimum over all allowed pairs, certified from the dual (see the module
    docstring). Each round adds, for each mentee whose pruned pairs break the
    bound, her `widen` worst offenders. With `gap_tolerance` > 0 it stops as soon
    as the certified gap is that small (the result says it is not proven optimal,
    and gives the bound). `pool` reuses candidates already scored."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    started = time.perf_counter()
    if priced is None:
        priced = pool is None and problem.n >= PRICE_MIN_MENTEES
    seconds_prices = 0.0
    if pool is None and priced:
        prices = estimate_prices(problem, seed=seed)
        seconds_prices = time.perf_counter() - started
        pool = top_candidates(
            problem, min(candidates, PRICED_CANDIDATES), per_mentor, prices=prices
        )
    pool = pool or top_candidates(problem, candidates, per_mentor)
    mentee, mentor, units = pool.mentee, pool.mentor, pool.units
    bonus = _bonus(problem, mode)
    rounds: list[dict[str, Any]] = []
    optimal = False
    mentor_of = np.full(problem.n, -1, np.int64)
    upper = 0
    fixed = np.zeros(0, np.int64)
    previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    for round_no in range(1, max_rounds + 1):
        t0 = time.perf_counter()
        mentor_of = _flow(problem, mentee, mentor, units, mode, seed)
        t1 = time.perf_counter()
        weight = units + bonus
        u, v = _duals(problem, mentee, mentor, weight, mentor_of)
        t2 = time.perf_counter()
        excess, (ai, aj, aw), rescored = _violations(
            problem,
            u,
            v,
            pool,
            bonus,
            per_row=max(1, widen),
            fixed=fixed,
            only=None
            if previous is None
            else (
                np.union1d(np.flatnonzero(u < previous[0]), previous[2]),
                np.flatnonzero(v < previous[1]),
            ),
        )
        # A pair that met u_i + v_j >= w_ij still does while neither decreases:
        # next round, only mentees whose u fell or who broke the bound (they may
        # have more offenders than were added) and mentors whose v fell are
        # rescored.
        previous = (u, v, np.flatnonzero(excess > 0))
        t3 = time.perf_counter()
        primal = int(u.sum() + (problem.capacity * v).sum())
        upper = primal + int(excess.sum())
        # The gap on the total; in "most matched first" mode only once the bound
        # proves nobody more can be matched (objective and bound include B each).
        count = int((mentor_of >= 0).sum())
        if upper >= (count + 1) * bonus > 0:
            gap = 1.0
        else:
            base = upper - count * bonus
            gap = (upper - primal) / base if base else 0.0
        rounds.append(
            {
                "round": round_no,
                "arcs": len(mentee),
                "matched": int((mentor_of >= 0).sum()),
                "objective": primal,
                "upper_bound": upper,
                "gap": gap,
                "mentees_breaking_bound": int((excess > 0).sum()),
                "mentees_rescored": rescored,
                "seconds_flow": round(t1 - t0, 4),
                "seconds_dual": round(t2 - t1, 4),
                "seconds_certificate": round(t3 - t2, 4),
            }
        )
        if not len(ai):
            optimal = True
            break
        if rounds[-1]["gap"] <= gap_tolerance:
            break
        # Reduced-cost fixing: u + excess, v is a dual over ALL allowed pairs, so
        # a solution using arc (i, j) is worth at most upper + (its reduced
        # profit); arcs below primal - upper cannot be in any better solution.
        reduced = weight - (u + excess)[mentee] - v[mentor]
        out = reduced < primal - upper
        if out.any():
            fixed = np.union1d(fixed, mentee[out] * problem.m + mentor[out])
            mentee, mentor, units = mentee[~out], mentor[~out], units[~out]
        rounds[-1]["arcs_fixed_out"] = int(out.sum())
        mentee = np.concatenate([mentee, ai])
        mentor = np.concatenate([mentor, aj])
        units = np.concatenate([units, aw])
    has = mentor_of >= 0
    pair_units = np.zeros(problem.n, np.int64)
    # The pair's units: from the arcs (each (mentee, mentor) appears once).
    chosen = mentor_of[mentee] == mentor
    pair_units[mentee[chosen]] = units[chosen]
    total = int(pair_units.sum())
    matched = int(has.sum())
    if optimal:
        upper_total = total
    elif mode == BEST_TOTAL:
        upper_total = upper
    elif upper < (matched + 1) * bonus:
        upper_total = upper - matched * bonus
    else:  # more people might be matched: no bound on the total of this mode
        upper_total = -1
    return Solution(
        mentor_of=mentor_of,
        units=pair_units,
        total_units=total,
        upper_bound_units=upper_total,
        optimal=optimal,
        stats={
            "mode": mode,
            "candidates": candidates,
            "gap_tolerance": gap_tolerance,
            "priced": pool.prices is not None,
            "seconds_prices": round(seconds_prices, 4),
            "seconds_scoring": round(pool.seconds, 4),
            "seconds": round(time.perf_counter() - started, 4),
            "rounds": rounds,
        },
    )


def greedy(
    problem: Problem,
    *,
    seed: int = 0,
    candidates: int = DEFAULT_CANDIDATES,
    pool: Candidates | None = None,
) -> Solution:
    """The baseline: best remaining pair first, ties in a seeded order.

    It walks each mentee's `candidates` best pairs in order of score; mentees whose
    list ran out while mentors still have room are then rescored against those
    mentors, again best pair first, until no pair is left.
    """
    started = time.perf_counter()
    pool = pool or top_candidates(problem, candidates)
    n = problem.n
    rng = np.random.default_rng(seed)
    tie = rng.random(len(pool.units))
    order = np.lexsort((tie, -pool.units))
    mentor_of = np.full(n, -1, np.int64)
    pair_units = np.zeros(n, np.int64)
    room = problem.capacity.astype(np.int64).tolist()
    taken = [False] * n
    left = min(n, sum(room))
    for i, j, w in zip(
        pool.mentee[order].tolist(),
        pool.mentor[order].tolist(),
        pool.units[order].tolist(),
        strict=True,
    ):
        if taken[i] or not room[j]:
            continue
        taken[i] = True
        room[j] -= 1
        mentor_of[i] = j
        pair_units[i] = w
        left -= 1
        if not left:
            break
    room_arr = np.array(room, np.int64)
    rescued_rounds = 0
    # Every positive pair was in the list.
    hopeless = (
        pool.pruned_bound
        + (0 if pool.prices is None else int(pool.prices.max(initial=0)))
        <= 0
    )
    while left:
        waiting = np.flatnonzero((mentor_of < 0) & ~hopeless)
        cols = np.flatnonzero(room_arr > 0)
        if not len(waiting) or not len(cols):
            break
        rescued_rounds += 1
        best_j = np.full(len(waiting), -1, np.int64)
        best_w = np.zeros(len(waiting), np.int64)
        step = _block_rows(len(cols))
        for start in range(0, len(waiting), step):
            block = score_block(problem, waiting[start : start + step], cols)
            pick = block.argmax(axis=1)
            best_j[start : start + step] = cols[pick]
            best_w[start : start + step] = block[np.arange(len(pick)), pick]
        ok = best_w > 0
        hopeless[waiting[~ok]] = True
        if not ok.any():
            break
        waiting, best_j, best_w = waiting[ok], best_j[ok], best_w[ok]
        for idx in np.lexsort((rng.random(len(best_w)), -best_w)).tolist():
            j = int(best_j[idx])
            if room_arr[j] > 0:
                i = int(waiting[idx])
                room_arr[j] -= 1
                mentor_of[i] = j
                pair_units[i] = best_w[idx]
                left -= 1
                if not left:
                    break
        # Mentees whose best mentor filled up meanwhile are tried again.
    total = int(pair_units.sum())
    return Solution(
        mentor_of=mentor_of,
        units=pair_units,
        total_units=total,
        upper_bound_units=-1,
        optimal=False,
        stats={
            "seconds_scoring": round(pool.seconds, 4),
            "seconds": round(time.perf_counter() - started, 4),
            "rescue_rounds": rescued_rounds,
        },
    )


# ---------------------------------------------------------------------------
# From candidates


def _encode(
    mentees: Sequence[Candidate], mentors: Sequence[Candidate], name: str
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    vocabulary: dict[Any, int] = {}
    for person in (*mentees, *mentors):
        for value in sorted(getattr(person, name), key=repr):
            vocabulary.setdefault(value, len(vocabulary))

    def matrix(people: Sequence[Candidate]) -> sp.csr_matrix:
        rows, cols = [], []
        for r, person in enumerate(people):
            for value in getattr(person, name):
                rows.append(r)
                cols.append(vocabulary[value])
        return sp.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)),
            shape=(len(people), max(1, len(vocabulary))),
        )

    return matrix(mentees), matrix(mentors)


def problem_from_candidates(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    weights: Mapping[str, float],
    rules: Rules,
) -> Problem:
    for side, people in (("mentee", mentees), ("mentor", mentors)):
        ids = [p.id for p in people]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{side} ids must be unique")
    for mentor in mentors:
        if not MIN_CAPACITY <= mentor.capacity <= MAX_CAPACITY:
            raise ValueError(
                f"mentor capacity must be {MIN_CAPACITY} to {MAX_CAPACITY} mentees; "
                f"mentor {mentor.id} has {mentor.capacity}"
            )
    names = ("topics", "sectors", "stages", "regions", "languages", "availability")
    encoded = {name: _encode(mentees, mentors, name) for name in names}
    orgs = _encode(mentees, mentors, "organisations")
    mentee_side = Side(**{k: v[0] for k, v in encoded.items()}, organisations=orgs[0])
    mentor_side = Side(
        **{k: v[1] for k, v in encoded.items()},
        organisations=orgs[1],
        experience_years=np.array([p.experience_years for p in mentors], np.int64),
        capacity=np.array([p.capacity for p in mentors], np.int64),
    )
    mentee_at = {p.id: i for i, p in enumerate(mentees)}
    mentor_at = {p.id: j for j, p in enumerate(mentors)}
    forbidden = [
        (mentee_at[a], mentor_at[b])
        for a, b in rules.forbidden
        if a in mentee_at and b in mentor_at
    ]
    forbidden += [
        (mentee_at[p.id], mentor_at[p.id]) for p in mentees if p.id in mentor_at
    ]
    return build_problem(
        mentee_side,
        mentor_side,
        weights,
        allow_same_organisation=rules.allow_same_organisation,
        forbidden=np.array(forbidden, np.int64).reshape(-1, 2),
        mentee_preferences=[
            [mentor_at.get(x, -1) for x in p.preferences] for p in mentees
        ],
        mentor_preferences=[
            [mentee_at.get(x, -1) for x in p.preferences] for p in mentors
        ],
    )


def match(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    weights: Mapping[str, float],
    rules: Rules,
    *,
    mode: str = BEST_TOTAL,
    seed: int = 0,
    candidates: int = DEFAULT_CANDIDATES,
    per_mentor: int | None = None,
) -> Matching:
    """The assignment with the largest total score within capacities and rules.

    In MOST_MATCHED mode the number of matched mentees comes first, the total second.
    Pairs scoring 0 are never made. Ties are broken by a seeded order, so the same
    input and seed give the same result. `candidates` is how many of each mentee's
    best mentors the flow starts from, `per_mentor` how many of each mentor's best
    mentees (default 5 per place); the result is the optimum over all allowed
    pairs whatever it is (see the module docstring), `optimal` says it was proven.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if candidates < 1:
        raise ValueError("candidates must be at least 1")
    problem = problem_from_candidates(mentees, mentors, weights, rules)
    if not mentees or not mentors:
        return Matching([], [m.id for m in mentees], 0.0, mode, 0.0, 0.0, True, {})
    solution = solve(
        problem, mode=mode, seed=seed, candidates=candidates, per_mentor=per_mentor
    )
    pairs = []
    for i in np.flatnonzero(solution.mentor_of >= 0).tolist():
        pair = score_pair(mentees[i], mentors[int(solution.mentor_of[i])], weights)
        if round(pair.total * UNITS) != int(solution.units[i]):  # pragma: no cover
            raise RuntimeError("array scores disagree with score_pair")
        pairs.append(pair)
    matched = {p.mentee for p in pairs}
    total = solution.total_units / UNITS
    if solution.upper_bound_units < 0:
        upper, gap = math.inf, 1.0
    else:
        upper = solution.upper_bound_units / UNITS
        gap = (upper - total) / upper if upper > 0 else 0.0
    return Matching(
        pairs=sorted(pairs, key=lambda p: (p.mentee, p.mentor)),
        unmatched=[m.id for m in mentees if m.id not in matched],
        total=total,
        mode=mode,
        upper_bound=upper,
        gap=gap,
        optimal=solution.optimal,
        stats=solution.stats,
    )
