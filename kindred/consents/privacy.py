"""Personal data of the consent ledger and the access log: the consents a person
gave and withdrew, and who viewed or shared their records (deleted on erasure;
where the person recorded someone else's consent or looked at someone else's
record, only the link to them is removed)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.consents.models import AccessEntry, ConsentRecord

    return {
        "consents": rows(
            ConsentRecord.objects.filter(person=person),
            "id",
            "action",
            "organisation_name",
            "scope",
            "purpose",
            "expires_on",
            "method",
            "notice_version",
            "at",
            "given_id",
            "content_type__app_label",
            "content_type__model",
            "object_id",
        ),
        "access_log": rows(
            AccessEntry.objects.filter(person=person),
            "at",
            "actor__profile__display_name",
            "organisation__name",
            "action",
            "kind",
            "object_id",
            "label",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.consents.models import AccessEntry, ConsentRecord

    ConsentRecord.objects.filter(person=person, action="withdrawn").delete()
    ConsentRecord.objects.filter(person=person).delete()
    ConsentRecord._base_manager.filter(recorded_by=person).update(recorded_by=None)
    AccessEntry.objects.filter(person=person).delete()
    AccessEntry._base_manager.filter(actor=person).update(actor=None)


register(
    Provider(
        key="consents.consents",
        label=_("Consents you gave and who saw your records"),
        models=("consents.consentrecord", "consents.accessentry"),
        export=_export,
        erase=_erase,
        # The person's own records are deleted above; the database refuses any
        # rewrite of other people's, so the erasure sweep must leave them alone.
        append_only=("consents.consentrecord", "consents.accessentry"),
    )
)
