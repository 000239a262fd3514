"""Recommended helpers (issue 6): the pure ranking and its evaluation."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from kindred.algorithms import helper_eval
from kindred.algorithms.helper_ranking import (
    AVAILABILITY,
    BRIDGING,
    FACTORS,
    HELPFULNESS,
    TEXT,
    TOPICS,
    AskDocument,
    Candidate,
    HelperIndex,
    Query,
    rank_asks,
    related_topics,
)

FINANCE, CASH_FLOW, VAT, MARKETING, SOCIAL = 1, 11, 12, 2, 21
PARENTS = {FINANCE: None, CASH_FLOW: FINANCE, VAT: FINANCE, MARKETING: None, SOCIAL: 2}


def people(rank):
    return [r.person for r in rank]


def test_text_relevance_orders_people_by_their_words():
    """The person whose document uses the ask's words comes first."""
    index = HelperIndex(
        [
            Candidate(1, "I run a bakery"),
            Candidate(2, "cash flow forecasting for small firms"),
            Candidate(3, "forecasting demand for a bakery"),
        ]
    )
    ranked = index.rank(Query("help with a cash flow forecasting spreadsheet"))
    assert people(ranked) == [2, 3]  # the bakery-only person matches nothing
    assert ranked[0].factors[TEXT] == pytest.approx(3.0)  # the best gets the weight
    assert 0 < ranked[1].factors[TEXT] < ranked[0].factors[TEXT]


def test_topic_overlap_counts_the_share_of_the_ask_topics():
    index = HelperIndex(
        [
            Candidate(1, topics={CASH_FLOW}),
            Candidate(2, topics={CASH_FLOW, VAT}),
            Candidate(3, topics={MARKETING}),
        ]
    )
    ranked = index.rank(Query("", topics={CASH_FLOW, VAT}))
    assert people(ranked) == [2, 1]
    assert ranked[0].factors[TOPICS] == pytest.approx(2.0)
    assert ranked[1].factors[TOPICS] == pytest.approx(1.0)
    assert ranked[0].matched_topics == (CASH_FLOW, VAT)


def test_past_helpfulness_on_the_topic_and_related_topics():
    """Helpful answers on the ask's topic count fully, on a sibling topic half."""
    index = HelperIndex(
        [
            Candidate(1, topics={CASH_FLOW}),
            Candidate(2, topics={CASH_FLOW}, helped={VAT: 3}),
            Candidate(3, topics={CASH_FLOW}, helped={CASH_FLOW: 3}),
            Candidate(4, helped={SOCIAL: 5}),  # unrelated: not recommended
        ],
        topic_parent=PARENTS,
    )
    ranked = index.rank(Query("", topics={CASH_FLOW}))
    assert people(ranked) == [3, 2, 1]
    assert ranked[0].helped_on_topics == 3 and ranked[1].helped_on_related == 3
    assert ranked[0].factors[HELPFULNESS] > ranked[1].factors[HELPFULNESS] > 0
    assert ranked[2].factors[HELPFULNESS] == 0


def test_related_topics_are_siblings_parent_and_children():
    related = related_topics(PARENTS)
    assert related[CASH_FLOW] == {VAT, FINANCE}
    assert related[FINANCE] == {CASH_FLOW, VAT}
    assert related[SOCIAL] == {MARKETING}


def test_helpfulness_saturates():
    index = HelperIndex(
        [Candidate(1, helped={VAT: 8}), Candidate(2, helped={VAT: 80})],
    )
    a, b = index.rank(Query("", topics={VAT}))
    assert a.factors[HELPFULNESS] == b.factors[HELPFULNESS] == pytest.approx(1.5)


def test_recent_load_spreads_requests():
    """Of two equal helpers, the one asked less recently comes first; at the
    monthly limit a person falls behind a weaker match."""
    index = HelperIndex(
        [
            Candidate(1, "cash flow", {CASH_FLOW}, monthly_limit=4),
            Candidate(2, "cash flow", {CASH_FLOW}, monthly_limit=4),
            Candidate(3, "cash", {CASH_FLOW}, monthly_limit=4),
        ]
    )
    query = Query("cash flow", topics={CASH_FLOW})
    assert people(index.rank(query)) == [1, 2, 3]
    asked: list[list[int]] = []

    def recent(ids):
        asked.append(sorted(int(i) for i in ids))
        return {1: 2}

    ranked = index.rank(query, recent_invitations=recent)
    assert people(ranked) == [2, 1, 3]
    assert ranked[1].recent_invitations == 2
    assert ranked[1].factors[AVAILABILITY] == pytest.approx(-0.75)
    assert asked == [[1, 2, 3]]  # one look-up for the pool
    at_limit = index.rank(query, recent_invitations=lambda ids: {1: 4})
    assert people(at_limit) == [2, 3, 1]
    assert at_limit[2].factors[AVAILABILITY] == pytest.approx(-3.5)


def test_a_standing_offer_is_a_small_availability_bonus():
    index = HelperIndex(
        [Candidate(1, topics={VAT}), Candidate(2, topics={VAT}, has_offer=True)]
    )
    ranked = index.rank(Query("", topics={VAT}))
    assert people(ranked) == [2, 1]
    assert ranked[0].factors[AVAILABILITY] == pytest.approx(0.25)


def test_load_is_looked_up_only_for_a_pool_of_the_best():
    candidates = [Candidate(i, topics={VAT}) for i in range(1, 501)]
    index = HelperIndex(candidates)
    seen: list[int] = []

    def recent(ids):
        seen.extend(int(i) for i in ids)
        return {}

    assert people(index.rank(Query("", topics={VAT}), recent_invitations=recent)) == (
        list(range(1, 11))
    )
    assert len(seen) <= 51


def test_the_pool_grows_until_nobody_left_out_can_win():
    """A heavily loaded pool makes the ranking look further, and the result equals
    scoring every candidate with its load."""
    rng = random.Random(3)
    candidates = [
        Candidate(
            i,
            " ".join(rng.sample(["cash", "flow", "vat", "tax", "bakery", "export"], 3)),
            topics=set(rng.sample([CASH_FLOW, VAT, MARKETING], rng.randint(0, 2))),
            monthly_limit=rng.choice([1, 2, 4]),
        )
        for i in range(1, 400)
    ]
    loads = {i: rng.randint(0, 5) for i in range(1, 400) if i % 3}
    index = HelperIndex(candidates)
    query = Query("cash flow tax", topics={CASH_FLOW})
    calls: list[int] = []

    def recent(ids):
        calls.append(len(ids))
        return {int(i): loads.get(int(i), 0) for i in ids}

    ranked = index.rank(query, k=10, recent_invitations=recent)
    everyone = index.rank(
        query,
        k=400,
        recent_invitations=lambda ids: {int(i): loads.get(int(i), 0) for i in ids},
    )
    assert people(ranked) == people(everyone)[:10]
    assert [r.score for r in ranked] == [r.score for r in everyone[:10]]


def test_a_pool_all_at_their_limit_makes_the_ranking_look_further():
    index = HelperIndex([Candidate(i, topics={VAT}) for i in range(1, 301)])
    calls: list[int] = []

    def recent(ids):
        calls.append(len(ids))
        return {int(i): 4 for i in ids if i <= 120}

    ranked = index.rank(Query("", topics={VAT}), recent_invitations=recent)
    assert people(ranked) == list(range(121, 131))
    assert len(calls) > 1


def test_bridging_bonus_for_helpers_outside_the_askers_organisations():
    index = HelperIndex(
        [
            Candidate(1, topics={VAT}, organisations={100}),
            Candidate(2, topics={VAT}, organisations={200}),
            Candidate(3, topics={VAT}),
        ]
    )
    ranked = index.rank(Query("", topics={VAT}, asker=9, asker_organisations={100}))
    assert people(ranked) == [2, 3, 1]
    assert [r.outside_organisations for r in ranked] == [True, True, False]
    assert ranked[0].factors[BRIDGING] == pytest.approx(0.5)
    assert ranked[2].factors[BRIDGING] == 0
    # An asker with no organisation: nobody is "outside", ties go by id.
    plain = index.rank(Query("", topics={VAT}, asker=9))
    assert people(plain) == [1, 2, 3]
    assert not any(r.outside_organisations for r in plain)


def test_asker_and_excluded_people_are_never_recommended():
    index = HelperIndex([Candidate(i, topics={VAT}) for i in range(1, 6)])
    ranked = index.rank(Query("", topics={VAT}, asker=1, exclude={3, 99}))
    assert people(ranked) == [2, 4, 5]


def test_only_restricts_to_the_given_people():
    index = HelperIndex([Candidate(i, topics={VAT}) for i in range(1, 6)])
    assert people(index.rank(Query("", topics={VAT}, only={5, 2, 42}))) == [2, 5]
    assert index.rank(Query("", topics={VAT}, only=set())) == []


def test_nobody_without_any_relevance_is_recommended():
    index = HelperIndex(
        [Candidate(1, "bakery", organisations={1}, has_offer=True), Candidate(2)]
    )
    assert (
        index.rank(Query("export paperwork", topics={VAT}, asker_organisations={5}))
        == []
    )


def test_businesses_only_for_supplier_asks_and_one_entry_per_person():
    index = HelperIndex(
        [
            Candidate(1, "packaging design"),
            Candidate(1, "eco packaging supplier boxes", business=70),
            Candidate(2, "packaging", business=71),
            Candidate(3, "packaging"),
        ]
    )
    people_only = index.rank(Query("packaging boxes"))
    # (a shorter document with the same word scores higher: BM25 length norm)
    assert [(r.person, r.business) for r in people_only] == [(3, None), (1, None)]
    suppliers = index.rank(Query("packaging boxes", businesses=True))
    assert [(r.person, r.business) for r in suppliers] == [(1, 70), (2, 71), (3, None)]
    # The asker's own business is excluded with them.
    assert 1 not in people(
        index.rank(Query("packaging boxes", asker=1, businesses=True))
    )


def test_equal_scores_are_ordered_by_id_whatever_the_input_order():
    candidates = [Candidate(i, "vat returns", {VAT}) for i in (5, 3, 9, 1, 7)]
    for permutation in itertools.islice(itertools.permutations(candidates), 20):
        ranked = HelperIndex(list(permutation)).rank(Query("vat", topics={VAT}), k=3)
        assert people(ranked) == [1, 3, 5]


def test_ranking_is_deterministic_and_reports_every_factor():
    evaluation = helper_eval.generate(people=300, asks=20, seed=5)
    first = HelperIndex(evaluation.candidates, topic_parent=evaluation.topic_parent)
    second = HelperIndex(
        list(reversed(evaluation.candidates)), topic_parent=evaluation.topic_parent
    )
    for query in evaluation.queries:
        a, b = first.rank(query), second.rank(query)
        assert a == b
        for r in a:
            assert set(r.factors) == set(FACTORS)
            assert r.score == pytest.approx(sum(r.factors.values()), abs=1e-5)
        scores = [r.score for r in a]
        assert scores == sorted(scores, reverse=True)


def test_empty_index_and_zero_k():
    assert HelperIndex([]).rank(Query("anything", topics={1})) == []
    index = HelperIndex([Candidate(1, "vat")])
    assert index.rank(Query("vat"), k=0) == []
    assert index.rank_by_topic_overlap(Query("vat")) == []


def test_baseline_ranks_by_topic_overlap_then_id():
    index = HelperIndex(
        [
            Candidate(3, "vat expert", {VAT, CASH_FLOW}),
            Candidate(1, "", {VAT}),
            Candidate(2, "vat vat vat", {VAT}, helped={VAT: 9}),
        ]
    )
    assert index.rank_by_topic_overlap(Query("vat", topics={VAT, CASH_FLOW})) == [
        3,
        1,
        2,
    ]


def test_index_reports_its_memory():
    index = HelperIndex([Candidate(i, "vat returns", {VAT}) for i in range(1, 50)])
    assert index.nbytes > 0
    assert index.positions_of([3, 4, 1000]).sum() == 2
    assert np.array_equal(np.flatnonzero(index.positions_of([1])), [0])


def test_index_knows_each_persons_organisations():
    index = HelperIndex([Candidate(2, organisations={7, 8}), Candidate(5)])
    assert index.organisations_of(2) == {7, 8}
    assert index.organisations_of(5) == frozenset()
    assert index.organisations_of(3) is None
    assert index.organisations_of(99) is None


def test_asks_a_helper_could_help_with():
    helper = Candidate(
        1, "cash flow forecasting, VAT returns", {CASH_FLOW}, helped={VAT: 2}
    )
    asks = [
        AskDocument(10, "Logo for my cafe", {SOCIAL}),
        AskDocument(11, "Cash flow is tight this winter", {CASH_FLOW}),
        AskDocument(12, "First VAT return", {VAT}),
        AskDocument(13, "Forecasting sales", set()),
        AskDocument(14, "Cash flow is tight this winter", {CASH_FLOW}),
    ]
    ranked = rank_asks(helper, asks, topic_parent=PARENTS)
    assert [key for key, _score in ranked] == [11, 14, 12, 13]
    assert rank_asks(helper, asks, topic_parent=PARENTS, limit=1) == ranked[:1]
    assert rank_asks(helper, []) == []


# --- evaluation ------------------------------------------------------------------


def test_metrics():
    assert helper_eval.recall_at([1, 2, 3], {2, 3, 4}, k=10) == pytest.approx(2 / 3)
    assert helper_eval.recall_at(list(range(10)), set(range(20)), k=10) == 1.0
    assert helper_eval.recall_at([1], set()) == 0.0
    assert helper_eval.reciprocal_rank([5, 6, 7], {7}) == pytest.approx(1 / 3)
    assert helper_eval.reciprocal_rank([5, 6], {7}) == 0.0


def test_generated_set_has_known_ground_truth_and_is_deterministic():
    a = helper_eval.generate(people=200, asks=15, seed=11)
    b = helper_eval.generate(people=200, asks=15, seed=11)
    assert a == b
    assert len(a.queries) == len(a.relevant) == 15
    for query, relevant in zip(a.queries, a.relevant, strict=True):
        assert relevant and query.asker not in relevant
    assert helper_eval.generate(people=200, asks=15, seed=12) != a


def test_full_ranking_beats_the_topic_overlap_baseline():
    """On a generated set the full ranking finds clearly more of the true experts
    than ranking by topic overlap alone, and finds one sooner."""
    evaluation = helper_eval.generate(people=800, asks=80, seed=21)
    quality = helper_eval.evaluate(evaluation)
    full, baseline = quality["full"], quality["baseline"]
    assert full.queries == baseline.queries == 80
    assert full.recall_at_10 > baseline.recall_at_10 + 0.15
    assert full.mrr > baseline.mrr + 0.25


def test_the_evaluation_tells_a_baseline_ranking_apart():
    """The comparison is real: scoring the baseline as if it were the full ranking
    gives no advantage."""
    evaluation = helper_eval.generate(people=800, asks=80, seed=21)
    index = HelperIndex(evaluation.candidates, topic_parent=evaluation.topic_parent)

    class BaselineOnly(HelperIndex):
        def rank(self, query, *, k=10, recent_invitations=None):  # noqa: ARG002
            from kindred.algorithms.helper_ranking import Recommendation

            return [
                Recommendation(p, None, 0.0, {}, (), 0, 0, 0, 4, False)
                for p in self.rank_by_topic_overlap(query, k=k)
            ]

    index.__class__ = BaselineOnly
    quality = helper_eval.evaluate(evaluation, index)
    assert quality["full"] == quality["baseline"]
