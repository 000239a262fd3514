"""REST API for insights; its urlpatterns are appended in kindred/api/urls.py.

Insights, reactions, comments, follows and the feed. An insight shared with a
private group answers 404 to non-members, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import Profile
from kindred.api.collaboration import MAX_ID, codes
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.api.serializers import StrictBooleanField, StrictCharField, TermSerializer
from kindred.communities.models import Group
from kindred.core.models import Topic
from kindred.insights import permissions, selectors, services
from kindred.insights.models import (
    BODY_LIMIT,
    COMMENT_LIMIT,
    TITLE_LIMIT,
    Comment,
    Follow,
    Insight,
    Reaction,
)

# --- serializers ------------------------------------------------------------------


class InsightGroupSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class LinkPreviewSerializer(serializers.Serializer):
    status = codes(Insight.Preview, "LinkPreviewStatusEnum", read_only=True)
    title = serializers.CharField(read_only=True, help_text="Plain text.")
    description = serializers.CharField(read_only=True, help_text="Plain text.")
    site_name = serializers.CharField(read_only=True, help_text="Plain text.")


class ReactionCountsSerializer(serializers.Serializer):
    insightful = serializers.IntegerField()
    thanks = serializers.IntegerField()
    celebrate = serializers.IntegerField()


class InsightSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True, help_text="Markdown.")
    author = PersonRefSerializer(read_only=True, allow_null=True)
    group = InsightGroupSerializer(
        read_only=True, allow_null=True, help_text="Null: the whole ecosystem."
    )
    topics = TermSerializer(many=True, read_only=True)
    link = serializers.CharField(read_only=True)
    preview = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()
    my_reactions = serializers.SerializerMethodField()
    comment_count = serializers.IntegerField(read_only=True)
    hidden = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(LinkPreviewSerializer)
    def get_preview(self, insight: Insight) -> dict[str, str]:
        return {
            "status": insight.preview_status,
            "title": insight.preview_title,
            "description": insight.preview_description,
            "site_name": insight.preview_site_name,
        }

    @extend_schema_field(ReactionCountsSerializer)
    def get_reactions(self, insight: Insight) -> dict[str, int]:
        summary = getattr(insight, "reaction_summary", [])
        counts = {kind: count for kind, _label, count, _mine in summary}
        return {kind: counts.get(kind, 0) for kind in Reaction.Kind.values}

    @extend_schema_field(
        serializers.ListField(child=codes(Reaction.Kind, "ReactionKindEnum"))
    )
    def get_my_reactions(self, insight: Insight) -> list[str]:
        summary = getattr(insight, "reaction_summary", [])
        return [kind for kind, _label, _count, mine in summary if mine]


class InsightCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_LIMIT)
    body = StrictCharField(max_length=BODY_LIMIT, help_text="Markdown.")
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=5,
        help_text="Topic ids.",
    )
    link = StrictCharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="https:// or http:// address; its preview is fetched later.",
    )
    group = serializers.SlugField(
        max_length=80,
        required=False,
        help_text="Slug of a group you belong to; leave out for the whole ecosystem.",
    )


class InsightUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_LIMIT, required=False)
    body = StrictCharField(max_length=BODY_LIMIT, required=False)
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=5,
    )
    link = StrictCharField(max_length=500, required=False, allow_blank=True)


class InsightFilterSerializer(serializers.Serializer):
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    author = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A member id."
    )
    group = serializers.SlugField(max_length=80, required=False)


class ReactionSerializer(serializers.Serializer):
    kind = codes(Reaction.Kind, "ReactionKindEnum")
    on = StrictBooleanField(help_text="true to react, false to take it back.")


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = PersonRefSerializer(read_only=True, allow_null=True)
    body = serializers.CharField(read_only=True, help_text="Markdown.")
    hidden = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)


class CommentWriteSerializer(serializers.Serializer):
    body = StrictCharField(max_length=COMMENT_LIMIT, help_text="Markdown.")


class FollowSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    topic = TermSerializer(read_only=True, allow_null=True)
    member = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_member(self, follow: Follow) -> Any:
        return PersonRefSerializer(follow.person).data if follow.person else None


class FollowCreateSerializer(serializers.Serializer):
    topic = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A topic id."
    )
    member = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A member id."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("topic" in attrs) == ("member" in attrs):
            raise serializers.ValidationError("Give either a topic or a member.")
        return attrs


class FeedItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["insight", "ask", "story", "member"], read_only=True
    )
    at = serializers.DateTimeField(read_only=True)
    id = serializers.IntegerField(source="pk", read_only=True)
    title = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    insight = serializers.SerializerMethodField()

    def get_title(self, item: selectors.FeedItem) -> str:
        if item.kind == "member":
            return str(item.obj.display_name)
        return str(getattr(item.obj, "title", None) or item.obj)

    def get_url(self, item: selectors.FeedItem) -> str:
        getter = getattr(item.obj, "get_absolute_url", None)
        return str(getter()) if callable(getter) else ""

    @extend_schema_field(InsightSerializer(allow_null=True))
    def get_insight(self, item: selectors.FeedItem) -> Any:
        return InsightSerializer(item.obj).data if item.kind == "insight" else None


class FeedPageSerializer(serializers.Serializer):
    next = serializers.CharField(
        allow_blank=True,
        help_text="Pass as ?after= for the next page; empty at the end.",
    )
    results = FeedItemSerializer(many=True)


class FeedParams(serializers.Serializer):
    after = StrictCharField(max_length=80, required=False, allow_blank=True)
    everything = serializers.BooleanField(
        required=False, help_text="Everything you may see, not only what you follow."
    )
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)

    def validate_after(self, value: str) -> str:
        if value and selectors.Cursor.decode(value) is None:
            raise serializers.ValidationError("Not a cursor from this feed.")
        return value


# --- helpers ------------------------------------------------------------------------


def _topics(ids: list[int]) -> list[Topic]:
    found = {t.pk: t for t in Topic.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({"topics": [f"No such topic: {missing[0]}."]})
    return [found[i] for i in dict.fromkeys(ids)]


def _insight(request: Request, pk: int) -> Insight:
    return permissions.get_insight_for_user(request.user, pk)


def _insight_response(request: Request, insight: Insight, code: int = 200) -> Response:
    insight = selectors.with_card_data(Insight.objects.filter(pk=insight.pk)).get()
    selectors.annotate_reactions([insight], request.user)
    return Response(InsightSerializer(insight).data, status=code)


class NewestFirst(IdCursorPagination):
    ordering = "-id"


# --- insights -----------------------------------------------------------------------


class InsightList(generics.ListAPIView):
    serializer_class = InsightSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Insight.objects.none()
        params = InsightFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        author = None
        if "author" in data:
            author = (
                Profile.objects.filter(pk=data["author"])
                .values_list("user_id", flat=True)
                .first()
            ) or -1
        group = None
        if "group" in data:
            group = (
                Group.objects.filter(slug=data["group"])
                .values_list("pk", flat=True)
                .first()
            ) or -1
        return selectors.list_insights(
            self.request.user, topic=data.get("topic"), author=author, group=group
        ).order_by("-id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        selectors.annotate_reactions(page or [], request.user)
        return self.get_paginated_response(InsightSerializer(page, many=True).data)

    @extend_schema(
        parameters=[InsightFilterSerializer],
        summary="Insights you may read, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=InsightCreateSerializer,
        responses={201: InsightSerializer},
        summary="Share an insight with the ecosystem or one of your groups",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = InsightCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        group = None
        if data.get("group"):
            group = next(
                (
                    g
                    for g in permissions.shareable_groups(request.user)
                    if g.slug == data["group"]
                ),
                None,
            )
            if group is None:
                raise serializers.ValidationError(
                    {"group": ["Choose an active group you belong to."]}
                )
        insight = services.share_insight(
            by=request.user,
            title=data["title"],
            body=data["body"],
            topics=_topics(data.get("topics", [])),
            group=group,
            link=data.get("link", ""),
        )
        return _insight_response(request, insight, status.HTTP_201_CREATED)


class InsightDetail(APIView):
    @extend_schema(responses=InsightSerializer, summary="One insight")
    def get(self, request: Request, pk: int) -> Response:
        return _insight_response(request, _insight(request, pk))

    @extend_schema(
        request=InsightUpdateSerializer,
        responses=InsightSerializer,
        summary="Change your insight's title, text, topics or link",
    )
    def patch(self, request: Request, pk: int) -> Response:
        insight = _insight(request, pk)
        serializer = InsightUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        topics = (
            _topics(data["topics"]) if "topics" in data else list(insight.topics.all())
        )
        services.edit_insight(
            insight,
            by=request.user,
            title=data.get("title", insight.title),
            body=data.get("body", insight.body),
            topics=topics,
            link=data.get("link", insight.link),
        )
        return _insight_response(request, insight)


class InsightReactions(APIView):
    @extend_schema(
        request=ReactionSerializer,
        responses=InsightSerializer,
        summary="React to an insight (insightful, thanks, celebrate) or take it back",
    )
    def post(self, request: Request, pk: int) -> Response:
        insight = _insight(request, pk)
        serializer = ReactionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.set_reaction(
            insight, by=request.user, kind=data["kind"], on=data["on"]
        )
        return _insight_response(request, insight)


class InsightComments(generics.ListAPIView):
    serializer_class = CommentSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        insight = _insight(self.request, self.kwargs["pk"])
        return selectors.comments_shown(insight, self.request.user).order_by("id")

    @extend_schema(summary="Comments on an insight, oldest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CommentWriteSerializer,
        responses={201: CommentSerializer},
        summary="Comment on an insight; its author is told",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        insight = _insight(request, pk)
        serializer = CommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.add_comment(
            insight, by=request.user, body=serializer.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class InsightComment(APIView):
    @extend_schema(
        request=CommentWriteSerializer,
        responses=CommentSerializer,
        summary="Change your comment; it shows as edited",
    )
    def patch(self, request: Request, pk: int, comment: int) -> Response:
        insight = _insight(request, pk)
        target = permissions.get_comment_for_user(request.user, insight, comment)
        serializer = CommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.edit_comment(
            target, by=request.user, body=serializer.validated_data["body"]
        )
        return Response(CommentSerializer(target).data)


# --- following and the feed ---------------------------------------------------------


class FollowList(generics.ListAPIView):
    serializer_class = FollowSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Follow.objects.none()
        return (
            Follow.objects.filter(follower=self.request.user)
            .select_related("topic", "person__profile")
            .order_by("id")
        )

    @extend_schema(summary="The topics and members you follow")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=FollowCreateSerializer,
        responses={201: FollowSerializer},
        summary="Follow a topic or a member: their insights come to your feed",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = FollowCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "topic" in data:
            topic = Topic.objects.filter(pk=data["topic"], is_active=True).first()
            if topic is None:
                raise serializers.ValidationError({"topic": ["No such topic."]})
            follow = services.follow_topic(topic, by=request.user)
        else:
            profile = (
                Profile.objects.listed()
                .select_related("user")
                .filter(pk=data["member"])
                .first()
            )
            if profile is None:
                raise serializers.ValidationError({"member": ["No such member."]})
            follow = services.follow_person(profile.user, by=request.user)
        follow = Follow.objects.select_related("topic", "person__profile").get(
            pk=follow.pk
        )
        return Response(FollowSerializer(follow).data, status=status.HTTP_201_CREATED)


class FollowDetail(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Stop following")
    def delete(self, request: Request, pk: int) -> Response:
        follow = (
            Follow.objects.filter(pk=pk, follower=request.user)
            .select_related("topic", "person")
            .first()
            if 0 < pk <= MAX_ID
            else None
        )
        if follow is None:
            raise Http404
        if follow.topic is not None:
            services.unfollow_topic(follow.topic, by=request.user)
        elif follow.person is not None:
            services.unfollow_person(follow.person, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Feed(APIView):
    @extend_schema(
        parameters=[FeedParams],
        responses=FeedPageSerializer,
        summary="Your feed: insights, solved asks, success stories and new members "
        "from what you follow, newest first",
    )
    def get(self, request: Request) -> Response:
        params = FeedParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        page = selectors.feed(
            request.user,
            cursor=data.get("after", ""),
            per_page=data.get("page_size", selectors.FEED_PER_PAGE),
            everything=bool(data.get("everything")),
        )
        return Response(
            {
                "next": page.next_cursor,
                "results": FeedItemSerializer(page.items, many=True).data,
            }
        )


urlpatterns = [
    path("insights", InsightList.as_view(), name="insights"),
    path("insights/feed", Feed.as_view(), name="insights-feed"),
    path("insights/follows", FollowList.as_view(), name="insights-follows"),
    path("insights/follows/<int:pk>", FollowDetail.as_view(), name="insights-follow"),
    path("insights/<int:pk>", InsightDetail.as_view(), name="insight"),
    path(
        "insights/<int:pk>/reactions",
        InsightReactions.as_view(),
        name="insight-reactions",
    ),
    path(
        "insights/<int:pk>/comments", InsightComments.as_view(), name="insight-comments"
    ),
    path(
        "insights/<int:pk>/comments/<int:comment>",
        InsightComment.as_view(),
        name="insight-comment",
    ),
]
