"""The monthly ecosystem snapshot at 100,000 people, 2,000 organisations and
1,000,000 ties (issue 10).

A synthetic ecosystem generated with a seed, vectorised (numpy): organisations in
20 regions and 12 topics with heavy-tailed sizes; 88% of people belong to one;
ties mostly local (55% within an organisation, 25% within a region, 12% within a
topic, 5% anywhere, 3% between organisations, mostly in their region), each with
a kind (strong kinds weigh more), spread over the 24 months up to END.

Measured in one run:
(a) `snapshot_metrics` (igraph + numpy, betweenness sampled from 256 sources) on
    the 1M ties: wall and CPU time, peak RSS;
(b) networkx computing the same metrics on the same graph, each step in its own
    subprocess capped at CAP CPU seconds ("over the cap" otherwise): building the
    graph, components, transitivity, Louvain + modularity, betweenness sampled
    from 256 sources; the ratio networkx / igraph per step;
(c) the sampled betweenness's error against exact on a 10,000-node ecosystem
    (same generator, scaled): mean absolute error, Spearman rank correlation over
    the exact top 1%, and the overlap of the top 20;
(d) the whole snapshot including reading the ties from the database: a throwaway
    SQLite database with the users, organisations, memberships and 1,000,000
    `Tie` rows, timing `kindred.analytics.services.take_snapshot(month)` in a
    subprocess and its peak RSS.

Targets: (a) < 20 s; (d) < 60 s and < 4 GB peak RSS.

`KINDRED_BENCH_SNAPSHOT=quick` runs everything at a tenth of the size.
(e) times the analytics pages (dashboard, network, public) served from the stored
snapshots of a demo of `KINDRED_BENCH_SNAPSHOT_PAGES_SCALE` people (1,000) against
a hello-world view on the same gunicorn.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_search import _code_version
from benchmarks.common import (
    ROOT,
    base_env,
    code_line,
    kindred,
    measure_rps,
    server,
    write_result,
)
from kindred.algorithms.ecosystem import KINDS, Graph, snapshot_metrics

QUICK = os.environ.get("KINDRED_BENCH_SNAPSHOT", "") == "quick"
SCALE = 10 if QUICK else 1
PEOPLE = 100_000 // SCALE
ORGANISATIONS = 2_000 // SCALE
TIES = 1_000_000 // SCALE
SAMPLES = 256
SEED = 10
CAP = float(os.environ.get("KINDRED_BENCH_SNAPSHOT_CAP", "180"))  # CPU seconds
REGIONS = 20
TOPICS = 12
MONTHS = 24
END = dt.date(2026, 10, 31)  # the snapshot's month is October 2026
TARGET_METRICS_SECONDS = 20.0
TARGET_SNAPSHOT_SECONDS = 60.0
TARGET_SNAPSHOT_RSS_MB = 4096.0

# Weights by kind, in KINDS order: strong ties weigh more than weak ones.
KIND_WEIGHTS = np.array(
    [3.0, 2.0, 3.0, 1.5, 1.0, 0.5, 0.25, 4.0, 3.0, 2.0], dtype=np.float32
)
K = {kind: i for i, kind in enumerate(KINDS)}


def _pick(
    rng: np.random.Generator, groups: np.ndarray, wanted: np.ndarray
) -> np.ndarray:
    """For each entry of `wanted` (a group id), a random member of that group.

    `groups` gives each candidate's group; entries whose group is empty get -1.
    """
    order = np.argsort(groups, kind="stable")
    sizes = np.bincount(groups, minlength=int(max(groups.max(), wanted.max())) + 1)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    size = sizes[wanted]
    offset = (rng.random(len(wanted)) * np.maximum(size, 1)).astype(np.int64)
    chosen = order[np.minimum(starts[wanted] + offset, len(order) - 1)]
    return np.where(size > 0, chosen, -1)


def synthetic(
    people: int = PEOPLE,
    organisations: int = ORGANISATIONS,
    ties: int = TIES,
    *,
    seed: int = SEED,
) -> tuple[Graph, dict[str, np.ndarray]]:
    """A seeded synthetic ecosystem; nodes 0..organisations-1 are organisations."""
    rng = np.random.default_rng(seed)
    n = organisations + people
    org_region = rng.integers(0, REGIONS, organisations)
    org_topic = rng.integers(0, TOPICS, organisations)
    # Heavy-tailed organisation sizes.
    popularity = rng.pareto(1.2, organisations) + 1.0
    person_org = rng.choice(organisations, people, p=popularity / popularity.sum())
    person_org = np.where(rng.random(people) < 0.88, person_org, -1)
    region = np.concatenate(
        [
            org_region,
            np.where(
                person_org >= 0,
                org_region[np.maximum(person_org, 0)],
                rng.integers(0, REGIONS, people),
            ),
        ]
    )
    topic = np.concatenate(
        [
            org_topic,
            np.where(
                (person_org >= 0) & (rng.random(people) < 0.7),
                org_topic[np.maximum(person_org, 0)],
                rng.integers(0, TOPICS, people),
            ),
        ]
    )
    org_of = np.concatenate(
        [np.arange(organisations), np.where(person_org >= 0, person_org, -1)]
    )
    is_org = np.zeros(n, dtype=bool)
    is_org[:organisations] = True
    person_ids = np.arange(organisations, n)

    # Activity is heavy-tailed too: a few people hold many ties.
    activity = rng.pareto(2.0, people) + 1.0
    category = rng.choice(6, ties, p=[0.55, 0.25, 0.12, 0.05, 0.02, 0.01])
    src = person_ids[rng.choice(people, ties, p=activity / activity.sum())]
    dst = np.full(ties, -1, dtype=np.int64)

    same_org = category == 0
    with_org = same_org & (org_of[src] >= 0)
    member = person_ids[org_of[person_ids] >= 0]
    dst[with_org] = _pick(rng, org_of[member], org_of[src[with_org]])
    dst[with_org] = np.where(
        dst[with_org] >= 0, member[np.maximum(dst[with_org], 0)], -1
    )
    rest = same_org & ~with_org
    category[rest] = 1  # people with no organisation tie within their region
    for cat, attr in ((1, region), (2, topic)):
        chosen = category == cat
        picked = _pick(rng, attr[person_ids], attr[src[chosen]])
        dst[chosen] = person_ids[picked]
    anywhere = category == 3
    dst[anywhere] = rng.integers(0, n, int(anywhere.sum()))
    # Organisation to organisation, mostly within a region; person to organisation.
    org_pair = category == 4
    src[org_pair] = rng.integers(0, organisations, int(org_pair.sum()))
    local = org_pair & (rng.random(ties) < 0.7)
    dst[local] = _pick(rng, org_region, org_region[src[local]])
    far = org_pair & ~local
    dst[far] = rng.integers(0, organisations, int(far.sum()))
    to_org = category == 5
    dst[to_org] = _pick(rng, org_region, region[src[to_org]])
    dst = np.where(dst < 0, rng.integers(0, n, ties), dst)

    kind = np.empty(ties, dtype=np.int8)
    person_kinds = np.array(
        [K["meeting"], K["co_attendance"], K["shared_group"], K["help"], K["mentoring"]]
    )
    kind[:] = person_kinds[
        rng.choice(len(person_kinds), ties, p=[0.2, 0.35, 0.3, 0.1, 0.05])
    ]
    org_kinds = np.array(
        [K["referral_org"], K["partnership"], K["co_delivery"], K["co_credit"]]
    )
    kind[org_pair] = org_kinds[
        rng.choice(4, int(org_pair.sum()), p=[0.5, 0.2, 0.2, 0.1])
    ]
    kind[to_org] = K["referral_person"]
    # A person referred to an organisation is the tie's target.
    src[to_org], dst[to_org] = dst[to_org], src[to_org].copy()
    days = (END - dt.date(END.year - 2, END.month, END.day)).days
    day = END.toordinal() - rng.integers(0, days, ties)
    graph = Graph(
        n=n,
        is_org=is_org,
        org_of=org_of.astype(np.int32),
        src=src.astype(np.int32),
        dst=dst.astype(np.int32),
        kind=kind,
        weight=KIND_WEIGHTS[kind],
        day=day.astype(np.int32),
    )
    return graph, {"region": region, "topic": topic}


def new_since() -> int:
    return END.replace(day=1).toordinal()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def save(graph: Graph, path: Path) -> None:
    np.savez(
        path,
        n=graph.n,
        **{
            name: getattr(graph, name)
            for name in ("is_org", "org_of", "src", "dst", "kind", "weight", "day")
        },
    )


def load(path: str) -> Graph:
    data = np.load(path)
    return Graph(
        n=int(data["n"]),
        **{
            name: data[name]
            for name in ("is_org", "org_of", "src", "dst", "kind", "weight", "day")
        },
    )


def _child(
    args: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a step of this module in a fresh process; its last line is JSON."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_snapshot", *args],
            cwd=ROOT,
            env=env or base_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"over_cap": True}
    if done.returncode != 0:
        raise RuntimeError(f"step {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _timed(fn: Any) -> tuple[Any, float, float]:
    """Run fn; return its result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


# Child steps: each prints one JSON line.


def step_igraph(path: str) -> dict[str, Any]:
    """`snapshot_metrics` on the saved graph, then its steps apart (CPU seconds)."""
    import random

    import igraph as ig

    from kindred.algorithms import ecosystem as E

    graph = load(path)
    result, wall, cpu = _timed(
        lambda: snapshot_metrics(graph, new_since_day=new_since(), seed=SEED)
    )
    steps: dict[str, float] = {}  # CPU seconds
    pairs, _, steps["build"] = _timed(lambda: E._merge(graph))
    g, _, t = _timed(
        lambda: ig.Graph(n=graph.n, edges=np.column_stack([pairs.a, pairs.b]).tolist())
    )
    steps["build"] += t
    _, _, steps["components"] = _timed(g.connected_components)
    _, _, steps["transitivity"] = _timed(lambda: g.transitivity_undirected(mode="zero"))
    ig.set_random_number_generator(random.Random(SEED))  # noqa: S311
    _, _, steps["communities"] = _timed(
        lambda: g.modularity(
            g.community_leiden(
                objective_function="modularity",
                weights=pairs.weight.tolist(),
                n_iterations=-1,
            ).membership,
            weights=pairs.weight.tolist(),
        )
    )
    ig.set_random_number_generator(random)
    sources = np.random.default_rng(SEED).choice(graph.n, SAMPLES, replace=False)
    _, _, steps["betweenness"] = _timed(
        lambda: g.betweenness(directed=False, sources=sorted(sources.tolist()))
    )
    return {
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "steps": {k: round(v, 2) for k, v in steps.items()},
        "metrics": {
            k: (round(v, 4) if isinstance(v, float) else v)
            for k, v in result.metrics.items()
        },
    }


class _OverCap(Exception):
    pass


def step_networkx(path: str) -> dict[str, Any]:
    """networkx's steps on the saved graph, each stopped at CAP CPU seconds.

    The cap counts this process's CPU time (ITIMER_PROF), so other work on the
    machine does not push networkx over it; networkx is pure Python, so the
    signal interrupts it.
    """
    import signal

    import networkx as nx

    graph = load(path)

    def build() -> Any:
        merged: dict[tuple[int, int], float] = {}
        for s, d, w in zip(
            graph.src.tolist(), graph.dst.tolist(), graph.weight.tolist(), strict=True
        ):
            if s != d:
                key = (s, d) if s < d else (d, s)
                merged[key] = merged.get(key, 0.0) + w
        out = nx.Graph()
        out.add_nodes_from(range(graph.n))
        out.add_weighted_edges_from((a, b, w) for (a, b), w in merged.items())
        return out

    g, wall, cpu = _timed(build)
    figures: dict[str, Any] = {
        "build": {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
    }
    steps = {
        "components": lambda: max(len(c) for c in nx.connected_components(g)),
        "transitivity": lambda: nx.transitivity(g),
        "communities": lambda: nx.community.modularity(
            g, nx.community.louvain_communities(g, seed=SEED)
        ),
        "betweenness": lambda: nx.betweenness_centrality(g, k=SAMPLES, seed=SEED),
    }

    def stop(*_: Any) -> None:
        raise _OverCap

    signal.signal(signal.SIGPROF, stop)
    for name, fn in steps.items():
        signal.setitimer(signal.ITIMER_PROF, CAP)
        try:
            _, wall, cpu = _timed(fn)
            figures[name] = {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
        except _OverCap:
            figures[name] = {"over_cap": True}
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        print(name, figures[name], file=sys.stderr, flush=True)
    return figures


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindred.settings")
    import django

    django.setup()


def step_load(path: str) -> dict[str, Any]:
    """Users, organisations, memberships and every tie into the (empty) database."""
    _django()
    from django.db import connection, transaction

    from kindred.accounts.models import User
    from kindred.analytics.models import Tie
    from kindred.organisations.models import Membership, Organisation

    graph = load(path)
    orgs = int(graph.is_org.sum())
    people = graph.n - orgs
    started = time.perf_counter()
    with transaction.atomic():
        User.objects.bulk_create(
            (User(email=f"p{i}@bench.invalid", password="!") for i in range(people)),
            batch_size=5000,
        )
        user_ids = np.array(
            User.objects.filter(email__endswith="@bench.invalid")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        kind = Organisation.Kind.values[0]
        Organisation.objects.bulk_create(
            (
                Organisation(name=f"Bench {i}", slug=f"bench-{i}", kind=kind)
                for i in range(orgs)
            ),
            batch_size=2000,
        )
        org_ids = np.array(
            Organisation.objects.filter(slug__startswith="bench-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        member = np.flatnonzero(graph.org_of[orgs:] >= 0)
        Membership.objects.bulk_create(
            (
                Membership(
                    user_id=int(user_ids[i]),
                    organisation_id=int(org_ids[graph.org_of[orgs + i]]),
                )
                for i in member.tolist()
            ),
            batch_size=5000,
        )
    node_type = np.where(graph.is_org, "o", "p")
    node_id = np.concatenate([org_ids, user_ids])
    days = [
        dt.date.fromordinal(d).isoformat()
        for d in range(END.toordinal() - 800, END.toordinal() + 1)
    ]
    first = END.toordinal() - 800
    q = connection.ops.quote_name
    table = Tie._meta.db_table
    columns = ", ".join(
        q(c)
        for c in (
            "kind",
            "source_type",
            "source_id",
            "target_type",
            "target_id",
            "on",
            "weight",
            "origin",
        )
    )
    sql = f"INSERT INTO {q(table)} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    chunk = 50_000
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(graph.src), chunk):
            src = graph.src[start : start + chunk]
            dst = graph.dst[start : start + chunk]
            rows = zip(
                [KINDS[k] for k in graph.kind[start : start + chunk].tolist()],
                node_type[src].tolist(),
                node_id[src].tolist(),
                node_type[dst].tolist(),
                node_id[dst].tolist(),
                [days[d - first] for d in graph.day[start : start + chunk].tolist()],
                graph.weight[start : start + chunk].tolist(),
                [f"bench:{i}" for i in range(start, start + len(src))],
                strict=True,
            )
            cursor.executemany(sql, list(rows))
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "ties": Tie.objects.count(),
        "people": people,
        "organisations": orgs,
    }


def step_take() -> dict[str, Any]:
    """`take_snapshot` of END's month, in a process that did nothing else."""
    _django()
    from kindred.analytics import services

    month = END.replace(day=1)
    snapshot, wall, cpu = _timed(lambda: services.take_snapshot(month))
    return {
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "ties": snapshot.metrics.get("ties"),
        "nodes": snapshot.metrics.get("nodes"),
    }


# The parent


def sampling_error() -> dict[str, Any]:
    """Sampled (256 sources) against exact betweenness on a 10,000-node ecosystem."""
    from scipy.stats import spearmanr

    graph, _ = synthetic(9_800 // SCALE, 200 // SCALE, 100_000 // SCALE, seed=SEED + 1)
    exact_result, exact_seconds, _ = _timed(
        lambda: snapshot_metrics(graph, new_since_day=new_since(), samples=None)
    )
    exact = exact_result.betweenness
    rows = []
    for seed in range(3):
        sampled, seconds, _ = _timed(
            lambda seed=seed: (
                snapshot_metrics(
                    graph, new_since_day=new_since(), seed=seed, samples=SAMPLES
                ).betweenness
            )
        )
        top = np.argsort(-exact)[: max(1, graph.n // 100)]
        rho = spearmanr(exact[top], sampled[top]).statistic
        rows.append(
            {
                "seed": seed,
                "mean_absolute_error": float(np.abs(sampled - exact).mean()),
                "mean_exact": float(exact.mean()),
                "max_exact": float(exact.max()),
                "spearman_top_1pct": float(rho),
                "top20_overlap": len(
                    set(np.argsort(-exact)[:20].tolist())
                    & set(np.argsort(-sampled)[:20].tolist())
                ),
                "seconds": round(seconds, 2),
            }
        )
    return {"nodes": graph.n, "exact_seconds": round(exact_seconds, 1), "runs": rows}


PAGES_SCALE = int(os.environ.get("KINDRED_BENCH_SNAPSHOT_PAGES_SCALE", "1000"))
ECOSYSTEM_PAGES = {
    "dashboard": "/ecosystem/",
    "network": "/ecosystem/network/",
    "public": "/ecosystem/public/",
}
STEWARD_SESSION_SCRIPT = """
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from kindred.accounts.models import User
from kindred.core.middleware import start_session_clock
user = User.objects.get(email="steward@example.org")
TOTP.activate(user, generate_totp_secret())  # production settings: admins need it
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "kindred.accounts.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
start_session_clock(session)
session.create()
print("SESSION" + session.session_key)
"""


def ecosystem_pages(tmp: str) -> dict[str, Any]:
    """(e): the analytics pages, served from stored snapshots, against hello world.

    A demo of PAGES_SCALE people (with its twelve monthly snapshots) behind
    gunicorn in production settings; requests per second of each page over the
    same server's hello-world view, alternated three times (median).
    """
    import secrets
    import statistics

    db = Path(tmp) / "pages.sqlite3"
    dev = base_env(
        DATABASE_URL=f"sqlite:///{db}", KINDRED_DEBUG="1", KINDRED_VAR_DIR=tmp
    )
    kindred(["migrate", "-v0"], dev)
    kindred(["createcachetable"], dev)
    kindred(["demo", "--scale", str(PAGES_SCALE), "--seed", "7"], dev)
    env = base_env(
        DATABASE_URL=f"sqlite:///{db}",
        KINDRED_DEBUG="0",
        KINDRED_SECRET_KEY=secrets.token_urlsafe(50),
        KINDRED_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        KINDRED_SSL_REDIRECT="0",
        KINDRED_URLCONF="benchmarks.urls",
        KINDRED_VAR_DIR=tmp,
    )
    kindred(["collectstatic", "--noinput", "-v0"], env)
    out = kindred(["shell", "-c", STEWARD_SESSION_SCRIPT], env).stdout
    session = next(line[7:] for line in out.splitlines() if line.startswith("SESSION"))
    cookie = f"sessionid={session}"
    rounds: dict[str, list[float]] = {"hello": [], **{k: [] for k in ECOSYSTEM_PAGES}}
    with server(env, workers=2) as port:
        for _ in range(3):
            for name, path in [("hello", "/bench/hello"), *ECOSYSTEM_PAGES.items()]:
                figures = measure_rps(port, path, cookie=cookie, seconds=5)
                if figures["errors"]:
                    raise RuntimeError(f"{path}: {figures['errors']} failed requests")
                rounds[name].append(figures["rps"])
    rps = {name: statistics.median(values) for name, values in rounds.items()}
    # Latency ratio = hello-world throughput / page throughput (same server, run).
    ratios = {name: round(rps["hello"] / rps[name], 2) for name in ECOSYSTEM_PAGES}
    return {"scale": PAGES_SCALE, "rps": rps, "latency_ratio_to_hello_world": ratios}


def database_snapshot(path: Path, tmp: str) -> dict[str, Any]:
    """(d): the whole snapshot, reading 1M ties from a throwaway SQLite database."""
    services = ROOT / "kindred" / "analytics" / "services.py"
    if not services.exists() or "def take_snapshot(" not in services.read_text():
        return {"skipped": "kindred.analytics.services.take_snapshot is not there yet"}
    db = Path(tmp) / "snapshot.sqlite3"
    env = base_env(
        DATABASE_URL=f"sqlite:///{db}", KINDRED_DEBUG="1", KINDRED_VAR_DIR=tmp
    )
    kindred(["migrate", "-v0"], env)
    loaded = _child(["_load", str(path)], timeout=3600, env=env)
    print(f"  database loaded in {loaded['seconds']} s ({loaded['ties']:,} ties)")
    taken = _child(["_take"], timeout=3600, env=env)
    return {"load": loaded, "take_snapshot": taken}


def run() -> None:
    code = _code_version()
    graph, _ = synthetic()
    print(
        f"synthetic ecosystem: {PEOPLE:,} people, {ORGANISATIONS:,} organisations, "
        f"{TIES:,} ties"
    )
    with tempfile.TemporaryDirectory(prefix="kindred-bench-snapshot-") as tmp:
        path = Path(tmp) / "graph.npz"
        save(graph, path)
        ours = _child(["_igraph", str(path)], timeout=3600)
        print(
            f"  igraph: {ours['cpu_seconds']} s CPU, peak RSS {ours['peak_rss_mb']} MB"
        )
        # The rest in parallel (times are CPU times of each process, so running
        # side by side changes no figure, only how long the benchmark takes).
        with ThreadPoolExecutor(max_workers=2) as pool:
            nx_future = pool.submit(_child, ["_networkx", str(path)], timeout=3 * 3600)
            db_future = pool.submit(database_snapshot, path, tmp)
            error = sampling_error()
            print(f"  sampled betweenness error: {error['runs']}")
            theirs = nx_future.result()
            print(f"  networkx: {theirs}")
            database = db_future.result()
            print(f"  database snapshot: {database}")
        pages = ecosystem_pages(tmp)
        print(f"  ecosystem pages: {pages}")

    # networkx / igraph in CPU seconds; over the cap, a lower bound (cap / igraph).
    ratios = {
        name: round(
            (CAP if theirs[name].get("over_cap") else theirs[name]["cpu_seconds"])
            / max(ours["steps"][name], 1e-3),
            1,
        )
        for name in theirs
    }
    taken = database.get("take_snapshot") or {}
    met = {
        # Judged on CPU time: every step here is single-threaded, so on an idle
        # machine wall time is CPU time; the wall times are reported beside.
        "metrics_under_20s": ours["cpu_seconds"] < TARGET_METRICS_SECONDS,
        "snapshot_under_60s": bool(taken)
        and taken["cpu_seconds"] < TARGET_SNAPSHOT_SECONDS,
        "snapshot_under_4gb": bool(taken)
        and taken["peak_rss_mb"] < TARGET_SNAPSHOT_RSS_MB,
        "dashboard_under_5x_hello_world": pages["latency_ratio_to_hello_world"][
            "dashboard"
        ]
        < 5,
    }
    result = {
        "code": code,
        "size": {"people": PEOPLE, "organisations": ORGANISATIONS, "ties": TIES},
        "quick": QUICK,
        "samples": SAMPLES,
        "networkx_cap_seconds": CAP,
        "igraph": ours,
        "networkx": theirs,
        "ratios_networkx_to_igraph": ratios,
        "sampling_error": error,
        "database": database,
        "pages": pages,
        "targets_met": met,
    }

    def cell(name: str) -> str:
        f = theirs[name]
        return "over the cap" if f.get("over_cap") else f"{f['cpu_seconds']:.1f}"

    errors = error["runs"]
    lines = [
        f"# Snapshot benchmark ({PEOPLE:,} people, {ORGANISATIONS:,} organisations, "
        f"{TIES:,} ties)",
        "",
        code_line(code),
        "",
        f"(a) `snapshot_metrics` (igraph + numpy, betweenness from {SAMPLES} sources): "
        f"**{ours['seconds']:.1f} s** wall, {ours['cpu_seconds']:.1f} s "
        f"CPU, peak RSS {ours['peak_rss_mb']:.0f} MB; "
        f"{ours['metrics']['ties']:,} distinct pairs, "
        f"{ours['metrics']['communities']} communities, modularity "
        f"{ours['metrics']['modularity']}. Target < 20 s (on CPU time): "
        f"{'met' if met['metrics_under_20s'] else 'NOT met'}.",
        "",
        f"(b) networkx on the same graph, each step in its own process, capped at "
        f"{CAP:.0f} CPU seconds; CPU seconds of each step:",
        "",
        "| step | igraph | networkx | networkx / igraph |",
        "|---|---|---|---|",
    ]
    for name in theirs:
        lines.append(
            f"| {name} | {ours['steps'][name]:.2f} | {cell(name)} | "
            f"{'> ' if theirs[name].get('over_cap') else ''}{ratios[name]}x |"
        )
    lines += [
        "",
        "(communities: igraph Leiden (modularity) vs networkx Louvain, each with "
        "its modularity; betweenness: both sampled from 256 sources.)",
        "",
        f"(c) betweenness from {SAMPLES} sources against exact on {error['nodes']:,} "
        f"nodes (exact took {error['exact_seconds']} s):",
        "",
        "| seed | mean abs error | mean exact | Spearman (top 1%) | top-20 overlap |",
        "|---|---|---|---|---|",
    ]
    for r in errors:
        lines.append(
            f"| {r['seed']} | {r['mean_absolute_error']:.2e} | {r['mean_exact']:.2e} | "
            f"{r['spearman_top_1pct']:.3f} | {r['top20_overlap']}/20 |"
        )
    lines.append("")
    if "skipped" in database:
        lines.append(f"(d) skipped: {database['skipped']}.")
    else:
        lines.append(
            f"(d) `take_snapshot` reading {database['load']['ties']:,} ties from "
            f"SQLite: **{taken['seconds']:.1f} s** wall, {taken['cpu_seconds']:.1f} s "
            f"CPU, peak RSS {taken['peak_rss_mb']:.0f} MB (loading the database took "
            f"{database['load']['seconds']} s, not counted). Targets < 60 s (on CPU "
            "time): "
            f"{'met' if met['snapshot_under_60s'] else 'NOT met'}; < 4 GB: "
            f"{'met' if met['snapshot_under_4gb'] else 'NOT met'}."
        )
    page_ratios = pages["latency_ratio_to_hello_world"]
    lines += [
        "",
        f"(e) analytics pages from stored snapshots (demo of {pages['scale']:,} "
        "people, gunicorn, production settings), latency as a multiple of the same "
        "server's hello-world view (throughput ratio, median of 3): "
        + ", ".join(f"{name} {ratio}x" for name, ratio in page_ratios.items())
        + f". Target dashboard < 5x: "
        f"{'met' if met['dashboard_under_5x_hello_world'] else 'NOT met'}.",
        "",
        f"Machine load average at the end: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs (wall times include any contention; CPU times do "
        "not).",
    ]
    write_result("snapshot", result, "\n".join(lines))


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    out = {
        "_igraph": lambda: step_igraph(rest[0]),
        "_networkx": lambda: step_networkx(rest[0]),
        "_load": lambda: step_load(rest[0]),
        "_take": step_take,
    }[mode]()
    print(json.dumps(out))
