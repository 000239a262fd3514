"""Background work: worker throughput, and what notifying costs a request.

Figures:
- no-op tasks processed per second by one `db_worker` on SQLite (and PostgreSQL when
  a server is reachable at KINDRED_BENCH_PG_URL), as a ratio to the baseline: the
  same database updating one row per task in a plain loop (the least a queue needs);
- the median latency of a request that notifies 50 people (a join request to an
  organisation with 50 admins) as a ratio to the same request notifying nobody.
  Target: under 2x, because email delivery is off the request path.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import base_env, kindred, write_result

TASKS = 2000
PG_URL = os.environ.get("KINDRED_BENCH_PG_URL", "")


ENQUEUE = f"""
import time
from benchmarks.noop_tasks import noop
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult
DBTaskResult.objects.all().delete()
with transaction.atomic():
    for _ in range({TASKS}):
        noop.enqueue()
# baseline: one row update per task, in a plain loop
ids = list(DBTaskResult.objects.values_list("id", flat=True))
started = time.perf_counter()
for pk in ids:
    with transaction.atomic():
        DBTaskResult.objects.filter(pk=pk).update(worker_ids=["baseline"])
print("BASELINE", len(ids) / (time.perf_counter() - started))
"""

LATENCY = """
import statistics, time
from django.test import Client
from kindred.accounts.models import User
from kindred.organisations.models import Membership, Organisation
crowded = Organisation.objects.create(name="Crowded", slug="crowded", kind="charity")
quiet = Organisation.objects.create(name="Quiet", slug="quiet", kind="charity")
admins = [User.objects.create_user(email=f"admin{i}@bench.org") for i in range(50)]
Membership.objects.bulk_create(
    [Membership(organisation=crowded, user=u, role="admin") for u in admins]
)
askers = [User.objects.create_user(email=f"asker{i}@bench.org") for i in range(80)]
client = Client()
times = {"crowded": [], "quiet": []}
for i, asker in enumerate(askers):
    client.force_login(asker)
    for slug in ("quiet", "crowded") if i % 2 else ("crowded", "quiet"):
        started = time.perf_counter()
        response = client.post(f"/organisations/{slug}/join/", {"message": "hi"})
        times[slug].append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
print("LATENCY", statistics.median(times["crowded"][10:]), statistics.median(times["quiet"][10:]))
"""


def _marked(output: str, mark: str) -> list[float]:
    line = next(line for line in output.splitlines() if line.startswith(mark))
    return [float(x) for x in line[len(mark) :].split()]


def _throughput(env: dict[str, str]) -> dict[str, float]:
    kindred(["migrate", "-v0"], env)
    out = kindred(["shell", "-c", ENQUEUE], env)
    baseline = _marked(out.stdout, "BASELINE")[0]
    started = time.perf_counter()
    kindred(["db_worker", "--batch", "--no-startup-delay", "--no-reload"], env)
    elapsed = time.perf_counter() - started
    rate = TASKS / elapsed
    return {
        "tasks": TASKS,
        "seconds": round(elapsed, 2),
        "tasks_per_second": round(rate, 1),
        "baseline_row_updates_per_second": round(baseline, 1),
        "ratio_to_baseline": round(rate / baseline, 3),
    }


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        secret = "bench-" + "x" * 60
        common = {
            "KINDRED_DEBUG": "0",
            "KINDRED_SECRET_KEY": secret,
            "KINDRED_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "KINDRED_SSL_REDIRECT": "0",
            "KINDRED_VAR_DIR": tmp,
            "KINDRED_EMAIL_URL": "dummymail://",
        }
        sqlite_env = base_env(
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'tasks.sqlite3'}", **common
        )
        throughput = {"sqlite": _throughput(sqlite_env)}
        if PG_URL:
            throughput["postgresql"] = _throughput(
                base_env(DATABASE_URL=PG_URL, **common)
            )
        print(json.dumps(throughput, indent=2))

        latency_env = base_env(
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'latency.sqlite3'}", **common
        )
        kindred(["migrate", "-v0"], latency_env)
        kindred(["createcachetable"], latency_env)
        kindred(["collectstatic", "--noinput", "-v0"], latency_env)
        crowded, quiet = _marked(
            kindred(["shell", "-c", LATENCY], latency_env).stdout, "LATENCY"
        )
        ratio = crowded / quiet
        met = {"notify_50_under_2x": ratio < 2.0}
        result = {
            "throughput": throughput,
            "notify_latency_seconds": {
                "notify_50": round(crowded, 4),
                "notify_none": round(quiet, 4),
            },
            "notify_latency_ratio": round(ratio, 2),
            "targets": {"notify_50_ratio_max": 2.0},
            "met": met,
        }
        lines = [
            "# Benchmark `tasks`",
            "",
            "| database | no-op tasks/s (one worker) | baseline row updates/s | ratio |",
            "|---|---|---|---|",
        ]
        for name, figures in throughput.items():
            lines.append(
                f"| {name} | {figures['tasks_per_second']:.0f} | "
                f"{figures['baseline_row_updates_per_second']:.0f} | {figures['ratio_to_baseline']:.2f} |"
            )
        lines += [
            "",
            f"Join request notifying 50 admins: {crowded * 1000:.1f} ms median; notifying "
            f"nobody: {quiet * 1000:.1f} ms; ratio {ratio:.2f} "
            f"(target under 2: {'met' if met['notify_50_under_2x'] else 'NOT met'}).",
        ]
        if not PG_URL:
            lines.append("PostgreSQL not measured: set KINDRED_BENCH_PG_URL.")
        write_result("tasks", result, "\n".join(lines))
