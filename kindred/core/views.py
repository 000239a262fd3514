from __future__ import annotations

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kindred.core import selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        context = selectors.home_dashboard(request.user)  # type: ignore[arg-type]
        return render(request, "core/dashboard.html", context)
    return render(request, "core/landing.html", selectors.ecosystem_at_a_glance())


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _api_problem(request: HttpRequest, status: int, title: str) -> HttpResponse | None:
    """Answer errors under /api/ as problem+json rather than as a page."""
    if not request.path.startswith("/api/"):
        return None
    body = {
        "type": f"https://kindred.invalid/problems/{status}",
        "title": title,
        "status": status,
        "detail": title,
    }
    return JsonResponse(body, status=status, content_type="application/problem+json")


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    problem = _api_problem(request, 400, gettext("Your request has a problem"))
    return problem or render(request, "errors/400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    problem = _api_problem(request, 403, gettext("You may not do this"))
    return problem or render(
        request, "errors/403.html", {"reason": str(exception or "")}, status=403
    )


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    problem = _api_problem(request, 404, gettext("Not found"))
    return problem or render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    problem = _api_problem(request, 500, gettext("Something went wrong on our side"))
    if problem:
        return problem
    # The 500 page must not depend on the database or on context processors.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
