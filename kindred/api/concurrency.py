"""Optimistic concurrency: ETag on what the API returns, If-Match on updates."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = _(
        "Someone changed this since you read it: "
        "fetch it again, then repeat your change."
    )


def etag_of(data: Any) -> str:
    """A strong validator for a representation: the hash of its canonical JSON."""
    canonical = json.dumps(data, sort_keys=True, default=str).encode()
    return '"' + hashlib.sha256(canonical).hexdigest()[:32] + '"'


def check_if_match(request: Request, current: Any) -> None:
    """Raise 412 if the request's If-Match names another version than `current`.

    Without If-Match the update goes ahead (last write wins), as HTTP allows.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if etag_of(current) not in wanted:
        raise PreconditionFailed()


def with_etag(response: Response) -> Response:
    response["ETag"] = etag_of(response.data)
    return response
