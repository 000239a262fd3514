"""Demo groups: communities of practice with discussions and resources."""

from __future__ import annotations

import random

from kindred.accounts.models import User
from kindred.communities.models import Group
from kindred.organisations.models import Organisation


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> list[Group]:
    """Create demo groups and return them (events may be hosted by them)."""
    return []
