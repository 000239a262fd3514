"""Personal data of the directory: support plans, import jobs a person ran (and
their uploaded files), services they reviewed or are the contact for."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import (
    Provider,
    delete_files_on_commit,
    register,
    rows,
)


def _export(person: Any) -> dict[str, Any]:
    from kindred.directory.models import DirectoryJob, PlanItem, Service, SupportPlan

    plans = SupportPlan.objects.filter(
        Q(owner=person) | Q(prepared_by=person) | Q(shared_with=person)
    ).distinct()
    return {
        "support_plans": rows(
            plans, "id", "title", "needs", "owner_id", "prepared_by_id", "created_at"
        ),
        "support_plan_items": rows(
            PlanItem.objects.filter(plan__in=plans),
            "plan_id",
            "kind",
            "title",
            "reason",
            "done_at",
        ),
        "import_jobs": rows(
            DirectoryJob.objects.filter(started_by=person),
            "kind",
            "file_name",
            "status",
            "created_at",
        ),
        "services_you_reviewed": rows(
            Service.objects.filter(last_reviewed_by=person),
            "name",
            "last_reviewed_at",
        ),
        "services_listing_you_as_contact": rows(
            Service.objects.filter(email__iexact=person.email),
            "name",
            "contact_name",
            "email",
            "phone",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.directory.models import DirectoryJob, Service, SupportPlan

    SupportPlan.objects.filter(owner=person).delete()
    for plan in SupportPlan.objects.filter(shared_with=person):
        plan.shared_with.remove(person)
    jobs = DirectoryJob.objects.filter(started_by=person)
    delete_files_on_commit("default", [job.file.name for job in jobs if job.file])
    jobs.update(file="", file_name="")
    Service.objects.filter(email__iexact=person.email).update(
        contact_name="", email="", phone=""
    )


register(
    Provider(
        key="directory.plans",
        label=_("Support plans, directory imports and service contacts"),
        models=(
            "directory.supportplan",
            "directory.planitem",
            "directory.directoryjob",
            "directory.service",
        ),
        export=_export,
        erase=_erase,
    )
)
