"""Demo data for ecosystem analytics (called from kindred/core/demo.py).

The ties are collected from the domain apps' demo data, which spans the last
year (kindred/core/demo.py builds its history). Only a month with fewer real ties
than a growing floor gets synthetic demo ties (origin "demo:...") to fill the
gap, so a partial demo (a test with two organisations) still has a trend; the
full demo needs none. Then the last twelve months are snapshotted and the public
page is switched on.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kindred.analytics import services
from kindred.analytics.models import NodeType, Tie
from kindred.organisations import selectors as organisations

MONTHS = 12


def _floor(growth: float) -> int:
    """The fewest ties a month should show: 10 a year ago, about 20 last month.
    The full demo's history has far more (50 to 270 a month at the default
    scale), so only a partial demo falls short."""
    return 10 + int(10 * growth)


def real_ties_by_month(since: date) -> dict[date, int]:
    """How many collected (not synthetic) ties fall in each month from `since`."""
    rows = (
        Tie.objects.filter(on__gte=since)
        .exclude(origin__startswith="demo:")
        .annotate(month=TruncMonth("on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["month"]: row["n"] for row in rows}


def _history(
    orgs: list[Any], rng: random.Random, real: dict[date, int] | None = None
) -> list[Tie]:
    primary = organisations.primary_organisations()
    people = sorted(primary)
    by_org: dict[int, list[int]] = {}
    for person, org in primary.items():
        by_org.setdefault(org, []).append(person)
    org_ids = [o.pk for o in orgs]
    if len(people) < 2 or len(org_ids) < 2:
        return []
    this_month = timezone.localdate().replace(day=1)
    ties: list[Tie] = []
    for back in range(MONTHS, 0, -1):
        month = this_month
        for _step in range(back):
            month = services.previous_month(month)
        growth = (MONTHS - back) / MONTHS  # 0 a year ago, nearly 1 last month
        for n in range(max(0, _floor(growth) - (real or {}).get(month, 0))):
            day = month + timedelta(days=rng.randint(0, 27))
            origin = f"demo:{month:%Y%m}:{n}"
            if rng.random() < 0.2:
                a, b = rng.sample(org_ids, 2)
                kind = rng.choice([Tie.Kind.REFERRAL_ORG, Tie.Kind.PARTNERSHIP])
                ends = (NodeType.ORGANISATION, a, NodeType.ORGANISATION, b)
            else:
                a = rng.choice(people)
                same = by_org.get(primary[a], [])
                if rng.random() > 0.25 + 0.35 * growth and len(same) > 1:
                    b = rng.choice([p for p in same if p != a])
                else:
                    b = rng.choice([p for p in people if p != a])
                kind = rng.choice([Tie.Kind.HELP, Tie.Kind.MEETING, Tie.Kind.MENTORING])
                ends = (NodeType.PERSON, a, NodeType.PERSON, b)
            ties.append(
                Tie(
                    kind=kind,
                    source_type=ends[0],
                    source_id=ends[1],
                    target_type=ends[2],
                    target_id=ends[3],
                    on=day,
                    weight=services.WEIGHTS[kind],
                    origin=origin,
                )
            )
    return ties


def build(orgs: list[Any], people: dict[str, Any], rng: random.Random) -> None:
    """Collect the demo's ties, fill months short of real ties with synthetic
    ones, snapshot twelve months."""
    services.collect_ties()
    this_month = timezone.localdate().replace(day=1)
    first = this_month
    for _step in range(MONTHS):
        first = services.previous_month(first)
    real = real_ties_by_month(first)
    Tie.objects.bulk_create(_history(orgs, rng, real), ignore_conflicts=True)
    month = this_month
    months = []
    for _step in range(MONTHS):
        month = services.previous_month(month)
        months.append(month)
    for month in reversed(months):
        services.take_snapshot(month)
    steward = people.get("steward@example.org")
    if steward is not None:
        services.set_public_page(True, by=steward)
