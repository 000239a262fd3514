"""Reactions of the directory to other apps' changes."""

from __future__ import annotations

from typing import Any

from kindred.directory.models import OrganisationRecord
from kindred.organisations.models import Organisation


def give_hsds_identity(
    sender: type[Organisation], instance: Organisation, created: bool, **kwargs: Any
) -> None:
    """Every organisation gets a stable HSDS id the moment it exists."""
    if created and not kwargs.get("raw"):
        OrganisationRecord.objects.get_or_create(organisation=instance)
