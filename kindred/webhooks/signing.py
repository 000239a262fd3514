"""How deliveries are signed, and how a receiver checks them (see docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import time


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", as the Kindred-Signature header says."""
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, *, timestamp: str, body: bytes, header: str, tolerance: int = 300
) -> bool:
    """Return True if `header` signs `body` sent at `timestamp`, recently enough."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent_at, body), header)
