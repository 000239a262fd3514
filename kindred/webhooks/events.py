"""The registry of webhook event types; each domain registers its own."""

from __future__ import annotations

from django.utils.functional import Promise

_TYPES: dict[str, str | Promise] = {}


def register(key: str, label: str | Promise) -> None:
    _TYPES[key] = label


def label(key: str) -> str:
    return str(_TYPES[key])


def all_types() -> list[tuple[str, str | Promise]]:
    return sorted(_TYPES.items())


def exists(key: str) -> bool:
    return key in _TYPES
