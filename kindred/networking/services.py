"""Writes for networking rounds: one function per use case.

Hard rules of a round, whatever the algorithm proposes: nobody meets someone they
met in the programme's last `repeat_block_rounds` rounds, nobody meets a person on
either one's "do not pair me with" list, and people who opted out or snoozed the
round are not in it. A round runs at most once per date.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.algorithms import pairing
from kindred.communities.models import Group
from kindred.core import audit, video
from kindred.core.errors import NotAllowed, validate_model
from kindred.networking import permissions
from kindred.networking.errors import NetworkingError, RoundConflict
from kindred.networking.models import (
    DoNotPair,
    Introduction,
    Member,
    Participation,
    Programme,
    Round,
)
from kindred.networking.times import suggest_times
from kindred.organisations.models import Membership, Organisation, Role

#: People who joined Kindred this recently count as new to the ecosystem.
NEW_FOR_DAYS = 90
#: Ask "did you meet?" this long after a round.
ASK_AFTER_DAYS = 7
MAX_DO_NOT_PAIR = 200

PROGRAMME_FIELDS = (
    "name",
    "description",
    "audience",
    "group",
    "organisation",
    "cadence",
    "next_round_on",
    "size",
    "favour_different_organisations",
    "favour_different_sectors",
    "favour_shared_interests",
    "favour_newcomers",
    "repeat_block_rounds",
    "is_active",
)


# --- programmes -------------------------------------------------------------------


def _check_scope(
    programme: Programme, *, by: User, group: Group | None, organisation: Any
) -> None:
    from kindred.accounts.permissions import is_steward
    from kindred.communities import selectors as community_selectors

    if programme.audience == Programme.Audience.GROUP:
        if group is None:
            raise NetworkingError(
                _("Choose the community group whose members take part."),
                field="group",
            )
        if not is_steward(by) and group.pk not in (
            community_selectors.facilitated_group_ids(by)
        ):
            raise NotAllowed(_("Only the group's facilitators can do that."))
    else:
        programme.group = None
        if not is_steward(by):
            raise NotAllowed(
                _("Only stewards run programmes beyond a community group.")
            )
    if organisation is not None and not is_steward(by):
        acts = Membership.objects.filter(
            user=by, organisation=organisation, role=Role.ADMIN
        ).exists()
        if not acts:
            raise NotAllowed(_("Choose an organisation you are an admin of."))


@transaction.atomic
def create_programme(*, by: User, **fields: Any) -> Programme:
    """Create a networking programme (stewards; facilitators for their group)."""
    if not permissions.can_create_programme(by):
        raise NotAllowed(_("Only stewards and group facilitators create programmes."))
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    programme = Programme(created_by=by, **fields)
    _check_scope(
        programme,
        by=by,
        group=fields.get("group"),
        organisation=fields.get("organisation"),
    )
    if programme.next_round_on < timezone.localdate():
        raise NetworkingError(
            _("The next round cannot be in the past."), field="next_round_on"
        )
    validate_model(programme, exclude=["created_by"])
    programme.save()
    audit.record("networking.programme_created", actor=by, target=programme)
    return programme


@transaction.atomic
def update_programme(programme: Programme, *, by: User, **fields: Any) -> Programme:
    """Change a programme's settings (its organisers)."""
    permissions.require_manager(by, programme)
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    for name, value in fields.items():
        setattr(programme, name, value)
    if "audience" in fields or "group" in fields or "organisation" in fields:
        _check_scope(
            programme,
            by=by,
            group=programme.group,
            organisation=fields.get("organisation"),
        )
    if "next_round_on" in fields and programme.next_round_on < timezone.localdate():
        raise NetworkingError(
            _("The next round cannot be in the past."), field="next_round_on"
        )
    validate_model(programme, exclude=["created_by"])
    programme.save()
    audit.record(
        "networking.programme_changed", actor=by, target=programme, fields=list(fields)
    )
    return programme


# --- a member's choices -----------------------------------------------------------


def _participation(programme: Programme, user: User) -> Participation:
    participation, _created = Participation.objects.select_for_update().get_or_create(
        programme=programme, user=user, defaults={"opted_in": False}
    )
    return participation


def _require_open(programme: Programme, by: User) -> None:
    if not programme.is_active:
        raise NetworkingError(_("This programme is paused."))
    if not permissions.is_eligible(by, programme):
        raise NotAllowed(_("This programme is not open to you."))


@transaction.atomic
def opt_in(programme: Programme, *, by: User) -> Participation:
    """Take part in the programme's rounds from the next one on."""
    _require_open(programme, by)
    participation = _participation(programme, by)
    participation.opted_in = True
    participation.save()
    return participation


@transaction.atomic
def opt_out(programme: Programme, *, by: User) -> Participation:
    """Leave future rounds; introductions already made stay as they are."""
    participation = _participation(programme, by)
    participation.opted_in = False
    participation.snoozed_round_on = None
    participation.save()
    return participation


@transaction.atomic
def snooze(programme: Programme, *, by: User, snoozed: bool = True) -> Participation:
    """Skip (or stop skipping) the programme's next round."""
    participation = _participation(programme, by)
    if snoozed and not participation.opted_in:
        raise NetworkingError(_("Opt in first: only a participant can snooze."))
    participation.snoozed_round_on = programme.next_round_on if snoozed else None
    participation.save()
    return participation


@transaction.atomic
def update_participation(
    programme: Programme,
    *,
    by: User,
    opted_in: bool | None = None,
    snoozed: bool | None = None,
    topic_line: str | None = None,
) -> Participation:
    """Change several choices at once: all of them, or (on a refusal) none."""
    participation = _participation(programme, by)
    if opted_in is True:
        participation = opt_in(programme, by=by)
    elif opted_in is False:
        participation = opt_out(programme, by=by)
    if snoozed is not None:
        participation = snooze(programme, by=by, snoozed=snoozed)
    if topic_line is not None:
        participation = set_topic_line(programme, by=by, line=topic_line)
    return participation


@transaction.atomic
def set_topic_line(programme: Programme, *, by: User, line: str) -> Participation:
    """Say what you would like to talk about in the next round (one line)."""
    line = " ".join(line.replace("\x00", "").split())
    if len(line) > 200:
        raise NetworkingError(_("Keep it to 200 characters."), field="topic_line")
    participation = _participation(programme, by)
    if line and not participation.opted_in:
        raise NetworkingError(_("Opt in first to add a line for your next round."))
    participation.topic_line = line
    participation.topic_line_round_on = programme.next_round_on if line else None
    participation.save()
    return participation


@transaction.atomic
def add_do_not_pair(*, by: User, other: User) -> DoNotPair:
    """Never pair `by` with `other` in any programme. `other` is never told."""
    if other.pk == by.pk:
        raise NetworkingError(_("You cannot put yourself on your list."))
    if not other.is_active:
        raise NetworkingError(_("No such person."), field="other")
    if DoNotPair.objects.filter(owner=by).count() >= MAX_DO_NOT_PAIR:
        raise NetworkingError(_("Your list is full."))
    entry, _created = DoNotPair.objects.get_or_create(owner=by, other=other)
    return entry


@transaction.atomic
def remove_do_not_pair(*, by: User, other: User) -> None:
    DoNotPair.objects.filter(owner=by, other=other).delete()


# --- rounds -----------------------------------------------------------------------


@dataclass
class Population:
    """A round's participants and what the algorithm needs about them."""

    user_ids: list[int]
    people: pairing.People
    topic_ids: list[int]
    organisation_of: dict[int, int]
    sectors_of: dict[int, set[int]]
    topics_of: dict[int, set[int]]
    new_ids: set[int]
    practitioner_ids: set[int]


def participant_ids(programme: Programme, round_on: date) -> list[int]:
    """Who takes part in the round on `round_on`: opted in, not snoozed, active
    and still eligible."""
    rows = Participation.objects.filter(
        programme=programme,
        opted_in=True,
        user__is_active=True,
        user__suspended_at__isnull=True,
    ).exclude(snoozed_round_on=round_on)
    if programme.audience == Programme.Audience.GROUP:
        from kindred.communities.models import Membership as GroupMembership

        rows = rows.filter(
            user_id__in=GroupMembership.objects.filter(
                group_id=programme.group_id, status=GroupMembership.Status.ACTIVE
            ).values("user_id")
        )
    elif programme.audience == Programme.Audience.PRACTITIONERS:
        rows = rows.filter(user_id__in=_staff_ids_query())
    return sorted(rows.values_list("user_id", flat=True))


def _staff_ids_query() -> Any:
    return Membership.objects.filter(
        role__in=permissions.STAFF_ROLES, organisation__is_active=True
    ).values("user_id")


def build_population(user_ids: list[int], *, today: date) -> Population:
    from kindred.accounts.models import Profile

    index = {uid: i for i, uid in enumerate(user_ids)}
    organisation_of: dict[int, int] = {}
    for uid, org in (
        Membership.objects.filter(user_id__in=user_ids, organisation__is_active=True)
        .order_by("joined_at", "pk")
        .values_list("user_id", "organisation_id")
    ):
        organisation_of.setdefault(uid, org)
    practitioner_ids = set(
        Membership.objects.filter(
            user_id__in=user_ids,
            role__in=permissions.STAFF_ROLES,
            organisation__is_active=True,
        ).values_list("user_id", flat=True)
    )
    sectors_of: dict[int, set[int]] = defaultdict(set)
    topics_of: dict[int, set[int]] = defaultdict(set)
    through = Profile.sectors.through
    for uid, sector in through.objects.filter(
        profile__user_id__in=user_ids
    ).values_list("profile__user_id", "sector_id"):
        sectors_of[uid].add(sector)
    for relation in (Profile.topics_offered.through, Profile.topics_needed.through):
        for uid, topic in relation.objects.filter(
            profile__user_id__in=user_ids
        ).values_list("profile__user_id", "topic_id"):
            topics_of[uid].add(topic)
    since = timezone.now() - timedelta(days=NEW_FOR_DAYS)
    new_ids = set(
        User.objects.filter(pk__in=user_ids, date_joined__gte=since).values_list(
            "pk", flat=True
        )
    )
    topic_ids = sorted({t for ts in topics_of.values() for t in ts})
    column = {t: c for c, t in enumerate(topic_ids)}
    n = len(user_ids)
    topics = np.zeros((n, len(topic_ids)), bool)
    for uid, ts in topics_of.items():
        for t in ts:
            topics[index[uid], column[t]] = True
    people = pairing.People(
        organisation=np.array(
            [organisation_of.get(uid, -1) for uid in user_ids], np.int64
        ),
        sector=np.array(
            [min(sectors_of[uid]) if sectors_of.get(uid) else -1 for uid in user_ids],
            np.int64,
        ),
        topics=topics,
        new=np.array([uid in new_ids for uid in user_ids], bool),
    )
    return Population(
        user_ids=user_ids,
        people=people,
        topic_ids=topic_ids,
        organisation_of=organisation_of,
        sectors_of=dict(sectors_of),
        topics_of=dict(topics_of),
        new_ids=new_ids,
        practitioner_ids=practitioner_ids,
    )


def excluded_pairs(
    programme: Programme, user_ids: list[int], round_on: date
) -> set[tuple[int, int]]:
    """User-id pairs (lower id first) that must not meet in this round."""
    members = set(user_ids)
    banned: set[tuple[int, int]] = set()
    for a, b in DoNotPair.objects.filter(
        owner_id__in=members, other_id__in=members
    ).values_list("owner_id", "other_id"):
        banned.add((min(a, b), max(a, b)))
    if programme.repeat_block_rounds:
        recent = list(
            programme.rounds.filter(round_on__lt=round_on)
            .order_by("-round_on")
            .values_list("pk", flat=True)[: programme.repeat_block_rounds]
        )
        groups: dict[int, list[int]] = defaultdict(list)
        for intro, uid in Member.objects.filter(
            introduction__round_id__in=recent, user_id__in=members
        ).values_list("introduction_id", "user_id"):
            groups[intro].append(uid)
        for people in groups.values():
            for a, b in combinations(sorted(people), 2):
                banned.add((a, b))
    if programme.audience == Programme.Audience.MIXED:
        staff = sorted(
            members
            & set(
                Membership.objects.filter(
                    user_id__in=members,
                    role__in=permissions.STAFF_ROLES,
                    organisation__is_active=True,
                ).values_list("user_id", flat=True)
            )
        )
        banned.update(combinations(staff, 2))
    return banned


def plan_groups(
    programme: Programme,
    population: Population,
    banned: set[tuple[int, int]],
    *,
    seed: int,
) -> tuple[list[tuple[int, ...]], str]:
    """Who meets whom, as tuples of user ids; every hard rule holds."""
    user_ids = population.user_ids
    n = len(user_ids)
    if n < 2:
        return [], "none"
    index = {uid: i for i, uid in enumerate(user_ids)}
    excluded = [(index[a], index[b]) for a, b in banned]
    # Exclusions are struck out before each person's best are chosen.
    k = min(n - 1, pairing.CANDIDATES)
    favour = pairing.Favour(
        different_organisations=programme.favour_different_organisations,
        different_sectors=programme.favour_different_sectors,
        shared_interests=programme.favour_shared_interests,
        newcomers=programme.favour_newcomers,
    )
    edges = pairing.candidate_edges(
        population.people, favour, k=k, excluded=excluded, seed=seed
    )
    if programme.size == Programme.Size.GROUPS:
        result = pairing.group_round(n, edges, excluded=excluded)
    else:
        result = pairing.pair_round(n, edges, excluded=excluded)
    # The algorithm keeps excluded people apart; checking again costs nothing.
    groups = repair_groups(
        result.groups, {(min(a, b), max(a, b)) for a, b in excluded}, max_size=4
    )
    return [tuple(user_ids[i] for i in g) for g in groups], result.method


def repair_groups(
    groups: Iterable[tuple[int, ...]], banned: set[tuple[int, int]], *, max_size: int
) -> list[tuple[int, ...]]:
    """Split any group holding a pair that is not allowed, and place the people it
    frees into pairs or groups where everyone may meet them.

    The algorithm adds the odd ones out to a pair next to one of them; the others
    in that pair may be on their list (`banned` holds lower index first).
    """

    def ok(a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) not in banned

    kept: list[list[int]] = []
    loose: list[int] = []
    for group in groups:
        members = sorted(group)
        if all(ok(a, b) for a, b in combinations(members, 2)):
            kept.append(members)
            continue
        # Keep the best allowed pair of the group; free the rest.
        pair = next(((a, b) for a, b in combinations(members, 2) if ok(a, b)), None)
        if pair is None:
            loose += members
            continue
        kept.append(list(pair))
        loose += [m for m in members if m not in pair]
    still: list[int] = []
    for person in loose:
        partner = next((p for p in still if ok(p, person)), None)
        if partner is not None:
            still.remove(partner)
            kept.append(sorted((partner, person)))
            continue
        home = next(
            (
                g
                for g in sorted(kept, key=len)
                if len(g) < max_size and all(ok(person, x) for x in g)
            ),
            None,
        )
        if home is not None:
            home.append(person)
            home.sort()
        else:
            still.append(person)
    return sorted(tuple(g) for g in kept if len(g) >= 2)


def _seed(programme: Programme, round_on: date) -> int:
    digest = hashlib.sha256(f"{programme.pk}:{round_on.isoformat()}".encode())
    return int.from_bytes(digest.digest()[:4], "big")


def _features(group: tuple[int, ...], population: Population) -> dict[str, Any]:
    topic_sets = [population.topics_of.get(uid, set()) for uid in group]
    shared = set.intersection(*topic_sets) if topic_sets else set()
    organisations = [population.organisation_of.get(uid) for uid in group]
    sectors = [population.sectors_of.get(uid, set()) for uid in group]
    return {
        "shared_topic_ids": sorted(shared),
        "different_organisations": None not in organisations
        and len(set(organisations)) == len(organisations),
        "different_sectors": all(sectors)
        and not set.intersection(*[set(s) for s in sectors]),
        "newcomer": any(uid in population.new_ids for uid in group),
    }


def run_round(
    programme: Programme, *, on: date | None = None, by: User | None = None
) -> Round:
    """Generate the round on `on` (today by default) and introduce everyone.

    `by` is None when the scheduler runs it; otherwise an organiser. Raise
    RoundConflict if the round for that date already ran.
    """
    if by is not None:
        permissions.require_manager(by, programme)
    round_on = on or timezone.localdate()
    if Round.objects.filter(programme=programme, round_on=round_on).exists():
        raise RoundConflict(
            _("The round for %(date)s has already run.")
            % {"date": round_on.isoformat()}
        )
    try:
        with transaction.atomic():
            return _run_round(programme, round_on=round_on, by=by)
    except IntegrityError:
        raise RoundConflict(
            _("The round for %(date)s has already run.")
            % {"date": round_on.isoformat()}
        ) from None


def _run_round(programme: Programme, *, round_on: date, by: User | None) -> Round:
    from kindred.networking import notify as notifications

    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    round_ = Round.objects.create(
        programme=programme, round_on=round_on, ran_by=by, ran_at=timezone.now()
    )
    user_ids = participant_ids(programme, round_on)
    population = build_population(user_ids, today=round_on)
    banned = excluded_pairs(programme, user_ids, round_on)
    groups, method = plan_groups(
        programme, population, banned, seed=_seed(programme, round_on)
    )
    participations = {
        p.user_id: p
        for p in Participation.objects.filter(programme=programme, user_id__in=user_ids)
    }
    zones = dict(
        User.objects.filter(pk__in=user_ids).values_list("pk", "profile__time_zone")
    )
    introductions = Introduction.objects.bulk_create(
        [
            Introduction(
                round=round_,
                features=_features(group, population),
                video_url=video.room_url(programme.name),
                suggested_times=[
                    t.isoformat()
                    for t in suggest_times(
                        round_on, [zones.get(uid) or "UTC" for uid in group]
                    )
                ],
            )
            for group in groups
        ]
    )
    members = Member.objects.bulk_create(
        [
            Member(
                introduction=introduction,
                user_id=uid,
                topic_line=participations[uid].topic_line_for(round_on)
                if uid in participations
                else "",
                organisation_id_then=population.organisation_of.get(uid),
            )
            for introduction, group in zip(introductions, groups, strict=True)
            for uid in group
        ]
    )
    placed = len(members)
    round_.participants = len(user_ids)
    round_.introductions_made = len(introductions)
    round_.unplaced = len(user_ids) - placed
    round_.method = method[:80]
    round_.save()
    if programme.next_round_on <= round_on:
        following = programme.next_round_on
        while following <= round_on:
            following = programme.following_round(following)
        programme.next_round_on = following
        programme.save(update_fields=["next_round_on"])
    notifications.introductions_made(round_, introductions)
    audit.record(
        "networking.round_ran",
        actor=by,
        target=round_,
        participants=round_.participants,
        introductions=round_.introductions_made,
    )
    return round_


def run_due_rounds(*, today: date | None = None) -> list[Round]:
    """Run every active programme's round whose date has come, once per date."""
    today = today or timezone.localdate()
    ran = []
    for programme in Programme.objects.filter(is_active=True, next_round_on__lte=today):
        try:
            ran.append(run_round(programme, on=programme.next_round_on))
        except RoundConflict:
            # Already ran (by an organiser, or an earlier attempt): move the date on.
            Programme.objects.filter(pk=programme.pk).update(
                next_round_on=programme.following_round(programme.next_round_on)
            )
    return ran


# --- after the introduction -------------------------------------------------------


def _member(introduction: Introduction, user: User) -> Member:
    member = Member.objects.filter(introduction=introduction, user=user).first()
    if member is None:
        raise NotAllowed(_("This introduction is not yours."))
    return member


@transaction.atomic
def choose_time(
    introduction: Introduction, *, by: User, starts_at: datetime
) -> Introduction:
    """Settle when the introduction meets; the others are told."""
    from kindred.networking import notify as notifications

    _member(introduction, by)
    introduction = Introduction.objects.select_for_update().get(pk=introduction.pk)
    if timezone.is_naive(starts_at):
        raise NetworkingError(_("Give the time with its time zone."), field="starts_at")
    if introduction.status in (Introduction.Status.MET, Introduction.Status.NOT_MET):
        raise NetworkingError(_("This introduction is over."))
    if starts_at < timezone.now() - timedelta(days=1):
        raise NetworkingError(
            _("Choose a time that is still to come."), field="starts_at"
        )
    introduction.chosen_time = starts_at
    introduction.chosen_by = by
    introduction.status = Introduction.Status.SCHEDULED
    introduction.save(update_fields=["chosen_time", "chosen_by", "status"])
    notifications.time_chosen(introduction, by=by)
    return introduction


@transaction.atomic
def record_feedback(
    introduction: Introduction,
    *,
    by: User,
    did_meet: bool,
    rating: int | None = None,
    stay_in_touch: bool | None = None,
) -> Member:
    """Answer "did you meet?", optionally rate it and say whether to stay in touch.

    One "yes" makes the introduction met; when everyone says "no", it did not
    happen.
    """
    member = _member(introduction, by)
    if rating is not None and not 1 <= rating <= 5:
        raise NetworkingError(_("Rate it from 1 to 5."), field="rating")
    if not did_meet and rating is not None:
        raise NetworkingError(_("Rate only a meeting that happened."), field="rating")
    introduction = Introduction.objects.select_for_update().get(pk=introduction.pk)
    member.did_meet = did_meet
    member.rating = rating
    member.stay_in_touch = stay_in_touch
    member.answered_at = timezone.now()
    member.save()
    answers = list(introduction.members.values_list("did_meet", flat=True))
    if any(answers):
        if introduction.status != Introduction.Status.MET:
            introduction.status = Introduction.Status.MET
            introduction.met_at = timezone.now()
    elif all(a is False for a in answers):
        introduction.status = Introduction.Status.NOT_MET
        introduction.met_at = None
    elif introduction.status in (Introduction.Status.MET, Introduction.Status.NOT_MET):
        introduction.status = (
            Introduction.Status.SCHEDULED
            if introduction.chosen_time
            else Introduction.Status.MATCHED
        )
        introduction.met_at = None
    introduction.save(update_fields=["status", "met_at"])
    return member


def ask_did_you_meet(*, now: datetime | None = None) -> int:
    """Ask everyone in rounds a week old who has not answered; once per round."""
    from kindred.networking import notify as notifications

    now = now or timezone.now()
    due = Round.objects.filter(
        asked_at__isnull=True,
        round_on__lte=(now - timedelta(days=ASK_AFTER_DAYS)).date(),
    )
    asked = 0
    for round_ in due:
        with transaction.atomic():
            claimed = Round.objects.filter(pk=round_.pk, asked_at__isnull=True).update(
                asked_at=now
            )
            if claimed:
                asked += notifications.ask_did_you_meet(round_)
    return asked


def organising_organisation(programme: Programme) -> Organisation | None:
    organisation = programme.organisation
    return organisation if organisation is not None and organisation.is_active else None
