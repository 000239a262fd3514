"""Shared machinery for benchmarks: servers, load, results."""

from __future__ import annotations

import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
KINDRED = str(ROOT / ".venv" / "bin" / "kindred")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kindred(
    args: list[str], env: dict[str, str], **kwargs: Any
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KINDRED, *args],
        env=env,
        check=True,
        cwd=ROOT,
        text=True,
        capture_output=True,
        **kwargs,
    )


@contextmanager
def server(env: dict[str, str], *, workers: int = 2) -> Iterator[int]:
    """Run `kindred serve` (gunicorn) on a free loopback port until the block ends.

    Its log (one line per request) goes to a file: a pipe nobody reads fills up
    and blocks the workers.
    """
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in finally)
    process = subprocess.Popen(
        [
            KINDRED,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            "1",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            log.seek(0)
            raise RuntimeError("the server did not start:\n" + log.read()[-2000:])
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def measure_rps(
    port: int,
    path: str,
    *,
    cookie: str = "",
    seconds: float = 8.0,
    concurrency: int = 4,
) -> dict[str, float]:
    """Requests per second over keep-alive connections, bounded in time and count."""
    headers = {"Cookie": cookie} if cookie else {}
    counts = [0] * concurrency
    errors = [0] * concurrency
    stop_at = time.perf_counter() + seconds
    max_requests = 200_000

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at and sum(counts) < max_requests:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[index] += 1
                else:
                    errors[index] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    # warm-up
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(5):
        warm.request("GET", path, headers=headers)
        warm.getresponse().read()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": sum(counts),
        "errors": sum(errors),
        "seconds": round(elapsed, 2),
        "rps": round(sum(counts) / elapsed, 1),
    }


def write_result(name: str, result: dict[str, Any], summary: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        **result,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(summary + "\n")
    print(summary)


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDRED_")}
    env.pop("DATABASE_URL", None)
    env.update(extra)
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


def python() -> str:
    return sys.executable


def code_line(code: dict[str, Any]) -> str:
    """The results' "Code: commit …" line, saying if the code was not committed."""
    return (
        f"Code: commit {code['commit']}"
        + (" with uncommitted changes" if code["kindred_changed_since_commit"] else "")
        + (
            "; the code changed during the run"
            if code.get("changed_during_run")
            else ""
        )
        + "."
    )


def latency_table(databases: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """Markdown rows of p50/p95 and their ratios to hello-world, per database."""
    lines = [
        "| database | page | p50 ms | p95 ms | p50 / hello | p95 / hello |",
        "|---|---|---|---|---|---|",
    ]
    for db, figures in databases.items():
        for kind, label in labels.items():
            f = figures["latency"][kind]
            lines.append(
                f"| {db} | {label} | {f['p50_ms']:.1f} | {f['p95_ms']:.1f} | "
                f"{f['ratio_p50']:.2f} | {f['ratio_p95']:.2f} |"
            )
    return lines
