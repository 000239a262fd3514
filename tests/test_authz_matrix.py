"""The authorisation matrix: every named route and every API operation, for every
role, on an object of their own, of their organisation and of another one.

The cases are generated from the URL configuration and the OpenAPI schema; each
needs a row in tests/authz_policy.py, so a new route without a declared policy
fails here by name. Each case runs inside a transaction that is rolled back,
so allowed writes do not change the shared world; forbidden requests must not
write at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from tests.authz_policy import (
    API,
    MISMATCHES,
    OUT_OF_SCOPE_PREFIXES,
    PAGES,
    ROLES,
    SIGNED_IN,
    Rule,
)
from tests.conftest import make_person

# Each case runs in its own rolled-back transaction on top of the module's world.
pytestmark = pytest.mark.django_db

MISSING_ID = "987654"
MISSING_SLUG = "no-such-thing"
MISSING_STR = "no-such-token"
# Tables a refused request may still write: the session, the cache and the
# security log.
WRITABLE_WHEN_REFUSED = (
    "django_session",
    "kindred_cache",
    "core_auditentry",
    "accounts_apitoken",  # the token's last use
    "analytics_ecosystemsettings",  # its one row, made on first read
)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace
                    else (pattern.namespace)
                )
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or "-"
            if namespace and pattern.name:
                name = f"{namespace}:{pattern.name}"
            yield name, prefix + str(pattern.pattern)


def page_routes() -> dict[str, str]:
    return dict(_walk(get_resolver()))


def api_operations() -> dict[str, str]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}": path
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


PAGE_ROUTES = page_routes()
API_OPERATIONS = api_operations()


def _in_scope(name: str) -> bool:
    # "-": the unnamed route serving uploads in development.
    return name != "-" and not name.startswith((*OUT_OF_SCOPE_PREFIXES, "api:"))


def test_every_route_has_a_declared_policy():
    """A route or API operation without a row in tests/authz_policy.py fails,
    named, and a row for a route that no longer exists fails too."""
    undeclared = sorted(n for n in PAGE_ROUTES if _in_scope(n) and n not in PAGES)
    undeclared += sorted(op for op in API_OPERATIONS if op not in API)
    assert not undeclared, "No authorisation policy declared for: " + ", ".join(
        undeclared
    )
    stale = sorted(n for n in PAGES if n not in PAGE_ROUTES)
    stale += sorted(op for op in API if op not in API_OPERATIONS)
    assert not stale, "Policy rows for routes that do not exist: " + ", ".join(stale)


def test_every_api_route_is_in_the_schema():
    """An API route left out of the schema would escape the matrix."""
    schema_paths = {
        re.sub(r"\{[^}]+\}", "{}", path) for path in API_OPERATIONS.values()
    }
    hidden = []
    for name, route in PAGE_ROUTES.items():
        if not name.startswith("api:") or PAGES.get(name) is not None:
            continue
        path = "/" + re.sub(r"<[^>]+>", "{}", route)
        if path not in schema_paths:
            hidden.append(name)
    assert not hidden, "API routes missing from the schema: " + ", ".join(hidden)


# --- the seeded world ------------------------------------------------------


@dataclass
class Thing:
    """One object of the world: how to address it and who may do what."""

    kwargs: dict[str, Any]
    side: str  # "A" or "B"
    owner: str  # the role that owns it ("" when an organisation does)
    caps: dict[str, frozenset[str]]
    parent: tuple[str, ...] = ()  # kwargs naming a visible parent, kept in the twin

    def relation(self, role: str) -> str:
        if role == self.owner:
            return "own"
        side = {"practitioner": "A", "org_admin": "A", "other_admin": "B"}.get(role)
        if side == self.side:
            return "same-org"
        return "other-org"


def _caps(see, **others) -> dict[str, frozenset[str]]:
    caps = {"see": frozenset(see)}
    caps.update({name: frozenset(roles) for name, roles in others.items()})
    return caps


def build_world() -> dict[str, Any]:
    from kindred.accounts.services import create_api_token
    from kindred.communities import services as communities
    from kindred.core.models import Topic
    from kindred.directory.models import Service, SupportPlan
    from kindred.notifications.models import Notification
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.programmes import services as programmes
    from kindred.programmes.services import CohortInput
    from kindred.projects import services as projects
    from kindred.referrals import services as referrals
    from kindred.referrals.models import Consent
    from kindred.referrals.services import ConsentInput
    from kindred.webhooks.models import Endpoint
    from tests.conftest import give_second_factor

    people = {
        "member": make_person("max@authz.example", "Max Member"),
        "entrepreneur": make_person("erin@authz.example", "Erin Entrepreneur"),
        "practitioner": make_person("pat@authz.example", "Pat Practitioner"),
        "other_admin": make_person("bea@authz.example", "Bea Birch", mfa=True),
        "org_admin": make_person("ada@authz.example", "Ada Alder", mfa=True),
        "steward": make_person(
            "stella@authz.example", "Stella Steward", steward=True, mfa=True
        ),
    }
    cedar_admin = make_person("cyd@authz.example", "Cyd Cedar")
    give_second_factor(people["practitioner"])
    alder = Organisation.objects.create(
        name="Alder Advice", slug="alder", kind="charity"
    )
    birch = Organisation.objects.create(
        name="Birch Business", slug="birch", kind="business_adviser"
    )
    cedar = Organisation.objects.create(
        name="Cedar Capital", slug="cedar", kind="business_adviser"
    )
    Membership.objects.create(
        organisation=alder, user=people["org_admin"], role=Role.ADMIN
    )
    Membership.objects.create(
        organisation=alder, user=people["practitioner"], role=Role.PRACTITIONER
    )
    Membership.objects.create(
        organisation=birch, user=people["other_admin"], role=Role.ADMIN
    )
    Membership.objects.create(organisation=cedar, user=cedar_admin, role=Role.ADMIN)
    topic = Topic.objects.first()

    def service(org, name, **extra):
        made = Service.objects.create(
            organisation=org,
            name=name,
            description="Support.",
            application_process="Ask.",
            **extra,
        )
        made.topics.set([topic])
        return made

    alder_service = service(alder, "Alder wellbeing", is_programme=True)
    birch_service = service(birch, "Birch bookkeeping")
    cedar_service = service(cedar, "Cedar loans")

    def consent():
        return ConsentInput(
            fields=["name", "email", "note"],
            purpose="To offer a place.",
            expires_on=timezone.localdate() + timedelta(days=90),
            method=Consent.Method.VERBAL,
            given_on=timezone.localdate(),
        )

    def referral(by, org):
        return referrals.create_referral(
            by=by,
            entrepreneur=people["entrepreneur"],
            consent=consent(),
            service=cedar_service,
            from_organisation=org,
            note="Private note.",
        )

    referral_a = referral(people["practitioner"], alder)
    referral_b = referral(people["other_admin"], birch)

    def endpoint(org):
        return Endpoint.objects.create(
            organisation=org, url="https://hooks.example.org/in", event_types=[]
        )

    def notification(user):
        return Notification.objects.create(recipient=user, kind="test", message="Hi")

    def plan(owner):
        return SupportPlan.objects.create(owner=owner, title="My plan")

    programme_a = programmes.create_programme(
        alder_service, by=people["org_admin"], lead=people["practitioner"]
    )
    today = timezone.localdate()
    cohort_a = programmes.create_cohort(
        programme_a,
        by=people["practitioner"],
        data=CohortInput(
            name="Spring",
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=60),
            capacity=10,
        ),
    )
    programmes.add_place(
        cohort_a, participant=people["entrepreneur"], by=people["practitioner"]
    )

    def group(by, name, invite=None):
        made = communities.propose_group(
            by=by, name=name, purpose="Peer support.", visibility="private"
        )
        communities.approve_group(made, by=people["steward"])
        if invite:
            communities.invite_to_group(made, by=by, user=invite)
            communities.join_group(made, by=invite)
        return made

    group_a = group(
        people["practitioner"], "Alder circle", invite=people["entrepreneur"]
    )
    group_b = group(people["other_admin"], "Birch circle")

    project_a = projects.create_project(
        by=people["entrepreneur"], title="Oat launch", description="Spring."
    )
    project_b = projects.create_project(
        by=people["other_admin"], title="Birch fair", description="Autumn."
    )

    a_staff = {"org_admin", "practitioner"}
    everyone = set(ROLES)
    things: dict[str, dict[str, Thing]] = {
        "org": {
            # Stewards act as an admin of every organisation.
            "A": Thing(
                {"slug": alder.slug, "pk": alder.pk},
                "A",
                "",
                _caps(
                    everyone,
                    admin={"org_admin", "steward"},
                    staff=a_staff | {"steward"},
                    member=SIGNED_IN,
                    own_admin={"org_admin"},
                ),
            ),
            "B": Thing(
                {"slug": birch.slug, "pk": birch.pk},
                "B",
                "",
                _caps(
                    everyone,
                    admin={"other_admin", "steward"},
                    staff={"other_admin", "steward"},
                    member=SIGNED_IN,
                    own_admin={"other_admin"},
                ),
            ),
        },
        "webhook": {
            "A": Thing(
                {"slug": alder.slug, "pk": endpoint(alder).pk},
                "A",
                "",
                _caps({"org_admin", "steward"}, admin={"org_admin", "steward"}),
                parent=("slug",),
            ),
            "B": Thing(
                {"slug": birch.slug, "pk": endpoint(birch).pk},
                "B",
                "",
                _caps({"other_admin", "steward"}, admin={"other_admin", "steward"}),
                parent=("slug",),
            ),
        },
        "notification": {
            "A": Thing(
                {"pk": notification(people["practitioner"]).pk},
                "A",
                "practitioner",
                _caps({"practitioner"}),
            ),
            "B": Thing(
                {"pk": notification(people["other_admin"]).pk},
                "B",
                "other_admin",
                _caps({"other_admin"}),
            ),
        },
        "referral": {
            "A": Thing(
                {"pk": referral_a.pk},
                "A",
                "practitioner",
                _caps(a_staff | {"entrepreneur"}, subject={"entrepreneur"}),
            ),
            "B": Thing(
                {"pk": referral_b.pk},
                "B",
                "other_admin",
                _caps({"other_admin", "entrepreneur"}, subject={"entrepreneur"}),
            ),
        },
        "service": {
            "A": Thing(
                {"pk": alder_service.pk},
                "A",
                "",
                _caps(everyone, staff={"org_admin", "steward"}),
            ),
            "B": Thing(
                {"pk": birch_service.pk},
                "B",
                "",
                _caps(everyone, staff={"other_admin", "steward"}),
            ),
        },
        "plan": {
            "A": Thing(
                {"pk": plan(people["entrepreneur"]).pk},
                "A",
                "entrepreneur",
                _caps({"entrepreneur"}),
            ),
            "B": Thing(
                {"pk": plan(people["member"]).pk}, "B", "member", _caps({"member"})
            ),
        },
        "programme": {
            "A": Thing(
                {"pk": programme_a.pk},
                "A",
                "practitioner",
                _caps(SIGNED_IN, manage=a_staff),
            ),
        },
        "cohort": {
            "A": Thing(
                {"pk": cohort_a.pk},
                "A",
                "practitioner",
                _caps(a_staff | {"entrepreneur"}, manage=a_staff),
            ),
        },
        "group": {
            "A": Thing(
                {"slug": group_a.slug},
                "A",
                "practitioner",
                _caps(
                    SIGNED_IN,
                    member={"practitioner", "entrepreneur"},
                    facilitator={"practitioner"},
                    archive={"practitioner", "steward"},
                ),
            ),
            "B": Thing(
                {"slug": group_b.slug},
                "B",
                "other_admin",
                _caps(
                    SIGNED_IN,
                    member={"other_admin"},
                    facilitator={"other_admin"},
                    archive={"other_admin", "steward"},
                ),
            ),
        },
        "project": {
            "A": Thing(
                {"pk": project_a.pk},
                "A",
                "entrepreneur",
                _caps(SIGNED_IN, owner={"entrepreneur"}),
            ),
            "B": Thing(
                {"pk": project_b.pk},
                "B",
                "other_admin",
                _caps(SIGNED_IN, owner={"other_admin"}),
            ),
        },
    }
    tokens = {
        role: create_api_token(by=user, name="matrix")[1]
        for role, user in people.items()
    }
    return {"people": people, "things": things, "tokens": tokens}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The seeded world, made once for the module and rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- the cases ---------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    surface: str  # page | api
    key: str  # route name or "METHOD /path"
    route: str  # URL pattern or schema path
    role: str
    side: str  # "", "A", "B" or "missing"

    @property
    def id(self) -> str:
        where = f"-{self.side}" if self.side else ""
        return f"{self.key}-{self.role}{where}"


def _cases() -> list[Case]:
    cases = []
    for surface, table, routes in (
        ("page", PAGES, PAGE_ROUTES),
        ("api", API, API_OPERATIONS),
    ):
        for key, route in routes.items():
            rule = table.get(key)
            if rule is None or rule.kind == "out":
                continue
            takes_object = "<" in route or "{" in route
            sides = [""]
            if rule.kind == "object":
                sides = ["A", "B", "missing"]
            elif rule.kind == "missing" or takes_object:
                sides = ["missing"]
            for role in ROLES:
                for side in sides:
                    cases.append(Case(surface, key, route, role, side))
    return cases


CASES = _cases()


def _fill(route: str, values: dict[str, Any]) -> str:
    def value(name: str, converter: str) -> str:
        if name in values:
            return str(values[name])
        if name == "id" and "pk" in values:
            return str(values["pk"])
        if converter == "int" or name in {"id", "pk"} or name.endswith(("_pk", "id")):
            return MISSING_ID
        if converter == "slug" or name == "slug":
            return MISSING_SLUG
        return MISSING_STR

    def angle(match: re.Match) -> str:
        converter, _, name = match.group(1).rpartition(":")
        return value(name, converter)

    path = re.sub(r"<([^>]+)>", angle, route)
    path = re.sub(r"\{([^}]+)\}", lambda m: value(m.group(1), ""), path)
    return path if path.startswith("/") else "/" + path


def _writes(queries: list[dict[str, str]]) -> list[str]:
    written = []
    for query in queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(("INSERT", "UPDATE", "DELETE")) and not any(
            table.upper() in sql for table in WRITABLE_WHEN_REFUSED
        ):
            written.append(query["sql"][:160])
    return written


def _expected(case: Case, rule: Rule, thing: Thing | None) -> str:
    """One of: ok, login, unauthenticated, forbidden, hidden, hidden_or_forbidden."""
    anonymous = case.role == "anonymous"
    if rule.kind == "missing" or case.side == "missing":
        if anonymous and not rule.anonymous_404 and rule.kind != "public":
            return "login" if case.surface == "page" else "unauthenticated_or_hidden"
        # A role gate before the lookup (403 for every id) reveals nothing.
        return "hidden" if anonymous else "missing"
    if rule.kind == "object":
        assert thing is not None
        if case.role not in thing.caps["see"]:
            if anonymous:
                return (
                    "login" if case.surface == "page" else "unauthenticated_or_hidden"
                )
            return "hidden"
        if case.role in thing.caps.get(rule.capability, thing.caps["see"]):
            return "ok"
        if anonymous:
            return "login" if case.surface == "page" else "unauthenticated"
        return "hidden_or_forbidden"
    if case.role in rule.allowed:
        return "ok"
    if rule.anonymous_404 and not anonymous:
        return "hidden"
    if anonymous:
        return "login" if case.surface == "page" else "unauthenticated"
    return "forbidden"


def _client(case: Case, world) -> Client:
    if case.surface == "api":
        client = APIClient()
        if case.role != "anonymous":
            client.credentials(
                HTTP_AUTHORIZATION=f"Bearer {world['tokens'][case.role]}"
            )
        return client
    client = Client()
    if case.role != "anonymous":
        client.force_login(world["people"][case.role])
    return client


def _request(case: Case, client, path: str):
    if case.surface == "api":
        method = case.key.split()[0].lower()
        if method == "get":
            return client.get(path, HTTP_ACCEPT="application/json")
        return getattr(client, method)(path, {}, format="json")
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, {})
    return response


def _normalised(response, path: str) -> str:
    body = response.content.decode(errors="replace").replace(path, "PATH")
    body = re.sub(r'nonce="[^"]*"', "", body)
    body = re.sub(r"\b[A-Za-z0-9]{64}\b", "", body)  # masked CSRF tokens
    return re.sub(
        r'(csrfmiddlewaretoken" value=|csrf[-_]?token"?[:=] ?)"[^"]*"', "", body
    )


def _check(case: Case, expected: str, response) -> None:
    status = response.status_code
    location = response.get("Location", "")
    what = f"{case.surface} {case.key} as {case.role} ({case.side or 'no object'})"
    assert status < 500, f"{what}: server error {status}"
    if expected == "ok":
        assert status not in (401, 403, 404), f"{what}: refused with {status}"
        if status in (301, 302):
            assert "/account/login/" not in location, f"{what}: sent to log in"
    elif expected == "login":
        assert status == 302 and "/account/login/" in location, (
            f"{what}: expected a redirect to log in, got {status} {location}"
        )
    elif expected == "unauthenticated":
        assert status in (401, 403), f"{what}: expected 401/403, got {status}"
    elif expected == "unauthenticated_or_hidden":
        assert status in (401, 403, 404), f"{what}: expected 401/403/404, got {status}"
    elif expected == "forbidden":
        assert status == 403, f"{what}: expected 403, got {status}"
    elif expected == "hidden":
        # 404; or 403 from a gate before the lookup (an organisation's admins
        # only), which the twin request shows answers a missing id alike.
        expect = (403, 404) if case.side in ("A", "B") else (404,)
        assert status in expect, (
            f"{what}: expected 404 like a missing object, got {status}"
        )
    elif expected == "missing":
        assert status in (403, 404), f"{what}: expected 404 (or 403), got {status}"
    elif expected == "hidden_or_forbidden":
        assert status in (403, 404), f"{what}: expected 403 or 404, got {status}"


def _params() -> list:
    params = []
    for case in CASES:
        marks = []
        if case.id in MISMATCHES:
            marks.append(
                pytest.mark.xfail(strict=True, reason=f"open: {MISMATCHES[case.id]}")
            )
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_route(case: Case, world):
    table = PAGES if case.surface == "page" else API
    rule = table[case.key]
    thing = None
    values: dict[str, Any] = dict(rule.extra)
    if case.side in ("A", "B"):
        thing = world["things"][rule.obj].get(case.side)
        if thing is None:
            pytest.skip(f"no {rule.obj} on side {case.side}")
        values.update(thing.kwargs)
    path = _fill(case.route, values)
    expected = _expected(case, rule, thing)
    client = _client(case, world)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = _request(case, client, path)
        transaction.set_rollback(True)
    _check(case, expected, response)
    if expected == "hidden" and thing is not None:
        # The same route for an object that does not exist answers the same.
        kept = {k: v for k, v in thing.kwargs.items() if k in thing.parent}
        missing = _fill(case.route, {**rule.extra, **kept})
        with transaction.atomic():
            twin = _request(case, _client(case, world), missing)
            transaction.set_rollback(True)
        assert twin.status_code == response.status_code, (
            f"{case.id}: {response.status_code}, but {twin.status_code} when missing"
        )
        assert _normalised(response, path) == _normalised(twin, missing), (
            f"{case.id}: the 404 differs from the one for a missing object"
        )
    if expected != "ok":
        written = _writes(queries.captured_queries)
        assert not written, f"{case.id}: a refused request wrote {written}"
