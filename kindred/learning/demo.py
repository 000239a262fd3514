"""Demo courses: "Resilience for founders" by Mindful Founders CIC, which the demo
founder has started, and "Selling with confidence" by Skills Forward Training with
several learners, one of them certified. Certificates' PDFs are drawn on download.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from kindred.accounts.models import User
from kindred.learning import services
from kindred.learning.models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
)
from kindred.learning.services import QuestionInput
from kindred.organisations.models import Membership, Organisation, Role

if TYPE_CHECKING:
    from kindred.core.demo import Cast

RESILIENCE = [
    (
        "Noticing pressure",
        [
            (
                "Why resilience matters",
                "Running a business is a marathon with sprints in it. This lesson "
                "looks at **what pressure does** to attention, sleep and decisions.",
                "https://www.youtube.com/watch?v=demo-resilience",
            ),
            (
                "Your early-warning signs",
                "List three signs that tell you that you are running on empty:\n\n"
                "- short temper\n- skipped meals\n- lying awake at 3 a.m.",
                "",
            ),
        ],
    ),
    (
        "Practices that help",
        [
            (
                "Three-minute breathing space",
                "A short practice you can do between meetings: *arrive*, *gather*, "
                "*expand*.",
                "https://vimeo.com/demo-breathing",
            ),
            (
                "Saying no without guilt",
                "Protect the hours that matter. Try the script in this lesson with "
                "one request this week.",
                "",
            ),
        ],
    ),
    (
        "Keeping it going",
        [
            (
                "Building your support circle",
                "Peers, mentors, family: who do you call when it is hard?",
                "",
            ),
            (
                "Check your understanding",
                "A short quiz on the ideas of the course.",
                "",
            ),
        ],
    ),
]

RESILIENCE_QUIZ = [
    QuestionInput(
        "Which is an early-warning sign of running on empty?",
        [("Lying awake at 3 a.m.", True), ("Taking a lunch break", False)],
    ),
    QuestionInput(
        "Which steps make up the three-minute breathing space?",
        [("Arrive", True), ("Gather", True), ("Expand", True), ("Hurry", False)],
        multiple=True,
    ),
    QuestionInput(
        "Who belongs in a support circle?",
        [("Only paid advisers", False), ("Anyone you can call when it is hard", True)],
    ),
]

SELLING = [
    (
        "Finding your buyers",
        [
            ("Who buys from you and why", "Describe your three best customers.", ""),
            ("Listening before pitching", "Ask, then listen twice as long.", ""),
        ],
    ),
    (
        "Closing the sale",
        [
            ("Handling objections", "Objections are questions in disguise.", ""),
            ("Asking for the order", "Ask plainly, then stop talking.", ""),
        ],
    ),
]


def _org(orgs: list[Organisation], name: str) -> Organisation | None:
    return next((o for o in orgs if o.name == name), None)


def _build(
    organisation: Organisation,
    trainer: User,
    *,
    title: str,
    summary: str,
    outline: list,
    enrolment: str = Course.Enrolment.OPEN,
) -> tuple[Course, list[Lesson]]:
    course = services.create_course(
        organisation,
        by=trainer,
        title=title,
        summary=summary,
        description=summary,
        enrolment=enrolment,
    )
    lessons = []
    for module_title, items in outline:
        module = services.add_module(course, by=trainer, title=module_title)
        for lesson_title, body, video in items:
            lessons.append(
                services.add_lesson(
                    module, by=trainer, title=lesson_title, body=body, video_url=video
                )
            )
    return course, lessons


def _staff_of(organisation: Organisation) -> User | None:
    membership = (
        Membership.objects.filter(
            organisation=organisation, role__in=[Role.ADMIN, Role.PRACTITIONER]
        )
        .select_related("user")
        .order_by("-role", "id")
        .first()
    )
    return membership.user if membership else None


def build(
    orgs: list[Organisation], people: dict[str, User], rng: random.Random
) -> None:
    """Create demo data for learning (called from kindred/core/demo.py)."""
    mindful = _org(orgs, "Mindful Founders CIC")
    lead = people.get("programme.lead@example.org")
    founder = people.get("founder@example.org")
    if mindful is not None and lead is not None:
        course, lessons = _build(
            mindful,
            lead,
            title="Resilience for founders",
            summary="Six short lessons on noticing pressure and recovering from it, "
            "with a closing quiz.",
            outline=RESILIENCE,
        )
        services.set_quiz(lessons[-1], by=lead, pass_mark=70, questions=RESILIENCE_QUIZ)
        services.publish_course(course, by=lead)
        if founder is not None:
            services.enrol(course, founder, by=founder)
            for lesson in lessons[:3]:
                services.open_lesson(lesson, by=founder)
                services.complete_lesson(lesson, by=founder)
            services.open_lesson(lessons[3], by=founder)

    skills = _org(orgs, "Skills Forward Training")
    trainer = (_staff_of(skills) if skills else None) or people.get(
        "steward@example.org"
    )
    if skills is None or trainer is None:
        return
    course, lessons = _build(
        skills,
        trainer,
        title="Selling with confidence",
        summary="Find the people who need what you sell and ask for the order.",
        outline=SELLING,
    )
    services.publish_course(course, by=trainer)
    demo_logins = {e for e in people if e.endswith("@example.org")}
    learners = [
        u
        for e, u in sorted(people.items())
        if e not in demo_logins and u.pk != trainer.pk and u.is_active
    ]
    chosen = rng.sample(learners, min(6, len(learners)))
    for index, learner in enumerate(chosen):
        services.enrol(course, learner, by=learner)
        reached = len(lessons) if index == 0 else rng.randint(0, len(lessons) - 1)
        for lesson in lessons[:reached]:
            services.open_lesson(lesson, by=learner)
            services.complete_lesson(lesson, by=learner)


MARKETING = [
    (
        "Know your customer",
        [
            ("One customer, one page", "Write down who buys and why.", ""),
            ("Where they already are", "Find the places your buyers gather.", ""),
        ],
    ),
    (
        "Spend little, learn a lot",
        [
            ("Small tests", "Try two messages for a week each.", ""),
            ("Keep what works", "Measure, then double down.", ""),
        ],
    ),
]


def history(orgs: list[Organisation], cast: Cast, rng: random.Random) -> int:
    """A year of "Marketing on a shoestring" by Skills Forward Training: a few
    learners enrol each month, more as the year goes on, most finishing (with
    their certificate) within a few weeks. Return how many completed."""
    from kindred.core.demo import moment_in, past_months

    selling = (
        Course.objects.filter(title="Selling with confidence")
        .select_related("organisation")
        .first()
    )
    trainer = selling.trainers.order_by("pk").first() if selling else None
    if selling is None or trainer is None:
        return 0
    course, lessons = _build(
        selling.organisation,
        trainer,
        title="Marketing on a shoestring",
        summary="Four short lessons on finding customers without a big budget.",
        outline=MARKETING,
    )
    services.publish_course(course, by=trainer)
    months = past_months()
    opened = moment_in(rng, months[0][1], months[0][1] + timedelta(days=3))
    # The course has run all year: dated from its first month.
    Course.objects.filter(pk=course.pk).update(
        created_at=opened - timedelta(days=7), published_at=opened
    )
    learners = [p for p in cast.people if p.pk != trainer.pk]
    rng.shuffle(learners)
    queue = iter(learners)
    now = timezone.now()
    plans = []
    for growth, start, end in months:
        for _n in range(1 + round(3 * growth)):
            learner = next(queue, None)
            if learner is None:
                break
            enrolled = moment_in(rng, start, end)
            finished = enrolled + timedelta(days=rng.randint(5, 30))
            completes = finished < now and rng.random() < 0.7 + 0.25 * growth
            plans.append((learner, enrolled, finished if completes else None))
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                course=course,
                user=learner,
                status=Enrolment.Status.ACTIVE,
                enrolled_by=learner,
                created_at=enrolled,
                completed_at=finished,
            )
            for learner, enrolled, finished in plans
        ]
    )
    progress = []
    for enrolment, (_learner, enrolled, finished) in zip(
        enrolments, plans, strict=True
    ):
        reached = len(lessons) if finished else rng.randint(0, len(lessons) - 1)
        step = ((finished or now) - enrolled) / max(1, len(lessons))
        progress += [
            LessonProgress(
                enrolment=enrolment,
                lesson=lesson,
                reached_at=enrolled + step * index,
                completed_at=enrolled + step * (index + 1),
            )
            for index, lesson in enumerate(lessons[:reached])
        ]
    LessonProgress.objects.bulk_create(progress)
    completed = [
        (enrolment, learner, finished)
        for enrolment, (learner, _enrolled, finished) in zip(
            enrolments, plans, strict=True
        )
        if finished is not None
    ]
    Certificate.objects.bulk_create(
        [
            Certificate(
                enrolment=enrolment,
                learner_name=str(learner)[:200],
                course_title=course.title,
                organisation_name=course.organisation.name[:200],
                issued_at=finished,
            )
            for enrolment, learner, finished in completed
        ]
    )
    return len(completed)
