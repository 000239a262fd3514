"""The mentor-matching optimiser: exact on small cases, rules and capacities kept.

Pure: no database. The optimum is checked by brute force and by SciPy's
`linear_sum_assignment` on the capacity-expanded matrix.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from kindred.algorithms import mentor_matching as mm
from kindred.algorithms.mentor_matching import (
    BEST_TOTAL,
    CRITERIA,
    DEFAULT_WEIGHTS,
    MOST_MATCHED,
    Candidate,
    Rules,
    match,
    refusal,
    score_pair,
    suggest,
)

STAGES = ("idea", "start", "growth", "scale")
SLOTS = ("mon-am", "mon-pm", "tue-am", "wed-pm", "thu-am", "fri-pm")
LANGS = ("en", "cy", "pl", "ur")


def people(rng: random.Random, n: int, m: int, *, orgs: int = 4, prefs: bool = True):
    """Random mentees (ids 1..n) and mentors (ids 101..), small feature sets."""

    def some(pool, lo, hi):
        return frozenset(rng.sample(list(pool), rng.randint(lo, hi)))

    mentees = [
        Candidate(
            id=i + 1,
            organisations=some(range(orgs), 0, 1),
            topics=some(range(8), 0, 3),
            sectors=some(range(4), 0, 1),
            stages=some(STAGES, 0, 1),
            regions=some(range(3), 0, 1),
            languages=some(LANGS, 1, 2),
            availability=some(SLOTS, 0, 3),
        )
        for i in range(n)
    ]
    mentors = [
        Candidate(
            id=101 + j,
            organisations=some(range(orgs), 0, 1),
            topics=some(range(8), 0, 4),
            sectors=some(range(4), 0, 2),
            stages=some(STAGES, 0, 2),
            regions=some(range(3), 0, 2),
            languages=some(LANGS, 1, 2),
            availability=some(SLOTS, 0, 4),
            experience_years=rng.randint(0, 30),
            capacity=rng.randint(1, 3),
        )
        for j in range(m)
    ]
    if prefs:
        mentees = [
            Candidate(
                **{
                    **p.__dict__,
                    "preferences": tuple(
                        rng.sample(
                            [q.id for q in mentors] + [999],
                            rng.randint(0, min(3, len(mentors) + 1)),
                        )
                    ),
                }
            )
            for p in mentees
        ]
        mentors = [
            Candidate(
                **{
                    **p.__dict__,
                    "preferences": tuple(
                        rng.sample(
                            [q.id for q in mentees],
                            rng.randint(0, min(2, len(mentees))),
                        )
                    ),
                }
            )
            for p in mentors
        ]
    return mentees, mentors


def random_rules(rng: random.Random, mentees, mentors, *, same_org: bool | None = None):
    pairs = [(a.id, b.id) for a in mentees for b in mentors]
    forbidden = frozenset(rng.sample(pairs, min(len(pairs), rng.randint(0, 4))))
    allow = rng.random() < 0.3 if same_org is None else same_org
    return Rules(allow_same_organisation=allow, forbidden=forbidden)


def gain_matrix(mentees, mentors, weights, rules):
    """Score in hundredths per (mentee, mentor); 0 where refused."""
    g = np.zeros((len(mentees), len(mentors)), np.int64)
    for i, a in enumerate(mentees):
        for j, b in enumerate(mentors):
            if refusal(a, b, rules) is None:
                g[i, j] = round(score_pair(a, b, weights).total * 100)
    return g


def scipy_optimum(gain, capacities, *, bonus: int = 0) -> int:
    """Max total (with `bonus` per pair made) on the capacity-expanded matrix."""
    slots = [j for j, c in enumerate(capacities) for _ in range(c)]
    if not len(gain) or not slots:
        return 0
    expanded = gain[:, slots]
    value = np.where(expanded > 0, expanded + bonus, 0)
    rows, cols = linear_sum_assignment(value, maximize=True)
    return int(value[rows, cols].sum())


def brute_optimum(gain, capacities, *, bonus: int = 0) -> int:
    """Every assignment of each mentee to a mentor or to nobody."""
    n, m = gain.shape
    best = 0
    for choice in itertools.product(range(-1, m), repeat=n):
        load = [0] * m
        value = 0
        for i, j in enumerate(choice):
            if j < 0:
                continue
            if gain[i, j] <= 0:
                break
            load[j] += 1
            value += gain[i, j] + bonus
        else:
            if all(load[j] <= capacities[j] for j in range(m)):
                best = max(best, value)
    return best


def objective(result, gain, mentee_at, mentor_at, bonus=0):
    return sum(
        int(gain[mentee_at[p.mentee], mentor_at[p.mentor]]) + bonus
        for p in result.pairs
    )


def check_valid(result, mentees, mentors, rules, weights):
    load: dict[int, int] = {}
    by_id = {m.id: m for m in mentors}
    mentee_by_id = {m.id: m for m in mentees}
    seen = set()
    for p in result.pairs:
        assert p.mentee not in seen, "a mentee matched twice"
        seen.add(p.mentee)
        mentor = by_id[p.mentor]
        assert refusal(mentee_by_id[p.mentee], mentor, rules) is None
        assert p.total > 0, "a zero-score pair was made"
        assert p == score_pair(mentee_by_id[p.mentee], mentor, weights)
        load[p.mentor] = load.get(p.mentor, 0) + 1
        assert load[p.mentor] <= mentor.capacity
    assert set(result.unmatched) == {m.id for m in mentees} - seen
    assert result.total == pytest.approx(sum(p.total for p in result.pairs))


@pytest.mark.parametrize("case", range(40))
def test_optimum_equals_brute_force_and_scipy(case):
    rng = random.Random(case)
    mentees, mentors = people(rng, rng.randint(1, 5), rng.randint(1, 3))
    rules = random_rules(rng, mentees, mentors)
    weights = DEFAULT_WEIGHTS if case % 3 else {mm.GOALS: 1, mm.LANGUAGE: 1}
    gain = gain_matrix(mentees, mentors, weights, rules)
    caps = [m.capacity for m in mentors]
    mentee_at = {m.id: i for i, m in enumerate(mentees)}
    mentor_at = {m.id: j for j, m in enumerate(mentors)}
    best = brute_optimum(gain, caps)
    assert best == scipy_optimum(gain, caps)
    for k in (1, 50):  # a single candidate each forces the certificate to widen
        result = match(
            mentees, mentors, weights, rules, seed=case, candidates=k, per_mentor=k
        )
        check_valid(result, mentees, mentors, rules, weights)
        assert objective(result, gain, mentee_at, mentor_at) == best
        assert round(result.total * 100) == best
        assert result.optimal and result.gap == 0
        assert result.upper_bound == pytest.approx(result.total)
    # Most matched first: the lexicographic optimum (a bonus above any total).
    bonus = 100 * 100 * len(mentees) + 1
    lexi = brute_optimum(gain, caps, bonus=bonus)
    assert lexi == scipy_optimum(gain, caps, bonus=bonus)
    result = match(mentees, mentors, weights, rules, mode=MOST_MATCHED, seed=case)
    check_valid(result, mentees, mentors, rules, weights)
    assert objective(result, gain, mentee_at, mentor_at, bonus) == lexi


@pytest.mark.parametrize("case", range(12))
def test_optimum_equals_scipy_on_larger_cases_with_few_candidates(case):
    rng = random.Random(1000 + case)
    mentees, mentors = people(rng, rng.randint(20, 60), rng.randint(5, 20))
    rules = random_rules(rng, mentees, mentors, same_org=False)
    gain = gain_matrix(mentees, mentors, DEFAULT_WEIGHTS, rules)
    caps = [m.capacity for m in mentors]
    best = scipy_optimum(gain, caps)
    result = match(
        mentees, mentors, DEFAULT_WEIGHTS, rules, seed=case, candidates=2, per_mentor=1
    )
    check_valid(result, mentees, mentors, rules, DEFAULT_WEIGHTS)
    assert round(result.total * 100) == best
    assert result.optimal and result.gap == 0
    # With only two candidates each the first round cannot be proven optimal
    # unless it happens to be; the rounds record the bound each time.
    rounds = result.stats["rounds"]
    assert rounds[-1]["mentees_breaking_bound"] == 0
    # Every round's bound holds over ALL allowed pairs, not only the arcs kept.
    assert all(r["upper_bound"] >= best >= r["objective"] for r in rounds)
    if case in (1, 2, 3, 5):  # these need the candidate set widened
        assert len(rounds) > 1 and rounds[0]["upper_bound"] > best
    bonus = 100 * 100 * len(mentees) + 1
    result = match(
        mentees,
        mentors,
        DEFAULT_WEIGHTS,
        rules,
        mode=MOST_MATCHED,
        candidates=2,
        per_mentor=1,
    )
    mentee_at = {m.id: i for i, m in enumerate(mentees)}
    mentor_at = {m.id: j for j, m in enumerate(mentors)}
    assert objective(result, gain, mentee_at, mentor_at, bonus) == scipy_optimum(
        gain, caps, bonus=bonus
    )


def test_greedy_is_valid_and_never_beats_the_optimum():
    for case in range(10):
        rng = random.Random(2000 + case)
        mentees, mentors = people(rng, 40, 10)
        rules = random_rules(rng, mentees, mentors, same_org=False)
        problem = mm.problem_from_candidates(mentees, mentors, DEFAULT_WEIGHTS, rules)
        gain = gain_matrix(mentees, mentors, DEFAULT_WEIGHTS, rules)
        greedy = mm.greedy(problem, pool=mm.top_candidates(problem, 3, 2))
        load = np.bincount(greedy.mentor_of[greedy.mentor_of >= 0], minlength=10)
        assert (load <= problem.capacity).all()
        matched = np.flatnonzero(greedy.mentor_of >= 0)
        assert (gain[matched, greedy.mentor_of[matched]] > 0).all()
        assert (gain[matched, greedy.mentor_of[matched]] == greedy.units[matched]).all()
        best = mm.solve(problem, candidates=3, per_mentor=2)
        assert (
            greedy.total_units
            <= best.total_units
            == scipy_optimum(gain, problem.capacity.tolist())
        )


def test_array_scores_equal_score_pair():
    rng = random.Random(5)
    mentees, mentors = people(rng, 30, 12)
    rules = random_rules(rng, mentees, mentors)
    weights = {c: rng.choice([0, 1, 2.5, 3, 7]) for c in CRITERIA}
    problem = mm.problem_from_candidates(mentees, mentors, weights, rules)
    block = mm.score_block(problem, np.arange(30))
    assert (block == gain_matrix(mentees, mentors, weights, rules)).all()
    cols = np.array([1, 4, 7])
    assert (
        mm.score_block(problem, np.array([3, 2]), cols) == block[[3, 2]][:, cols]
    ).all()


def test_parts_add_up_to_the_total_and_explain_each_criterion():
    rng = random.Random(9)
    mentees, mentors = people(rng, 10, 10)
    for a, b in itertools.product(mentees, mentors):
        pair = score_pair(a, b, DEFAULT_WEIGHTS)
        assert set(pair.parts) == set(CRITERIA)
        assert round(sum(pair.parts.values()) * 100) == round(pair.total * 100)
        assert 0 <= pair.total <= 100
    a = Candidate(1, topics=frozenset({1, 2}), languages=frozenset({"en"}))
    b = Candidate(2, topics=frozenset({1}), languages=frozenset({"en"}))
    pair = score_pair(a, b, {mm.GOALS: 1, mm.LANGUAGE: 1})
    assert pair.parts[mm.GOALS] == 25.0  # half the topics, half the weight
    assert pair.parts[mm.LANGUAGE] == 50.0
    assert pair.total == 75.0
    assert score_pair(a, b, {}).total == 0.0


def test_rules_refuse_pairs_with_reasons():
    a = Candidate(1, organisations=frozenset({7}))
    b = Candidate(2, organisations=frozenset({7}))
    assert refusal(a, b, Rules()) == "same_organisation"
    assert refusal(a, b, Rules(allow_same_organisation=True)) is None
    assert refusal(a, b, Rules(True, frozenset({(1, 2)}))) == "forbidden"
    assert refusal(a, Candidate(1), Rules()) == "same_person"


def test_same_organisation_forbidden_and_same_person_pairs_are_never_made():
    lang = frozenset({"en"})
    mentees = [
        Candidate(1, organisations=frozenset({1}), languages=lang),
        Candidate(2, languages=lang),
        Candidate(3, languages=lang),
    ]
    mentors = [
        Candidate(1, languages=lang, capacity=1),  # the same person as mentee 1
        Candidate(10, organisations=frozenset({1}), languages=lang, capacity=5),
        Candidate(11, languages=lang, capacity=5),
    ]
    rules = Rules(forbidden=frozenset({(2, 11), (3, 11), (3, 10)}))
    result = match(mentees, mentors, {mm.LANGUAGE: 1}, rules)
    made = {(p.mentee, p.mentor) for p in result.pairs}
    assert made == {(1, 11), (2, 10), (3, 1)}
    result = match(mentees, mentors, {mm.LANGUAGE: 1}, Rules(), candidates=1)
    assert (1, 1) not in {(p.mentee, p.mentor) for p in result.pairs}
    assert (1, 10) not in {(p.mentee, p.mentor) for p in result.pairs}


def test_zero_score_pairs_are_never_made():
    mentees = [Candidate(1, languages=frozenset({"en"})), Candidate(2)]
    mentors = [Candidate(10, languages=frozenset({"en"}), capacity=5)]
    result = match(mentees, mentors, {mm.LANGUAGE: 1}, Rules(), mode=MOST_MATCHED)
    assert [(p.mentee, p.mentor) for p in result.pairs] == [(1, 10)]
    assert result.unmatched == [2]


def test_most_matched_matches_the_hard_to_match_mentee():
    en, cy = frozenset({"en"}), frozenset({"cy"})
    topics = frozenset({1, 2})
    mentees = [
        Candidate(1, languages=en | cy, topics=topics),  # fits both mentors
        Candidate(2, languages=cy),  # only the Welsh speaker fits, and poorly
    ]
    mentors = [
        Candidate(10, languages=cy, topics=topics),
        Candidate(11, topics=frozenset({1})),
    ]
    weights = {mm.GOALS: 1, mm.LANGUAGE: 1}
    best = match(mentees, mentors, weights, Rules(), mode=BEST_TOTAL)
    most = match(mentees, mentors, weights, Rules(), mode=MOST_MATCHED)
    assert {(p.mentee, p.mentor) for p in best.pairs} == {(1, 10)}
    assert {(p.mentee, p.mentor) for p in most.pairs} == {(1, 11), (2, 10)}
    assert best.total == 100.0 and most.total == 75.0
    assert best.unmatched == [2] and most.unmatched == []


def test_ties_are_seeded_and_reproducible():
    lang = frozenset({"en"})
    mentees = [Candidate(i, languages=lang) for i in range(1, 7)]
    mentors = [Candidate(100 + j, languages=lang) for j in range(3)]
    runs = {
        seed: [
            tuple(
                (p.mentee, p.mentor)
                for p in match(
                    mentees, mentors, {mm.LANGUAGE: 1}, Rules(), seed=seed
                ).pairs
            )
            for _ in range(2)
        ]
        for seed in range(8)
    }
    assert all(a == b for a, b in runs.values())
    assert len({a for a, _ in runs.values()}) > 1  # the seed breaks the ties


def test_suggest_respects_rules_capacity_and_zero_scores():
    lang = frozenset({"en"})
    mentee = Candidate(1, organisations=frozenset({3}), languages=lang)
    mentors = [
        Candidate(10, languages=lang, experience_years=20, capacity=1),  # full
        Candidate(11, languages=lang, organisations=frozenset({3})),  # same org
        Candidate(12, languages=lang),  # forbidden
        Candidate(13, languages=lang, capacity=2),
        Candidate(14, languages=lang, experience_years=5, capacity=2),
        Candidate(15),  # scores 0
    ]
    rules = Rules(forbidden=frozenset({(1, 12)}))
    weights = {mm.LANGUAGE: 1, mm.EXPERIENCE: 1}
    got = suggest(mentee, mentors, weights, rules, k=5, load={10: 1, 13: 1})
    assert [p.mentor for p in got] == [14, 13]
    assert got[0].total > got[1].total
    assert suggest(mentee, mentors, weights, rules, k=1, load={10: 1}) == got[:1]


def test_bad_input_is_refused_with_a_clear_message():
    mentees = [Candidate(1)]
    with pytest.raises(ValueError, match="unknown mode"):
        match(mentees, [Candidate(2)], DEFAULT_WEIGHTS, Rules(), mode="fastest")
    for capacity in (0, 6, -1):
        with pytest.raises(ValueError, match="capacity must be 1 to 5"):
            match(mentees, [Candidate(2, capacity=capacity)], DEFAULT_WEIGHTS, Rules())
    with pytest.raises(ValueError, match="ids must be unique"):
        match([Candidate(1), Candidate(1)], [Candidate(2)], DEFAULT_WEIGHTS, Rules())
    with pytest.raises(ValueError, match="candidates"):
        match(mentees, [Candidate(2)], DEFAULT_WEIGHTS, Rules(), candidates=0)


@pytest.mark.parametrize("mode", [BEST_TOTAL, MOST_MATCHED])
def test_empty_inputs(mode):
    assert match([], [], DEFAULT_WEIGHTS, Rules(), mode=mode).pairs == []
    result = match([Candidate(1)], [], DEFAULT_WEIGHTS, Rules(), mode=mode)
    assert result.unmatched == [1] and result.total == 0 and result.optimal
    result = match([], [Candidate(2)], DEFAULT_WEIGHTS, Rules(), mode=mode)
    assert result.pairs == [] and result.unmatched == []


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 25),
    m=st.integers(1, 8),
    k=st.sampled_from([1, 2, 50]),
)
def test_properties(seed, n, m, k):
    rng = random.Random(seed)
    mentees, mentors = people(rng, n, m)
    rules = random_rules(rng, mentees, mentors)
    best = match(
        mentees, mentors, DEFAULT_WEIGHTS, rules, seed=seed, candidates=k, per_mentor=k
    )
    most = match(
        mentees,
        mentors,
        DEFAULT_WEIGHTS,
        rules,
        mode=MOST_MATCHED,
        seed=seed,
        candidates=k,
        per_mentor=k,
    )
    for result in (best, most):
        check_valid(result, mentees, mentors, rules, DEFAULT_WEIGHTS)
        assert result.optimal
    assert len(most.pairs) >= len(best.pairs)
    assert best.total >= most.total
    again = match(
        mentees, mentors, DEFAULT_WEIGHTS, rules, seed=seed, candidates=k, per_mentor=k
    )
    assert again.pairs == best.pairs


@pytest.mark.parametrize("mode", [BEST_TOTAL, MOST_MATCHED])
def test_a_stop_at_a_gap_reports_an_honest_bound(mode):
    rng = random.Random(1005)  # a case that needs the candidate set widened
    mentees, mentors = people(rng, rng.randint(20, 60), rng.randint(5, 20))
    rules = random_rules(rng, mentees, mentors, same_org=False)
    problem = mm.problem_from_candidates(mentees, mentors, DEFAULT_WEIGHTS, rules)
    gain = gain_matrix(mentees, mentors, DEFAULT_WEIGHTS, rules)
    caps = problem.capacity.tolist()
    early = mm.solve(problem, mode=mode, candidates=2, per_mentor=1, gap_tolerance=1.0)
    exact = mm.solve(problem, mode=mode, candidates=2, per_mentor=1)
    assert len(early.stats["rounds"]) == 1 < len(exact.stats["rounds"])
    assert not early.optimal and exact.optimal
    if mode == BEST_TOTAL:
        best = scipy_optimum(gain, caps)
        assert early.total_units <= best <= early.upper_bound_units
        assert exact.total_units == best == exact.upper_bound_units
    else:
        assert exact.matched >= early.matched


@pytest.mark.parametrize("case", range(10))
@pytest.mark.parametrize("mode", [BEST_TOTAL, MOST_MATCHED])
def test_priced_candidates_stay_exact_whatever_the_prices(case, mode):
    """Candidates chosen by score - estimated price (the large-problem path), with
    the estimate or with deliberately wrong prices: still the optimum, proven."""
    rng = random.Random(2000 + case)
    mentees, mentors = people(rng, rng.randint(30, 80), rng.randint(5, 15))
    rules = random_rules(rng, mentees, mentors, same_org=False)
    gain = gain_matrix(mentees, mentors, DEFAULT_WEIGHTS, rules)
    caps = [m.capacity for m in mentors]
    bonus = 0 if mode == BEST_TOTAL else 100 * 100 * len(mentees) + 1
    best = scipy_optimum(gain, caps, bonus=bonus)
    problem = mm.problem_from_candidates(mentees, mentors, DEFAULT_WEIGHTS, rules)
    estimated = mm.estimate_prices(problem, sample=4, seed=case)
    assert estimated.shape == (len(mentors),) and (estimated >= 0).all()
    wrong = np.random.default_rng(case).integers(0, 9000, len(mentors))
    for prices in (estimated, wrong):
        pool = mm.top_candidates(problem, 2, per_mentor=1, prices=prices)
        solution = mm.solve(problem, mode=mode, seed=case, pool=pool)
        assert solution.optimal
        assert solution.stats["priced"]
        mentor_of = solution.mentor_of
        value = sum(
            gain[i][j] + bonus for i, j in enumerate(mentor_of.tolist()) if j >= 0
        )
        assert value == best
        assert all(gain[i][j] > 0 for i, j in enumerate(mentor_of.tolist()) if j >= 0)
        load = np.bincount(mentor_of[mentor_of >= 0], minlength=len(mentors))
        assert (load <= np.array(caps)).all()
    # The automatic path at this size scores once, without prices.
    assert not mm.solve(problem, mode=mode).stats["priced"]
    assert mm.solve(problem, mode=mode, priced=True).stats["priced"]
