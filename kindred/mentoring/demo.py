"""Demo data for mentoring: the University of Northshire Enterprise programme with a
published matching (Jamal Campbell, founder@, mentored by Priya Patel, mentor@,
with an agreement, a goal, a session and a check-in: journey step 4), and a
self-match programme of Northshire Growth Hub open for applications."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from kindred.accounts.models import Stage, User
from kindred.core.models import Region, Sector, Topic
from kindred.core.video import room_url
from kindred.mentoring import selectors, services
from kindred.mentoring.models import (
    SLOTS,
    Application,
    MentoringProgramme,
    Pair,
    Session,
)
from kindred.mentoring.services import ApplicationInput, ProgrammeInput
from kindred.organisations.models import Organisation

if TYPE_CHECKING:
    from kindred.core.demo import Cast

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


def history(
    orgs: list[Organisation],
    people: dict[str, User],
    cast: Cast,
    rng: random.Random,
) -> int:
    """A year-long programme of the University, now closed: mentees applied month
    by month, most were matched within weeks to a mentor from another
    organisation (more of them as the year went on), and pairs met most months
    for six months. Return how many pairs were matched."""
    from kindred.core.demo import moment_in, past_months

    university = next((o for o in orgs if o.name == UNIVERSITY), None)
    organiser = people.get("mentor@example.org")
    if university is None or organiser is None or len(cast.people) < 20:
        return 0
    months = past_months()
    now = timezone.now()
    programme = MentoringProgramme.objects.create(
        organisation=university,
        created_by=organiser,
        title="Founder mentoring: the past year",
        purpose="A year of rolling one-to-one mentoring, matched every month. "
        "Closed; the spring programme follows on from it.",
        starts_on=months[0][1],
        ends_on=months[-1][1] - timedelta(days=1),
        status=MentoringProgramme.Status.CLOSED,
        check_in_weeks=4,
        created_at=moment_in(rng, months[0][1], months[0][1] + timedelta(days=5)),
        updated_at=now,
    )
    pool = list(cast.people)
    rng.shuffle(pool)
    mentors = pool[:8]
    mentees = pool[8:44]
    applications = [
        Application(
            programme=programme,
            user=user,
            side=Application.Side.MENTOR,
            answers=["To give back what others gave me."],
            stages=[Stage.START_UP, Stage.GROWING],
            languages=["en"],
            availability=rng.sample(SLOTS, k=3),
            experience_years=rng.randint(5, 25),
            capacity=3,
            created_at=programme.created_at,
        )
        for user in mentors
    ]
    joined: list[tuple[User, float, date, date]] = []
    queue = iter(mentees)
    for growth, start, end in months[:-2]:
        for _n in range(1 + round(2 * growth)):
            user = next(queue, None)
            if user is not None:
                joined.append((user, growth, start, end))
    applications += [
        Application(
            programme=programme,
            user=user,
            side=Application.Side.MENTEE,
            answers=["A second pair of eyes on my plans."],
            stages=[Stage.START_UP],
            languages=["en"],
            availability=rng.sample(SLOTS, k=3),
            created_at=moment_in(rng, start, end),
        )
        for user, _growth, start, end in joined
    ]
    made = Application.objects.bulk_create(applications)
    mentor_apps, mentee_apps = made[: len(mentors)], made[len(mentors) :]
    pairs, plans = [], []
    for application, (user, growth, _start, _end) in zip(
        mentee_apps, joined, strict=True
    ):
        if rng.random() > 0.6 + 0.35 * growth:
            continue  # not matched: the match rate improves over the year
        cross = [m for m in mentor_apps if cast.is_cross(user, m.user)] or mentor_apps
        mentor = rng.choice(cross)
        matched = min(
            now - timedelta(days=1),
            application.created_at + timedelta(days=rng.randint(7, 24)),
        )
        closes = matched + timedelta(days=182)
        pairs.append(
            Pair(
                programme=programme,
                mentee=application,
                mentor=mentor,
                status=Pair.Status.CLOSED,
                source=Pair.Source.OPTIMISER,
                score=round(rng.uniform(0.5, 0.95), 3),
                matched_at=matched,
                closed_at=min(closes, now - timedelta(hours=1)),
                created_at=matched,
            )
        )
        plans.append(growth)
    pairs = Pair.objects.bulk_create(pairs)
    sessions = []
    for pair, growth in zip(pairs, plans, strict=True):
        at = pair.matched_at + timedelta(days=rng.randint(3, 10))
        while at < pair.closed_at:
            if rng.random() < 0.65 + 0.3 * growth:
                sessions.append(
                    Session(
                        pair=pair,
                        starts_at=at,
                        duration_minutes=60,
                        summary="A monthly catch-up.",
                        room_url=room_url("mentoring"),
                        logged_by=pair.mentor.user,
                        created_at=at,
                    )
                )
            at += timedelta(days=rng.randint(26, 34))
    Session.objects.bulk_create(sessions)
    return len(pairs)
