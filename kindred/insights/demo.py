"""Demo data for insights: a handful of lessons with reactions and comments, and
follows for founder@example.org so their feed is alive. No network: link previews
are set directly."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from kindred.accounts.models import User
from kindred.communities.models import Membership
from kindred.core.models import Topic
from kindred.insights.models import Comment, Follow, Insight, Reaction
from kindred.organisations.models import Organisation

LESSONS = [
    (
        "adviser@example.org",
        "Send the invoice the day you deliver",
        "Three founders I advised this year fixed a cash-flow gap simply by "
        "**invoicing on delivery day** instead of at month end.\n\n"
        "- agree payment terms before you start\n- send the invoice the same day",
        "https://www.gov.uk/invoicing-and-taking-payment-from-customers",
        ("Invoicing and taking payment from customers", "GOV.UK"),
    ),
    (
        "mentor@example.org",
        "A five-minute check-in beats a monthly review",
        "Mentees who send me a *five-minute* note every Friday move faster than "
        "those who save everything for our monthly call.",
        "",
        None,
    ),
    (
        "programme.lead@example.org",
        "Wellbeing is a business skill",
        "Our cohort's exit survey showed that founders who kept a weekly "
        "reflection habit reported **less stress and better decisions**.",
        "",
        None,
    ),
    (
        "steward@example.org",
        "Refer early, refer warmly",
        "Referrals with a short warm introduction are accepted twice as often as "
        "a bare form. Say *why* you think the service fits.",
        "",
        None,
    ),
    (
        "founder@example.org",
        "Ask for help before you need it",
        "I asked the cash-flow clinic a question three months before my busy "
        "season. The answers saved me a loan.",
        "",
        None,
    ),
]

COMMENTS = [
    "This matches what I see too, thank you.",
    "Trying this next week.",
    "Great reminder — sharing with my team.",
]


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for insights (called from kindred/core/demo.py)."""
    now = timezone.now()
    topics = list(Topic.objects.filter(is_active=True).order_by("name")[:12])
    founder = people["founder@example.org"]
    founder_group = (
        Membership.objects.filter(user=founder, status=Membership.Status.ACTIVE)
        .select_related("group")
        .first()
    )
    insights: list[Insight] = []
    for n, (email, title, body, link, preview) in enumerate(LESSONS):
        author = people.get(email)
        if author is None:
            continue
        group = (
            founder_group.group
            if founder_group and email == "founder@example.org"
            else None
        )
        insight = Insight.objects.create(
            author=author,
            title=title,
            body=body,
            group=group,
            link=link,
            preview_status=(
                Insight.Preview.READY
                if preview
                else (Insight.Preview.UNAVAILABLE if link else Insight.Preview.NONE)
            ),
            preview_title=preview[0] if preview else "",
            preview_site_name=preview[1] if preview else "",
            preview_fetched_at=now if link else None,
            created_at=now - timedelta(hours=6 * (n + 1)),
        )
        if topics:
            insight.topics.set(rng.sample(topics, k=min(2, len(topics))))
        insights.append(insight)

    reactors = [p for p in people.values() if p.is_active][:8]
    for insight in insights:
        reactions = []
        for person in rng.sample(reactors, k=min(4, len(reactors))):
            if person.pk == insight.author_id:
                continue
            kind = rng.choice(Reaction.Kind.values)
            reactions.append(Reaction(insight=insight, user=person, kind=kind))
        Reaction.objects.bulk_create(reactions, ignore_conflicts=True)
        commenters = [p for p in reactors if p.pk != insight.author_id][:2]
        Comment.objects.bulk_create(
            [
                Comment(
                    insight=insight,
                    author=person,
                    body=rng.choice(COMMENTS),
                    created_at=insight.created_at + timedelta(minutes=30 + i),
                )
                for i, person in enumerate(commenters)
            ]
        )
        Insight.objects.filter(pk=insight.pk).update(
            reaction_count=insight.reactions.count(),
            comment_count=insight.comments.count(),
        )

    follows = [
        Follow(follower=founder, person=people[email])
        for email in ("adviser@example.org", "mentor@example.org")
        if email in people
    ]
    follows += [Follow(follower=founder, topic=topic) for topic in topics[:2]]
    Follow.objects.bulk_create(follows, ignore_conflicts=True)
