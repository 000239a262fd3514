"""Video-room links for calls, sessions and introductions.

Rooms are named with a random, unguessable part so that a link cannot be found by
trying names; the base comes from KINDRED_VIDEO_BASE_URL (a Jitsi Meet server by
default, where any new name opens a fresh room).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.text import slugify


def room_url(label: str = "") -> str:
    """Return a new room URL: <base><readable-label>-<random>."""
    base = settings.KINDRED_VIDEO_BASE_URL
    if not base.endswith("/"):
        base += "/"
    readable = slugify(label)[:40].strip("-")
    token = secrets.token_urlsafe(12).replace("_", "").replace("-", "")[:14]
    name = f"Kindred-{readable}-{token}" if readable else f"Kindred-{token}"
    return base + name
