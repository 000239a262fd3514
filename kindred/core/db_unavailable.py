"""Answer 503 with Retry-After, not 500, while the database cannot be reached.

A restarted or failed-over PostgreSQL server makes every query raise
`OperationalError` or `InterfaceError` until it is back; that is an outage of a
dependency, not a bug, and clients (and load balancers) should retry. Add
`kindred.core.db_unavailable.DatabaseUnavailableMiddleware` to MIDDLEWARE right
after WhiteNoise, before anything that touches the session, the cache or the
database:

- a view that fails this way answers 503 through `process_exception`, and the
  response still passes through the other middleware (security headers, CSP);
- a middleware further in that fails this way (session, cache, rate limits) has
  its 500 turned into the same 503 on the way out: `got_request_exception` marks
  the request when the exception was a database outage.

The answer never touches the database: a problem+json body under /api/ and
/healthz's shape is left to its own view; elsewhere a small static page.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext

logger = logging.getLogger("kindred.db_unavailable")

RETRY_AFTER_SECONDS = 10
_MARK = "_kindred_database_unavailable"

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{detail}</p></main></body></html>
"""


def is_database_outage(error: BaseException | None) -> bool:
    """True for the errors a database that cannot be reached raises."""
    return isinstance(error, OperationalError | InterfaceError) and not _is_busy(error)


def _is_busy(error: BaseException) -> bool:
    # SQLite's "database is locked" is contention, not an outage: it stays a 500
    # so that it is seen and fixed rather than retried away.
    return "database is locked" in str(error)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer; it must not use the database, templates or the session."""
    title = gettext("Kindred is briefly unavailable")
    detail = gettext(
        "We cannot reach our database just now. Nothing you sent was lost unless "
        "you saw an error; please try again in a few seconds."
    )
    response: HttpResponse
    if request.path.startswith(("/api/", "/hsds/")):
        response = JsonResponse(
            {
                "type": "https://kindred.invalid/problems/503",
                "title": title,
                "status": 503,
                "detail": detail,
            },
            status=503,
            content_type="application/problem+json",
        )
    else:
        lang = getattr(request, "LANGUAGE_CODE", "en")
        response = HttpResponse(
            _PAGE.format(lang=escape(lang), title=escape(title), detail=escape(detail)),
            status=503,
        )
        response["Content-Security-Policy"] = (
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception, dispatch_uid="kindred.db_unavailable")
def _mark_outage(
    sender: object, request: HttpRequest | None = None, **_: object
) -> None:
    # Sent from inside Django's `except` block, so the exception is current.
    if request is not None and is_database_outage(sys.exc_info()[1]):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            logger.warning("database unavailable: %s answered 503", request.path)
            return unavailable_response(request)
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        logger.warning(
            "database unavailable: %s answered 503 (%s)",
            request.path,
            type(exception).__name__,
        )
        return unavailable_response(request)
