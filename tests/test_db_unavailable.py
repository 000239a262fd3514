"""A database that cannot be reached answers 503 with Retry-After, never 500."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

MIDDLEWARE = "kindred.core.db_unavailable.DatabaseUnavailableMiddleware"


def _down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1 failed")


def _closed(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


def _locked(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")


def _bug(request: HttpRequest) -> HttpResponse:
    raise ValueError("a plain bug")


def _session_write(request: HttpRequest) -> HttpResponse:
    request.session["touched"] = True  # saved by SessionMiddleware on the way out
    return HttpResponse("ok")


urlpatterns = [
    path("down/", _down),
    path("api/v1/down/", _closed),
    path("locked/", _locked),
    path("bug/", _bug),
    path("session/", _session_write),
]


@pytest.fixture
def outage_settings(settings):
    settings.ROOT_URLCONF = __name__
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(2, MIDDLEWARE)  # after Security and WhiteNoise
    settings.MIDDLEWARE = middleware
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    return settings


@pytest.fixture
def client(outage_settings):
    from django.test import Client

    return Client(raise_request_exception=False)


def test_page_answers_503_with_retry_after(client):
    """A page whose query fails because the server is down answers 503, not 500."""
    response = client.get("/down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert b"briefly unavailable" in response.content
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_api_answers_503_problem(client):
    """Under /api/ the answer is a problem+json body."""
    response = client.get("/api/v1/down/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 503
    assert response["Retry-After"] == "10"


def test_database_locked_stays_500(client):
    """SQLite contention is a defect to see, not an outage to retry: it stays 500."""
    assert client.get("/locked/").status_code == 500


def test_other_errors_stay_500(client):
    """Only database outages become 503."""
    assert client.get("/bug/").status_code == 500


@pytest.mark.django_db
def test_failure_in_a_middleware_answers_503(client, monkeypatch):
    """A session that cannot be saved (SessionMiddleware, after the view) is 503."""

    def fail(self, must_create=False):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "save", fail)
    response = client.get("/session/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"


def test_without_the_middleware_the_outage_is_500(settings):
    """The check above can fail: without the middleware the same view is a 500."""
    from django.test import Client

    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    assert Client(raise_request_exception=False).get("/down/").status_code == 500
