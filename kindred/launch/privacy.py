"""Personal data of the launch: which account claimed the ecosystem as steward.
The ecosystem's name and description are not personal data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.launch.models import Launch

    return {
        "ecosystems_you_launched": rows(
            Launch.objects.filter(steward=person), "ecosystem_name", "started_at"
        )
    }


def _erase(person: Any) -> None:
    from kindred.launch.models import Launch

    Launch.objects.filter(steward=person).update(steward=None)


register(
    Provider(
        key="launch.steward",
        label=_("Ecosystems you launched"),
        models=("launch.launch",),
        export=_export,
        erase=_erase,
    )
)
