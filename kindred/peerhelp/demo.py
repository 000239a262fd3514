"""Demo peer help: standing offers, solved asks with thank-yous (some public), open
asks (one by the demo founder, with recommended helpers) and an ask inside a
private group. A fixed handful whatever the scale, so `kindred demo` stays fast.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from kindred.accounts.models import User
from kindred.communities.models import Membership as GroupMembership
from kindred.core.models import Topic
from kindred.organisations.models import Organisation
from kindred.peerhelp.models import Ask, Offer, Response, Thanks

if TYPE_CHECKING:
    from kindred.core.demo import Cast

logger = logging.getLogger("kindred.peerhelp")

OFFERS = [
    # email, title, details, format, limit, topic slugs
    (
        "mentor@example.org",
        "I review pitch decks",
        "Send me your deck; I reply with **three** things to change.",
        Offer.Format.REVIEW,
        6,
        ["public-speaking-and-pitching", "raising-equity-investment"],
    ),
    (
        "mentor@example.org",
        "An hour on growth plans",
        "A call about your next 12 months: hiring, pricing, focus.",
        Offer.Format.CALL,
        3,
        ["growth", "leadership-and-management"],
    ),
    (
        "adviser@example.org",
        "Cash-flow forecasting help",
        "I build 13-week cash-flow forecasts with founders.",
        Offer.Format.CALL,
        5,
        ["cash-flow-forecasting", "finance"],
    ),
    (
        "adviser@example.org",
        "Introductions to grant funders",
        "I know most regional grant funders and can introduce you.",
        Offer.Format.INTRODUCTION,
        4,
        ["loans-and-grants"],
    ),
    (
        "programme.lead@example.org",
        "Talking through founder stress",
        "A confidential conversation about stress and resilience.",
        Offer.Format.CALL,
        4,
        ["stress-and-resilience", "wellbeing"],
    ),
]

SOLVED = [
    # title, details, kind, topic slugs, helper email, answer, thanks, public
    (
        "How do I price a subscription box?",
        "We sell monthly boxes of local food. Cost-plus feels wrong.",
        Ask.Kind.ADVICE,
        ["pricing"],
        "mentor@example.org",
        "Start from what customers value: test three price points with a "
        "landing page before you print anything.",
        "The landing-page test settled it in a week. Thank you!",
        True,
    ),
    (
        "Quick review of my grant application",
        "Two pages for a regional innovation grant, due Friday.",
        Ask.Kind.REVIEW,
        ["loans-and-grants"],
        "adviser@example.org",
        "Lead with the outcome for the region, then the budget. Notes attached "
        "in my reply below.",
        "We were shortlisted. Your notes made the difference.",
        False,
    ),
    (
        "First 13-week cash-flow forecast",
        "Our bank asked for one and I have never made one.",
        Ask.Kind.CALL,
        ["cash-flow-forecasting"],
        "adviser@example.org",
        "Happy to do a call: bring last quarter's bank statements.",
        "Forecast done and the bank is happy.",
        True,
    ),
]

OPEN = [
    # title, details, kind, urgency, topic slugs
    (
        "Looking for a packaging supplier for glass jars",
        "Small runs (500 jars), ideally recycled glass, delivered to Northshire.",
        Ask.Kind.SUPPLIER,
        Ask.Urgency.NORMAL,
        ["supply-chain-and-logistics", "net-zero-and-sustainability"],
    ),
    (
        "Introduction to an export adviser for the EU",
        "We have our first order from France and the paperwork scares us.",
        Ask.Kind.INTRODUCTION,
        Ask.Urgency.URGENT,
        ["exporting-and-international-trade"],
    ),
]


def _topics(slugs: list[str]) -> list[Topic]:
    return list(Topic.objects.filter(slug__in=slugs))


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for peerhelp (called from kindred/core/demo.py)."""
    now = timezone.now()
    founder = people.get("founder@example.org")
    if founder is None:
        return
    others = sorted(
        (u for e, u in people.items() if not e.endswith("@example.org")),
        key=lambda u: u.pk,
    )
    peers = rng.sample(others, min(6, len(others))) if others else [founder]

    for email, title, details, fmt, limit, slugs in OFFERS:
        if email in people:
            offer = Offer.objects.create(
                helper=people[email],
                title=title,
                details=details,
                format=fmt,
                monthly_limit=limit,
            )
            offer.topics.set(_topics(slugs))
    for n, peer in enumerate(peers[:3]):
        offer = Offer.objects.create(
            helper=peer,
            title=[
                "Social media audits",
                "Help with hiring your first person",
                "Feedback on your website",
            ][n],
            format=Offer.Format.WRITING,
            monthly_limit=rng.randint(2, 8),
        )
        offer.topics.set(
            _topics(
                [
                    ["digital-marketing-and-social-media"],
                    ["recruiting-and-hiring"],
                    ["branding", "digital-tools-and-it"],
                ][n]
            )
        )

    # Solved asks, each with a helpful answer and a thank-you.
    askers = [founder, *peers[3:]]
    for n, (
        title,
        details,
        kind,
        slugs,
        helper_email,
        answer,
        note,
        public,
    ) in enumerate(SOLVED):
        author = askers[n % len(askers)]
        helper = people.get(helper_email)
        if helper is None or helper == author:
            continue
        created = now - timedelta(days=20 - 5 * n)
        ask = Ask.objects.create(
            author=author,
            title=title,
            details=details,
            kind=kind,
            status=Ask.Status.SOLVED,
            created_at=created,
            closed_at=created + timedelta(days=3),
        )
        ask.topics.set(_topics(slugs))
        response = Response.objects.create(
            ask=ask,
            author=helper,
            body=answer,
            helped=True,
            helped_at=created + timedelta(days=2),
            created_at=created + timedelta(days=1),
        )
        Thanks.objects.create(
            response=response,
            ask=ask,
            sender=author,
            recipient=helper,
            note=note,
            is_public=public,
            created_at=created + timedelta(days=2),
        )

    # Open asks by peers, and the founder's, with recommended helpers.
    for n, (title, details, kind, urgency, slugs) in enumerate(OPEN):
        author = peers[n % len(peers)] if peers else founder
        ask = Ask.objects.create(
            author=author,
            title=title,
            details=details,
            kind=kind,
            urgency=urgency,
            created_at=now - timedelta(days=n + 1),
        )
        ask.topics.set(_topics(slugs))
    founders_ask = Ask.objects.create(
        author=founder,
        title="Should I take a bank loan or a grant first?",
        details="We need about **£20,000** for equipment. A grant takes months; "
        "the bank says yes now. What would you do?",
        kind=Ask.Kind.ADVICE,
        urgency=Ask.Urgency.NORMAL,
        created_at=now - timedelta(hours=6),
    )
    founders_ask.topics.set(
        _topics(["loans-and-grants", "finance", "cash-flow-forecasting"])
    )

    # An ask inside a private group: only its members ever see it.
    membership = (
        GroupMembership.objects.filter(
            group__slug="founder-wellbeing-circle",
            status=GroupMembership.Status.ACTIVE,
        )
        .select_related("group", "user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        group_ask = Ask.objects.create(
            author=membership.user,
            title="How do you switch off in the evenings?",
            details="I answer customer emails until midnight and sleep badly.",
            visibility=Ask.Visibility.GROUP,
            group=membership.group,
            created_at=now - timedelta(days=2),
        )
        group_ask.topics.set(_topics(["work-life-balance", "stress-and-resilience"]))

    from kindred.peerhelp.services import invite_helpers

    try:
        invite_helpers(founders_ask)
    except Exception:  # recommendations are a nicety in the demo
        logger.warning("Could not recommend helpers for the demo ask", exc_info=True)


HISTORY_ASKS = [
    (
        "Which accounting software for a two-person business?",
        ["bookkeeping-and-accounts"],
    ),
    ("How do I find my first wholesale customer?", ["sales-and-negotiation"]),
    ("Is it worth paying for a trade show stand?", ["marketing-strategy"]),
    ("How do you handle a customer who will not pay?", ["cash-flow-forecasting"]),
    ("Where do I start with a website that sells?", ["digital-tools-and-it"]),
    ("Hiring a first employee: contract templates?", ["recruiting-and-hiring"]),
    ("How much should I charge for a half-day workshop?", ["pricing"]),
    ("Any tips for a first bank loan meeting?", ["loans-and-grants"]),
    ("How do I stop working every weekend?", ["work-life-balance"]),
    ("What insurance does a small food business need?", ["regulation-and-compliance"]),
]
HISTORY_ANSWERS = [
    "I was in the same place last year; here is what worked for us.",
    "Happy to share our checklist. Start small and test it with two customers.",
    "Talk to the Growth Hub first; they have a free template for exactly this.",
    "We tried three options; the simplest one won. Message me for details.",
]


def history(cast: Cast, rng: random.Random) -> int:
    """Backdate a year of asks, answers and thanks among the demo's generated
    people: more asks and more answers each month, more often from someone at
    another organisation. Return how many asks were made."""
    from kindred.core.demo import moment_in, past_months

    if len(cast.people) < 2:
        return 0
    topics = {t.slug: t.pk for t in Topic.objects.all()}
    plans = []
    for growth, start, end in past_months():
        for _n in range(3 + round(6 * growth)):
            author = cast.someone(rng)
            created = moment_in(rng, start, end)
            answered = rng.random() < 0.45 + 0.45 * growth
            helper = (
                cast.partner(rng, author, cross_share=0.3 + 0.6 * growth)
                if answered
                else None
            )
            plans.append((author, created, helper, rng.choice(HISTORY_ASKS)))
    now = timezone.now()
    asks = Ask.objects.bulk_create(
        [
            Ask(
                author=author,
                title=title,
                details="Posted in the demo's history.",
                kind=Ask.Kind.ADVICE,
                status=(
                    Ask.Status.SOLVED
                    if helper is not None
                    else Ask.Status.OPEN
                    if now - created < timedelta(days=30)
                    else Ask.Status.UNSOLVED
                ),
                created_at=created,
                closed_at=(
                    min(now, created + timedelta(days=3))
                    if helper is not None or now - created >= timedelta(days=30)
                    else None
                ),
            )
            for author, created, helper, (title, _slugs) in plans
        ]
    )
    Ask.topics.through.objects.bulk_create(
        [
            Ask.topics.through(ask_id=ask.pk, topic_id=topics[slug])
            for ask, (_a, _c, _h, (_t, slugs)) in zip(asks, plans, strict=True)
            for slug in slugs
            if slug in topics
        ],
        ignore_conflicts=True,
    )
    answered = [
        (ask, helper, created)
        for ask, (_a, created, helper, _q) in zip(asks, plans, strict=True)
        if helper is not None
    ]
    responses = Response.objects.bulk_create(
        [
            Response(
                ask=ask,
                author=helper,
                body=rng.choice(HISTORY_ANSWERS),
                helped=True,
                helped_at=min(now, created + timedelta(days=2)),
                created_at=min(now, created + timedelta(hours=rng.randint(2, 40))),
            )
            for ask, helper, created in answered
        ]
    )
    Thanks.objects.bulk_create(
        [
            Thanks(
                response=response,
                ask=ask,
                sender=ask.author,
                recipient=helper,
                note="Thank you, that helped.",
                is_public=rng.random() < 0.5,
                created_at=response.helped_at,
            )
            for response, (ask, helper, _created) in zip(
                responses, answered, strict=True
            )
            if rng.random() < 0.7
        ]
    )
    return len(asks)
