"""Pure algorithms: plain data in, plain data out, and no Django anywhere."""

from __future__ import annotations

import ast
import pathlib

from kindred.algorithms.completeness import completeness

ALGORITHMS = pathlib.Path(__file__).resolve().parent.parent / "kindred" / "algorithms"


def test_completeness_counts_filled_fields_in_order():
    assert completeness({"a": True, "b": False, "c": False}, ["c", "a", "b"]) == (
        33,
        ["c", "b"],
    )
    assert completeness({}, []) == (100, [])
    assert completeness({"a": True}, ["a"]) == (100, [])


def test_algorithms_import_no_django():
    """Every module under kindred/algorithms is free of Django and DRF imports."""
    offenders = []
    for path in ALGORITHMS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in {"django", "rest_framework"}
            ]
    assert not offenders, offenders


def test_navigator_ranks_topics_first_then_fit():
    from kindred.algorithms.navigator import Candidate, Preferences, rank

    ranked = rank(
        [
            Candidate(1, {7: "Pricing"}, delivery="in_person"),
            Candidate(2, {7: "Pricing", 8: "Cash flow"}),
            Candidate(3, {7: "Pricing"}, delivery="online"),
            Candidate(4, {}, text_score=0.5),
        ],
        Preferences(delivery="online"),
        limit=3,
    )
    # Two topics beat one; the right delivery beats the wrong one, so much that a
    # matching description (4) outranks a topic delivered the wrong way (1).
    assert [r.key for r in ranked] == [2, 3, 4]
    assert ranked[0].topics == ["Cash flow", "Pricing"]


def test_navigator_arrays_agree_with_the_plain_ranking():
    """The vectorised `best` orders candidates exactly as `rank` does."""
    import random

    import numpy as np

    from kindred.algorithms.navigator import Candidate, Pool, Preferences, best, rank

    rng = random.Random(5)
    for _ in range(50):
        pool = [
            Candidate(
                key=i,
                topics={t: str(t) for t in range(rng.randrange(3))},
                text_score=rng.choice([0.0, rng.random() * 5]),
                delivery=rng.choice(["online", "in_person", "hybrid"]),
                is_programme=rng.random() < 0.3,
                free=rng.random() < 0.6,
                targeted=rng.random() < 0.3,
                open=rng.random() < 0.9,
                has_wait=rng.random() < 0.3,
            )
            for i in range(rng.randrange(1, 40))
        ]
        prefs = Preferences(
            urgency=rng.choice(["now", "soon", "exploring"]),
            delivery=rng.choice(["either", "online", "in_person"]),
        )
        arrays = Pool(
            topic_overlap=np.array([len(c.topics) for c in pool]),
            text_score=np.array([c.text_score for c in pool]),
            delivery=np.array([c.delivery for c in pool], dtype=object),
            is_programme=np.array([c.is_programme for c in pool]),
            free=np.array([c.free for c in pool]),
            targeted=np.array([c.targeted for c in pool]),
            open=np.array([c.open for c in pool]),
            has_wait=np.array([c.has_wait for c in pool]),
        )
        plain = [(r.key, r.score) for r in rank(pool, prefs, limit=8)]
        fast = [(pool[i].key, s) for i, s in best(arrays, prefs, limit=8)]
        assert [k for k, _ in fast] == [k for k, _ in plain]
        assert np.allclose([s for _, s in fast], [s for _, s in plain])


def test_text_search_forgives_typos_and_says_what_matched():
    from kindred.algorithms.textsearch import TextIndex, tokenize

    index = TextIndex(
        [
            tokenize("Founder wellbeing programme: mindfulness and mentoring"),
            tokenize("Cash-flow clinic for start-ups"),
            tokenize("Export mentoring with trade advisers"),
        ]
    )
    outcome = index.search("mentering")
    assert {h.index for h in outcome.hits} == {0, 2}
    assert outcome.hits[0].matched == ("mentoring",)
    assert outcome.expansions[0].corrected
    assert index.search("cash flow").hits[0].index == 1
    assert index.search("well").hits[0].index == 0  # a prefix is enough
    assert not index.search("tractors").hits
    assert index.search("").total == 3
    assert tokenize("Café & Crème, the best") == ["cafe", "creme", "best"]
    assert index.scores("cash tractors")[1] > 0  # any word counts for scores()
