"""Idempotency-Key: a retried POST with the same key creates one object."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from kindred.api.errors import problem
from kindred.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Replay the first successful answer to a request carrying the same key.

    The key belongs to the caller; reusing it for a different request is a 422.
    """

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "")
        if not key or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if len(key) > 200 or not key.isprintable():
            return problem(
                400, _("The Idempotency-Key must be at most 200 printable characters.")
            )
        fingerprint = hashlib.sha256(request.body).hexdigest()
        IdempotencyRecord.objects.filter(
            created_at__lt=timezone.now() - KEEP_FOR
        ).delete()  # indexed; keeps the table to a day of keys
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method,
                        path=request.path,
                        fingerprint=fingerprint,
                    )
            except IntegrityError:
                return _replay(request, key, fingerprint)
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.status = response.status_code
                record.body = response.data
                record.save(update_fields=["status", "body"])
            else:
                record.delete()
            return response

    return wrapper


def _replay(request: Request, key: str, fingerprint: str) -> Response:
    record = IdempotencyRecord.objects.get(user=request.user, key=key)
    if (record.method, record.path, record.fingerprint) != (
        request.method,
        request.path,
        fingerprint,
    ):
        return problem(
            422, _("This Idempotency-Key was already used for a different request.")
        )
    if not record.status:
        return problem(409, _("A request with this Idempotency-Key is still running."))
    response = Response(record.body, status=record.status)
    response["Idempotent-Replayed"] = "true"
    return response
