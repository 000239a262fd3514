"""Personal data of learning: enrolments, progress, quiz attempts, certificates,
courses a person created or trains, and lesson files they uploaded.

Erasure keeps enrolments and completions (course statistics survive), puts
"Former member" on certificates and deletes uploaded lesson files.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import (
    FORMER_MEMBER,
    Provider,
    delete_files_on_commit,
    register,
    rows,
)


def _export(person: Any) -> dict[str, Any]:
    from kindred.learning.models import (
        Certificate,
        Course,
        Enrolment,
        LessonProgress,
        LessonResource,
        QuizAttempt,
    )

    return {
        "enrolments": rows(
            Enrolment.objects.filter(user=person),
            "course__title",
            "status",
            "created_at",
            "completed_at",
        ),
        "lesson_progress": rows(
            LessonProgress.objects.filter(enrolment__user=person),
            "lesson__title",
            "reached_at",
            "completed_at",
        ),
        "quiz_attempts": rows(
            QuizAttempt.objects.filter(enrolment__user=person),
            "quiz__lesson__title",
            "answers",
            "score",
            "passed",
            "created_at",
        ),
        "certificates": rows(
            Certificate.objects.filter(enrolment__user=person),
            "code",
            "learner_name",
            "course_title",
            "organisation_name",
            "issued_at",
            "revoked_at",
        ),
        "courses_you_created_or_train": rows(
            Course.objects.filter(Q(created_by=person) | Q(trainers=person)).distinct(),
            "title",
            "status",
        ),
        "enrolments_you_decided": rows(
            Enrolment.objects.filter(Q(enrolled_by=person) | Q(decided_by=person)),
            "course__title",
            "user_id",
            "status",
        ),
        "lesson_files_you_added": rows(
            LessonResource.objects.filter(added_by=person),
            "lesson__title",
            "title",
            "original_name",
            "created_at",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.learning.models import Certificate, Course, LessonResource

    Certificate.objects.filter(enrolment__user=person).update(
        learner_name=FORMER_MEMBER
    )
    for course in Course.objects.filter(trainers=person):
        course.trainers.remove(person)
    files = LessonResource.objects.filter(added_by=person)
    delete_files_on_commit("private", list(files.values_list("file_name", flat=True)))
    files.delete()


register(
    Provider(
        key="learning.courses",
        label=_("Courses, progress and certificates"),
        models=(
            "learning.course",
            "learning.lessonresource",
            "learning.enrolment",
            "learning.lessonprogress",
            "learning.quizattempt",
            "learning.certificate",
        ),
        export=_export,
        erase=_erase,
    )
)
