"""Demo data for cohort programmes: Mindful Founders runs its Founder Wellbeing
Programme in cohorts led by programme.lead@. A finished cohort of eight answered
the wellbeing check at entry and exit, so the outcomes page shows real figures; the
current cohort starts next week with room, so accepting the founder's referral
(made later by the referrals demo) gives them a place."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from kindred.accounts.models import User
from kindred.communities import services as community_services
from kindred.directory.models import Service
from kindred.organisations.models import Membership, Organisation
from kindred.programmes import services
from kindred.programmes.models import (
    Answer,
    Cohort,
    Instrument,
    Item,
    Place,
    Programme,
    Response,
    SurveyWindow,
)

ZONE = "Europe/London"
NAMED = {
    "steward@example.org",
    "adviser@example.org",
    "programme.lead@example.org",
    "mentor@example.org",
    "founder@example.org",
}

# Written for Kindred; not taken from any published questionnaire.
WELLBEING_CHECK = [
    ("I have felt calm for most of the past two weeks.", "likert5", 0, False),
    ("I have had the energy to do what matters to me.", "likert5", 0, False),
    ("I have felt I am falling behind in everything.", "likert5", 0, True),
    ("I have enjoyed parts of my working day.", "likert5", 0, False),
    ("I have felt alone with the problems of my business.", "likert5", 0, True),
    ("Thoughts about the business have kept me awake.", "likert5", 1, False),
    ("I have been able to switch off in the evenings.", "likert5", 1, True),
    ("Small setbacks have felt overwhelming.", "likert5", 1, False),
    ("I have felt in control of my workload.", "likert5", 1, True),
]


def _answers(rng: random.Random, level: float, stress: float) -> list[float]:
    """Plausible answers around a wellbeing and a stress level (1..5)."""

    def around(centre: float) -> float:
        return float(min(5, max(1, round(rng.gauss(centre, 0.7)))))

    values = []
    for _text, _kind, scale, reverse in WELLBEING_CHECK:
        centre = level if scale == 0 else stress
        values.append(around(6 - centre if reverse else centre))
    return values


def _instrument(programme: Programme, lead: User) -> Instrument:
    items = [
        services.ItemInput(text, kind, scale=scale, reverse=reverse, required=True)
        for text, kind, scale, reverse in WELLBEING_CHECK
    ]
    items.append(
        services.ItemInput(
            "About how many hours did you work last week?",
            "number",
            minimum=0,
            maximum=100,
        )
    )
    items.append(services.ItemInput("Anything you would like us to know?", "text"))
    return services.create_instrument(
        programme,
        by=lead,
        name="Founder wellbeing check",
        introduction="Nine short statements about the past two weeks. There are no "
        "right answers; your answers are seen only by you, and the programme team "
        "sees totals for the whole cohort.",
        scales=[
            services.ScaleInput("Wellbeing"),
            services.ScaleInput("Work stress", higher_is_better=False),
        ],
        items=items,
    )


def _finished_cohort(
    programme: Programme,
    instrument: Instrument,
    lead: User,
    people: list[User],
    rng: random.Random,
    *,
    name: str = "Spring cohort",
    days_ago: int = 120,
) -> Cohort:
    today = timezone.localdate()
    cohort = services.create_cohort(
        programme,
        by=lead,
        data=services.CohortInput(
            name=name,
            starts_on=today - timedelta(days=days_ago),
            ends_on=today - timedelta(days=days_ago - 56),
            capacity=12,
            instrument=instrument,
        ),
    )
    items = list(instrument.items.order_by("position"))
    windows = {w.kind: w for w in cohort.windows.all()}
    for index, person in enumerate(people):
        Place.objects.create(
            cohort=cohort,
            participant=person,
            status=Place.Status.COMPLETED,
            added_by=lead,
        )
        if cohort.group is not None:
            community_services.add_to_cohort(cohort.group, user=person, by=lead)
        level, stress = rng.uniform(2.0, 3.0), rng.uniform(3.3, 4.3)
        moments = [
            (SurveyWindow.Kind.ENTRY, level, stress, cohort.starts_on),
            (
                SurveyWindow.Kind.EXIT,
                level + rng.uniform(-0.2, 1.0),
                stress - rng.uniform(-0.3, 0.9),
                cohort.ends_on,
            ),
        ]
        for kind, wellbeing, strain, day in moments:
            if kind == SurveyWindow.Kind.EXIT and index == len(people) - 1:
                continue  # one person never answered at exit: completion below 100%
            at = datetime.combine(day, time(19, 0), tzinfo=ZoneInfo(ZONE))
            response = Response.objects.create(
                window=windows[kind], participant=person, submitted_at=at, updated_at=at
            )
            values = _answers(rng, wellbeing, strain)
            hours = rng.randint(38, 70)
            Answer.objects.bulk_create(
                [
                    Answer(response=response, item=item, number=value)
                    for item, value in zip(items, values, strict=False)
                ]
                + [
                    Answer(
                        response=response,
                        item=next(i for i in items if i.kind == Item.Kind.NUMBER),
                        number=hours,
                    )
                ]
            )
    cohort.status = Cohort.Status.FINISHED
    cohort.save(update_fields=["status"])
    return cohort


def _current_cohort(
    programme: Programme,
    instrument: Instrument,
    lead: User,
    people: list[User],
) -> Cohort:
    from kindred.learning.models import Course
    from kindred.mentoring.models import MentoringProgramme

    organisation = programme.service.organisation
    today = timezone.localdate()
    starts_on = today + timedelta(days=6)
    first = datetime.combine(starts_on, time(18, 30), tzinfo=ZoneInfo(ZONE))
    finance = (
        Service.objects.filter(status=Service.Status.ACTIVE, name__icontains="finance")
        .exclude(organisation=organisation)
        .order_by("pk")[:1]
    )
    next_steps = list(finance) + list(
        Service.objects.filter(status=Service.Status.ACTIVE, name__icontains="mentor")
        .exclude(organisation=organisation)
        .order_by("pk")[:1]
    )
    cohort = services.create_cohort(
        programme,
        by=lead,
        data=services.CohortInput(
            name="Autumn cohort",
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=49),
            capacity=12,
            instrument=instrument,
            course=Course.objects.filter(organisation=organisation)
            .order_by("pk")
            .first(),
            mentoring=MentoringProgramme.objects.filter(organisation=organisation)
            .order_by("pk")
            .first(),
            next_steps=next_steps,
            follow_up_on=starts_on + timedelta(days=49 + 90),
            sessions=services.SessionPlan(
                first_starts_at=first, minutes=75, weeks=8, time_zone=ZONE
            ),
        ),
    )
    for person in people:
        services.add_place(cohort, participant=person, by=lead)
    return cohort


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for programmes (called from kindred/core/demo.py)."""
    lead = people.get("programme.lead@example.org")
    if lead is None:
        return
    membership = Membership.objects.filter(user=lead).select_related("organisation")
    mindful = membership.first().organisation if membership.exists() else None
    if mindful is None:
        return
    service = (
        Service.objects.filter(organisation=mindful, is_programme=True)
        .order_by("pk")
        .first()
    )
    if service is None:
        return
    others = sorted(
        (u for email, u in people.items() if email not in NAMED and u.is_active),
        key=lambda u: u.pk,
    )
    if len(others) < 11:
        return
    with transaction.atomic():
        programme = services.create_programme(
            service,
            by=lead,
            lead=lead,
            summary="Eight weekly online sessions in a small group, a short course "
            "on resilience, and a wellbeing check at the start and the end so we "
            "can see what changes.",
        )
        instrument = _instrument(programme, lead)
        _finished_cohort(programme, instrument, lead, others[:8], rng)
        _current_cohort(programme, instrument, lead, others[8:11])


def history(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> Cohort | None:
    """An earlier finished cohort of the wellbeing programme, last winter, so its
    outcomes show in the ecosystem's monthly figures from then on."""
    lead = people.get("programme.lead@example.org")
    programme = (
        Programme.objects.filter(lead=lead).select_related("service").first()
        if lead is not None
        else None
    )
    instrument = (
        Instrument.objects.filter(programme=programme).order_by("pk").first()
        if programme is not None
        else None
    )
    others = sorted(
        (u for email, u in people.items() if email not in NAMED and u.is_active),
        key=lambda u: u.pk,
    )
    if programme is None or instrument is None or lead is None or len(others) < 19:
        return None
    with transaction.atomic():
        return _finished_cohort(
            programme,
            instrument,
            lead,
            others[11:19],
            rng,
            name="Winter cohort",
            days_ago=300,
        )
