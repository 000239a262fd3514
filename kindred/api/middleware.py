"""Per-address rate limit for the whole API, applied before authentication.

It runs ahead of DRF so that requests refused for bad credentials count too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from kindred.api.throttles import AddressRateThrottle


class ApiAddressRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            throttle = AddressRateThrottle()
            if not throttle.allow_request(request, None):  # type: ignore[arg-type]
                wait = throttle.wait()
                response = JsonResponse(
                    {
                        "type": "https://kindred.invalid/problems/throttled",
                        "title": _("Too many requests"),
                        "status": 429,
                        "detail": _("Too many requests from your address; slow down."),
                    },
                    status=429,
                    content_type="application/problem+json",
                )
                response["Retry-After"] = str(max(1, math.ceil(wait or 1)))
                return response
        return self.get_response(request)
