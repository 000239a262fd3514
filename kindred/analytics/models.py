"""The relationship graph's ties and the monthly snapshots computed from them.

Ties are copied here from the domain apps' selectors (never read from their tables),
so a snapshot reads one table. A node is a person ("p", user id) or an organisation
("o", organisation id).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeType(models.TextChoices):
    PERSON = "p", _("Person")
    ORGANISATION = "o", _("Organisation")


class Tie(models.Model):
    """One dated, weighted relationship between two nodes."""

    class Kind(models.TextChoices):
        REFERRAL_ORG = "referral_org", _("Referral between organisations")
        REFERRAL_PERSON = "referral_person", _("Referral of an entrepreneur")
        MENTORING = "mentoring", _("Mentoring pair")
        HELP = "help", _("Help given")
        MEETING = "meeting", _("Networking meeting")
        CO_ATTENDANCE = "co_attendance", _("Attended the same event")
        SHARED_GROUP = "shared_group", _("Members of the same group")
        PARTNERSHIP = "partnership", _("Partnership")
        CO_DELIVERY = "co_delivery", _("Co-delivered service")
        CO_CREDIT = "co_credit", _("Co-credited success")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_type = models.CharField(max_length=1, choices=NodeType.choices)
    source_id = models.PositiveIntegerField()
    target_type = models.CharField(max_length=1, choices=NodeType.choices)
    target_id = models.PositiveIntegerField()
    on = models.DateField(db_index=True)
    weight = models.FloatField(default=1.0)
    # Where the tie came from, e.g. "referrals.referral:12"; with kind and the two
    # ends it makes collecting ties again idempotent.
    origin = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "kind",
                    "origin",
                    "source_type",
                    "source_id",
                    "target_type",
                    "target_id",
                ],
                name="analytics_tie_unique_origin",
            )
        ]
        indexes = [
            models.Index(
                fields=["source_type", "source_id"], name="analytics_tie_source"
            ),
            models.Index(
                fields=["target_type", "target_id"], name="analytics_tie_target"
            ),
        ]
        verbose_name = _("tie")
        verbose_name_plural = _("ties")

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.source_type}{self.source_id}"
            f"–{self.target_type}{self.target_id} {self.on}"
        )


class Snapshot(models.Model):
    """The ecosystem's health at the end of one month."""

    class Status(models.TextChoices):
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    month = models.DateField(_("month"), unique=True, help_text=_("Its first day."))
    taken_at = models.DateTimeField(_("taken at"))
    took_seconds = models.FloatField(_("took (seconds)"), default=0.0)
    metrics = models.JSONField(_("metrics"), default=dict)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DONE
    )

    class Meta:
        ordering = ["month"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


class OrganisationSnapshot(models.Model):
    """One organisation's metrics in a snapshot."""

    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="organisations"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    metrics = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "organisation"],
                name="analytics_one_organisation_per_snapshot",
            )
        ]
        verbose_name = _("organisation snapshot")
        verbose_name_plural = _("organisation snapshots")

    def __str__(self) -> str:
        return f"{self.snapshot} {self.organisation_id}"


class NodeSnapshot(models.Model):
    """One node's place in a snapshot's graph: its community and brokerage."""

    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="nodes"
    )
    node_type = models.CharField(max_length=1, choices=NodeType.choices)
    node_id = models.PositiveIntegerField()
    community = models.IntegerField(default=-1)
    betweenness = models.FloatField(default=0.0)
    degree = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["snapshot", "node_type", "node_id"],
                name="analytics_node_lookup",
            )
        ]
        verbose_name = _("node snapshot")
        verbose_name_plural = _("node snapshots")

    def __str__(self) -> str:
        return f"{self.snapshot} {self.node_type}{self.node_id}"


class EcosystemSettings(models.Model):
    """The steward's analytics settings; one row."""

    public_page = models.BooleanField(
        _("public ecosystem page"),
        default=False,
        help_text=_("Show headline figures to anyone, with no personal data."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ecosystem settings")
        verbose_name_plural = _("ecosystem settings")

    def __str__(self) -> str:
        return str(_("Ecosystem settings"))

    @classmethod
    def load(cls) -> EcosystemSettings:
        return cls.objects.get_or_create(pk=1)[0]
