"""Courses of modules and lessons, enrolments, progress, quizzes and certificates.

A course belongs to an organisation and is built by its named trainers. Status and
mode values are stable codes: the API shows them as they are stored. Times are
stored in UTC and shown in each person's time zone.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def certificate_code() -> str:
    """An unguessable, URL-safe verification code (128 bits)."""
    return secrets.token_urlsafe(16)


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> CourseQuerySet:
        return self.filter(status=Course.Status.PUBLISHED)


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft: only trainers see it")
        PUBLISHED = "published", _("Published")

    class Enrolment(models.TextChoices):
        OPEN = "open", _("Open: anyone signed in can enrol")
        APPROVAL = "approval", _("By approval: a trainer accepts each learner")
        COHORT = "cohort", _("Cohort only: learners join through a programme")

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="courses",
    )
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences.")
    )
    description = models.TextField(
        _("description"),
        max_length=8000,
        blank=True,
        help_text=_("Who the course is for and what they learn. Markdown is allowed."),
    )
    enrolment = models.CharField(
        _("enrolment"), max_length=10, choices=Enrolment.choices, default=Enrolment.OPEN
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainers"),
        related_name="courses_trained",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("learning:course", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("title"), max_length=160)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["course", "position", "id"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(
        _("text"), max_length=20000, blank=True, help_text=_("Markdown is allowed.")
    )
    video_url = models.URLField(
        _("video link"),
        max_length=300,
        blank=True,
        help_text=_("Optional: an https link to a video on an allowed site."),
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["module__position", "module_id", "position", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.title


class LessonResource(models.Model):
    """A downloadable file, kept in the private storage and served to learners."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="resources"
    )
    title = models.CharField(_("title"), max_length=160)
    file_name = models.CharField(max_length=255, editable=False)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["lesson", "id"]
        verbose_name = _("lesson resource")
        verbose_name_plural = _("lesson resources")

    def __str__(self) -> str:
        return self.title


class Quiz(models.Model):
    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, related_name="quiz")
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self) -> str:
        return f"Quiz on {self.lesson}"


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    multiple = models.BooleanField(
        _("several answers may be right"),
        default=False,
        help_text=_("Untick for a single-choice question."),
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["quiz", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices"
    )
    text = models.CharField(_("answer"), max_length=300)
    correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question", "position", "id"]
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")

    def __str__(self) -> str:
        return self.text


class Enrolment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a trainer's approval")
        ACTIVE = "active", _("Enrolled")
        DECLINED = "declined", _("Declined")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    via_cohort = models.BooleanField(_("through a cohort"), default=False)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"], name="one_enrolment_per_course_and_person"
            )
        ]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"{self.user} in {self.course} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class LessonProgress(models.Model):
    """A learner reached a lesson (opened it) and, later, completed it."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="progress"
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="progress"
    )
    reached_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson"], name="one_progress_per_lesson"
            )
        ]
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.lesson_id}"


class QuizAttempt(models.Model):
    """One submitted attempt: the chosen answers, the score and whether it passed."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    #: {"<question id>": [choice ids], ...}
    answers = models.JSONField(default=dict)
    #: {"<question id>": true/false, ...}
    correct = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")

    def __str__(self) -> str:
        return f"Attempt #{self.pk}: {self.score}%"


class Certificate(models.Model):
    """Issued when a course is completed; the names are kept as they were then."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(max_length=40, unique=True, default=certificate_code)
    learner_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=160)
    organisation_name = models.CharField(max_length=200)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"{self.course_title} — {self.learner_name}"

    def get_absolute_url(self) -> str:
        return reverse("learning:verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def verification_url(self) -> str:
        return settings.KINDRED_BASE_URL.rstrip("/") + self.get_absolute_url()
