"""Every API error as application/problem+json (RFC 9457)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from kindred.core.errors import KindredError

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: _("Your request has a problem"),
    401: _("You need to authenticate"),
    403: _("You may not do this"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    412: _("The object has changed"),
    422: _("The request cannot be processed"),
    415: _("Unsupported media type"),
    429: _("Too many requests"),
}


def problem(
    status_code: int, detail: str, *, code: str = "", errors: Any = None
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://kindred.invalid/problems/{code or status_code}",
        "title": str(_TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, content_type=PROBLEM_JSON)
    return response


def problem_exception_handler(
    exc: Exception, context: dict[str, Any]
) -> Response | None:
    if isinstance(exc, KindredError):
        errors = {exc.field: [exc.message]} if exc.field else None
        return problem(exc.status_code, exc.message, code=exc.code, errors=errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = _("Some fields are not valid; see “errors”.")
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        result = problem(
            status.HTTP_400_BAD_REQUEST, str(detail), code="invalid", errors=errors
        )
    else:
        data = response.data
        detail = data.get("detail", "") if isinstance(data, dict) else str(data)
        code = (
            getattr(exc, "default_code", "")
            if isinstance(exc, exceptions.APIException)
            else ""
        )
        result = problem(response.status_code, str(detail), code=str(code))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
