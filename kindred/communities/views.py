"""Group pages: thin views over communities services and selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kindred.communities import selectors


def group_list(request: HttpRequest) -> HttpResponse:
    groups = selectors.listed_groups(request.user)  # type: ignore[arg-type]
    return render(request, "communities/list.html", {"groups": groups})
