"""An organisation's referrals at 200,000 referrals (issue 5).

Figures, on SQLite and on PostgreSQL, with the demo loaded at --scale 50,000
(about 4 generated referrals per person: 200,000 referrals between 2,000
organisations):
- latency (p50/p95) of the received-referral list of the organisation that
  received the most referrals (first page, and the page filtered to the
  referrals still open), and of its funnel report for the last 365 days, signed
  in through the login form as one of its admins;
- each as a ratio to a hello-world Django view timed interleaved against the same
  gunicorn in the same run;
- the SQL queries each page issues, counted in process with the Django test
  client, for the busiest organisation and for one with only a handful of
  referrals: the counts must be equal (independent of the number of referrals);
- the time the demo takes to load, outside the timed figures.
Target: every page's p95 under 5x hello-world's p95, and equal query counts.

Generated people have unusable passwords, so the benchmark gives the chosen
admins a known one before signing in. The referral pages need only a practitioner
or admin membership (two-factor authentication is needed for admin powers, not
for these pages), and every demo address is verified, so the login form lets them
in straight away.

PostgreSQL: the server at KINDRED_BENCH_PG_URL (default: the local cluster with
the `kindred`/`kindred` role that CI creates); a throwaway database is created,
ANALYZEd after the demo load (as autovacuum would soon do) and dropped. Without a reachable server only SQLite is measured.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from benchmarks.bench_search import (
    _code_version,
    _cookies,
    _get,
    _marked,
    _percentiles,
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

SCALE = int(os.environ.get("KINDRED_BENCH_SCALE", 50_000))
REPEATS = int(os.environ.get("KINDRED_BENCH_REPEATS", 60))
PG_DATABASE = "kindred_bench_referrals"
WORKERS = 2
HELLO = "/bench/hello"
PASSWORD = "kindred-bench-referrals"
RATIO_MAX = 5.0
FILTER = "open"  # "Still open" on the list's status filter

# Run with `kindred shell -c`: choose the organisations and their staff, give the
# staff a known password, and print what was chosen.
SETUP_SCRIPT = """
import json
from django.db.models import Count, Q
from kindred.accounts.models import User
from kindred.algorithms import referral_flow as flow
from kindred.organisations.models import Membership, Organisation, Role
from kindred.referrals.models import Referral

PASSWORD = %(password)r
received = dict(
    Referral.objects.filter(sent_at__isnull=False)
    .values("receiving_organisation")
    .annotate(n=Count("pk"))
    .values_list("receiving_organisation", "n")
)
answered = dict(
    Referral.objects.filter(sent_at__isnull=False, first_response_at__isnull=False)
    .values("receiving_organisation")
    .annotate(n=Count("pk"))
    .values_list("receiving_organisation", "n")
)
open_received = dict(
    Referral.objects.filter(sent_at__isnull=False, status__in=flow.OPEN)
    .values("receiving_organisation")
    .annotate(n=Count("pk"))
    .values_list("receiving_organisation", "n")
)
staff = {}
for org, user, role in Membership.objects.filter(
    role__in=(Role.ADMIN, Role.PRACTITIONER), organisation__is_active=True
).values_list("organisation_id", "user_id", "role"):
    staff.setdefault(org, []).append((role != Role.ADMIN, user))
staff_orgs = {}
for org, people in staff.items():
    for _practitioner, user in people:
        staff_orgs[user] = staff_orgs.get(user, 0) + 1

def person(org):
    # An admin (else a practitioner) who works for this organisation only.
    for _practitioner, user in sorted(staff.get(org, [])):
        if staff_orgs[user] == 1:
            return User.objects.get(pk=user)
    return None

def describe(org, user):
    o = Organisation.objects.get(pk=org)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    role = Membership.objects.get(organisation=o, user=user).role
    return {
        "id": o.pk,
        "slug": o.slug,
        "name": o.name,
        "received": received.get(org, 0),
        "received_open": open_received.get(org, 0),
        "sent": Referral.objects.filter(
            referring_organisation=o, sent_at__isnull=False
        ).count(),
        "login": user.email,
        "role": role,
    }

busiest = max(received, key=lambda org: (received[org], -org))
busy_user = person(busiest)
if busy_user is None:
    raise SystemExit("the busiest organisation has no admin or practitioner")
small = next(
    org
    for org in sorted(received, key=lambda org: (received[org], org))
    # a handful, with a row on each page measured: one still open (the
    # filtered list) and one answered (the report's median)
    if received[org] >= 3
    and open_received.get(org, 0) >= 1
    and answered.get(org, 0) >= 1
    and person(org)
)
print("SETUP" + json.dumps({
    "referrals": Referral.objects.count(),
    "organisations": Organisation.objects.count(),
    "organisations_receiving": len(received),
    "median_received_per_organisation": sorted(received.values())[len(received) // 2],
    "busy": describe(busiest, busy_user),
    "small": describe(small, person(small)),
}))
"""

# Run with `kindred shell -c`: count the queries of each page in process.
QUERIES_SCRIPT = """
import json, re
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from kindred.accounts.models import User

pages = json.loads(%(pages)r)
logins = json.loads(%(logins)r)
out = {}
for who, email in logins.items():
    client = Client()
    client.force_login(User.objects.get(email=email))
    out[who] = {}
    for kind, path in pages[who].items():
        client.get(path)  # warm: first-request caches are not the page's queries
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{who} {kind} {path}: {response.status_code}")
        body = response.content.decode()
        out[who][kind] = {
            "queries": len(captured.captured_queries),
            "sql_ms": round(
                sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1
            ),
            "rows_on_page": len(re.findall(r'href="/referrals/[0-9]+/"', body)),
            "sql": [
                {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:600]}
                for q in captured.captured_queries
            ],
        }
# The report is cached until a referral changes: time the computation itself too.
import statistics, time
from datetime import date, timedelta
from kindred.organisations.models import Organisation
from kindred.referrals import selectors
end = date.today()
for who, slug in json.loads(%(slugs)r).items():
    org = Organisation.objects.get(slug=slug)
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            selectors._funnel(org, end - timedelta(days=365), end)
            times.append((time.perf_counter() - started) * 1000)
    out[who]["report_uncached"] = {
        "ms": round(statistics.median(times), 1),
        "queries": len(captured.captured_queries),
    }
print("QUERIES" + json.dumps(out))
"""


def _paths(slug: str) -> dict[str, str]:
    today = datetime.now(UTC).date()  # the site runs on UTC
    report = {
        "organisation": slug,
        "start": (today - timedelta(days=365)).isoformat(),
        "end": today.isoformat(),
    }
    return {
        "list": "/referrals/?box=received",
        "list_filtered": f"/referrals/?box=received&status={FILTER}",
        "report": "/referrals/report/?" + urlencode(report),
    }


def _login(port: int, email: str, password: str = PASSWORD) -> str:
    """Sign in through the allauth form; return the Cookie header of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/account/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookies = _cookies(response)
    conn.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if response.status != 200 or token is None or "csrftoken" not in cookies:
        raise RuntimeError(f"login form: status {response.status}, no CSRF token")
    body = urlencode(
        {"login": email, "password": password, "csrfmiddlewaretoken": token[1]}
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/account/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
    )
    response = conn.getresponse()
    response.read()
    cookies.update(_cookies(response))
    conn.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login refused for {email}: status {response.status}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _measure_pages(
    port: int, pages: dict[str, dict[str, str]], logins: dict[str, str]
) -> dict[str, Any]:
    """Time the busiest organisation's pages and, for reference, the small one's
    (what a page costs when there is little data), interleaved with hello-world."""
    requests: dict[str, tuple[str, dict[str, str]]] = {"hello": (HELLO, {})}
    for who in ("busy", "small"):
        headers = {"Cookie": _login(port, logins[who])}
        for kind, path in pages[who].items():
            requests[kind if who == "busy" else f"{kind}_small_org"] = (path, headers)
    return measure_interleaved(port, requests)


def measure_interleaved(
    port: int,
    requests: dict[str, tuple[str, dict[str, str]]],
    *,
    repeats: int = REPEATS,
    workers: int = WORKERS,
) -> dict[str, Any]:
    """Time each request `repeats` times, interleaved (the order alternating each
    round), after an untimed warm-up of every worker; "hello" is the baseline each
    figure is divided by."""
    started = time.perf_counter()
    # Warm every worker (a sync worker answers one request at a time, so one
    # thread per worker reaches them all), untimed.
    errors: list[str] = []

    def warm() -> None:
        for _ in range(3):
            for path, h in requests.values():
                _elapsed, status, _body = _get(port, path, h)
                if status != 200:
                    errors.append(f"{path}: {status}")

    threads = [threading.Thread(target=warm) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"warm-up failed: {errors[:3]}")
    samples: dict[str, list[float]] = {kind: [] for kind in requests}
    for repeat in range(repeats):
        order = list(requests)
        if repeat % 2:  # alternate the order so drift hits every page alike
            order.reverse()
        for kind in order:
            path, h = requests[kind]
            elapsed, status, _body = _get(port, path, h)
            if status != 200:
                raise RuntimeError(f"{kind} {path}: status {status}")
            samples[kind].append(elapsed)
    figures = {kind: _percentiles(values) for kind, values in samples.items()}
    hello = figures["hello"]
    for values in figures.values():
        values["ratio_p50"] = round(values["p50_ms"] / hello["p50_ms"], 2)
        values["ratio_p95"] = round(values["p95_ms"] / hello["p95_ms"], 2)
    print(f"  measured in {time.perf_counter() - started:.0f} s")
    return figures


def _database(label: str, url: str, tmp: str) -> dict[str, Any]:
    """Load the demo into `url`, count each page's queries, then time the pages."""
    dev = base_env(DATABASE_URL=url, KINDRED_DEBUG="1", KINDRED_VAR_DIR=tmp)
    kindred(["migrate", "-v0"], dev)
    kindred(["createcachetable"], dev)
    started = time.perf_counter()
    kindred(["demo", "--scale", str(SCALE), "--seed", "7"], dev)
    load = round(time.perf_counter() - started, 1)
    print(f"{label}: demo at scale {SCALE:,} loaded in {load} s")
    if url.startswith("postgres"):
        # What autovacuum does a minute after a bulk load anyway: done now, so that
        # it cannot happen in the middle of the timings.
        with _pg_admin(url) as conn:
            conn.execute("ANALYZE")
    env = _serve_env(url, tmp)
    setup = _marked(
        kindred(["shell", "-c", SETUP_SCRIPT % {"password": PASSWORD}], env).stdout,
        "SETUP",
    )
    busy, small = setup["busy"], setup["small"]
    print(
        f"  {setup['referrals']:,} referrals; busiest {busy['name']} received "
        f"{busy['received']:,} (login {busy['login']}, {busy['role']}); small "
        f"{small['name']} received {small['received']}"
    )
    pages = {"busy": _paths(busy["slug"]), "small": _paths(small["slug"])}
    logins = {"busy": busy["login"], "small": small["login"]}
    queries = _marked(
        kindred(
            [
                "shell",
                "-c",
                QUERIES_SCRIPT
                % {
                    "pages": json.dumps(pages),
                    "logins": json.dumps(logins),
                    "slugs": json.dumps({"busy": busy["slug"], "small": small["slug"]}),
                },
            ],
            env,
        ).stdout,
        "QUERIES",
    )
    counts = {
        kind: {who: queries[who][kind]["queries"] for who in ("busy", "small")}
        for kind in pages["busy"]
    }
    print(f"  queries per page (busy, small): {counts}")
    with server(env, workers=WORKERS) as port:
        latency = _measure_pages(port, pages, logins)
    for kind, f in latency.items():
        print(
            f"  {kind}: p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms "
            f"({f['ratio_p95']}x hello p95)"
        )
    return {
        "demo_load_seconds": load,
        **{k: v for k, v in setup.items() if k not in ("busy", "small")},
        "organisations_measured": {"busy": busy, "small": small},
        "paths": pages,
        "latency": latency,
        "query_counts": counts,
        "queries": queries,
    }


def _met(databases: dict[str, Any]) -> dict[str, bool]:
    met = {}
    for db, figures in databases.items():
        for kind in ("list", "list_filtered", "report"):
            met[f"{kind}_p95_under_5x_hello_{db}"] = (
                figures["latency"][kind]["ratio_p95"] < RATIO_MAX
            )
            counts = figures["query_counts"][kind]
            met[f"{kind}_query_count_independent_of_referrals_{db}"] = (
                counts["busy"] == counts["small"]
            )
    return met


LABELS = {
    "hello": "hello world (baseline)",
    "list": "received referrals, first page",
    "list_filtered": f"received referrals, status={FILTER}",
    "report": "funnel report, last 365 days",
    "list_small_org": "small org (reference): received referrals, first page",
    "list_filtered_small_org": f"small org (reference): status={FILTER}",
    "report_small_org": "small org (reference): funnel report",
}


def _summary(
    databases: dict[str, Any], met: dict[str, bool], pg: str, code: dict[str, Any]
) -> str:
    first = next(iter(databases.values()))
    lines = [
        f"# Benchmark `referrals` (demo at scale {SCALE:,}: "
        f"{first['referrals']:,} referrals, {first['organisations']:,} "
        "organisations)",
        "",
        f"Latency per request over loopback to gunicorn ({WORKERS} sync workers), "
        f"one client, a fresh connection per request; {REPEATS} requests per page, "
        "interleaved with the hello-world view, signed in through the login form "
        "as an admin of the organisation that received the most referrals (and, "
        "for reference, as an admin or practitioner of one with a handful).",
        code_line(code),
        "",
        *latency_table(databases, LABELS),
    ]
    lines += [
        "",
        "SQL queries per page, counted in process (Django test client), for the "
        "busiest organisation and for one with a handful of referrals, and the "
        "time those queries took in process:",
        "",
        "| database | page | queries, busiest org | queries, small org | equal "
        "| SQL ms, busiest org | SQL ms, small org |",
        "|---|---|---|---|---|---|---|",
    ]
    for db, figures in databases.items():
        for kind in ("list", "list_filtered", "report"):
            c = figures["query_counts"][kind]
            q = figures["queries"]
            lines.append(
                f"| {db} | {LABELS[kind]} | {c['busy']} | {c['small']} | "
                f"{'yes' if c['busy'] == c['small'] else 'NO'} | "
                f"{q['busy'][kind]['sql_ms']:.0f} | {q['small'][kind]['sql_ms']:.0f} |"
            )
    lines += [
        "",
        "The report is cached until one of the organisation's referrals changes; "
        "computing it afresh, in process (median of 5):",
        "",
        "| database | busiest org ms (queries) | small org ms (queries) |",
        "|---|---|---|",
    ]
    for db, figures in databases.items():
        q = figures["queries"]
        busy_r, small_r = q["busy"]["report_uncached"], q["small"]["report_uncached"]
        lines.append(
            f"| {db} | {busy_r['ms']:.1f} ({busy_r['queries']}) | "
            f"{small_r['ms']:.1f} ({small_r['queries']}) |"
        )
    lines += [
        "",
        "| database | busiest org (received / open / sent) | small org "
        "(received / open) | demo load |",
        "|---|---|---|---|",
    ]
    for db, figures in databases.items():
        busy = figures["organisations_measured"]["busy"]
        small = figures["organisations_measured"]["small"]
        lines.append(
            f"| {db} | {busy['name']}: {busy['received']:,} / "
            f"{busy['received_open']:,} / {busy['sent']:,} | {small['name']}: "
            f"{small['received']} / {small['received_open']} | "
            f"{figures['demo_load_seconds']:.1f} s |"
        )
    lines += ["", "Targets:"]
    for key, ok in met.items():
        lines.append(f"- {key.replace('_', ' ')}: {'met' if ok else 'NOT met'}")
    if pg:
        lines += ["", f"PostgreSQL not measured: {pg}"]
    return "\n".join(lines)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run() -> None:
    code = _code_version()
    load_before = _load()
    databases, pg_problem = on_each_database(PG_DATABASE, _database)
    met = _met(databases)
    if _code_version() != code:
        code["changed_during_run"] = True
    result = {
        "code": code,
        "scale": SCALE,
        "server": f"gunicorn, {WORKERS} sync workers, on loopback; one client, "
        "a fresh connection per request",
        "repeats": REPEATS,
        "load_average": {
            "before": load_before,
            "after": _load(),
            "cpus": os.cpu_count(),
        },
        "baseline": {"name": "hello-world Django view", "path": HELLO},
        "databases": databases,
        "targets": {"p95_ratio_max": RATIO_MAX, "query_counts": "busy == small"},
        "met": met,
    }
    if pg_problem:
        result["postgresql_not_measured"] = pg_problem
    summary = _summary(databases, met, pg_problem, code)
    summary += (
        f"\n\nLoad average (1, 5, 15 min) before the run {load_before}, after "
        f"{result['load_average']['after']}, on {os.cpu_count()} CPUs."
    )
    write_result("referrals", result, summary)
