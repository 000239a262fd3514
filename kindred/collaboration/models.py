"""Partnerships between organisations, calls for collaboration, success stories.

Status values are stable codes: the API shows them as they are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.organisations.models import Organisation


class Partnership(models.Model):
    """Two organisations working together, from proposal to end.

    At most one proposed-or-active partnership exists per pair, in either direction.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        ENDED = "ended", _("Ended")

    OPEN_STATUSES = (Status.PROPOSED, Status.ACTIVE)

    proposer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partnerships_proposed"
    )
    partner = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partnerships_received"
    )
    description = models.CharField(
        _("the joint work"),
        max_length=500,
        help_text=_("One or two sentences on what you will do together."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    call = models.ForeignKey(
        "CallForCollaboration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partnerships",
        help_text=_("The call for collaboration this partnership came from."),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(proposer=F("partner")),
                name="partnership_of_two_organisations",
            ),
            models.UniqueConstraint(
                Least("proposer", "partner"),
                Greatest("proposer", "partner"),
                condition=Q(status__in=["proposed", "active"]),
                name="one_open_partnership_per_pair",
            ),
        ]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")

    def __str__(self) -> str:
        return f"{self.proposer} + {self.partner} ({self.status})"

    def other_side(self, organisation_id: int) -> Organisation:
        """The organisation on the other side from `organisation_id`."""
        return self.partner if self.proposer_id == organisation_id else self.proposer


class CallForCollaboration(models.Model):
    """An organisation's open invitation to work together on something."""

    class Kind(models.TextChoices):
        JOINT_BID = "joint_bid", _("Joint bid")
        CO_HOSTED_EVENT = "co_hosted_event", _("Co-hosted event")
        SHARED_PROGRAMME = "shared_programme", _("Shared programme")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PARTNERS_CHOSEN = "partners_chosen", _("Partners chosen")
        CLOSED = "closed", _("Closed without partners")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="calls_for_collaboration"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(
        _("description"), max_length=10000, help_text=_("Markdown is allowed.")
    )
    deadline = models.DateField(
        _("deadline"), help_text=_("The last day to express interest.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"])]
        verbose_name = _("call for collaboration")
        verbose_name_plural = _("calls for collaboration")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collaboration:call", args=[self.pk])

    @property
    def deadline_passed(self) -> bool:
        return self.deadline < timezone.localdate()

    @property
    def accepts_interest(self) -> bool:
        """Open, and the deadline (the last day to answer) has not passed."""
        return self.status == self.Status.OPEN and not self.deadline_passed


class Interest(models.Model):
    """An organisation would like to take part in a call."""

    call = models.ForeignKey(
        CallForCollaboration, on_delete=models.CASCADE, related_name="interests"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="collaboration_interests"
    )
    message = models.CharField(_("message"), max_length=500)
    expressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    chosen = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organisation"], name="interest_once_per_organisation"
            )
        ]
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")

    def __str__(self) -> str:
        return f"{self.organisation} → {self.call}"


class SuccessStory(models.Model):
    """A success that several organisations (and people) share the credit for."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        REFERRAL = "referral", _("From a referral")
        MANUAL = "manual", _("Written by hand")

    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(
        _("story"), max_length=10000, help_text=_("Markdown is allowed.")
    )
    entrepreneur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="success_stories",
        help_text=_("The entrepreneur the story is about; they approve it."),
    )
    show_entrepreneur_name = models.BooleanField(
        _("show the entrepreneur's name"),
        default=False,
        help_text=_("Only the entrepreneur chooses this."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    # A plain number: the referrals app owns referrals; this only remembers which.
    source_referral_id = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True
    )
    author_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The organisation whose member wrote the story."),
    )
    credited_organisations = models.ManyToManyField(  # type: ignore[var-annotated]
        Organisation, through="StoryCredit", related_name="credited_stories"
    )
    credited_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="credited_stories"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-published_at"])]
        verbose_name = _("success story")
        verbose_name_plural = _("success stories")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collaboration:story", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class StoryCredit(models.Model):
    """An organisation credited in a story, with what it did."""

    story = models.ForeignKey(
        SuccessStory, on_delete=models.CASCADE, related_name="credits"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="story_credits"
    )
    role = models.CharField(
        _("role"), max_length=120, help_text=_("e.g. referred, delivered the service")
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "organisation"], name="credit_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.role}"


class Celebration(models.Model):
    """A member celebrates a published story; once per person."""

    story = models.ForeignKey(
        SuccessStory, on_delete=models.CASCADE, related_name="celebrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["story", "user"], name="celebrate_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} celebrates {self.story}"
