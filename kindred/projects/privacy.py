"""Personal data of projects: projects a person runs, volunteering, team updates
and their member business (deleted on erasure)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.projects.models import Business, Project, Update, Volunteer

    return {
        "projects": rows(
            Project.objects.filter(owner=person),
            "title",
            "description",
            "status",
            "created_at",
        ),
        "volunteering": rows(
            Volunteer.objects.filter(Q(user=person) | Q(decided_by=person)),
            "role__title",
            "user_id",
            "message",
            "status",
            "created_at",
        ),
        "updates": rows(
            Update.objects.filter(author=person), "project__title", "body", "created_at"
        ),
        "businesses": rows(
            Business.objects.filter(owner=person),
            "name",
            "summary",
            "offers",
            "member_offer",
            "website",
            "created_at",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.projects.models import Business, Volunteer

    Volunteer.objects.filter(user=person).update(message="")
    Business.objects.filter(owner=person).delete()


register(
    Provider(
        key="projects.projects",
        label=_("Projects, volunteering and your business"),
        models=(
            "projects.project",
            "projects.volunteer",
            "projects.update",
            "projects.business",
        ),
        export=_export,
        erase=_erase,
    )
)
