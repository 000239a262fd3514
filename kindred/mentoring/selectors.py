"""Reads of the mentoring domain: programme lists, matching input, suggestions,
workspaces and the organiser's dashboard. Queries stay bounded per page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.algorithms import mentor_matching
from kindred.mentoring.models import (
    Application,
    CheckIn,
    Feedback,
    ForbiddenPair,
    Goal,
    MentoringProgramme,
    MentorRequest,
    Milestone,
    Note,
    Pair,
    Session,
)
from kindred.organisations.models import Membership

OPEN_PAIR = (Pair.Status.PROPOSED, Pair.Status.ACTIVE)


def requests_url() -> str:
    return reverse("mentoring:requests")


def dashboard_url(programme: MentoringProgramme) -> str:
    return reverse("mentoring:dashboard", args=[programme.pk])


# --- programmes -----------------------------------------------------------------------


def open_programmes() -> QuerySet[MentoringProgramme]:
    """Programmes taking applications or (self-match, suggested) requests."""
    return (
        MentoringProgramme.objects.filter(
            Q(status=MentoringProgramme.Status.OPEN)
            | Q(
                status=MentoringProgramme.Status.RUNNING,
                mode__in=[
                    MentoringProgramme.Mode.SELF,
                    MentoringProgramme.Mode.SUGGESTED,
                ],
            )
        )
        .select_related("organisation")
        .order_by("-created_at", "-id")
    )


def visible_programmes(user: User) -> QuerySet[MentoringProgramme]:
    """Every programme `user` may see: all but other people's drafts."""
    shown = ~Q(status=MentoringProgramme.Status.DRAFT)
    if is_steward(user):
        shown = Q()
    else:
        shown |= Q(organisation__in=_acting_org_ids(user)) | Q(
            organisation__isnull=True, created_by=user
        )
    return (
        MentoringProgramme.objects.filter(shown)
        .select_related("organisation")
        .order_by("-created_at", "-id")
    )


def _acting_org_ids(user: User) -> QuerySet[Membership]:
    from kindred.mentoring.permissions import ACTING_ROLES

    return Membership.objects.filter(user_id=user.pk, role__in=ACTING_ROLES).values(
        "organisation_id"
    )


def run_programmes(user: User) -> QuerySet[MentoringProgramme]:
    """Programmes `user` runs (stewards: the ones they created)."""
    return (
        MentoringProgramme.objects.filter(
            Q(organisation__in=_acting_org_ids(user))
            | Q(organisation__isnull=True, created_by_id=user.pk)
        )
        .select_related("organisation")
        .order_by("-created_at", "-id")
    )


def my_applications(user: User) -> QuerySet[Application]:
    return (
        Application.objects.filter(user_id=user.pk)
        .select_related("programme__organisation")
        .order_by("-created_at", "-id")
    )


def application_of(user: User, programme: MentoringProgramme) -> Application | None:
    if not user.is_authenticated:
        return None
    return Application.objects.filter(programme=programme, user=user).first()


def applications_of(programme: MentoringProgramme) -> QuerySet[Application]:
    """A programme's applications for its organisers, with their matches."""
    return (
        Application.objects.filter(programme=programme)
        .select_related("user__profile")
        .prefetch_related("topics", "sectors", "regions")
        .annotate(
            open_pairs=Count(
                "pairs_as_mentee",
                filter=Q(pairs_as_mentee__status__in=OPEN_PAIR),
                distinct=True,
            )
            + Count(
                "pairs_as_mentor",
                filter=Q(pairs_as_mentor__status__in=OPEN_PAIR),
                distinct=True,
            )
        )
        .order_by("side", "created_at", "id")
    )


def forbidden_pairs_of(programme: MentoringProgramme) -> QuerySet[ForbiddenPair]:
    return ForbiddenPair.objects.filter(programme=programme).select_related(
        "mentee__user__profile", "mentor__user__profile"
    )


# --- matching input -------------------------------------------------------------------


def _organisations_of(user_ids: Sequence[int]) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for user_id, organisation_id in Membership.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "organisation_id"):
        found[user_id].add(organisation_id)
    return {u: frozenset(found.get(u, ())) for u in user_ids}


def _candidates(
    applications: Sequence[Application], *, room: dict[int, int] | None = None
) -> dict[int, mentor_matching.Candidate]:
    """Applications (with topics, sectors and regions prefetched) as Candidates,
    keyed by application id. `room` overrides mentors' capacities."""
    organisations = _organisations_of([a.user_id for a in applications])
    return {
        a.pk: mentor_matching.Candidate(
            id=a.pk,
            organisations=organisations[a.user_id],
            topics=frozenset(t.pk for t in a.topics.all()),
            sectors=frozenset(s.pk for s in a.sectors.all()),
            stages=frozenset(a.stages),
            regions=frozenset(r.pk for r in a.regions.all()),
            languages=frozenset(a.languages),
            availability=frozenset(a.availability),
            experience_years=a.experience_years,
            preferences=tuple(p for p in a.preferences if isinstance(p, int)),
            capacity=(room or {}).get(a.pk, a.capacity),
        )
        for a in applications
    }


def _with_terms(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.select_related("user__profile").prefetch_related(
        "topics", "sectors", "regions"
    )


def candidates_for(
    programme: MentoringProgramme, applications: Sequence[Application]
) -> dict[int, mentor_matching.Candidate]:
    """The given applications of `programme` as Candidates, by application id."""
    fresh = list(
        _with_terms(
            Application.objects.filter(
                programme=programme, pk__in=[a.pk for a in applications]
            )
        )
    )
    return _candidates(fresh)


def rules_of(programme: MentoringProgramme) -> mentor_matching.Rules:
    return mentor_matching.Rules(
        allow_same_organisation=programme.allow_same_organisation,
        forbidden=frozenset(
            ForbiddenPair.objects.filter(programme=programme).values_list(
                "mentee_id", "mentor_id"
            )
        ),
    )


def open_load(mentor: Application) -> int:
    """How many proposed or running pairs the mentor has."""
    return Pair.objects.filter(mentor=mentor, status__in=OPEN_PAIR).count()


def _loads(programme: MentoringProgramme) -> dict[int, int]:
    return dict(
        Pair.objects.filter(programme=programme, status__in=OPEN_PAIR)
        .values("mentor_id")
        .annotate(n=Count("id"))
        .values_list("mentor_id", "n")
    )


@dataclass
class MatchingInput:
    mentees: list[mentor_matching.Candidate]
    mentors: list[mentor_matching.Candidate]
    rules: mentor_matching.Rules


def matching_input(programme: MentoringProgramme) -> MatchingInput:
    """Mentees without a mentor and mentors with room left, as plain data."""
    submitted = Application.objects.filter(
        programme=programme, status=Application.Status.SUBMITTED
    )
    mentees = list(
        _with_terms(
            submitted.filter(side=Application.Side.MENTEE).exclude(
                pairs_as_mentee__status__in=OPEN_PAIR
            )
        ).order_by("id")
    )
    mentors = list(
        _with_terms(submitted.filter(side=Application.Side.MENTOR)).order_by("id")
    )
    load = _loads(programme)
    room = {m.pk: max(0, m.capacity - load.get(m.pk, 0)) for m in mentors}
    mentors = [m for m in mentors if room[m.pk] > 0]
    candidates = _candidates(mentees + mentors, room=room)
    return MatchingInput(
        mentees=[candidates[m.pk] for m in mentees],
        mentors=[candidates[m.pk] for m in mentors],
        rules=rules_of(programme),
    )


@dataclass
class Suggestion:
    mentor: Application
    score: mentor_matching.PairScore


def suggestions_for(mentee: Application, *, k: int | None = None) -> list[Suggestion]:
    """The mentee's best mentors with room, allowed by the rules, best first."""
    programme = mentee.programme
    mentors = list(
        _with_terms(
            Application.objects.filter(
                programme=programme,
                side=Application.Side.MENTOR,
                status=Application.Status.SUBMITTED,
            )
        ).order_by("id")
    )
    fresh = list(_with_terms(Application.objects.filter(pk=mentee.pk)))
    candidates = _candidates(fresh + mentors)
    scores = mentor_matching.suggest(
        candidates[mentee.pk],
        [candidates[m.pk] for m in mentors],
        programme.weights or mentor_matching.DEFAULT_WEIGHTS,
        rules_of(programme),
        k=k or programme.suggestions_shown,
        load=_loads(programme),
    )
    by_id = {m.pk: m for m in mentors}
    return [Suggestion(by_id[s.mentor], s) for s in scores]


def browsable_mentors(mentee: Application) -> list[Suggestion]:
    """Every mentor the mentee may ask (self-match), best fit first."""
    return suggestions_for(mentee, k=500)


def explain(parts: dict[str, float]) -> list[tuple[str, float]]:
    """A score's parts as (criterion label, points), biggest first, zeros left out."""
    from kindred.mentoring.forms import CRITERION_LABELS

    return sorted(
        (
            (str(CRITERION_LABELS.get(c, c)), round(float(points), 1))
            for c, points in parts.items()
            if points
        ),
        key=lambda item: -item[1],
    )


# --- pairs and requests ---------------------------------------------------------------


def pairs_with_people() -> QuerySet[Pair]:
    return Pair.objects.select_related(
        "programme__organisation",
        "mentee__user__profile",
        "mentor__user__profile",
    )


def proposed_pairs(programme: MentoringProgramme) -> QuerySet[Pair]:
    return pairs_with_people().filter(programme=programme, status=Pair.Status.PROPOSED)


def programme_pairs(programme: MentoringProgramme) -> QuerySet[Pair]:
    return (
        pairs_with_people()
        .filter(programme=programme)
        .annotate(session_count=Count("sessions", distinct=True))
        .order_by("status", "id")
    )


def my_pairs(user: User) -> QuerySet[Pair]:
    """Pairs `user` is in (as mentor or mentee), published ones only."""
    return (
        pairs_with_people()
        .filter(Q(mentee__user_id=user.pk) | Q(mentor__user_id=user.pk))
        .exclude(status=Pair.Status.PROPOSED)
        .order_by("status", "-matched_at", "-id")
    )


def requests_to_me(user: User) -> QuerySet[MentorRequest]:
    """Requests waiting for `user` as a mentor (and answered ones, newest first)."""
    return (
        MentorRequest.objects.filter(mentor__user_id=user.pk)
        .exclude(status=MentorRequest.Status.QUEUED)
        .select_related("programme", "mentee__user__profile", "mentor")
        .prefetch_related("mentee__topics")
        .order_by("-created_at", "-id")
    )


def requests_by_me(user: User) -> QuerySet[MentorRequest]:
    return (
        MentorRequest.objects.filter(mentee__user_id=user.pk)
        .select_related("programme", "mentor__user__profile")
        .order_by("-created_at", "rank", "id")
    )


@dataclass
class Workspace:
    pair: Pair
    goals: list[Goal]
    sessions: list[Any]
    notes: list[Note]
    check_ins: list[CheckIn]
    feedback: list[Feedback]
    my_feedback: Feedback | None


def workspace(pair: Pair, user: User) -> Workspace:
    """What `user` sees of a pair: everything for the pair (notes only their own);
    for an organiser, a summary without notes or feedback text."""
    from kindred.mentoring.permissions import is_party

    party = is_party(user, pair)
    goals = list(
        Goal.objects.filter(pair=pair).prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "id"))
        )
    )
    sessions = list(pair.sessions.select_related("logged_by__profile")[:50])
    notes = list(Note.objects.filter(pair=pair, author_id=user.pk)) if party else []
    check_ins = list(pair.check_ins.select_related("author__profile")[:20])
    feedback = list(pair.feedback.select_related("author__profile"))
    mine = next((f for f in feedback if f.author_id == user.pk), None)
    return Workspace(
        pair=pair,
        goals=goals,
        sessions=sessions,
        notes=notes,
        check_ins=check_ins,
        feedback=feedback if party else [],
        my_feedback=mine,
    )


# --- the organiser's dashboard --------------------------------------------------------


#: Fewer close-out ratings than this: no satisfaction is shown, as one or two
#: ratings would tell what each person said (as networking does).
MIN_RATINGS_SHOWN = 3


@dataclass
class Dashboard:
    mentees: int
    mentors: int
    matched: int
    match_rate: float | None
    active: int
    meeting: int
    quiet: list[Pair]
    closed: int
    ratings: int
    satisfaction: float | None
    sessions: int
    min_ratings: int = MIN_RATINGS_SHOWN


def dashboard(programme: MentoringProgramme) -> Dashboard:
    """Match rate, pairs meeting regularly, pairs gone quiet and satisfaction.

    Satisfaction, the mean close-out rating, is None below MIN_RATINGS_SHOWN
    ratings.
    """
    now = timezone.now()
    since = now - timedelta(weeks=programme.check_in_weeks)
    counts = Application.objects.filter(
        programme=programme, status=Application.Status.SUBMITTED
    ).aggregate(
        mentees=Count("id", filter=Q(side=Application.Side.MENTEE)),
        mentors=Count("id", filter=Q(side=Application.Side.MENTOR)),
    )
    pairs = Pair.objects.filter(programme=programme).exclude(
        status=Pair.Status.PROPOSED
    )
    matched = pairs.values("mentee_id").distinct().count()
    active = pairs.filter(status=Pair.Status.ACTIVE)
    meeting = (
        active.filter(sessions__starts_at__gte=since, sessions__starts_at__lte=now)
        .distinct()
        .count()
    )
    quiet = list(
        pairs_with_people()
        .filter(programme=programme, status=Pair.Status.ACTIVE)
        .filter(Q(quiet_since__isnull=False))
        .order_by("quiet_since", "id")[:50]
    )
    feedback = Feedback.objects.filter(pair__programme=programme)
    ratings = feedback.count()
    total_rating = sum(feedback.values_list("rating", flat=True))
    mentees = counts["mentees"]
    applied = (
        mentees
        + pairs.exclude(mentee__status=Application.Status.SUBMITTED)
        .values("mentee_id")
        .distinct()
        .count()
    )
    return Dashboard(
        mentees=mentees,
        mentors=counts["mentors"],
        matched=matched,
        match_rate=round(100 * matched / applied, 1) if applied else None,
        active=active.count(),
        meeting=meeting,
        quiet=quiet,
        closed=pairs.filter(status=Pair.Status.CLOSED).count(),
        ratings=ratings,
        satisfaction=round(total_rating / ratings, 2)
        if ratings >= MIN_RATINGS_SHOWN
        else None,
        sessions=programme.pairs.aggregate(n=Count("sessions"))["n"],
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_pair_rows(
    since: datetime | None = None,
) -> list[tuple[int, int, int, datetime]]:
    """(pair id, mentor id, mentee id, matched at) for every pair that was ever
    matched (active, or closed after being active), oldest first."""
    rows = Pair.objects.filter(
        status__in=[Pair.Status.ACTIVE, Pair.Status.CLOSED], matched_at__isnull=False
    )
    if since is not None:
        rows = rows.filter(matched_at__gte=since)
    return list(
        rows.order_by("matched_at", "pk").values_list(
            "pk", "mentor__user_id", "mentee__user_id", "matched_at"
        )
    )


def analytics_mentoring_figures(start: datetime, end: datetime) -> dict[str, Any]:
    """Match rate: of mentees who applied before `end`, the share matched before
    `end`; meeting rate: of pairs matched before `end` and not closed by `start`,
    the share with a session in [start, end)."""
    mentees = set(
        Application.objects.filter(
            side=Application.Side.MENTEE,
            status=Application.Status.SUBMITTED,
            created_at__lt=end,
        ).values_list("pk", flat=True)
    )
    matched = Pair.objects.filter(
        status__in=[Pair.Status.ACTIVE, Pair.Status.CLOSED], matched_at__lt=end
    )
    matched_mentees = set(matched.values_list("mentee_id", flat=True)) & mentees
    running = matched.exclude(closed_at__lt=start)
    running_ids = set(running.values_list("pk", flat=True))
    met = set(
        Session.objects.filter(
            pair_id__in=running_ids, starts_at__gte=start, starts_at__lt=end
        ).values_list("pair_id", flat=True)
    )
    return {
        "mentees": len(mentees),
        "matched": len(matched_mentees),
        "match_rate": len(matched_mentees) / len(mentees) if mentees else None,
        "pairs": len(running_ids),
        "met": len(met),
        "meeting_rate": len(met) / len(running_ids) if running_ids else None,
    }


def home_mentoring(user: User) -> dict[str, list[tuple[Pair, Any]]]:
    """`user`'s active pairs split into their mentors and their mentees, each with
    the pair's next session (or None); three queries whatever the number."""
    if not user.is_authenticated:
        return {"mentors": [], "mentees": []}
    pairs = list(
        Pair.objects.filter(status=Pair.Status.ACTIVE)
        .filter(Q(mentee__user_id=user.pk) | Q(mentor__user_id=user.pk))
        .select_related("programme", "mentor__user__profile", "mentee__user__profile")
        .order_by("matched_at", "pk")[:10]
    )
    upcoming: dict[int, Session] = {}
    for session in Session.objects.filter(
        pair_id__in=[p.pk for p in pairs], starts_at__gt=timezone.now()
    ).order_by("-starts_at", "-pk"):
        upcoming[session.pair_id] = session  # the earliest wins: it comes last
    return {
        "mentors": [
            (p, upcoming.get(p.pk)) for p in pairs if p.mentee.user_id == user.pk
        ],
        "mentees": [
            (p, upcoming.get(p.pk)) for p in pairs if p.mentor.user_id == user.pk
        ],
    }
