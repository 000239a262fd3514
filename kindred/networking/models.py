"""Networking rounds: programmes people opt into, rounds that run on a date, and
the introductions each round makes.

Status and choice values are stable codes: the API shows them as they are stored.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _points(verbose: str, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose,
        default=default,
        validators=[MaxValueValidator(10)],
        help_text=_("0 ignores it; 10 favours it most."),
    )


class Programme(models.Model):
    """A steady habit of small introductions among the people who opt in."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone who opts in")
        GROUP = "group", _("Members of a community group")
        PRACTITIONERS = "practitioners", _("Practitioners only")
        MIXED = "mixed", _("Entrepreneurs with practitioners")

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Fortnightly")
        MONTHLY = "monthly", _("Monthly")

    class Size(models.TextChoices):
        PAIRS = "pairs", _("Pairs")
        GROUPS = "groups", _("Groups of 3–4")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(
        _("description"),
        max_length=4000,
        blank=True,
        help_text=_("Markdown is allowed."),
    )
    audience = models.CharField(
        _("who takes part"),
        max_length=16,
        choices=Audience.choices,
        default=Audience.EVERYONE,
    )
    group = models.ForeignKey(
        "communities.Group",
        verbose_name=_("community group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="networking_programmes",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organising organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="networking_programmes",
    )
    cadence = models.CharField(
        _("how often"), max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    next_round_on = models.DateField(_("next round"))
    size = models.CharField(
        _("group size"), max_length=8, choices=Size.choices, default=Size.PAIRS
    )
    favour_different_organisations = _points(_("different organisations"), 3)
    favour_different_sectors = _points(_("different sectors"), 1)
    favour_shared_interests = _points(_("shared interests"), 2)
    favour_newcomers = _points(_("people new to the ecosystem"), 1)
    repeat_block_rounds = models.PositiveSmallIntegerField(
        _("rounds before people can meet again"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    is_active = models.BooleanField(_("running"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("networking programme")
        verbose_name_plural = _("networking programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience="group", group__isnull=False)
                | ~models.Q(audience="group"),
                name="networking_group_programme_has_group",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("networking:programme", args=[self.pk])

    def following_round(self, after: date) -> date:
        """The round date one cadence after `after`."""
        if self.cadence == self.Cadence.WEEKLY:
            return after + timedelta(days=7)
        if self.cadence == self.Cadence.FORTNIGHTLY:
            return after + timedelta(days=14)
        month = after.month % 12 + 1
        year = after.year + (after.month == 12)
        day = min(after.day, 28)
        return date(year, month, day)


class Participation(models.Model):
    """A person's choices in one programme; the row stays when they opt out."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="participations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="networking_participations",
    )
    opted_in = models.BooleanField(default=True)
    snoozed_round_on = models.DateField(null=True, blank=True)
    topic_line = models.CharField(
        _("what you would like to talk about"), max_length=200, blank=True
    )
    topic_line_round_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "user"], name="networking_one_participation"
            )
        ]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")

    def __str__(self) -> str:
        return f"{self.user} in {self.programme}"

    def snoozes(self, round_on: date) -> bool:
        return self.snoozed_round_on == round_on

    def topic_line_for(self, round_on: date) -> str:
        return self.topic_line if self.topic_line_round_on == round_on else ""


class DoNotPair(models.Model):
    """`owner` never wants to be paired with `other`. Only `owner` ever sees it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="networking_do_not_pair",
    )
    other = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "other"], name="networking_do_not_pair_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(owner=models.F("other")),
                name="networking_do_not_pair_not_self",
            ),
        ]
        verbose_name = _("do-not-pair entry")
        verbose_name_plural = _("do-not-pair entries")

    def __str__(self) -> str:
        return f"{self.owner_id} -/- {self.other_id}"


class Round(models.Model):
    """One round of a programme on one date; a date runs at most once."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="rounds"
    )
    round_on = models.DateField(_("date"))
    ran_at = models.DateTimeField(default=timezone.now)
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    participants = models.PositiveIntegerField(default=0)
    introductions_made = models.PositiveIntegerField(default=0)
    unplaced = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=80, blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-round_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "round_on"], name="networking_one_round_per_date"
            )
        ]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")

    def __str__(self) -> str:
        return f"{self.programme} {self.round_on}"


class Introduction(models.Model):
    """Two to four people a round asks to meet."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Introduced")
        SCHEDULED = "scheduled", _("Time chosen")
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Did not meet")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="introductions"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.MATCHED
    )
    features = models.JSONField(default=dict, blank=True)
    video_url = models.URLField(max_length=300, blank=True)
    suggested_times = models.JSONField(default=list, blank=True)
    chosen_time = models.DateTimeField(null=True, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-round__round_on", "pk"]
        indexes = [models.Index(fields=["status", "met_at"])]
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")

    def __str__(self) -> str:
        return f"Introduction {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("networking:introduction", args=[self.pk])


class Member(models.Model):
    """One person in an introduction, with their own answers after it."""

    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="networking_introductions",
    )
    topic_line = models.CharField(max_length=200, blank=True)
    organisation_id_then = models.BigIntegerField(null=True, blank=True)
    did_meet = models.BooleanField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    stay_in_touch = models.BooleanField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["introduction", "user"], name="networking_member_once"
            )
        ]
        verbose_name = _("introduction member")
        verbose_name_plural = _("introduction members")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.introduction_id}"
