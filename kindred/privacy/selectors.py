"""Reads of data rights: a person's export, built from every provider."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from kindred.accounts.models import User
from kindred.core.personal_data import providers

FORMAT = "kindred-export/1"


def build_export(person: User) -> dict[str, Any]:
    """Return everything Kindred holds about `person`, keyed by provider, as plain
    JSON data (dates as ISO 8601 strings, decimals as strings)."""
    sections = {
        provider.key: {
            "label": str(provider.label),
            "records": provider.export(person),
        }
        for provider in providers()
    }
    data = {
        "format": FORMAT,
        "generated_at": timezone.now(),
        "person": person.pk,
        "providers": sections,
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def subject_candidates(query: str, *, limit: int = 10) -> list[User]:
    """People a steward may mean by `query` (an exact email address or a name)."""
    query = query.strip()
    if not query:
        return []
    if "@" in query:
        return list(User.objects.filter(email__iexact=query).select_related("profile"))
    return list(
        User.objects.filter(profile__display_name__icontains=query)
        .select_related("profile")
        .order_by("profile__display_name", "pk")[:limit]
    )
