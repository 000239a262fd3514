"""A labelled evaluation set for helper recommendations, and its metrics.

Generated people have latent expertise whose ground truth is known: each topic of
a two-level taxonomy covers a few specialities ("cash-flow forecasting" and "VAT
returns" under finance), each with its own words. People tick taxonomy topics on
their profile, imperfectly (they forget some and tick others they do not really
know), and write about their specialities in their bio, offers and helpful answers
(some of them, some of the time). An ask is about one speciality: its words plus
everyday ones, tagged with its topic (or, sometimes, a neighbouring one). The
people relevant to an ask are the experts in its speciality.

A topic-overlap ranking cannot tell specialities of the same topic apart, nor find
experts who did not tick the topic; that is what the other factors are for. The
figures compare the full ranking (every factor, with a generated recent load and
organisations) with the topic-overlap baseline on the same set.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from kindred.algorithms.helper_ranking import Candidate, HelperIndex, Query


@dataclass(frozen=True)
class EvaluationSet:
    candidates: list[Candidate]
    queries: list[Query]
    relevant: list[frozenset[int]]  # per query: the people expert in its speciality
    topic_parent: dict[int, int | None]
    recent_invitations: dict[int, int]  # person -> invitations in the last 30 days


def _words(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(count)]


def generate(
    *,
    people: int = 2000,
    broad_topics: int = 8,
    topics_per_broad: int = 5,
    specialities_per_topic: int = 4,
    asks: int = 200,
    organisations: int = 60,
    seed: int = 7,
) -> EvaluationSet:
    """A deterministic evaluation set for `seed` (see the module docstring)."""
    rng = random.Random(seed)  # noqa: S311 - generated data, not security
    topic_parent: dict[int, int | None] = {}
    topics: list[int] = []
    for b in range(broad_topics):
        parent = 1000 + b
        topic_parent[parent] = None
        for t in range(topics_per_broad):
            topic = 2000 + b * topics_per_broad + t
            topic_parent[topic] = parent
            topics.append(topic)
    # Each speciality: (its topic, its own words); each topic has words too.
    specialities = [
        (topic, _words(f"sp{topic}x{s}w", 6))
        for topic in topics
        for s in range(specialities_per_topic)
    ]
    topic_words = {topic: _words(f"tp{topic}w", 6) for topic in topics}
    everyday = _words("gen", 300)
    siblings = {
        topic: [
            t for t in topics if t != topic and topic_parent[t] == topic_parent[topic]
        ]
        for topic in topics
    }

    def everyday_words(low: int, high: int) -> list[str]:
        # Zipf-like: a few everyday words are everywhere.
        return [
            everyday[min(int(rng.paretovariate(1.2)) - 1, len(everyday) - 1)]
            for _ in range(rng.randint(low, high))
        ]

    expertise: dict[int, set[int]] = {}
    candidates: list[Candidate] = []
    for person in range(1, people + 1):
        practitioner = rng.random() < 0.3
        if practitioner:
            known = set(rng.sample(range(len(specialities)), rng.randint(2, 3)))
        else:
            known = {rng.randrange(len(specialities))} if rng.random() < 0.5 else set()
        expertise[person] = known
        declared: set[int] = set()
        words: list[str] = everyday_words(8, 25)
        helped: dict[int, int] = {}
        has_offer = practitioner and rng.random() < 0.5
        for s in known:
            topic, own = specialities[s]
            if rng.random() < 0.7:  # some forget to tick the topic
                declared.add(topic)
            if rng.random() < 0.75:  # some never write about it
                words += rng.sample(own, rng.randint(1, 4))
                words += rng.sample(topic_words[topic], rng.randint(0, 2))
            if has_offer and rng.random() < 0.6:
                words += rng.sample(own, 2)
            answers = min(int(rng.expovariate(1.0)), 6)
            if answers:
                helped[topic] = helped.get(topic, 0) + answers
                for _ in range(answers):
                    words += rng.sample(own, 1) + everyday_words(3, 8)
        # Ticked topics they do not really know; words they mention in passing.
        for _ in range(rng.randint(1, 3) if practitioner else rng.randint(0, 1)):
            declared.add(rng.choice(topics))
        if rng.random() < 0.3:
            _topic, own = rng.choice(specialities)
            words.append(rng.choice(own))
        if rng.random() < 0.05:
            topic = rng.choice(topics)
            helped[topic] = helped.get(topic, 0) + 1
        rng.shuffle(words)
        candidates.append(
            Candidate(
                person=person,
                text=" ".join(words),
                topics=frozenset(declared),
                helped=helped,
                organisations=frozenset(
                    rng.sample(range(1, organisations + 1), rng.randint(0, 2))
                ),
                monthly_limit=rng.choice((2, 4, 4, 6)) if has_offer else 4,
                has_offer=has_offer,
            )
        )

    experts: dict[int, set[int]] = {}
    for person, known in expertise.items():
        for s in known:
            experts.setdefault(s, set()).add(person)
    queries: list[Query] = []
    relevant: list[frozenset[int]] = []
    askable = sorted(experts)
    while len(queries) < asks and askable:
        s = rng.choice(askable)
        topic, own = specialities[s]
        asker = rng.randint(1, people)
        wanted = frozenset(experts[s] - {asker})
        if not wanted:
            continue
        words = rng.sample(own, rng.randint(1, 3)) + rng.sample(
            topic_words[topic], rng.randint(0, 2)
        )
        words += everyday_words(5, 15)
        rng.shuffle(words)
        tagged = {topic} if rng.random() < 0.85 else {rng.choice(siblings[topic])}
        if rng.random() < 0.2:
            tagged.add(rng.choice(topics))
        queries.append(
            Query(
                text=" ".join(words),
                topics=frozenset(tagged),
                asker=asker,
                asker_organisations=candidates[asker - 1].organisations,
            )
        )
        relevant.append(wanted)
    recent = {
        person: rng.randint(1, 6)
        for person in range(1, people + 1)
        if rng.random() < 0.2
    }
    return EvaluationSet(candidates, queries, relevant, topic_parent, recent)


def recall_at(ranked: Sequence[int], relevant: Collection[int], k: int = 10) -> float:
    """Share of the relevant people in the first `k`, out of at most `k` (so a
    perfect ranking scores 1 even when more than `k` people are relevant)."""
    if not relevant:
        return 0.0
    wanted = set(relevant)
    hits = sum(1 for person in ranked[:k] if person in wanted)
    return hits / min(len(wanted), k)


def reciprocal_rank(ranked: Sequence[int], relevant: Collection[int]) -> float:
    """1 / the rank of the first relevant person, 0 when none is ranked."""
    wanted = set(relevant)
    for rank, person in enumerate(ranked, start=1):
        if person in wanted:
            return 1.0 / rank
    return 0.0


@dataclass(frozen=True)
class Quality:
    recall_at_10: float
    mrr: float
    queries: int


def _quality(rankings: list[list[int]], relevant: list[frozenset[int]]) -> Quality:
    n = len(rankings)
    return Quality(
        recall_at_10=round(
            sum(recall_at(r, rel) for r, rel in zip(rankings, relevant, strict=True))
            / max(n, 1),
            4,
        ),
        mrr=round(
            sum(
                reciprocal_rank(r[:10], rel)
                for r, rel in zip(rankings, relevant, strict=True)
            )
            / max(n, 1),
            4,
        ),
        queries=n,
    )


def evaluate(
    evaluation: EvaluationSet, index: HelperIndex | None = None
) -> dict[str, Quality]:
    """recall@10 and MRR (over the first 10) of the full ranking and the baseline."""
    if index is None:
        index = HelperIndex(evaluation.candidates, topic_parent=evaluation.topic_parent)
    recent = evaluation.recent_invitations

    def lookup(people: np.ndarray) -> dict[int, int]:
        return {int(p): recent[int(p)] for p in people if int(p) in recent}

    full = [
        [r.person for r in index.rank(q, k=10, recent_invitations=lookup)]
        for q in evaluation.queries
    ]
    baseline = [index.rank_by_topic_overlap(q, k=10) for q in evaluation.queries]
    return {
        "full": _quality(full, evaluation.relevant),
        "baseline": _quality(baseline, evaluation.relevant),
    }
