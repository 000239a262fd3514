"""Personal data of moderation: reports a person made and decisions about their
content or taken by them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.moderation.models import Decision, Report

    return {
        "reports_you_made": rows(
            Report.objects.filter(reporter=person),
            "content_type__model",
            "object_id",
            "reason",
            "note",
            "status",
            "created_at",
        ),
        "decisions": rows(
            Decision.objects.filter(Q(author=person) | Q(steward=person)),
            "content_type__model",
            "object_id",
            "action",
            "note",
            "created_at",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.moderation.models import Report

    Report.objects.filter(reporter=person).update(note="")


register(
    Provider(
        key="moderation.reports",
        label=_("Moderation reports and decisions"),
        models=("moderation.report", "moderation.decision"),
        export=_export,
        erase=_erase,
    )
)
