"""Referrals between organisations, the entrepreneur's consent, the shared thread,
outcomes, and the append-only log of who saw or changed what.

State codes are stable (the API uses them); people see the labels.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.algorithms import referral_flow as flow
from kindred.organisations.models import Organisation

# What a consent can cover. "wellbeing" is never ticked by default.
SHAREABLE = [
    ("name", _("Name")),
    ("email", _("Email address")),
    ("headline", _("Headline and business")),
    ("region", _("Region")),
    ("stage", _("Business stage")),
    ("sectors", _("Sectors")),
    ("topics_needed", _("Topics they want help with")),
    ("note", _("The referrer's note")),
    ("wellbeing", _("Wellbeing answers")),
]
SHAREABLE_CODES = [code for code, _label in SHAREABLE]
DEFAULT_SHARED = ["name", "email", "headline", "stage", "topics_needed", "note"]
NOTICE_VERSION = "2026-11"


class Referral(models.Model):
    class Status(models.TextChoices):
        DRAFT = flow.DRAFT, _("Draft: waiting for consent")
        SENT = flow.SENT, _("Sent: waiting for an answer")
        ACCEPTED = flow.ACCEPTED, _("Accepted")
        DECLINED = flow.DECLINED, _("Declined")
        REDIRECTED = flow.REDIRECTED, _("Passed on to another service")
        IN_PROGRESS = flow.IN_PROGRESS, _("Support under way")
        ON_HOLD = flow.ON_HOLD, _("On the waiting list")
        COMPLETED = flow.COMPLETED, _("Completed")
        CLOSED = flow.CLOSED, _("Closed without an outcome")
        WITHDRAWN = flow.WITHDRAWN, _("Withdrawn")

    class Reason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        NO_CAPACITY = "no_capacity", _("No capacity")
        COULD_NOT_CONTACT = "could_not_contact", _("Could not make contact")
        NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
        CONSENT_DECLINED = "consent_declined", _("Consent was not given")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent was withdrawn")
        OTHER = "other", _("Other")

    entrepreneur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="referrals_about_me",
        verbose_name=_("entrepreneur"),
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="referrals_made",
    )
    referring_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_sent",
        help_text=_("Empty when entrepreneurs refer themselves."),
    )
    service = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    service_name = models.CharField(max_length=200, blank=True)
    receiving_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="referrals_received"
    )
    receiving_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_to_me",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    reason = models.CharField(
        max_length=24, choices=Reason.choices, blank=True, default=""
    )
    reason_note = models.CharField(max_length=500, blank=True)
    note = models.TextField(
        _("note for the receiver"),
        max_length=4000,
        blank=True,
        help_text=_("What the entrepreneur needs; shared only if they agree."),
    )
    wellbeing_note = models.TextField(
        _("wellbeing answers"),
        max_length=2000,
        blank=True,
        help_text=_("Shared only if the entrepreneur explicitly includes it."),
    )
    redirected_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redirects",
    )
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    response_seconds = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )  # first_response_at - sent_at, kept for the report's median
    accepted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Lists, newest first, read straight from these indexes.
            models.Index(
                fields=["receiving_organisation", "-created_at", "-id"],
                name="referral_received_idx",
            ),
            models.Index(
                fields=["referring_organisation", "-created_at", "-id"],
                name="referral_sent_idx",
            ),
            models.Index(
                fields=["entrepreneur", "-created_at", "-id"],
                name="referral_mine_idx",
            ),
            # Open counts and the report's period.
            models.Index(
                fields=["receiving_organisation", "status"],
                name="referral_received_status_idx",
            ),
            models.Index(
                fields=["receiving_organisation", "sent_at"],
                name="referral_received_sent_idx",
            ),
            models.Index(
                fields=["referring_organisation", "sent_at"],
                name="referral_sent_sent_idx",
            ),
            models.Index(fields=["status", "due_at"], name="referral_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["referrer", "client_token"], name="one_referral_per_submission"
            )
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"Referral #{self.pk} → {self.receiving_organisation_id}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in flow.OPEN

    @property
    def is_self_referral(self) -> bool:
        return self.referring_organisation_id is None

    @property
    def target_name(self) -> str:
        return self.service_name or str(self.receiving_organisation)

    @property
    def consent_valid(self) -> bool:
        try:
            return self.consent.is_valid()
        except Consent.DoesNotExist:
            return False

    @property
    def name_shared(self) -> bool:
        """Whether the receiver may see the entrepreneur's name now."""
        return self.consent_valid and "name" in self.consent.fields


class Consent(models.Model):
    """What the entrepreneur agreed may reach the receiver, why, and until when."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Asked, no answer yet")
        GIVEN = "given", _("Given")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Method(models.TextChoices):
        IN_APP = "in_app", _("In Kindred, by the entrepreneur")
        VERBAL = "verbal", _("Verbally, recorded by the practitioner")
        WRITTEN = "written", _("In writing, recorded by the practitioner")
        EMAIL = "email", _("By email, recorded by the practitioner")

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="consent"
    )
    receiving_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+"
    )
    fields = models.JSONField(_("what is shared"), default=list)
    purpose = models.CharField(_("purpose"), max_length=300)
    expires_on = models.DateField(_("valid until"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    method = models.CharField(
        _("how consent was given"),
        max_length=12,
        choices=Method.choices,
        default=Method.IN_APP,
    )
    notice_version = models.CharField(
        _("privacy notice version shown"), max_length=20, default=NOTICE_VERSION
    )
    given_on = models.DateField(_("date consent was given"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"Consent for referral #{self.referral_id}: {self.status}"

    def is_valid(self, today: object | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.GIVEN and self.expires_on >= today  # type: ignore[operator]


class Event(models.Model):
    """One move of a referral: from, to, by whom, as which party, when."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        max_length=16, blank=True, choices=Referral.Status.choices
    )
    to_status = models.CharField(max_length=16, choices=Referral.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    party = models.CharField(max_length=16)
    reason = models.CharField(max_length=24, blank=True)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.referral_id}: {self.from_status} → {self.to_status}"


class Message(models.Model):
    """A message in the referral's thread."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone, including the entrepreneur")
        ORGANISATIONS = "organisations", _("The two organisations only")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    party = models.CharField(max_length=16)
    audience = models.CharField(
        _("who sees it"),
        max_length=16,
        choices=Audience.choices,
        default=Audience.EVERYONE,
    )
    body = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message on #{self.referral_id}"


class Outcome(models.Model):
    class Kind(models.TextChoices):
        GOT_HELP = "got_help", _("Got the help they needed")
        FUNDING = "funding_secured", _("Funding secured")
        JOBS = "jobs_created", _("Jobs created")
        STARTED = "business_started", _("Business started")
        TRAINED = "training_completed", _("Training completed")
        NOT_NEEDED = "no_longer_needed", _("No longer needed")
        NO_HELP = "could_not_get_help", _("Could not get help")

    POSITIVE = frozenset(
        {Kind.GOT_HELP, Kind.FUNDING, Kind.JOBS, Kind.STARTED, Kind.TRAINED}
    )

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="outcomes"
    )
    kind = models.CharField(_("outcome"), max_length=24, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount (£)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    number = models.PositiveIntegerField(_("how many"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_for = models.ForeignKey(
        Organisation, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "kind"], name="one_outcome_of_a_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.referral_id}"

    @property
    def is_positive(self) -> bool:
        return self.kind in self.POSITIVE


class LogEntry(models.Model):
    """Append-only: every view, change, export and share of a referral."""

    class Action(models.TextChoices):
        VIEWED = "viewed", _("Looked at it")
        CREATED = "created", _("Created it")
        CHANGED = "changed", _("Changed it")
        MESSAGED = "messaged", _("Wrote in the thread")
        OUTCOME = "outcome", _("Recorded an outcome")
        EXPORTED = "exported", _("Exported it")
        SHARED = "shared", _("Shared the entrepreneur's details")
        CONSENT = "consent", _("Changed the consent")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="log_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    party = models.CharField(max_length=16, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["referral", "-at"], name="referral_log_idx"),
            models.Index(fields=["organisation", "-at"], name="referral_log_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.referral_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Referral log entries are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
