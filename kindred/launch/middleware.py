"""Send every page to the first-run page while the ecosystem has no steward, bring
a steward in the middle of a launch back to the wizard from the home page, and
tell visitors of the sign-in and sign-up pages that sign-up opens soon."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kindred.launch import selectors

# Paths that answer during a first run: the page itself, files, health and APIs.
OPEN_PREFIXES = ("/launch/", "/static/", "/media/", "/healthz", "/api/", "/hsds/")
ENTRANCES = ("/account/login/", "/account/signup/")
RESUME = "launch.resume"


class FirstRunMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(OPEN_PREFIXES) and (
            selectors.state().needs_steward
        ):
            return redirect("launch:first_run")
        if request.method == "GET":
            if (
                request.path == "/"
                and request.user.is_authenticated
                and request.session.get(RESUME)
            ):
                return redirect("launch:wizard")
            if request.path in ENTRANCES and not selectors.state().doors_open:
                messages.info(
                    request,
                    _(
                        "%(site)s is getting ready: sign-up opens soon. Invited? "
                        "Use the link in your invitation email."
                    )
                    % {"site": selectors.site_name()},
                )
        return self.get_response(request)
