"""Demo data for moderation: one open report for the steward to handle."""

from __future__ import annotations

import random

from kindred.accounts.models import User
from kindred.moderation import services
from kindred.organisations.models import Organisation
from kindred.projects import services as project_services


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for moderation (called from kindred/core/demo.py)."""
    reporter = people.get("adviser@example.org")
    author = next(
        (
            person
            for email, person in sorted(people.items())
            if email not in {"adviser@example.org", "steward@example.org"}
            and not person.is_steward
            and email != "founder@example.org"
        ),
        None,
    )
    if reporter is None or author is None:
        return
    project = project_services.create_project(
        by=author,
        title="Get rich quick: join my crypto course",
        description="Send me your savings and I will triple them. Limited places!",
    )
    services.report_content(
        project,
        by=reporter,
        reason="spam",
        note="Looks like a scam, not a project.",
    )
