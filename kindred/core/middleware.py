"""Request-wide behaviour: time zones, session timeouts, request ids and logs.

Logs are one JSON object a line. Each carries the request id and the signed-in
person's id, never their email, name, tokens, passwords or the query string
(docs/security.md, "Logs").
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import time
import traceback
import uuid
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger("kindred.security")
access_log = logging.getLogger("kindred.request")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kindred_request_id", default="-"
)
_user_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kindred_user_id", default="-"
)

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def set_log_user(user_id: Any) -> None:
    """Name the person behind the current request in log lines (by id only)."""
    _user_id.set(str(user_id) if user_id else "-")


class TimezoneMiddleware:
    """Show times in the signed-in person's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)
            tz_name = profile.time_zone if profile else ""
        timezone.deactivate()
        if tz_name:
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
        return self.get_response(request)


# --- sessions ---------------------------------------------------------------------

SESSION_STARTED = "kindred_auth_at"
SESSION_SEEN = "kindred_seen_at"
# The last-seen time is written at most this often: not a session write a request.
SEEN_RESOLUTION = 60


def start_session_clock(session: Any) -> None:
    """Record the sign-in time in `session` (called at every login)."""
    now = int(time.time())
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now


class SessionTimeoutMiddleware:
    """Sign a person out after KINDRED_SESSION_IDLE_SECONDS without a request, and
    KINDRED_SESSION_MAX_SECONDS after signing in, whatever they do."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and session is not None and user.is_authenticated:
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request: HttpRequest, session: Any) -> None:
        now = int(time.time())
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if not isinstance(started, int) or not isinstance(seen, int):
            start_session_clock(session)  # a session from before the clock
            return
        reason = ""
        if now - seen > settings.KINDRED_SESSION_IDLE_SECONDS:
            reason = "idle timeout"
        elif now - started > settings.KINDRED_SESSION_MAX_SECONDS:
            reason = "absolute timeout"
        if reason:
            user_id = request.user.pk
            logout(request)
            log.info(
                "session ended: %s",
                reason,
                extra={"event": "session.ended", "reason": reason, "user": user_id},
            )
            messages.info(
                request, _("You were signed out to keep your account safe. Sign in.")
            )
        elif now - seen >= SEEN_RESOLUTION:
            session[SESSION_SEEN] = now


# --- request ids and logs -----------------------------------------------------------


class RequestIdMiddleware:
    """Give every request an id: the proxy's X-Request-ID when it looks safe, a new
    one otherwise. It is in every log line of the request and in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = _request_id.set(request_id)
        user_token = _user_id.set("-")
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(id_token)
            _user_id.reset(user_token)
        response[REQUEST_ID_HEADER] = request_id
        return response


# Statuses that mean "refused": logged as authorisation failures when the address
# matched a route (an unknown address is a plain 404, not a refusal).
_REFUSALS = {401: "not authenticated", 403: "permission denied", 404: "not visible"}


class RequestLogMiddleware:
    """One log line per request (method, route, status, time) and a warning for
    every refusal. Paths are logged without their query string."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            set_log_user(user.pk)
        started = time.perf_counter()
        response = self.get_response(request)
        duration = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)  # an API token's person, if any
        user_id = user.pk if user is not None and user.is_authenticated else None
        set_log_user(user_id)
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match is not None else ""
        fields = {
            "method": request.method,
            "path": request.path,
            "route": route,
            "status": response.status_code,
            "duration_ms": duration,
        }
        if match is not None and response.status_code in _REFUSALS:
            reason = _REFUSALS[response.status_code]
            log.warning(
                "access refused: %s %s (%s)",
                request.method,
                route,
                reason,
                extra={
                    "event": "access.refused",
                    "reason": reason,
                    "error": getattr(request, "_kindred_refusal", ""),
                    **fields,
                },
            )
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"event": "request", **fields},
        )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Note the kind of refusal (its class name, never its message)."""
        request._kindred_refusal = type(exception).__name__  # type: ignore[attr-defined]


# --- log formatting -------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_SECRET_WORDS = ("password", "token", "secret", "key", "email", "name", "cookie")
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact(text: str) -> str:
    """Remove email addresses from a log text."""
    return _EMAIL.sub("[email]", text)


class RequestContextFilter(logging.Filter):
    """Add the request id and user id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        if not hasattr(record, "user_id"):
            record.user_id = _user_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, user id and
    the record's extra fields that are plain values with harmless names."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", _request_id.get()),
            "user_id": getattr(record, "user_id", _user_id.get()),
        }
        for key, value in vars(record).items():
            if key in _RECORD_FIELDS or key in entry or key.startswith("_"):
                continue
            if any(word in key.lower() for word in _SECRET_WORDS):
                continue
            if isinstance(value, str):
                entry[key] = redact(value)
            elif value is None or isinstance(value, bool | int | float):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(
                "".join(traceback.format_exception(*record.exc_info))
            )
        return json.dumps(entry, ensure_ascii=False, default=str)
