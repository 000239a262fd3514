"""The ecosystem metrics (kindred.algorithms.ecosystem) checked against networkx.

No database: plain arrays in, numbers out.
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from kindred.algorithms.ecosystem import (
    ECOSYSTEM_KEYS,
    KINDS,
    ORGANISATION_KEYS,
    Graph,
    bridge_suggestions,
    reference_metrics,
    snapshot_metrics,
)

DAY = 740_000  # an ordinal day; ties before NEW are old, on or after are new
NEW = DAY + 30
K = {kind: i for i, kind in enumerate(KINDS)}

# Metrics whose value depends on the partition found (Leiden vs Louvain).
PARTITION_KEYS = {"communities", "modularity", "new_bridging_ties"}


def graph(
    n: int,
    ties: list[tuple],
    *,
    orgs: dict[int, list[int]] | None = None,
) -> Graph:
    """A Graph from (src, dst[, kind[, weight[, day]]]) tuples.

    `orgs` maps an organisation node to its people; other nodes are people with
    no organisation.
    """
    is_org = np.zeros(n, dtype=bool)
    org_of = np.full(n, -1, dtype=np.int32)
    for org, people in (orgs or {}).items():
        is_org[org] = True
        org_of[org] = org
        org_of[people] = org
    full = [(t[0], t[1], *(t[2:] + ("meeting", 1.0, DAY)[len(t) - 2 :])) for t in ties]
    return Graph(
        n=n,
        is_org=is_org,
        org_of=org_of,
        src=np.array([t[0] for t in full], dtype=np.int32),
        dst=np.array([t[1] for t in full], dtype=np.int32),
        kind=np.array([K[t[2]] for t in full], dtype=np.int8),
        weight=np.array([t[3] for t in full], dtype=np.float32),
        day=np.array([t[4] for t in full], dtype=np.int32),
    )


def random_graph(seed: int, n: int = 120, m: int = 400, orgs: int = 8) -> Graph:
    """Random ties with repeats, self-ties, isolates and people without an org."""
    rng = np.random.default_rng(seed)
    is_org = np.zeros(n, dtype=bool)
    is_org[:orgs] = True
    org_of = np.where(rng.random(n) < 0.8, rng.integers(0, orgs, n), -1)
    org_of[:orgs] = np.arange(orgs)
    active = n - 10  # the last ten nodes never get a tie
    return Graph(
        n=n,
        is_org=is_org,
        org_of=org_of.astype(np.int32),
        src=rng.integers(0, active, m).astype(np.int32),
        dst=rng.integers(0, active, m).astype(np.int32),
        kind=rng.integers(0, len(KINDS), m).astype(np.int8),
        weight=rng.choice([0.5, 1.0, 2.0, 3.0], m).astype(np.float32),
        day=(DAY + rng.integers(0, 60, m)).astype(np.int32),
    )


def to_networkx(g: Graph) -> nx.Graph:
    """The merged undirected graph, built independently of the module."""
    out = nx.Graph()
    out.add_nodes_from(range(g.n))
    for s, d, w in zip(g.src.tolist(), g.dst.tolist(), g.weight.tolist(), strict=True):
        if s == d:
            continue
        if out.has_edge(s, d):
            out[s][d]["weight"] += w
        else:
            out.add_edge(s, d, weight=w)
    return out


def partition(community: np.ndarray) -> list[set[int]]:
    """Communities as sets; each node with no tie alone (modularity ignores them)."""
    groups: dict[int, set[int]] = {}
    for node, c in enumerate(community.tolist()):
        groups.setdefault(c if c >= 0 else -1 - node, set()).add(node)
    return list(groups.values())


def two_cliques() -> Graph:
    """Two five-cliques (0-4, 5-9) joined by the single tie 4-5."""
    ties = [(a, b) for a, b in itertools.combinations(range(5), 2)]
    ties += [(a, b) for a, b in itertools.combinations(range(5, 10), 2)]
    ties.append((4, 5))
    return graph(10, ties)


# Hand-made graphs with known answers


def test_two_cliques_joined_by_a_bridge():
    """The bridge's ends are the brokers; two communities, clearly siloed."""
    result = snapshot_metrics(two_cliques(), new_since_day=NEW, samples=None)
    m = result.metrics
    assert m["communities"] == 2
    assert m["modularity"] > 0.3
    assert len(set(result.community[:5].tolist())) == 1
    assert len(set(result.community[5:].tolist())) == 1
    assert result.community[0] != result.community[9]
    brokers = set(np.argsort(-result.betweenness)[:2].tolist())
    assert brokers == {4, 5}
    # 4 lies on every path between {0..3} and {5..9}: 4 x 5 = 20 of 36 pairs.
    assert result.betweenness[4] == pytest.approx(20 / 36)
    assert result.betweenness[0] == 0.0
    assert m["ties"] == 21
    assert m["density"] == pytest.approx(21 / 45)
    assert m["largest_component"] == 10
    assert m["isolates"] == 0
    assert m["clustering"] == pytest.approx(nx.transitivity(to_networkx(two_cliques())))


def test_star():
    """The centre of a star lies on every path; nothing clusters."""
    g = graph(6, [(0, leaf) for leaf in range(1, 6)])
    result = snapshot_metrics(g, new_since_day=NEW, samples=None)
    assert result.betweenness.tolist() == pytest.approx([1.0, 0, 0, 0, 0, 0])
    assert result.degree.tolist() == [5, 1, 1, 1, 1, 1]
    assert result.metrics["clustering"] == 0.0
    assert result.metrics["mean_degree"] == pytest.approx(10 / 6)
    assert result.metrics["largest_component_share"] == 1.0


def test_isolates_have_no_community():
    """Nodes with no tie are isolates, community -1, and not counted as communities."""
    g = graph(7, [(0, 1), (1, 2), (0, 2), (3, 4)])
    result = snapshot_metrics(g, new_since_day=NEW, samples=None)
    assert result.metrics["isolates"] == 2
    assert result.community[5] == result.community[6] == -1
    assert (result.community[:5] >= 0).all()
    assert result.metrics["communities"] == 2
    assert result.metrics["largest_component"] == 3
    assert result.metrics["largest_component_share"] == pytest.approx(3 / 7)


def test_no_ties_at_all():
    """An ecosystem without ties has no modularity and no shares, and no error."""
    result = snapshot_metrics(graph(4, []), new_since_day=NEW)
    m = result.metrics
    assert m["ties"] == 0
    assert m["isolates"] == 4
    assert m["modularity"] is None
    assert m["cross_org_share"] is None
    assert m["ei_index"] is None
    assert m["help_reciprocity"] is None
    assert m["communities"] == 0
    assert result.betweenness.tolist() == [0.0] * 4


def test_help_reciprocity():
    """People who both gave and received help over people who gave or received."""
    g = graph(
        6,
        [
            (0, 1, "help"),
            (1, 0, "help"),  # 0 and 1 both give and receive
            (2, 3, "help"),  # 2 only gives, 3 only receives
            (4, 5, "meeting"),  # not help
            (3, 3, "help"),  # a self-tie is ignored
        ],
    )
    for fn in (snapshot_metrics, reference_metrics):
        assert fn(g, new_since_day=NEW).metrics["help_reciprocity"] == pytest.approx(
            2 / 4
        )


def test_help_by_an_organisation_does_not_count_as_a_person():
    """Only people count for the reciprocity of help."""
    g = graph(3, [(0, 1, "help"), (1, 0, "help"), (0, 2, "help")], orgs={0: [2]})
    result = snapshot_metrics(g, new_since_day=NEW)
    # 1 gave and received; 2 only received; 0 is an organisation.
    assert result.metrics["help_reciprocity"] == pytest.approx(1 / 2)


def test_new_ties_and_bridging_ties():
    """A pair is new when first seen on or after the day; bridging if it crosses."""
    base = two_cliques()
    ties = [
        (int(s), int(d), "meeting", 1.0, DAY)
        for s, d in zip(base.src, base.dst, strict=True)
    ]
    ties[0] = (*ties[0][:4], NEW + 1)  # 0-1 first seen this month: new, internal
    ties[-1] = (4, 5, "meeting", 1.0, NEW)  # the bridge, first seen today: bridging
    ties.append((1, 0, "help", 1.0, DAY))  # 0-1 seen earlier too: not new after all
    ties.append((2, 3, "help", 1.0, NEW + 2))  # 2-3 repeated later: still old
    result = snapshot_metrics(graph(10, ties), new_since_day=NEW, samples=None)
    assert result.metrics["new_ties"] == 1
    assert result.metrics["new_bridging_ties"] == 1
    result = snapshot_metrics(graph(10, ties), new_since_day=DAY, samples=None)
    assert result.metrics["new_ties"] == 21
    assert result.metrics["new_bridging_ties"] == 1


def hand_made_organisations() -> Graph:
    """Organisations 0 and 1 with people 2-4 (org 0), 5-6 (org 1); 7 has none.

    Distinct pairs: 2-3 (internal 0), 3-4 (internal 0), 0-2 (internal 0),
    2-5 (0-1 cross), 0-1 (cross), 4-7 (org unknown), 6-7 (org unknown), 5-6
    (internal 1); 2-3 appears twice and 5-6 as help both ways.
    """
    return graph(
        8,
        [
            (2, 3),
            (3, 2, "help"),
            (3, 4),
            (0, 2, "referral_person"),
            (2, 5),
            (0, 1, "partnership", 4.0),
            (4, 7),
            (6, 7),
            (5, 6, "help"),
            (6, 5, "help"),
        ],
        orgs={0: [2, 3, 4], 1: [5, 6]},
    )


def test_cross_organisation_share_and_ei_index():
    """Only pairs whose two organisations are known count: 2 external, 4 internal."""
    result = snapshot_metrics(hand_made_organisations(), new_since_day=NEW)
    assert result.metrics["ties"] == 8
    assert result.metrics["cross_org_share"] == pytest.approx(2 / 6)
    assert result.metrics["ei_index"] == pytest.approx((2 - 4) / 6)
    assert result.metrics["people"] == 6
    assert result.metrics["organisations"] == 2


def test_organisation_metrics():
    """Each organisation's people, partners, ties, shares and bridging role."""
    g = hand_made_organisations()
    result = snapshot_metrics(g, new_since_day=NEW, samples=None)
    org0 = result.organisations[0]
    assert set(org0) == set(ORGANISATION_KEYS)
    # Org 0: pairs 2-3, 3-4, 0-2 internal; 2-5, 0-1 external; 4-7 unknown.
    assert org0["people"] == 3
    assert org0["degree"] == 1
    assert org0["ties"] == 6
    assert org0["cross_org_share"] == pytest.approx(2 / 5)
    assert org0["ei_index"] == pytest.approx((2 - 3) / 5)
    assert org0["betweenness"] == pytest.approx(result.betweenness[0])
    assert org0["community"] == result.community[0]
    community = result.community
    pairs = [(2, 3), (3, 4), (0, 2), (2, 5), (0, 1), (4, 7)]
    crossing = sum(community[a] != community[b] for a, b in pairs)
    assert org0["bridging"] == pytest.approx(crossing / 6)
    # Org 1: 5-6 internal; 2-5, 0-1 external; 6-7 unknown.
    org1 = result.organisations[1]
    assert (org1["people"], org1["degree"], org1["ties"]) == (2, 1, 4)
    assert org1["cross_org_share"] == pytest.approx(2 / 3)
    assert set(result.organisations) == {0, 1}
    nxg = to_networkx(g)
    exact = nx.betweenness_centrality(nxg)
    assert org1["betweenness"] == pytest.approx(exact[1])


def test_an_organisation_with_no_ties():
    """An organisation with nobody and no tie has zero counts and no shares."""
    g = graph(4, [(1, 2)], orgs={0: []})
    org = snapshot_metrics(g, new_since_day=NEW).organisations[0]
    assert org == {
        "people": 0,
        "degree": 0,
        "ties": 0,
        "cross_org_share": None,
        "ei_index": None,
        "betweenness": 0.0,
        "bridging": None,
        "community": -1,
    }


# Against networkx on random graphs


@pytest.mark.parametrize("seed", range(6))
def test_every_metric_equals_networkx(seed):
    """On random graphs every metric equals networkx's; partitions are checked below."""
    g = random_graph(seed, m=60 + 80 * seed)
    ours = snapshot_metrics(g, new_since_day=DAY + 45, seed=seed, samples=None)
    ref = reference_metrics(g, new_since_day=DAY + 45, seed=seed)
    nxg = to_networkx(g)
    assert set(ours.metrics) == set(ECOSYSTEM_KEYS) == set(ref.metrics)
    for key in ECOSYSTEM_KEYS:
        if key in PARTITION_KEYS:
            continue
        assert ours.metrics[key] == pytest.approx(ref.metrics[key]), key
    m = ours.metrics
    assert m["ties"] == nxg.number_of_edges()
    assert m["density"] == pytest.approx(nx.density(nxg))
    assert m["clustering"] == pytest.approx(nx.transitivity(nxg))
    assert m["isolates"] == nx.number_of_isolates(nxg)
    assert m["largest_component"] == max(len(c) for c in nx.connected_components(nxg))
    assert ours.degree.tolist() == [nxg.degree(v) for v in range(g.n)]
    exact = nx.betweenness_centrality(nxg, normalized=True)
    assert ours.betweenness == pytest.approx([exact[v] for v in range(g.n)], abs=1e-12)
    for org, figures in ours.organisations.items():
        for key in ("people", "degree", "ties", "cross_org_share", "ei_index"):
            assert figures[key] == pytest.approx(ref.organisations[org][key]), key
        assert figures["betweenness"] == pytest.approx(exact[org], abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_modularity_is_that_of_the_partition_and_as_good_as_louvain(seed):
    """Modularity equals networkx's for the same partition, and matches Louvain's."""
    g = random_graph(seed, n=200, m=150 + 100 * seed)
    ours = snapshot_metrics(g, new_since_day=DAY + 45, seed=seed)
    nxg = to_networkx(g)
    found = partition(ours.community)
    assert ours.metrics["modularity"] == pytest.approx(
        nx.community.modularity(nxg, found, weight="weight")
    )
    assert ours.metrics["communities"] == sum(
        1 for c in found if len(c) >= 2 and ours.community[next(iter(c))] >= 0
    )
    louvain = nx.community.modularity(
        nxg, nx.community.louvain_communities(nxg, seed=seed), weight="weight"
    )
    assert ours.metrics["modularity"] >= louvain - 0.02
    # Bridging counts follow from the partition.
    first: dict[tuple[int, int], int] = {}
    for s, d, day in zip(g.src.tolist(), g.dst.tolist(), g.day.tolist(), strict=True):
        if s != d:
            key = (min(s, d), max(s, d))
            first[key] = min(first.get(key, day), day)
    new = [key for key, day in first.items() if day >= DAY + 45]
    assert ours.metrics["new_ties"] == len(new)
    assert ours.metrics["new_bridging_ties"] == sum(
        ours.community[a] != ours.community[b] for a, b in new
    )


def test_reference_modularity_is_that_of_its_louvain_partition():
    """The reference's modularity is networkx's for its own communities."""
    g = random_graph(3, n=150, m=400)
    ref = reference_metrics(g, new_since_day=NEW, seed=3)
    assert ref.metrics["modularity"] == pytest.approx(
        nx.community.modularity(to_networkx(g), partition(ref.community))
    )


def test_communities_numbered_by_size():
    """Community 0 is the largest; ids are 0..c-1 with no gaps."""
    g = random_graph(4, n=300, m=500)
    community = snapshot_metrics(g, new_since_day=NEW).community
    sizes = np.bincount(community[community >= 0])
    assert (sizes > 0).all()
    assert (np.diff(sizes) <= 0).all()


# Sampled betweenness


def bigger_graph(seed: int = 1) -> Graph:
    """2,000 nodes in 20 groups; most ties within a group, some across.

    Nodes 0-19 are brokers: a tenth of the ties start at one of them and reach
    anywhere.
    """
    rng = np.random.default_rng(seed)
    n, m = 2000, 12_000
    group = rng.integers(0, 20, n)
    src = rng.integers(0, n, m)
    local = rng.random(m) < 0.85
    members = [np.flatnonzero(group == k) for k in range(20)]
    dst = rng.integers(0, n, m)
    for k in range(20):
        chosen = local & (group[src] == k)
        dst[chosen] = rng.choice(members[k], int(chosen.sum()))
    brokers = rng.random(m) < 0.1
    src[brokers] = rng.integers(0, 20, int(brokers.sum()))
    dst[brokers] = rng.integers(0, n, int(brokers.sum()))
    return Graph(
        n=n,
        is_org=np.zeros(n, dtype=bool),
        org_of=np.full(n, -1, dtype=np.int32),
        src=src.astype(np.int32),
        dst=dst.astype(np.int32),
        kind=np.zeros(m, dtype=np.int8),
        weight=np.ones(m, dtype=np.float32),
        day=np.full(m, DAY, dtype=np.int32),
    )


@pytest.fixture(scope="module")
def big() -> tuple[Graph, np.ndarray]:
    """The graph and its exact betweenness (equal to networkx's, tested above)."""
    g = bigger_graph()
    return g, snapshot_metrics(g, new_since_day=NEW, samples=None).betweenness


def test_sampled_betweenness_is_close_on_2000_nodes(big):
    """256 of 2,000 sources: small errors, and the brokers are found.

    Tolerances from 8 seeds on this graph (largest exact value 0.05, mean 0.0012):
    mean absolute error 0.00029-0.00031, max absolute error 0.007-0.015,
    correlation 0.98-0.99, top 20 found 20 of 20. Ordinary nodes' values are small
    and noisy (mean relative error about 33%); the brokers' are not. The bounds
    are about twice the worst seen, so the test fails on a wrong scale or a
    biased sample, not on chance.
    """
    g, exact = big
    for seed in range(3):
        sampled = snapshot_metrics(g, new_since_day=NEW, seed=seed).betweenness
        error = np.abs(sampled - exact)
        assert error.mean() < 0.0006
        assert error.max() < 0.03
        assert np.corrcoef(sampled, exact)[0, 1] > 0.95
        top = set(np.argsort(-exact)[:20].tolist())
        assert len(top & set(np.argsort(-sampled)[:20].tolist())) >= 18


def test_sampled_betweenness_is_unbiased(big):
    """Averaged over seeds, the estimate converges to the exact values."""
    g, exact = big
    estimates = [
        snapshot_metrics(g, new_since_day=NEW, seed=seed, samples=64).betweenness
        for seed in range(16)
    ]
    single = np.abs(estimates[0] - exact).mean()
    averaged = np.abs(np.mean(estimates, axis=0) - exact).mean()
    assert averaged < 0.5 * single
    # The total is an unbiased estimate of the exact total.
    assert np.mean([e.sum() for e in estimates]) == pytest.approx(exact.sum(), rel=0.05)


def test_enough_samples_is_exact():
    """With at least as many samples as nodes with a tie, betweenness is exact."""
    g = random_graph(2)
    exact = snapshot_metrics(g, new_since_day=NEW, samples=None).betweenness
    sampled = snapshot_metrics(g, new_since_day=NEW, samples=g.n).betweenness
    assert sampled == pytest.approx(exact)


def test_deterministic_for_a_seed():
    """The same seed gives the same communities and the same sampled betweenness."""
    g = bigger_graph(2)
    one = snapshot_metrics(g, new_since_day=NEW, seed=7, samples=32)
    two = snapshot_metrics(g, new_since_day=NEW, seed=7, samples=32)
    other = snapshot_metrics(g, new_since_day=NEW, seed=8, samples=32)
    assert one.metrics == two.metrics
    assert (one.community == two.community).all()
    assert (one.betweenness == two.betweenness).all()
    assert not (one.betweenness == other.betweenness).all()


# Bad input


def replace(g: Graph, **changes) -> Graph:
    fields = {name: getattr(g, name) for name in Graph.__dataclass_fields__}
    return Graph(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dst": np.array([1], dtype=np.int32)}, "dst has 1 entries but src has 3"),
        ({"day": np.zeros(2, dtype=np.int32)}, "day has 2 entries but src has 3"),
        ({"is_org": np.zeros(3, dtype=bool)}, "is_org has 3 entries for n=4"),
        ({"src": np.array([0, 1, 4], dtype=np.int32)}, "node 4, outside 0..3"),
        ({"dst": np.array([0, -1, 2], dtype=np.int32)}, "node -1, outside 0..3"),
        ({"kind": np.array([0, 1, 10], dtype=np.int8)}, "kind is outside 0..9"),
        ({"org_of": np.array([-1, 2, -1, -1], dtype=np.int32)}, "not an organisation"),
    ],
)
def test_bad_input_is_refused_clearly(changes, message):
    g = replace(graph(4, [(0, 1), (1, 2), (2, 3)]), **changes)
    for fn in (snapshot_metrics, reference_metrics):
        with pytest.raises(ValueError, match=message):
            fn(g, new_since_day=NEW)


def test_samples_must_be_positive():
    with pytest.raises(ValueError, match="samples must be at least 1"):
        snapshot_metrics(graph(3, [(0, 1)]), new_since_day=NEW, samples=0)


# Bridge suggestions


def test_bridge_suggestions():
    """Unconnected organisations serving the same clients or topics, best first."""
    clients = {1: {10, 11, 12}, 2: {10, 11}, 3: {12}, 4: {99}}
    topics = {1: {1, 2}, 2: {2}, 3: {1, 2}, 4: {7}}
    connected = {frozenset({1, 3})}
    found = bridge_suggestions(clients, topics, connected)
    # 1-2: 2 shared clients of 3 in the union, 1 shared topic of 2.
    expected_12 = (2 * 2 + 1) / (2 * 3 + 2)
    assert found[1] == [
        (2, pytest.approx(expected_12), {"shared_clients": 2, "shared_topics": 1})
    ]
    # 2-3: no shared client (union 3), one shared topic (union 2).
    expected_23 = 1 / (2 * 3 + 2)
    assert [other for other, _, _ in found[2]] == [1, 3]
    assert found[2][1][1] == pytest.approx(expected_23)
    assert found[3] == [
        (2, pytest.approx(expected_23), {"shared_clients": 0, "shared_topics": 1})
    ]
    assert found[4] == []


def test_bridge_suggestions_limit():
    clients = {org: {1} for org in range(10)}
    found = bridge_suggestions(clients, {}, set(), limit=3)
    assert [other for other, _, _ in found[0]] == [1, 2, 3]
    assert all(len(v) == 3 for v in found.values())
    assert math.isclose(found[0][0][1], 1.0)
