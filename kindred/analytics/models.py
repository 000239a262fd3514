"""The relationship graph's ties and the monthly snapshots computed from them.

Ties are copied here from the domain apps' selectors (never read from their tables),
so a snapshot reads one table. A node is a person ("p", user id) or an organisation
("o", organisation id).
"""

from __future__ import annotations

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
        verbose_name = _("tie")
        verbose_name_plural = _("ties")

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.source_type}{self.source_id}"
            f"–{self.target_type}{self.target_id} {self.on}"
        )
