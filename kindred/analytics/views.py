"""Pages of ecosystem analytics (skeleton; the pages land with issue 10)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kindred.core.steward_views import steward_required


@steward_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/dashboard.html", {})
