"""Reads of the projects domain: lists for pages and the API, bounded queries."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from kindred.accounts.models import User
from kindred.organisations.models import Membership
from kindred.projects.models import Business, Project, Role, Update, Volunteer
from kindred.projects.permissions import ACTING_ROLES


def roles_with_counts() -> QuerySet[Role]:
    return (
        Role.objects.annotate(
            accepted_count=Count(
                "volunteers", filter=Q(volunteers__status=Volunteer.Status.ACCEPTED)
            )
        )
        .prefetch_related("topics")
        .order_by("id")
    )


def _with_roles(projects: QuerySet[Project]) -> QuerySet[Project]:
    return projects.select_related("owner__profile", "organisation").prefetch_related(
        "topics", Prefetch("roles", queryset=roles_with_counts())
    )


def acting_organisation_ids(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=user.pk, role__in=ACTING_ROLES).values(
        "organisation_id"
    )


def open_projects(
    user: User, *, query: str = "", topic: int | None = None
) -> QuerySet[Project]:
    """Open projects members may see, newest first, with their roles."""
    projects = Project.objects.listed().open()
    if query:
        projects = projects.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(roles__title__icontains=query)
        ).distinct()
    if topic:
        projects = projects.filter(
            Q(topics__id=topic) | Q(roles__topics__id=topic)
        ).distinct()
    return _with_roles(projects)


def managed_projects(user: User) -> QuerySet[Project]:
    """Projects `user` runs: their own and their organisations' (any status)."""
    if not user.is_authenticated:
        return Project.objects.none()
    return _with_roles(
        Project.objects.filter(
            Q(owner_id=user.pk) | Q(organisation_id__in=acting_organisation_ids(user))
        )
    )


def visible_projects(user: User) -> QuerySet[Project]:
    """Every project `user` may see (for the API list)."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_steward:
        return _with_roles(Project.objects.all())
    return _with_roles(
        Project.objects.filter(
            Q(hidden=False)
            | Q(owner_id=user.pk)
            | Q(organisation_id__in=acting_organisation_ids(user))
        )
    )


def volunteering_of(user: User) -> QuerySet[Volunteer]:
    """`user`'s offers to help, newest first, with role and project."""
    return (
        Volunteer.objects.filter(user_id=user.pk, role__project__hidden=False)
        .select_related("role__project")
        .order_by("-created_at", "-id")
    )


def volunteers_of(project: Project) -> QuerySet[Volunteer]:
    return (
        Volunteer.objects.filter(role__project=project)
        .select_related("user__profile", "role")
        .order_by("role_id", "created_at", "id")
    )


def my_offers_on(user: User, project: Project) -> dict[int, Volunteer]:
    """`user`'s offers on the project's roles, by role id."""
    return {
        v.role_id: v
        for v in Volunteer.objects.filter(user_id=user.pk, role__project=project)
    }


def updates_of(project: Project) -> QuerySet[Update]:
    return project.updates.select_related("author__profile")


def businesses(
    *,
    query: str = "",
    sector: int | None = None,
    topic: int | None = None,
    region: int | None = None,
) -> QuerySet[Business]:
    """Listed businesses, by name, with what the directory shows."""
    found = Business.objects.active()
    if query:
        found = found.filter(
            Q(name__icontains=query)
            | Q(summary__icontains=query)
            | Q(offers__icontains=query)
        )
    if sector:
        found = found.filter(sector_id=sector)
    if region:
        found = found.filter(region_id=region)
    if topic:
        found = found.filter(topics__id=topic).distinct()
    return found.select_related("owner__profile", "sector", "region").prefetch_related(
        "topics"
    )


def businesses_of(user: User) -> QuerySet[Business]:
    return Business.objects.filter(owner_id=user.pk).order_by("name")


def visible_projects_all() -> QuerySet[Project]:
    """Every project with what the API shows; callers check permission first."""
    return _with_roles(Project.objects.all())
