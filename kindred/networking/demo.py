"""Demo data for networking rounds: the steward's ecosystem-wide monthly
"Northshire random coffee" with most demo people opted in, one past round whose
introductions are in every state (founder@ met someone from another
organisation), and its next round date; and a community group's fortnightly
programme."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from kindred.accounts.models import User
from kindred.communities.models import Group
from kindred.communities.models import Membership as GroupMembership
from kindred.core.video import room_url
from kindred.networking import services
from kindred.networking.models import Introduction, Member, Programme, Round
from kindred.organisations.models import Organisation

if TYPE_CHECKING:
    from kindred.core.demo import Cast


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for networking (called from kindred/core/demo.py)."""
    steward = people.get("steward@example.org")
    if steward is None:
        return
    today = timezone.localdate()
    programme = services.create_programme(
        by=steward,
        name="Northshire random coffee",
        description=(
            "Once a month, meet someone from another corner of the ecosystem for "
            "half an hour. Opt in, snooze a month when you are busy."
        ),
        audience=Programme.Audience.EVERYONE,
        cadence=Programme.Cadence.MONTHLY,
        next_round_on=today + timedelta(days=12),
        organisation=orgs[0] if orgs else None,
    )
    everyone = [u for u in people.values() if u.is_active]
    rng.shuffle(everyone)
    keep_out = max(1, len(everyone) // 6)
    opted = [u for u in everyone[keep_out:]]
    for login in ("founder@example.org", "mentor@example.org", "adviser@example.org"):
        user = people.get(login)
        if user is not None and user not in opted:
            opted.append(user)
    for user in opted:
        services.opt_in(programme, by=user)
    past = services.run_round(programme, on=today - timedelta(days=18))
    _past_states(past.introductions.all(), people.get("founder@example.org"), rng)
    founder = people.get("founder@example.org")
    if founder is not None:
        services.set_topic_line(
            programme, by=founder, line="Finding a first export customer"
        )
    _group_programme(steward, rng)


def _past_states(
    introductions: object, founder: User | None, rng: random.Random
) -> None:
    now = timezone.now()
    for n, introduction in enumerate(introductions):  # type: ignore[attr-defined]
        members = list(introduction.members.all())
        is_founders = founder is not None and any(
            m.user_id == founder.pk for m in members
        )
        state = (
            "met" if is_founders else ["met", "scheduled", "not_met", "matched"][n % 4]
        )
        if state == "matched":
            continue
        first = (
            introduction.suggested_times[0] if introduction.suggested_times else None
        )
        when = datetime.fromisoformat(first) if first else now - timedelta(days=10)
        introduction.chosen_time = when
        introduction.chosen_by = members[0].user
        introduction.status = (
            Introduction.Status.SCHEDULED
            if state == "scheduled"
            else Introduction.Status.MET
            if state == "met"
            else Introduction.Status.NOT_MET
        )
        introduction.met_at = when if state == "met" else None
        introduction.save()
        if state == "scheduled":
            continue
        for member in members:
            Member.objects.filter(pk=member.pk).update(
                did_meet=state == "met",
                rating=rng.randint(3, 5) if state == "met" else None,
                stay_in_touch=rng.random() < 0.7 if state == "met" else None,
                answered_at=now - timedelta(days=3),
            )


def _group_programme(steward: User, rng: random.Random) -> None:
    facilitation = (
        GroupMembership.objects.filter(
            role=GroupMembership.Role.FACILITATOR,
            status=GroupMembership.Status.ACTIVE,
            group__status=Group.Status.ACTIVE,
        )
        .select_related("group", "user")
        .order_by("group__name")
        .first()
    )
    if facilitation is None:
        return
    group = facilitation.group
    programme = services.create_programme(
        by=facilitation.user,
        name=f"{group.name}: fortnightly coffee",
        description="Two members of the group meet every other week.",
        audience=Programme.Audience.GROUP,
        group=group,
        cadence=Programme.Cadence.FORTNIGHTLY,
        next_round_on=timezone.localdate() + timedelta(days=5),
        favour_shared_interests=4,
    )
    for membership in group.memberships.filter(
        status=GroupMembership.Status.ACTIVE
    ).select_related("user"):
        if rng.random() < 0.8:
            services.opt_in(programme, by=membership.user)


def history(cast: Cast, rng: random.Random) -> int:
    """Backdate the random coffee's earlier monthly rounds: a handful of
    introductions a year ago, more each month, more of them across
    organisations and more of them met. Return how many rounds were added."""
    from kindred.core.demo import past_months

    programme = Programme.objects.filter(name="Northshire random coffee").first()
    if programme is None or len(cast.people) < 4:
        return 0
    ran = set(programme.rounds.values_list("round_on", flat=True))
    added = 0
    for growth, start, end in past_months()[:-1]:
        round_on = start + timedelta(days=4)
        if any(start <= day < end for day in ran):
            continue
        at = timezone.make_aware(datetime.combine(round_on, time(9, 0)))
        pairs: list[tuple[User, User]] = []
        placed: set[int] = set()
        for _n in range(3 + round(6 * growth)):
            for _attempt in range(10):  # nobody twice in one round
                a = cast.someone(rng)
                b = cast.partner(rng, a, cross_share=0.4 + 0.5 * growth)
                if a.pk not in placed and b.pk not in placed:
                    pairs.append((a, b))
                    placed |= {a.pk, b.pk}
                    break
        round_ = Round.objects.create(
            programme=programme,
            round_on=round_on,
            ran_at=at,
            participants=2 * len(pairs),
            introductions_made=len(pairs),
            method="pairing",
            asked_at=at + timedelta(days=14),
        )
        met = [rng.random() < 0.55 + 0.35 * growth for _pair in pairs]
        introductions = Introduction.objects.bulk_create(
            [
                Introduction(
                    round=round_,
                    status=Introduction.Status.MET
                    if did
                    else Introduction.Status.NOT_MET,
                    features={"different_organisations": cast.is_cross(a, b)},
                    video_url=room_url(programme.name),
                    chosen_time=at + timedelta(days=rng.randint(2, 10))
                    if did
                    else None,
                    chosen_by=a if did else None,
                    created_at=at,
                    met_at=at + timedelta(days=rng.randint(2, 10)) if did else None,
                )
                for (a, b), did in zip(pairs, met, strict=True)
            ]
        )
        Member.objects.bulk_create(
            [
                Member(
                    introduction=introduction,
                    user=person,
                    organisation_id_then=cast.organisation_of[person.pk],
                    did_meet=did,
                    rating=rng.randint(3, 5) if did else None,
                    stay_in_touch=rng.random() < 0.6 if did else None,
                    answered_at=at + timedelta(days=15),
                )
                for introduction, pair, did in zip(
                    introductions, pairs, met, strict=True
                )
                for person in pair
            ]
        )
        added += 1
    return added
