"""Writes of the learning domain: one function per use case.

Each checks permission, changes the rows, writes the audit entry and tells the
people concerned (notifications and webhooks go out after the transaction
commits). `enrol` is also called by the programmes app for cohort places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.communities.uploads import check_upload
from kindred.core import audit
from kindred.core.errors import NotAllowed
from kindred.core.markdown import problems
from kindred.core.slugs import unique_slug
from kindred.learning import permissions
from kindred.learning.errors import LearningError, StateConflict
from kindred.learning.models import (
    Certificate,
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    LessonResource,
    Module,
    Question,
    Quiz,
    QuizAttempt,
)
from kindred.learning.signals import course_completed
from kindred.notifications.services import notify, notify_many
from kindred.organisations.models import Membership, Organisation
from kindred.webhooks.services import emit

RESERVED_SLUGS = {"new", "mine", "certificates", "certificate"}
MAX_QUESTIONS = 30
MAX_CHOICES = 10


def video_hosts() -> tuple[str, ...]:
    """Sites whose video links lessons may carry (`KINDRED_COURSE_VIDEO_HOSTS`)."""
    return tuple(settings.KINDRED_COURSE_VIDEO_HOSTS)


@dataclass
class QuestionInput:
    """A quiz question as a form or the API gives it: choices with their truth."""

    text: str
    choices: Sequence[tuple[str, bool]]
    multiple: bool = False


# --- validation helpers ---------------------------------------------------------------


def _text(
    value: str | None,
    *,
    field: str,
    limit: int,
    missing: str = "",
    optional: bool = False,
) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        if optional:
            return ""
        raise LearningError(missing or _("This field is required."), field=field)
    if "\x00" in cleaned:
        raise LearningError(_("The text contains a NUL character."), field=field)
    if len(cleaned) > limit:
        raise LearningError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    return cleaned


def _markdown(value: str | None, *, field: str, limit: int) -> str:
    text = _text(value, field=field, limit=limit, optional=True)
    found = problems(text)
    if found:
        raise LearningError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def check_video_url(value: str | None) -> str:
    """Return the link if it is https on an allowed video site; '' for none."""
    url = (value or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if (
        len(url) > 300
        or parts.scheme != "https"
        or parts.username
        or parts.password
        or (parts.hostname or "").lower() not in video_hosts()
    ):
        raise LearningError(
            _("Give an https link to a video on one of: %(hosts)s.")
            % {"hosts": ", ".join(video_hosts())},
            field="video_url",
        )
    return url


def _enrolment_mode(value: str) -> str:
    if value not in Course.Enrolment.values:
        raise LearningError(_("Choose how people enrol."), field="enrolment")
    return value


def _require_active(by: User) -> None:
    if not by.is_authenticated or by.suspended_at is not None or not by.is_active:
        raise NotAllowed(_("Sign in to do this."))


def _next_position(queryset: object) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]  # type: ignore[attr-defined]
    return 0 if top is None else top + 1


# --- courses ----------------------------------------------------------------------


@transaction.atomic
def create_course(
    organisation: Organisation,
    *,
    by: User,
    title: str,
    summary: str,
    description: str = "",
    enrolment: str = Course.Enrolment.OPEN,
) -> Course:
    """Create a draft course for `organisation`; `by` becomes its first trainer.

    `by` must be an admin or practitioner of the organisation, or a steward.
    """
    _require_active(by)
    if not permissions.can_create_for(by, organisation):
        raise NotAllowed(_("Only the organisation's staff can create its courses."))
    title = _text(
        title, field="title", limit=160, missing=_("Give the course a title.")
    )
    course = Course.objects.create(
        organisation=organisation,
        title=title,
        slug=unique_slug(Course, title, fallback="course", reserved=RESERVED_SLUGS),
        summary=_text(
            summary, field="summary", limit=300, missing=_("Add a short summary.")
        ),
        description=_markdown(description, field="description", limit=8000),
        enrolment=_enrolment_mode(enrolment),
        created_by=by,
    )
    course.trainers.add(by)
    audit.record("learning.course_created", actor=by, target=course)
    return course


@transaction.atomic
def update_course(
    course: Course,
    *,
    by: User,
    title: str | None = None,
    summary: str | None = None,
    description: str | None = None,
    enrolment: str | None = None,
) -> Course:
    """Change what a course says or how people enrol (trainers)."""
    permissions.require_trainer(by, course)
    if title is not None:
        course.title = _text(title, field="title", limit=160)
    if summary is not None:
        course.summary = _text(summary, field="summary", limit=300)
    if description is not None:
        course.description = _markdown(description, field="description", limit=8000)
    if enrolment is not None:
        course.enrolment = _enrolment_mode(enrolment)
    course.save(update_fields=["title", "summary", "description", "enrolment"])
    audit.record("learning.course_updated", actor=by, target=course)
    return course


@transaction.atomic
def publish_course(course: Course, *, by: User, published: bool = True) -> Course:
    """Publish a course (it needs a lesson) or take it back to draft (trainers)."""
    permissions.require_trainer(by, course)
    if published:
        if not Lesson.objects.filter(module__course=course).exists():
            raise StateConflict(_("Add at least one lesson before publishing."))
        course.status = Course.Status.PUBLISHED
        course.published_at = course.published_at or timezone.now()
    else:
        course.status = Course.Status.DRAFT
    course.save(update_fields=["status", "published_at"])
    audit.record("learning.course_published", actor=by, target=course, on=published)
    return course


@transaction.atomic
def add_trainer(course: Course, *, by: User, trainer: User) -> Course:
    """Name a member of the organisation's staff as a trainer (trainers)."""
    permissions.require_trainer(by, course)
    staff = Membership.objects.filter(
        user=trainer,
        organisation_id=course.organisation_id,
        role__in=permissions.STAFF_ROLES,
    ).exists()
    if not (staff or is_steward(trainer)):
        raise LearningError(
            _("Trainers must be staff of %(org)s.") % {"org": course.organisation},
            field="trainer",
        )
    course.trainers.add(trainer)
    audit.record("learning.trainer_added", actor=by, target=course, user=trainer.pk)
    return course


@transaction.atomic
def remove_trainer(course: Course, *, by: User, trainer: User) -> Course:
    """Take a trainer off a course; the last named trainer stays (trainers)."""
    permissions.require_trainer(by, course)
    if not course.trainers.exclude(pk=trainer.pk).exists():
        raise StateConflict(_("A course keeps at least one named trainer."))
    course.trainers.remove(trainer)
    audit.record("learning.trainer_removed", actor=by, target=course, user=trainer.pk)
    return course


# --- modules and lessons ------------------------------------------------------------


@transaction.atomic
def add_module(course: Course, *, by: User, title: str) -> Module:
    permissions.require_trainer(by, course)
    return Module.objects.create(
        course=course,
        title=_text(title, field="title", limit=160, missing=_("Name the module.")),
        position=_next_position(course.modules.all()),
    )


@transaction.atomic
def rename_module(module: Module, *, by: User, title: str) -> Module:
    permissions.require_trainer(by, module.course)
    module.title = _text(title, field="title", limit=160)
    module.save(update_fields=["title"])
    return module


def _move(item: Module | Lesson, siblings: list, *, up: bool) -> None:
    ids = [s.pk for s in siblings]
    at = ids.index(item.pk)
    to = at - 1 if up else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
    by_id = {s.pk: s for s in siblings}
    for position, pk in enumerate(ids):
        sibling = by_id[pk]
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    item.position = ids.index(item.pk)


@transaction.atomic
def move_module(module: Module, *, by: User, up: bool) -> Module:
    """Move a module one place up or down in its course (trainers)."""
    permissions.require_trainer(by, module.course)
    siblings = list(
        Module.objects.select_for_update().filter(course_id=module.course_id)
    )
    _move(module, siblings, up=up)
    return module


@transaction.atomic
def delete_module(module: Module, *, by: User) -> None:
    """Remove a module and its lessons; refused once anyone has reached them."""
    permissions.require_trainer(by, module.course)
    if LessonProgress.objects.filter(lesson__module=module).exists():
        raise StateConflict(_("Learners have started this module; keep it."))
    audit.record("learning.module_deleted", actor=by, target=module.course)
    module.delete()


@transaction.atomic
def add_lesson(
    module: Module,
    *,
    by: User,
    title: str,
    body: str = "",
    video_url: str = "",
) -> Lesson:
    """Add a lesson at the end of a module (trainers)."""
    permissions.require_trainer(by, module.course)
    return Lesson.objects.create(
        module=module,
        title=_text(title, field="title", limit=160, missing=_("Name the lesson.")),
        body=_markdown(body, field="body", limit=20000),
        video_url=check_video_url(video_url),
        position=_next_position(module.lessons.all()),
    )


@transaction.atomic
def update_lesson(
    lesson: Lesson,
    *,
    by: User,
    title: str | None = None,
    body: str | None = None,
    video_url: str | None = None,
) -> Lesson:
    permissions.require_trainer(by, lesson.module.course)
    if title is not None:
        lesson.title = _text(title, field="title", limit=160)
    if body is not None:
        lesson.body = _markdown(body, field="body", limit=20000)
    if video_url is not None:
        lesson.video_url = check_video_url(video_url)
    lesson.save(update_fields=["title", "body", "video_url"])
    return lesson


@transaction.atomic
def move_lesson(lesson: Lesson, *, by: User, up: bool) -> Lesson:
    """Move a lesson one place up or down within its module (trainers)."""
    permissions.require_trainer(by, lesson.module.course)
    siblings = list(Lesson.objects.select_for_update().filter(module=lesson.module))
    _move(lesson, siblings, up=up)
    return lesson


@transaction.atomic
def delete_lesson(lesson: Lesson, *, by: User) -> None:
    permissions.require_trainer(by, lesson.module.course)
    if lesson.progress.exists():
        raise StateConflict(_("Learners have started this lesson; keep it."))
    audit.record("learning.lesson_deleted", actor=by, target=lesson.module.course)
    lesson.delete()


def add_resource(
    lesson: Lesson,
    *,
    by: User,
    title: str,
    upload: IO[bytes],
    name: str,
    size: int,
) -> LessonResource:
    """Attach a downloadable file to a lesson (trainers).

    The file passes the group library's checks (allow-listed type whose content
    matches) and is kept in the private storage.
    """
    permissions.require_trainer(by, lesson.module.course)
    original = (name or "").replace("\x00", "").strip()[-200:] or "file"
    title = _text(title or original, field="title", limit=160)
    file_type = check_upload(upload, name=original, size=size, field="file")
    storage = storages["private"]
    stored = storage.save(
        f"courses/{lesson.module.course_id}/lesson-{lesson.pk}.{file_type.extension}",
        File(upload),
    )
    try:
        with transaction.atomic():
            return LessonResource.objects.create(
                lesson=lesson,
                title=title,
                file_name=stored,
                original_name=original,
                content_type=file_type.content_type,
                size=size,
                added_by=by,
            )
    except Exception:
        storage.delete(stored)
        raise


@transaction.atomic
def delete_resource(resource: LessonResource, *, by: User) -> None:
    course = resource.lesson.module.course
    permissions.require_trainer(by, course)
    name = resource.file_name
    resource.delete()
    transaction.on_commit(lambda: storages["private"].delete(name))


def _check_questions(questions: Sequence[QuestionInput]) -> list[QuestionInput]:
    if not questions:
        raise LearningError(_("A quiz needs at least one question."), field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise LearningError(
            _("A quiz has at most %(n)d questions.") % {"n": MAX_QUESTIONS},
            field="questions",
        )
    checked = []
    for n, question in enumerate(questions, start=1):
        text = _text(
            question.text,
            field="questions",
            limit=500,
            missing=_("Question %(n)d has no text.") % {"n": n},
        )
        choices = [
            (_text(c, field="questions", limit=300), bool(ok))
            for c, ok in question.choices
        ]
        right = sum(ok for _c, ok in choices)
        if not (2 <= len(choices) <= MAX_CHOICES):
            raise LearningError(
                _("Question %(n)d needs between 2 and %(max)d answers.")
                % {"n": n, "max": MAX_CHOICES},
                field="questions",
            )
        if right == 0:
            raise LearningError(
                _("Question %(n)d needs a correct answer.") % {"n": n},
                field="questions",
            )
        if not question.multiple and right != 1:
            raise LearningError(
                _("Single-choice question %(n)d needs exactly one correct answer.")
                % {"n": n},
                field="questions",
            )
        checked.append(QuestionInput(text, choices, bool(question.multiple)))
    return checked


@transaction.atomic
def set_quiz(
    lesson: Lesson,
    *,
    by: User,
    pass_mark: int,
    questions: Sequence[QuestionInput],
) -> Quiz:
    """Give a lesson a quiz, replacing its questions (trainers).

    Earlier attempts keep their scores; the lesson then completes when the quiz
    is passed.
    """
    permissions.require_trainer(by, lesson.module.course)
    if not isinstance(pass_mark, int) or not (1 <= pass_mark <= 100):
        raise LearningError(
            _("The pass mark is a percentage from 1 to 100."), field="pass_mark"
        )
    checked = _check_questions(questions)
    quiz, _created = Quiz.objects.update_or_create(
        lesson=lesson, defaults={"pass_mark": pass_mark}
    )
    quiz.questions.all().delete()
    for position, question in enumerate(checked):
        row = Question.objects.create(
            quiz=quiz, text=question.text, multiple=question.multiple, position=position
        )
        Choice.objects.bulk_create(
            Choice(question=row, text=text, correct=ok, position=i)
            for i, (text, ok) in enumerate(question.choices)
        )
    audit.record("learning.quiz_set", actor=by, target=lesson.module.course)
    return quiz


@transaction.atomic
def remove_quiz(lesson: Lesson, *, by: User) -> None:
    permissions.require_trainer(by, lesson.module.course)
    Quiz.objects.filter(lesson=lesson).delete()


# --- enrolment --------------------------------------------------------------------


@transaction.atomic
def enrol(
    course: Course, user: User, *, by: User, via_cohort: bool = False
) -> Enrolment:
    """Enrol `user` in `course`; return the existing enrolment if there is one.

    `by` is the learner themselves, a trainer, or (with `via_cohort`) the person
    placing the learner in a programme cohort. Open courses enrol at once; courses
    by approval wait for a trainer unless a trainer or a cohort enrols; cohort-only
    courses take learners only through a cohort or from a trainer. The course must
    be published unless a trainer enrols.
    """
    _require_active(by)
    trainer = permissions.is_trainer(by, course)
    if by.pk != user.pk and not (trainer or via_cohort):
        raise NotAllowed(_("You can only enrol yourself."))
    if not course.is_published and not trainer:
        raise StateConflict(_("This course is not open yet."))
    if not user.is_active:
        raise LearningError(_("This person's account is closed."))
    direct = trainer or via_cohort
    if course.enrolment == Course.Enrolment.COHORT and not direct:
        raise StateConflict(
            _("This course is taken as part of a programme cohort; join the cohort.")
        )
    existing = Enrolment.objects.select_for_update().filter(course=course, user=user)
    enrolment = existing.first()
    if enrolment is not None:
        if direct and not enrolment.is_active:
            enrolment.status = Enrolment.Status.ACTIVE
            enrolment.via_cohort = enrolment.via_cohort or via_cohort
            enrolment.decided_by, enrolment.decided_at = by, timezone.now()
            enrolment.save(
                update_fields=["status", "via_cohort", "decided_by", "decided_at"]
            )
            _tell_enrolled(enrolment, by=by)
        elif enrolment.status == Enrolment.Status.DECLINED:
            raise StateConflict(_("A trainer declined your enrolment."))
        return enrolment
    needs_approval = course.enrolment == Course.Enrolment.APPROVAL and not direct
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                course=course,
                user=user,
                status=Enrolment.Status.PENDING
                if needs_approval
                else Enrolment.Status.ACTIVE,
                via_cohort=via_cohort,
                enrolled_by=by,
            )
    except IntegrityError:  # a concurrent request enrolled first
        return Enrolment.objects.get(course=course, user=user)
    audit.record("learning.enrolled", actor=by, target=course, enrolment=enrolment.pk)
    if needs_approval:
        notify_many(
            [t for t in course.trainers.filter(is_active=True) if t.pk != user.pk],
            kind="learning.enrolment_requested",
            message=_("%(person)s asks to join “%(course)s”.")
            % {"person": user, "course": course.title},
            url=f"{course.get_absolute_url()}enrolments/",
            actor=user,
        )
    elif by.pk != user.pk:
        _tell_enrolled(enrolment, by=by)
    return enrolment


def _tell_enrolled(enrolment: Enrolment, *, by: User) -> None:
    notify(
        enrolment.user,
        kind="learning.enrolled",
        message=_("You are enrolled in “%(course)s”.")
        % {"course": enrolment.course.title},
        url=enrolment.course.get_absolute_url(),
        actor=by,
    )


@transaction.atomic
def decide_enrolment(enrolment: Enrolment, *, by: User, approve: bool) -> Enrolment:
    """Approve or decline a pending enrolment (trainers)."""
    permissions.require_trainer(by, enrolment.course)
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.status != Enrolment.Status.PENDING:
        raise StateConflict(_("This enrolment has already been answered."))
    enrolment.status = Enrolment.Status.ACTIVE if approve else Enrolment.Status.DECLINED
    enrolment.decided_by, enrolment.decided_at = by, timezone.now()
    enrolment.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        "learning.enrolment_decided", actor=by, target=enrolment, approve=approve
    )
    if approve:
        _tell_enrolled(enrolment, by=by)
    else:
        notify(
            enrolment.user,
            kind="learning.enrolled",
            message=_("Your request to join “%(course)s” was declined.")
            % {"course": enrolment.course.title},
            url=enrolment.course.get_absolute_url(),
            actor=by,
        )
    return enrolment


# --- progress ---------------------------------------------------------------------


def _active_enrolment(lesson: Lesson, by: User) -> Enrolment:
    _require_active(by)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course__organisation", "user__profile")
        .filter(course_id=lesson.module.course_id, user=by)
        .first()
    )
    if enrolment is None or not enrolment.is_active:
        raise NotAllowed(_("Enrol in the course first."))
    return enrolment


@transaction.atomic
def open_lesson(lesson: Lesson, *, by: User) -> LessonProgress | None:
    """Record that an enrolled learner reached a lesson; None for anyone else."""
    enrolment = (
        Enrolment.objects.filter(
            course_id=lesson.module.course_id,
            user_id=by.pk,
            status=Enrolment.Status.ACTIVE,
        ).first()
        if by.is_authenticated
        else None
    )
    if enrolment is None:
        return None
    progress, _created = LessonProgress.objects.get_or_create(
        enrolment=enrolment, lesson=lesson
    )
    return progress


def _complete(enrolment: Enrolment, lesson: Lesson) -> LessonProgress:
    progress, _created = LessonProgress.objects.get_or_create(
        enrolment=enrolment, lesson=lesson
    )
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
    total = Lesson.objects.filter(module__course_id=enrolment.course_id).count()
    done = enrolment.progress.filter(completed_at__isnull=False).count()
    if done >= total and enrolment.completed_at is None:
        _complete_course(enrolment)
    return progress


@transaction.atomic
def complete_lesson(lesson: Lesson, *, by: User) -> LessonProgress:
    """Mark a lesson done (enrolled learner); a lesson with a quiz needs a pass."""
    enrolment = _active_enrolment(lesson, by)
    if Quiz.objects.filter(lesson=lesson).exists():
        passed = QuizAttempt.objects.filter(
            enrolment=enrolment, quiz__lesson=lesson, passed=True
        ).exists()
        if not passed:
            raise StateConflict(_("Pass the lesson's quiz to complete it."))
    return _complete(enrolment, lesson)


@transaction.atomic
def attempt_quiz(
    quiz: Quiz, *, by: User, answers: Mapping[int, Sequence[int]]
) -> QuizAttempt:
    """Score and record an attempt (enrolled learner); a pass completes the lesson.

    `answers` maps question ids to the chosen choice ids. Every question needs an
    answer; a single-choice question exactly one.
    """
    lesson = quiz.lesson
    enrolment = _active_enrolment(lesson, by)
    questions = list(quiz.questions.prefetch_related("choices"))
    if not questions:
        raise StateConflict(_("This quiz has no questions yet."))
    known = {q.pk for q in questions}
    unknown = [pk for pk in answers if pk not in known]
    if unknown:
        raise LearningError(_("Answer this quiz's questions only."), field="answers")
    chosen_all: dict[str, list[int]] = {}
    correct: dict[str, bool] = {}
    for n, question in enumerate(questions, start=1):
        chosen = sorted(set(answers.get(question.pk, ())))
        options = {c.pk: c.correct for c in question.choices.all()}
        if not chosen:
            raise LearningError(_("Answer question %(n)d.") % {"n": n}, field="answers")
        if any(pk not in options for pk in chosen):
            raise LearningError(
                _("Question %(n)d has no such answer.") % {"n": n}, field="answers"
            )
        if not question.multiple and len(chosen) != 1:
            raise LearningError(
                _("Choose one answer for question %(n)d.") % {"n": n},
                field="answers",
            )
        chosen_all[str(question.pk)] = chosen
        correct[str(question.pk)] = set(chosen) == {
            pk for pk, ok in options.items() if ok
        }
    score = round(100 * sum(correct.values()) / len(questions))
    attempt = QuizAttempt.objects.create(
        quiz=quiz,
        enrolment=enrolment,
        answers=chosen_all,
        correct=correct,
        score=score,
        passed=score >= quiz.pass_mark,
    )
    if attempt.passed:
        _complete(enrolment, lesson)
    return attempt


def _complete_course(enrolment: Enrolment) -> Certificate:
    """Record completion, tell listeners and issue the certificate (in the caller's
    transaction)."""
    course = enrolment.course
    enrolment.completed_at = timezone.now()
    enrolment.save(update_fields=["completed_at"])
    certificate, _created = Certificate.objects.get_or_create(
        enrolment=enrolment,
        defaults={
            "learner_name": str(enrolment.user)[:200],
            "course_title": course.title,
            "organisation_name": course.organisation.name[:200],
            "issued_at": enrolment.completed_at,
        },
    )
    audit.record("learning.course_completed", actor=enrolment.user, target=enrolment)
    course_completed.send(sender=Course, enrolment=enrolment, user=enrolment.user)
    notify(
        enrolment.user,
        kind="learning.certificate_issued",
        message=_("You completed “%(course)s”: your certificate is ready.")
        % {"course": course.title},
        url=course.get_absolute_url(),
    )
    emit(
        course.organisation,
        "course.completed",
        {
            "course": {"id": course.pk, "slug": course.slug, "title": course.title},
            "learner": {"id": enrolment.user_id, "name": certificate.learner_name},
            "completed_at": enrolment.completed_at.isoformat(),
            "certificate": {"verification_url": certificate.verification_url},
        },
    )
    return certificate


@transaction.atomic
def revoke_certificate(
    certificate: Certificate, *, by: User, reason: str
) -> Certificate:
    """Revoke a certificate (the course's trainers); verification then says so."""
    permissions.require_trainer(by, certificate.enrolment.course)
    if certificate.revoked_at is not None:
        raise StateConflict(_("This certificate is already revoked."))
    certificate.revoked_reason = _text(
        reason, field="reason", limit=300, missing=_("Say why it is revoked.")
    )
    certificate.revoked_at = timezone.now()
    certificate.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record("learning.certificate_revoked", actor=by, target=certificate)
    return certificate
