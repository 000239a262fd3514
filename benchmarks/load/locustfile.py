"""The mixed Kindred scenario for locust: visitors, founders and advisers.

- Visitor (anonymous): home, directory search, organisations, events, /healthz.
- Founder (signed in once, through the login form): home, search, organisation,
  event, asks, an ask, a member profile, notifications, posting asks.
- Adviser (a practitioner of one organisation, signed in once): home, search,
  the organisation's referrals, notifications, profiles, sending referrals to
  another organisation's service with the entrepreneur's consent asked in app.

Inputs (environment): KINDRED_LOAD_PLAN, the JSON file benchmarks.load.plan
wrote; KINDRED_LOAD_OUT, where every request's (name, ms, status, failed, time) is
written when locust quits; KINDRED_LOAD_WAIT, "min,max" think time in seconds.
Each simulated user sends its own X-Forwarded-For address (the benchmark server
trusts one proxy), so per-address login limits see 50 people, not one.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["KINDRED_LOAD_PLAN"]).read_text())
OUT = os.environ.get("KINDRED_LOAD_OUT", "")
_WAIT = [float(x) for x in os.environ.get("KINDRED_LOAD_WAIT", "1,3").split(",")]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ASK_URL = re.compile(r"/asks/(\d+)/$")
REFERRAL_URL = re.compile(r"/referrals/(\d+)/$")

_samples: list[tuple[str, float, int, bool, float]] = []
_acknowledged: dict[str, list[int]] = {"asks": [], "referrals": []}
_lock = threading.Lock()
_addresses = itertools.count(1)
_founders = itertools.count()
_advisers = itertools.count()


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    response: Any = None,
    exception: Any = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    _samples.append(
        (name, round(response_time, 2), status, exception is not None, time.time())
    )


@events.quitting.add_listener
def _dump(environment: Any, **_: Any) -> None:
    if OUT:
        Path(OUT).write_text(
            json.dumps({"samples": _samples, "acknowledged": _acknowledged})
        )


def _address() -> str:
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


class KindredUser(HttpUser):
    abstract = True
    wait_time = between(*_WAIT)

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-For"] = _address()
        # Production cookies are Secure; the benchmark talks plain HTTP on
        # loopback (where a TLS-terminating proxy would stand), so the client
        # keeps sending them.
        send = self.client.request

        def request(*args: Any, **kwargs: Any) -> Any:
            response = send(*args, **kwargs)
            for cookie in self.client.cookies:
                cookie.secure = False
            return response

        self.client.request = request  # type: ignore[method-assign]
        self.rng = random.Random()

    def get(self, path: str, name: str) -> Any:
        return self.client.get(path, name=name)

    def csrf_token(self, path: str, name: str) -> str | None:
        with self.client.get(path, name=name, catch_response=True) as response:
            found = CSRF.search(response.text or "")
            if response.status_code != 200 or found is None:
                response.failure(f"no form (status {response.status_code})")
                return None
            return found[1]

    def login(self, email: str) -> None:
        token = self.csrf_token("/account/login/", "GET /account/login/")
        if token is None:
            return
        with self.client.post(
            "/account/login/",
            data={
                "login": email,
                "password": PLAN["password"],
                "csrfmiddlewaretoken": token,
            },
            name="POST /account/login/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused (status {response.status_code})")

    # --- pages everyone sees --------------------------------------------------

    @task(3)
    def home(self) -> None:
        self.get("/", "/")

    @task(3)
    def search(self) -> None:
        term = self.rng.choice(PLAN["search_terms"])
        self.client.get("/directory/", params={"q": term}, name="/directory/?q=")

    @task(2)
    def organisation(self) -> None:
        slug = self.rng.choice(PLAN["organisations"])
        self.get(f"/organisations/{slug}/", "/organisations/[slug]/")

    @task(2)
    def events_calendar(self) -> None:
        self.get("/events/", "/events/")

    @task(1)
    def healthz(self) -> None:
        self.get("/healthz", "/healthz")


class Visitor(KindredUser):
    weight = 3

    @task(1)
    def organisations(self) -> None:
        self.get("/organisations/", "/organisations/")

    @task(1)
    def event(self) -> None:
        if PLAN["events"]:
            pk = self.rng.choice(PLAN["events"])
            self.get(f"/events/{pk}/", "/events/[id]/")


class Founder(KindredUser):
    weight = 5

    def on_start(self) -> None:
        super().on_start()
        founders = PLAN["founders"]
        self.email = founders[next(_founders) % len(founders)]
        self.login(self.email)

    @task(2)
    def asks(self) -> None:
        self.get("/asks/", "/asks/")

    @task(2)
    def ask(self) -> None:
        if PLAN["asks"]:
            self.get(f"/asks/{self.rng.choice(PLAN['asks'])}/", "/asks/[id]/")

    @task(2)
    def profile(self) -> None:
        pk = self.rng.choice(PLAN["profiles"])
        self.get(f"/members/{pk}/", "/members/[id]/")

    @task(2)
    def notifications(self) -> None:
        self.get("/notifications/", "/notifications/")

    @task(1)
    def event(self) -> None:
        if PLAN["events"]:
            pk = self.rng.choice(PLAN["events"])
            self.get(f"/events/{pk}/", "/events/[id]/")

    @task(1)
    def post_ask(self) -> None:
        token = self.csrf_token("/asks/new/", "GET /asks/new/")
        if token is None:
            return
        with self.client.post(
            "/asks/new/",
            data={
                "title": f"Looking for advice on {self.rng.choice(PLAN['search_terms'])}",
                "details": "We are a small team and would value a short call.",
                "kind": "advice",
                "urgency": "normal",
                "visibility": "ecosystem",
                "client_token": str(uuid.uuid4()),
                "csrfmiddlewaretoken": token,
            },
            name="POST /asks/new/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            found = ASK_URL.search(response.headers.get("Location", ""))
            if response.status_code != 302 or found is None:
                response.failure(f"ask not posted (status {response.status_code})")
            else:
                with _lock:
                    _acknowledged["asks"].append(int(found[1]))


class Adviser(KindredUser):
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        advisers = PLAN["advisers"]
        me = advisers[next(_advisers) % len(advisers)]
        self.email, self.organisation = me["email"], me["organisation"]
        self.services = [
            s["id"] for s in PLAN["services"] if s["organisation"] != self.organisation
        ]
        self.login(self.email)

    @task(2)
    def referrals(self) -> None:
        self.get("/referrals/", "/referrals/")

    @task(2)
    def notifications(self) -> None:
        self.get("/notifications/", "/notifications/")

    @task(1)
    def profile(self) -> None:
        pk = self.rng.choice(PLAN["profiles"])
        self.get(f"/members/{pk}/", "/members/[id]/")

    @task(1)
    def send_referral(self) -> None:
        service = self.rng.choice(self.services)
        token = self.csrf_token(
            f"/referrals/new/?service={service}", "GET /referrals/new/"
        )
        if token is None:
            return
        with self.client.post(
            "/referrals/new/",
            data={
                "service": service,
                "entrepreneur_email": self.rng.choice(PLAN["referred"]),
                "from_organisation": self.organisation,
                "note": "Would benefit from your programme.",
                "fields": PLAN["shared_fields"],
                "purpose": "So that they can offer the support asked for.",
                "expires_on": (
                    datetime.now(UTC).date() + timedelta(days=180)
                ).isoformat(),
                "method": "in_app",
                "client_token": str(uuid.uuid4()),
                "csrfmiddlewaretoken": token,
            },
            name="POST /referrals/new/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            found = REFERRAL_URL.search(response.headers.get("Location", ""))
            if response.status_code != 302 or found is None:
                response.failure(f"referral not sent (status {response.status_code})")
            else:
                with _lock:
                    _acknowledged["referrals"].append(int(found[1]))
