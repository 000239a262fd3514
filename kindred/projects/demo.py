"""Demo data for projects: a founder's project with an accepted volunteer, and
member businesses (one of them the founder's)."""

from __future__ import annotations

import random

from kindred.accounts.models import User
from kindred.core.models import Region, Sector, Topic
from kindred.organisations.models import Organisation
from kindred.projects import services
from kindred.projects.services import RoleInput


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for projects (called from kindred/core/demo.py)."""
    founder = people.get("founder@example.org")
    mentor = people.get("mentor@example.org")
    adviser = people.get("adviser@example.org")
    if founder is None:
        return
    topics = list(Topic.objects.filter(is_active=True).order_by("name")[:6])
    project = services.create_project(
        by=founder,
        title="New product launch: oat milk for cafés",
        description=(
            "We launch our barista oat milk in the spring. We need help with the "
            "words on the pack and people to **try it** in their coffee."
        ),
        topics=topics[:2],
        roles=[
            RoleInput(
                title="Copywriter",
                description="Short, friendly words for the pack and the website.",
                places=1,
                topics=topics[2:3],
            ),
            RoleInput(
                title="Tester",
                description="Try three samples and tell us what you think.",
                places=3,
            ),
        ],
    )
    tester = project.roles.get(title="Tester")
    if mentor is not None:
        offer = services.volunteer_for(
            tester, by=mentor, message="I drink far too much coffee. Happy to test!"
        )
        services.decide_volunteer(offer, by=founder, accept=True)
        services.post_update(
            project,
            by=founder,
            body="Samples go out on Monday. Thank you for helping!",
        )
    if adviser is not None:
        services.volunteer_for(
            project.roles.get(title="Copywriter"),
            by=adviser,
            message="I wrote copy for two food start-ups.",
        )
    sectors = list(Sector.objects.filter(is_active=True).order_by("name")[:3])
    regions = list(Region.objects.filter(is_active=True).order_by("name")[:2])
    services.create_business(
        by=founder,
        name="Oat & Co",
        summary="Barista oat milk made from local oats.",
        offers="* Barista oat milk, 1 litre cartons\n* Tastings for cafés",
        member_offer="10% off the first order for Kindred members",
        sector=sectors[0] if sectors else None,
        region=regions[0] if regions else None,
        website="https://oat.example.org",
        topics=topics[:2],
    )
    if mentor is not None:
        services.create_business(
            by=mentor,
            name="Clear Books Bookkeeping",
            summary="Bookkeeping and cash-flow forecasts for small firms.",
            offers="Monthly bookkeeping, VAT returns, cash-flow forecasts.",
            member_offer="A free first cash-flow review",
            sector=sectors[-1] if sectors else None,
            region=regions[-1] if regions else None,
            topics=topics[3:5],
        )
