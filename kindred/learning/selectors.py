"""Reads of the learning domain.

`enrolment_for`, `progress_of` and `certificate_for` are the public interface the
programmes app uses; keep their names and signatures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from kindred.accounts.models import User
from kindred.learning.models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    Question,
    Quiz,
    QuizAttempt,
)

# --- the public interface ---------------------------------------------------------


def enrolment_for(course: Course, user: User) -> Enrolment | None:
    """The person's enrolment in the course (any status), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Enrolment.objects.filter(course=course, user=user).first()


def progress_of(enrolment: Enrolment) -> tuple[int, int]:
    """(lessons completed, lessons in the course)."""
    total = Lesson.objects.filter(module__course_id=enrolment.course_id).count()
    done = LessonProgress.objects.filter(
        enrolment=enrolment,
        completed_at__isnull=False,
        lesson__module__course_id=enrolment.course_id,
    ).count()
    return done, total


def certificate_for(course: Course, user: User) -> Certificate | None:
    """The person's certificate for the course (revoked ones too), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Certificate.objects.filter(
        enrolment__course=course, enrolment__user=user
    ).first()


# --- lists ------------------------------------------------------------------------


def published_courses() -> QuerySet[Course]:
    return (
        Course.objects.published()
        .select_related("organisation")
        .annotate(lesson_count=Count("modules__lessons", distinct=True))
    )


def trained_by(user: User) -> QuerySet[Course]:
    """Courses `user` trains: named trainer or admin of the organisation."""
    return (
        Course.objects.filter(
            Q(trainers=user)
            | Q(
                organisation__memberships__user=user,
                organisation__memberships__role="admin",
            )
        )
        .select_related("organisation")
        .distinct()
        .order_by("title", "id")
    )


def enrolments_of_user(user: User) -> QuerySet[Enrolment]:
    """A learner's enrolments with completed-lesson and lesson counts."""
    return (
        Enrolment.objects.filter(user=user)
        .exclude(status=Enrolment.Status.DECLINED)
        .select_related("course__organisation")
        .annotate(
            done=Count(
                "progress",
                filter=Q(progress__completed_at__isnull=False),
                distinct=True,
            ),
            total=Count("course__modules__lessons", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def enrolments_of_course(course: Course) -> QuerySet[Enrolment]:
    """A course's enrolments with their progress counts (trainers)."""
    return (
        Enrolment.objects.filter(course=course)
        .select_related("user__profile", "certificate")
        .annotate(
            done=Count(
                "progress",
                filter=Q(progress__completed_at__isnull=False),
                distinct=True,
            )
        )
        .order_by("status", "-created_at", "-id")
    )


# --- one course -------------------------------------------------------------------


@dataclass
class OutlineLesson:
    lesson: Lesson
    has_quiz: bool
    completed: bool


@dataclass
class OutlineModule:
    module: Module
    lessons: list[OutlineLesson] = field(default_factory=list)


def outline(course: Course, enrolment: Enrolment | None = None) -> list[OutlineModule]:
    """Modules and lessons in order, with the learner's completion (3 queries)."""
    done: set[int] = set()
    if enrolment is not None:
        done = set(
            enrolment.progress.filter(completed_at__isnull=False).values_list(
                "lesson_id", flat=True
            )
        )
    lessons = Lesson.objects.order_by("position", "id").annotate(
        quiz_count=Count("quiz")
    )
    modules = course.modules.order_by("position", "id").prefetch_related(
        Prefetch("lessons", queryset=lessons)
    )
    return [
        OutlineModule(
            module=module,
            lessons=[
                OutlineLesson(
                    lesson=lesson,
                    has_quiz=bool(lesson.quiz_count),  # type: ignore[attr-defined]
                    completed=lesson.pk in done,
                )
                for lesson in module.lessons.all()
            ],
        )
        for module in modules
    ]


def ordered_lessons(course: Course) -> list[Lesson]:
    return list(
        Lesson.objects.filter(module__course=course).order_by(
            "module__position", "module_id", "position", "id"
        )
    )


def quiz_of(lesson: Lesson) -> Quiz | None:
    return (
        Quiz.objects.filter(lesson=lesson)
        .prefetch_related(
            Prefetch("questions", queryset=Question.objects.prefetch_related("choices"))
        )
        .first()
    )


def attempts_of(enrolment: Enrolment, quiz: Quiz) -> QuerySet[QuizAttempt]:
    return QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz)


def certificate_by_code(code: str) -> Certificate | None:
    if not isinstance(code, str) or not code or len(code) > 40 or "\x00" in code:
        return None
    return Certificate.objects.filter(code=code).first()


# --- the trainer's report ---------------------------------------------------------


@dataclass
class LessonFigures:
    lesson: Lesson
    module_title: str
    reached: int
    completed: int
    reached_share: int  # % of active enrolments


@dataclass
class QuestionFigures:
    text: str
    answered: int
    correct_rate: int | None  # %


@dataclass
class QuizFigures:
    lesson: Lesson
    pass_mark: int
    attempts: int
    pass_rate: int | None
    average_score: int | None
    questions: list[QuestionFigures]


@dataclass
class CourseReport:
    enrolled: int
    pending: int
    declined: int
    completed: int
    lessons: list[LessonFigures]
    quizzes: list[QuizFigures]

    def chart(self) -> dict[str, Any]:
        return {
            "labels": [f.lesson.title for f in self.lessons],
            "reached": [f.reached for f in self.lessons],
            "completed": [f.completed for f in self.lessons],
        }


def _percent(part: float, whole: float) -> int | None:
    return round(100 * part / whole) if whole else None


def course_report(course: Course) -> CourseReport:
    """Enrolments, drop-off by lesson and quiz results; a fixed number of queries."""
    counts = Enrolment.objects.filter(course=course).aggregate(
        enrolled=Count("id", filter=Q(status=Enrolment.Status.ACTIVE)),
        pending=Count("id", filter=Q(status=Enrolment.Status.PENDING)),
        declined=Count("id", filter=Q(status=Enrolment.Status.DECLINED)),
        completed=Count("id", filter=Q(completed_at__isnull=False)),
    )
    lessons = list(
        Lesson.objects.filter(module__course=course)
        .select_related("module")
        .order_by("module__position", "module_id", "position", "id")
        .annotate(
            reached=Count("progress", distinct=True),
            completed=Count(
                "progress",
                filter=Q(progress__completed_at__isnull=False),
                distinct=True,
            ),
        )
    )
    lesson_figures = [
        LessonFigures(
            lesson=lesson,
            module_title=lesson.module.title,
            reached=lesson.reached,  # type: ignore[attr-defined]
            completed=lesson.completed,  # type: ignore[attr-defined]
            reached_share=_percent(
                lesson.reached,  # type: ignore[attr-defined]
                counts["enrolled"],
            )
            or 0,
        )
        for lesson in lessons
    ]
    quizzes = list(
        Quiz.objects.filter(lesson__module__course=course)
        .select_related("lesson")
        .prefetch_related("questions")
        .order_by("lesson__module__position", "lesson__position", "lesson_id")
    )
    attempts: dict[int, list[QuizAttempt]] = defaultdict(list)
    for attempt in QuizAttempt.objects.filter(quiz__in=quizzes).only(
        "quiz_id", "score", "passed", "correct"
    ):
        attempts[attempt.quiz_id].append(attempt)
    quiz_figures = []
    for quiz in quizzes:
        tries = attempts[quiz.pk]
        questions = []
        for question in quiz.questions.all():
            marks = [
                a.correct[str(question.pk)]
                for a in tries
                if str(question.pk) in a.correct
            ]
            questions.append(
                QuestionFigures(
                    text=question.text,
                    answered=len(marks),
                    correct_rate=_percent(sum(marks), len(marks)),
                )
            )
        quiz_figures.append(
            QuizFigures(
                lesson=quiz.lesson,
                pass_mark=quiz.pass_mark,
                attempts=len(tries),
                pass_rate=_percent(sum(a.passed for a in tries), len(tries)),
                average_score=round(sum(a.score for a in tries) / len(tries))
                if tries
                else None,
                questions=questions,
            )
        )
    return CourseReport(
        enrolled=counts["enrolled"],
        pending=counts["pending"],
        declined=counts["declined"],
        completed=counts["completed"],
        lessons=lesson_figures,
        quizzes=quiz_figures,
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_completions(start: datetime, end: datetime) -> int:
    """Courses completed in [start, end)."""
    return Enrolment.objects.filter(
        completed_at__gte=start, completed_at__lt=end
    ).count()
