"""Logs: one JSON object a line with the request id and user id; failed logins and
refusals logged with a reason; no email, name, password, token or query string in
any line; no personal data in URL patterns."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kindred.accounts import services
from kindred.core.middleware import JsonFormatter, RequestContextFilter
from tests.conftest import PASSWORD


@pytest.fixture
def lines(caplog):
    """Every record of the test, formatted as production formats it."""
    caplog.set_level(logging.INFO)
    context = RequestContextFilter()
    caplog.handler.addFilter(context)  # at emit time, as the console handler does
    formatter = JsonFormatter()
    yield lambda: [formatter.format(record) for record in caplog.records]
    caplog.handler.removeFilter(context)


def events(formatted: list[str], name: str) -> list[dict]:
    parsed = [json.loads(line) for line in formatted]
    return [entry for entry in parsed if entry.get("event") == name]


@pytest.mark.django_db
def test_a_failed_login_is_logged_with_a_reason_but_no_address_or_password(
    client, colleague, lines
):
    response = client.post(
        reverse("account_login"),
        {"login": colleague.email, "password": "Wrong-Guess-1234"},
    )
    assert response.status_code == 200
    output = lines()
    failed = events(output, "login.failed")
    assert len(failed) == 1
    assert failed[0]["reason"] == "wrong password"
    assert failed[0]["level"] == "WARNING"
    assert failed[0]["account"] and failed[0]["request_id"] != "-"
    text = "\n".join(output)
    assert colleague.email not in text and "Wrong-Guess-1234" not in text
    assert "Colin" not in text


@pytest.mark.django_db
def test_failures_against_one_account_share_a_reference(client, colleague, lines):
    for _ in range(2):
        client.post(
            reverse("account_login"), {"login": colleague.email, "password": "x" * 12}
        )
    client.post(
        reverse("account_login"),
        {"login": "nobody@example.com", "password": "x" * 12},
    )
    failed = events(lines(), "login.failed")
    assert [f["reason"] for f in failed] == [
        "wrong password",
        "wrong password",
        "unknown account",
    ]
    assert failed[0]["account"] == failed[1]["account"] != failed[2]["account"]


@pytest.mark.django_db
def test_a_successful_login_is_logged_by_user_id(client, colleague, lines):
    client.post(
        reverse("account_login"), {"login": colleague.email, "password": PASSWORD}
    )
    succeeded = events(lines(), "login.succeeded")
    assert succeeded and succeeded[0]["user_id"] == colleague.pk


@pytest.mark.django_db
def test_a_refused_object_is_logged_as_an_authorisation_failure(
    client, owner, outsider, lines
):
    token, _raw = services.create_api_token(by=owner, name="CRM")
    client.force_login(outsider)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    refused = events(lines(), "access.refused")
    assert len(refused) == 1
    entry = refused[0]
    assert entry["route"] == "accounts:token_revoke"
    assert entry["status"] == 404 and entry["reason"] == "not visible"
    assert entry["user_id"] == str(outsider.pk)
    assert entry["error"] == "Http404"


@pytest.mark.django_db
def test_a_forbidden_action_is_logged_as_an_authorisation_failure(
    client, outsider, lines
):
    client.force_login(outsider)
    response = client.get(reverse("steward:topics"))
    assert response.status_code in (403, 404)
    refused = events(lines(), "access.refused")
    assert refused and refused[0]["route"] == "steward:topics"


@pytest.mark.django_db
def test_a_refused_api_call_is_logged_with_its_status(db, lines):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/me", {"token": "kdr_guess"})
    assert response.status_code == 401
    refused = events(lines(), "access.refused")
    assert refused and refused[0]["status"] == 401
    assert "kdr_guess" not in "\n".join(lines())


@pytest.mark.django_db
def test_an_unknown_address_is_not_an_authorisation_failure(client, lines):
    assert client.get("/no-such-page/").status_code == 404
    assert events(lines(), "access.refused") == []


@pytest.mark.django_db
def test_request_lines_carry_ids_and_never_the_query_string(client, colleague, lines):
    client.force_login(colleague)
    response = client.get(
        reverse("members:directory"),
        {"q": "private.person@example.org"},
        HTTP_X_REQUEST_ID="proxy-given-id-1234",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-given-id-1234"
    output = lines()
    request = events(output, "request")[-1]
    assert request["request_id"] == "proxy-given-id-1234"
    assert request["user_id"] == str(colleague.pk)
    assert request["path"] == reverse("members:directory")
    assert request["route"] == "members:directory" and request["status"] == 200
    assert "private.person" not in "\n".join(output)


@pytest.mark.django_db
def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>\n")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_formatter_writes_one_json_line_without_secrets():
    record = logging.makeLogRecord(
        {
            "name": "kindred.test",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "could not reach %s",
            "args": ("ada@example.com",),
            "password": "hunter2-hunter2",
            "token": "kdr_secret",
            "email": "ada@example.com",
            "display_name": "Ada Lovelace",
            "status": 503,
        }
    )
    RequestContextFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "could not reach [email]"
    assert entry["status"] == 503 and entry["level"] == "WARNING"
    assert {"request_id", "user_id", "time", "logger"} <= set(entry)
    for secret in ("hunter2", "kdr_secret", "ada@example.com", "Ada Lovelace"):
        assert secret not in line


def test_an_exception_is_logged_on_one_line_without_addresses():
    try:
        raise ValueError("duplicate key (email)=(bob@example.com)")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"msg": "failed", "levelname": "ERROR", "exc_info": sys.exc_info()}
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line and "bob@example.com" not in line
    assert "ValueError" in json.loads(line)["exception"]


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


PERSONAL = re.compile(
    r"<(?:[a-z]+:)?[a-z_]*(email|mail|phone|name|postcode|birth)[a-z_]*>"
    r"|\(\?P<[a-z_]*(email|mail|phone|name)[a-z_]*>",
    re.IGNORECASE,
)


def test_no_url_pattern_carries_personal_data():
    """Addresses use ids, slugs and tokens; never an email, a name or a phone."""
    routes = list(_patterns(get_resolver()))
    assert len(routes) > 100
    offenders = [route for route, _entry in routes if PERSONAL.search(route)]
    assert offenders == []
    assert PERSONAL.search("people/<str:email>/")  # the check can fail
    assert PERSONAL.search("people/<display_name>/")
