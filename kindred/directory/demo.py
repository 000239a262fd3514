"""Demo services for the demo ecosystem (demo data only)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import time, timedelta

from django.utils import timezone

from kindred.accounts.models import Stage, User
from kindred.core.models import Region, Sector, Topic
from kindred.directory.models import (
    Location,
    OrganisationRecord,
    PlanItem,
    Service,
    ServiceAtLocation,
    SupportPlan,
)
from kindred.organisations.models import Organisation

WELLBEING_PROGRAMME = "Founder Wellbeing Programme"


@dataclass(frozen=True)
class Template:
    org: int  # index into the demo organisations
    name: str
    topics: tuple[str, ...]
    description: str
    delivery: str = Service.Delivery.ONLINE
    cost: str = Service.Cost.FREE
    stages: tuple[str, ...] = ()
    programme: bool = False
    capacity: int | None = None
    wait: str = ""
    fees: str = ""


S = Stage
D = Service.Delivery
TEMPLATES = [
    Template(
        1,
        WELLBEING_PROGRAMME,
        ("founder-mental-health", "mindfulness", "stress-and-resilience"),
        "An eight-week programme for founders under pressure: weekly small-group "
        "sessions on stress, sleep and resilience, a mindfulness practice you can "
        "keep, and a peer circle that carries on after the course.",
        D.HYBRID,
        programme=True,
        capacity=12,
        wait="Next cohort starts in January",
    ),
    Template(
        1,
        "Mindfulness drop-in for business owners",
        ("mindfulness", "work-life-balance"),
        "A free thirty-minute guided session every Wednesday lunchtime. No booking "
        "needed; cameras optional.",
    ),
    Template(
        1,
        "Burnout recovery coaching",
        ("founder-mental-health", "coaching"),
        "Three one-to-one coaching sessions with a qualified coach when running the "
        "business has become too much.",
        cost=Service.Cost.PAID,
        fees="£45 a session; free for businesses under two years old",
        wait="About two weeks",
    ),
    Template(
        0,
        "Start-up business planning clinic",
        ("business-planning", "validating-an-idea"),
        "One-to-one sessions with a business adviser to turn an idea into a plan: "
        "customers, costs, pricing and first steps.",
        D.HYBRID,
        stages=(S.IDEA, S.PRE_START, S.START_UP),
    ),
    Template(
        0,
        "Growth diagnostic",
        ("scaling-operations", "leadership-and-management"),
        "A half-day review of your business with an experienced adviser, and an "
        "action plan with introductions to the right support.",
        D.IN_PERSON,
        stages=(S.GROWING, S.ESTABLISHED),
    ),
    Template(
        0,
        "Register your business: step-by-step webinar",
        ("legal-structure-and-registration",),
        "Sole trader, partnership or limited company? Learn what to choose and how "
        "to register, with time for questions.",
        stages=(S.IDEA, S.PRE_START),
    ),
    Template(
        0,
        "Recruiting your first employee",
        ("recruiting-and-hiring", "employment-law-and-hr"),
        "Contracts, payroll, right-to-work checks and finding the right person: a "
        "practical workshop and template pack.",
        stages=(S.START_UP, S.GROWING),
    ),
    Template(
        2,
        "Enterprise mentoring scheme",
        ("mentoring", "business-model-design"),
        "Six months of monthly meetings with a volunteer mentor from the university's "
        "network of alumni entrepreneurs.",
        D.HYBRID,
        programme=True,
        capacity=40,
        wait="Matching takes about a month",
    ),
    Template(
        2,
        "Innovation vouchers",
        ("innovation-and-r-d", "intellectual-property"),
        "Up to five days of academic expertise to test a product, process or idea.",
        D.IN_PERSON,
        stages=(S.START_UP, S.GROWING, S.ESTABLISHED),
    ),
    Template(
        2,
        "Student consultancy projects",
        ("customer-research", "marketing-strategy"),
        "A team of final-year students researches a question for your business over "
        "ten weeks, supervised by academic staff.",
        programme=True,
    ),
    Template(
        3,
        "Start-up loans",
        ("loans-and-grants",),
        "Loans from £500 to £25,000 for businesses that find it hard to borrow from "
        "a bank, with free mentoring for the first year.",
        cost=Service.Cost.PAID,
        fees="Fixed interest of 6% a year; no arrangement fee",
        stages=(S.PRE_START, S.START_UP),
        wait="A decision within three weeks",
    ),
    Template(
        3,
        "Community grants for social enterprises",
        ("loans-and-grants", "social-enterprise"),
        "Grants of up to £5,000 for social enterprises that create local jobs.",
        stages=(S.START_UP, S.GROWING),
    ),
    Template(
        3,
        "Cash-flow rescue support",
        ("cash-flow-forecasting", "bookkeeping-and-accounts"),
        "Fast help when cash is tight: a forecast, a conversation with creditors and "
        "a bridging loan where it makes sense.",
        D.HYBRID,
    ),
    Template(
        4,
        "Export documentation service",
        ("exporting-and-international-trade", "regulation-and-compliance"),
        "Certificates of origin, customs paperwork and advice for your first "
        "shipments abroad.",
        D.HYBRID,
        cost=Service.Cost.PAID,
        fees="From £25 a certificate; reduced for members",
    ),
    Template(
        4,
        "Business breakfast networking",
        ("networking", "partnerships-and-collaboration"),
        "A monthly breakfast where forty local businesses meet, pitch and find "
        "partners.",
        D.IN_PERSON,
        cost=Service.Cost.PAID,
        fees="£12 for members, £20 for guests",
    ),
    Template(
        5,
        "Launchpad twelve-week accelerator",
        (
            "raising-equity-investment",
            "scaling-operations",
            "public-speaking-and-pitching",
        ),
        "A full-time programme for tech start-ups: mentors, workshops, a demo day "
        "with investors and £10,000 of credits.",
        D.HYBRID,
        stages=(S.START_UP, S.GROWING),
        programme=True,
        capacity=10,
        wait="Applications open twice a year",
    ),
    Template(
        5,
        "Investor readiness review",
        ("raising-equity-investment",),
        "An investor reviews your deck and financial model and tells you what they "
        "would ask.",
        stages=(S.START_UP, S.GROWING),
    ),
    Template(
        6,
        "Cash-flow forecasting clinic",
        ("cash-flow-forecasting", "pricing"),
        "Bring your numbers: an accountant builds a thirteen-week cash-flow forecast "
        "with you and shows you how to keep it up to date.",
        D.HYBRID,
    ),
    Template(
        6,
        "VAT and tax basics",
        ("tax-and-vat", "bookkeeping-and-accounts"),
        "When to register for VAT, what you can claim, and how to stay on the right "
        "side of the tax office.",
    ),
    Template(
        6,
        "Bookkeeping set-up",
        ("bookkeeping-and-accounts", "digital-tools-and-it"),
        "We set up cloud bookkeeping for you and show you a weekly routine that takes "
        "twenty minutes.",
        cost=Service.Cost.PAID,
        fees="£150 fixed fee",
    ),
    Template(
        7,
        "Sales and negotiation course",
        ("sales-and-negotiation",),
        "Four evening sessions on finding customers, handling objections and closing "
        "the deal.",
        D.IN_PERSON,
        cost=Service.Cost.PAID,
        fees="£120 for the course",
        programme=True,
        capacity=16,
    ),
    Template(
        7,
        "Digital marketing bootcamp",
        ("digital-marketing-and-social-media", "branding"),
        "Two days to plan a year of social media, build an email list and measure "
        "what works.",
        cost=Service.Cost.PAID,
        fees="£90",
        programme=True,
    ),
    Template(
        7,
        "First-time manager training",
        ("leadership-and-management", "team-culture"),
        "For founders who now lead a team: delegation, feedback and one-to-ones.",
        stages=(S.GROWING, S.ESTABLISHED),
    ),
    Template(
        8,
        "Women founders peer circle",
        ("networking", "mentoring", "founder-mental-health"),
        "Eight women founders meet monthly to share problems and celebrate progress, "
        "facilitated by an experienced entrepreneur.",
        D.HYBRID,
        programme=True,
        capacity=8,
    ),
    Template(
        8,
        "Role-model mentoring",
        ("mentoring", "public-speaking-and-pitching"),
        "Meet a woman who has built the kind of business you want to build.",
    ),
    Template(
        9,
        "Export market visits",
        ("exporting-and-international-trade",),
        "Trade missions to European and Gulf markets with meetings arranged for you.",
        D.IN_PERSON,
        cost=Service.Cost.PAID,
        fees="Part-funded; you pay travel",
        stages=(S.GROWING, S.ESTABLISHED),
    ),
    Template(
        9,
        "Tenders and public procurement workshop",
        ("public-procurement-and-tenders",),
        "How to find public contracts, write a winning bid and meet the social-value "
        "questions.",
    ),
    Template(
        10,
        "Net zero action plan",
        ("net-zero-and-sustainability",),
        "An energy audit and a practical plan to cut carbon and costs, with grants "
        "to fund the first steps.",
        D.IN_PERSON,
    ),
    Template(
        10,
        "Sustainable supply chains",
        ("supply-chain-and-logistics", "net-zero-and-sustainability"),
        "Find greener suppliers and tell your customers about it honestly.",
    ),
    Template(
        11,
        "Makers' workshop membership",
        ("premises-and-property", "community-and-local-economy"),
        "Shared workshop space, tools and a community of makers; first month free.",
        D.IN_PERSON,
        cost=Service.Cost.PAID,
        fees="From £60 a month",
    ),
    Template(
        11,
        "Cyber security health check",
        ("cyber-security", "digital-tools-and-it"),
        "A free check of passwords, backups and devices, with a one-page plan.",
    ),
]
FORMATS = [
    ("clinic", "One-to-one sessions with a specialist on {topic}."),
    (
        "workshop",
        "A practical half-day workshop on {topic} with templates to take away.",
    ),
    ("masterclass", "An expert masterclass on {topic}, followed by questions."),
    ("peer group", "A small peer group on {topic} that meets every month."),
    ("toolkit", "A self-paced toolkit on {topic} with short videos and worksheets."),
]


def build(
    organisations: list[Organisation],
    *,
    count: int,
    rng: random.Random,
    people: dict[str, User],
) -> int:
    """Create `count` services (the named ones first) for the demo organisations."""
    OrganisationRecord.objects.bulk_create(
        [OrganisationRecord(organisation=o) for o in organisations],
        batch_size=2000,
        ignore_conflicts=True,
    )
    topics = {t.slug: t for t in Topic.objects.filter(parent__isnull=False)}
    topic_list = list(topics.values())
    regions = list(Region.objects.order_by("pk"))
    sectors = list(Sector.objects.order_by("pk"))
    now = timezone.now()
    reviewer = people.get("programme.lead@example.org")
    rows: list[Service] = []
    links: list[tuple[int, list[int], list[int], list[int]]] = []
    for i in range(count):
        if i < len(TEMPLATES):
            t = TEMPLATES[i]
            org = organisations[t.org]
            chosen = [topics[s] for s in t.topics if s in topics]
            service = Service(
                organisation=org,
                name=t.name,
                description=t.description,
                delivery=t.delivery,
                cost=t.cost,
                fees_description=t.fees,
                stages=list(t.stages),
                is_programme=t.programme,
                capacity=t.capacity,
                wait_time=t.wait,
            )
        else:
            topic = rng.choice(topic_list)
            fmt, text = rng.choice(FORMATS)
            org = organisations[
                rng.randrange(len(organisations))
                if i % 3
                else i % min(12, len(organisations))
            ]
            chosen = [topic, *rng.sample(topic_list, rng.choice((0, 0, 1)))]
            paid = rng.random() < 0.3
            service = Service(
                organisation=org,
                name=f"{topic.name} {fmt}" + (f" {i}" if i >= 60 else ""),
                description=text.format(topic=topic.name.lower()),
                delivery=rng.choice(list(Service.Delivery)),
                cost=Service.Cost.PAID if paid else Service.Cost.FREE,
                fees_description="£40 a session" if paid else "",
                stages=rng.sample(list(Stage.values), rng.choice((0, 0, 2, 3))),
                is_programme=fmt == "peer group",
            )
        service.application_process = (
            f"Email {org.email or 'us'} or use the contact form on our website; we "
            "reply within three working days."
        )
        service.email = org.email
        service.url = org.website
        service.languages = ["en"] if i % 7 else ["en", "cy"]
        service.opening_days = ["MO", "TU", "WE", "TH", "FR"]
        service.opens_at, service.closes_at = time(9), time(17)
        # A few were not checked for months, so directory health has work to show.
        months = 8 if i % 17 == 5 else rng.randrange(0, 5)
        service.last_reviewed_at = now - timedelta(days=30 * months)
        service.last_reviewed_by = (
            reviewer if service.organisation_id == organisations[1].pk else None
        )
        rows.append(service)
        region_ids = [] if i % 4 else [regions[0].pk]
        sector_ids = [] if i % 5 else [rng.choice(sectors).pk]
        links.append((i, [t.pk for t in chosen], sector_ids, region_ids))
    Service.objects.bulk_create(rows, batch_size=2000)
    for model, column, position in (
        (Service.topics.through, "topic_id", 1),
        (Service.sectors.through, "sector_id", 2),
        (Service.regions.through, "region_id", 3),
    ):
        model.objects.bulk_create(
            (
                model(service_id=rows[link[0]].pk, **{column: target})
                for link in links
                for target in dict.fromkeys(link[position])  # type: ignore[call-overload]
            ),
            batch_size=5000,
        )
    _locations(organisations, rows)
    _plan(rows, people)
    return len(rows)


def _locations(organisations: list[Organisation], services: list[Service]) -> None:
    hub = Location.objects.create(
        organisation=organisations[0],
        name="Northshire Enterprise Centre",
        address_1="1 Quay Street",
        city="Northshire",
        state_province="Northshire",
        postal_code="NS1 2AB",
        country="GB",
        latitude=54.97,
        longitude=-1.61,
    )
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(service=s, location=hub)
        for s in services[:60]
        if s.delivery != Service.Delivery.ONLINE
        and s.organisation_id == hub.organisation_id
    )


def _plan(services: list[Service], people: dict[str, User]) -> None:
    founder = people.get("founder@example.org")
    adviser = people.get("adviser@example.org")
    if founder is None:
        return
    plan = SupportPlan.objects.create(
        owner=founder,
        title="Cash flow before Christmas",
        needs={
            "stage": Stage.START_UP,
            "topics": [],
            "urgency": "now",
            "text": "cash flow",
        },
    )
    chosen = [s for s in services[:60] if "ash" in s.name][:3]
    PlanItem.objects.bulk_create(
        PlanItem(
            plan=plan,
            position=i,
            kind=PlanItem.Kind.SERVICE,
            object_id=s.pk,
            title=s.name,
            url=s.get_absolute_url(),
            reason=f"Helps with cash flow; run by {s.organisation.name}",
            done_at=timezone.now() if i == 0 else None,
        )
        for i, s in enumerate(chosen)
    )
    if adviser is not None:
        plan.shared_with.add(adviser)
