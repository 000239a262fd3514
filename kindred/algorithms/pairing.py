"""Networking rounds: who meets whom, as pairs (or trios, so nobody is left out).

Plain arrays in, plain tuples out; no Django. People are indices 0..n-1.

1. `candidate_edges` scores each person against the others in their block (a
   seeded random split of the round into blocks of at most `block_size`) and keeps
   each person's `k` best partners. Excluded pairs (recent repeats, "do not pair me
   with" lists) are never candidates. Splitting when candidates are generated keeps
   every later step small; splitting a finished candidate graph loses quality.
2. `pair_round` finds a maximum-weight matching of the candidate graph, one
   connected component at a time:
   - a component of up to `exact_limit` people gets rustworkx's exact blossom
     matching;
   - a larger one gets the fractional relaxation, solved exactly as an assignment
     on the bipartite double cover (OR-tools), whose value halved is an upper bound
     on any matching; its cycles are rounded to pairs (two-cycles are already pairs;
     longer cycles keep the better alternation). The bound certifies the gap.
   Then anyone left alone who has a candidate partner joins that partner's pair as
   a trio, so nobody is left out when a valid match exists.
3. `greedy_round` is the baseline: the heaviest remaining edge first.

Weights are integers (rustworkx and OR-tools both want them); `candidate_edges`
returns points times 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

EXACT_LIMIT = 2000
BLOCK_SIZE = 2500
CANDIDATES = 30


@dataclass(frozen=True)
class Favour:
    """How much a round favours each kind of introduction, in points per pair."""

    different_organisations: float = 3.0
    different_sectors: float = 1.0
    shared_interests: float = 2.0  # per shared topic, up to three topics
    newcomers: float = 1.0  # when at least one of the two is new to the ecosystem


@dataclass(frozen=True)
class People:
    """The round's participants as arrays (index = person)."""

    organisation: NDArray[np.int64]  # primary organisation id, -1 for none
    sector: NDArray[np.int64]  # -1 for unknown
    topics: NDArray[np.bool_]  # n x T: interests
    new: NDArray[np.bool_]  # new to the ecosystem

    def __len__(self) -> int:
        return int(self.organisation.shape[0])


@dataclass(frozen=True)
class Edges:
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    w: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.u.shape[0])


@dataclass
class Round:
    groups: list[tuple[int, ...]]  # pairs and trios of indices
    weight: int  # the matching's weight (pairs only, before trios)
    trio_weight: int  # what the people added to pairs bring
    upper_bound: int  # no matching of the candidate graph weighs more
    # People in no group: those with no candidate partner at all, and (rarely)
    # those whose every candidate's group holds someone they must not meet.
    unplaced: list[int]
    method: str
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        if self.upper_bound <= 0:
            return 0.0
        return max(0.0, (self.upper_bound - self.weight) / self.upper_bound)


def _pair_key(i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.int64]:
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return lo * np.int64(1 << 32) + hi


def candidate_edges(
    people: People,
    favour: Favour,
    *,
    k: int = CANDIDATES,
    block_size: int = BLOCK_SIZE,
    excluded: Sequence[tuple[int, int]] = (),
    seed: int = 0,
    chunk: int = 1024,
) -> Edges:
    """Each person's `k` best partners within their block, as undirected edges."""
    n = len(people)
    if k < 1:
        raise ValueError("k must be at least 1")
    if block_size < 2:
        raise ValueError("block_size must be at least 2")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    if people.topics.shape[1]:
        # Blocks of people who share interests: order by a random projection of
        # their interests, so that neighbours in the order have similar topics.
        projection = people.topics[order].astype(np.float32) @ rng.standard_normal(
            (people.topics.shape[1], 2)
        ).astype(np.float32)
        angle = np.arctan2(projection[:, 1], projection[:, 0])
        order = order[np.argsort(angle, kind="stable")]
    blocks = max(1, -(-n // block_size))
    # Excluded pairs, both ways round, are struck out before anyone's best k are
    # chosen, so that exclusions never leave someone without candidates.
    if excluded:
        pairs = np.asarray(excluded, np.int64).reshape(-1, 2)
        ban_from = np.concatenate([pairs[:, 0], pairs[:, 1]])
        ban_to = np.concatenate([pairs[:, 1], pairs[:, 0]])
    else:
        ban_from = ban_to = np.empty(0, np.int64)
    position = np.full(n, -1, np.int64)
    from scipy.sparse import csr_matrix

    sparse_topics = csr_matrix(people.topics.astype(np.float32))
    # Nobody shares "no organisation" or "unknown sector": give each their own id.
    own = -1 - np.arange(n, dtype=np.int64)
    organisation = np.where(people.organisation >= 0, people.organisation, own)
    sector = np.where(people.sector >= 0, people.sector, own)
    # A small seeded tie-breaker, symmetric in the pair and spread evenly across
    # pairs: (r_i + r_j) mod 1, scaled. (A plain r_i + r_j would make the same
    # few people everyone's candidate whenever scores tie.)
    jitter = rng.random(n).astype(np.float32)
    full = np.float32(favour.different_organisations + favour.different_sectors)
    newcomer = np.float32(favour.newcomers)
    us, vs, ws = [], [], []
    for members in np.array_split(order, blocks):
        members = np.sort(members)
        position[members] = np.arange(len(members))
        inside = (
            (position[ban_from] >= 0) & (position[ban_to] >= 0)
            if len(ban_from)
            else None
        )
        block_ban_from = position[ban_from[inside]] if inside is not None else ban_from
        block_ban_to = position[ban_to[inside]] if inside is not None else ban_to
        org, sec = organisation[members], sector[members]
        jit = jitter[members]
        both_old = ~people.new[members]
        size = len(members)
        keep = min(k, size - 1)
        if keep < 1:
            continue
        if favour.shared_interests:
            interests = sparse_topics[members]
            interests_t = interests.T.tocsr()
        # One set of buffers per block, reused by its chunks. `cost` holds minus
        # the score, so that the best partners are the smallest entries.
        cost = np.empty((min(chunk, size), size), np.float32)
        mask = np.empty((min(chunk, size), size), bool)
        tie = np.empty((min(chunk, size), size), np.float32)
        for start in range(0, size, chunk):
            rows = slice(start, min(size, start + chunk))
            height = rows.stop - rows.start
            c, m, t = cost[:height], mask[:height], tie[:height]
            if favour.shared_interests:
                (interests[rows] @ interests_t).toarray(out=c)
                np.minimum(c, np.float32(3), out=c)
                c *= np.float32(-favour.shared_interests)
                c -= full + newcomer
            else:
                c.fill(-(full + newcomer))
            if favour.different_organisations:
                np.equal(org[rows, None], org[None, :], out=m)
                np.add(c, np.float32(favour.different_organisations), out=c, where=m)
            if favour.different_sectors:
                np.equal(sec[rows, None], sec[None, :], out=m)
                np.add(c, np.float32(favour.different_sectors), out=c, where=m)
            if favour.newcomers:
                np.logical_and(both_old[rows, None], both_old[None, :], out=m)
                np.add(c, newcomer, out=c, where=m)
            np.add(jit[rows, None], jit[None, :], out=t)
            np.greater_equal(t, np.float32(1), out=m)
            np.subtract(t, np.float32(1), out=t, where=m)
            t *= np.float32(0.05)
            c -= t
            local = np.arange(rows.start, rows.stop)
            c[local - rows.start, local] = np.inf
            if len(block_ban_from):
                hit = (block_ban_from >= rows.start) & (block_ban_from < rows.stop)
                c[block_ban_from[hit] - rows.start, block_ban_to[hit]] = np.inf
            score = c
            best = np.argpartition(score, keep - 1, axis=1)[:, :keep]
            chosen = np.take_along_axis(score, best, axis=1)
            i = np.repeat(members[rows], keep)
            j = members[best.ravel()]
            w = -chosen.ravel()
            ok = np.isfinite(w) & (w > 0)
            us.append(i[ok])
            vs.append(j[ok])
            ws.append(w[ok])
        position[members] = -1
    if not us:
        empty = np.empty(0, np.int64)
        return Edges(empty, empty, empty)
    u, v = np.concatenate(us), np.concatenate(vs)
    # Every kept pair scored above zero: keep its weight at least 1 after rounding.
    w = np.maximum(1, np.round(np.concatenate(ws) * 100)).astype(np.int64)
    key = _pair_key(u, v)
    key, first = np.unique(key, return_index=True)
    return Edges(
        np.minimum(u, v)[first], np.maximum(u, v)[first], w[first].astype(np.int64)
    )


def greedy_round(n: int, edges: Edges) -> Round:
    """The baseline: take the heaviest remaining edge while both ends are free."""
    mate = np.full(n, -1, np.int64)
    weight = 0
    for e in np.argsort(-edges.w, kind="stable"):
        a, b = edges.u[e], edges.v[e]
        if mate[a] < 0 and mate[b] < 0:
            mate[a], mate[b] = b, a
            weight += int(edges.w[e])
    groups = [(int(a), int(mate[a])) for a in range(n) if mate[a] > a]
    degree = np.bincount(np.concatenate([edges.u, edges.v]), minlength=n)
    unplaced = [int(a) for a in range(n) if mate[a] < 0 and degree[a] == 0]
    return Round(groups, weight, 0, 0, unplaced, "greedy")


def _exact(nodes: NDArray[np.int64], edges: Edges) -> list[tuple[int, int]]:
    import rustworkx as rx

    index = {int(x): i for i, x in enumerate(nodes)}
    # Blossom matching breaks ties differently from run to run: make the optimum
    # unique with a fixed tie-breaker small enough (its sum over every pair stays
    # below one unit of weight) never to overturn a real difference.
    shift = max(1, len(nodes)).bit_length() + 20
    mixed = edges.u.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= edges.v.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
    mixed ^= mixed >> np.uint64(29)
    tie = (mixed % np.uint64(1 << 20)).astype(np.int64)
    weight = (edges.w << shift) + tie
    graph = rx.PyGraph()
    graph.add_nodes_from(range(len(nodes)))
    graph.add_edges_from(
        [
            (index[int(a)], index[int(b)], int(w))
            for a, b, w in zip(edges.u, edges.v, weight, strict=True)
        ]
    )
    matched = rx.max_weight_matching(
        graph, max_cardinality=False, weight_fn=int, verify_optimum=False
    )
    return sorted(
        (int(min(nodes[a], nodes[b])), int(max(nodes[a], nodes[b]))) for a, b in matched
    )


def _relaxed(
    nodes: NDArray[np.int64], edges: Edges
) -> tuple[list[tuple[int, int]], int]:
    """Round the optimal fractional matching; return pairs and the upper bound."""
    from ortools.graph.python import linear_sum_assignment

    local = np.full(int(nodes.max()) + 1, -1, np.int64)
    local[nodes] = np.arange(len(nodes))
    u, v, w = local[edges.u], local[edges.v], edges.w
    size = len(nodes)
    top = int(w.max()) + 1
    solver = linear_sum_assignment.SimpleLinearSumAssignment()
    diagonal = np.arange(size, dtype=np.int64)
    solver.add_arcs_with_cost(
        np.concatenate([u, v, diagonal]),
        np.concatenate([v, u, diagonal]),
        np.concatenate([top - w, top - w, np.full(size, top, np.int64)]),
    )
    status = solver.solve()
    if status != solver.OPTIMAL:  # pragma: no cover - the diagonal makes it feasible
        raise RuntimeError(f"assignment failed: {status}")
    succ = np.fromiter((solver.right_mate(i) for i in range(size)), np.int64, size)
    bound_twice = size * top - int(solver.optimal_cost())
    # Two-cycles (i -> j -> i) are whole pairs already; the people on longer cycles
    # (and those the relaxation left alone) are few: match them exactly among
    # themselves.
    two = (succ[succ] == np.arange(size)) & (succ != np.arange(size))
    pairs = [
        (int(a), int(succ[a])) for a in np.flatnonzero(two & (succ > np.arange(size)))
    ]
    rest = np.flatnonzero(~two)
    if len(rest):
        inside = np.zeros(size, bool)
        inside[rest] = True
        keep = inside[u] & inside[v]
        if keep.any():
            sub = Edges(u[keep], v[keep], w[keep])
            pairs += _exact(np.unique(np.concatenate([sub.u, sub.v])), sub)
    return [(int(nodes[a]), int(nodes[b])) for a, b in pairs], (bound_twice + 1) // 2


def pair_round(
    n: int,
    edges: Edges,
    *,
    exact_limit: int = EXACT_LIMIT,
    trios: bool = True,
    excluded: Sequence[tuple[int, int]] = (),
) -> Round:
    """A maximum-weight matching of the candidate graph, with the odd ones in trios.

    `excluded` pairs (which are never candidate edges either) are kept apart in
    trios too: nobody joins a pair that holds someone they must not meet.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(edges) and (edges.u.max() >= n or edges.v.max() >= n):
        raise ValueError("an edge names a person outside the round")
    if len(edges) and (edges.w <= 0).any():
        raise ValueError("edge weights must be positive integers")
    if len(edges) and (edges.u == edges.v).any():
        raise ValueError("nobody can be paired with themselves")
    graph = coo_matrix((np.ones(len(edges)), (edges.u, edges.v)), shape=(n, n))
    count, label = connected_components(graph, directed=False)
    edge_label = label[edges.u] if len(edges) else np.empty(0, np.int64)
    order = np.argsort(edge_label, kind="stable")
    bounds = np.searchsorted(edge_label[order], np.arange(count + 1))
    node_order = np.argsort(label, kind="stable")
    node_bounds = np.searchsorted(label[node_order], np.arange(count + 1))
    pairs: list[tuple[int, int]] = []
    upper = 0
    methods = set()
    for c in range(count):
        picked = order[bounds[c] : bounds[c + 1]]
        if len(picked) == 0:
            continue
        nodes = node_order[node_bounds[c] : node_bounds[c + 1]]
        part = Edges(edges.u[picked], edges.v[picked], edges.w[picked])
        if len(nodes) <= exact_limit:
            found = _exact(nodes, part)
            pairs += found
            methods.add("exact")
            upper += sum(_weights(part, found))
        else:
            found, bound = _relaxed(nodes, part)
            pairs += found
            methods.add("relaxation")
            upper += bound
    weight = sum(_weights(edges, pairs))
    groups: list[tuple[int, ...]] = sorted(tuple(sorted(p)) for p in pairs)
    mate = np.full(n, -1, np.int64)
    for g, (a, b) in enumerate(groups):
        mate[a] = mate[b] = g
    trio_weight = 0
    if trios:
        trio_weight = _add_trios(n, edges, groups, mate, _apart(excluded))
    unplaced = [int(x) for x in np.flatnonzero(mate < 0)]
    groups.sort()
    return Round(
        groups=groups,
        weight=int(weight),
        trio_weight=int(trio_weight),
        upper_bound=int(max(upper, weight)),
        unplaced=unplaced,
        method="+".join(sorted(methods)) or "none",
        stats={"components": float(count)},
    )


def group_weight(edges: Edges, groups: Sequence[tuple[int, ...]]) -> list[int]:
    """Each group's weight: the sum of its members' candidate edges."""
    lookup = dict(
        zip(
            zip(edges.u.tolist(), edges.v.tolist(), strict=True),
            edges.w.tolist(),
            strict=True,
        )
    )
    return [
        sum(
            lookup.get((min(a, b), max(a, b)), 0)
            for x, a in enumerate(group)
            for b in group[x + 1 :]
        )
        for group in groups
    ]


def _weights(edges: Edges, pairs: list[tuple[int, int]]) -> list[int]:
    """Each pair's edge weight (every pair must be an edge)."""
    if not pairs:
        return []
    keys = _pair_key(edges.u, edges.v)
    order = np.argsort(keys, kind="stable")
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    wanted = _pair_key(a, b)
    at = order[np.searchsorted(keys[order], wanted)]
    if not (keys[at] == wanted).all():  # pragma: no cover - a bug, not bad input
        raise AssertionError("a pair that is not a candidate edge")
    return edges.w[at].tolist()


def _apart(excluded: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in excluded} | {
        (int(b), int(a)) for a, b in excluded
    }


def _may_join(person: int, group: Sequence[int], apart: set[tuple[int, int]]) -> bool:
    return not any((person, other) in apart for other in group)


def _add_trios(
    n: int,
    edges: Edges,
    groups: list[tuple[int, ...]],
    mate: NDArray[np.int64],
    apart: set[tuple[int, int]],
) -> int:
    """Put each person left alone into the best pair next to them (once per pair)."""
    free = mate < 0
    touching = free[edges.u] | free[edges.v]
    weight_of: dict[tuple[int, int], int] = {}
    neighbours: dict[int, list[int]] = {}
    for a, b, w in zip(
        edges.u[touching].tolist(),
        edges.v[touching].tolist(),
        edges.w[touching].tolist(),
        strict=True,
    ):
        weight_of[(a, b)] = weight_of[(b, a)] = w
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    added = 0
    # Join a pair if possible; only when every neighbour's pair already has a third,
    # make a group of four, or in a star-shaped corner of the candidate graph (all of
    # someone's candidates are the same person) a larger group, rather than leave
    # anyone out.
    for largest in (2, 3, n):
        for person in np.flatnonzero(mate < 0).tolist():
            best, best_group = 0, -1
            for other in neighbours.get(person, ()):
                g = int(mate[other])
                if g < 0 or len(groups[g]) > largest:
                    continue
                if not _may_join(person, groups[g], apart):
                    continue
                gain = sum(weight_of.get((person, x), 0) for x in groups[g])
                if gain > best or (gain == best and g < best_group):
                    best, best_group = gain, g
            if best_group >= 0:
                groups[best_group] = tuple(sorted((*groups[best_group], person)))
                mate[person] = best_group
                added += best
    return added


def group_round(
    n: int,
    edges: Edges,
    *,
    exact_limit: int = EXACT_LIMIT,
    excluded: Sequence[tuple[int, int]] = (),
) -> Round:
    """Groups of three or four: pair people, then pair the pairs.

    Two pairs are joined when the four people's candidate edges across the two
    pairs weigh most; a pair left over is split between the two pairs of a group
    of four (making two trios) or between two trios (making two groups of four);
    trios from the first step stay trios. Five people make a trio and a pair.
    """
    apart = _apart(excluded)
    first = pair_round(n, edges, exact_limit=exact_limit, excluded=excluded)
    pairs = [g for g in first.groups if len(g) == 2]
    kept = [g for g in first.groups if len(g) != 2]
    if not pairs:
        return first
    owner = np.full(n, -1, np.int64)
    for index, (a, b) in enumerate(pairs):
        owner[a] = owner[b] = index
    pu, pv = owner[edges.u], owner[edges.v]
    across = (pu >= 0) & (pv >= 0) & (pu != pv)
    key = _pair_key(pu[across], pv[across])
    key, inverse = np.unique(key, return_inverse=True)
    weight = np.bincount(inverse, weights=edges.w[across]).astype(np.int64)
    contracted = Edges(key >> np.int64(32), key & np.int64((1 << 32) - 1), weight)
    if apart:
        # Two pairs may not merge if anyone in one must not meet anyone in the other.
        ok = np.array(
            [
                all(_may_join(x, pairs[int(b)], apart) for x in pairs[int(a)])
                for a, b in zip(contracted.u, contracted.v, strict=True)
            ],
            bool,
        )
        contracted = Edges(contracted.u[ok], contracted.v[ok], contracted.w[ok])
    second = pair_round(len(pairs), contracted, exact_limit=exact_limit, trios=False)
    groups: list[tuple[int, ...]] = list(kept)
    quads = []
    used = np.zeros(len(pairs), bool)
    for a, b in second.groups:
        quads.append((a, b))
        used[a] = used[b] = True
    leftover = [i for i in range(len(pairs)) if not used[i]]
    trios = [g for g, members in enumerate(groups) if len(members) == 3]
    for i in leftover:
        x, y = pairs[i]
        split = None
        for q, (a, b) in enumerate(quads):
            for first_pair, second_pair in ((a, b), (b, a)):
                if _may_join(x, pairs[first_pair], apart) and _may_join(
                    y, pairs[second_pair], apart
                ):
                    split = q, first_pair, second_pair
                    break
            if split:
                break
        joinable = [g for g in trios if _may_join(x, groups[g], apart)]
        others = [g for g in trios if _may_join(y, groups[g], apart)]
        if split is not None:
            q, first_pair, second_pair = split
            quads.pop(q)
            groups.append(tuple(sorted((*pairs[first_pair], x))))
            groups.append(tuple(sorted((*pairs[second_pair], y))))
        elif joinable and any(g != joinable[0] for g in others):
            gx = joinable[0]
            gy = next(g for g in others if g != gx)
            trios.remove(gx)
            trios.remove(gy)
            groups[gx] = tuple(sorted((*groups[gx], x)))
            groups[gy] = tuple(sorted((*groups[gy], y)))
        else:
            groups.append(pairs[i])
    groups += [tuple(sorted((*pairs[a], *pairs[b]))) for a, b in quads]
    groups.sort()
    total = sum(group_weight(edges, groups))
    return Round(
        groups=groups,
        weight=int(total),
        trio_weight=0,
        upper_bound=0,
        unplaced=first.unplaced,
        method=f"{first.method}, then pairs of pairs",
        stats=dict(first.stats),
    )
