"""The ecosystem's relationship graph: health metrics, communities and brokers.

Plain arrays in, plain numbers out; no Django. Nodes are indices 0..n-1 (people
and organisations); ties are parallel arrays. For structure (density, degree,
components, communities, modularity, clustering, betweenness) ties are made
undirected and parallel ties merged, their weights summed.

`snapshot_metrics` is the production path (igraph and numpy, no Python loop over
ties); `reference_metrics` computes the same with networkx (exact betweenness,
Louvain) for the tests and the benchmark; `bridge_suggestions` proposes
organisations that serve the same entrepreneurs or topics but are not connected.

Choices the tests hold both implementations to:
- Self-ties (a tie from a node to itself) are ignored.
- Communities and modularity use the merged weights; degree, components,
  clustering and betweenness ignore them (a path's length is its number of ties).
- Community ids are numbered by size, largest first (ties broken by smallest
  node); nodes with no tie get -1 and are not counted as communities.
- Betweenness is normalised as networkx does for undirected graphs (divided by
  (n-1)(n-2)/2, n counting every node). With `samples`, it is Brandes'
  source-sampling estimate: igraph's subset betweenness from `samples` sources
  drawn uniformly without replacement among the nodes with a tie, to every
  target, scaled by (nodes with a tie) / samples. That sum is linear in the
  sources, so the estimate is unbiased; it is exact when samples >= that count.
- A metric whose denominator is zero is None (e.g. the E-I index with no pair
  whose two organisations are known); clustering with no connected triple is 0,
  as in networkx.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import igraph as ig
import numpy as np

# The same values, in the same order, as kindred.analytics.models.Tie.Kind.
KINDS = (
    "referral_org",
    "referral_person",
    "mentoring",
    "help",
    "meeting",
    "co_attendance",
    "shared_group",
    "partnership",
    "co_delivery",
    "co_credit",
)
DIRECTED_KINDS = frozenset({"referral_org", "referral_person", "help"})

ECOSYSTEM_KEYS = (
    "nodes",
    "people",
    "organisations",
    "ties",
    "density",
    "mean_degree",
    "cross_org_share",
    "ei_index",
    "help_reciprocity",
    "isolates",
    "largest_component",
    "largest_component_share",
    "communities",
    "modularity",
    "clustering",
    "new_ties",
    "new_bridging_ties",
)
ORGANISATION_KEYS = (
    "people",
    "degree",
    "ties",
    "cross_org_share",
    "ei_index",
    "betweenness",
    "bridging",
    "community",
)


@dataclass(frozen=True)
class Graph:
    """The ties up to a snapshot's end, as arrays (index = node, index = tie)."""

    n: int  # nodes are 0..n-1
    is_org: np.ndarray  # bool (n,): organisation node or person node
    # int32 (n,): for a person the node index of their (primary) organisation, -1
    # if none; for an organisation node its own index
    org_of: np.ndarray
    src: np.ndarray  # int32 (m,) tie source node
    dst: np.ndarray  # int32 (m,) tie target node
    kind: np.ndarray  # int8 (m,) index into KINDS
    weight: np.ndarray  # float32 (m,)
    day: np.ndarray  # int32 (m,) date.toordinal() of the tie


@dataclass
class Result:
    """A snapshot's metrics: ecosystem-wide, per node and per organisation."""

    metrics: dict[str, float | int | None]  # ECOSYSTEM_KEYS
    # int32 (n,) community id per node (Leiden, modularity objective, seeded), -1
    # for isolates
    community: np.ndarray
    # float64 (n,) normalised betweenness, approximated from `samples` sources when
    # samples is not None
    betweenness: np.ndarray
    degree: np.ndarray  # int32 (n,) distinct neighbours
    # organisation node index -> its metrics (ORGANISATION_KEYS)
    organisations: dict[int, dict[str, float | int | None]]


HELP = KINDS.index("help")


@dataclass(frozen=True)
class _Pairs:
    """Distinct undirected pairs (a < b) with summed weight and first day."""

    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    first_day: np.ndarray


def _validate(g: Graph) -> None:
    n = g.n
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}.")
    for name in ("is_org", "org_of"):
        length = len(getattr(g, name))
        if length != n:
            raise ValueError(f"{name} has {length} entries for n={n} nodes.")
    m = len(g.src)
    for name in ("dst", "kind", "weight", "day"):
        length = len(getattr(g, name))
        if length != m:
            raise ValueError(f"{name} has {length} entries but src has {m}.")
    if m:
        low = min(int(g.src.min()), int(g.dst.min()))
        high = max(int(g.src.max()), int(g.dst.max()))
        if low < 0 or high >= n:
            raise ValueError(
                f"A tie names node {low if low < 0 else high}, outside 0..{n - 1}."
            )
        if int(g.kind.min()) < 0 or int(g.kind.max()) >= len(KINDS):
            raise ValueError(f"A tie's kind is outside 0..{len(KINDS) - 1}.")
    if n:
        org_of = np.asarray(g.org_of, dtype=np.int64)
        is_org = np.asarray(g.is_org, dtype=bool)
        if int(org_of.min()) < -1 or int(org_of.max()) >= n:
            raise ValueError(f"org_of names a node outside -1..{n - 1}.")
        known = org_of >= 0
        if not is_org[org_of[known]].all():
            raise ValueError("org_of names a node that is not an organisation.")
        if not (org_of[is_org] == np.flatnonzero(is_org)).all():
            raise ValueError("An organisation node's org_of must be its own index.")


def _merge(g: Graph) -> _Pairs:
    src = np.asarray(g.src, dtype=np.int64)
    dst = np.asarray(g.dst, dtype=np.int64)
    keep = src != dst
    a = np.minimum(src, dst)[keep]
    b = np.maximum(src, dst)[keep]
    weight = np.asarray(g.weight, dtype=np.float64)[keep]
    day = np.asarray(g.day, dtype=np.int64)[keep]
    if not len(a):
        empty = np.zeros(0, dtype=np.int64)
        return _Pairs(empty, empty, np.zeros(0), empty)
    key = a * max(g.n, 1) + b
    order = np.lexsort((day, key))
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return _Pairs(
        a=a[order][starts],
        b=b[order][starts],
        weight=np.add.reduceat(weight[order], starts),
        first_day=day[order][starts],
    )


def _number_communities(membership: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """Renumber communities by size (largest first); -1 for nodes with no tie."""
    n = len(membership)
    community = np.full(n, -1, dtype=np.int32)
    tied = degree > 0
    if not tied.any():
        return community
    labels, inverse, sizes = np.unique(
        membership[tied], return_inverse=True, return_counts=True
    )
    first = np.full(len(labels), n, dtype=np.int64)
    np.minimum.at(first, inverse, np.flatnonzero(tied))
    rank = np.empty(len(labels), dtype=np.int32)
    rank[np.lexsort((first, -sizes))] = np.arange(len(labels), dtype=np.int32)
    community[tied] = rank[inverse]
    return community


def _share(part: float, whole: float) -> float | None:
    return float(part) / float(whole) if whole else None


def _ei(external: float, internal: float) -> float | None:
    total = external + internal
    return (float(external) - float(internal)) / float(total) if total else None


def _help_reciprocity(g: Graph) -> float | None:
    is_org = np.asarray(g.is_org, dtype=bool)
    src = np.asarray(g.src, dtype=np.int64)
    dst = np.asarray(g.dst, dtype=np.int64)
    helps = (np.asarray(g.kind) == HELP) & (src != dst)
    gave = np.zeros(g.n, dtype=bool)
    received = np.zeros(g.n, dtype=bool)
    gave[src[helps]] = True
    received[dst[helps]] = True
    gave &= ~is_org
    received &= ~is_org
    return _share(int((gave & received).sum()), int((gave | received).sum()))


def _normalise_betweenness(raw: np.ndarray, n: int) -> np.ndarray:
    if n <= 2:
        return raw
    return raw * (2.0 / ((n - 1) * (n - 2)))


def _summarise(
    g: Graph,
    pairs: _Pairs,
    *,
    degree: np.ndarray,
    community: np.ndarray,
    betweenness: np.ndarray,
    largest_component: int,
    modularity: float | None,
    clustering: float,
    new_since_day: int,
) -> Result:
    """Every count that needs only the pairs and the per-node results (numpy)."""
    n = g.n
    is_org = np.asarray(g.is_org, dtype=bool)
    org_of = np.asarray(g.org_of, dtype=np.int64)
    m = len(pairs.a)
    oa = org_of[pairs.a]
    ob = org_of[pairs.b]
    known = (oa >= 0) & (ob >= 0)
    external = known & (oa != ob)
    internal = known & (oa == ob)
    new = pairs.first_day >= new_since_day
    bridging = community[pairs.a] != community[pairs.b]
    n_external = int(external.sum())
    n_internal = int(internal.sum())
    metrics: dict[str, float | int | None] = {
        "nodes": n,
        "people": int((~is_org).sum()),
        "organisations": int(is_org.sum()),
        "ties": m,
        "density": 2.0 * m / (n * (n - 1)) if n > 1 else None,
        "mean_degree": 2.0 * m / n if n else None,
        "cross_org_share": _share(n_external, n_external + n_internal),
        "ei_index": _ei(n_external, n_internal),
        "help_reciprocity": _help_reciprocity(g),
        "isolates": int((degree == 0).sum()),
        "largest_component": largest_component,
        "largest_component_share": _share(largest_component, n),
        "communities": int(np.unique(community[community >= 0]).size),
        "modularity": modularity,
        "clustering": clustering,
        "new_ties": int(new.sum()),
        "new_bridging_ties": int((new & bridging).sum()),
    }

    # Each pair counts once for the organisation of each end (once if both ends
    # share it).
    second = (ob >= 0) & (ob != oa)
    owner = np.concatenate([oa[oa >= 0], ob[second]])
    other = np.concatenate([ob[oa >= 0], oa[second]])
    crosses = np.concatenate([bridging[oa >= 0], bridging[second]])
    ties = np.bincount(owner, minlength=n)
    org_known = other >= 0
    ext = np.bincount(owner[org_known & (other != owner)], minlength=n)
    inn = np.bincount(owner[org_known & (other == owner)], minlength=n)
    bridges = np.bincount(owner[crosses], minlength=n)
    partner_pairs = np.unique(
        owner[org_known & (other != owner)] * max(n, 1)
        + other[org_known & (other != owner)]
    )
    partners = np.bincount(partner_pairs // max(n, 1), minlength=n)
    people = np.bincount(org_of[(~is_org) & (org_of >= 0)], minlength=n)
    organisations: dict[int, dict[str, float | int | None]] = {}
    for o in np.flatnonzero(is_org).tolist():
        organisations[o] = {
            "people": int(people[o]),
            "degree": int(partners[o]),
            "ties": int(ties[o]),
            "cross_org_share": _share(ext[o], ext[o] + inn[o]),
            "ei_index": _ei(ext[o], inn[o]),
            "betweenness": float(betweenness[o]),
            "bridging": _share(bridges[o], ties[o]),
            "community": int(community[o]),
        }
    return Result(
        metrics=metrics,
        community=community,
        betweenness=betweenness,
        degree=degree.astype(np.int32),
        organisations=organisations,
    )


def snapshot_metrics(
    g: Graph, *, new_since_day: int, seed: int = 0, samples: int | None = 256
) -> Result:
    """Compute a snapshot's metrics with igraph; exact betweenness if samples is None.

    Raise ValueError if the arrays' lengths differ or a tie names a node outside
    0..n-1. Deterministic for a seed.
    """
    _validate(g)
    if samples is not None and samples < 1:
        raise ValueError(f"samples must be at least 1 or None, got {samples}.")
    n = g.n
    pairs = _merge(g)
    graph = ig.Graph(
        n=n, edges=np.column_stack([pairs.a, pairs.b]).tolist(), directed=False
    )
    degree = np.asarray(graph.degree(), dtype=np.int64)
    largest = max(graph.connected_components().sizes(), default=0)
    transitivity = graph.transitivity_undirected(mode="zero") if n else 0.0

    weights = pairs.weight.tolist()
    if len(pairs.a):
        # igraph draws its random numbers from a Python Random; seed our own and
        # put back the module's default afterwards.
        ig.set_random_number_generator(random.Random(seed))  # noqa: S311
        try:
            clustering = graph.community_leiden(
                objective_function="modularity", weights=weights, n_iterations=-1
            )
        finally:
            ig.set_random_number_generator(random)
        membership = np.asarray(clustering.membership, dtype=np.int64)
        modularity: float | None = graph.modularity(
            membership.tolist(), weights=weights
        )
    else:
        membership = np.arange(n, dtype=np.int64)
        modularity = None
    community = _number_communities(membership, degree)

    tied = np.flatnonzero(degree > 0)
    if samples is None or samples >= len(tied):
        raw = np.asarray(graph.betweenness(directed=False), dtype=np.float64)
    else:
        sources = np.random.default_rng(seed).choice(tied, samples, replace=False)
        raw = np.asarray(
            graph.betweenness(directed=False, sources=sorted(sources.tolist())),
            dtype=np.float64,
        ) * (len(tied) / samples)
    if not n:
        raw = np.zeros(0)
    betweenness = _normalise_betweenness(raw, n)

    return _summarise(
        g,
        pairs,
        degree=degree,
        community=community,
        betweenness=betweenness,
        largest_component=int(largest),
        modularity=modularity,
        clustering=float(transitivity),
        new_since_day=new_since_day,
    )


def reference_metrics(g: Graph, *, new_since_day: int, seed: int = 0) -> Result:
    """Compute the same metrics with networkx (exact betweenness, Louvain).

    Independent of `snapshot_metrics` except for the final per-organisation
    counts: ties are merged in plain Python and every graph measure is
    networkx's. Slow; for the tests and the benchmark.
    """
    import networkx as nx

    _validate(g)
    n = g.n
    merged: dict[tuple[int, int], list[Any]] = {}
    for s, d, w, day in zip(
        g.src.tolist(), g.dst.tolist(), g.weight.tolist(), g.day.tolist(), strict=True
    ):
        if s == d:
            continue
        key = (s, d) if s < d else (d, s)
        if key in merged:
            merged[key][0] += w
            merged[key][1] = min(merged[key][1], day)
        else:
            merged[key] = [w, day]
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from((a, b, v[0]) for (a, b), v in merged.items())

    degree = np.array([graph.degree(v) for v in range(n)], dtype=np.int64)
    components = list(nx.connected_components(graph))
    largest = max((len(c) for c in components), default=0)
    membership = np.arange(n, dtype=np.int64)
    modularity: float | None = None
    if graph.number_of_edges():
        found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
        for label, members in enumerate(found):
            for v in members:
                membership[v] = label
        modularity = nx.community.modularity(graph, found, weight="weight")
    community = _number_communities(membership, degree)
    centrality = nx.betweenness_centrality(graph, normalized=True)
    betweenness = np.array([centrality[v] for v in range(n)], dtype=np.float64)

    keys = sorted(merged)
    pairs = _Pairs(
        a=np.array([k[0] for k in keys], dtype=np.int64),
        b=np.array([k[1] for k in keys], dtype=np.int64),
        weight=np.array([merged[k][0] for k in keys], dtype=np.float64),
        first_day=np.array([merged[k][1] for k in keys], dtype=np.int64),
    )
    return _summarise(
        g,
        pairs,
        degree=degree,
        community=community,
        betweenness=betweenness,
        largest_component=largest,
        modularity=modularity,
        clustering=float(nx.transitivity(graph)),
        new_since_day=new_since_day,
    )


def bridge_suggestions(
    org_clients: dict[int, set[int]],
    org_topics: dict[int, set[int]],
    connected: set[frozenset[int]],
    *,
    limit: int = 5,
) -> dict[int, list[tuple[int, float, dict[str, int]]]]:
    """Suggest, per organisation, unconnected organisations serving the same people.

    Two organisations are candidates when they share clients (entrepreneurs) or
    topics and their pair is not in `connected` (no referral or partnership tie).
    The score is a weighted Jaccard similarity; each organisation gets its best
    `limit` as (other, score, {"shared_clients": k, "shared_topics": k}), best
    first.
    """
    organisations = set(org_clients) | set(org_topics)
    shared: dict[tuple[int, int], Counter[str]] = {}
    for label, sets in (("clients", org_clients), ("topics", org_topics)):
        holders: dict[int, list[int]] = {}
        for org, items in sets.items():
            for item in items:
                holders.setdefault(item, []).append(org)
        for orgs in holders.values():
            orgs.sort()
            for i, x in enumerate(orgs):
                for y in orgs[i + 1 :]:
                    shared.setdefault((x, y), Counter())[label] += 1

    suggestions: dict[int, list[tuple[int, float, dict[str, int]]]] = {
        org: [] for org in organisations
    }
    for (x, y), counts in shared.items():
        if x == y or frozenset((x, y)) in connected:
            continue
        score = _bridge_score(
            counts["clients"],
            len(org_clients.get(x, ())) + len(org_clients.get(y, ())),
            counts["topics"],
            len(org_topics.get(x, ())) + len(org_topics.get(y, ())),
        )
        detail = {
            "shared_clients": counts["clients"],
            "shared_topics": counts["topics"],
        }
        suggestions[x].append((y, score, detail))
        suggestions[y].append((x, score, dict(detail)))
    for org, found in suggestions.items():
        found.sort(key=lambda s: (-s[1], s[0]))
        suggestions[org] = found[:limit]
    return suggestions


# Sharing an entrepreneur says more about overlap than sharing a topic.
CLIENT_WEIGHT = 2.0
TOPIC_WEIGHT = 1.0


def _bridge_score(
    shared_clients: int, clients_total: int, shared_topics: int, topics_total: int
) -> float:
    """Weighted Jaccard: shared items over the union, clients counting double."""
    union_clients = clients_total - shared_clients
    union_topics = topics_total - shared_topics
    union = CLIENT_WEIGHT * union_clients + TOPIC_WEIGHT * union_topics
    if not union:
        return 0.0
    return (CLIENT_WEIGHT * shared_clients + TOPIC_WEIGHT * shared_topics) / union
