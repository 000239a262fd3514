from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from kindred.accounts.models import ApiToken
from kindred.core.middleware import set_log_user

# Query parameters a client might put a token in. A token there ends up in proxy
# logs, browser history and Referer headers, so a request carrying one is refused
# outright, even when the token is valid.
TOKEN_QUERY_PARAMETERS = (
    "token",
    "access_token",
    "api_token",
    "api_key",
    "apikey",
    "key",
    "bearer",
    "auth",
)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <personal access token>`, and only in that header."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        for name in TOKEN_QUERY_PARAMETERS:
            if name in request.query_params:
                raise exceptions.AuthenticationFailed(
                    _(
                        "Never put a token in the address (the “%(name)s” query "
                        "parameter): send it as “Authorization: Bearer <token>”, "
                        "and revoke this token if it was real."
                    )
                    % {"name": name}
                )
        header = authentication.get_authorization_header(request).decode(
            "latin-1", errors="replace"
        )
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Bearer <token>”.")
            )
        token = ApiToken.find_active(parts[1])
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is invalid or revoked."))
        now = timezone.now()
        if (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > 60
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        set_log_user(token.user.pk)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
