"""Recommended helpers for an ask: who is likely to help, and why.

Candidates (people, and for supplier asks member businesses) are indexed once;
each query scores every candidate in a few vectorised passes and keeps what each
score was made of, so the page can say why someone is recommended. The factors:

- ``text``: BM25 relevance of the ask's words to the candidate's document (their
  headline, bio, topics, offers and past helpful answers), scaled so the best
  eligible candidate gets the full weight. The index is built with `bm25s` and
  queried directly as a SciPy sparse matrix (its own ``retrieve()`` is about 20x
  slower);
- ``topics``: the share of the ask's topics the candidate offers;
- ``helpfulness``: helpful answers on the ask's topics (and, at half weight, on
  related topics: the same broader topic), saturating;
- ``availability``: a small bonus for a standing offer of help, minus the recent
  load: invitations in the last 30 days against the person's monthly limit, with
  a further penalty at or beyond it, so the same few people are not asked every
  time;
- ``bridging``: a bonus for helpers outside all of the asker's organisations.

Only candidates with some relevance (text, topic or helpfulness) are returned.
Ties are broken by person id (a person before their business), so equal inputs
give equal outputs. The recent load is looked up only for the best candidates: the
pool grows until no candidate outside it can beat the last result.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np
from scipy import sparse

from kindred.algorithms.textsearch import tokenize

# bm25s sets its own logger to DEBUG and would narrate every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

TEXT = "text"
TOPICS = "topics"
HELPFULNESS = "helpfulness"
AVAILABILITY = "availability"
BRIDGING = "bridging"
FACTORS = (TEXT, TOPICS, HELPFULNESS, AVAILABILITY, BRIDGING)

DEFAULT_MONTHLY_LIMIT = 4


@dataclass(frozen=True)
class Weights:
    text: float = 3.0
    topics: float = 2.0
    helpfulness: float = 1.5
    helpfulness_saturation: int = 8  # this many helpful answers earn the full weight
    related_topic: float = 0.5  # a helpful answer on a related topic counts this much
    offer: float = 0.25  # a standing offer of help: the person said they are available
    load: float = 1.5  # taken away in proportion to recent invitations / limit
    at_limit: float = 2.0  # taken away as well once the monthly limit is reached
    bridging: float = 0.5

    @property
    def largest_load_penalty(self) -> float:
        return self.load + self.at_limit


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Candidate:
    """A person who could help, or (with `business` set) a business `person` owns."""

    person: int
    text: str = ""
    topics: Collection[int] = ()  # topics offered (profile and active offers)
    helped: Mapping[int, int] = field(default_factory=dict)  # topic -> helpful answers
    organisations: Collection[int] = ()
    monthly_limit: int = DEFAULT_MONTHLY_LIMIT
    has_offer: bool = False
    business: int | None = None


@dataclass(frozen=True)
class Query:
    """An ask, and who may be recommended for it."""

    text: str
    topics: Collection[int] = ()
    asker: int | None = None
    asker_organisations: Collection[int] = ()
    exclude: Collection[int] = ()  # people never recommended
    only: Collection[int] | None = None  # when set, only these people
    people: bool = True
    businesses: bool = False  # include businesses (supplier asks)


@dataclass(frozen=True)
class Recommendation:
    person: int
    business: int | None
    score: float
    factors: dict[str, float]  # factor -> contribution to the score
    matched_topics: tuple[int, ...]  # the ask's topics the candidate offers
    helped_on_topics: int  # helpful answers on the ask's own topics
    helped_on_related: int  # ... and on related topics
    recent_invitations: int
    monthly_limit: int
    outside_organisations: bool  # True only when the asker has organisations


# Person ids (an array) -> invitations each received in the last 30 days.
RecentInvitations = Callable[[np.ndarray], Mapping[int, int]]


def _no_invitations(people: np.ndarray) -> Mapping[int, int]:
    return {}


class Bm25Matrix:
    """A BM25 index over token lists, held as a (terms x documents) CSR matrix."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.size = len(documents)
        retriever = bm25s.BM25()
        if self.size:
            retriever.index([list(d) or [""] for d in documents], show_progress=False)
            scores = retriever.scores
            self.vocabulary: dict[str, int] = dict(retriever.vocab_dict)
            # bm25s keeps documents x terms in CSC form: the same arrays read as
            # CSR are its transpose, one row of per-document scores per term.
            self.matrix = sparse.csr_matrix(
                (scores["data"], scores["indices"], scores["indptr"]),
                shape=(len(scores["indptr"]) - 1, self.size),
            )
        else:
            self.vocabulary = {}
            self.matrix = sparse.csr_matrix((0, 0), dtype=np.float32)

    def scores(self, tokens: Collection[str]) -> np.ndarray:
        """BM25 score of every document for the distinct `tokens` (0 for none)."""
        rows = sorted({self.vocabulary[t] for t in tokens if t in self.vocabulary})
        if not rows:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.matrix[rows].sum(axis=0), dtype=np.float32).ravel()

    @property
    def nbytes(self) -> int:
        m = self.matrix
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)


def related_topics(topic_parent: Mapping[int, int | None]) -> dict[int, frozenset[int]]:
    """For each topic, the others under the same broader topic, its broader topic
    and its narrower ones."""
    children: dict[int, set[int]] = {}
    for topic, parent in topic_parent.items():
        if parent is not None:
            children.setdefault(parent, set()).add(topic)
    related: dict[int, frozenset[int]] = {}
    for topic in set(topic_parent) | set(children):
        parent = topic_parent.get(topic)
        near = set(children.get(topic, ()))
        if parent is not None:
            near |= children.get(parent, set()) | {parent}
        near.discard(topic)
        related[topic] = frozenset(near)
    return related


def _columns(
    ids: Collection[int], mapping: Mapping[int, int]
) -> list[int]:  # known ids only
    return sorted({mapping[i] for i in ids if i in mapping})


def _incidence(
    rows: Sequence[Mapping[int, float] | Collection[int]],
    mapping: dict[int, int],
) -> sparse.csc_matrix:
    """A (rows x ids) matrix: 1 for each id a row holds, or the row's value."""
    row_index: list[int] = []
    col_index: list[int] = []
    values: list[float] = []
    for r, row in enumerate(rows):
        for key in row:
            col = mapping.setdefault(key, len(mapping))
            row_index.append(r)
            col_index.append(col)
            values.append(float(row[key]) if isinstance(row, Mapping) else 1.0)
    return sparse.csc_matrix(
        (
            np.asarray(values, dtype=np.float32),
            (np.asarray(row_index, dtype=np.int64), np.asarray(col_index, np.int64)),
        ),
        shape=(len(rows), max(len(mapping), 1)),
    )


def _column_sum(matrix: sparse.csc_matrix, columns: list[int]) -> np.ndarray:
    """Row sums of the given columns of a CSC matrix, read from its arrays."""
    if not columns:
        return np.zeros(matrix.shape[0], dtype=np.float32)
    starts, ends = matrix.indptr[columns], matrix.indptr[np.add(columns, 1)]
    take = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
    return np.bincount(
        matrix.indices[take], weights=matrix.data[take], minlength=matrix.shape[0]
    ).astype(np.float32)


def _best(score: np.ndarray, m: int) -> np.ndarray:
    """Indices of the `m` highest scores, highest first, ties by index."""
    if score.size > m:
        threshold = np.partition(score, score.size - m)[score.size - m]
        above = np.flatnonzero(score > threshold)
        tied = np.flatnonzero(score == threshold)[: m - above.size]
        chosen = np.concatenate([above, tied])
    else:
        chosen = np.arange(score.size)
    return chosen[np.lexsort((chosen, -score[chosen]))]


class HelperIndex:
    """An immutable index over candidate helpers, to rank them for many asks."""

    def __init__(
        self,
        candidates: Sequence[Candidate],
        *,
        topic_parent: Mapping[int, int | None] | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
    ) -> None:
        # Position order is (person, then the person before their businesses): the
        # tie-break order.
        ordered = sorted(
            candidates,
            key=lambda c: (c.person, -1 if c.business is None else c.business),
        )
        self.size = len(ordered)
        self.weights = weights
        self.person = np.fromiter((c.person for c in ordered), np.int64, self.size)
        self.business = np.fromiter(
            (-1 if c.business is None else c.business for c in ordered),
            np.int64,
            self.size,
        )
        self.is_business = self.business >= 0
        self.has_offer = np.fromiter((c.has_offer for c in ordered), bool, self.size)
        self.monthly_limit = np.fromiter(
            (max(1, c.monthly_limit) for c in ordered), np.float32, self.size
        )
        self.text = Bm25Matrix([tokenize(c.text) for c in ordered])
        self._topic_columns: dict[int, int] = {}
        self.topics = _incidence([c.topics for c in ordered], self._topic_columns)
        self.helped = _incidence([c.helped for c in ordered], self._topic_columns)
        # Both matrices share the topic columns: pad the first to the final width.
        width = max(len(self._topic_columns), 1)
        self.topics.resize((self.size, width))
        self.helped.resize((self.size, width))
        self._topics_by_row = self.topics.tocsr()
        self._topic_of_column = {c: t for t, c in self._topic_columns.items()}
        self._organisation_columns: dict[int, int] = {}
        self.organisations = _incidence(
            [c.organisations for c in ordered], self._organisation_columns
        )
        self._organisations_by_row = self.organisations.tocsr()
        self._organisation_of_column = {
            c: o for o, c in self._organisation_columns.items()
        }
        self._related = related_topics(topic_parent or {})

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays and matrices (not Python objects)."""
        arrays = (
            self.person,
            self.business,
            self.is_business,
            self.has_offer,
            self.monthly_limit,
        )
        total = sum(a.nbytes for a in arrays) + self.text.nbytes
        for m in (self.topics, self._topics_by_row, self.helped, self.organisations):
            total += m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
        return int(total)

    def organisations_of(self, person: int) -> frozenset[int] | None:
        """The organisations `person` belonged to when indexed; None if not indexed."""
        start = int(np.searchsorted(self.person, person, side="left"))
        if start >= self.size or self.person[start] != person:
            return None
        row = self._organisations_by_row
        columns = row.indices[row.indptr[start] : row.indptr[start + 1]]
        return frozenset(self._organisation_of_column[int(c)] for c in columns)

    def positions_of(self, people: Collection[int]) -> np.ndarray:
        """A mask of the positions of `people` (absent people are ignored)."""
        wanted = np.unique(np.fromiter(people, np.int64, len(people)))
        mask = np.zeros(self.size, dtype=bool)
        # Positions are sorted by person: each person's entries form one run.
        starts = np.searchsorted(self.person, wanted, side="left")
        ends = np.searchsorted(self.person, wanted, side="right")
        for start, end in zip(starts[starts < ends], ends[starts < ends], strict=True):
            mask[start:end] = True
        return mask

    def _allowed(self, query: Query) -> np.ndarray:
        if query.people and query.businesses:
            allowed = np.ones(self.size, dtype=bool)
        else:
            allowed = self.is_business.copy() if query.businesses else ~self.is_business
        excluded = set(query.exclude)
        if query.asker is not None:
            excluded.add(query.asker)
        if excluded:
            allowed &= ~self.positions_of(excluded)
        if query.only is not None:
            allowed &= self.positions_of(query.only)
        return allowed

    def components(self, query: Query) -> dict[str, np.ndarray]:
        """Every candidate's raw signals for `query`, one array each."""
        text = self.text.scores(tokenize(query.text))
        ask_topics = _columns(query.topics, self._topic_columns)
        related_ids: set[int] = set()
        for topic in query.topics:
            related_ids |= self._related.get(topic, frozenset())
        related_ids -= set(query.topics)
        related = _columns(related_ids, self._topic_columns)
        outside = np.zeros(self.size, dtype=bool)
        organisations = _columns(query.asker_organisations, self._organisation_columns)
        if query.asker_organisations:
            outside = _column_sum(self.organisations, organisations) == 0
        return {
            "text": text,
            "overlap": _column_sum(self.topics, ask_topics),
            "helped": _column_sum(self.helped, ask_topics),
            "helped_related": _column_sum(self.helped, related),
            "outside": outside,
        }

    def _factors(
        self, query: Query, signals: dict[str, np.ndarray], positions: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Each factor's contribution for the candidates at `positions`, before
        the recent load is known."""
        w = self.weights
        text = signals["text"][positions].astype(np.float64)
        best_text = float(text.max()) if text.size else 0.0
        text *= w.text / best_text if best_text > 0 else 0.0
        n_topics = max(len(set(query.topics)), 1)
        helped = (
            signals["helped"][positions]
            + w.related_topic * signals["helped_related"][positions]
        )
        saturation = math.log1p(w.helpfulness_saturation)
        return {
            TEXT: text,
            TOPICS: w.topics
            * signals["overlap"][positions].astype(np.float64)
            / n_topics,
            HELPFULNESS: w.helpfulness
            * np.minimum(1.0, np.log1p(helped.astype(np.float64)) / saturation),
            AVAILABILITY: np.where(self.has_offer[positions], w.offer, 0.0),
            BRIDGING: np.where(signals["outside"][positions], w.bridging, 0.0),
        }

    def _load_penalty(self, recent: np.ndarray, positions: np.ndarray) -> np.ndarray:
        w = self.weights
        share = recent / self.monthly_limit[positions]
        return w.load * np.minimum(share, 1.0) + np.where(share >= 1.0, w.at_limit, 0)

    def rank(
        self,
        query: Query,
        *,
        k: int = 10,
        recent_invitations: RecentInvitations = _no_invitations,
    ) -> list[Recommendation]:
        """The best `k` candidates for `query`, one per person, best first.

        `recent_invitations` is called with the person ids of a pool of the best
        candidates (usually once) and returns their invitations of the last 30 days.
        """
        if not self.size or k <= 0:
            return []
        signals = self.components(query)
        relevant = (
            (signals["text"] > 0)
            | (signals["overlap"] > 0)
            | (signals["helped"] + signals["helped_related"] > 0)
        )
        positions = np.flatnonzero(relevant & self._allowed(query))
        if not positions.size:
            return []
        parts = self._factors(query, signals, positions)
        base: np.ndarray = sum(parts.values(), np.zeros(positions.size))
        pool_size = max(4 * k, 50)
        loads: dict[int, int] = {}
        while True:
            # Indices into `positions`, whose order is the tie-break order.
            ordered = _best(base, pool_size + 1)
            pool, after = ordered[:pool_size], ordered[pool_size:]
            people = self.person[positions[pool]]
            unknown = np.setdiff1d(people, np.fromiter(loads, np.int64, len(loads)))
            if unknown.size:
                found = recent_invitations(unknown)
                loads.update({int(p): int(found.get(int(p), 0)) for p in unknown})
            recent = np.fromiter((loads[int(p)] for p in people), np.float32, pool.size)
            penalty = self._load_penalty(recent, positions[pool])
            final = base[pool] - penalty
            chosen = self._one_per_person(positions[pool], final, k)
            if not after.size:
                break
            # Nobody outside the pool scores above their base score: stop when the
            # best of them cannot beat the last one chosen.
            if len(chosen) == k:
                last_score, last_index = chosen[-1]
                best_out = int(after[0])
                if (base[best_out], -best_out) < (last_score, -pool[last_index]):
                    break
            pool_size *= 4
        query_topics = set(query.topics)
        results = []
        for score, i in chosen:
            local = int(pool[i])
            position = int(positions[local])
            factors = {name: float(values[local]) for name, values in parts.items()}
            factors[AVAILABILITY] -= float(penalty[i])
            person = int(self.person[position])
            row = self._topics_by_row
            columns = row.indices[row.indptr[position] : row.indptr[position + 1]]
            offered = {self._topic_of_column[int(c)] for c in columns}
            business = int(self.business[position])
            results.append(
                Recommendation(
                    person=person,
                    business=None if business < 0 else business,
                    score=round(float(score), 6),
                    factors={name: round(v, 6) for name, v in factors.items()},
                    matched_topics=tuple(sorted(offered & query_topics)),
                    helped_on_topics=int(signals["helped"][position]),
                    helped_on_related=int(signals["helped_related"][position]),
                    recent_invitations=loads.get(person, 0),
                    monthly_limit=int(self.monthly_limit[position]),
                    outside_organisations=bool(signals["outside"][position]),
                )
            )
        return results

    def _one_per_person(
        self, positions: np.ndarray, final: np.ndarray, k: int
    ) -> list[tuple[float, int]]:
        """(score, index into `positions`) of the best `k` by final score, ties by
        position, keeping each person's best entry only."""
        order = np.lexsort((positions, -final))
        chosen: list[tuple[float, int]] = []
        seen: set[int] = set()
        for i in order:
            person = int(self.person[positions[i]])
            if person in seen:
                continue
            seen.add(person)
            chosen.append((float(final[i]), int(i)))
            if len(chosen) == k:
                break
        return chosen

    def rank_by_topic_overlap(self, query: Query, *, k: int = 10) -> list[int]:
        """The baseline: people offering most of the ask's topics, ties by id."""
        overlap = self.components(query)["overlap"]
        positions = np.flatnonzero((overlap > 0) & self._allowed(query))
        best: list[int] = []
        for i in _best(overlap[positions], 4 * k):
            person = int(self.person[positions[i]])
            if person not in best:
                best.append(person)
            if len(best) == k:
                break
        return best


@dataclass(frozen=True)
class AskDocument:
    key: int
    text: str
    topics: Collection[int] = ()


def rank_asks(
    helper: Candidate,
    asks: Sequence[AskDocument],
    *,
    topic_parent: Mapping[int, int | None] | None = None,
    limit: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[tuple[int, float]]:
    """Asks `helper` could help with, best first: (key, score) pairs.

    Scored like `HelperIndex.rank` seen from the other side: BM25 of the helper's
    document against the asks' words, the share of each ask's topics the helper
    offers, and their helpful answers on its topics. Ties go to the lower key.
    """
    if not asks:
        return []
    keys = np.fromiter((a.key for a in asks), np.int64, len(asks))
    text = Bm25Matrix([tokenize(a.text) for a in asks]).scores(tokenize(helper.text))
    offered = set(helper.topics)
    related = related_topics(topic_parent or {})
    overlap = np.zeros(len(asks))
    helped = np.zeros(len(asks))
    for i, ask in enumerate(asks):
        topics = set(ask.topics)
        if not topics:
            continue
        overlap[i] = len(topics & offered) / len(topics)
        near = set().union(*(related.get(t, frozenset()) for t in topics)) - topics
        helped[i] = sum(helper.helped.get(t, 0) for t in topics) + (
            weights.related_topic * sum(helper.helped.get(t, 0) for t in near)
        )
    best_text = float(text.max())
    score = weights.topics * overlap + weights.helpfulness * np.minimum(
        1.0, np.log1p(helped) / math.log1p(weights.helpfulness_saturation)
    )
    if best_text > 0:
        score = score + weights.text * text / best_text
    candidates = np.flatnonzero(score > 0)
    order = candidates[np.lexsort((keys[candidates], -score[candidates]))][:limit]
    return [(int(keys[i]), round(float(score[i]), 6)) for i in order]
