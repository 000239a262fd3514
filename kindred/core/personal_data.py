"""The registry of personal data: each app says which of its models hold personal
data, how to export a person's share of it and how to erase it.

Every app that holds personal data has a `privacy.py` module that calls `register`
for each of its providers; `kindred.privacy` discovers those modules, builds a
person's export from all providers and erases through all of them. A test fails
when a model holding personal data is covered by no provider.

Erasure keeps the person's account row as a tombstone ("Former member", an
invalid address, no password) so that everything pointing at it — asks,
referrals, attendance — still counts; providers delete what is private and clear
free text, and a final sweep scrubs the person's name and email address from every
text and JSON column (docs/security.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models, transaction

_PROVIDERS: dict[str, Provider] = {}

#: What an erased person is called wherever their name was shown.
FORMER_MEMBER = "Former member"


@dataclass(frozen=True)
class Provider:
    """One kind of personal data.

    key: stable identifier, e.g. "referrals.referrals".
    label: what a person reads in their export, e.g. "Referrals about you".
    models: the model labels (`app_label.modelname`) this provider covers.
    export: returns the person's records as JSON-serialisable data.
    erase: erases or anonymises the person's records; aggregates survive.
    retention: retention keys (see settings.KINDRED_RETENTION_DAYS) mapped to a
        function that purges or anonymises records older than the cut-off it is
        given and returns how many it changed.
    append_only: models the erasure sweep must not rewrite (audit trails).
    """

    key: str
    label: Any
    models: tuple[str, ...]
    export: Callable[[Any], Any]
    erase: Callable[[Any], None]
    retention: dict[str, Callable[[datetime], int]] = field(default_factory=dict)
    append_only: tuple[str, ...] = ()


def register(provider: Provider) -> Provider:
    _PROVIDERS[provider.key] = provider
    return provider


def providers() -> list[Provider]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("privacy")
    return sorted(_PROVIDERS.values(), key=lambda p: p.key)


# --- helpers the providers share ---------------------------------------------------


def rows(queryset: models.QuerySet, *fields: str) -> list[dict[str, Any]]:
    """Return the named fields of each row, oldest first by primary key."""
    return list(queryset.order_by("pk").values(*fields))


def delete_files_on_commit(storage_alias: str, names: Iterable[str]) -> None:
    """Remove stored files once the erasing transaction has committed."""
    from django.core.files.storage import storages

    names = [name for name in names if name]
    if not names:
        return

    def remove() -> None:
        storage = storages[storage_alias]
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove)


def addresses_of(person: Any) -> list[str]:
    """Every email address of `person`, each once: the account's and every one
    allauth holds for them. During an erasure, the ones read before the accounts
    provider replaced and deleted them (see kindred.privacy.services)."""
    kept = getattr(person, "_erasure_addresses", None)
    if kept is not None:
        return list(kept)
    from allauth.account.models import EmailAddress

    found: dict[str, str] = {}
    others = EmailAddress.objects.filter(user_id=person.pk).values_list(
        "email", flat=True
    )
    for address in [person.email, *others]:
        if address:
            found.setdefault(address.lower(), address)
    return list(found.values())


def name_of(person: Any) -> str:
    """The display name of `person`; during an erasure, the one read before the
    accounts provider replaced it."""
    kept = getattr(person, "_erasure_name", None)
    if kept is not None:
        return kept
    from kindred.accounts.models import Profile

    names = Profile.objects.filter(user_id=person.pk).values_list(
        "display_name", flat=True
    )
    return (names.first() or "").strip()


def json_escaped(needle: str) -> str:
    """`needle` as it appears inside a JSON string (SQLite stores JSON with non-ASCII
    letters as \\uXXXX escapes, so a plain search never finds them)."""
    return json.dumps(needle)[1:-1]


def scrub(value: Any, needles: Iterable[str], replacement: str) -> Any:
    """Return `value` with every needle replaced, case-insensitively, in strings,
    and in the keys and values of lists and dicts."""
    patterns = [re.compile(re.escape(n), re.IGNORECASE) for n in needles if n]
    return _scrub(value, patterns, replacement)


def _scrub(value: Any, patterns: list[re.Pattern], replacement: str) -> Any:
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_scrub(v, patterns, replacement) for v in value]
    if isinstance(value, dict):
        return {
            _scrub(k, patterns, replacement): _scrub(v, patterns, replacement)
            for k, v in value.items()
        }
    return value
