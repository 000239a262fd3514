"""The ecosystem's relationship graph: health metrics, communities and brokers.

Plain arrays in, plain numbers out; no Django. Nodes are indices 0..n-1 (people
and organisations); ties are parallel arrays. For structure (density, degree,
components, communities, modularity, clustering, betweenness) ties are made
undirected and parallel ties merged, their weights summed.

`snapshot_metrics` is the production path (igraph and numpy, no Python loop over
ties); `reference_metrics` computes the same with networkx (exact betweenness,
Louvain) for the tests and the benchmark; `bridge_suggestions` proposes
organisations that serve the same entrepreneurs or topics but are not connected.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def snapshot_metrics(
    g: Graph, *, new_since_day: int, seed: int = 0, samples: int | None = 256
) -> Result:
    """Compute a snapshot's metrics with igraph; exact betweenness if samples is None.

    Raise ValueError if the arrays' lengths differ or a tie names a node outside
    0..n-1. Deterministic for a seed.
    """
    raise NotImplementedError


def reference_metrics(g: Graph, *, new_since_day: int, seed: int = 0) -> Result:
    """Compute the same metrics with networkx (exact betweenness, Louvain)."""
    raise NotImplementedError


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
    raise NotImplementedError
