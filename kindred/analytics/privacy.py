"""Personal data of ecosystem analytics: the relationship ties that involve a
person.

Erasure keeps the ties, so that monthly counts and graph metrics survive: they
point at the erased account, which holds no name, address or profile any more.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.analytics import models
    from kindred.analytics.models import NodeType, Tie

    mine = Q(source_type=NodeType.PERSON, source_id=person.pk) | Q(
        target_type=NodeType.PERSON, target_id=person.pk
    )
    return {
        "ties": rows(
            Tie.objects.filter(mine),
            "kind",
            "source_type",
            "source_id",
            "target_type",
            "target_id",
            "on",
            "weight",
        ),
        "settings_you_changed": (
            rows(
                models.EcosystemSettings.objects.filter(updated_by=person),
                "updated_at",
            )
            if hasattr(models, "EcosystemSettings")
            else []
        ),
    }


def _erase(person: Any) -> None:
    """Ties keep pointing at the tombstone account: counts survive, no name does."""


register(
    Provider(
        key="analytics.ties",
        label=_("Your ties in the ecosystem graph"),
        models=("analytics.tie", "analytics.ecosystemsettings"),
        export=_export,
        erase=_erase,
    )
)
