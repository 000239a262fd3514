"""The consent ledger and the access log.

Both are append-only: a consent is never edited, a withdrawal is a new record;
an access entry is never changed. `save()` refuses to update an existing row and
database triggers (see migration 0002) refuse UPDATE of the recorded columns.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.organisations.models import Organisation


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise ValueError("This ledger is append-only.")


class ConsentRecord(models.Model):
    """One decision of a person: consent given to someone, or withdrawn."""

    class Action(models.TextChoices):
        GIVEN = "given", _("Given")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Method(models.TextChoices):
        ONLINE = "online", _("Online, in Kindred")
        VERBAL = "verbal", _("Verbally, recorded by a practitioner")
        WRITTEN = "written", _("On paper, recorded by a practitioner")
        EMAIL = "email", _("By email, recorded by a practitioner")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="consent_records",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who receives the data; empty means the whole ecosystem."),
    )
    organisation_name = models.CharField(max_length=200, blank=True)
    scope = models.JSONField(_("what is shared"), default=list)
    purpose = models.CharField(_("purpose"), max_length=300)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    method = models.CharField(
        _("how consent was given"), max_length=12, choices=Method.choices
    )
    notice_version = models.CharField(_("privacy notice version"), max_length=20)
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    given = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="withdrawals",
        help_text=_("For a withdrawal: the consent it withdraws."),
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person", "-at"], name="consent_person_idx"),
            models.Index(
                fields=["content_type", "object_id"], name="consent_object_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["given"],
                condition=models.Q(action="withdrawn"),
                name="one_withdrawal_per_consent",
            )
        ]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"Consent #{self.pk} {self.action} by {self.person_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Consent records are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def to_name(self) -> str:
        if self.organisation_id is None and not self.organisation_name:
            return str(_("The Kindred ecosystem"))
        if self.organisation is not None:
            return self.organisation.name
        return self.organisation_name


class AccessEntry(models.Model):
    """Someone viewed or shared a record about a person.

    At most one entry per viewer, record, action and hour (`hour` is the start of
    the hour, UTC): repeated views within the hour cost one ignored insert.
    """

    class Action(models.TextChoices):
        VIEWED = "viewed", _("Viewed it")
        SHARED = "shared", _("Received your shared details")
        SENT = "sent", _("Sent it to another organisation")
        FORWARDED = "forwarded", _("Passed it on to another service")
        EXPORTED = "exported", _("Exported it")

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("Referral")
        PROGRAMME = "programme", _("Programme place")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)
    hour = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="access_person_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "kind", "object_id", "action", "hour"],
                name="one_access_per_hour",
            )
        ]
        verbose_name = _("access entry")
        verbose_name_plural = _("access entries")

    def __str__(self) -> str:
        return f"{self.action} {self.kind}#{self.object_id} by {self.actor_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Access entries are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
