"""Personal data of webhooks: endpoints a person set up for an organisation, and
deliveries whose payload names them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import (
    FORMER_MEMBER,
    Provider,
    addresses_of,
    json_escaped,
    name_of,
    register,
    rows,
)


def _export(person: Any) -> dict[str, Any]:
    from kindred.webhooks.models import Endpoint

    return {
        "endpoints_you_set_up": rows(
            Endpoint.objects.filter(created_by=person),
            "organisation__name",
            "url",
            "description",
            "created_at",
        )
    }


def _erase(person: Any) -> None:
    from kindred.webhooks.models import Delivery

    needles = addresses_of(person)
    name = name_of(person)
    if len(name) >= 5 and name != FORMER_MEMBER:
        needles.append(name)
    carrying = Q(pk__in=[])
    for needle in needles:
        # SQLite keeps non-ASCII letters (and quotes) escaped in JSON.
        for form in {needle, json_escaped(needle)}:
            carrying |= Q(payload__icontains=form)
    Delivery.objects.filter(carrying).delete()


def _purge(cutoff: datetime) -> int:
    from kindred.webhooks.models import Delivery

    deleted, _n = Delivery.objects.filter(created_at__lt=cutoff).delete()
    return deleted


register(
    Provider(
        key="webhooks.endpoints",
        label=_("Webhooks you set up"),
        models=("webhooks.endpoint", "webhooks.delivery"),
        export=_export,
        erase=_erase,
        retention={"webhook_deliveries": _purge},
    )
)
