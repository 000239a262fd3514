"""Demo partnerships, a call for collaboration and success stories (demo data only).

Called by the demo builder with the demo organisations in the order of
`kindred.core.demo.ORGANISATIONS` and the people by email address.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from kindred.accounts.models import User
from kindred.collaboration.models import (
    CallForCollaboration,
    Celebration,
    Interest,
    Partnership,
    StoryCredit,
    SuccessStory,
)
from kindred.organisations.models import Organisation

# Indexes into the demo organisations (see kindred.core.demo.ORGANISATIONS).
GROWTH_HUB, MINDFUL_FOUNDERS, UNIVERSITY, COMMUNITY_FINANCE = 0, 1, 2, 3
CHAMBER, LAUNCHPAD = 4, 5

PARTNERSHIPS = [
    (
        GROWTH_HUB,
        MINDFUL_FOUNDERS,
        "A referral pathway: Growth Hub advisers refer founders under pressure to "
        "the Founder Wellbeing Programme, and the programme refers back for "
        "business support.",
    ),
    (
        UNIVERSITY,
        LAUNCHPAD,
        "Enterprise fellows mentor each accelerator cohort; students join the "
        "start-ups on paid placements.",
    ),
    (
        COMMUNITY_FINANCE,
        GROWTH_HUB,
        "Joint finance clinics: an adviser and a lender meet founders together.",
    ),
]

BAKERY_STORY = """Jamal was working eighty-hour weeks and close to giving up on his
zero-waste bakery.

His Growth Hub adviser suggested the **Founder Wellbeing Programme**. Eight weeks
later he had a routine he could keep, and the confidence to ask for help with the
numbers. A Riverside start-up loan paid for a second oven, and the bakery now
breaks even every month.

> "I didn't need to work harder. I needed to stop doing it all alone."
"""

LAUNCHPAD_STORY = """A two-person farm-logistics start-up joined the Launchpad
cohort with a prototype and no team.

Through the university's placement scheme they took on two computer-science
students for the summer; an enterprise fellow mentored the founders every fortnight.
Both students stayed on as the company's first employees.
"""


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create partnerships, one open call with an interested organisation and two
    published stories, each crediting several organisations."""
    if len(orgs) <= LAUNCHPAD:
        return
    now = timezone.now()
    adviser = people.get("adviser@example.org")
    lead = people.get("programme.lead@example.org")
    mentor = people.get("mentor@example.org")
    founder = people.get("founder@example.org")

    Partnership.objects.bulk_create(
        Partnership(
            proposer=orgs[a],
            partner=orgs[b],
            description=description,
            status=Partnership.Status.ACTIVE,
            proposed_by=lead if a == MINDFUL_FOUNDERS else None,
            created_at=now - timedelta(days=60 - 10 * i),
            answered_at=now - timedelta(days=55 - 10 * i),
        )
        for i, (a, b, description) in enumerate(PARTNERSHIPS)
    )

    call = CallForCollaboration.objects.create(
        organisation=orgs[MINDFUL_FOUNDERS],
        kind=CallForCollaboration.Kind.CO_HOSTED_EVENT,
        title="Co-host a Founder Wellbeing Week",
        description=(
            "We want to run a week of free sessions on stress, sleep and "
            "resilience in the spring, across the region.\n\n"
            "**Looking for:** venues, a partner who can talk about money worries, "
            "and organisations who can reach founders we don't.\n\n"
            "- Five half-day sessions\n- Online and in person"
        ),
        deadline=timezone.localdate() + timedelta(days=30),
        created_by=lead,
    )
    Interest.objects.create(
        call=call,
        organisation=orgs[CHAMBER],
        message="We can host two sessions at the Chamber and invite our members.",
        created_at=now - timedelta(days=2),
    )

    bakery = SuccessStory.objects.create(
        title="From burnout to a bakery that breaks even",
        body=BAKERY_STORY,
        entrepreneur=founder,
        show_entrepreneur_name=founder is not None,
        status=SuccessStory.Status.PUBLISHED,
        source=SuccessStory.Source.MANUAL,
        author_organisation=orgs[GROWTH_HUB],
        created_by=adviser,
        created_at=now - timedelta(days=12),
        published_at=now - timedelta(days=10),
    )
    launchpad = SuccessStory.objects.create(
        title="A farm-logistics start-up finds its first two hires",
        body=LAUNCHPAD_STORY,
        status=SuccessStory.Status.PUBLISHED,
        source=SuccessStory.Source.MANUAL,
        author_organisation=orgs[UNIVERSITY],
        created_by=mentor,
        created_at=now - timedelta(days=5),
        published_at=now - timedelta(days=4),
    )
    StoryCredit.objects.bulk_create(
        [
            StoryCredit(
                story=bakery, organisation=orgs[GROWTH_HUB], role="referred", position=0
            ),
            StoryCredit(
                story=bakery,
                organisation=orgs[MINDFUL_FOUNDERS],
                role="delivered the wellbeing programme",
                position=1,
            ),
            StoryCredit(
                story=bakery,
                organisation=orgs[COMMUNITY_FINANCE],
                role="lent the money for a second oven",
                position=2,
            ),
            StoryCredit(
                story=launchpad,
                organisation=orgs[UNIVERSITY],
                role="placed students and mentored the founders",
                position=0,
            ),
            StoryCredit(
                story=launchpad,
                organisation=orgs[LAUNCHPAD],
                role="ran the accelerator programme",
                position=1,
            ),
        ]
    )
    bakery.credited_people.set([p for p in (adviser, lead) if p is not None])
    launchpad.credited_people.set([p for p in (mentor,) if p is not None])

    fans = sorted(
        (p for p in people.values() if p.is_active), key=lambda person: person.pk
    )
    Celebration.objects.bulk_create(
        [Celebration(story=bakery, user=p) for p in rng.sample(fans, min(7, len(fans)))]
        + [
            Celebration(story=launchpad, user=p)
            for p in rng.sample(fans, min(3, len(fans)))
        ],
        ignore_conflicts=True,
    )


# (proposer, partner, month of the history it was agreed in (0 = a year ago),
# status): few a year ago, more lately; one proposal waits for Mindful Founders.
HISTORY_PARTNERSHIPS = [
    (11, 8, 0, Partnership.Status.ENDED),
    (4, 7, 1, Partnership.Status.ACTIVE),
    (6, 3, 3, Partnership.Status.ACTIVE),
    (8, 1, 5, Partnership.Status.ACTIVE),
    (9, 4, 6, Partnership.Status.ACTIVE),
    (10, 11, 7, Partnership.Status.ACTIVE),
    (2, 8, 8, Partnership.Status.ACTIVE),
    (5, 3, 9, Partnership.Status.ACTIVE),
    (0, 9, 10, Partnership.Status.ACTIVE),
    (2, 10, 11, Partnership.Status.ACTIVE),
    (7, 1, 12, Partnership.Status.PROPOSED),
]

HISTORY_STORIES = [
    # title, body, author index, months ago published, credits (index, role)
    (
        "A guest house goes green and saves money",
        "A family-run guest house cut its energy bills by a third with a "
        "**Green Business Partnership** audit and a small Riverside loan for "
        "insulation and heat pumps.",
        10,
        8,
        [(10, "ran the energy audit"), (3, "lent the money for insulation")],
    ),
    (
        "A first export order to France",
        "A small food producer shipped its first pallet to Lyon. The Chamber "
        "issued the paperwork, Export Northshire found the buyer and the Growth "
        "Hub helped with pricing for export.",
        9,
        5,
        [
            (9, "found the buyer"),
            (4, "issued the export documents"),
            (0, "helped price for export"),
        ],
    ),
]


def history(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> int:
    """Backdate a year of partnerships and two older stories, and leave a
    partnership proposal and a draft story waiting for Mindful Founders' admin.
    Return how many partnerships were added."""
    from kindred.core.demo import moment_in, past_months

    if len(orgs) < 12:
        return 0
    months = past_months()
    now = timezone.now()
    lead = people.get("programme.lead@example.org")
    rows = []
    for a, b, month, status in HISTORY_PARTNERSHIPS:
        _growth, start, end = months[month]
        proposed = moment_in(rng, start, end)
        answered = (
            None
            if status == Partnership.Status.PROPOSED
            else min(now, proposed + timedelta(days=rng.randint(2, 12)))
        )
        rows.append(
            Partnership(
                proposer=orgs[a],
                partner=orgs[b],
                description=f"{orgs[a].name} and {orgs[b].name} refer founders to "
                "each other and run a joint clinic each quarter.",
                status=status,
                created_at=proposed,
                answered_at=answered,
                ended_at=(
                    min(now, answered + timedelta(days=120))
                    if status == Partnership.Status.ENDED and answered
                    else None
                ),
            )
        )
    Partnership.objects.bulk_create(rows)
    for title, body, author, months_ago, credits in HISTORY_STORIES:
        _growth, start, end = months[len(months) - 1 - months_ago]
        published = moment_in(rng, start, end)
        story = SuccessStory.objects.create(
            title=title,
            body=body,
            status=SuccessStory.Status.PUBLISHED,
            source=SuccessStory.Source.MANUAL,
            author_organisation=orgs[author],
            created_at=published - timedelta(days=6),
            published_at=published,
        )
        StoryCredit.objects.bulk_create(
            [
                StoryCredit(story=story, organisation=orgs[i], role=role, position=n)
                for n, (i, role) in enumerate(credits)
            ]
        )
    draft = SuccessStory.objects.create(
        title="Eight founders, one calmer spring",
        body="The spring cohort of the Founder Wellbeing Programme finished with "
        "lower stress scores and a peer circle that still meets.",
        status=SuccessStory.Status.DRAFT,
        source=SuccessStory.Source.MANUAL,
        author_organisation=orgs[MINDFUL_FOUNDERS],
        created_by=lead,
        created_at=now - timedelta(days=3),
    )
    StoryCredit.objects.bulk_create(
        [
            StoryCredit(
                story=draft,
                organisation=orgs[MINDFUL_FOUNDERS],
                role="ran the programme",
                position=0,
            ),
            StoryCredit(
                story=draft, organisation=orgs[GROWTH_HUB], role="referred", position=1
            ),
        ]
    )
    return len(rows)
