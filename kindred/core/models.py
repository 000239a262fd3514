"""Shared vocabularies (topics, regions, sectors) and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Vocabulary(models.Model):
    """A named, sluggable term that stewards curate."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive terms stay on existing records but cannot be chosen."),
    )

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(Vocabulary):
    """A business-support topic of the shared taxonomy (e.g. cash flow, wellbeing)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("broader topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )

    class Meta(Vocabulary.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")


class Region(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Sector(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class AuditQuerySet(models.QuerySet):
    """Audit entries cannot be changed or deleted through the ORM."""

    def update(self, **kwargs: object) -> int:
        raise ValueError("Audit entries are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """An append-only, hash-chained record of who did what to which object.

    `hash` is sha256 over the canonical JSON of the recorded fields and
    `prev_hash` (see kindred.core.audit); `actor_key` keeps the actor's id for the
    chain, so erasing the actor (which empties `actor`) leaves the chain intact.
    `detail` holds ids and codes only, never names or email addresses.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_key = models.CharField(max_length=32, blank=True, default="")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        target = f"{self.object_type}#{self.object_id}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {target}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit entries are append-only.")


class AuditChainHead(models.Model):
    """The single row that serialises appends to the audit chain and remembers
    its end, so a deleted last entry is noticed too."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True, default="")
    length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain: {self.length} entries, last #{self.last_id}"


class ScheduledRun(models.Model):
    """One started run of a recurring job; unique per period across all workers."""

    job = models.CharField(max_length=80)
    period = models.CharField(max_length=40)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="one_run_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period}"
