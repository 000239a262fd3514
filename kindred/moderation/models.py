"""Reports about content and the stewards' decisions on them.

Content is any registered model (see registry.py), named by content type and id.
Decisions are append-only: a later decision (restore) follows an earlier one (hide),
it never edits it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Harassment or abuse")
    HARMFUL = "harmful", _("Harmful, dangerous or illegal")
    OFF_TOPIC = "off-topic", _("Off-topic for Kindred")
    OTHER = "other", _("Something else")


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> ReportQuerySet:
        return self.filter(status=Report.Status.OPEN)

    def about(self, obj: models.Model) -> ReportQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        )


class Report(models.Model):
    """A member tells the stewards that a piece of content breaks the rules."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a steward")
        ACTIONED = "actioned", _("Acted on")
        DISMISSED = "dismissed", _("Dismissed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_reports",
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.TextField(
        _("what is wrong"),
        max_length=1000,
        blank=True,
        help_text=_("Optional: anything that helps the stewards decide."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    decision = models.ForeignKey(
        "Decision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text=_("The decision that closed this report."),
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "content_type", "object_id"],
                condition=Q(status="open"),
                name="one_open_report_per_reporter_and_object",
            )
        ]
        indexes = [
            models.Index(fields=["status", "content_type", "object_id"]),
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"Report #{self.pk} on {self.content_key}#{self.object_id}"

    @property
    def content_key(self) -> str:
        ct = ContentType.objects.get_for_id(self.content_type_id)
        return f"{ct.app_label}.{ct.model}"


class Decision(models.Model):
    """What a steward did about a piece of content; append-only."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hide the content")
        RESTORE = "restore", _("Restore the content")
        WARN = "warn", _("Warn the author")
        SUSPEND = "suspend", _("Suspend the author")
        DISMISS = "dismiss", _("Dismiss the reports")

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The author of the content when the decision was taken."),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")

    def __str__(self) -> str:
        return f"{self.action} #{self.content_type_id}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Moderation decisions are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
