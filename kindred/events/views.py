"""Event pages: thin views over events services and selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def calendar(request: HttpRequest) -> HttpResponse:
    return render(request, "events/calendar.html", {"events": []})
