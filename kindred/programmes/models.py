"""Cohort programmes: a directory service run in cohorts, its places, surveys and
the answers participants give at entry, exit and follow-up.

Survey answers are sensitive: a participant sees their own; the people running
the programme see aggregates only (see selectors.evaluation). Status values are
stable codes: the API shows them as they are stored.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    """A directory service that runs in cohorts, with a programme lead."""

    service = models.OneToOneField(
        "directory.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="programme",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("programme lead"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="led_programmes",
    )
    summary = models.TextField(
        _("about the programme"),
        max_length=4000,
        blank=True,
        help_text=_("Who it is for and what happens. Markdown is allowed."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["service__name", "id"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.service.name

    def get_absolute_url(self) -> str:
        return reverse("programmes:programme", args=[self.pk])

    @property
    def name(self) -> str:
        return self.service.name


class Instrument(models.Model):
    """A questionnaire built by the programme's people from items and scales."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="instruments"
    )
    name = models.CharField(_("name"), max_length=160)
    introduction = models.TextField(
        _("introduction"),
        max_length=2000,
        blank=True,
        help_text=_("Shown above the questions. Markdown is allowed."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["programme", "name", "id"]
        verbose_name = _("survey instrument")
        verbose_name_plural = _("survey instruments")

    def __str__(self) -> str:
        return self.name


class Scale(models.Model):
    """A scored group of items: a person's score is the mean of their answers."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="scales"
    )
    name = models.CharField(_("name"), max_length=120)
    higher_is_better = models.BooleanField(
        _("a higher score is better"),
        default=True,
        help_text=_("Untick for scales such as stress, where lower is better."),
    )
    min_share = models.FloatField(
        _("share of items needed"),
        default=0.5,
        help_text=_("A score needs at least this share of its items answered."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "position", "id"]
        verbose_name = _("scale")
        verbose_name_plural = _("scales")

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One question of an instrument."""

    class Kind(models.TextChoices):
        LIKERT5 = "likert5", _("Agreement, 1 to 5")
        LIKERT7 = "likert7", _("Agreement, 1 to 7")
        NUMBER = "number", _("A number")
        TEXT = "text", _("Free text")

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="items"
    )
    scale = models.ForeignKey(
        Scale,
        verbose_name=_("scale"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("answer"), max_length=10, choices=Kind.choices)
    minimum = models.FloatField(_("lowest number"), null=True, blank=True)
    maximum = models.FloatField(_("highest number"), null=True, blank=True)
    reverse = models.BooleanField(
        _("reverse-scored"),
        default=False,
        help_text=_("Count a high answer as low in the scale's score."),
    )
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "position", "id"]
        verbose_name = _("survey item")
        verbose_name_plural = _("survey items")

    def __str__(self) -> str:
        return self.text

    @property
    def low(self) -> float | None:
        if self.kind in (self.Kind.LIKERT5, self.Kind.LIKERT7):
            return 1
        return self.minimum

    @property
    def high(self) -> float | None:
        if self.kind == self.Kind.LIKERT5:
            return 5
        if self.kind == self.Kind.LIKERT7:
            return 7
        return self.maximum

    @property
    def is_scored(self) -> bool:
        return self.kind != self.Kind.TEXT


class CohortQuerySet(models.QuerySet["Cohort"]):
    def taking_places(self) -> CohortQuerySet:
        """Cohorts that may still take people: planned or running, not over."""
        return self.filter(
            status__in=[Cohort.Status.PLANNED, Cohort.Status.RUNNING],
            ends_on__gte=timezone.localdate(),
        )


class Cohort(models.Model):
    """One run of a programme: dates, places, a group, sessions and surveys."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned: taking places")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    capacity = models.PositiveSmallIntegerField(
        _("places"), help_text=_("How many participants (1 to 500).")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    group = models.OneToOneField(
        "communities.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cohort",
    )
    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("survey"),
        null=True,
        blank=True,
        # A survey in use cannot be deleted on its own; with its programme it can.
        on_delete=models.RESTRICT,
        related_name="cohorts",
        help_text=_("The same questions are asked at entry, exit and follow-up."),
    )
    course = models.ForeignKey(
        "learning.Course",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cohorts",
        help_text=_("Participants are enrolled in it when they get a place."),
    )
    mentoring = models.ForeignKey(
        "mentoring.MentoringProgramme",
        verbose_name=_("mentoring programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cohorts",
        help_text=_("Optional: a mentoring programme participants may apply to."),
    )
    session_series = models.ForeignKey(
        "events.EventSeries",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_session = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    next_steps = models.ManyToManyField(
        "directory.Service",
        verbose_name=_("suggested next steps"),
        blank=True,
        related_name="suggested_after_cohorts",
        help_text=_("Services participants may be referred on to at the end."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "starts_on", "id"]
        indexes = [models.Index(fields=["programme", "status", "starts_on"])]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programmes:cohort", args=[self.pk])

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.CANCELLED)


class SurveyWindow(models.Model):
    """When participants of a cohort answer the survey at one point in time."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry")
        EXIT = "exit", _("Exit")
        FOLLOW_UP = "follow_up", _("Follow-up")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="windows")
    kind = models.CharField(_("when"), max_length=10, choices=Kind.choices)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))

    class Meta:
        ordering = ["cohort", "opens_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "kind"], name="one_survey_window_per_kind"
            )
        ]
        verbose_name = _("survey window")
        verbose_name_plural = _("survey windows")

    def __str__(self) -> str:
        return f"{self.cohort} {self.kind}"

    def is_open(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Place(models.Model):
    """A participant's place in a cohort."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Taking part")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        LEAD = "lead", _("Added by the programme")
        REFERRAL = "referral", _("From a referral")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="places")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="programme_places",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.LEAD
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["cohort", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "participant"], name="one_place_per_cohort"
            )
        ]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.cohort_id}"


class WaitingEntry(models.Model):
    """Someone accepted onto a programme when no cohort had room: to be placed."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="waiting"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    placed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person"],
                condition=Q(placed_at__isnull=True),
                name="waiting_once_per_programme",
            )
        ]
        verbose_name = _("person to be placed")
        verbose_name_plural = _("people to be placed")

    def __str__(self) -> str:
        return f"{self.person_id} waiting for {self.programme_id}"


class Response(models.Model):
    """A participant's answers in one survey window; editable while it is open."""

    window = models.ForeignKey(
        SurveyWindow, on_delete=models.CASCADE, related_name="responses"
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="programme_survey_responses",
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["window", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "participant"], name="one_response_per_window"
            )
        ]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"Response #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="answers")
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["response", "item__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "item"], name="one_answer_per_item"
            )
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"Answer #{self.pk}"


class Reminder(models.Model):
    """A survey reminder sent, so that each person is reminded once per window."""

    window = models.ForeignKey(
        SurveyWindow, on_delete=models.CASCADE, related_name="reminders"
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["window", "participant"], name="one_reminder_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder #{self.pk}"
