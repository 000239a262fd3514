"""Directory search, the navigator and HSDS import at 50,000 people.

Figures, on SQLite and on PostgreSQL, with the demo loaded at --scale 50,000
(20,000 services, 2,000 organisations):
- search latency (p50/p95 over 20 varied queries with facets, each requested
  several times) for an anonymous visitor, for a signed-in member and for the
  htmx results partial, and for the "people who can help" panel that a signed-in
  member's results page loads right after the results;
- navigator latency (p50/p95 over 10 varied needs), signed in through the login
  form as the demo founder;
- each as a ratio to a hello-world Django view timed the same way, interleaved,
  against the same gunicorn in the same run;
- the first search a fresh worker answers (it builds the in-memory index), and
  the index build measured in process;
- `kindred import-hsds` of 20,000 generated HSDS 3.0 services (500 organisations)
  into an empty database, end to end, and a second import of the same file
  (updates in place).
Targets: search p95 under 10x hello-world p95; import of 20,000 services under
60 seconds.

PostgreSQL: the server at KINDRED_BENCH_PG_URL (default: the local cluster with
the `kindred`/`kindred` role that CI creates); throwaway databases are created
and dropped. Without a reachable server only SQLite is measured.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from benchmarks.common import (
    ROOT,
    base_env,
    code_line,
    kindred,
    latency_table,
    server,
    write_result,
)

SCALE = int(os.environ.get("KINDRED_BENCH_SCALE", 50_000))
IMPORT_SERVICES = int(os.environ.get("KINDRED_BENCH_IMPORT_SERVICES", 20_000))
IMPORT_ORGANISATIONS = max(1, IMPORT_SERVICES // 40)
REPEATS = int(os.environ.get("KINDRED_BENCH_REPEATS", 6))
PG_URL = os.environ.get(
    "KINDRED_BENCH_PG_URL", "postgres://kindred:kindred@127.0.0.1:5432/postgres"
)
PG_DATABASES = {"demo": "kindred_bench_search", "import": "kindred_bench_search_imp"}
WORKERS = 2
HELLO = "/bench/hello"
LOGIN = ("founder@example.org", "kindred-demo")
SEARCH_P95_RATIO_MAX = 10.0
IMPORT_SECONDS_MAX = 60.0

# Facet values are slugs here; sectors and regions become their ids at run time.
SEARCH_QUERIES: list[dict[str, str]] = [
    {"q": "mentoring"},
    {"q": "mentering"},  # typo
    {"q": "cash flow", "stage": "start_up"},
    {"q": "grants", "cost": "free"},
    {"q": "export", "delivery": "in_person"},
    {"q": "workshop", "region": "north-east"},
    {"q": "marketing", "sector": "creative-industries"},
    {"q": "accelerator", "kind": "accelerator"},
    {"q": "", "stage": "growing", "delivery": "online"},
    {"q": "bookkeeping", "what": "services"},
    {"q": "university", "what": "organisations"},
    {"q": "net zero", "cost": "paid"},
    {"q": "mindfulness wellbeing", "delivery": "hybrid"},
    {"q": "recruiting first employee", "stage": "start_up", "what": "services"},
    {"q": "tax vat", "region": "london", "cost": "free"},
    {"q": "cyber securty"},  # typo
    {"q": "investor", "stage": "growing", "kind": "accelerator"},
    {"q": "peer group", "sector": "manufacturing", "region": "north-east"},
    {"q": "", "topic": "loans-and-grants", "stage": "pre_start"},
    {"q": "pricing masterclass", "kind": "business_adviser", "what": "services"},
]
# Topics are slugs here and become ids at run time.
NAVIGATOR_NEEDS: list[dict[str, Any]] = [
    {"stage": "start_up", "topics": ["cash-flow-forecasting"], "urgency": "now"},
    {"stage": "idea", "topics": ["business-planning", "validating-an-idea"]},
    {
        "stage": "growing",
        "topics": ["recruiting-and-hiring", "employment-law-and-hr"],
        "urgency": "soon",
        "delivery": "online",
    },
    {"stage": "pre_start", "topics": ["loans-and-grants"], "urgency": "exploring"},
    {
        "stage": "established",
        "topics": ["exporting-and-international-trade"],
        "delivery": "in_person",
    },
    {
        "stage": "start_up",
        "topics": [],
        "text": "I can't sleep, the business is too much and I need someone to talk to",
    },
    {
        "stage": "growing",
        "topics": ["raising-equity-investment", "public-speaking-and-pitching"],
        "text": "pitch to investors",
    },
    {
        "stage": "start_up",
        "topics": ["mentoring", "networking", "coaching"],
        "urgency": "now",
        "delivery": "online",
    },
    {"stage": "established", "topics": [], "text": "net zero energy costs"},
    {
        "stage": "growing",
        "topics": ["digital-marketing-and-social-media", "branding", "pricing"],
        "urgency": "exploring",
    },
]

IDS_SCRIPT = """
import json
from kindred.core.models import Region, Sector, Topic
print("IDS" + json.dumps({
    "topic": dict(Topic.objects.values_list("slug", "pk")),
    "sector": {s: str(pk) for s, pk in Sector.objects.values_list("slug", "pk")},
    "region": {s: str(pk) for s, pk in Region.objects.values_list("slug", "pk")},
}))
"""

# The index is built on the first search in each process: time a cold search and
# then the same search warm, in process, without HTTP.
INDEX_SCRIPT = """
import json, time
from django.contrib.auth.models import AnonymousUser
from kindred.directory import selectors
from kindred.directory.models import Service
query = selectors.SearchQuery(q="mentoring")
selectors.reset_index()
started = time.perf_counter()
selectors.search(AnonymousUser(), query)
cold = time.perf_counter() - started
warm = []
for _ in range(5):
    started = time.perf_counter()
    selectors.search(AnonymousUser(), query)
    warm.append(time.perf_counter() - started)
print("INDEX" + json.dumps({
    "services": Service.objects.count(),
    "cold_search_seconds": cold,
    "warm_search_seconds": sorted(warm)[2],
}))
"""


def _marked(output: str, mark: str) -> Any:
    line = next(line for line in output.splitlines() if line.startswith(mark))
    return json.loads(line[len(mark) :])


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "samples": len(samples),
        "p50_ms": _ms(statistics.median(samples)),
        "p95_ms": _ms(cuts[94]),
        "max_ms": _ms(max(samples)),
    }


# --- HTTP -------------------------------------------------------------------


def _get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[float, int, str]:
    """One timed GET on a fresh connection (gunicorn's sync workers close it)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    return elapsed, response.status, body.decode("utf-8", "replace")


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.msg.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _login(port: int) -> str:
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
    email, password = LOGIN
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
        raise RuntimeError(f"login refused: status {response.status}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _warm_up(port: int, requests: list[tuple[str, dict[str, str]]]) -> None:
    """Send every request from one thread per worker, twice over.

    A sync worker serves one request at a time, so with a request in flight per
    worker every worker gets some: each builds its search index here, untimed.
    """
    errors: list[str] = []

    def worker() -> None:
        for _ in range(2):
            for path, headers in requests:
                _elapsed, status, _body = _get(port, path, headers)
                if status != 200:
                    errors.append(f"{path}: {status}")

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"warm-up failed: {errors[:3]}")


RESULTS_COUNT = re.compile(r'id="results-count">\s*([\d,]+)')


def _paths(ids: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    search = []
    for query in SEARCH_QUERIES:
        params = {
            k: ids[k][v] if k in ("sector", "region") else v for k, v in query.items()
        }
        search.append("/directory/?" + urlencode(params))
    navigator = []
    for needs in NAVIGATOR_NEEDS:
        params: list[tuple[str, Any]] = [
            ("stage", needs["stage"]),
            ("urgency", needs.get("urgency", "soon")),
            ("delivery", needs.get("delivery", "either")),
        ]
        params += [("topics", ids["topic"][slug]) for slug in needs["topics"]]
        if needs.get("text"):
            params.append(("text", needs["text"]))
        navigator.append("/navigator/?" + urlencode(params))
    return search, navigator


def _measure_pages(port: int, ids: dict[str, dict[str, Any]]) -> dict[str, Any]:
    search_paths, navigator_paths = _paths(ids)
    started = time.perf_counter()
    elapsed, status, _body = _get(port, search_paths[0])
    if status != 200:
        raise RuntimeError(f"first search: status {status}")
    cold_first = elapsed
    print(f"  first search (cold worker): {_ms(cold_first)} ms")
    cookie = _login(port)
    signed_in = {"Cookie": cookie}
    htmx = {"HX-Request": "true"}
    kinds: dict[str, tuple[list[str], dict[str, str]]] = {
        "search_anonymous": (search_paths, {}),
        "search_signed_in": (search_paths, signed_in),
        "search_htmx_partial": (search_paths, htmx),
        "people_panel": (
            [p.replace("/directory/?", "/directory/people/?", 1) for p in search_paths],
            {**signed_in, **htmx},
        ),
        "navigator": (navigator_paths, signed_in),
    }
    _warm_up(
        port,
        [(HELLO, {})] + [(p, h) for paths, h in kinds.values() for p in paths],
    )
    samples: dict[str, list[float]] = {"hello": [], **{k: [] for k in kinds}}
    totals: dict[str, str] = {}
    suggestions: dict[str, int] = {}
    for repeat in range(REPEATS):
        for i in range(len(SEARCH_QUERIES)):
            order = ["hello", *kinds]
            if repeat % 2:  # alternate the order so drift hits every page alike
                order.reverse()
            for kind in order:
                if kind == "hello":
                    path, headers = HELLO, {}
                else:
                    paths, headers = kinds[kind]
                    path = paths[i % len(paths)]
                elapsed, status, body = _get(port, path, headers)
                if status != 200:
                    raise RuntimeError(f"{kind} {path}: status {status}")
                samples[kind].append(elapsed)
                if kind == "search_anonymous" and repeat == 0:
                    found = RESULTS_COUNT.search(body)
                    totals[path] = found[1] if found else "?"
                if kind == "navigator" and repeat == 0:
                    suggestions[path] = body.count('<li class="list-group-item">')
    figures = {kind: _percentiles(values) for kind, values in samples.items()}
    hello = figures["hello"]
    for values in figures.values():
        values["ratio_p50"] = round(values["p50_ms"] / hello["p50_ms"], 2)
        values["ratio_p95"] = round(values["p95_ms"] / hello["p95_ms"], 2)
    print(f"  measured in {time.perf_counter() - started:.0f} s")
    return {
        "latency": figures,
        "cold_first_search_ms": _ms(cold_first),
        "results_per_query": totals,
        "navigator_items_per_needs": suggestions,
    }


# --- databases --------------------------------------------------------------


def _serve_env(url: str, tmp: str) -> dict[str, str]:
    return base_env(
        DATABASE_URL=url,
        KINDRED_DEBUG="0",
        KINDRED_SECRET_KEY="bench-" + "x" * 60,
        KINDRED_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        KINDRED_SSL_REDIRECT="0",
        KINDRED_URLCONF="benchmarks.urls",
        KINDRED_VAR_DIR=tmp,
        KINDRED_EMAIL_URL="dummymail://",
    )


def _directory(label: str, url: str, tmp: str) -> dict[str, Any]:
    """Load the demo into `url`, then time search and the navigator over HTTP."""
    dev = base_env(DATABASE_URL=url, KINDRED_DEBUG="1", KINDRED_VAR_DIR=tmp)
    kindred(["migrate", "-v0"], dev)
    kindred(["createcachetable"], dev)
    started = time.perf_counter()
    kindred(["demo", "--scale", str(SCALE), "--seed", "7"], dev)
    load = round(time.perf_counter() - started, 1)
    print(f"{label}: demo at scale {SCALE:,} loaded in {load} s")
    env = _serve_env(url, tmp)
    ids = _marked(kindred(["shell", "-c", IDS_SCRIPT], env).stdout, "IDS")
    index = _marked(kindred(["shell", "-c", INDEX_SCRIPT], env).stdout, "INDEX")
    print(f"  index in process: {index}")
    with server(env, workers=WORKERS) as port:
        pages = _measure_pages(port, ids)
    return {
        "demo_load_seconds": load,
        "services": index["services"],
        "index_build_in_process_seconds": round(
            index["cold_search_seconds"] - index["warm_search_seconds"], 2
        ),
        "search_in_process_warm_ms": _ms(index["warm_search_seconds"]),
        **pages,
    }


def _hsds_file(path: Path) -> None:
    """Write IMPORT_SERVICES valid HSDS 3.0 services over IMPORT_ORGANISATIONS."""
    rng = random.Random(7)

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    topics = [
        ("mentoring", "Mentoring"),
        ("cash-flow-forecasting", "Cash-flow forecasting"),
        ("loans-and-grants", "Loans and grants"),
        ("business-planning", "Business planning"),
        ("digital-marketing-and-social-media", "Digital marketing"),
        ("exporting-and-international-trade", "Exporting"),
        ("recruiting-and-hiring", "Recruiting and hiring"),
        ("net-zero-and-sustainability", "Net zero"),
        ("tax-and-vat", "Tax and VAT"),
        ("founder-mental-health", "Founder mental health"),
    ]
    formats = ["clinic", "workshop", "masterclass", "peer group", "toolkit"]
    places = ["Northshire", "Riverton", "Eastmoor", "Westfield", "Hillcrest"]
    organisations = []
    for n in range(IMPORT_ORGANISATIONS):
        place = places[n % len(places)]
        organisations.append(
            {
                "id": new_id(),
                "name": f"{place} Enterprise Partnership {n}",
                "description": f"Business support for firms in and around {place}.",
                "email": f"hello@partnership{n}.example.org",
                "website": f"https://partnership{n}.example.org",
            }
        )
    services = []
    for i in range(IMPORT_SERVICES):
        org = organisations[i % len(organisations)]
        slug, topic = topics[rng.randrange(len(topics))]
        fmt = formats[rng.randrange(len(formats))]
        paid = rng.random() < 0.3
        service: dict[str, Any] = {
            "id": new_id(),
            "name": f"{topic} {fmt} {i}",
            "description": f"A {fmt} on {topic.lower()} for small businesses, run by "
            f"{org['name']}.",
            "url": f"{org['website']}/services/{i}",
            "email": org["email"],
            "status": "active",
            "application_process": "Email us; we reply within three working days.",
            "last_modified": "2024-05-01T09:00:00Z",
            "organization": {
                "id": org["id"],
                "name": org["name"],
                "description": org["description"],
            },
            "phones": [{"id": new_id(), "number": f"+44 191 {i:07d}"}],
            "attributes": [
                {
                    "id": new_id(),
                    "taxonomy_term": {
                        "id": new_id(),
                        "code": slug,
                        "name": topic,
                        "description": f"Support with {topic.lower()}.",
                        "taxonomy": "Kindred business-support topics",
                    },
                },
                {
                    "id": new_id(),
                    "taxonomy_term": {
                        "id": new_id(),
                        "code": f"BD-{i % 40}",
                        "name": f"Open eligibility term {i % 40}",
                        "description": "A term of another taxonomy.",
                        "taxonomy": "Open Eligibility",
                    },
                },
            ],
        }
        if paid:
            service["fees_description"] = "£40 a session"
        services.append(service)
    path.write_text(json.dumps(services))


def _import(label: str, url: str, tmp: str, file: Path) -> dict[str, Any]:
    """Time `kindred import-hsds` into an empty (migrated) database, then the same
    file again (nothing to change) and a copy where every service changed."""
    env = _serve_env(url, tmp)
    kindred(["migrate", "-v0"], env)
    changed_file = file.with_name("services-changed.json")
    if not changed_file.exists():
        services = json.loads(file.read_text())
        for service in services:
            service["description"] += " Updated this month."
        changed_file.write_text(json.dumps(services))
    figures: dict[str, Any] = {}
    for run, key, source in (
        ("first", "created", file),
        ("again", "unchanged", file),
        ("changed", "updated", changed_file),
    ):
        started = time.perf_counter()
        try:
            out = kindred(["import-hsds", "--json", str(source)], env, timeout=3600)
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"{label} import: {error.stderr[-2000:]}") from None
        elapsed = time.perf_counter() - started
        report, _end = json.JSONDecoder().raw_decode(out.stdout)
        count = report[key].get("services", 0)
        if count != IMPORT_SERVICES:
            raise RuntimeError(f"{label} import ({run}): {out.stdout[-500:]}")
        figures[f"{run}_seconds"] = round(elapsed, 1)
        figures[f"{run}_services_per_second"] = round(count / elapsed)
        figures[f"{run}_report"] = {
            "created": report["created"],
            "updated": report["updated"],
            "unchanged": report["unchanged"],
            "warnings": len(report["warnings"]),
        }
        last = out.stdout.strip().splitlines()[-1]
        print(f"{label}: import-hsds ({run}) {elapsed:.1f} s: {last}")
    return figures


def _pg_admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _pg_url(name: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_reachable() -> str:
    """'' when the PostgreSQL server answers, else why not."""
    try:
        with _pg_admin(PG_URL) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return str(error).strip().splitlines()[0]
    return ""


def _pg_recreate(name: str, *, drop_only: bool = False) -> None:
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def on_each_database(
    pg_database: str,
    measure: Callable[[str, str, str], dict[str, Any]],
    *,
    static: bool = True,
) -> tuple[dict[str, Any], str]:
    """Run `measure(label, url, tmp)` on a throwaway SQLite database and, when a
    server is reachable, on a throwaway PostgreSQL database `pg_database` (dropped
    afterwards), sharing one temporary directory (with collected static files when
    `static`). Return the figures by label and why PostgreSQL was not measured."""
    pg_problem = _pg_reachable()
    if pg_problem:
        print(f"PostgreSQL not measured: {pg_problem}")
    databases: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        tmp_path = Path(tmp)
        if static:
            kindred(
                ["collectstatic", "--noinput", "-v0"],
                _serve_env(f"sqlite:///{tmp_path / 'static.sqlite3'}", tmp),
            )
        targets = {"sqlite": (f"sqlite:///{tmp_path / 'demo.sqlite3'}", False)}
        if not pg_problem:
            targets["postgresql"] = (_pg_url(pg_database), True)
        try:
            for db, (url, is_pg) in targets.items():
                if is_pg:
                    _pg_recreate(pg_database)
                databases[db] = measure(db, url, tmp)
        finally:
            if not pg_problem:
                _pg_recreate(pg_database, drop_only=True)
    return databases, pg_problem


# --- the benchmark ----------------------------------------------------------


def _code_version() -> dict[str, Any]:
    """The commit measured: others may edit the code while a run goes on."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "kindred_changed_since_commit": bool(git("status", "--porcelain", "kindred")),
    }


def _met(databases: dict[str, Any], imports: dict[str, Any]) -> dict[str, bool]:
    met = {}
    for db, figures in databases.items():
        latency = figures["latency"]
        for kind in ("search_anonymous", "search_signed_in"):
            met[f"{kind}_p95_under_10x_{db}"] = (
                latency[kind]["ratio_p95"] < SEARCH_P95_RATIO_MAX
            )
    for db, figures in imports.items():
        met[f"import_under_60s_{db}"] = figures["first_seconds"] < IMPORT_SECONDS_MAX
    return met


def _summary(
    databases: dict[str, Any],
    imports: dict[str, Any],
    met: dict[str, bool],
    pg: str,
    code: dict[str, Any],
) -> str:
    labels = {
        "hello": "hello world (baseline)",
        "search_anonymous": "search, anonymous",
        "search_signed_in": "search, signed in",
        "search_htmx_partial": "search, htmx results partial",
        "people_panel": "people who can help (panel loaded after the results)",
        "navigator": "navigator, signed in",
    }
    lines = [
        f"# Benchmark `search` (demo at scale {SCALE:,}: "
        f"{next(iter(databases.values()))['services']:,} services)",
        "",
        f"Latency per request over loopback to gunicorn ({WORKERS} sync workers), "
        f"one client; search: {len(SEARCH_QUERIES)} queries with facets x "
        f"{REPEATS}; navigator: {len(NAVIGATOR_NEEDS)} needs; interleaved with "
        "the hello-world view.",
        code_line(code),
        "",
        *latency_table(databases, labels),
    ]
    lines += [
        "",
        "| database | first search, cold worker | index build (in process) | "
        "demo load |",
        "|---|---|---|---|",
    ]
    for db, figures in databases.items():
        lines.append(
            f"| {db} | {figures['cold_first_search_ms'] / 1000:.2f} s | "
            f"{figures['index_build_in_process_seconds']:.2f} s | "
            f"{figures['demo_load_seconds']:.1f} s |"
        )
    lines += [
        "",
        f"| database | import {IMPORT_SERVICES:,} HSDS services (empty database) "
        "| the same file again (nothing changes) | every service changed |",
        "|---|---|---|---|",
    ]
    for db, figures in imports.items():
        lines.append(
            f"| {db} | {figures['first_seconds']:.1f} s "
            f"({figures['first_services_per_second']:,}/s) | "
            f"{figures['again_seconds']:.1f} s "
            f"({figures['again_services_per_second']:,}/s) | "
            f"{figures['changed_seconds']:.1f} s "
            f"({figures['changed_services_per_second']:,}/s) |"
        )
    lines += ["", "Targets:"]
    for key, ok in met.items():
        lines.append(f"- {key.replace('_', ' ')}: {'met' if ok else 'NOT met'}")
    if pg:
        lines += ["", f"PostgreSQL not measured: {pg}"]
    return "\n".join(lines)


def run() -> None:
    code = _code_version()
    pg_problem = _pg_reachable()
    if pg_problem:
        print(f"PostgreSQL not measured: {pg_problem}")
    databases: dict[str, Any] = {}
    imports: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        tmp_path = Path(tmp)
        kindred(
            ["collectstatic", "--noinput", "-v0"],
            _serve_env(f"sqlite:///{tmp_path / 'static.sqlite3'}", tmp),
        )
        hsds_file = tmp_path / "services.json"
        _hsds_file(hsds_file)
        targets = {"sqlite": (f"sqlite:///{tmp_path / 'demo.sqlite3'}", None)}
        import_targets = {"sqlite": (f"sqlite:///{tmp_path / 'import.sqlite3'}", None)}
        if not pg_problem:
            targets["postgresql"] = (_pg_url(PG_DATABASES["demo"]), "demo")
            import_targets["postgresql"] = (_pg_url(PG_DATABASES["import"]), "import")
        try:
            for db, (url, pg_name) in targets.items():
                if pg_name:
                    _pg_recreate(PG_DATABASES[pg_name])
                databases[db] = _directory(db, url, tmp)
            for db, (url, pg_name) in import_targets.items():
                if pg_name:
                    _pg_recreate(PG_DATABASES[pg_name])
                imports[db] = _import(db, url, tmp, hsds_file)
        finally:
            if not pg_problem:
                for name in PG_DATABASES.values():
                    _pg_recreate(name, drop_only=True)
    met = _met(databases, imports)
    if _code_version() != code:
        code["changed_during_run"] = True
    result = {
        "code": code,
        "scale": SCALE,
        "server": f"gunicorn, {WORKERS} sync workers, on loopback; one client, "
        "a fresh connection per request",
        "queries": {
            "search": SEARCH_QUERIES,
            "navigator": NAVIGATOR_NEEDS,
            "repeats": REPEATS,
        },
        "baseline": {"name": "hello-world Django view", "path": HELLO},
        "databases": databases,
        "import_hsds": {
            "services": IMPORT_SERVICES,
            "organisations": IMPORT_ORGANISATIONS,
            **imports,
        },
        "targets": {
            "search_p95_ratio_max": SEARCH_P95_RATIO_MAX,
            "import_seconds_max": IMPORT_SECONDS_MAX,
        },
        "met": met,
    }
    if pg_problem:
        result["postgresql_not_measured"] = pg_problem
    write_result("search", result, _summary(databases, imports, met, pg_problem, code))
