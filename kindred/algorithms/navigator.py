"""Ranking for the support navigator: eligible services in the order that helps most.

The caller has already removed services the person is not eligible for; this module
only orders them, from plain data, and keeps what each score was made of so the page
can say why a service is on the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

TOPIC_WEIGHT = 3.0
TEXT_WEIGHT = 2.0
DELIVERY_MATCH = 1.0
DELIVERY_MISMATCH = -1.5
URGENT_READY = 1.0  # open now, not a cohort programme, no waiting list
EXPLORING_PROGRAMME = 0.5
TARGETED = 0.5  # the service names the person's stage or region on purpose
FREE = 0.25


@dataclass(frozen=True)
class Candidate:
    key: int
    topics: dict[int, str]  # the person's needed topics this service covers
    text_score: float = 0.0  # BM25 relevance of the person's own words
    delivery: str = "online"  # online | in_person | hybrid
    is_programme: bool = False
    free: bool = True
    targeted: bool = False
    open: bool = True  # False when temporarily closed
    has_wait: bool = False


@dataclass(frozen=True)
class Preferences:
    urgency: str = "soon"  # now | soon | exploring
    delivery: str = "either"  # online | in_person | either


@dataclass(frozen=True)
class Ranked:
    key: int
    score: float
    topics: list[str] = field(default_factory=list)
    text_match: bool = False


def score(candidate: Candidate, prefs: Preferences, best_text: float) -> float:
    total = TOPIC_WEIGHT * len(candidate.topics)
    if best_text > 0:
        total += TEXT_WEIGHT * candidate.text_score / best_text
    if prefs.delivery != "either":
        if candidate.delivery in (prefs.delivery, "hybrid"):
            total += DELIVERY_MATCH
        else:
            total += DELIVERY_MISMATCH
    if prefs.urgency == "now":
        ready = candidate.open and not candidate.is_programme and not candidate.has_wait
        total += URGENT_READY if ready else -URGENT_READY
    elif prefs.urgency == "exploring" and candidate.is_programme:
        total += EXPLORING_PROGRAMME
    if not candidate.open:
        total -= 2.0
    if candidate.targeted:
        total += TARGETED
    if candidate.free:
        total += FREE
    return total


def rank(
    candidates: Iterable[Candidate], prefs: Preferences, *, limit: int = 8
) -> list[Ranked]:
    """The best `limit` candidates, highest score first; ties keep input order."""
    pool = list(candidates)
    best_text = max((c.text_score for c in pool), default=0.0)
    scored = [(round(score(c, prefs, best_text), 4), i, c) for i, c in enumerate(pool)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        Ranked(
            key=c.key,
            score=s,
            topics=sorted(c.topics.values()),
            text_match=c.text_score > 0,
        )
        for s, _i, c in scored[:limit]
    ]


@dataclass(frozen=True)
class Pool:
    """Many candidates at once, one array entry each (same meaning as Candidate)."""

    topic_overlap: np.ndarray  # how many of the person's topics each covers
    text_score: np.ndarray
    delivery: np.ndarray  # "online" | "in_person" | "hybrid"
    is_programme: np.ndarray
    free: np.ndarray
    targeted: np.ndarray
    open: np.ndarray
    has_wait: np.ndarray


def scores(pool: Pool, prefs: Preferences) -> np.ndarray:
    """`score` for every candidate of the pool, computed in one pass."""
    total = TOPIC_WEIGHT * pool.topic_overlap.astype(np.float64)
    best_text = float(pool.text_score.max()) if pool.text_score.size else 0.0
    if best_text > 0:
        total += TEXT_WEIGHT * pool.text_score / best_text
    if prefs.delivery != "either":
        fits = (pool.delivery == prefs.delivery) | (pool.delivery == "hybrid")
        total += np.where(fits, DELIVERY_MATCH, DELIVERY_MISMATCH)
    if prefs.urgency == "now":
        ready = pool.open & ~pool.is_programme & ~pool.has_wait
        total += np.where(ready, URGENT_READY, -URGENT_READY)
    elif prefs.urgency == "exploring":
        total += np.where(pool.is_programme, EXPLORING_PROGRAMME, 0.0)
    total -= np.where(pool.open, 0.0, 2.0)
    total += np.where(pool.targeted, TARGETED, 0.0)
    total += np.where(pool.free, FREE, 0.0)
    return total


def best(pool: Pool, prefs: Preferences, *, limit: int = 8) -> list[tuple[int, float]]:
    """Positions and scores of the best `limit` candidates; ties keep pool order.

    Gives the same order as `rank` over the same candidates.
    """
    values = np.round(scores(pool, prefs), 4)
    order = np.lexsort((np.arange(values.size), -values))[:limit]
    return [(int(i), float(values[i])) for i in order]
