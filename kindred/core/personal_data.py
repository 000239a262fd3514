"""The registry of personal data: each app says which of its models hold personal
data, how to export a person's share of it and how to erase it.

Every app that holds personal data has a `privacy.py` module that calls `register`
for each of its providers; `kindred.privacy` discovers those modules, builds a
person's export from all providers and erases through all of them. A test fails
when a model holding personal data is covered by no provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_PROVIDERS: dict[str, Provider] = {}


@dataclass(frozen=True)
class Provider:
    """One kind of personal data.

    key: stable identifier, e.g. "referrals.referrals".
    label: what a person reads in their export, e.g. "Referrals about you".
    models: the model labels (`app_label.modelname`) this provider covers.
    export: returns the person's records as JSON-serialisable data.
    erase: erases or anonymises the person's records; aggregates survive.
    """

    key: str
    label: Any
    models: tuple[str, ...]
    export: Callable[[Any], Any]
    erase: Callable[[Any], None]
    retention: dict[str, Any] = field(default_factory=dict)


def register(provider: Provider) -> Provider:
    _PROVIDERS[provider.key] = provider
    return provider


def providers() -> list[Provider]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("privacy")
    return sorted(_PROVIDERS.values(), key=lambda p: p.key)
