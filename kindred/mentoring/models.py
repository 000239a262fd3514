"""Mentoring programmes: applications, matching, pairs and their workspaces.

Status values are stable codes: the API shows them as they are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Region, Sector, Topic

#: Weekly availability slots a person can tick: day and part of day.
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("am", "pm", "eve")
SLOTS = tuple(f"{d}-{p}" for d in DAYS for p in PARTS)


class Access(models.TextChoices):
    ANYONE = "anyone", _("Anyone signed in")
    ORGANISATIONS = "organisations", _("Members of chosen organisations")
    GROUP = "group", _("Members of a community group")


class MentoringProgramme(models.Model):
    """A mentoring programme run by an organisation (or a steward)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        MATCHING = "matching", _("Matching")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    class Mode(models.TextChoices):
        PROGRAMME = "programme", _("Programme-wide: the organiser matches everyone")
        SUGGESTED = "suggested", _("Suggested: mentees pick from their best few")
        SELF = "self", _("Self-match: mentees browse and request mentors")

    class Objective(models.TextChoices):
        BEST_TOTAL = "total", _("Best total fit")
        MOST_MATCHED = "coverage", _("Most people matched first")

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("run by organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentoring_programmes",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=160)
    purpose = models.TextField(
        _("purpose"), max_length=8000, help_text=_("Markdown is allowed.")
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    mode = models.CharField(
        _("matching mode"), max_length=10, choices=Mode.choices, default=Mode.PROGRAMME
    )
    objective = models.CharField(
        _("matching objective"),
        max_length=10,
        choices=Objective.choices,
        default=Objective.BEST_TOTAL,
    )
    mentor_access = models.CharField(
        _("who may apply as mentor"),
        max_length=16,
        choices=Access.choices,
        default=Access.ANYONE,
    )
    mentee_access = models.CharField(
        _("who may apply as mentee"),
        max_length=16,
        choices=Access.choices,
        default=Access.ANYONE,
    )
    mentor_organisations = models.ManyToManyField(
        "organisations.Organisation", blank=True, related_name="+"
    )
    mentee_organisations = models.ManyToManyField(
        "organisations.Organisation", blank=True, related_name="+"
    )
    mentor_group = models.ForeignKey(
        "communities.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mentee_group = models.ForeignKey(
        "communities.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    questions = models.JSONField(_("application questions"), default=list)
    weights = models.JSONField(_("criteria weights"), default=dict)
    allow_same_organisation = models.BooleanField(
        _("allow pairs within the same organisation"), default=False
    )
    request_days = models.PositiveSmallIntegerField(
        _("days a mentor has to answer a request"), default=7
    )
    suggestions_shown = models.PositiveSmallIntegerField(
        _("mentors suggested to each mentee"), default=3
    )
    check_in_weeks = models.PositiveSmallIntegerField(
        _("weeks between check-ins"), default=4
    )
    last_run = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mentoring programme")
        verbose_name_plural = _("mentoring programmes")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("mentoring:programme", args=[self.pk])


class Application(models.Model):
    """A person's application to a programme as mentor or mentee."""

    class Side(models.TextChoices):
        MENTOR = "mentor", _("Mentor")
        MENTEE = "mentee", _("Mentee")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="applications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mentoring_applications",
    )
    side = models.CharField(_("applying as"), max_length=6, choices=Side.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    answers = models.JSONField(_("answers"), default=list, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="+")
    sectors = models.ManyToManyField(Sector, blank=True, related_name="+")
    stages = models.JSONField(_("stages"), default=list, blank=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="+")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    experience_years = models.PositiveSmallIntegerField(
        _("years of experience"), default=0
    )
    capacity = models.PositiveSmallIntegerField(_("mentees at most"), default=1)
    preferences = models.JSONField(
        _("preferred people, best first"), default=list, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["programme", "side", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "user"], name="one_mentoring_application"
            )
        ]
        verbose_name = _("mentoring application")
        verbose_name_plural = _("mentoring applications")

    def __str__(self) -> str:
        return f"{self.user} as {self.side} in {self.programme_id}"


class ForbiddenPair(models.Model):
    """A pair the organiser said must not be made."""

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="forbidden_pairs"
    )
    mentee = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "mentee", "mentor"], name="one_forbidden_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} x {self.mentor_id}"


class Pair(models.Model):
    """A mentee matched with a mentor, and the workspace they share."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed (not yet published)")
        ACTIVE = "active", _("Matched")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        OPTIMISER = "optimiser", _("Matched by the optimiser")
        ORGANISER = "organiser", _("Added by the organiser")
        REQUEST = "request", _("Mentee's request accepted")

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="pairs"
    )
    mentee = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="pairs_as_mentee"
    )
    mentor = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="pairs_as_mentor"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    score = models.FloatField(default=0)
    score_parts = models.JSONField(default=dict, blank=True)
    agreement = models.TextField(
        _("mentoring agreement"),
        max_length=8000,
        blank=True,
        help_text=_(
            "How often you meet, how, what is confidential. Markdown is allowed."
        ),
    )
    agreement_updated_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    next_check_in_at = models.DateTimeField(null=True, blank=True)
    quiet_since = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["programme", "id"]
        indexes = [models.Index(fields=["status", "next_check_in_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=models.Q(status__in=["proposed", "active"]),
                name="one_open_pair_per_mentee",
            )
        ]
        verbose_name = _("mentoring pair")
        verbose_name_plural = _("mentoring pairs")

    def __str__(self) -> str:
        return f"Pair #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("mentoring:pair", args=[self.pk])


class MentorRequest(models.Model):
    """A mentee's request to one mentor (self-match and suggested modes)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Next if the earlier choice says no")
        WAITING = "waiting", _("Waiting for the mentor")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired: the mentor did not answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="requests"
    )
    mentee = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="requests_made"
    )
    mentor = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="requests_received"
    )
    rank = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    message = models.CharField(_("message"), max_length=1000, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["mentee", "rank", "id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        verbose_name = _("mentor request")
        verbose_name_plural = _("mentor requests")

    def __str__(self) -> str:
        return f"Request #{self.pk} ({self.status})"


class Goal(models.Model):
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pair", "id"]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["goal", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """A mentoring session, planned or held, with its video room."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), default=60)
    summary = models.CharField(_("what you talked about"), max_length=2000, blank=True)
    room_url = models.URLField(max_length=300)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"Session #{self.pk}"


class Note(models.Model):
    """A private note: only its author ever sees it."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(_("private note"), max_length=8000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Note #{self.pk}"


class CheckIn(models.Model):
    """One side's answer to "still meeting?"."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    still_meeting = models.BooleanField(_("still meeting"))
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Check-in #{self.pk}"


class Feedback(models.Model):
    """One side's close-out feedback: a rating and words for the organiser."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("how useful was it (1 to 5)"))
    comment = models.TextField(_("feedback"), max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pair", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pair", "author"], name="one_mentoring_feedback"
            )
        ]

    def __str__(self) -> str:
        return f"Feedback #{self.pk}"
