"""Member directory and home dashboard throughput at 50,000 people.

Figures: requests per second of the member directory (first page, filtered by
stage) and of the home dashboard, each as a ratio to a hello-world Django view
served by the same gunicorn in the same run; SQL queries per page at 50,000 and at
150 people (they must be equal); how long the 50,000-person demo takes to load.
Target: directory >= 25% of hello-world throughput on SQLite.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import base_env, kindred, measure_rps, server, write_result

SCALE = int(os.environ.get("KINDRED_BENCH_SCALE", 50_000))
SMALL_SCALE = 1_000  # the same pages with fewer people: query counts must match
DIRECTORY = "/members/?stage=growing"
DASHBOARD = "/"
HELLO = "/bench/hello"

QUERY_COUNT_SCRIPT = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from kindred.accounts.models import User
client = Client()
client.force_login(User.objects.get(email="founder@example.org"))
counts = {}
for path in %r:
    client.get(path)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    counts[path] = len(ctx.captured_queries)
print("COUNTS" + json.dumps(counts))
"""

SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from kindred.accounts.models import User
user = User.objects.get(email="founder@example.org")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "kindred.accounts.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print("SESSION" + session.session_key)
"""


def _marked(output: str, mark: str) -> str:
    return next(
        line[len(mark) :] for line in output.splitlines() if line.startswith(mark)
    )


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        tmp_path = Path(tmp)
        dbs = {"large": tmp_path / "large.sqlite3", "small": tmp_path / "small.sqlite3"}
        secret = secrets.token_urlsafe(50)
        envs = {}
        load_seconds = {}
        for label, db in dbs.items():
            dev = base_env(
                DATABASE_URL=f"sqlite:///{db}", KINDRED_DEBUG="1", KINDRED_VAR_DIR=tmp
            )
            kindred(["migrate", "-v0"], dev)
            kindred(["createcachetable"], dev)
            scale = SCALE if label == "large" else SMALL_SCALE
            started = time.perf_counter()
            kindred(["demo", "--scale", str(scale), "--seed", "7"], dev)
            load_seconds[label] = round(time.perf_counter() - started, 1)
            envs[label] = base_env(
                DATABASE_URL=f"sqlite:///{db}",
                KINDRED_DEBUG="0",
                KINDRED_SECRET_KEY=secret,
                KINDRED_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                KINDRED_SSL_REDIRECT="0",
                KINDRED_URLCONF="benchmarks.urls",
                KINDRED_VAR_DIR=tmp,
            )
        print(f"demo loaded: {load_seconds}")
        kindred(["collectstatic", "--noinput", "-v0"], envs["large"])

        queries = {}
        for label, env in envs.items():
            out = kindred(
                ["shell", "-c", QUERY_COUNT_SCRIPT % ([DIRECTORY, DASHBOARD],)], env
            )
            queries[label] = json.loads(_marked(out.stdout, "COUNTS"))
        print(f"queries per page: {queries}")

        env = envs["large"]
        cookie = "sessionid=" + _marked(
            kindred(["shell", "-c", SESSION_SCRIPT], env).stdout, "SESSION"
        )
        rounds: dict[str, list[float]] = {"hello": [], "directory": [], "dashboard": []}
        raw = []
        with server(env, workers=2) as port:
            for _ in range(3):  # alternate, so noise hits every page alike
                for name, path in (
                    ("hello", HELLO),
                    ("directory", DIRECTORY),
                    ("dashboard", DASHBOARD),
                ):
                    figures = measure_rps(port, path, cookie=cookie, seconds=5)
                    if figures["errors"]:
                        raise RuntimeError(
                            f"{path}: {figures['errors']} failed requests"
                        )
                    rounds[name].append(figures["rps"])
                    raw.append({"page": name, "path": path, **figures})
        rps = {name: statistics.median(values) for name, values in rounds.items()}
        ratio_directory = rps["directory"] / rps["hello"]
        ratio_dashboard = rps["dashboard"] / rps["hello"]
        independent = queries["large"] == queries["small"]
        targets = {
            "directory_ratio_min": 0.25,
            "queries_independent_of_members": True,
        }
        met = {
            "directory_ratio": ratio_directory >= 0.25,
            "queries_independent_of_members": independent,
        }
        result = {
            "scale": SCALE,
            "database": "sqlite",
            "server": "gunicorn, 2 sync workers, on loopback; client: 4 keep-alive threads",
            "demo_load_seconds": load_seconds,
            "requests_per_second_median": rps,
            "baseline": {"name": "hello-world Django view", "rps": rps["hello"]},
            "ratios_to_hello_world": {
                "directory": round(ratio_directory, 3),
                "dashboard": round(ratio_dashboard, 3),
            },
            "queries_per_page": queries,
            "rounds": raw,
            "targets": targets,
            "met": met,
        }
        summary = "\n".join(
            [
                f"# Benchmark `members` ({SCALE:,} people, SQLite)",
                "",
                f"| page | req/s (median of 3) | ratio to hello world | queries @{SMALL_SCALE:,} | queries @{SCALE:,} |",
                "|---|---|---|---|---|",
                f"| hello world (baseline) | {rps['hello']:.0f} | 1.00 | - | - |",
                f"| member directory `{DIRECTORY}` | {rps['directory']:.0f} | {ratio_directory:.2f} | {queries['small'][DIRECTORY]} | {queries['large'][DIRECTORY]} |",
                f"| home dashboard `/` | {rps['dashboard']:.0f} | {ratio_dashboard:.2f} | {queries['small'][DASHBOARD]} | {queries['large'][DASHBOARD]} |",
                "",
                f"Demo load: {load_seconds['large']} s for {SCALE:,} people "
                f"({load_seconds['small']} s for {SMALL_SCALE:,}).",
                f"Target directory >= 0.25 of hello world: {'met' if met['directory_ratio'] else 'NOT met'}; "
                f"query count independent of members: {'met' if independent else 'NOT met'}.",
            ]
        )
        write_result("members", result, summary)
