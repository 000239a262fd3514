"""Ranking for the support navigator: eligible services in the order that helps most.

The caller has already removed services the person is not eligible for; this module
only orders them, from plain data, and keeps what each score was made of so the page
can say why a service is on the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
    scored = [(score(c, prefs, best_text), i, c) for i, c in enumerate(pool)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        Ranked(
            key=c.key,
            score=round(s, 4),
            topics=sorted(c.topics.values()),
            text_match=c.text_score > 0,
        )
        for s, _i, c in scored[:limit]
    ]
