"""The launch of a new ecosystem: one row, made when the first setup key is issued."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Region


class Launch(models.Model):
    """How far the steward has come in launching this ecosystem.

    A database without this row (the demo, an instance older than the wizard) is
    launched already: its doors are open and nobody is sent to the first-run page.
    """

    class Step(models.TextChoices):
        STEWARD = "steward", _("Create the steward account")
        NAME = "name", _("Name the ecosystem")
        IMPORT = "import", _("Import organisations and services")
        INVITE = "invite", _("Invite organisation admins")
        OPEN = "open", _("Open the doors")

    SKIPPABLE: ClassVar[tuple[str, ...]] = ("name", "import", "invite", "open")

    key_hash = models.CharField(max_length=128, blank=True)
    key_issued_at = models.DateTimeField(null=True, blank=True)
    key_used_at = models.DateTimeField(null=True, blank=True)
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ecosystem_name = models.CharField(_("ecosystem name"), max_length=80, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tagline = models.CharField(_("one-line description"), max_length=160, blank=True)
    named_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    doors_opened_at = models.DateTimeField(null=True, blank=True)
    skipped = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("launch")
        verbose_name_plural = _("launches")

    def __str__(self) -> str:
        return self.ecosystem_name or "launch"

    @classmethod
    def current(cls) -> Launch | None:
        return cls.objects.filter(pk=1).select_related("region").first()

    @property
    def doors_open(self) -> bool:
        """Sign-up is closed from the first step of a launch until the doors open."""
        return self.started_at is None or self.doors_opened_at is not None
