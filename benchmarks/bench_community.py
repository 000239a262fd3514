"""A group's thread list with 10,000 threads and the ecosystem calendar with 5,000
upcoming events (issue 7).

Figures, on SQLite and on PostgreSQL, with the small demo loaded and then, in bulk,
a public group of 10,000 threads and 5,000 upcoming public events (some with
topics, some co-hosted by organisations, spread over the next year):
- latency (p50/p95) of the big group's page (its first page of threads), of the
  ecosystem calendar's first page, and of the calendar filtered by a topic, signed
  in through the login form as a member of the group;
- each as a ratio to a hello-world Django view timed interleaved against the same
  gunicorn in the same run;
- the SQL queries each page issues, counted in process with the Django test client,
  for the big group and a group of 3 threads, and for the whole calendar and the
  calendar filtered to an organisation hosting 3 events: the counts must be equal
  (independent of the number of threads and events).
Target: every page's p95 under 5x hello-world's p95, and equal query counts.

PostgreSQL: the server at KINDRED_BENCH_PG_URL (default: the local cluster with the
`kindred`/`kindred` role that CI creates); a throwaway database is created,
ANALYZEd after the bulk load and dropped. Without a reachable server only SQLite is
measured.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from benchmarks.bench_referrals import _login, measure_interleaved
from benchmarks.bench_search import (
    _code_version,
    _marked,
    _pg_admin,
    _serve_env,
    on_each_database,
)
from benchmarks.common import (
    base_env,
    code_line,
    kindred,
    latency_table,
    server,
    write_result,
)

THREADS = int(os.environ.get("KINDRED_BENCH_THREADS", 10_000))
EVENTS = int(os.environ.get("KINDRED_BENCH_EVENTS", 5_000))
REPEATS = int(os.environ.get("KINDRED_BENCH_REPEATS", 60))
PG_DATABASE = "kindred_bench_community"
WORKERS = 2
HELLO = "/bench/hello"
LAYOUT = "/bench/empty"
PASSWORD = "kindred-bench-community"
RATIO_MAX = 5.0

# Run with `kindred shell -c`: add the big and small groups and the events in bulk,
# give the member a known password, and print what was made.
SETUP_SCRIPT = """
import json, random
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from kindred.accounts.models import User
from kindred.communities.models import Group, Membership, Thread
from kindred.core.models import Topic
from kindred.events.models import Event, EventHost
from kindred.organisations.models import Organisation

rng = random.Random(7)
now = timezone.now()
THREADS, EVENTS = %(threads)d, %(events)d
people = list(User.objects.filter(is_active=True).order_by("pk")[:200])
member = User.objects.get(email="founder@example.org")
member.set_password(%(password)r)
member.save(update_fields=["password"])

def group(slug, name):
    g = Group.objects.create(
        name=name, slug=slug, purpose="A group for the benchmark.",
        status=Group.Status.ACTIVE, visibility=Group.Visibility.PUBLIC,
        joining=Group.Joining.OPEN, approved_at=now,
    )
    Membership.objects.create(
        group=g, user=member, status=Membership.Status.ACTIVE, joined_at=now
    )
    return g

def threads(g, n):
    Thread.objects.bulk_create(
        [
            Thread(
                group=g,
                author=people[i %% len(people)],
                title=f"How do you handle question {i}?",
                body="A short question about practice, with **some** Markdown.",
                reply_count=rng.randrange(0, 12),
                pinned=i < 2,
                created_at=now - timedelta(minutes=3 * i + 5),
                last_activity_at=now - timedelta(minutes=i),
            )
            for i in range(n)
        ],
        batch_size=2000,
    )

with transaction.atomic():
    big, small = group("bench-big", "Benchmark: big group"), group(
        "bench-small", "Benchmark: small group"
    )
    threads(big, THREADS)
    threads(small, 3)
    topics = list(Topic.objects.filter(parent__isnull=False).order_by("pk"))
    orgs = list(Organisation.objects.filter(is_active=True).order_by("pk")[:50])
    host_org = Organisation.objects.create(
        name="Benchmark small host", slug="bench-small-host", kind=orgs[0].kind
    )
    formats = [Event.Format.ONLINE, Event.Format.IN_PERSON, Event.Format.HYBRID]
    made = Event.objects.bulk_create(
        [
            Event(
                title=f"Session {i}: practical help for founders",
                description="What happens and who it is for.",
                format=formats[i %% 3],
                location="" if i %% 3 == 0 else "Northshire Enterprise Centre",
                meeting_url="" if i %% 3 == 1 else "https://meet.jit.si/Kindred-b" + str(i),
                starts_at=now + timedelta(hours=2 + (i * 8760) // EVENTS),
                ends_at=now + timedelta(hours=3 + (i * 8760) // EVENTS),
                time_zone="Europe/London",
                host_kind=Event.HostKind.ORGANISATION if i %% 4 == 0 else Event.HostKind.PERSON,
                host_person=people[i %% len(people)],
                created_by=people[i %% len(people)],
            )
            for i in range(EVENTS)
        ],
        batch_size=2000,
    )
    Event.topics.through.objects.bulk_create(
        [
            Event.topics.through(event_id=e.pk, topic_id=topics[i %% len(topics)].pk)
            for i, e in enumerate(made)
            if i %% 2 == 0
        ],
        batch_size=2000,
    )
    hosts = [
        EventHost(event=e, organisation=orgs[i %% len(orgs)], status=EventHost.Status.CONFIRMED)
        for i, e in enumerate(made)
        if i %% 4 == 0
    ]
    hosts += [
        EventHost(event=e, organisation=host_org, status=EventHost.Status.CONFIRMED)
        for e in made[1:4]
    ]
    EventHost.objects.bulk_create(hosts, batch_size=2000)
topic = topics[0]
print("SETUP" + json.dumps({
    "threads_big": Thread.objects.filter(group=big).count(),
    "threads_small": Thread.objects.filter(group=small).count(),
    "events_upcoming": Event.objects.filter(starts_at__gte=now).count(),
    "events_small_host": EventHost.objects.filter(organisation=host_org).count(),
    "events_topic": Event.objects.filter(topics=topic).count(),
    "topic": topic.slug,
    "login": member.email,
}))
"""

# Run with `kindred shell -c`: count the queries of each page in process.
QUERIES_SCRIPT = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from kindred.accounts.models import User

pages = json.loads(%(pages)r)
client = Client()
client.force_login(User.objects.get(email=%(login)r))
out = {}
for kind, path in pages.items():
    client.get(path)  # warm: first-request caches are not the page's queries
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{kind} {path}: {response.status_code}")
    out[kind] = {
        "queries": len(captured.captured_queries),
        "sql_ms": round(
            sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1
        ),
        "sql": [
            {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:600]}
            for q in captured.captured_queries
        ],
    }
print("QUERIES" + json.dumps(out))
"""

LABELS = {
    "hello": "hello world (baseline)",
    "layout": "empty page in the layout, signed in (second baseline)",
    "threads": "group page, 10,000 threads (first page)",
    "calendar": "ecosystem calendar, 5,000 upcoming events",
    "calendar_topic": "calendar filtered by a topic",
}
# Pages whose query counts are compared: (big, small).
COMPARED = {
    "threads": ("threads", "threads_small"),
    "calendar": ("calendar", "calendar_small_host"),
}


def _paths(setup: dict[str, Any]) -> dict[str, str]:
    return {
        "threads": "/groups/bench-big/",
        "threads_small": "/groups/bench-small/",
        "calendar": "/events/",
        "calendar_topic": f"/events/?topic={setup['topic']}",
        "calendar_small_host": "/events/?organisation=bench-small-host",
    }


def _database(label: str, url: str, tmp: str) -> dict[str, Any]:
    """Load the demo and the bulk data into `url`, count queries, time the pages."""
    dev = base_env(DATABASE_URL=url, KINDRED_DEBUG="1", KINDRED_VAR_DIR=tmp)
    kindred(["migrate", "-v0"], dev)
    kindred(["createcachetable"], dev)
    kindred(["demo", "--seed", "7"], dev)
    started = time.perf_counter()
    script = SETUP_SCRIPT % {
        "threads": THREADS,
        "events": EVENTS,
        "password": PASSWORD,
    }
    setup = _marked(kindred(["shell", "-c", script], dev).stdout, "SETUP")
    load = round(time.perf_counter() - started, 1)
    print(
        f"{label}: {setup['threads_big']:,} threads and {setup['events_upcoming']:,} "
        f"upcoming events added in {load} s"
    )
    if url.startswith("postgres"):
        with _pg_admin(url) as conn:
            conn.execute("ANALYZE")
    env = _serve_env(url, tmp)
    paths = _paths(setup)
    queries = _marked(
        kindred(
            [
                "shell",
                "-c",
                QUERIES_SCRIPT % {"pages": json.dumps(paths), "login": setup["login"]},
            ],
            env,
        ).stdout,
        "QUERIES",
    )
    counts = {
        kind: {"big": queries[big]["queries"], "small": queries[small]["queries"]}
        for kind, (big, small) in COMPARED.items()
    }
    print(f"  queries per page (big, small): {counts}")
    with server(env, workers=WORKERS) as port:
        signed_in = {"Cookie": _login(port, setup["login"], PASSWORD)}
        requests = {
            "hello": (HELLO, {}),
            "layout": (LAYOUT, signed_in),
            "threads": (paths["threads"], signed_in),
            "calendar": (paths["calendar"], signed_in),
            "calendar_topic": (paths["calendar_topic"], signed_in),
        }
        latency = measure_interleaved(port, requests, repeats=REPEATS, workers=WORKERS)
    for kind, f in latency.items():
        print(
            f"  {kind}: p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms "
            f"({f['ratio_p95']}x hello p95)"
        )
    return {
        "bulk_load_seconds": load,
        **{k: v for k, v in setup.items() if k != "login"},
        "paths": paths,
        "latency": latency,
        "query_counts": counts,
        "queries": queries,
    }


def _met(databases: dict[str, Any]) -> dict[str, bool]:
    met = {}
    for db, figures in databases.items():
        for kind in LABELS:
            if kind in ("hello", "layout"):
                continue
            met[f"{kind}_p95_under_5x_hello_{db}"] = (
                figures["latency"][kind]["ratio_p95"] < RATIO_MAX
            )
        for kind, c in figures["query_counts"].items():
            met[f"{kind}_query_count_independent_of_size_{db}"] = c["big"] == c["small"]
    return met


def _summary(
    databases: dict[str, Any], met: dict[str, bool], pg: str, code: dict[str, Any]
) -> str:
    first = next(iter(databases.values()))
    lines = [
        f"# Benchmark `community` ({first['threads_big']:,} threads in one group, "
        f"{first['events_upcoming']:,} upcoming events)",
        "",
        f"Latency per request over loopback to gunicorn ({WORKERS} sync workers), "
        f"one client, a fresh connection per request; {REPEATS} requests per page, "
        "interleaved with the hello-world view, signed in through the login form "
        "as a member of the group.",
        code_line(code),
        "",
        *latency_table(databases, LABELS),
        "",
        "Every signed-in page first pays for the session, the person and the "
        "layout (navigation, notification badge): the empty page in the layout "
        "measures that floor. Each page's p95 as a multiple of the floor's p95:",
        "",
        "| database | page | p95 / empty layout |",
        "|---|---|---|",
        *[
            f"| {db} | {LABELS[kind]} | "
            f"{f['latency'][kind]['p95_ms'] / f['latency']['layout']['p95_ms']:.2f} |"
            for db, f in databases.items()
            for kind in LABELS
            if kind not in ("hello", "layout")
        ],
        "",
        "SQL queries per page, counted in process (Django test client), for the big "
        "and the small case (a group of 3 threads; the calendar filtered to an "
        "organisation hosting 3 events), and the time those queries took:",
        "",
        "| database | page | queries, big | queries, small | equal | SQL ms, big |",
        "|---|---|---|---|---|---|",
    ]
    for db, figures in databases.items():
        for kind, (big, _small) in COMPARED.items():
            c = figures["query_counts"][kind]
            lines.append(
                f"| {db} | {LABELS[kind]} | {c['big']} | {c['small']} | "
                f"{'yes' if c['big'] == c['small'] else 'NO'} | "
                f"{figures['queries'][big]['sql_ms']:.0f} |"
            )
    lines += ["", "Targets:"]
    for key, ok in met.items():
        lines.append(f"- {key.replace('_', ' ')}: {'met' if ok else 'NOT met'}")
    if pg:
        lines += ["", f"PostgreSQL not measured: {pg}"]
    return "\n".join(lines)


def run() -> None:
    code = _code_version()
    load_before = [round(x, 2) for x in os.getloadavg()]
    databases, pg_problem = on_each_database(PG_DATABASE, _database)
    met = _met(databases)
    if _code_version() != code:
        code["changed_during_run"] = True
    result = {
        "code": code,
        "threads": THREADS,
        "events": EVENTS,
        "server": f"gunicorn, {WORKERS} sync workers, on loopback; one client, "
        "a fresh connection per request",
        "repeats": REPEATS,
        "load_average": {
            "before": load_before,
            "after": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
        },
        "baseline": {"name": "hello-world Django view", "path": HELLO},
        "targets": {
            "p95_ratio_max": RATIO_MAX,
            "query_counts": "equal for the big and the small case",
        },
        "databases": databases,
        "met": met,
    }
    summary = _summary(databases, met, pg_problem, code)
    write_result("community", result, summary)
    print(summary)
