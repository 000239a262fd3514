"""REST API of groups (communities of practice): groups, membership, threads,
replies and the resource library. Its urlpatterns are appended in
kindred/api/urls.py.

A private group's threads, files and members answer 404 to non-members, exactly
like a group that does not exist. An archived group is read-only: a write is a
409 problem and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import Profile
from kindred.api.collaboration import MAX_ID, codes
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.api.serializers import (
    OrganisationRefSerializer,
    StrictBooleanField,
    StrictCharField,
    TermSerializer,
)
from kindred.communities import permissions, selectors, services, uploads
from kindred.communities.models import Group, Membership, Reply, Resource, Thread
from kindred.communities.uploads import download_response
from kindred.core.models import Topic
from kindred.organisations.models import Organisation

# --- serializers ------------------------------------------------------------------


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    purpose = serializers.CharField(read_only=True, help_text="Markdown.")
    kind = codes(Group.Kind, "GroupKindEnum", read_only=True)
    joining = codes(Group.Joining, "GroupJoiningEnum", read_only=True)
    visibility = codes(Group.Visibility, "GroupVisibilityEnum", read_only=True)
    status = codes(Group.Status, "GroupStatusEnum", read_only=True)
    topics = TermSerializer(many=True, read_only=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    member_count = serializers.SerializerMethodField(
        help_text="Null for a private group you are not a member of."
    )
    created_at = serializers.DateTimeField(read_only=True)

    def get_member_count(self, group: Group) -> int | None:
        member_of = self.context.get("member_of", frozenset())
        if group.visibility == Group.Visibility.PUBLIC or group.pk in member_of:
            return int(group.member_count)  # type: ignore[attr-defined]
        return None


class GroupDetailSerializer(GroupSerializer):
    can_read = serializers.BooleanField(
        read_only=True, help_text="Whether you may read its threads, files, members."
    )
    my_membership = serializers.SerializerMethodField(
        help_text="Your place in the group: requested, invited, active, left, "
        "removed, or null."
    )
    my_role = serializers.SerializerMethodField()
    facilitators = serializers.SerializerMethodField(
        help_text="Empty unless you may read the group."
    )

    @extend_schema_field(
        codes(Membership.Status, "GroupMembershipStatusEnum", allow_null=True)
    )
    def get_my_membership(self, group: Group) -> str | None:
        membership = self.context.get("membership")
        return membership.status if membership else None

    @extend_schema_field(codes(Membership.Role, "GroupRoleEnum", allow_null=True))
    def get_my_role(self, group: Group) -> str | None:
        membership = self.context.get("membership")
        return membership.role if membership else None

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_facilitators(self, group: Group) -> Any:
        if not self.context.get("can_read"):
            return []
        return PersonRefSerializer(
            [m.user for m in selectors.facilitators(group)], many=True
        ).data


class GroupCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=120)
    purpose = StrictCharField(max_length=4000, help_text="Markdown.")
    joining = codes(Group.Joining, "GroupJoiningEnum", required=False)
    visibility = codes(Group.Visibility, "GroupVisibilityEnum", required=False)
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=8,
        help_text="Topic ids.",
    )
    organisation = serializers.SlugField(
        max_length=80,
        required=False,
        help_text="Slug of an organisation you belong to, if it hosts the group.",
    )


class GroupFilterSerializer(serializers.Serializer):
    q = StrictCharField(
        max_length=100, required=False, help_text="Words in the name or purpose."
    )
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    mine = serializers.BooleanField(
        required=False, help_text="Only groups you belong to."
    )

    def validate_q(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("NUL characters are not allowed.")
        return value.strip()


class GroupJoinSerializer(serializers.Serializer):
    message = StrictCharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="For the facilitators of a request-to-join group.",
    )


class GroupMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    member = PersonRefSerializer(source="user", read_only=True)
    role = codes(Membership.Role, "GroupRoleEnum", read_only=True)
    status = codes(Membership.Status, "GroupMembershipStatusEnum", read_only=True)
    joined_at = serializers.DateTimeField(read_only=True, allow_null=True)


class GroupDecisionSerializer(serializers.Serializer):
    accept = StrictBooleanField()


class GroupInviteSerializer(serializers.Serializer):
    member = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Member id of the person to invite."
    )


class GroupDeclineSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=500, required=False, allow_blank=True)


class GroupThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    author = PersonRefSerializer(read_only=True, allow_null=True)
    pinned = serializers.BooleanField(read_only=True)
    hidden = serializers.BooleanField(read_only=True)
    answer = serializers.IntegerField(
        source="answer_id", read_only=True, allow_null=True
    )
    reply_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_activity_at = serializers.DateTimeField(read_only=True)


class GroupThreadDetailSerializer(GroupThreadSerializer):
    body = serializers.CharField(read_only=True, help_text="Markdown.")
    following = serializers.SerializerMethodField()

    def get_following(self, thread: Thread) -> bool:
        return bool(self.context.get("following"))


class GroupThreadPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = GroupThreadSerializer(many=True)


class GroupThreadPageParams(serializers.Serializer):
    page = serializers.IntegerField(
        min_value=1,
        max_value=100_000,
        required=False,
        help_text="Pinned first, then newest activity; 20 a page.",
    )


class GroupThreadCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    body = StrictCharField(
        max_length=10000, help_text="Markdown; @Name mentions a member."
    )


class GroupReplySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = PersonRefSerializer(read_only=True, allow_null=True)
    body = serializers.SerializerMethodField(
        help_text="Markdown; empty when a facilitator hid it (for non-facilitators)."
    )
    hidden = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_body(self, reply: Any) -> str:
        if reply.hidden and not self.context.get("moderator"):
            return ""
        return str(reply.body)


class GroupReplyCreateSerializer(serializers.Serializer):
    body = StrictCharField(
        max_length=10000, help_text="Markdown; @Name mentions a member."
    )


class GroupAnswerSerializer(serializers.Serializer):
    reply = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="The reply that answers the thread, or null to clear the mark.",
    )


class GroupFollowSerializer(serializers.Serializer):
    following = serializers.BooleanField()


class GroupResourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = codes(Resource.Kind, "ResourceKindEnum", read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    url = serializers.CharField(read_only=True, help_text="For links; empty for files.")
    file_name = serializers.CharField(
        source="original_name", read_only=True, help_text="For files."
    )
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    topics = TermSerializer(many=True, read_only=True)
    useful_count = serializers.IntegerField(read_only=True)
    useful = serializers.BooleanField(
        source="voted", read_only=True, help_text="Whether you found it useful."
    )
    hidden = serializers.BooleanField(read_only=True)
    added_by = PersonRefSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class GroupLinkCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    url = StrictCharField(max_length=500, help_text="https:// or http:// address.")
    description = StrictCharField(
        max_length=4000, required=False, allow_blank=True, help_text="Markdown."
    )
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=8,
    )


class GroupUploadSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    file = serializers.FileField(
        help_text="PDF, PNG, JPEG, DOCX, XLSX, PPTX, TXT or CSV; its content must "
        "match its extension."
    )
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True
    )


class GroupUsefulSerializer(serializers.Serializer):
    useful = serializers.BooleanField()
    useful_count = serializers.IntegerField()


# --- helpers ------------------------------------------------------------------------


def _group(request: Request, slug: str) -> Group:
    return permissions.get_group_for_user(request.user, slug)


def _readable(request: Request, slug: str) -> Group:
    return permissions.get_readable_group_for_user(request.user, slug)


def _thread(request: Request, slug: str, pk: int) -> tuple[Group, Thread]:
    group = _readable(request, slug)
    return group, permissions.get_thread_for_user(request.user, group, pk)


def _topics(ids: list[int], field: str) -> list[Topic]:
    found = {t.pk: t for t in Topic.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({field: [f"No such topic: {missing[0]}."]})
    return [found[i] for i in dict.fromkeys(ids)]


def _group_response(request: Request, group: Group, code: int = 200) -> Response:
    selectors.forget_memberships(request.user)
    group = (
        Group.objects.select_related("organisation")
        .prefetch_related("topics")
        .get(pk=group.pk)
    )
    group.member_count = selectors.member_count(group)  # type: ignore[attr-defined]
    group.can_read = selectors.can_read(request.user, group)  # type: ignore[attr-defined]
    context = {
        "membership": selectors.membership_of(request.user, group),
        "can_read": group.can_read,  # type: ignore[attr-defined]
        "member_of": selectors.member_group_ids(request.user),
    }
    return Response(GroupDetailSerializer(group, context=context).data, status=code)


def _thread_response(request: Request, thread: Thread, code: int = 200) -> Response:
    thread = Thread.objects.select_related("author__profile").get(pk=thread.pk)
    context = {"following": selectors.is_following(request.user, thread)}
    return Response(
        GroupThreadDetailSerializer(thread, context=context).data, status=code
    )


def _resource_response(
    request: Request, group: Group, resource: Resource, code: int = 200
) -> Response:
    resource = selectors.resources_shown(group, request.user).get(pk=resource.pk)
    return Response(GroupResourceSerializer(resource).data, status=code)


class NewestFirst(IdCursorPagination):
    ordering = "-id"


# --- groups -------------------------------------------------------------------------


class GroupList(generics.ListAPIView):
    serializer_class = GroupSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Group.objects.none()
        params = GroupFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return selectors.group_list(
            self.request.user,
            query=data.get("q", ""),
            topic=data.get("topic"),
            mine=bool(data.get("mine")),
        ).order_by("id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["member_of"] = selectors.member_group_ids(self.request.user)
        return context

    @extend_schema(
        parameters=[GroupFilterSerializer],
        summary="Groups: every active or archived one (private ones by name and "
        "purpose only), plus your proposals",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=GroupCreateSerializer,
        responses={201: GroupDetailSerializer},
        summary="Propose a group; you become its facilitator. It waits for a "
        "steward unless approval is switched off",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = GroupCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = None
        if data.get("organisation"):
            organisation = Organisation.objects.filter(
                slug=data["organisation"],
                is_active=True,
                memberships__user=request.user,
            ).first()
            if organisation is None:
                raise serializers.ValidationError(
                    {"organisation": ["Choose an organisation you belong to."]}
                )
        group = services.propose_group(
            by=request.user,
            name=data["name"],
            purpose=data["purpose"],
            joining=data.get("joining", Group.Joining.OPEN),
            visibility=data.get("visibility", Group.Visibility.PUBLIC),
            topics=_topics(data.get("topics", []), "topics"),
            organisation=organisation,
        )
        return _group_response(request, group, status.HTTP_201_CREATED)


class GroupDetail(APIView):
    @extend_schema(responses=GroupDetailSerializer, summary="One group")
    def get(self, request: Request, slug: str) -> Response:
        return _group_response(request, _group(request, slug))


class GroupApprove(APIView):
    @extend_schema(
        request=None,
        responses=GroupDetailSerializer,
        summary="Approve a proposed group (stewards)",
    )
    def post(self, request: Request, slug: str) -> Response:
        group = services.approve_group(_group(request, slug), by=request.user)
        return _group_response(request, group)


class GroupDecline(APIView):
    @extend_schema(
        request=GroupDeclineSerializer,
        responses=GroupDetailSerializer,
        summary="Decline a proposed group (stewards); the reason goes to the proposer",
    )
    def post(self, request: Request, slug: str) -> Response:
        group = _group(request, slug)
        serializer = GroupDeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = services.decline_group(
            group, by=request.user, reason=serializer.validated_data.get("reason", "")
        )
        return _group_response(request, group)


class GroupArchive(APIView):
    @extend_schema(
        request=None,
        responses=GroupDetailSerializer,
        summary="Archive a group: read-only from now on (facilitators)",
    )
    def post(self, request: Request, slug: str) -> Response:
        group = services.archive_group(_group(request, slug), by=request.user)
        return _group_response(request, group)


class GroupMembership(APIView):
    @extend_schema(
        request=GroupJoinSerializer,
        responses={200: GroupMembershipSerializer},
        summary="Join an open group, ask to join a request-only one, or accept an "
        "invitation",
    )
    def post(self, request: Request, slug: str) -> Response:
        group = _group(request, slug)
        serializer = GroupJoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.join_group(
            group, by=request.user, message=serializer.validated_data.get("message", "")
        )
        return Response(GroupMembershipSerializer(membership).data)

    @extend_schema(
        request=None,
        responses={200: GroupMembershipSerializer},
        summary="Leave the group, withdraw a request or decline an invitation",
    )
    def delete(self, request: Request, slug: str) -> Response:
        membership = services.leave_group(_group(request, slug), by=request.user)
        return Response(GroupMembershipSerializer(membership).data)


class GroupMembers(generics.ListAPIView):
    serializer_class = GroupMembershipSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        group = _readable(self.request, self.kwargs["slug"])
        return selectors.members(group).order_by("id")

    @extend_schema(summary="Active members of a group you may read")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class GroupJoinRequests(generics.ListAPIView):
    serializer_class = GroupMembershipSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        group = _readable(self.request, self.kwargs["slug"])
        permissions.require_facilitator(self.request.user, group)
        return selectors.join_requests(group).order_by("id")

    @extend_schema(summary="Requests to join waiting for an answer (facilitators)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class GroupJoinDecision(APIView):
    @extend_schema(
        request=GroupDecisionSerializer,
        responses=GroupMembershipSerializer,
        summary="Accept or decline a request to join (facilitators)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        group = _readable(request, slug)
        permissions.require_facilitator(request.user, group)
        serializer = GroupDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.answer_join_request(
            permissions.get_membership_in(group, pk),
            by=request.user,
            accept=serializer.validated_data["accept"],
        )
        return Response(GroupMembershipSerializer(membership).data)


class GroupInvitations(APIView):
    @extend_schema(
        request=GroupInviteSerializer,
        responses={201: GroupMembershipSerializer},
        summary="Invite a member of Kindred into the group (facilitators)",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        group = _readable(request, slug)
        permissions.require_facilitator(request.user, group)
        serializer = GroupInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = (
            Profile.objects.listed()
            .select_related("user")
            .filter(pk=serializer.validated_data["member"])
            .first()
        )
        if profile is None:
            raise serializers.ValidationError({"member": ["No such member."]})
        membership = services.invite_to_group(group, by=request.user, user=profile.user)
        return Response(
            GroupMembershipSerializer(membership).data, status=status.HTTP_201_CREATED
        )


# --- threads and replies --------------------------------------------------------------


class GroupThreads(APIView):
    @extend_schema(
        parameters=[GroupThreadPageParams],
        responses=GroupThreadPageSerializer,
        operation_id="groups_threads_list",
        summary="A page of a group's threads: pinned first, then newest activity",
    )
    def get(self, request: Request, slug: str) -> Response:
        group = _readable(request, slug)
        params = GroupThreadPageParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        page = selectors.thread_page(
            group, request.user, params.validated_data.get("page", 1)
        )
        return Response(
            {
                "page": page.number,
                "has_next": page.has_next,
                "results": GroupThreadSerializer(page.threads, many=True).data,
            }
        )

    @extend_schema(
        request=GroupThreadCreateSerializer,
        responses={201: GroupThreadDetailSerializer},
        summary="Start a thread (members of an active group)",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        group = _readable(request, slug)
        serializer = GroupThreadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        thread = services.start_thread(
            group, by=request.user, **serializer.validated_data
        )
        return _thread_response(request, thread, status.HTTP_201_CREATED)


class ThreadDetail(APIView):
    @extend_schema(responses=GroupThreadDetailSerializer, summary="One thread")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        _group_, thread = _thread(request, slug, pk)
        return _thread_response(request, thread)


class ThreadReplies(generics.ListAPIView):
    serializer_class = GroupReplySerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Reply.objects.none()
        _group_, thread = _thread(self.request, self.kwargs["slug"], self.kwargs["pk"])
        return selectors.replies_shown(thread, self.request.user).order_by("id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            group = _readable(self.request, self.kwargs["slug"])
            context["moderator"] = permissions.can_moderate(self.request.user, group)
        return context

    @extend_schema(summary="Replies in a thread, oldest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=GroupReplyCreateSerializer,
        responses={201: GroupReplySerializer},
        summary="Reply in a thread (members); followers and mentioned members are told",
    )
    @idempotent
    def post(self, request: Request, slug: str, pk: int) -> Response:
        _group_, thread = _thread(request, slug, pk)
        serializer = GroupReplyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reply = services.reply_to_thread(
            thread, by=request.user, body=serializer.validated_data["body"]
        )
        return Response(
            GroupReplySerializer(reply).data, status=status.HTTP_201_CREATED
        )


class ThreadAnswer(APIView):
    @extend_schema(
        request=GroupAnswerSerializer,
        responses=GroupThreadDetailSerializer,
        summary="Mark a reply as the answer, or clear the mark (the asker or a "
        "facilitator)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        _group_, thread = _thread(request, slug, pk)
        serializer = GroupAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reply_id = serializer.validated_data["reply"]
        reply = None
        if reply_id is not None:
            reply = selectors.reply_in(thread, reply_id)
            if reply is None:
                raise serializers.ValidationError({"reply": ["No such reply here."]})
        services.mark_answer(thread, by=request.user, reply=reply)
        return _thread_response(request, thread)


class ThreadFollowing(APIView):
    @extend_schema(
        request=None,
        responses=GroupFollowSerializer,
        summary="Follow a thread (members)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        _group_, thread = _thread(request, slug, pk)
        services.follow_thread(thread, by=request.user)
        return Response({"following": True})

    @extend_schema(responses=GroupFollowSerializer, summary="Stop following a thread")
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        _group_, thread = _thread(request, slug, pk)
        services.unfollow_thread(thread, by=request.user)
        return Response({"following": False})


# --- resources ----------------------------------------------------------------------


class GroupResources(generics.ListAPIView):
    serializer_class = GroupResourceSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Resource.objects.none()
        group = _readable(self.request, self.kwargs["slug"])
        return selectors.resources_shown(group, self.request.user).order_by("-id")

    @extend_schema(summary="A group's library, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=GroupLinkCreateSerializer,
        responses={201: GroupResourceSerializer},
        summary="Add a link to the library (members)",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        group = _readable(request, slug)
        serializer = GroupLinkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        resource = services.add_link(
            group,
            by=request.user,
            title=data["title"],
            url=data["url"],
            description=data.get("description", ""),
            topics=_topics(data.get("topics", []), "topics"),
        )
        return _resource_response(request, group, resource, status.HTTP_201_CREATED)


class ResourceUpload(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": GroupUploadSerializer},
        responses={201: GroupResourceSerializer},
        summary="Upload a file to the library (members); checked by its content",
    )
    def post(self, request: Request, slug: str) -> Response:
        group = _readable(request, slug)
        serializer = GroupUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        resource = services.upload_file(
            group,
            by=request.user,
            title=data["title"],
            upload=upload,
            name=upload.name,
            size=upload.size,
            description=data.get("description", ""),
        )
        return _resource_response(request, group, resource, status.HTTP_201_CREATED)


_DOWNLOAD_TYPES = sorted(
    {t.content_type.split(";")[0] for t in uploads.ALLOWED.values()}
)


class ResourceDownload(APIView):
    @extend_schema(
        responses={
            (200, media): OpenApiResponse(OpenApiTypes.BINARY)
            for media in _DOWNLOAD_TYPES
        },
        summary="Download a library file (as an attachment)",
    )
    def get(self, request: Request, slug: str, pk: int) -> Any:
        group = _readable(request, slug)
        resource = permissions.get_resource_for_user(request.user, group, pk)
        if not resource.is_file:
            raise Http404("No such file.")
        return download_response(resource)


class ResourceUseful(APIView):
    def _answer(self, resource: Resource, useful: bool) -> Response:
        resource.refresh_from_db(fields=["useful_count"])
        return Response({"useful": useful, "useful_count": resource.useful_count})

    @extend_schema(
        request=None,
        responses=GroupUsefulSerializer,
        summary="Say a resource is useful (members; once per person)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        group = _readable(request, slug)
        resource = permissions.get_resource_for_user(request.user, group, pk)
        services.set_useful(resource, by=request.user, useful=True)
        return self._answer(resource, True)

    @extend_schema(
        responses=GroupUsefulSerializer, summary="Take your useful vote back"
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        group = _readable(request, slug)
        resource = permissions.get_resource_for_user(request.user, group, pk)
        services.set_useful(resource, by=request.user, useful=False)
        return self._answer(resource, False)


G = "groups/<slug:slug>"
urlpatterns = [
    path("groups", GroupList.as_view(), name="groups"),
    path(G, GroupDetail.as_view(), name="group"),
    path(f"{G}/approve", GroupApprove.as_view(), name="group-approve"),
    path(f"{G}/decline", GroupDecline.as_view(), name="group-decline"),
    path(f"{G}/archive", GroupArchive.as_view(), name="group-archive"),
    path(f"{G}/membership", GroupMembership.as_view(), name="group-membership"),
    path(f"{G}/members", GroupMembers.as_view(), name="group-members"),
    path(f"{G}/join-requests", GroupJoinRequests.as_view(), name="group-requests"),
    path(
        f"{G}/join-requests/<int:pk>/decision",
        GroupJoinDecision.as_view(),
        name="group-request-decision",
    ),
    path(f"{G}/invitations", GroupInvitations.as_view(), name="group-invitations"),
    path(f"{G}/threads", GroupThreads.as_view(), name="group-threads"),
    path(f"{G}/threads/<int:pk>", ThreadDetail.as_view(), name="group-thread"),
    path(
        f"{G}/threads/<int:pk>/replies",
        ThreadReplies.as_view(),
        name="group-thread-replies",
    ),
    path(
        f"{G}/threads/<int:pk>/answer",
        ThreadAnswer.as_view(),
        name="group-thread-answer",
    ),
    path(
        f"{G}/threads/<int:pk>/following",
        ThreadFollowing.as_view(),
        name="group-thread-following",
    ),
    path(f"{G}/resources", GroupResources.as_view(), name="group-resources"),
    path(
        f"{G}/resources/upload", ResourceUpload.as_view(), name="group-resource-upload"
    ),
    path(
        f"{G}/resources/<int:pk>/download",
        ResourceDownload.as_view(),
        name="group-resource-download",
    ),
    path(
        f"{G}/resources/<int:pk>/useful",
        ResourceUseful.as_view(),
        name="group-resource-useful",
    ),
]
