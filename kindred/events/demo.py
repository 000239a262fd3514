"""Demo events: online, in-person and hybrid sessions, some recurring."""

from __future__ import annotations

import random

from kindred.accounts.models import User
from kindred.communities.models import Group
from kindred.organisations.models import Organisation


def build(
    orgs: list[Organisation],
    people: dict[str, User],
    groups: list[Group],
    rng: random.Random,
) -> None:
    """Create demo events, past and upcoming, with registrations."""
