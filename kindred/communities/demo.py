"""Demo groups: communities of practice with discussions and resources.

A fixed handful of groups whatever the scale, written in bulk so `kindred demo`
stays fast; the practice circle brings advisers from several organisations
together.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from kindred.accounts.models import User
from kindred.communities.models import (
    Group,
    Membership,
    Reply,
    Resource,
    Thread,
    ThreadFollow,
    UsefulVote,
)
from kindred.core.models import Topic
from kindred.core.slugs import unique_slug
from kindred.organisations.models import Membership as OrgMembership
from kindred.organisations.models import Organisation, Role

GROUPS = [
    # slug, name, purpose, joining, visibility, topic slugs
    (
        "advisers-practice-circle",
        "Advisers' practice circle",
        "Business advisers, mentors and coaches from **every organisation** in "
        "Northshire share what works: tricky cases (anonymised), tools, referrals "
        "that went well and ones that did not.\n\n- One thread per question\n"
        "- Mark the reply that helped as the answer",
        Group.Joining.REQUEST,
        Group.Visibility.PUBLIC,
        ["mentoring", "cash-flow-forecasting"],
    ),
    (
        "founder-wellbeing-circle",
        "Founder wellbeing circle",
        "A calm place for founders to talk about stress, sleep and running a "
        "business without burning out. What is said here stays here.",
        Group.Joining.REQUEST,
        Group.Visibility.PRIVATE,
        ["mindfulness"],
    ),
    (
        "cash-flow-clinic",
        "Cash-flow clinic",
        "Ask anything about forecasting, late payers and pricing. Advisers from "
        "Clear Ledger and the Growth Hub answer.",
        Group.Joining.OPEN,
        Group.Visibility.PUBLIC,
        ["cash-flow-forecasting", "pricing"],
    ),
    (
        "green-makers",
        "Green makers",
        "Makers and manufacturers cutting waste and energy bills together.",
        Group.Joining.OPEN,
        Group.Visibility.PUBLIC,
        [],
    ),
    (
        "wellbeing-cohort-spring",
        "Wellbeing programme: spring cohort",
        "The spring cohort of the Mindful Founders wellbeing programme.",
        Group.Joining.INVITATION,
        Group.Visibility.PRIVATE,
        ["mindfulness"],
    ),
]

# slug -> [(title, body, replies, index of the reply that answers it or None)]
THREADS: dict[str, list[tuple[str, str, list[str], int | None]]] = {
    "advisers-practice-circle": [
        (
            "How do you hand over a client to another organisation well?",
            "When I refer a founder to a programme elsewhere, they often fall "
            "between two stools. What do you do so the hand-over feels warm?",
            [
                "I introduce them by email with the founder copied, and book the "
                "first call while we are all on the line.",
                "We send a one-page summary (with consent) so the founder does not "
                "have to tell their story twice.",
                "Both of these. And I check in after two weeks: did it happen?",
            ],
            1,
        ),
        (
            "Welcome: read this first",
            "This circle is for practitioners from **any** organisation. Share "
            "practice, never client names. Facilitators: Aisha and Priya.",
            [],
            None,
        ),
        (
            "Tools for cash-flow forecasting with first-time founders",
            "Which template do you start with? Spreadsheets scare some people off.",
            [
                "A 13-week forecast on paper first, then the spreadsheet.",
                "The free template in our library works well: see Resources.",
            ],
            None,
        ),
    ],
    "founder-wellbeing-circle": [
        (
            "Sleeping badly before payday",
            "Anyone else lie awake the night before payroll? What helps?",
            ["A two-minute breathing exercise, and a forecast I trust."],
            None,
        ),
    ],
    "cash-flow-clinic": [
        (
            "A customer pays 90 days late. What can I do?",
            "Small bakery here; a café owes me three months of invoices.",
            [
                "Send a polite reminder with a clear date, then a statutory "
                "interest notice. Talk first: they may be struggling too.",
                "And shorten the terms for the next orders.",
            ],
            0,
        ),
    ],
}

LINKS = [
    (
        "advisers-practice-circle",
        "Open Referral (HSDS) explained",
        "https://docs.openreferral.org/",
        "Why our directory follows a shared standard.",
    ),
    (
        "cash-flow-clinic",
        "13-week cash-flow forecast: a guide",
        "https://www.example.org/cash-flow-13-weeks",
        "Plain-words guide with a worked example.",
    ),
    (
        "founder-wellbeing-circle",
        "Mindfulness for busy people",
        "https://www.example.org/mindfulness-basics",
        "",
    ),
]

PRACTICE_NOTES = (
    "Warm hand-overs: a checklist\n\n"
    "1. Ask for consent to share, and record it.\n"
    "2. Introduce the founder by email, copied in.\n"
    "3. Book the first call together.\n"
    "4. Check in after two weeks.\n"
)


def _practitioners(orgs: list[Organisation], limit: int) -> list[User]:
    """Practitioners from different organisations, one per organisation first."""
    seen: set[int] = set()
    chosen: list[User] = []
    rows = (
        OrgMembership.objects.filter(
            organisation__in=orgs[:12], role__in=[Role.PRACTITIONER, Role.ADMIN]
        )
        .select_related("user")
        .order_by("organisation_id", "pk")
    )
    for membership in rows:
        if membership.organisation_id in seen:
            continue
        seen.add(membership.organisation_id)
        chosen.append(membership.user)
        if len(chosen) >= limit:
            break
    return chosen


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> list[Group]:
    """Create demo groups and return them (events may be hosted by them)."""
    now = timezone.now()
    steward = people["steward@example.org"]
    adviser = people["adviser@example.org"]
    lead = people["programme.lead@example.org"]
    mentor = people["mentor@example.org"]
    founder = people["founder@example.org"]
    topics = {t.slug: t for t in Topic.objects.all()}
    organisation_of = {
        "founder-wellbeing-circle": orgs[1],
        "wellbeing-cohort-spring": orgs[1],
        "cash-flow-clinic": orgs[6] if len(orgs) > 6 else None,
    }
    # Slugs stay unique even when an earlier demo's groups outlived its people.
    by_slug = {
        slug: Group(
            slug=unique_slug(Group, name, fallback=slug),
            name=name,
            purpose=purpose,
            joining=joining,
            visibility=visibility,
            kind=Group.Kind.COHORT
            if slug.startswith("wellbeing-cohort")
            else Group.Kind.COMMUNITY,
            status=Group.Status.ACTIVE,
            organisation=organisation_of.get(slug),
            created_by=steward,
            created_at=now - timedelta(days=60),
            approved_at=now - timedelta(days=59),
        )
        for slug, name, purpose, joining, visibility, _t in GROUPS
    }
    Group.objects.bulk_create(list(by_slug.values()))
    Topics = Group.topics.through
    Topics.objects.bulk_create(
        [
            Topics(group_id=by_slug[slug].pk, topic_id=topics[t].pk)
            for slug, *_rest, topic_slugs in GROUPS
            for t in topic_slugs
            if t in topics
        ]
    )
    # A proposal waiting for the steward.
    proposal = Group.objects.create(
        slug=unique_slug(Group, "Export: first steps", fallback="export"),
        name="Export: first steps",
        purpose="For founders selling abroad for the first time.",
        status=Group.Status.PROPOSED,
        created_by=mentor,
        created_at=now - timedelta(days=1),
    )

    circle = _practitioners(orgs, 8)
    members: dict[str, list[tuple[User, Membership.Role]]] = {
        "advisers-practice-circle": [
            (adviser, Membership.Role.FACILITATOR),
            (mentor, Membership.Role.FACILITATOR),
            (lead, Membership.Role.MEMBER),
        ]
        + [(u, Membership.Role.MEMBER) for u in circle],
        "founder-wellbeing-circle": [
            (lead, Membership.Role.FACILITATOR),
            (founder, Membership.Role.MEMBER),
        ],
        "cash-flow-clinic": [
            (adviser, Membership.Role.FACILITATOR),
            (founder, Membership.Role.MEMBER),
            (mentor, Membership.Role.MEMBER),
        ],
        "green-makers": [(adviser, Membership.Role.FACILITATOR)],
        "wellbeing-cohort-spring": [
            (lead, Membership.Role.FACILITATOR),
            (founder, Membership.Role.MEMBER),
        ],
    }
    rows: dict[tuple[int, int], Membership] = {}
    for slug, people_roles in members.items():
        for user, role in people_roles:
            key = (by_slug[slug].pk, user.pk)
            if key not in rows:
                rows[key] = Membership(
                    group=by_slug[slug],
                    user=user,
                    role=role,
                    status=Membership.Status.ACTIVE,
                    joined_at=now - timedelta(days=rng.randint(10, 50)),
                )
    rows[(proposal.pk, mentor.pk)] = Membership(
        group=proposal,
        user=mentor,
        role=Membership.Role.FACILITATOR,
        joined_at=now,
    )
    # A pending request: the founder asks to join the practice circle.
    rows[(by_slug["advisers-practice-circle"].pk, founder.pk)] = Membership(
        group=by_slug["advisers-practice-circle"],
        user=founder,
        status=Membership.Status.REQUESTED,
        message="I mentor two younger founders and would love to learn from you.",
    )
    Membership.objects.bulk_create(list(rows.values()))
    active = {
        slug: [u for u, _r in people_roles] for slug, people_roles in members.items()
    }

    for slug, threads in THREADS.items():
        group = by_slug[slug]
        voices = active[slug]
        for index, (title, body, replies, answer_index) in enumerate(threads):
            started = now - timedelta(days=20 - index * 3, hours=rng.randint(0, 12))
            author = voices[index % len(voices)]
            thread = Thread.objects.create(
                group=group,
                author=author,
                title=title,
                body=body,
                pinned=title.startswith("Welcome"),
                created_at=started,
                last_activity_at=started,
            )
            reply_rows = Reply.objects.bulk_create(
                [
                    Reply(
                        thread=thread,
                        author=voices[(index + n + 1) % len(voices)],
                        body=text,
                        created_at=started + timedelta(hours=3 * (n + 1)),
                    )
                    for n, text in enumerate(replies)
                ]
            )
            thread.reply_count = len(reply_rows)
            if reply_rows:
                thread.last_activity_at = reply_rows[-1].created_at
            if answer_index is not None:
                thread.answer = reply_rows[answer_index]
            thread.save(update_fields=["reply_count", "last_activity_at", "answer"])
            followers = {author.pk} | {r.author.pk for r in reply_rows if r.author}
            ThreadFollow.objects.bulk_create(
                [ThreadFollow(thread=thread, user_id=pk) for pk in followers]
            )

    resources = [
        Resource(
            group=by_slug[slug],
            kind=Resource.Kind.LINK,
            title=title,
            url=url,
            description=description,
            added_by=active[slug][0],
            created_at=now - timedelta(days=rng.randint(1, 30)),
        )
        for slug, title, url, description in LINKS
    ]
    content = PRACTICE_NOTES.encode()
    stored = storages["private"].save(
        f"groups/{by_slug['advisers-practice-circle'].pk}/demo/resource.txt",
        ContentFile(content),
    )
    resources.append(
        Resource(
            group=by_slug["advisers-practice-circle"],
            kind=Resource.Kind.FILE,
            title="Warm hand-overs: a checklist",
            description="What the circle agreed works.",
            file_name=stored,
            original_name="warm-hand-overs.txt",
            content_type="text/plain; charset=utf-8",
            size=len(content),
            added_by=mentor,
            useful_count=2,
            created_at=now - timedelta(days=5),
        )
    )
    saved = Resource.objects.bulk_create(resources)
    UsefulVote.objects.bulk_create(
        [UsefulVote(resource=saved[-1], user=u) for u in (adviser, lead)]
    )
    return [by_slug[s[0]] for s in GROUPS]
