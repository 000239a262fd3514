"""API rate limits: per client address and per token."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from kindred.accounts.models import ApiToken


class AddressRateThrottle(SimpleRateThrottle):
    """Every request counts against its client address (behind trusted proxies)."""

    scope = "address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class TokenRateThrottle(SimpleRateThrottle):
    """Each token has its own budget; a browser session counts per person."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None  # anonymous callers are limited by address only
        return self.cache_format % {"scope": self.scope, "ident": ident}
