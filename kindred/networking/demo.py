"""Demo data for networking rounds: the steward's ecosystem-wide monthly
"Northshire random coffee" with most demo people opted in, one past round whose
introductions are in every state (founder@ met someone from another
organisation), and its next round date; and a community group's fortnightly
programme."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from kindred.accounts.models import User
from kindred.communities.models import Group
from kindred.communities.models import Membership as GroupMembership
from kindred.networking import services
from kindred.networking.models import Introduction, Member, Programme
from kindred.organisations.models import Organisation


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
