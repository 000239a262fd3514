"""Reads of the programmes domain: lists, a participant's programme, evaluation.

`evaluation` is the only read of other people's survey answers: it returns
aggregates per scale, nothing at all for fewer than five pairs, and no count of
answers below five.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.algorithms import outcomes
from kindred.programmes.models import (
    Answer,
    Cohort,
    Item,
    Place,
    Programme,
    Response,
    Scale,
    SurveyWindow,
    WaitingEntry,
)


def programmes() -> QuerySet[Programme]:
    return Programme.objects.select_related(
        "service__organisation", "lead__profile"
    ).order_by("service__name", "pk")


def managed_programmes(user: User) -> QuerySet[Programme]:
    if not user.is_authenticated:
        return Programme.objects.none()
    return (
        programmes()
        .filter(
            Q(lead=user)
            | Q(
                service__organisation__memberships__user=user,
                service__organisation__memberships__role="admin",
            )
        )
        .distinct()
    )


def cohorts_of(programme: Programme) -> QuerySet[Cohort]:
    return (
        programme.cohorts.annotate(
            taken=Count("places", filter=~Q(places__status=Place.Status.WITHDRAWN))
        )
        .select_related("instrument")
        .order_by("-starts_on", "-pk")
    )


def places_of(cohort: Cohort) -> QuerySet[Place]:
    return cohort.places.select_related("participant__profile").order_by(
        "status", "created_at", "pk"
    )


def waiting_for(programme: Programme) -> QuerySet[WaitingEntry]:
    return programme.waiting.filter(placed_at__isnull=True).select_related(
        "person__profile"
    )


def my_places(user: User) -> QuerySet[Place]:
    if not user.is_authenticated:
        return Place.objects.none()
    return (
        Place.objects.filter(participant=user)
        .exclude(status=Place.Status.WITHDRAWN)
        .select_related(
            "cohort__programme__service__organisation",
            "cohort__programme__lead__profile",
            "cohort__group",
            "cohort__instrument",
        )
        .prefetch_related("cohort__windows", "cohort__next_steps__organisation")
        .order_by("-cohort__starts_on", "-pk")
    )


def next_session(cohort: Cohort) -> Any:
    """The cohort's next scheduled session that has not ended, or None."""
    if cohort.group_id is None:
        return None
    from kindred.events.models import Event

    return (
        Event.objects.filter(
            group_id=cohort.group_id,
            status=Event.Status.SCHEDULED,
            ends_at__gt=timezone.now(),
        )
        .order_by("starts_at", "pk")
        .first()
    )


def course_progress(cohort: Cohort, user: User) -> dict[str, Any] | None:
    """What the learning app says about `user` in the cohort's course."""
    if cohort.course_id is None:
        return None
    from kindred.learning import selectors as learning_selectors

    course = cohort.course
    enrolment = learning_selectors.enrolment_for(course, user)
    done, total = (
        learning_selectors.progress_of(enrolment) if enrolment is not None else (0, 0)
    )
    return {
        "course": course,
        "enrolment": enrolment,
        "done": done,
        "total": total,
        "certificate": learning_selectors.certificate_for(course, user),
    }


def responses_of(user: User, cohort: Cohort) -> dict[str, Response]:
    """`user`'s own responses in `cohort`, by window kind."""
    return {
        r.window.kind: r
        for r in Response.objects.filter(
            window__cohort=cohort, participant=user
        ).select_related("window")
    }


def survey_windows(cohort: Cohort, user: User) -> list[dict[str, Any]]:
    """The cohort's survey windows as `user` sees them today: open, answered, closed.

    Empty when the cohort has no survey.
    """
    if not cohort.instrument_id:
        return []
    today = timezone.localdate()
    answered = responses_of(user, cohort)
    return [
        {
            "window": w,
            "open": w.is_open(today),
            "answered": w.kind in answered,
            "closed": today > w.closes_on,
        }
        for w in cohort.windows.all()
    ]


def survey_due(cohort: Cohort, user: User) -> bool:
    """Whether a survey window of `cohort` is open and `user` has not answered it."""
    return any(w["open"] and not w["answered"] for w in survey_windows(cohort, user))


def own_answers(response: Response) -> dict[int, Answer]:
    return {a.item_id: a for a in response.answers.all()}


# --- evaluation -----------------------------------------------------------------------


@dataclass
class ScaleResult:
    scale: Scale
    change: outcomes.PairedChange


@dataclass
class WindowCompletion:
    kind: str
    label: str
    answered: int
    enrolled: int
    min_group: int = outcomes.MIN_GROUP

    @property
    def shown(self) -> bool:
        """Whether the count may be told: fewer than five answers stay hidden."""
        return self.answered >= self.min_group

    @property
    def rate(self) -> float | None:
        if not self.shown or not self.enrolled:
            return None
        return self.answered / self.enrolled


@dataclass
class Evaluation:
    cohort: Cohort
    enrolled: int
    scales: list[ScaleResult] = field(default_factory=list)
    completion: list[WindowCompletion] = field(default_factory=list)
    shown: bool = False
    min_group: int = outcomes.MIN_GROUP
    #: Whether enough people answered for the pseudonymised export.
    exportable: bool = False


def _scores(
    cohort: Cohort, kind: str, scales: list[Scale], items: list[Item]
) -> dict[int, dict[int, float | None]]:
    """Scale id -> participant id -> score at window `kind`."""
    specs = defaultdict(list)
    for item in items:
        if item.scale_id is not None and item.is_scored:
            specs[item.scale_id].append(
                outcomes.ItemSpec(
                    key=item.pk,
                    minimum=float(item.low or 0),
                    maximum=float(item.high or 0),
                    reverse=item.reverse,
                )
            )
    by_person: dict[int, dict[int, float | None]] = defaultdict(dict)
    for answer in Answer.objects.filter(
        response__window__cohort=cohort,
        response__window__kind=kind,
        number__isnull=False,
    ).values("response__participant_id", "item_id", "number"):
        by_person[answer["response__participant_id"]][answer["item_id"]] = answer[
            "number"
        ]
    result: dict[int, dict[int, float | None]] = {}
    for scale in scales:
        result[scale.pk] = {
            person: outcomes.score_scale(
                answers, specs[scale.pk], min_share=scale.min_share
            )
            for person, answers in by_person.items()
        }
    return result


def evaluation(cohort: Cohort, *, later: str = SurveyWindow.Kind.EXIT) -> Evaluation:
    """Per scale, the paired entry → `later` change across the cohort.

    The caller has checked that the viewer runs the programme. Figures are
    blank for fewer than five pairs, and a window's count of answers is hidden
    below five.

    The people counted do not depend on anything the people running the
    programme can change: everyone who ever had a place is enrolled and every
    answer given counts, whatever the place's later status (withdrawn or not).
    Otherwise withdrawing one person and comparing the means before and after
    would give away that person's scores. Answers leave the figures only when
    their author's account is deleted.
    """
    enrolled = cohort.places.count()
    result = Evaluation(cohort=cohort, enrolled=enrolled)
    windows = list(cohort.windows.all())
    answered = dict(
        Response.objects.filter(window__cohort=cohort)
        .values_list("window__kind")
        .annotate(n=Count("pk"))
    )
    result.completion = [
        WindowCompletion(
            kind=w.kind,
            label=w.get_kind_display(),
            answered=answered.get(w.kind, 0),
            enrolled=enrolled,
        )
        for w in windows
    ]
    if cohort.instrument_id is None:
        return result
    result.exportable = (
        Response.objects.filter(window__cohort=cohort)
        .values("participant_id")
        .distinct()
        .count()
        >= outcomes.MIN_GROUP
    )
    scales = list(cohort.instrument.scales.all())
    items = list(cohort.instrument.items.all())
    before = _scores(cohort, SurveyWindow.Kind.ENTRY, scales, items)
    after = _scores(cohort, later, scales, items)
    for scale in scales:
        change = outcomes.paired_change(
            before[scale.pk], after[scale.pk], enrolled=enrolled
        )
        result.scales.append(ScaleResult(scale=scale, change=change))
    result.shown = any(r.change.shown for r in result.scales)
    return result


def instrument_with_items(instrument_id: int) -> Any:
    from kindred.programmes.models import Instrument

    return (
        Instrument.objects.filter(pk=instrument_id)
        .prefetch_related(
            Prefetch("items", queryset=Item.objects.select_related("scale")),
            "scales",
        )
        .first()
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_outcome_summaries(end: datetime) -> list[dict[str, Any]]:
    """Per cohort that started before `end`, its evaluation in plain figures; every
    count and figure below the minimum group size is None."""
    summaries = []
    for cohort in (
        Cohort.objects.filter(starts_on__lt=end.date())
        .select_related("programme__service", "instrument")
        .order_by("starts_on", "pk")
    ):
        result = evaluation(cohort)
        enrolled = result.enrolled if result.enrolled >= outcomes.MIN_GROUP else None
        summaries.append(
            {
                "programme": str(cohort.programme),
                "cohort": cohort.name,
                "enrolled": enrolled,
                "shown": result.shown,
                "scales": [
                    {
                        "scale": s.scale.name,
                        "n": s.change.n if s.change.shown else None,
                        "mean_change": s.change.mean_change,
                        "higher_is_better": s.scale.higher_is_better,
                    }
                    for s in result.scales
                ],
            }
        )
    return summaries


def home_next_sessions(user: User, *, limit: int = 3) -> list[dict[str, Any]]:
    """`user`'s current cohorts (places taking part), each with its next session
    (an event of the cohort's group, or None); two queries."""
    if not user.is_authenticated:
        return []
    places = list(
        Place.objects.filter(participant_id=user.pk, status=Place.Status.ACTIVE)
        .exclude(cohort__status__in=[Cohort.Status.FINISHED, Cohort.Status.CANCELLED])
        .select_related("cohort__programme__service")
        .order_by("cohort__starts_on", "pk")[:limit]
    )
    from kindred.events.models import Event

    group_ids = [p.cohort.group_id for p in places if p.cohort.group_id]
    upcoming: dict[int, Any] = {}
    if group_ids:
        for event in Event.objects.filter(
            group_id__in=group_ids,
            status=Event.Status.SCHEDULED,
            ends_at__gt=timezone.now(),
        ).order_by("-starts_at", "-pk"):
            upcoming[event.group_id] = event  # the earliest wins: it comes last
    return [
        {"cohort": p.cohort, "next_session": upcoming.get(p.cohort.group_id)}
        for p in places
    ]


def home_led_cohorts(user: User, *, limit: int = 6) -> list[dict[str, Any]]:
    """Planned and running cohorts of the programmes `user` leads or runs as an
    admin: places taken of capacity, people waiting for the programme, and how
    many answers an open survey window still waits for; four queries."""
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    cohorts = list(
        Cohort.objects.filter(
            programme__in=managed_programmes(user).values("pk"),
            status__in=[Cohort.Status.PLANNED, Cohort.Status.RUNNING],
        )
        .annotate(taken=Count("places", filter=Q(places__status=Place.Status.ACTIVE)))
        .select_related("programme__service")
        .order_by("starts_on", "pk")[:limit]
    )
    if not cohorts:
        return []
    waiting = dict(
        WaitingEntry.objects.filter(
            programme_id__in={c.programme_id for c in cohorts}, placed_at__isnull=True
        )
        .values_list("programme_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    windows = list(
        SurveyWindow.objects.filter(
            cohort__in=cohorts, opens_on__lte=today, closes_on__gte=today
        ).annotate(answered=Count("responses"))
    )
    outstanding: dict[int, int] = {}
    taken = {c.pk: c.taken for c in cohorts}
    for window in windows:
        missing = max(0, taken[window.cohort_id] - window.answered)
        outstanding[window.cohort_id] = outstanding.get(window.cohort_id, 0) + missing
    return [
        {
            "cohort": cohort,
            "taken": cohort.taken,
            "capacity": cohort.capacity,
            "waiting": waiting.get(cohort.programme_id, 0),
            "surveys_outstanding": outstanding.get(cohort.pk, 0),
        }
        for cohort in cohorts
    ]
