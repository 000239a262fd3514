"""Demo data for networking rounds."""

from __future__ import annotations

import random

from kindred.accounts.models import User
from kindred.organisations.models import Organisation


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for networking (called from kindred/core/demo.py)."""
