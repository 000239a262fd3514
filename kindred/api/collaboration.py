"""REST API of collaboration: partnerships, calls for collaboration, success stories.

Statuses and kinds are stable codes (`proposed`, `active`, `joint_bid`, ...).
An illegal change of state (accepting an ended partnership, choosing partners on
a closed call, publishing a declined story) is a 409 problem and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import Http404
from django.urls import path
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import User
from kindred.api.concurrency import check_if_match, with_etag
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.api.schema import KindredAutoSchema, ProblemSerializer
from kindred.api.serializers import (
    OrganisationRefSerializer,
    StrictBooleanField,
    StrictCharField,
)
from kindred.collaboration import permissions, selectors, services
from kindred.collaboration.models import (
    CallForCollaboration,
    Interest,
    Partnership,
    SuccessStory,
)
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import get_organisation_for_user


class ConflictAutoSchema(KindredAutoSchema):
    """Also document the 409 a PATCH answers when the object's state forbids it."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction=direction)
        if "409" not in responses:
            responses["409"] = self._get_response_for_code(
                OpenApiResponse(ProblemSerializer, description="A problem (RFC 9457)."),
                "409",
                media_types=["application/problem+json"],
                direction=direction,
            )
        return responses


#: The largest id a database stores; larger numbers name no member.
MAX_ID = 2**63 - 1


class CodeField(serializers.ChoiceField):
    """A choice of stable codes, documented as its own named enum component.

    Several components have a "status" or "kind" of their own; naming each set
    keeps drf-spectacular from guessing names for them.
    """

    def __init__(
        self, choices: type[models.TextChoices], *, component: str, **kwargs: Any
    ) -> None:
        self.component = component
        super().__init__(choices=choices.choices, **kwargs)


class CodeFieldExtension(OpenApiSerializerFieldExtension):
    target_class = CodeField

    def get_name(self) -> str:
        return str(self.target.component)

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        choices = self.target.choices
        return {
            "type": "string",
            "enum": list(choices),
            "description": "\n".join(
                f"* `{code}` - {label}" for code, label in choices.items()
            ),
        }


def codes(
    choices: type[models.TextChoices], component: str, **kwargs: Any
) -> CodeField:
    return CodeField(choices, component=component, **kwargs)


# --- serializers ------------------------------------------------------------------


class PartnershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    proposer = OrganisationRefSerializer(read_only=True)
    partner = OrganisationRefSerializer(read_only=True)
    description = serializers.CharField(read_only=True)
    status = codes(Partnership.Status, "PartnershipStatusEnum", read_only=True)
    call = serializers.IntegerField(source="call_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True)


class PartnershipCreateSerializer(serializers.Serializer):
    proposer = serializers.SlugField(
        max_length=80, help_text="Slug of your organisation (you are its admin)."
    )
    partner = serializers.SlugField(
        max_length=80, help_text="Slug of the organisation you propose to."
    )
    description = StrictCharField(max_length=500, help_text="The joint work.")


class PartnershipFilterSerializer(serializers.Serializer):
    status = codes(Partnership.Status, "PartnershipStatusEnum", required=False)


class InterestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    message = serializers.CharField(read_only=True)
    chosen = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    kind = codes(CallForCollaboration.Kind, "CallKindEnum", read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    deadline = serializers.DateField(
        read_only=True, help_text="The last day to express interest."
    )
    status = codes(CallForCollaboration.Status, "CallStatusEnum", read_only=True)
    accepts_interest = serializers.BooleanField(read_only=True)
    interest_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class CallDetailSerializer(CallSerializer):
    interests = serializers.SerializerMethodField(
        help_text="All of them for the call's admins; yours for everyone else."
    )
    partners = serializers.SerializerMethodField()

    @extend_schema_field(InterestSerializer(many=True))
    def get_interests(self, call: CallForCollaboration) -> Any:
        return InterestSerializer(self.context["interests"], many=True).data

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_partners(self, call: CallForCollaboration) -> Any:
        partners = [p.partner for p in call.partnerships.select_related("partner")]
        return OrganisationRefSerializer(partners, many=True).data


class CallCreateSerializer(serializers.Serializer):
    organisation = serializers.SlugField(
        max_length=80, help_text="Slug of your organisation (you are its admin)."
    )
    kind = codes(CallForCollaboration.Kind, "CallKindEnum")
    title = StrictCharField(max_length=160)
    description = StrictCharField(max_length=10000, help_text="Markdown.")
    deadline = serializers.DateField(
        help_text="The last day to express interest; after today."
    )


class CallFilterSerializer(serializers.Serializer):
    status = codes(CallForCollaboration.Status, "CallStatusEnum", required=False)


class InterestCreateSerializer(serializers.Serializer):
    organisation = serializers.SlugField(
        max_length=80,
        help_text="Slug of your organisation (you are an admin or practitioner).",
    )
    message = StrictCharField(max_length=500)


class ChoosePartnersSerializer(serializers.Serializer):
    organisations = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        min_length=1,
        max_length=50,
        help_text="Slugs of interested organisations to become partners.",
    )


class CreditSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer(read_only=True)
    role = serializers.CharField(read_only=True)


class StorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True, help_text="Markdown.")
    status = codes(SuccessStory.Status, "StoryStatusEnum", read_only=True)
    source = codes(SuccessStory.Source, "StorySourceEnum", read_only=True)  # type: ignore[assignment]
    entrepreneur = serializers.SerializerMethodField(
        help_text="Null unless the entrepreneur chose to show their name, or it is you."
    )
    show_entrepreneur_name = serializers.BooleanField(read_only=True)
    credits = CreditSerializer(many=True, read_only=True)
    people = serializers.SerializerMethodField(
        help_text="People credited; only for signed-in callers."
    )
    celebration_count = serializers.IntegerField(read_only=True)
    celebrated = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def _viewer(self) -> Any:
        return self.context["request"].user

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_entrepreneur(self, story: SuccessStory) -> dict[str, Any] | None:
        viewer = self._viewer()
        shown = (
            story.show_entrepreneur_name
            or not story.is_published
            or (viewer.is_authenticated and viewer.pk == story.entrepreneur_id)
        )
        if story.entrepreneur is None or not shown:
            return None
        return PersonRefSerializer(story.entrepreneur).data

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_people(self, story: SuccessStory) -> Any:
        if not self._viewer().is_authenticated:
            return []
        return PersonRefSerializer(story.credited_people.all(), many=True).data

    def get_celebrated(self, story: SuccessStory) -> bool:
        return story.pk in self.context.get("celebrated", set())


class CreditInputSerializer(serializers.Serializer):
    organisation = serializers.SlugField(max_length=80)
    role = StrictCharField(max_length=120, help_text="e.g. referred")


class StoryCreateSerializer(serializers.Serializer):
    organisation = serializers.SlugField(
        max_length=80,
        help_text="Your organisation (admin or practitioner); credited first.",
    )
    role = StrictCharField(
        max_length=120, help_text="What your organisation did, e.g. mentored."
    )
    title = StrictCharField(max_length=160)
    body = StrictCharField(max_length=10000, help_text="Markdown.")
    credits = CreditInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=11, help_text="Other organisations."
    )
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=20,
        help_text="Member ids of people to credit.",
    )
    entrepreneur = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="Member id of the entrepreneur; they approve the story.",
    )


class StoryEditSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160, required=False)
    body = StrictCharField(max_length=10000, required=False, help_text="Markdown.")


class ApproveSerializer(serializers.Serializer):
    show_entrepreneur_name = StrictBooleanField(
        required=False, help_text="The entrepreneur's choice; only they may send it."
    )


class StoryFilterSerializer(serializers.Serializer):
    status = codes(
        SuccessStory.Status,
        "StoryStatusEnum",
        required=False,
        help_text="published (default), or your unpublished ones.",
    )
    organisation = serializers.SlugField(
        max_length=80, required=False, help_text="Only stories crediting it."
    )


class CelebrationSerializer(serializers.Serializer):
    celebrated = serializers.BooleanField()
    celebration_count = serializers.IntegerField()


# --- helpers ------------------------------------------------------------------------


def _organisation(request: Request, slug: str, field: str) -> Organisation:
    """An organisation the caller may see, or a 400 naming the field."""
    try:
        return get_organisation_for_user(request.user, slug)
    except Http404:
        raise serializers.ValidationError({field: ["No such organisation."]}) from None


def _members(ids: list[int], field: str) -> list[User]:
    found = {
        user.profile.pk: user
        for user in User.objects.filter(
            profile__pk__in=ids, is_active=True, suspended_at__isnull=True
        ).select_related("profile")
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({field: [f"No such member: {missing[0]}."]})
    return [found[i] for i in ids]


def _partnership(request: Request, pk: int) -> Partnership:
    return permissions.get_partnership_for_user(request.user, pk)


def _partnership_response(partnership: Partnership, code: int = 200) -> Response:
    partnership = selectors.partnership_queryset().get(pk=partnership.pk)
    return Response(PartnershipSerializer(partnership).data, status=code)


def _call_response(
    request: Request, call: CallForCollaboration, code: int = 200
) -> Response:
    call = permissions.get_call_for_user(request.user, call.pk)
    interests = selectors.interests_shown_to(request.user, call)
    data = CallDetailSerializer(call, context={"interests": interests}).data
    return Response(data, status=code)


def _story(request: Request, pk: int) -> SuccessStory:
    return permissions.get_story_for_user(request.user, pk)


def _story_data(request: Request, story: SuccessStory) -> dict[str, Any]:
    story = _story(request, story.pk)
    return StorySerializer(
        story,
        context={
            "request": request,
            "celebrated": selectors.celebrated_ids(request.user, [story]),
        },
    ).data


class NewestFirst(IdCursorPagination):
    ordering = "-id"


class PublishedFirst(CursorPagination):
    ordering = ("-published_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 100

    get_page_size = IdCursorPagination.get_page_size


# --- partnerships -----------------------------------------------------------------


class PartnershipList(generics.ListAPIView):
    serializer_class = PartnershipSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Partnership.objects.none()
        params = PartnershipFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        partnerships = selectors.partnerships_for(self.request.user).order_by("-id")
        if "status" in params.validated_data:
            partnerships = partnerships.filter(status=params.validated_data["status"])
        return partnerships

    @extend_schema(
        parameters=[PartnershipFilterSerializer],
        summary="Partnerships of your organisations (all of them where you are admin)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=PartnershipCreateSerializer,
        responses={201: PartnershipSerializer},
        summary="Propose a partnership (admins of the proposing organisation)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = PartnershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposer = _organisation(request, data["proposer"], "proposer")
        partner = _organisation(request, data["partner"], "partner")
        partnership = services.propose_partnership(
            proposer, by=request.user, partner=partner, description=data["description"]
        )
        return _partnership_response(partnership, status.HTTP_201_CREATED)


class PartnershipDetail(APIView):
    @extend_schema(responses=PartnershipSerializer, summary="One partnership")
    def get(self, request: Request, pk: int) -> Response:
        return Response(PartnershipSerializer(_partnership(request, pk)).data)


class PartnershipAccept(APIView):
    @extend_schema(
        request=None,
        responses=PartnershipSerializer,
        summary="Accept a proposed partnership (admins of the proposed partner)",
    )
    def post(self, request: Request, pk: int) -> Response:
        partnership = services.accept_partnership(
            _partnership(request, pk), by=request.user
        )
        return _partnership_response(partnership)


class PartnershipDecline(APIView):
    @extend_schema(
        request=None,
        responses=PartnershipSerializer,
        summary="Decline a proposed partnership (admins of the proposed partner)",
    )
    def post(self, request: Request, pk: int) -> Response:
        partnership = services.decline_partnership(
            _partnership(request, pk), by=request.user
        )
        return _partnership_response(partnership)


class PartnershipEnd(APIView):
    @extend_schema(
        request=None,
        responses=PartnershipSerializer,
        summary="End an active partnership (either side), or withdraw a proposal",
    )
    def post(self, request: Request, pk: int) -> Response:
        partnership = services.end_partnership(
            _partnership(request, pk), by=request.user
        )
        return _partnership_response(partnership)


# --- calls ------------------------------------------------------------------------


class CallList(generics.ListAPIView):
    serializer_class = CallSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return CallForCollaboration.objects.none()
        params = CallFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        calls = selectors.calls_for(self.request.user).order_by("-id")
        if "status" in params.validated_data:
            calls = calls.filter(status=params.validated_data["status"])
        return calls

    @extend_schema(
        parameters=[CallFilterSerializer],
        summary="Calls for collaboration, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CallCreateSerializer,
        responses={201: CallDetailSerializer},
        summary="Post a call for collaboration (organisation admins)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = CallCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organisation = _organisation(request, data.pop("organisation"), "organisation")
        call = services.post_call(organisation, by=request.user, **data)
        return _call_response(request, call, status.HTTP_201_CREATED)


class CallDetail(APIView):
    @extend_schema(responses=CallDetailSerializer, summary="One call for collaboration")
    def get(self, request: Request, pk: int) -> Response:
        call = permissions.get_call_for_user(request.user, pk)
        return _call_response(request, call)


class CallInterests(APIView):
    @extend_schema(
        request=InterestCreateSerializer,
        responses={201: InterestSerializer},
        summary="Express interest on behalf of one of your organisations",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        call = permissions.get_call_for_user(request.user, pk)
        serializer = InterestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = _organisation(request, data["organisation"], "organisation")
        interest = services.express_interest(
            call, by=request.user, organisation=organisation, message=data["message"]
        )
        interest = Interest.objects.select_related("organisation").get(pk=interest.pk)
        return Response(
            InterestSerializer(interest).data, status=status.HTTP_201_CREATED
        )


class CallPartners(APIView):
    @extend_schema(
        request=ChoosePartnersSerializer,
        responses=CallDetailSerializer,
        summary="Choose partners among the interested organisations; closes the call",
    )
    def post(self, request: Request, pk: int) -> Response:
        call = permissions.get_call_for_user(request.user, pk)
        serializer = ChoosePartnersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slugs = list(dict.fromkeys(serializer.validated_data["organisations"]))
        organisations = list(Organisation.objects.filter(slug__in=slugs))
        if len(organisations) != len(slugs):
            raise serializers.ValidationError(
                {
                    "organisations": [
                        "Choose only organisations that expressed interest."
                    ]
                }
            )
        services.choose_partners(call, by=request.user, organisations=organisations)
        return _call_response(request, call)


class CallClose(APIView):
    @extend_schema(
        request=None,
        responses=CallDetailSerializer,
        summary="Close a call without choosing partners (the call's admins)",
    )
    def post(self, request: Request, pk: int) -> Response:
        call = permissions.get_call_for_user(request.user, pk)
        services.close_call(call, by=request.user)
        return _call_response(request, call)


# --- stories ----------------------------------------------------------------------


class StoryList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = StorySerializer
    pagination_class = PublishedFirst
    filter_backends: list[Any] = []

    def _params(self) -> dict[str, Any]:
        if not hasattr(self, "_validated"):
            params = StoryFilterSerializer(data=self.request.query_params.dict())
            params.is_valid(raise_exception=True)
            self._validated = dict(params.validated_data)
        return self._validated

    def _published(self) -> bool:
        wanted = self._params().get("status", SuccessStory.Status.PUBLISHED)
        return bool(wanted == SuccessStory.Status.PUBLISHED)

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_story_paginator"):
            published = getattr(self, "swagger_fake_view", False) or self._published()
            self._story_paginator = PublishedFirst() if published else NewestFirst()
        return self._story_paginator

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SuccessStory.objects.none()
        params = self._params()
        if self._published():
            stories = selectors.published_stories()
        else:
            stories = selectors.unpublished_stories_for(self.request.user).filter(
                status=params["status"]
            )
        if params.get("organisation"):
            organisation = _organisation(
                self.request, params["organisation"], "organisation"
            )
            stories = stories.filter(credits__organisation=organisation)
        return stories

    @extend_schema(
        parameters=[StoryFilterSerializer],
        summary="Published success stories, newest first (or your unpublished ones)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        context = {
            "request": request,
            "celebrated": selectors.celebrated_ids(request.user, page),
        }
        return self.get_paginated_response(
            StorySerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=StoryCreateSerializer,
        responses={201: StorySerializer},
        summary="Write a story by hand (admins and practitioners); saved as a draft",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        serializer = StoryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = _organisation(request, data["organisation"], "organisation")
        credits = [
            (_organisation(request, c["organisation"], "credits"), c["role"])
            for c in data.get("credits", [])
        ]
        entrepreneur = None
        if data.get("entrepreneur"):
            entrepreneur = _members([data["entrepreneur"]], "entrepreneur")[0]
        story = services.write_story(
            organisation,
            by=request.user,
            title=data["title"],
            body=data["body"],
            role=data["role"],
            credits=credits,
            people=_members(data.get("people", []), "people"),
            entrepreneur=entrepreneur,
        )
        return Response(_story_data(request, story), status=status.HTTP_201_CREATED)


class StoryDetail(APIView):
    permission_classes = [AllowAny]
    schema = ConflictAutoSchema()

    @extend_schema(
        responses=StorySerializer,
        summary="One story: published, or one you are involved in",
    )
    def get(self, request: Request, pk: int) -> Response:
        return with_etag(Response(_story_data(request, _story(request, pk))))

    @extend_schema(
        request=StoryEditSerializer,
        responses=StorySerializer,
        summary="Edit a draft's title and text (the entrepreneur and the authors)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        story = _story(request, pk)
        serializer = StoryEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            SuccessStory.objects.select_for_update().filter(pk=pk).first()
            check_if_match(request, _story_data(request, story))
            services.edit_story(
                story,
                by=request.user,
                title=data.get("title", story.title),
                body=data.get("body", story.body),
            )
        return with_etag(Response(_story_data(request, story)))


class StoryApprove(APIView):
    @extend_schema(
        request=ApproveSerializer,
        responses=StorySerializer,
        summary="Publish a story: the entrepreneur approves it (or, with no "
        "entrepreneur named, an admin of the author's organisation)",
    )
    def post(self, request: Request, pk: int) -> Response:
        story = _story(request, pk)
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.publish_story(
            story,
            by=request.user,
            show_entrepreneur_name=serializer.validated_data.get(
                "show_entrepreneur_name"
            ),
        )
        return Response(_story_data(request, story))


class StoryDecline(APIView):
    @extend_schema(
        request=None,
        responses=StorySerializer,
        summary="Decline a draft story (whoever would approve it)",
    )
    def post(self, request: Request, pk: int) -> Response:
        story = services.decline_story(_story(request, pk), by=request.user)
        return Response(_story_data(request, story))


class StoryWithdraw(APIView):
    @extend_schema(
        request=None,
        responses=StorySerializer,
        summary="Withdraw a published story (the entrepreneur or the authors)",
    )
    def post(self, request: Request, pk: int) -> Response:
        story = services.withdraw_story(_story(request, pk), by=request.user)
        return Response(_story_data(request, story))


class StoryCelebration(APIView):
    def _answer(self, request: Request, story: SuccessStory) -> Response:
        celebrated = story.pk in selectors.celebrated_ids(request.user, [story])
        return Response(
            {
                "celebrated": celebrated,
                "celebration_count": selectors.celebration_count(story),
            }
        )

    @extend_schema(
        request=None,
        responses=CelebrationSerializer,
        summary="Celebrate a published story (once per person; repeating is harmless)",
    )
    def post(self, request: Request, pk: int) -> Response:
        story = _story(request, pk)
        services.celebrate_story(story, by=request.user)
        return self._answer(request, story)

    @extend_schema(
        responses=CelebrationSerializer, summary="Take your celebration back"
    )
    def delete(self, request: Request, pk: int) -> Response:
        story = _story(request, pk)
        services.uncelebrate_story(story, by=request.user)
        return self._answer(request, story)


urlpatterns = [
    path("partnerships", PartnershipList.as_view(), name="partnerships"),
    path("partnerships/<int:pk>", PartnershipDetail.as_view(), name="partnership"),
    path(
        "partnerships/<int:pk>/accept",
        PartnershipAccept.as_view(),
        name="partnership-accept",
    ),
    path(
        "partnerships/<int:pk>/decline",
        PartnershipDecline.as_view(),
        name="partnership-decline",
    ),
    path("partnerships/<int:pk>/end", PartnershipEnd.as_view(), name="partnership-end"),
    path("calls", CallList.as_view(), name="calls"),
    path("calls/<int:pk>", CallDetail.as_view(), name="call"),
    path("calls/<int:pk>/interests", CallInterests.as_view(), name="call-interests"),
    path("calls/<int:pk>/partners", CallPartners.as_view(), name="call-partners"),
    path("calls/<int:pk>/close", CallClose.as_view(), name="call-close"),
    path("stories", StoryList.as_view(), name="stories"),
    path("stories/<int:pk>", StoryDetail.as_view(), name="story"),
    path("stories/<int:pk>/approve", StoryApprove.as_view(), name="story-approve"),
    path("stories/<int:pk>/decline", StoryDecline.as_view(), name="story-decline"),
    path("stories/<int:pk>/withdraw", StoryWithdraw.as_view(), name="story-withdraw"),
    path(
        "stories/<int:pk>/celebration",
        StoryCelebration.as_view(),
        name="story-celebration",
    ),
]
