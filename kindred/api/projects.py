"""REST API of projects (open roles, volunteering, team updates) and member
businesses. Its urlpatterns are appended in kindred/api/urls.py.

A project hidden by a steward, and a project's updates for anyone not on its
team, answer 404 exactly like something that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.api.collaboration import MAX_ID, codes
from kindred.api.concurrency import check_if_match, with_etag
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.api.serializers import (
    OrganisationRefSerializer,
    StrictBooleanField,
    StrictCharField,
    TermSerializer,
)
from kindred.core.errors import NotAllowed
from kindred.core.models import Region, Sector, Topic
from kindred.organisations.models import Organisation
from kindred.projects import permissions, selectors, services
from kindred.projects.models import Business, Project, Role, Volunteer
from kindred.projects.services import MAX_PLACES, MAX_ROLES, RoleInput

# --- serializers ------------------------------------------------------------------


def _ids(help_text: str = "Topic ids.") -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=10,
        required=False,
        help_text=help_text,
    )


class ProjectRoleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    places = serializers.IntegerField(read_only=True)
    open_places = serializers.IntegerField(read_only=True)
    topics = TermSerializer(many=True, read_only=True)


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    owner = PersonRefSerializer(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    status = codes(Project.Status, "ProjectStatusEnum", read_only=True)
    hidden = serializers.BooleanField(read_only=True)
    topics = TermSerializer(many=True, read_only=True)
    roles = ProjectRoleSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class RoleInSerializer(serializers.Serializer):
    title = StrictCharField(max_length=120)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    places = serializers.IntegerField(min_value=1, max_value=MAX_PLACES, default=1)
    topics = _ids("Skill or topic ids.")


class ProjectCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160)
    description = StrictCharField(max_length=8000, help_text="Markdown.")
    topics = _ids()
    organisation = StrictCharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Slug of an organisation you are an admin or practitioner of.",
    )
    roles = RoleInSerializer(many=True, required=False, max_length=MAX_ROLES)


class ProjectChangeSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160, required=False)
    description = StrictCharField(max_length=8000, required=False)
    topics = _ids()


class ProjectFilterSerializer(serializers.Serializer):
    q = StrictCharField(max_length=100, required=False, allow_blank=True)
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    mine = StrictBooleanField(
        required=False, help_text="Only projects you run (any status)."
    )

    def validate_q(self, value: str) -> str:
        return value.replace("\x00", "").strip()


class VolunteerInSerializer(serializers.Serializer):
    message = StrictCharField(max_length=1000, required=False, allow_blank=True)


class VolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    role = serializers.IntegerField(source="role_id", read_only=True)
    person = PersonRefSerializer(source="user", read_only=True)
    message = serializers.CharField(read_only=True)
    status = codes(Volunteer.Status, "VolunteerStatusEnum", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class VolunteerDecisionInSerializer(serializers.Serializer):
    accept = StrictBooleanField(help_text="true to accept, false to decline.")


class UpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = PersonRefSerializer(read_only=True, allow_null=True)
    body = serializers.CharField(read_only=True, help_text="Markdown.")
    created_at = serializers.DateTimeField(read_only=True)


class UpdateInSerializer(serializers.Serializer):
    body = StrictCharField(max_length=8000, help_text="Markdown.")


class BusinessSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    offers = serializers.CharField(read_only=True, help_text="Markdown.")
    member_offer = serializers.CharField(read_only=True)
    owner = PersonRefSerializer(read_only=True)
    sector = TermSerializer(read_only=True, allow_null=True)
    region = TermSerializer(read_only=True, allow_null=True)
    website = serializers.CharField(read_only=True)
    topics = TermSerializer(many=True, read_only=True)
    is_active = serializers.BooleanField(read_only=True)


class BusinessInSerializer(serializers.Serializer):
    name = StrictCharField(max_length=160)
    summary = StrictCharField(max_length=300)
    offers = StrictCharField(max_length=8000, required=False, allow_blank=True)
    member_offer = StrictCharField(max_length=300, required=False, allow_blank=True)
    sector = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    region = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    website = StrictCharField(max_length=300, required=False, allow_blank=True)
    topics = _ids()
    is_active = StrictBooleanField(required=False)


class BusinessChangeSerializer(BusinessInSerializer):
    name = StrictCharField(max_length=160, required=False)
    summary = StrictCharField(max_length=300, required=False)


class BusinessFilterSerializer(serializers.Serializer):
    q = StrictCharField(max_length=100, required=False, allow_blank=True)
    sector = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    region = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    def validate_q(self, value: str) -> str:
        return value.replace("\x00", "").strip()


# --- helpers ----------------------------------------------------------------------


def _topics(ids: list[int], field: str = "topics") -> list[Topic]:
    found = {t.pk: t for t in Topic.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({field: [f"No such topic: {missing[0]}."]})
    return [found[i] for i in dict.fromkeys(ids)]


def _term(model: type[Sector] | type[Region], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    term = model.objects.filter(pk=pk, is_active=True).first()
    if term is None:
        raise serializers.ValidationError({field: [f"No such {field}: {pk}."]})
    return term


def _project(request: Request, pk: int) -> Project:
    return permissions.get_project_for_user(request.user, pk)


def _project_data(project: Project) -> Any:
    shown = selectors.visible_projects_all().get(pk=project.pk)
    return ProjectSerializer(shown).data


def _business_data(business: Business) -> Any:
    shown = (
        Business.objects.select_related("owner__profile", "sector", "region")
        .prefetch_related("topics")
        .get(pk=business.pk)
    )
    return BusinessSerializer(shown).data


class NewestFirst(IdCursorPagination):
    ordering = "-id"


# --- projects ---------------------------------------------------------------------


class ProjectList(generics.ListAPIView):
    serializer_class = ProjectSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        params = ProjectFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = self.request.user
        if data.get("mine"):
            return selectors.managed_projects(user)
        return selectors.open_projects(
            user, query=data.get("q", ""), topic=data.get("topic")
        )

    @extend_schema(
        parameters=[ProjectFilterSerializer],
        summary="Open projects with their roles, newest first (or the ones you run)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer},
        summary="Post a project with open roles",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ProjectCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = None
        if data.get("organisation"):
            organisation = Organisation.objects.filter(
                slug=data["organisation"], is_active=True
            ).first()
            if organisation is None or not permissions.can_act_for(
                request.user, organisation
            ):
                raise serializers.ValidationError(
                    {"organisation": ["Choose an organisation you act for."]}
                )
        roles = [
            RoleInput(
                title=role["title"],
                description=role.get("description", ""),
                places=role["places"],
                topics=_topics(role.get("topics", []), f"roles.{i}.topics"),
            )
            for i, role in enumerate(data.get("roles", []))
        ]
        project = services.create_project(
            by=request.user,
            title=data["title"],
            description=data["description"],
            topics=_topics(data.get("topics", [])),
            organisation=organisation,
            roles=roles,
        )
        return Response(_project_data(project), status=status.HTTP_201_CREATED)


class ProjectDetail(APIView):
    @extend_schema(responses=ProjectSerializer, summary="One project")
    def get(self, request: Request, pk: int) -> Response:
        return with_etag(Response(_project_data(_project(request, pk))))

    @extend_schema(
        request=ProjectChangeSerializer,
        responses=ProjectSerializer,
        summary="Change a project's title, description or topics (the people "
        "running it)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        project = _project(request, pk)
        serializer = ProjectChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        permissions.require_manager(request.user, project)
        check_if_match(request, _project_data(project))
        services.update_project(
            project,
            by=request.user,
            title=data.get("title"),
            description=data.get("description"),
            topics=_topics(data["topics"]) if "topics" in data else None,
        )
        return with_etag(Response(_project_data(project)))


class ProjectClose(APIView):
    @extend_schema(
        request=None,
        responses=ProjectSerializer,
        summary="Close a project: pending volunteers are declined and told",
    )
    def post(self, request: Request, pk: int) -> Response:
        project = services.close_project(_project(request, pk), by=request.user)
        return Response(_project_data(project))


class ProjectRoles(APIView):
    @extend_schema(
        responses=ProjectRoleSerializer(many=True), summary="A project's roles"
    )
    def get(self, request: Request, pk: int) -> Response:
        project = _project(request, pk)
        roles = selectors.roles_with_counts().filter(project=project)
        return Response(ProjectRoleSerializer(roles, many=True).data)

    @extend_schema(
        request=RoleInSerializer,
        responses={201: ProjectRoleSerializer},
        summary="Add an open role (the people running the project)",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        project = _project(request, pk)
        serializer = RoleInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        role = services.add_role(
            project,
            by=request.user,
            role=RoleInput(
                title=data["title"],
                description=data.get("description", ""),
                places=data["places"],
                topics=_topics(data.get("topics", [])),
            ),
        )
        shown = selectors.roles_with_counts().get(pk=role.pk)
        return Response(ProjectRoleSerializer(shown).data, status=201)


class RoleVolunteer(APIView):
    @extend_schema(
        request=VolunteerInSerializer,
        responses={201: VolunteerSerializer},
        summary="Volunteer for a role with a short message",
    )
    @idempotent
    def post(self, request: Request, pk: int, role_pk: int) -> Response:
        project = _project(request, pk)
        role: Role = permissions.get_role_in(project, role_pk)
        serializer = VolunteerInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = services.volunteer_for(
            role, by=request.user, message=serializer.validated_data.get("message", "")
        )
        return Response(VolunteerSerializer(offer).data, status=201)


class ProjectVolunteers(generics.ListAPIView):
    serializer_class = VolunteerSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Volunteer]:
        if getattr(self, "swagger_fake_view", False):
            return Volunteer.objects.none()
        project = _project(self.request, self.kwargs["pk"])
        if not permissions.can_manage(self.request.user, project):
            return Volunteer.objects.filter(
                role__project=project, user_id=self.request.user.pk
            ).select_related("user__profile")
        return selectors.volunteers_of(project)

    @extend_schema(
        summary="Volunteers of a project (everyone for the people running it; "
        "your own offers otherwise)"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class VolunteerDecision(APIView):
    @extend_schema(
        request=VolunteerDecisionInSerializer,
        responses=VolunteerSerializer,
        summary="Accept or decline a volunteer (the people running the project); "
        "accepting respects the role's places",
    )
    def post(self, request: Request, pk: int, volunteer_pk: int) -> Response:
        project = _project(request, pk)
        offer = permissions.get_volunteer_in(project, volunteer_pk)
        serializer = VolunteerDecisionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not permissions.can_manage(request.user, project):
            raise NotAllowed("Only the people running this project can do this.")
        offer = services.decide_volunteer(
            offer, by=request.user, accept=serializer.validated_data["accept"]
        )
        return Response(VolunteerSerializer(offer).data)


class ProjectUpdates(generics.ListAPIView):
    serializer_class = UpdateSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        project = permissions.get_project_for_updates(
            self.request.user, self.kwargs["pk"]
        )
        return selectors.updates_of(project)

    @extend_schema(
        summary="A project's updates: only for the team and accepted volunteers"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=UpdateInSerializer,
        responses={201: UpdateSerializer},
        summary="Post an update (the people running the project)",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        project = permissions.get_project_for_updates(request.user, pk)
        serializer = UpdateInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = services.post_update(
            project, by=request.user, body=serializer.validated_data["body"]
        )
        return Response(UpdateSerializer(update).data, status=201)


# --- businesses -------------------------------------------------------------------


class BusinessList(generics.ListAPIView):
    serializer_class = BusinessSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Business]:
        if getattr(self, "swagger_fake_view", False):
            return Business.objects.none()
        params = BusinessFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return selectors.businesses(
            query=data.get("q", ""),
            sector=data.get("sector"),
            topic=data.get("topic"),
            region=data.get("region"),
        ).order_by("id")

    @extend_schema(
        parameters=[BusinessFilterSerializer],
        summary="Member businesses listed in the directory",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=BusinessInSerializer,
        responses={201: BusinessSerializer},
        summary="List a business you own",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = BusinessInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        business = services.create_business(
            by=request.user,
            name=data["name"],
            summary=data["summary"],
            offers=data.get("offers", ""),
            member_offer=data.get("member_offer", ""),
            sector=_term(Sector, data.get("sector"), "sector"),
            region=_term(Region, data.get("region"), "region"),
            website=data.get("website", ""),
            topics=_topics(data.get("topics", [])),
        )
        return Response(_business_data(business), status=201)


class BusinessDetail(APIView):
    @extend_schema(responses=BusinessSerializer, summary="One member business")
    def get(self, request: Request, slug: str) -> Response:
        business = permissions.get_business_for_user(request.user, slug)
        return with_etag(Response(_business_data(business)))

    @extend_schema(
        request=BusinessChangeSerializer,
        responses=BusinessSerializer,
        summary="Change your business page",
    )
    def patch(self, request: Request, slug: str) -> Response:
        business = permissions.get_business_for_user(request.user, slug)
        serializer = BusinessChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        permissions.require_business_owner(request.user, business)
        check_if_match(request, _business_data(business))
        services.update_business(
            business,
            by=request.user,
            name=data.get("name", business.name),
            summary=data.get("summary", business.summary),
            offers=data.get("offers", business.offers),
            member_offer=data.get("member_offer", business.member_offer),
            sector=_term(Sector, data["sector"], "sector")
            if "sector" in data
            else business.sector,
            region=_term(Region, data["region"], "region")
            if "region" in data
            else business.region,
            website=data.get("website", business.website),
            topics=_topics(data["topics"])
            if "topics" in data
            else list(business.topics.all()),
            is_active=data.get("is_active", business.is_active),
        )
        return with_etag(Response(_business_data(business)))


P = "projects/<int:pk>"
urlpatterns = [
    path("projects", ProjectList.as_view(), name="projects"),
    path(P, ProjectDetail.as_view(), name="project"),
    path(f"{P}/close", ProjectClose.as_view(), name="project-close"),
    path(f"{P}/roles", ProjectRoles.as_view(), name="project-roles"),
    path(
        f"{P}/roles/<int:role_pk>/volunteers",
        RoleVolunteer.as_view(),
        name="project-role-volunteer",
    ),
    path(f"{P}/volunteers", ProjectVolunteers.as_view(), name="project-volunteers"),
    path(
        f"{P}/volunteers/<int:volunteer_pk>/decision",
        VolunteerDecision.as_view(),
        name="project-volunteer-decision",
    ),
    path(f"{P}/updates", ProjectUpdates.as_view(), name="project-updates"),
    path("businesses", BusinessList.as_view(), name="businesses"),
    path("businesses/<slug:slug>", BusinessDetail.as_view(), name="business"),
]
