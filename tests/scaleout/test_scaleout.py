"""Scale-out mode end to end: PostgreSQL, Redis, two web processes, two workers.

Run by .ci/run, which starts redis-server and PostgreSQL and sets
KINDRED_SCALEOUT_REDIS_URL and KINDRED_SCALEOUT_DATABASE_URL; skipped otherwise.
A scripted scenario goes through both web processes; every task must be done
exactly once and every recurring job must start once per period.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("KINDRED_SCALEOUT_REDIS_URL", "")
DATABASE_URL = os.environ.get("KINDRED_SCALEOUT_DATABASE_URL", "")
KINDRED = [sys.executable, "-m", "kindred.cli"]

pytestmark = pytest.mark.skipif(
    not (REDIS_URL and DATABASE_URL),
    reason="needs KINDRED_SCALEOUT_REDIS_URL and KINDRED_SCALEOUT_DATABASE_URL",
)

SEED = r"""
import json
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from kindred.accounts.models import User
from kindred.accounts.services import create_api_token
from kindred.organisations.models import Membership, Organisation
org = Organisation.objects.create(
    name="Scale Hub", slug="scale-hub", kind="public_agency"
)
tokens = {"admins": [], "askers": []}
for i in range(3):
    admin = User.objects.create_user(email=f"admin{i}@scale.example.org")
    TOTP.activate(admin, generate_totp_secret())
    Membership.objects.create(organisation=org, user=admin, role="admin")
    tokens["admins"].append(create_api_token(by=admin, name="scale")[1])
for i in range(20):
    asker = User.objects.create_user(email=f"asker{i}@scale.example.org")
    tokens["askers"].append(create_api_token(by=asker, name="scale")[1])
print("TOKENS" + json.dumps(tokens))
"""

STATE = r"""
import json
from kindred.core.models import ScheduledRun
from kindred.notifications.models import Notification
from kindred.organisations.models import JoinRequest, Membership
runs = list(ScheduledRun.objects.values_list("job", "period"))
print("STATE" + json.dumps({
    "join_requests": JoinRequest.objects.count(),
    "members": Membership.objects.filter(organisation__slug="scale-hub").count(),
    "notifications": Notification.objects.count(),
    "emailed": Notification.objects.filter(emailed_at__isnull=False).count(),
    "runs": len(runs),
    "distinct_runs": len(set(runs)),
}))
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kindred(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*KINDRED, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _marked(output: str, mark: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith(mark))
    return json.loads(line[len(mark) :])


def _call(
    port: int,
    method: str,
    path: str,
    token: str,
    body: dict | None = None,
    key: str = "",
) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body or {}).encode(),
        method=method,
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, json.loads(response.read() or b"{}")


def _wait_for_health(port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"web process on {port} did not start")


def test_two_web_processes_and_two_workers_do_every_task_once(tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KINDRED_", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=DATABASE_URL,
        KINDRED_REDIS_URL=REDIS_URL,
        KINDRED_DEBUG="0",
        KINDRED_SECRET_KEY="scale-out-test-" + "s" * 50,
        KINDRED_ALLOWED_HOSTS="127.0.0.1,localhost",
        KINDRED_SSL_REDIRECT="0",
        KINDRED_VAR_DIR=str(tmp_path),
        KINDRED_EMAIL_URL=f"filemail:///{mail_dir}",
        KINDRED_API_ADDRESS_RATE="100000/minute",
    )
    _kindred(env, "migrate", "--noinput", "-v0")
    _kindred(env, "collectstatic", "--noinput", "-v0")
    tokens = _marked(_kindred(env, "shell", "-c", SEED), "TOKENS")

    ports = [_free_port(), _free_port()]
    with ExitStack() as stack:
        processes = []
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [*KINDRED, "serve", "--port", str(port), "--workers", "1"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [*KINDRED, "worker"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for process in processes:
            stack.callback(process.wait, 20)
            stack.callback(process.terminate)
        for port in ports:
            _wait_for_health(port)

        base = "/api/v1/organisations/scale-hub/join-requests"
        for i, asker in enumerate(tokens["askers"]):
            first_web, other_web = ports[i % 2], ports[(i + 1) % 2]
            status, created = _call(
                first_web, "POST", base, asker, {"message": f"#{i}"}, key=f"ask-{i}"
            )
            assert status == 201
            # The client retries on the other web process with the same key.
            status, replayed = _call(
                other_web, "POST", base, asker, {"message": f"#{i}"}, key=f"ask-{i}"
            )
            assert status == 201 and replayed == created
            admin = tokens["admins"][i % 3]
            status, _ = _call(
                other_web,
                "POST",
                f"{base}/{created['id']}/decision",
                admin,
                {"approve": True},
            )
            assert status == 200

        expected_notifications = 20 * 3 + 20  # 3 admins per request, 1 per decision
        deadline = time.time() + 120
        while time.time() < deadline:
            state = _marked(_kindred(env, "shell", "-c", STATE), "STATE")
            if state["emailed"] >= expected_notifications:
                break
            time.sleep(2)
        time.sleep(3)  # let any duplicate delivery show itself
        state = _marked(_kindred(env, "shell", "-c", STATE), "STATE")

    assert state["join_requests"] == 20
    assert state["members"] == 3 + 20
    assert state["notifications"] == expected_notifications
    assert state["emailed"] == expected_notifications
    sent = sum(
        len(re.findall(r"^Message-ID:", path.read_text(errors="replace"), re.MULTILINE))
        for path in mail_dir.iterdir()
    )
    assert sent == expected_notifications  # each email once, by one of two workers
    assert state["runs"] == state["distinct_runs"] > 0  # one start per job and period
