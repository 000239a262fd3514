"""Build a believable demo ecosystem, deterministically for a seed.

The small default (about 12 organisations and 150 people) shows every page off; a
large `scale` (e.g. 50,000 people and about 2,000 organisations) is loaded in bulk
for benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kindred.accounts.models import Profile, Stage, User, Visibility
from kindred.analytics import demo as analytics_demo
from kindred.collaboration import demo as collaboration_demo
from kindred.communities import demo as communities_demo
from kindred.core import vocabulary
from kindred.core.models import Region, Sector, Topic
from kindred.directory import demo as directory_demo
from kindred.events import demo as events_demo
from kindred.insights import demo as insights_demo
from kindred.learning import demo as learning_demo
from kindred.mentoring import demo as mentoring_demo
from kindred.moderation import demo as moderation_demo
from kindred.networking import demo as networking_demo
from kindred.notifications.services import notify
from kindred.organisations import selectors as organisation_selectors
from kindred.organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Role,
)
from kindred.peerhelp import demo as peerhelp_demo
from kindred.programmes import demo as programmes_demo
from kindred.projects import demo as projects_demo
from kindred.referrals import demo as referral_demo

DEMO_PASSWORD = "kindred-demo"  # noqa: S105 - documented demo password, demo data only

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dafydd",
    "Eilidh",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jamal",
    "Kiran",
    "Laila",
    "Mateusz",
    "Niamh",
    "Olu",
    "Priya",
    "Quentin",
    "Rhys",
    "Sofia",
    "Tomasz",
    "Uma",
    "Viktor",
    "Wen",
    "Xavier",
    "Yasmin",
    "Zainab",
    "Alex",
    "Bethan",
    "Callum",
    "Deepa",
    "Ewan",
    "Fatima",
    "Gareth",
    "Hannah",
    "Imran",
    "Jess",
    "Kwame",
    "Lucy",
    "Mohammed",
    "Nia",
    "Owen",
    "Parveen",
    "Rosa",
    "Sean",
    "Tariq",
    "Ursula",
    "Vik",
    "Will",
    "Yusuf",
    "Zoe",
    "Ana",
    "Bronwen",
    "Ciaran",
    "Dev",
]
LAST = [
    "Khan",
    "Jones",
    "Smith",
    "Williams",
    "Okafor",
    "Patel",
    "Murphy",
    "Nowak",
    "Campbell",
    "Evans",
    "Hughes",
    "Ahmed",
    "Chen",
    "Davies",
    "Kowalski",
    "Singh",
    "Thomas",
    "Roberts",
    "Obi",
    "Walker",
    "MacLeod",
    "Ali",
    "Begum",
    "Wright",
    "Green",
    "Hall",
    "Wood",
    "Lewis",
    "Price",
    "Morgan",
    "Baker",
    "Rahman",
    "Hussain",
    "Kaur",
    "Fraser",
    "Byrne",
    "Kelly",
]

BUSINESSES = [
    ("a zero-waste bakery", "Agriculture and food"),
    ("a bike repair social enterprise", "Social enterprise"),
    ("a design studio for charities", "Creative industries"),
    ("a SaaS tool for farm logistics", "Digital and technology"),
    ("a family-run guest house", "Hospitality and tourism"),
    ("a home-care agency", "Health and care"),
    ("a precision engineering workshop", "Manufacturing"),
    ("an online shop for refurbished tech", "Retail and e-commerce"),
    ("a solar installation company", "Energy and environment"),
    ("a bookkeeping practice", "Professional services"),
    ("a children's coding club", "Education"),
    ("a craft brewery", "Agriculture and food"),
    ("a courier co-operative", "Transport and logistics"),
    ("a biotech spin-out", "Life sciences"),
    ("a timber-frame builder", "Construction"),
    ("a fintech app for freelancers", "Financial services"),
]

ORGANISATIONS = [
    (
        "Northshire Growth Hub",
        Organisation.Kind.PUBLIC_AGENCY,
        "Free, impartial business support for every business in the region.",
    ),
    (
        "Mindful Founders CIC",
        Organisation.Kind.CHARITY,
        "Wellbeing and mindfulness programmes for founders under pressure.",
    ),
    (
        "University of Northshire Enterprise",
        Organisation.Kind.UNIVERSITY,
        "Mentoring, student talent and research partnerships for local firms.",
    ),
    (
        "Riverside Community Finance",
        Organisation.Kind.FUNDER,
        "Loans and grants for businesses that banks turn away.",
    ),
    (
        "Northshire Chamber of Commerce",
        Organisation.Kind.CHAMBER,
        "Networking, export documents and a voice for local business.",
    ),
    (
        "Launchpad Accelerator",
        Organisation.Kind.ACCELERATOR,
        "A twelve-week programme for ambitious tech start-ups.",
    ),
    (
        "Clear Ledger Advisers",
        Organisation.Kind.BUSINESS_ADVISER,
        "Accountants who explain cash flow in plain words.",
    ),
    (
        "Skills Forward Training",
        Organisation.Kind.TRAINER,
        "Short practical courses in sales, marketing and leadership.",
    ),
    (
        "Women in Enterprise Network",
        Organisation.Kind.CHARITY,
        "Peer circles and role models for women starting businesses.",
    ),
    (
        "Export Northshire",
        Organisation.Kind.PUBLIC_AGENCY,
        "Help to sell abroad: markets, paperwork and trade missions.",
    ),
    (
        "Green Business Partnership",
        Organisation.Kind.BUSINESS_ADVISER,
        "Practical steps to net zero that also save money.",
    ),
    (
        "Makers' Co-working",
        Organisation.Kind.BUSINESS,
        "Desks, workshops and a friendly community of makers.",
    ),
]

DEMO_LOGINS = [
    # email, name, headline, organisation index, role, steward
    (
        "steward@example.org",
        "Sam Okafor",
        "Ecosystem steward for Northshire",
        None,
        Role.MEMBER,
        True,
    ),
    (
        "adviser@example.org",
        "Aisha Khan",
        "Business adviser at Northshire Growth Hub",
        0,
        Role.PRACTITIONER,
        False,
    ),
    (
        "programme.lead@example.org",
        "Rhys Evans",
        "Leads the Mindful Founders wellbeing programme",
        1,
        Role.ADMIN,
        False,
    ),
    (
        "mentor@example.org",
        "Priya Patel",
        "Mentor and enterprise fellow",
        2,
        Role.PRACTITIONER,
        False,
    ),
    (
        "founder@example.org",
        "Jamal Campbell",
        "Founder of a zero-waste bakery",
        None,
        Role.MEMBER,
        False,
    ),
]

PRACTITIONER_HEADLINES = [
    "Business adviser",
    "Mentor",
    "Start-up coach",
    "Finance specialist",
    "Marketing trainer",
    "Export adviser",
    "Wellbeing coach",
    "Enterprise lecturer",
]


@dataclass
class DemoResult:
    organisations: int
    people: int
    logins: list[str]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _visibility(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.8:
        return Visibility.MEMBERS
    return Visibility.ORGANISATIONS if roll < 0.93 else Visibility.ONLY_ME


def service_count(scale: int) -> int:
    return max(60, scale * 2 // 5)


HISTORY_MONTHS = 12


def past_months(months: int = HISTORY_MONTHS) -> list[tuple[float, date, date]]:
    """(growth, first day, first day of the next month) for each of the last
    `months` whole months, oldest first, then the current month so far; growth
    runs from 0 a year ago to 1 now, so the history can grow busier."""
    today = timezone.localdate()
    first = today.replace(day=1)
    starts = [first]
    for _step in range(months):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    spans = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else today
        spans.append((index / months, start, end))
    return spans


def moment_in(rng: random.Random, start: date, end: date) -> datetime:
    """A time of day between 8:00 and 19:00 on a day in [start, end), never in
    the future."""
    days = max(1, (end - start).days)
    day = start + timedelta(days=rng.randrange(days))
    at = timezone.make_aware(
        datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59)))
    )
    return min(at, timezone.now() - timedelta(minutes=rng.randint(5, 600)))


class Cast:
    """The generated people who act out the year's history: a fixed-size sample
    whatever the scale, with each one's primary organisation (None for none)."""

    def __init__(self, people: list[User], organisation_of: dict[int, int]) -> None:
        self.people = people
        self.organisation_of = {p.pk: organisation_of.get(p.pk) for p in people}
        self.by_organisation: dict[int | None, list[User]] = {}
        for person in people:
            self.by_organisation.setdefault(self.organisation_of[person.pk], []).append(
                person
            )
        self.staff = [p for p in people if self.organisation_of[p.pk] is not None]

    def someone(self, rng: random.Random) -> User:
        return rng.choice(self.people)

    def partner(self, rng: random.Random, person: User, *, cross_share: float) -> User:
        """Someone else: from another organisation with probability
        `cross_share`, otherwise from the person's own when it has others."""
        own = self.organisation_of[person.pk]
        pool = self.staff or self.people
        if rng.random() >= cross_share and own is not None:
            same = [p for p in self.by_organisation.get(own, []) if p != person]
            if same:
                return rng.choice(same)
        for _attempt in range(20):
            other = rng.choice(pool)
            if other != person and (
                own is None or self.organisation_of[other.pk] != own
            ):
                return other
        return next(p for p in self.people if p != person)

    def is_cross(self, a: User, b: User) -> bool:
        own = self.organisation_of[a.pk]
        return own is None or own != self.organisation_of[b.pk]


def cast_of(people: dict[str, User], rng: random.Random, size: int = 400) -> Cast:
    """Pick the history's cast from the generated demo people."""
    generated = sorted(
        (u for email, u in people.items() if email.endswith("@demo.example.org")),
        key=lambda u: u.pk,
    )
    if len(generated) > size:
        generated = sorted(rng.sample(generated, size), key=lambda u: u.pk)
    return Cast(generated, organisation_selectors.primary_organisations())


@transaction.atomic
def build(
    *, scale: int = 150, seed: int = 1, progress: Callable[[int], None] | None = None
) -> DemoResult:
    """Create the demo ecosystem in an empty database; return what was made."""
    rng = random.Random(seed)
    tick = progress or (lambda n: None)
    vocabulary.seed(Topic, Region, Sector)
    topics = list(Topic.objects.filter(parent__isnull=False).order_by("pk"))
    regions = list(Region.objects.order_by("pk"))
    home_region = regions[0]
    sectors = {s.name: s for s in Sector.objects.order_by("pk")}
    sector_list = list(sectors.values())
    now = timezone.now()

    # Organisations: the twelve named ones, then generated ones at large scale.
    n_orgs = max(len(ORGANISATIONS), scale // 25)
    org_rows = []
    for i in range(n_orgs):
        if i < len(ORGANISATIONS):
            name, kind, summary = ORGANISATIONS[i]
        else:
            kind = rng.choice(list(Organisation.Kind))
            name = f"{rng.choice(LAST)} {kind.label} {i}"
            summary = (
                f"{kind.label} supporting businesses across {rng.choice(regions).name}."
            )
        org_rows.append(
            Organisation(
                name=name,
                slug=slugify(name)[:80],
                kind=kind,
                summary=summary,
                description=(
                    f"{summary}\n\n**How we help:** one-to-one support, workshops and "
                    "introductions to others in the ecosystem.\n\n"
                    "- Free first conversation\n- Online or in person"
                ),
                website=f"https://{slugify(name)[:40]}.example.org",
                email=f"hello@{slugify(name)[:40]}.example.org",
                created_at=now,
            )
        )
    Organisation.objects.bulk_create(org_rows, batch_size=1000)
    orgs = list(Organisation.objects.order_by("pk"))
    Through = Organisation.regions.through
    Through.objects.bulk_create(
        [Through(organisation_id=o.pk, region_id=home_region.pk) for o in orgs]
        + [
            Through(organisation_id=o.pk, region_id=rng.choice(regions[1:]).pk)
            for o in orgs[::3]
        ],
        batch_size=5000,
    )
    tick(len(orgs))

    # People.
    login_hash = make_password(DEMO_PASSWORD)
    users: list[User] = []
    for email, *_ in DEMO_LOGINS:
        users.append(
            User(
                email=email,
                password=login_hash,
                is_demo=True,
                is_steward=email.startswith("steward"),
                date_joined=now,
            )
        )
    for i in range(scale):
        users.append(
            User(
                email=f"person{i}@demo.example.org",
                password="!demo",
                is_demo=True,
                date_joined=now,
            )
        )
    for batch in _chunks(users, 5000):
        User.objects.bulk_create(batch)
        tick(len(batch))
    users = list(User.objects.filter(is_demo=True).order_by("pk"))
    by_email = {u.email: u for u in users}
    # Demo addresses count as verified, so the demo logins work straight away.
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in users
        ],
        batch_size=5000,
    )

    profiles: list[Profile] = []
    memberships: list[Membership] = []
    topic_links: list[tuple[int, int, bool]] = []  # (user_index, topic_id, offered)
    sector_links: list[tuple[int, int]] = []
    for index, user in enumerate(users):
        demo = next((d for d in DEMO_LOGINS if d[0] == user.email), None)
        practitioner = (
            demo is not None
            and demo[3] is not None
            or (demo is None and rng.random() < 0.3)
        )
        if demo:
            name, headline = demo[1], demo[2]
        elif practitioner:
            name = _name(rng)
            headline = f"{rng.choice(PRACTITIONER_HEADLINES)}"
        else:
            name = _name(rng)
            business, _sector = rng.choice(BUSINESSES)
            headline = f"Founder of {business}"
        business, sector_name = rng.choice(BUSINESSES)
        if user.email == "founder@example.org":
            business, sector_name = BUSINESSES[0]
        created = now - timezone.timedelta(days=rng.randint(0, 365))
        profile = Profile(
            user=user,
            display_name=name,
            headline=headline,
            bio=(
                f"I run {business}. Happy to share what I have learnt."
                if not practitioner
                else f"I have supported more than {rng.randint(20, 400)} businesses. "
                "Ask me about anything on my topics list."
            ),
            region=home_region if rng.random() < 0.7 else rng.choice(regions),
            stage=(rng.choice(Stage.values) if not practitioner else Stage.ESTABLISHED),
            time_zone="Europe/London"
            if rng.random() < 0.9
            else rng.choice(
                ["Europe/Dublin", "Europe/Warsaw", "Asia/Kolkata", "America/New_York"]
            ),
            languages=["en"]
            + (["cy"] if rng.random() < 0.15 else [])
            + (
                [rng.choice(["pl", "ur", "pa", "fr", "ar"])]
                if rng.random() < 0.2
                else []
            ),
            created_at=created,
            **{f"{f}_visibility": _visibility(rng) for f in Profile.PERSONAL_FIELDS},
        )
        if demo:
            for f in Profile.PERSONAL_FIELDS:
                setattr(profile, f"{f}_visibility", Visibility.MEMBERS)
        profiles.append(profile)
        sector_links.append((index, sectors[sector_name].pk))
        if rng.random() < 0.2:
            sector_links.append((index, rng.choice(sector_list).pk))
        offered = rng.sample(
            topics, rng.randint(3, 6) if practitioner else rng.randint(0, 2)
        )
        needed = [] if practitioner else rng.sample(topics, rng.randint(1, 4))
        topic_links += [(index, t.pk, True) for t in offered]
        topic_links += [(index, t.pk, False) for t in needed if t not in offered]
        if demo and demo[3] is not None:
            memberships.append(
                Membership(
                    organisation=orgs[demo[3]],
                    user=user,
                    role=demo[4],
                    title=demo[2][:120],
                )
            )
        elif practitioner:
            org = orgs[rng.randrange(len(orgs))]
            memberships.append(
                Membership(
                    organisation=org, user=user, role=Role.PRACTITIONER, title=headline
                )
            )
        elif demo is None and rng.random() < 0.25:
            memberships.append(
                Membership(organisation=rng.choice(orgs), user=user, role=Role.MEMBER)
            )
    for batch in _chunks(profiles, 5000):
        Profile.objects.bulk_create(batch)
        tick(len(batch))
    profile_ids = dict(
        Profile.objects.filter(user__is_demo=True).values_list("user_id", "pk")
    )
    # Each organisation gets an admin: its first member, promoted.
    seen: set[int] = set()
    for m in memberships:
        if m.organisation.pk not in seen:
            seen.add(m.organisation.pk)
            if (
                m.user.email != "adviser@example.org"
                and m.user.email != "mentor@example.org"
            ):
                m.role = Role.ADMIN
    Membership.objects.bulk_create(memberships, batch_size=5000, ignore_conflicts=True)
    tick(len(memberships))

    Offered = Profile.topics_offered.through
    Needed = Profile.topics_needed.through
    Sectors = Profile.sectors.through
    for batch in _chunks(topic_links, 20000):
        Offered.objects.bulk_create(
            [
                Offered(profile_id=profile_ids[users[i].pk], topic_id=t)
                for i, t, o in batch
                if o
            ],
            ignore_conflicts=True,
        )
        Needed.objects.bulk_create(
            [
                Needed(profile_id=profile_ids[users[i].pk], topic_id=t)
                for i, t, o in batch
                if not o
            ],
            ignore_conflicts=True,
        )
        tick(len(batch))
    Sectors.objects.bulk_create(
        [
            Sectors(profile_id=profile_ids[users[i].pk], sector_id=s)
            for i, s in sector_links
        ],
        batch_size=20000,
        ignore_conflicts=True,
    )

    # Services and programmes: about 60 at the default scale, 20,000 at 50,000.
    services = directory_demo.build(
        orgs, count=service_count(scale), rng=rng, people=by_email
    )
    tick(services)

    # The founder needs wellbeing and cash-flow help, so the dashboard has helpers.
    founder = Profile.objects.get(user=by_email["founder@example.org"])
    founder.topics_needed.set(
        Topic.objects.filter(
            slug__in=["mindfulness", "cash-flow-forecasting", "pricing"]
        )
    )
    founder.topics_offered.set(Topic.objects.filter(slug__in=["branding"]))
    mentor = Profile.objects.get(user=by_email["mentor@example.org"])
    mentor.topics_offered.set(
        Topic.objects.filter(slug__in=["mentoring", "cash-flow-forecasting", "pricing"])
    )
    # A join request and an invitation waiting for the programme lead.
    JoinRequest.objects.create(
        organisation=orgs[1],
        user=by_email["founder@example.org"],
        message="I'd love to join the next wellbeing cohort.",
    )
    Invitation.objects.create(
        organisation=orgs[1],
        email="new.trainer@example.org",
        role=Role.PRACTITIONER,
        invited_by=by_email["programme.lead@example.org"],
    )
    notify(
        by_email["programme.lead@example.org"],
        kind="organisation.join_requested",
        actor=by_email["founder@example.org"],
        message="Jamal Campbell asks to join Mindful Founders CIC.",
        url=f"/organisations/{orgs[1].slug}/manage/",
    )
    notify(
        by_email["founder@example.org"],
        kind="organisation.invited",
        actor=by_email["adviser@example.org"],
        message="Welcome to the Northshire ecosystem! Complete your profile so "
        "advisers and peers can find you.",
        url="/account/profile/",
    )
    # Partnerships, a call for collaboration and success stories with shared credit.
    collaboration_demo.build(orgs, by_email, rng)
    # Communities of practice, then the events they and the organisations host.
    groups = communities_demo.build(orgs, by_email, rng)
    events_demo.build(orgs, by_email, groups, rng)
    # Peer help: asks, offers, thanks; insights and the feed; projects and businesses.
    peerhelp_demo.build(orgs, by_email, rng)
    insights_demo.build(orgs, by_email, rng)
    projects_demo.build(orgs, by_email, rng)
    moderation_demo.build(orgs, by_email, rng)
    # Mentoring and training, then the cohort programmes that bring them together.
    mentoring_demo.build(orgs, by_email, rng)
    learning_demo.build(orgs, by_email, rng)
    programmes_demo.build(orgs, by_email, rng)
    # Networking rounds: introductions across organisations.
    networking_demo.build(orgs, by_email, rng)
    # Referrals between organisations: the founder's journey, then many more.
    tick(
        referral_demo.build(
            by_email, count=referral_demo.referral_count(scale), rng=rng
        )
    )
    # A year of history behind today's picture: the ecosystem grows busier and
    # better connected month by month (referrals above already span the year).
    history_rng = random.Random(seed * 7919 + 12)
    cast = cast_of(by_email, history_rng)
    if len(cast.people) >= 20:
        collaboration_demo.history(orgs, by_email, history_rng)
        events_demo.history(orgs, cast, history_rng)
        peerhelp_demo.history(cast, history_rng)
        mentoring_demo.history(orgs, by_email, cast, history_rng)
        learning_demo.history(orgs, cast, history_rng)
        programmes_demo.history(orgs, by_email, history_rng)
        networking_demo.history(cast, history_rng)
    # The relationship graph collected from that history, snapshotted monthly.
    analytics_demo.build(orgs, by_email, rng)
    return DemoResult(
        organisations=len(orgs), people=len(users), logins=[d[0] for d in DEMO_LOGINS]
    )
