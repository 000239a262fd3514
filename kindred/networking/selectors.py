"""Reads for networking rounds: programmes, introductions as each person sees
them, organiser aggregates, and met ties for the ecosystem graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kindred.accounts.models import Profile, User
from kindred.accounts.selectors import VisibleProfile
from kindred.communities import selectors as community_selectors
from kindred.core.models import Topic
from kindred.networking import permissions
from kindred.networking.models import (
    DoNotPair,
    Introduction,
    Member,
    Participation,
    Programme,
    Round,
)
from kindred.organisations import selectors as organisation_selectors

#: Feedback aggregates need at least this many answers, so nobody's rating shows.
MIN_ANSWERS_SHOWN = 3


# --- programmes -------------------------------------------------------------------


def programmes_for(user: User) -> list[Programme]:
    """Programmes `user` may see, each with `.participation` (or None)."""
    candidates = (
        Programme.objects.select_related("group", "organisation")
        .annotate(
            opted_in_count=Count(
                "participations", filter=Q(participations__opted_in=True)
            )
        )
        .order_by("name", "pk")
    )
    groups = community_selectors.member_group_ids(user)
    facilitated = community_selectors.facilitated_group_ids(user)
    practitioner = permissions.is_practitioner(user)
    steward = permissions.is_steward(user)
    mine = {p.programme_id: p for p in Participation.objects.filter(user_id=user.pk)}
    shown = []
    for programme in candidates:
        manages = (
            steward
            or programme.created_by_id == user.pk
            or programme.group_id in facilitated
        )
        eligible = (
            programme.group_id in groups
            if programme.audience == Programme.Audience.GROUP
            else practitioner
            if programme.audience == Programme.Audience.PRACTITIONERS
            else True
        )
        if manages or (programme.is_active and eligible):
            programme.participation = mine.get(programme.pk)  # type: ignore[attr-defined]
            programme.manages = manages  # type: ignore[attr-defined]
            shown.append(programme)
    return shown


def participation_of(user: User, programme: Programme) -> Participation | None:
    return Participation.objects.filter(programme=programme, user_id=user.pk).first()


def rounds_of(programme: Programme) -> QuerySet[Round]:
    return programme.rounds.order_by("-round_on", "-pk")


def do_not_pair_of(user: User) -> QuerySet[DoNotPair]:
    """The people on `user`'s own list; nobody else's list is ever read out."""
    return (
        DoNotPair.objects.filter(owner_id=user.pk)
        .select_related("other__profile")
        .order_by("other__profile__display_name", "pk")
    )


def pairable_people(user: User, *, limit: int = 500) -> QuerySet[Profile]:
    """People `user` could be paired with: participants of programmes they can see,
    and anyone they were introduced to."""
    programme_ids = [p.pk for p in programmes_for(user)]
    met = Member.objects.filter(introduction__members__user_id=user.pk).values(
        "user_id"
    )
    return (
        Profile.objects.listed()
        .filter(
            Q(
                user__networking_participations__programme_id__in=programme_ids,
                user__networking_participations__opted_in=True,
            )
            | Q(user_id__in=met)
        )
        .exclude(user_id=user.pk)
        .distinct()
        .order_by("display_name", "pk")[:limit]
    )


# --- introductions ----------------------------------------------------------------


def my_introductions(user: User) -> QuerySet[Introduction]:
    """Introductions `user` is in, newest round first, with the people in them."""
    return (
        Introduction.objects.filter(members__user_id=user.pk)
        .select_related("round__programme")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.select_related("user__profile").order_by(
                    "user__profile__display_name", "pk"
                ),
            )
        )
        .order_by("-round__round_on", "-pk")
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {
        "first": ", ".join(items[:-1]),
        "last": items[-1],
    }


@dataclass
class SuggestedTime:
    starts_at: datetime
    mine: datetime
    theirs: list[tuple[str, datetime]]


@dataclass
class IntroductionView:
    """One introduction as one of its members sees it."""

    introduction: Introduction
    me: Member
    others: list[VisibleProfile]
    other_members: list[Member]
    reason: str
    icebreakers: list[str]
    times: list[SuggestedTime] = field(default_factory=list)
    chosen_mine: datetime | None = None
    time_zone: str = "UTC"

    @property
    def names(self) -> str:
        return _names([p.display_name for p in self.others])


def _profiles(introduction: Introduction) -> dict[int, Profile]:
    users = [m.user_id for m in introduction.members.all()]
    return {
        p.user_id: p
        for p in Profile.objects.filter(user_id__in=users)
        .select_related("user")
        .prefetch_related("sectors", "topics_offered", "topics_needed")
    }


def reason_text(
    features: dict[str, Any], others: list[VisibleProfile], topic_names: dict[int, str]
) -> str:
    """Why these people meet, built only from what the viewer may see."""
    parts = []
    visible_topics = set(topic_names)
    for person in others:
        seen = {t.pk for t in person.topics_offered} | {
            t.pk for t in person.topics_needed
        }
        visible_topics &= seen
    shared = [
        topic_names[t]
        for t in features.get("shared_topic_ids", [])
        if t in visible_topics
    ][:3]
    if shared:
        parts.append(
            ngettext(
                "you both work on %(topics)s",
                "you all work on %(topics)s",
                len(others),
            )
            % {"topics": _names(shared)}
        )
    if features.get("different_organisations"):
        parts.append(_("you are from different organisations"))
    if features.get("different_sectors") and all(p.sectors for p in others):
        parts.append(_("you work in different sectors"))
    if features.get("newcomer"):
        parts.append(_("someone among you is new to the ecosystem"))
    if not parts:
        return _("you have not met in this programme yet")
    return "; ".join(parts)


def icebreakers_for(
    others: list[VisibleProfile], members: dict[int, Member]
) -> list[str]:
    lines = []
    for person in others:
        name = person.display_name
        line = members[person.user_id].topic_line if person.user_id in members else ""
        if line:
            lines.append(
                _("%(name)s would like to talk about: %(line)s")
                % {"name": name, "line": line}
            )
        if person.headline:
            lines.append(
                _("%(name)s says: “%(headline)s”. Ask how it is going.")
                % {"name": name, "headline": person.headline}
            )
        offered = [t.name for t in person.topics_offered][:3]
        if offered:
            lines.append(
                _("Ask %(name)s about %(topics)s.")
                % {"name": name, "topics": _names(offered)}
            )
        needed = [t.name for t in person.topics_needed][:3]
        if needed:
            lines.append(
                _("%(name)s would like help with %(topics)s: perhaps you know someone.")
                % {"name": name, "topics": _names(needed)}
            )
    if not lines:
        lines.append(_("Ask what brought them to the ecosystem, and what is next."))
    return lines


def introduction_view(introduction: Introduction, viewer: User) -> IntroductionView:
    """The introduction as `viewer` (one of its members) may see it."""
    profiles = _profiles(introduction)
    members = {m.user_id: m for m in introduction.members.all()}
    colleagues = organisation_selectors.colleague_ids(viewer)
    others = [
        VisibleProfile(profiles[uid], viewer, colleagues)
        for uid in sorted(members, key=lambda u: profiles[u].display_name)
        if uid != viewer.pk and uid in profiles
    ]
    topic_ids = introduction.features.get("shared_topic_ids", [])
    topic_names = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "name"))
    my_zone = profiles[viewer.pk].time_zone if viewer.pk in profiles else "UTC"
    mine = _zone(my_zone)
    times = []
    for raw in introduction.suggested_times:
        starts_at = datetime.fromisoformat(raw)
        times.append(
            SuggestedTime(
                starts_at=starts_at,
                mine=starts_at.astimezone(mine),
                theirs=[
                    (p.display_name, starts_at.astimezone(_zone(p.time_zone)))
                    for p in others
                    if p.time_zone
                ],
            )
        )
    return IntroductionView(
        introduction=introduction,
        me=members[viewer.pk],
        others=others,
        other_members=[members[p.user_id] for p in others],
        reason=reason_text(introduction.features, others, topic_names),
        icebreakers=icebreakers_for(others, members),
        times=times,
        chosen_mine=introduction.chosen_time.astimezone(mine)
        if introduction.chosen_time
        else None,
        time_zone=my_zone,
    )


# --- organisers -------------------------------------------------------------------


@dataclass
class RoundStats:
    round: Round
    introductions: int
    met: int
    across_organisations: int
    answered: int

    @property
    def met_share(self) -> float | None:
        return self.met / self.introductions if self.introductions else None


@dataclass
class ProgrammeStats:
    opted_in: int
    snoozed_next: int
    rounds: list[RoundStats]
    introductions: int
    met: int
    across_organisations: int
    answers: int
    average_rating: float | None
    stay_in_touch_share: float | None

    @property
    def met_share(self) -> float | None:
        return self.met / self.introductions if self.introductions else None

    @property
    def across_share(self) -> float | None:
        return (
            self.across_organisations / self.introductions
            if self.introductions
            else None
        )


def programme_stats(programme: Programme) -> ProgrammeStats:
    """Aggregates only: no one's answers or ratings are shown on their own."""
    participations = programme.participations.filter(opted_in=True)
    rounds = list(
        programme.rounds.annotate(
            intro_count=Count("introductions", distinct=True),
            met_count=Count(
                "introductions",
                filter=Q(introductions__status=Introduction.Status.MET),
                distinct=True,
            ),
            across_count=Count(
                "introductions",
                filter=Q(introductions__features__different_organisations=True),
                distinct=True,
            ),
            answered_count=Count(
                "introductions__members",
                filter=Q(introductions__members__answered_at__isnull=False),
            ),
        ).order_by("-round_on")
    )
    answers = Member.objects.filter(
        introduction__round__programme=programme, answered_at__isnull=False
    ).aggregate(
        count=Count("pk"),
        average=Avg("rating"),
        ratings=Count("rating"),
        stay=Count("pk", filter=Q(stay_in_touch=True)),
        stay_answered=Count("stay_in_touch"),
    )
    per_round = [
        RoundStats(
            round=r,
            introductions=r.intro_count,  # type: ignore[attr-defined]
            met=r.met_count,  # type: ignore[attr-defined]
            across_organisations=r.across_count,  # type: ignore[attr-defined]
            answered=r.answered_count,  # type: ignore[attr-defined]
        )
        for r in rounds
    ]
    enough = answers["ratings"] >= MIN_ANSWERS_SHOWN
    return ProgrammeStats(
        opted_in=participations.count(),
        snoozed_next=participations.filter(
            snoozed_round_on=programme.next_round_on
        ).count(),
        rounds=per_round,
        introductions=sum(r.introductions for r in per_round),
        met=sum(r.met for r in per_round),
        across_organisations=sum(r.across_organisations for r in per_round),
        answers=answers["count"],
        average_rating=round(answers["average"], 1) if enough else None,
        stay_in_touch_share=answers["stay"] / answers["stay_answered"]
        if answers["stay_answered"] >= MIN_ANSWERS_SHOWN
        else None,
    )


# --- the ecosystem graph ----------------------------------------------------------


def met_ties(since: date | None = None) -> list[tuple[int, int, date]]:
    """(user_a, user_b, round date) for every pair in a met introduction, lower user
    id first, oldest first; `since` keeps rounds on or after that date."""
    rows = Member.objects.filter(introduction__status=Introduction.Status.MET)
    if since is not None:
        rows = rows.filter(introduction__round__round_on__gte=since)
    groups: dict[int, tuple[date, list[int]]] = {}
    for intro, uid, day in rows.order_by(
        "introduction__round__round_on", "introduction_id", "user_id"
    ).values_list("introduction_id", "user_id", "introduction__round__round_on"):
        groups.setdefault(intro, (day, []))[1].append(uid)
    return [
        (a, b, day)
        for day, people in groups.values()
        for a, b in combinations(sorted(people), 2)
    ]


def home_next_introduction(user: User) -> dict[str, Any]:
    """`user`'s newest introduction still to happen (introduced or time chosen),
    with the names of the others in it, and the next round date of the
    programmes `user` has opted into."""
    from django.utils import timezone

    if not user.is_authenticated:
        return {"introduction": None, "others": [], "next_round": None}
    introduction = (
        Introduction.objects.filter(
            members__user_id=user.pk,
            status__in=[Introduction.Status.MATCHED, Introduction.Status.SCHEDULED],
        )
        .select_related("round__programme")
        .order_by("-round__round_on", "-pk")
        .first()
    )
    others: list[str] = []
    if introduction is not None:
        others = [
            member.user.profile.display_name
            for member in Member.objects.filter(introduction=introduction)
            .exclude(user_id=user.pk)
            .select_related("user__profile")
            .order_by("pk")
        ]
    next_round = (
        Programme.objects.filter(
            participations__user_id=user.pk,
            participations__opted_in=True,
            is_active=True,
            next_round_on__gte=timezone.localdate(),
        )
        .order_by("next_round_on", "pk")
        .first()
    )
    return {"introduction": introduction, "others": others, "next_round": next_round}
