"""Print a setup key after `kindred migrate` while the ecosystem has no steward."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS


def setup_key_banner(key: str) -> str:
    url = f"{settings.KINDRED_BASE_URL}/launch/"
    return (
        "\n  This ecosystem has no steward yet. To claim it, open\n"
        f"    {url}\n"
        "  and enter this one-time setup key:\n\n"
        f"    {key}\n\n"
        "  Lost it? `kindred setup --key` prints a new one (the old one stops "
        "working).\n"
    )


def print_setup_key(
    *, using: str = DEFAULT_DB_ALIAS, stdout: TextIO | None = None, **kwargs: Any
) -> None:
    """Issue and print a setup key when the database has nobody in it yet.

    Not in tests, and not when `make run` is about to load the demo
    (KINDRED_DEMO=1): the demo brings its own steward.
    """
    if settings.TESTING or os.environ.get("KINDRED_DEMO") == "1":
        return
    if using != DEFAULT_DB_ALIAS:
        return
    from kindred.accounts.models import User
    from kindred.launch import services

    if User.objects.exists():
        return
    key = services.issue_setup_key()
    (stdout or sys.stdout).write(setup_key_banner(key))
