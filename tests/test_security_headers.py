"""Headers and cookies: a nonce-ready Content Security Policy without inline
script, HSTS, nosniff, Referrer-Policy, frame-ancestors 'none', COOP; Secure,
HttpOnly, SameSite cookies; production settings checked in a fresh process.

`kindred check --deploy --fail-level WARNING` under production settings is
tests/test_operations.py::test_deploy_check_is_clean_under_production_settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.test_operations import run_kindred

TEMPLATES = Path(__file__).resolve().parent.parent / "kindred" / "templates"


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.django_db
def test_every_page_gets_the_security_headers(client, owner):
    client.force_login(owner)
    response = client.get(reverse("accounts:settings"))
    csp = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_page_that_uses_the_nonce_gets_it_in_its_policy():
    seen = {}

    def view(request):
        seen["nonce"] = str(request.csp_nonce)
        return HttpResponse(f'<script nonce="{seen["nonce"]}">1</script>')

    response = CSPMiddleware(view)(RequestFactory().get("/"))
    script_src = directives(response["Content-Security-Policy"])["script-src"]
    assert f"'nonce-{seen['nonce']}'" in script_src
    assert len(seen["nonce"]) >= 16


def test_no_template_has_an_inline_script_without_the_nonce():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text(), re.IGNORECASE):
            if "src=" not in tag and "csp_nonce" not in tag:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert offenders == []


def test_no_template_has_an_inline_event_handler_or_script_url():
    pattern = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if pattern.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_under_https_settings_hsts_and_cookie_flags_are_sent(colleague, settings):
    """The production values (see the next test) applied to a real request."""
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    from django.test import Client

    client = Client()  # middleware reads these settings when it starts
    login = client.get(reverse("account_login"), secure=True)
    assert login["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csrf = login.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(
        reverse("account_login"),
        {"login": colleague.email, "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_production_settings_are_hardened(tmp_path):
    """Read the settings as production loads them, in a fresh process."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({k: getattr(s, k, None) for k in ["
        "'DEBUG','SECURE_HSTS_SECONDS','SECURE_HSTS_INCLUDE_SUBDOMAINS',"
        "'SECURE_SSL_REDIRECT','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE',"
        "'SESSION_COOKIE_HTTPONLY','SESSION_COOKIE_SAMESITE','CSRF_COOKIE_SAMESITE',"
        "'SECURE_CONTENT_TYPE_NOSNIFF','SECURE_REFERRER_POLICY',"
        "'SECURE_CROSS_ORIGIN_OPENER_POLICY','X_FRAME_OPTIONS',"
        "'KINDRED_DEMO_MFA_EXEMPT','KINDRED_SESSION_IDLE_SECONDS',"
        "'KINDRED_SESSION_MAX_SECONDS','SESSION_COOKIE_AGE',"
        "'KINDRED_API_TOKEN_MAX_DAYS','ACCOUNT_REAUTHENTICATION_REQUIRED']}))"
    )
    result = run_kindred(
        "shell",
        "-c",
        script,
        KINDRED_SECRET_KEY="p" * 60,
        KINDRED_ALLOWED_HOSTS="kindred.example.org",
        KINDRED_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["KINDRED_DEMO_MFA_EXEMPT"] is False
    assert values["KINDRED_SESSION_IDLE_SECONDS"] == 7200
    assert values["KINDRED_SESSION_MAX_SECONDS"] == 43200
    assert values["SESSION_COOKIE_AGE"] <= 43200
    assert values["KINDRED_API_TOKEN_MAX_DAYS"] <= 365
    assert values["ACCOUNT_REAUTHENTICATION_REQUIRED"] is True
