"""Choose who and what the simulated users visit, inside the demo database.

Run inside Django (`kindred shell -c "from benchmarks.load.plan import make; ..."`):
the chosen people get one known password (generated demo people have none), and
the ids and slugs the locustfile requests are written to a JSON file. Everything
chosen is visible to the people who visit it, so any 4xx in the run is a defect.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any


def make(
    out: str, *, password: str, founders: int, advisers: int, seed: int = 7
) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password

    from kindred.accounts.models import Profile, User
    from kindred.core.models import Topic
    from kindred.directory.models import Service
    from kindred.events.models import Event
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.peerhelp.models import Ask
    from kindred.referrals.models import DEFAULT_SHARED

    rng = random.Random(seed)
    # People working for exactly one active organisation, as admin or practitioner.
    staff: dict[int, list[int]] = {}
    for user_id, org_id in Membership.objects.filter(
        role__in=(Role.ADMIN, Role.PRACTITIONER), organisation__is_active=True
    ).values_list("user_id", "organisation_id"):
        staff.setdefault(user_id, []).append(org_id)
    members = set(Membership.objects.values_list("user_id", flat=True))
    active = User.objects.filter(
        is_active=True, suspended_at__isnull=True, is_steward=False, is_demo=True
    )
    adviser_ids = sorted(u for u, orgs in staff.items() if len(orgs) == 1)
    adviser_ids = [
        pk for pk in active.filter(pk__in=adviser_ids).values_list("pk", flat=True)
    ]
    rng.shuffle(adviser_ids)
    adviser_ids = adviser_ids[:advisers]
    # Entrepreneurs: in no organisation at all, so any organisation may receive them.
    founder_pool = list(
        active.exclude(pk__in=members)
        .filter(email__startswith="person")
        .values_list("pk", flat=True)[: founders * 4 + 400]
    )
    rng.shuffle(founder_pool)
    founder_ids = founder_pool[:founders]
    referred_ids = founder_pool[founders : founders + 400] or founder_ids
    hashed = make_password(password)
    User.objects.filter(pk__in=founder_ids + adviser_ids).update(password=hashed)

    emails = dict(
        User.objects.filter(
            pk__in=founder_ids + adviser_ids + referred_ids
        ).values_list("pk", "email")
    )
    services = list(
        Service.objects.filter(
            status=Service.Status.ACTIVE, organisation__is_active=True
        ).values_list("pk", "organisation_id")[:5000]
    )
    services = rng.sample(services, min(400, len(services)))
    organisations = list(
        Organisation.objects.filter(is_active=True).values_list("slug", flat=True)[
            :5000
        ]
    )
    profiles = list(Profile.objects.listed().values_list("pk", flat=True)[:20000])
    events = list(
        Event.objects.filter(
            status=Event.Status.SCHEDULED,
            host_kind=Event.HostKind.ORGANISATION,
            group__isnull=True,
        ).values_list("pk", flat=True)[:2000]
    )
    asks = list(
        Ask.objects.filter(
            status=Ask.Status.OPEN, visibility=Ask.Visibility.ECOSYSTEM
        ).values_list("pk", flat=True)[:2000]
    )
    topics = list(Topic.objects.filter(is_active=True).values_list("name", flat=True))
    plan = {
        "password": password,
        "founders": [emails[pk] for pk in founder_ids],
        "advisers": [
            {"email": emails[pk], "organisation": staff[pk][0]} for pk in adviser_ids
        ],
        "referred": [emails[pk] for pk in referred_ids],
        "services": [{"id": s, "organisation": o} for s, o in services],
        "organisations": rng.sample(organisations, min(400, len(organisations))),
        "profiles": rng.sample(profiles, min(1000, len(profiles))),
        "events": rng.sample(events, min(200, len(events))),
        "asks": rng.sample(asks, min(400, len(asks))),
        "search_terms": rng.sample(topics, min(40, len(topics)))
        + ["mentoring", "funding", "export", "wellbeing", "marketing"],
        "shared_fields": list(DEFAULT_SHARED),
    }
    Path(out).write_text(json.dumps(plan))
    counts = {k: len(v) for k, v in plan.items() if isinstance(v, list)}
    print("PLAN" + json.dumps(counts))
    return plan
