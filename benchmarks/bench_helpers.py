"""Recommended helpers for an ask at --scale 50,000 (issue 6).

Figures, on SQLite and on PostgreSQL (when reachable), with the demo loaded at
--scale 50,000 (50,000 people, about 2,000 organisations):
- latency (p50/p95) of `recommend_for_ask` for a set of asks (whole-ecosystem,
  organisation, group and supplier asks), measured in process with `kindred shell
  -c` after one warm-up build of the index: every factor (text relevance, topic
  overlap, helpfulness, recent load, bridging) and all of the database work
  (the cached version stamp, the ask's topics, the asker's organisations, who may
  see the ask, recent invitations of the best candidates, the names) included;
- the SQL queries one recommendation issues;
- the index build time and its memory (the arrays' bytes, and the growth of the
  process's resident memory over the build), and the uncached version stamp;
- for reference: the pure ranking alone, and "asks you could help with";
- quality on the generated evaluation set (ground truth known; see
  kindred/algorithms/helper_eval.py): recall@10 and MRR of the full ranking
  against the topic-overlap baseline, measured in the same run.
Targets: p95 under 20 ms; recall@10 and MRR above the baseline.

The demo makes only a handful of peer-help records, so the benchmark tops them up
in bulk before measuring (deterministic, seed 7): standing offers for a sixth of
the people, member businesses for a twentieth, solved asks with a helpful answer
for a quarter, and invitations of the last 30 days; the counts are in the results.
"""

from __future__ import annotations

import os
import time
from typing import Any

from benchmarks.bench_search import (
    _code_version,
    _marked,
    _pg_admin,
    _serve_env,
    on_each_database,
)
from benchmarks.common import base_env, code_line, kindred, write_result
from kindred.algorithms import helper_eval

SCALE = int(os.environ.get("KINDRED_BENCH_SCALE", 50_000))
ROUNDS = int(os.environ.get("KINDRED_BENCH_REPEATS", 5))
PG_DATABASE = "kindred_bench_helpers"
P95_MAX_MS = 20.0
EVALUATIONS = {
    # name: generate() arguments
    "2,000 people, 160 specialities": {"people": 2000, "asks": 300, "seed": 7},
    "20,000 people, 768 specialities": {
        "people": 20000,
        "asks": 300,
        "broad_topics": 16,
        "topics_per_broad": 8,
        "specialities_per_topic": 6,
        "seed": 7,
    },
}

# Run with `kindred shell -c`: add peer-help data in bulk, and the asks to time.
SETUP_SCRIPT = """
import json, random
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from kindred.accounts.models import Profile, User
from kindred.communities.models import Group, Membership as GroupMembership
from kindred.core.models import Topic
from kindred.organisations.models import Membership
from kindred.peerhelp.models import Ask, HelpInvitation, Offer, Response
try:
    from kindred.projects.models import Business
except ImportError:
    Business = None

rng = random.Random(7)
now = timezone.now()
topics = list(Topic.objects.filter(parent__isnull=False).order_by("pk"))
people = list(Profile.objects.listed().order_by("user_id").values_list("user_id", flat=True))
PHRASES = {
    "finance": "cash flow forecast spreadsheet invoices late payment bank loan grant margin budget accountant",
    "marketing": "customers social media website brand campaign audience pricing leads newsletter launch",
    "growth": "export overseas scale hiring partners innovation patent supply chain distribution",
    "people": "team staff recruitment wellbeing burnout culture contracts freelancers leadership",
    "other": "planning strategy advice experience mentor idea market competition",
}
def words(n):
    bank = rng.choice(list(PHRASES.values())).split()
    return " ".join(rng.choice(bank) for _ in range(n))

made = {"offers": 0, "businesses": 0, "past_asks": 0, "helpful_responses": 0, "recent_invitations": 0, "asks_timed": 0}
with transaction.atomic():
    # Top up to a realistic amount whatever the demo already made.
    missing = len(people) // 6 - Offer.objects.count()
    if missing > 0:
        helpers = rng.sample(people, missing)
        offers = []
        for user_id in helpers:
            topic = rng.choice(topics)
            offers.append(Offer(helper_id=user_id, title=f"An hour on {topic.name.lower()}",
                details=f"I can help with {topic.name.lower()}: {words(12)}",
                monthly_limit=rng.choice([2, 4, 4, 6, 10]), created_at=now))
        Offer.objects.bulk_create(offers, batch_size=2000)
        Through = Offer.topics.through
        Through.objects.bulk_create([Through(offer_id=o.pk, topic_id=rng.choice(topics).pk)
            for o in Offer.objects.filter(topics__isnull=True)], batch_size=5000)
        made["offers"] = len(offers)
    missing = len(people) // 20 - (Business.objects.count() if Business is not None else 0)
    if Business is not None and missing > 0:
        owners = rng.sample(people, missing)
        Business.objects.bulk_create([Business(owner_id=u, name=f"Maker {u}", slug=f"maker-{u}",
            summary=f"We make and supply {words(6)}", offers=words(20)) for u in owners], batch_size=2000)
        BT = Business.topics.through
        BT.objects.bulk_create([BT(business_id=b, topic_id=rng.choice(topics).pk)
            for b in Business.objects.filter(slug__startswith="maker-").values_list("pk", flat=True)], batch_size=5000)
        made["businesses"] = len(owners)
    n = len(people) // 4 - Response.objects.filter(helped=True).count()
    if n > 0:
        first_new = (Ask.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        authors = [rng.choice(people) for _ in range(n)]
        Ask.objects.bulk_create([Ask(author_id=a, title=f"How do I handle {words(4)}?", details=words(30),
            status=Ask.Status.SOLVED, created_at=now - timedelta(days=rng.randint(1, 300)))
            for a in authors], batch_size=2000)
        past = list(Ask.objects.filter(pk__gt=first_new).values_list("pk", "author_id"))
        AT = Ask.topics.through
        AT.objects.bulk_create([AT(ask_id=pk, topic_id=rng.choice(topics).pk) for pk, _a in past], batch_size=5000)
        responses = []
        for pk, author in past:
            helper = rng.choice(people)
            if helper != author:
                responses.append(Response(ask_id=pk, author_id=helper, body=words(40), helped=True, helped_at=now))
        Response.objects.bulk_create(responses, batch_size=2000)
        made["past_asks"], made["helpful_responses"] = len(past), len(responses)
        invitations, seen = [], set()
        for _ in range(len(people) // 2):
            pk, author = rng.choice(past)
            user = rng.choice(people)
            if user != author and (pk, user) not in seen:
                seen.add((pk, user))
                invitations.append(HelpInvitation(ask_id=pk, user_id=user, rank=1, invited=True,
                    created_at=now - timedelta(days=rng.randint(0, 29))))
        HelpInvitation.objects.bulk_create(invitations, batch_size=5000)
        made["recent_invitations"] = len(invitations)

    # The asks to time: open, by random members, of every kind of audience.
    timed = []
    orgs_of = {}
    for user_id, org in Membership.objects.values_list("user_id", "organisation_id"):
        orgs_of.setdefault(user_id, []).append(org)
    members = [p for p in people if p in orgs_of]
    group = Group.objects.filter(status=Group.Status.ACTIVE).order_by("pk").first()
    group_members = list(GroupMembership.objects.filter(group=group, status=GroupMembership.Status.ACTIVE).values_list("user_id", flat=True)) if group else []
    plan = [("ecosystem", 40), ("organisations", 5), ("group", 5 if group_members else 0), ("supplier", 5)]
    for kind, count in plan:
        for _ in range(count):
            topic = rng.choice(topics)
            author = rng.choice(group_members if kind == "group" else members if kind == "organisations" else people)
            ask = Ask.objects.create(
                author_id=author,
                title=f"Help with {topic.name.lower()}: {words(5)}",
                details=f"{words(25)}. Has anyone dealt with {topic.name.lower()} before?",
                visibility={"organisations": Ask.Visibility.ORGANISATIONS, "group": Ask.Visibility.GROUP}.get(kind, Ask.Visibility.ECOSYSTEM),
                group=group if kind == "group" else None,
                kind=Ask.Kind.SUPPLIER if kind == "supplier" else Ask.Kind.ADVICE,
            )
            ask.topics.set([topic] + ([rng.choice(topics)] if rng.random() < 0.3 else []))
            if kind == "organisations":
                ask.organisations.set(orgs_of[author])
            timed.append({"id": ask.pk, "kind": kind})
    made["asks_timed"] = len(timed)

print("SETUP" + json.dumps({
    "made": made,
    "people_listed": len(people),
    "offers": Offer.objects.filter(is_active=True).count(),
    "businesses": Business.objects.filter(is_active=True).count() if Business else 0,
    "helpful_responses": Response.objects.filter(helped=True).count(),
    "invitations": HelpInvitation.objects.filter(invited=True).count(),
    "asks": timed,
    "group_members": len(group_members),
}))
"""

# Run with `kindred shell -c`: build once, then time the recommendations.
MEASURE_SCRIPT = """
import gc, json, statistics, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kindred.accounts.models import User
from kindred.peerhelp import ranking
from kindred.peerhelp.models import Ask
from kindred.algorithms import helper_ranking as hr

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0

asks = json.loads(%(asks)r)
ranking.reset_index()
started = time.perf_counter()
ranking._compute_stamp()
stamp_ms = (time.perf_counter() - started) * 1000
gc.collect()
before = rss()
started = time.perf_counter()
state = ranking.current_index()
build_s = time.perf_counter() - started
gc.collect()
after = rss()

loaded = {a["id"]: Ask.objects.get(pk=a["id"]) for a in asks}
kinds = {a["id"]: a["kind"] for a in asks}
ranking.recommend_for_ask(next(iter(loaded.values())))  # warm
samples, by_kind, sizes = [], {}, []
for round_ in range(%(rounds)d):
    for pk, ask in loaded.items():
        ask = Ask.objects.get(pk=pk)  # no cached topics: the function reads them
        started = time.perf_counter()
        found = ranking.recommend_for_ask(ask, limit=10)
        elapsed = time.perf_counter() - started
        samples.append(elapsed)
        by_kind.setdefault(kinds[pk], []).append(elapsed)
        sizes.append(len(found))

def pct(values):
    values = sorted(values)
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return {"samples": len(values), "p50_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(cuts[94] * 1000, 2), "max_ms": round(max(values) * 1000, 2)}

queries = []
example = None
for pk, ask in list(loaded.items())[:10]:
    ask = Ask.objects.get(pk=pk)
    with CaptureQueriesContext(connection) as captured:
        found = ranking.recommend_for_ask(ask)
    queries.append(len(captured.captured_queries))
    if example is None and found:
        example = {"ask": ask.title, "recommendations": [
            {"user_id": r.user_id, "business_id": r.business_id, "score": r.score,
             "factors": r.factors, "reason": r.reason} for r in found[:3]]}

# The pure ranking alone, same asks (the index's own work, no database).
pure = []
for pk, ask in loaded.items():
    topics = set(ask.topics.values_list("pk", flat=True))
    query = hr.Query(text=f"{ask.title}\\n{ask.details}", topics=topics, asker=ask.author_id)
    started = time.perf_counter()
    state.index.rank(query, k=15)
    pure.append(time.perf_counter() - started)

# Asks you could help with, for some helpers.
helper_ids = [r["user_id"] for r in example["recommendations"]] if example else []
helper_ids += list(User.objects.filter(help_offers__isnull=False).order_by("pk").values_list("pk", flat=True)[:17])
could = []
for user_id in helper_ids:
    user = User.objects.get(pk=user_id)
    started = time.perf_counter()
    ranking.asks_you_could_help_with(user)
    could.append(time.perf_counter() - started)

print("MEASURE" + json.dumps({
    "latency": pct(samples),
    "latency_by_kind": {k: pct(v) for k, v in by_kind.items()},
    "results_per_ask_mean": round(sum(sizes) / len(sizes), 2),
    "queries_per_recommendation": {"min": min(queries), "max": max(queries)},
    "index": {
        "build_seconds": round(build_s, 2),
        "people": state.people,
        "businesses": state.businesses,
        "array_megabytes": round(state.index.nbytes / 1e6, 1),
        "rss_growth_megabytes": round((after - before) / 1e6, 1),
        "vocabulary": len(state.index.text.vocabulary),
    },
    "version_stamp_uncached_ms": round(stamp_ms, 1),
    "pure_ranking": pct(pure),
    "asks_you_could_help_with": pct(could),
    "example": example,
}))
"""


def _database(label: str, url: str, tmp: str) -> dict[str, Any]:
    dev = base_env(DATABASE_URL=url, KINDRED_DEBUG="1", KINDRED_VAR_DIR=tmp)
    kindred(["migrate", "-v0"], dev)
    kindred(["createcachetable"], dev)
    started = time.perf_counter()
    kindred(["demo", "--scale", str(SCALE), "--seed", "7"], dev)
    load = round(time.perf_counter() - started, 1)
    print(f"{label}: demo at scale {SCALE:,} loaded in {load} s")
    env = _serve_env(url, tmp)
    started = time.perf_counter()
    setup = _marked(kindred(["shell", "-c", SETUP_SCRIPT], env).stdout, "SETUP")
    setup_s = round(time.perf_counter() - started, 1)
    print(f"  peer-help data added in {setup_s} s: {setup['made']}")
    if url.startswith("postgres"):
        with _pg_admin(url) as conn:
            conn.execute("ANALYZE")
    import json

    out = kindred(
        [
            "shell",
            "-c",
            MEASURE_SCRIPT % {"asks": json.dumps(setup["asks"]), "rounds": ROUNDS},
        ],
        env,
    ).stdout
    figures = _marked(out, "MEASURE")
    f = figures["latency"]
    print(
        f"  recommend_for_ask: p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms; index "
        f"built in {figures['index']['build_seconds']} s"
    )
    return {
        "demo_load_seconds": load,
        "peerhelp_data_seconds": setup_s,
        **{k: v for k, v in setup.items() if k != "asks"},
        "asks_timed": len(setup["asks"]),
        **figures,
    }


def _quality() -> dict[str, Any]:
    out = {}
    for name, arguments in EVALUATIONS.items():
        started = time.perf_counter()
        evaluation = helper_eval.generate(**arguments)
        quality = helper_eval.evaluate(evaluation)
        sizes = sorted(len(r) for r in evaluation.relevant)
        out[name] = {
            "arguments": arguments,
            "queries": len(evaluation.queries),
            "relevant_per_ask_median": sizes[len(sizes) // 2],
            "full": {
                "recall_at_10": quality["full"].recall_at_10,
                "mrr": quality["full"].mrr,
            },
            "baseline_topic_overlap": {
                "recall_at_10": quality["baseline"].recall_at_10,
                "mrr": quality["baseline"].mrr,
            },
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(f"quality ({name}): {out[name]}")
    return out


def _met(databases: dict[str, Any], quality: dict[str, Any]) -> dict[str, bool]:
    met = {}
    for db, figures in databases.items():
        met[f"p95_under_20ms_{db}"] = figures["latency"]["p95_ms"] < P95_MAX_MS
    for name, q in quality.items():
        full, base = q["full"], q["baseline_topic_overlap"]
        met[f"recall_at_10_above_baseline ({name})"] = (
            full["recall_at_10"] > base["recall_at_10"]
        )
        met[f"mrr_above_baseline ({name})"] = full["mrr"] > base["mrr"]
    return met


def _summary(
    databases: dict[str, Any],
    quality: dict[str, Any],
    met: dict[str, bool],
    pg: str,
    code: dict[str, Any],
) -> str:
    lines = [
        f"# Benchmark `helpers` (demo at scale {SCALE:,})",
        "",
        "`recommend_for_ask` timed in process (`kindred shell -c`) after one "
        f"warm-up build of the index, {ROUNDS} rounds over the timed asks; every "
        "factor and all database work included (stamp from the database cache, "
        "ask topics, asker's organisations, audience of group and organisation "
        "asks, recent invitations of the best candidates, names).",
        code_line(code),
        "",
        "| database | asks | p50 ms | p95 ms | max ms | queries | index build s "
        "| index arrays MB | RSS growth MB | people / businesses indexed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for db, f in databases.items():
        lat, idx, q = f["latency"], f["index"], f["queries_per_recommendation"]
        lines.append(
            f"| {db} | {f['asks_timed']} | {lat['p50_ms']:.1f} | {lat['p95_ms']:.1f} "
            f"| {lat['max_ms']:.1f} | {q['min']}–{q['max']} | {idx['build_seconds']} "
            f"| {idx['array_megabytes']} | {idx['rss_growth_megabytes']} "
            f"| {idx['people']:,} / {idx['businesses']:,} |"
        )
    lines += [
        "",
        "By kind of ask (p50 / p95 ms), and for reference the pure ranking alone "
        'and "asks you could help with":',
        "",
        "| database | ecosystem | organisations | group | supplier | pure ranking "
        "| asks you could help with | version stamp, uncached |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for db, f in databases.items():
        kinds = f["latency_by_kind"]

        def cell(x: dict[str, Any] | None) -> str:
            return f"{x['p50_ms']:.1f} / {x['p95_ms']:.1f}" if x else "–"

        lines.append(
            f"| {db} | {cell(kinds.get('ecosystem'))} | "
            f"{cell(kinds.get('organisations'))} | {cell(kinds.get('group'))} | "
            f"{cell(kinds.get('supplier'))} | {cell(f['pure_ranking'])} | "
            f"{cell(f['asks_you_could_help_with'])} | "
            f"{f['version_stamp_uncached_ms']:.0f} ms |"
        )
    lines += [
        "",
        "Data: the demo, with peer-help data topped up in bulk by the benchmark "
        "(offers for a sixth of the people, businesses for a twentieth, helpful "
        "answers for a quarter, invitations in the last 30 days):",
        "",
        "| database | listed people | active offers | businesses | helpful answers "
        "| invitations | demo load s |",
        "|---|---|---|---|---|---|---|",
    ]
    for db, f in databases.items():
        lines.append(
            f"| {db} | {f['people_listed']:,} | {f['offers']:,} | "
            f"{f['businesses']:,} | {f['helpful_responses']:,} | "
            f"{f['invitations']:,} | {f['demo_load_seconds']} |"
        )
    lines += [
        "",
        "Quality on the generated evaluation set (ground truth known: latent "
        "specialities; see kindred/algorithms/helper_eval.py). recall@10 counts "
        "the relevant people in the first 10 out of at most 10; MRR over the "
        "first 10:",
        "",
        "| evaluation set | asks | relevant per ask (median) | recall@10 full "
        "| recall@10 baseline | MRR full | MRR baseline |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, q in quality.items():
        full, base = q["full"], q["baseline_topic_overlap"]
        lines.append(
            f"| {name} | {q['queries']} | {q['relevant_per_ask_median']} | "
            f"{full['recall_at_10']:.3f} | {base['recall_at_10']:.3f} | "
            f"{full['mrr']:.3f} | {base['mrr']:.3f} |"
        )
    example = next(iter(databases.values()), {}).get("example")
    if example:
        lines += ["", f"Example: “{example['ask']}”", ""]
        for r in example["recommendations"]:
            lines.append(f"- {r['score']:.2f}: {r['reason']}")
    lines += ["", "Targets:"]
    for key, ok in met.items():
        lines.append(f"- {key.replace('_', ' ')}: {'met' if ok else 'NOT met'}")
    if pg:
        lines += ["", f"PostgreSQL not measured: {pg}"]
    return "\n".join(lines)


def run() -> None:
    code = _code_version()
    load_before = [round(x, 2) for x in os.getloadavg()]
    quality = _quality()
    databases, pg_problem = on_each_database(PG_DATABASE, _database, static=False)
    met = _met(databases, quality)
    if _code_version() != code:
        code["changed_during_run"] = True
    result = {
        "code": code,
        "scale": SCALE,
        "rounds": ROUNDS,
        "load_average": {
            "before": load_before,
            "after": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
        },
        "databases": databases,
        "quality": quality,
        "baseline": {
            "name": "topic overlap only (people offering most of the ask's topics, "
            "ties by id)"
        },
        "targets": {
            "p95_ms_max": P95_MAX_MS,
            "recall_at_10": "above baseline",
            "mrr": "above baseline",
        },
        "met": met,
    }
    if pg_problem:
        result["postgresql_not_measured"] = pg_problem
    summary = _summary(databases, quality, met, pg_problem, code)
    summary += (
        f"\n\nLoad average (1, 5, 15 min) before the run {load_before}, after "
        f"{result['load_average']['after']}, on {os.cpu_count()} CPUs."
    )
    write_result("helpers", result, summary)
