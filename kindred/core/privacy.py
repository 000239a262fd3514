"""Personal data of the audit trail: what a person did, and what was done to
their account. Entries hold ids and codes only; erasure unlinks the person
(`actor`) and leaves the hash chain intact, since it covers `actor_key`, an id."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _mine(person: Any) -> Any:
    from kindred.core.models import AuditEntry

    return AuditEntry.objects.filter(
        Q(actor=person)
        | Q(object_type=person._meta.label_lower, object_id=str(person.pk))
    )


def _export(person: Any) -> dict[str, Any]:
    return {
        "audit_entries": rows(
            _mine(person), "at", "action", "object_type", "object_id", "detail"
        )
    }


def _erase(person: Any) -> None:
    from kindred.core.models import AuditEntry

    AuditEntry._base_manager.filter(actor=person).update(actor=None)


register(
    Provider(
        key="core.audit",
        label=_("The audit trail of what you did and what was done to your account"),
        models=("core.auditentry",),
        export=_export,
        erase=_erase,
    )
)
