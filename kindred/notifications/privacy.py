"""Personal data of notifications: what a person was told, and their choices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.notifications.models import Notification, Preference

    return {
        "notifications": rows(
            Notification.objects.filter(recipient=person),
            "kind",
            "message",
            "url",
            "created_at",
            "read_at",
            "emailed_at",
        ),
        "preferences": rows(Preference.objects.filter(user=person), "kind", "delivery"),
    }


def _erase(person: Any) -> None:
    from kindred.notifications.models import Notification, Preference

    Notification.objects.filter(recipient=person).delete()
    Notification.objects.filter(actor=person).update(actor=None)
    Preference.objects.filter(user=person).delete()


def _purge(cutoff: datetime) -> int:
    from kindred.notifications.models import Notification

    deleted, _n = Notification.objects.filter(created_at__lt=cutoff).delete()
    return deleted


register(
    Provider(
        key="notifications.notifications",
        label=_("Your notifications and email choices"),
        models=("notifications.notification", "notifications.preference"),
        export=_export,
        erase=_erase,
        retention={"notifications": _purge},
    )
)
