"""Demo referrals: a few named ones that tell the story, then many generated ones.

The named ones: the adviser's referral of the founder to the wellbeing programme
waits for the programme lead to accept; a completed referral waits for the
founder to confirm its outcome (which drafts a success story); and a consent
request waits for the founder's answer.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from kindred.accounts.models import User
from kindred.algorithms import referral_flow as flow
from kindred.directory.models import Service
from kindred.organisations.models import Membership, Role
from kindred.referrals import selectors, services
from kindred.referrals.models import (
    DEFAULT_SHARED,
    Consent,
    Event,
    Outcome,
    Referral,
)

# Generated referrals end in these states, with these weights.
STATES = [
    (flow.SENT, 12),
    (flow.ACCEPTED, 8),
    (flow.IN_PROGRESS, 15),
    (flow.ON_HOLD, 5),
    (flow.COMPLETED, 35),
    (flow.DECLINED, 12),
    (flow.CLOSED, 6),
    (flow.WITHDRAWN, 7),
]
OUTCOMES = [
    (Outcome.Kind.GOT_HELP, 50),
    (Outcome.Kind.TRAINED, 20),
    (Outcome.Kind.FUNDING, 10),
    (Outcome.Kind.JOBS, 8),
    (Outcome.Kind.STARTED, 7),
    (Outcome.Kind.NOT_NEEDED, 5),
]


def referral_count(scale: int) -> int:
    """About four referrals per person: 200,000 at --scale 50000."""
    return max(60, scale * 4)


def build(people: dict[str, User], *, count: int, rng: random.Random) -> int:
    """Create the named referrals, then `count` generated ones; return the total."""
    made = _named(people) + _generated(count, rng)
    selectors.invalidate_reports(
        *Membership.objects.values_list("organisation_id", flat=True).distinct()
    )
    return made


def _consent(**overrides: object) -> services.ConsentInput:
    values: dict[str, object] = {
        "fields": list(DEFAULT_SHARED),
        "purpose": "To offer the support the founder asked for.",
        "expires_on": timezone.localdate() + timedelta(days=180),
        "method": Consent.Method.VERBAL,
        "given_on": timezone.localdate(),
    }
    values.update(overrides)
    return services.ConsentInput(**values)  # type: ignore[arg-type]


def _named(people: dict[str, User]) -> int:
    adviser = people["adviser@example.org"]
    mentor = people["mentor@example.org"]
    founder = people["founder@example.org"]
    lead = people["programme.lead@example.org"]
    hub = Membership.objects.get(user=adviser).organisation
    university = Membership.objects.get(user=mentor).organisation
    mindful = Membership.objects.get(user=lead).organisation
    wellbeing = (
        Service.objects.filter(organisation=mindful, is_programme=True).first()
        or Service.objects.filter(organisation=mindful).first()
    )
    mentoring = Service.objects.filter(organisation=university).first()
    elsewhere = (
        Service.objects.exclude(organisation__in=[hub, university, mindful])
        .order_by("pk")
        .first()
    )
    made = 0
    if wellbeing is not None:
        services.create_referral(
            by=adviser,
            entrepreneur=founder,
            consent=_consent(fields=[*DEFAULT_SHARED, "wellbeing"]),
            service=wellbeing,
            from_organisation=hub,
            note="Jamal is stretched thin running the bakery and would benefit "
            "from the next wellbeing cohort.",
            wellbeing_note="Says stress is 7 out of 10 most weeks.",
        )
        made += 1
    if mentoring is not None:
        done = services.create_referral(
            by=adviser,
            entrepreneur=founder,
            consent=_consent(),
            service=mentoring,
            from_organisation=hub,
            note="Looking for a mentor on pricing.",
        )
        receiver = mentor
        services.transition(done, by=receiver, to=flow.ACCEPTED)
        services.transition(done, by=receiver, to=flow.IN_PROGRESS)
        services.post_message(
            done, by=receiver, body="Priya will be your mentor; first call on Monday."
        )
        services.transition(
            done,
            by=receiver,
            to=flow.COMPLETED,
            outcome=services.OutcomeInput(
                kind=Outcome.Kind.GOT_HELP, note="New price list in place."
            ),
        )
        made += 1
    if elsewhere is not None:
        services.create_referral(
            by=mentor,
            entrepreneur=founder,
            consent=_consent(method=Consent.Method.IN_APP, given_on=None),
            service=elsewhere,
            from_organisation=university,
            note="Could help with export paperwork.",
        )
        made += 1
    return made


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _generated(count: int, rng: random.Random) -> int:
    """Bulk-create `count` referrals between generated people and services."""
    staff = list(
        Membership.objects.filter(
            role__in=(Role.ADMIN, Role.PRACTITIONER), user__email__startswith="person"
        ).values_list("user_id", "organisation_id")
    )
    staff_ids = {u for u, _o in staff}
    clients = list(
        User.objects.filter(is_demo=True, email__startswith="person")
        .exclude(pk__in=staff_ids)
        .values_list("pk", flat=True)
    )
    offered = list(
        Service.objects.filter(status=Service.Status.ACTIVE).values_list(
            "pk", "organisation_id", "name", "response_days"
        )
    )
    if not staff or not clients or not offered:
        return 0
    now = timezone.now()
    today = timezone.localdate()
    made = 0
    for start in range(0, count, 5000):
        batch = min(5000, count - start)
        rows = []
        plans = []
        for _ in range(batch):
            referrer_id, from_org = rng.choice(staff)
            service_id, to_org, name, days = rng.choice(offered)
            for _attempt in range(50):  # never to one's own organisation
                if to_org != from_org:
                    break
                service_id, to_org, name, days = rng.choice(offered)
            else:
                continue
            state = _pick(rng, STATES)
            # A year of referrals, busier lately: two thirds drawn with a density
            # rising towards today, the rest evenly.
            back = (1 - rng.random() ** 0.5) if rng.random() < 0.67 else rng.random()
            sent = now - timedelta(days=1 + 393 * back, hours=rng.uniform(0, 23))
            growth = 1 - back
            if back > 0.15 and state in (flow.SENT, flow.ACCEPTED, flow.ON_HOLD):
                # Old referrals have long been answered; completion improves.
                state = (
                    flow.COMPLETED
                    if rng.random() < 0.45 + 0.4 * growth
                    else _pick(rng, [(flow.DECLINED, 3), (flow.CLOSED, 2)])
                )
            # Answers come quicker as the ecosystem learns to work together.
            answered = min(
                now,
                sent + timedelta(hours=rng.uniform(2, 24 * (3 + 8 * back))),
            )
            taken_on = state in flow.TAKEN_ON
            rows.append(
                Referral(
                    entrepreneur_id=rng.choice(clients),
                    referrer_id=referrer_id,
                    referring_organisation_id=from_org,
                    service_id=service_id,
                    service_name=name,
                    receiving_organisation_id=to_org,
                    status=state,
                    reason=(
                        rng.choice(["not_eligible", "no_capacity", "could_not_contact"])
                        if state == flow.DECLINED
                        else "no_longer_needed"
                        if state == flow.CLOSED
                        else ""
                    ),
                    note="Generated demo referral.",
                    created_at=sent,
                    sent_at=sent,
                    due_at=flow.add_working_days(sent, days),
                    first_response_at=answered
                    if state not in (flow.SENT, flow.WITHDRAWN)
                    else None,
                    response_seconds=int((answered - sent).total_seconds())
                    if state not in (flow.SENT, flow.WITHDRAWN)
                    else None,
                    accepted_at=answered if taken_on else None,
                    finished_at=min(now, answered + timedelta(days=rng.uniform(5, 60)))
                    if state in flow.FINAL
                    else None,
                )
            )
            plans.append(state)
        created = Referral.objects.bulk_create(rows)
        Consent.objects.bulk_create(
            [
                Consent(
                    referral=r,
                    receiving_organisation_id=r.receiving_organisation_id,
                    fields=list(DEFAULT_SHARED),
                    purpose="To offer the support asked for.",
                    expires_on=today + timedelta(days=rng.randint(-30, 300)),
                    status=Consent.Status.GIVEN,
                    method=Consent.Method.VERBAL,
                    given_on=r.sent_at.date(),
                    recorded_by_id=r.referrer_id,
                    answered_at=r.sent_at,
                )
                for r in created
            ]
        )
        Event.objects.bulk_create(
            [
                Event(
                    referral=r,
                    from_status=flow.DRAFT,
                    to_status=flow.SENT,
                    by_id=r.referrer_id,
                    party=flow.REFERRER,
                    at=r.sent_at,
                )
                for r in created
            ]
            + [
                Event(
                    referral=r,
                    from_status=flow.SENT,
                    to_status=state,
                    party=flow.REFERRER if state == flow.WITHDRAWN else flow.RECEIVER,
                    at=r.first_response_at or r.finished_at or r.sent_at,
                )
                for r, state in zip(created, plans, strict=True)
                if state != flow.SENT
            ]
        )
        Outcome.objects.bulk_create(
            [
                Outcome(
                    referral=r,
                    kind=(kind := _pick(rng, OUTCOMES)),
                    amount=rng.randint(2, 50) * 1000
                    if kind == Outcome.Kind.FUNDING
                    else None,
                    number=rng.randint(1, 5) if kind == Outcome.Kind.JOBS else None,
                    recorded_for_id=r.receiving_organisation_id,
                    recorded_at=r.finished_at,
                    confirmed_at=r.finished_at if rng.random() < 0.6 else None,
                )
                for r, state in zip(created, plans, strict=True)
                if state == flow.COMPLETED
            ]
        )
        made += len(created)
    return made
