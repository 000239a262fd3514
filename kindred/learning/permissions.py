"""Who may see and change courses, and whose progress.

A course's trainers are its named trainers and the admins of its organisation.
Unpublished courses are seen by trainers only; a learner's progress, quiz answers
and certificate by the learner and the course's trainers only. Everything a
person may not see answers 404, exactly like something that does not exist.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.core.errors import NotAllowed
from kindred.learning.models import (
    Course,
    Enrolment,
    Lesson,
    LessonResource,
    Module,
)
from kindred.organisations.models import Membership, Organisation, Role

MAX_ID = 2**63 - 1
#: Roles in an organisation whose holders may create its courses.
STAFF_ROLES = (Role.ADMIN, Role.PRACTITIONER)


def _valid_id(pk: object) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.suspended_at is None)


def can_create_for(user: User, organisation: Organisation) -> bool:
    """Staff of the organisation, or a steward, may create its courses."""
    if not _active(user):
        return False
    return (
        is_steward(user)
        or Membership.objects.filter(
            user=user, organisation=organisation, role__in=STAFF_ROLES
        ).exists()
    )


def organisations_for_new_course(user: User) -> list[Organisation]:
    if not _active(user):
        return []
    found = Organisation.objects.filter(is_active=True)
    if not is_steward(user):
        found = found.filter(
            memberships__user=user, memberships__role__in=STAFF_ROLES
        ).distinct()
    return list(found.order_by("name"))


def is_trainer(user: User, course: Course) -> bool:
    """A named trainer of the course or an admin of its organisation."""
    if not _active(user):
        return False
    cached = getattr(course, "_trainer_cache", {})
    if user.pk in cached:
        return bool(cached[user.pk])
    answer = (
        course.trainers.filter(pk=user.pk).exists()
        or Membership.objects.filter(
            user=user, organisation_id=course.organisation_id, role=Role.ADMIN
        ).exists()
    )
    cached[user.pk] = answer
    course._trainer_cache = cached  # type: ignore[attr-defined]
    return answer


def can_see_course(user: User, course: Course) -> bool:
    return course.is_published or is_trainer(user, course)


def get_course_for_user(user: User, slug: str) -> Course:
    """The course if `user` may see it; 404 otherwise (published, or a trainer)."""
    if not isinstance(slug, str) or "\x00" in slug or len(slug) > 80:
        raise Http404(_("No such course."))
    course = Course.objects.select_related("organisation").filter(slug=slug).first()
    if course is None or not can_see_course(user, course):
        raise Http404(_("No such course."))
    return course


def get_course_for_trainer(user: User, slug: str) -> Course:
    """The course if `user` trains it; 404 otherwise."""
    course = get_course_for_user(user, slug)
    if not is_trainer(user, course):
        raise Http404(_("No such course."))
    return course


def get_module_in(course: Course, pk: int) -> Module:
    if not _valid_id(pk):
        raise Http404(_("No such module."))
    module = course.modules.filter(pk=pk).first()
    if module is None:
        raise Http404(_("No such module."))
    module.course = course
    return module


def get_lesson_in(course: Course, pk: int) -> Lesson:
    if not _valid_id(pk):
        raise Http404(_("No such lesson."))
    lesson = (
        Lesson.objects.select_related("module").filter(pk=pk, module__course=course)
    ).first()
    if lesson is None:
        raise Http404(_("No such lesson."))
    lesson.module.course = course
    return lesson


def get_enrolment_in(course: Course, pk: int) -> Enrolment:
    if not _valid_id(pk):
        raise Http404(_("No such enrolment."))
    enrolment = (
        Enrolment.objects.select_related("user__profile")
        .filter(pk=pk, course=course)
        .first()
    )
    if enrolment is None:
        raise Http404(_("No such enrolment."))
    enrolment.course = course
    return enrolment


def can_study(user: User, course: Course) -> bool:
    """An active enrolment, or a trainer previewing the course."""
    if not _active(user):
        return False
    if is_trainer(user, course):
        return True
    return Enrolment.objects.filter(
        course=course, user=user, status=Enrolment.Status.ACTIVE
    ).exists()


def get_resource_for_user(user: User, course: Course, pk: int) -> LessonResource:
    """A lesson file for enrolled learners and trainers; 404 for anyone else."""
    if not _valid_id(pk) or not can_study(user, course):
        raise Http404(_("No such file."))
    resource = LessonResource.objects.filter(pk=pk, lesson__module__course=course)
    found = resource.first()
    if found is None:
        raise Http404(_("No such file."))
    return found


def require_trainer(user: User, course: Course) -> None:
    if not is_trainer(user, course):
        raise NotAllowed(_("Only the course's trainers can do this."))
