"""Write audit entries; the one place that does."""

from __future__ import annotations

from typing import Any

from django.db import models

from kindred.core.models import AuditEntry


def record(
    action: str, *, actor: Any | None, target: models.Model, **detail: Any
) -> AuditEntry:
    """Append an audit entry saying `actor` did `action` to `target`."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        detail=detail,
    )
