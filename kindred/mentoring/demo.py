"""Demo data for mentoring: the University of Northshire Enterprise programme with a
published matching (Jamal Campbell, founder@, mentored by Priya Patel, mentor@,
with an agreement, a goal, a session and a check-in: journey step 4), and a
self-match programme of Northshire Growth Hub open for applications."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from kindred.accounts.models import Stage, User
from kindred.core.models import Region, Sector, Topic
from kindred.mentoring import selectors, services
from kindred.mentoring.models import SLOTS, Application, MentoringProgramme, Pair
from kindred.mentoring.services import ApplicationInput, ProgrammeInput
from kindred.organisations.models import Organisation

UNIVERSITY = "University of Northshire Enterprise"
GROWTH_HUB = "Northshire Growth Hub"
LOGINS = {
    "steward@example.org",
    "adviser@example.org",
    "programme.lead@example.org",
    "mentor@example.org",
    "founder@example.org",
}


def _application(
    programme: MentoringProgramme,
    user: User,
    side: str,
    rng: random.Random,
    topics: list[Topic],
    sectors: list[Sector],
    regions: list[Region],
    *,
    chosen: list[Topic] | None = None,
) -> Application:
    mentor = side == Application.Side.MENTOR
    return services.apply(
        programme,
        by=user,
        data=ApplicationInput(
            side=side,
            answers=[
                "To share what I learnt running my own business."
                if mentor
                else "To get a second pair of eyes on my plans."
            ][: len(programme.questions)],
            topics=chosen or rng.sample(topics, k=3 if mentor else 2),
            sectors=rng.sample(sectors, k=1) if sectors else [],
            stages=rng.sample(Stage.values, k=2)
            if mentor
            else [rng.choice(Stage.values)],
            regions=regions[:1],
            languages=["en"] + (["cy"] if rng.random() < 0.2 else []),
            availability=rng.sample(SLOTS, k=4),
            experience_years=rng.randint(3, 25) if mentor else 0,
            capacity=rng.randint(1, 3) if mentor else 1,
        ),
    )


def _ensure_demo_pair(
    programme: MentoringProgramme,
    organiser: User,
    mentee: Application,
    mentor: Application,
) -> None:
    """Make the journey's pair part of the proposals, within capacity."""
    for pair in Pair.objects.filter(programme=programme, status="proposed").filter(
        mentee=mentee
    ):
        if pair.mentor_id == mentor.pk:
            return
        services.remove_pair(pair, by=organiser)
    taken = list(
        Pair.objects.filter(mentor=mentor, status="proposed").order_by("score")
    )
    for pair in taken[: max(0, len(taken) - mentor.capacity + 1)]:
        services.remove_pair(pair, by=organiser)
    services.add_pair(programme, by=organiser, mentee=mentee, mentor=mentor)


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for mentoring (called from kindred/core/demo.py)."""
    by_name = {o.name: o for o in orgs}
    university = by_name.get(UNIVERSITY)
    founder = people.get("founder@example.org")
    priya = people.get("mentor@example.org")
    if university is None or founder is None or priya is None:
        return
    topics = list(Topic.objects.filter(is_active=True).order_by("pk"))
    sectors = list(Sector.objects.filter(is_active=True).order_by("pk"))
    regions = list(Region.objects.filter(is_active=True).order_by("pk"))
    if not topics:
        return
    others = sorted(
        (u for e, u in people.items() if e not in LOGINS and u.is_active),
        key=lambda u: u.email,
    )
    rng.shuffle(others)
    mentors, mentees = others[:9], others[9:28]
    today = timezone.localdate()

    programme = services.create_programme(
        by=priya,
        organisation=university,
        settings=ProgrammeInput(
            title="Founder mentoring: spring",
            purpose=(
                "Six months of one-to-one mentoring for founders in their first "
                "three years, with mentors from across the Northshire ecosystem. "
                "Meet about once a month, online or in person."
            ),
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=150),
            questions=["What would make this mentoring a success for you?"],
            check_in_weeks=4,
        ),
    )
    services.set_programme_status(programme, by=priya, status="open")
    focus = [
        t for t in topics if t.slug in ("mentoring", "cash-flow-forecasting", "pricing")
    ] or topics[:3]
    priya_app = _application(
        programme,
        priya,
        "mentor",
        rng,
        topics,
        sectors,
        regions,
        chosen=focus,
    )
    founder_app = _application(
        programme, founder, "mentee", rng, topics, sectors, regions, chosen=focus[:2]
    )
    for user in mentors:
        _application(programme, user, "mentor", rng, topics, sectors, regions)
    for user in mentees:
        _application(programme, user, "mentee", rng, topics, sectors, regions)
    services.run_matching(programme, by=priya)
    _ensure_demo_pair(programme, priya, founder_app, priya_app)
    services.publish_matching(programme, by=priya)

    pair = Pair.objects.get(mentee=founder_app, status="active")
    services.update_agreement(
        pair,
        by=founder,
        text=(
            "We meet **once a month** for an hour on video. What we talk about "
            "stays between us. Jamal sets the agenda; Priya asks the hard questions."
        ),
    )
    services.add_goal(
        pair,
        by=founder,
        title="A cash-flow forecast I trust",
        milestones=[
            ("Twelve-month forecast drafted", today + timedelta(days=21)),
            ("Prices reviewed against costs", today + timedelta(days=45)),
        ],
    )
    services.log_session(
        pair,
        by=priya,
        starts_at=timezone.now() - timedelta(days=7),
        duration_minutes=60,
        summary="Got to know each other; looked at last quarter's cash flow.",
    )
    services.log_session(
        pair,
        by=founder,
        starts_at=timezone.now() + timedelta(days=21),
        duration_minutes=60,
        summary="Next: the forecast draft.",
    )
    services.check_in(pair, by=founder, still_meeting=True, comment="Going well.")

    hub = by_name.get(GROWTH_HUB)
    adviser = people.get("adviser@example.org")
    if hub is None or adviser is None:
        return
    open_programme = services.create_programme(
        by=adviser,
        organisation=hub,
        settings=ProgrammeInput(
            title="Peer mentors for new businesses",
            purpose=(
                "Browse mentors and ask the ones you like, best first. Each mentor "
                "has a week to answer before your request moves to your next choice."
            ),
            starts_on=today,
            ends_on=date(today.year + 1, today.month, 1),
            mode=MentoringProgramme.Mode.SELF,
            request_days=7,
        ),
    )
    services.set_programme_status(open_programme, by=adviser, status="open")
    hub_mentors = [
        _application(open_programme, user, "mentor", rng, topics, sectors, regions)
        for user in [priya, *others[28:31]]
    ]
    asking = [
        _application(open_programme, user, "mentee", rng, topics, sectors, regions)
        for user in others[31:33]
    ]
    if asking:
        allowed = [s.mentor for s in selectors.browsable_mentors(asking[0])]
        # Priya first when the rules allow, so her requests page has one waiting.
        allowed.sort(key=lambda a: a.pk != hub_mentors[0].pk)
        if allowed:
            services.request_mentors(
                open_programme,
                by=asking[0].user,
                mentors=allowed[:2],
                message="I would value your experience with pricing.",
            )
