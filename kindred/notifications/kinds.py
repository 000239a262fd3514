"""The registry of notification kinds; each domain registers its own at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Kind:
    key: str  # "organisation.invited"
    label: str | Promise  # shown on the settings page
    default_delivery: str = "immediate"


_KINDS: dict[str, Kind] = {}


def register(
    key: str, label: str | Promise, *, default_delivery: str = "immediate"
) -> Kind:
    """Declare a kind of notification; call from an app's ready()."""
    kind = Kind(key, label, default_delivery)
    _KINDS[key] = kind
    return kind


def get(key: str) -> Kind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(
            f"Unknown notification kind {key!r}; register it first."
        ) from None


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: k.key)
