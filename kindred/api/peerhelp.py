"""REST API of peer help: asks, responses, helpful marks with thanks, offers,
recommendations and the give/get figures. Its urlpatterns are appended in
kindred/api/urls.py.

An ask the caller may not see (a private group's, another organisation's) answers
404, exactly like one that does not exist. Only the asker changes an ask, marks
what helped and reads its recommendations.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.api.collaboration import MAX_ID, codes
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.api.serializers import (
    StrictBooleanField,
    StrictCharField,
    TermSerializer,
)
from kindred.communities.models import Group
from kindred.communities.selectors import member_group_ids
from kindred.core.errors import NotAllowed
from kindred.core.models import Topic
from kindred.peerhelp import permissions, selectors, services
from kindred.peerhelp.models import Ask, Offer
from kindred.peerhelp.models import Response as AskResponse

# --- serializers ------------------------------------------------------------------


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise serializers.ValidationError("NUL characters are not allowed.")
    return value


class AskSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    details = serializers.CharField(read_only=True, help_text="Markdown.")
    author = PersonRefSerializer(read_only=True)
    topics = TermSerializer(many=True, read_only=True)
    urgency = codes(Ask.Urgency, "AskUrgencyEnum", read_only=True)
    kind = codes(Ask.Kind, "AskKindEnum", read_only=True)
    visibility = codes(Ask.Visibility, "AskVisibilityEnum", read_only=True)
    group = serializers.CharField(
        source="group.slug", read_only=True, allow_null=True, default=None
    )
    status = codes(Ask.Status, "AskStatusEnum", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class AskWriteSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160, validators=[_no_nul])
    details = StrictCharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        help_text="Markdown.",
        validators=[_no_nul],
    )
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=8,
        help_text="Topic ids.",
    )
    urgency = codes(Ask.Urgency, "AskUrgencyEnum", required=False)
    kind = codes(Ask.Kind, "AskKindEnum", required=False)
    visibility = codes(Ask.Visibility, "AskVisibilityEnum", required=False)
    group = serializers.SlugField(
        max_length=80,
        required=False,
        allow_null=True,
        help_text="For group asks: the slug of an active group you are a member of.",
    )


class AskUpdateSerializer(AskWriteSerializer):
    title = StrictCharField(max_length=160, required=False, validators=[_no_nul])


class AskFilterSerializer(serializers.Serializer):
    q = StrictCharField(
        max_length=100, required=False, help_text="Words in the title or details."
    )
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    status = codes(Ask.Status, "AskStatusEnum", required=False)
    mine = serializers.BooleanField(required=False, help_text="Only your asks.")

    def validate_q(self, value: str) -> str:
        return _no_nul(value).strip()


class AskCloseSerializer(serializers.Serializer):
    solved = StrictBooleanField(help_text="true: solved; false: closed unsolved.")


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = codes(AskResponse.Kind, "AskResponseKindEnum", read_only=True)
    author = PersonRefSerializer(read_only=True)
    parent = serializers.IntegerField(
        source="parent_id", read_only=True, allow_null=True
    )
    body = serializers.CharField(read_only=True, help_text="Markdown.")
    call_at = serializers.DateTimeField(read_only=True, allow_null=True)
    call_minutes = serializers.IntegerField(read_only=True)
    room_url = serializers.SerializerMethodField(
        help_text="The call's video room: only for the asker and the helper."
    )
    helped = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_room_url(self, response: AskResponse) -> str | None:
        user_id = self.context.get("user_id")
        ask_author = self.context.get("ask_author_id")
        if response.is_call and user_id in (response.author_id, ask_author):
            return response.room_url
        return None


class ResponseCreateSerializer(serializers.Serializer):
    kind = codes(AskResponse.Kind, "AskResponseKindEnum", required=False)
    body = StrictCharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        help_text="Markdown. Required for a reply.",
        validators=[_no_nul],
    )
    parent = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="The response this replies to.",
    )
    call_at = serializers.DateTimeField(
        required=False, help_text="For a call: the proposed time (with time zone)."
    )
    call_minutes = serializers.IntegerField(min_value=5, max_value=240, required=False)


class HelpfulSerializer(serializers.Serializer):
    note = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="A thank-you note for the helper.",
        validators=[_no_nul],
    )
    public = StrictBooleanField(
        required=False, help_text="Show the thank-you on the helper's thanks page."
    )


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    helper = PersonRefSerializer(read_only=True)
    title = serializers.CharField(read_only=True)
    details = serializers.CharField(read_only=True, help_text="Markdown.")
    topics = TermSerializer(many=True, read_only=True)
    format = codes(Offer.Format, "OfferFormatEnum", read_only=True)
    monthly_limit = serializers.IntegerField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class OfferWriteSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160, validators=[_no_nul])
    details = StrictCharField(
        max_length=4000, required=False, allow_blank=True, validators=[_no_nul]
    )
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=8,
    )
    format = codes(Offer.Format, "OfferFormatEnum", required=False)
    monthly_limit = serializers.IntegerField(min_value=1, max_value=20, required=False)
    is_active = StrictBooleanField(required=False)


class OfferUpdateSerializer(OfferWriteSerializer):
    title = StrictCharField(max_length=160, required=False, validators=[_no_nul])


class OfferFilterSerializer(serializers.Serializer):
    q = StrictCharField(max_length=100, required=False)
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    mine = serializers.BooleanField(
        required=False, help_text="Only your offers, paused ones included."
    )

    def validate_q(self, value: str) -> str:
        return _no_nul(value).strip()


class RecommendationSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    person = PersonRefSerializer(source="user")
    score = serializers.FloatField()
    factors = serializers.DictField(child=serializers.FloatField())
    reason = serializers.CharField()
    invited = serializers.BooleanField(help_text="Whether they were asked to help.")


class GiveGetSerializer(serializers.Serializer):
    helped = serializers.IntegerField(help_text="Distinct people you helped.")
    helped_by = serializers.IntegerField(help_text="Distinct people who helped you.")
    ecosystem = serializers.DictField(
        child=serializers.IntegerField(), help_text="Ecosystem-wide totals."
    )


# --- helpers ------------------------------------------------------------------------


def _topics(ids: list[int], field: str) -> list[Topic]:
    found = {t.pk: t for t in Topic.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({field: [f"No such topic: {missing[0]}."]})
    return [found[i] for i in dict.fromkeys(ids)]


def _group(request: Request, slug: str | None) -> Group | None:
    if not slug:
        return None
    group = Group.objects.filter(
        slug=slug, pk__in=member_group_ids(request.user)
    ).first()
    if group is None:
        raise serializers.ValidationError(
            {"group": ["Choose an active group you are a member of."]}
        )
    return group


def _ask(request: Request, pk: int) -> Ask:
    return permissions.get_ask_for_user(request.user, pk)


def _ask_response(ask: Ask, code: int = 200) -> Response:
    ask = (
        Ask.objects.select_related("author__profile", "group")
        .prefetch_related("topics")
        .get(pk=ask.pk)
    )
    return Response(AskSerializer(ask).data, status=code)


def _offer_response(offer: Offer, code: int = 200) -> Response:
    offer = (
        Offer.objects.select_related("helper__profile")
        .prefetch_related("topics")
        .get(pk=offer.pk)
    )
    return Response(OfferSerializer(offer).data, status=code)


class NewestFirst(IdCursorPagination):
    ordering = "-id"


# --- asks ---------------------------------------------------------------------------


class AskList(generics.ListAPIView):
    serializer_class = AskSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Ask.objects.none()
        params = AskFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return selectors.ask_list(
            self.request.user,
            query=data.get("q", ""),
            topic=data.get("topic"),
            status=data.get("status"),
            mine=bool(data.get("mine")),
        )

    @extend_schema(
        parameters=[AskFilterSerializer],
        summary="Asks you may see, newest first (every status unless filtered)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AskWriteSerializer,
        responses={201: AskSerializer},
        summary="Post an ask; recommended helpers are found and invited",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = AskWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ask = services.create_ask(
            by=request.user,
            title=data["title"],
            details=data.get("details", ""),
            topics=_topics(data.get("topics", []), "topics"),
            urgency=data.get("urgency", Ask.Urgency.NORMAL),
            kind=data.get("kind", Ask.Kind.ADVICE),
            visibility=data.get("visibility", Ask.Visibility.ECOSYSTEM),
            group=_group(request, data.get("group")),
        )
        return _ask_response(ask, status.HTTP_201_CREATED)


class AskDetail(APIView):
    @extend_schema(responses=AskSerializer, summary="One ask")
    def get(self, request: Request, pk: int) -> Response:
        return _ask_response(_ask(request, pk))

    @extend_schema(
        request=AskUpdateSerializer,
        responses=AskSerializer,
        summary="Change your ask; fields left out keep their value",
    )
    def patch(self, request: Request, pk: int) -> Response:
        ask = _ask(request, pk)
        serializer = AskUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        permissions.require_author(request.user, ask)
        group = _group(request, data.get("group")) if "group" in data else ask.group
        topics = (
            _topics(data["topics"], "topics")
            if "topics" in data
            else list(ask.topics.all())
        )
        services.update_ask(
            ask,
            by=request.user,
            title=data.get("title", ask.title),
            details=data.get("details", ask.details),
            topics=topics,
            urgency=data.get("urgency", ask.urgency),
            kind=data.get("kind", ask.kind),
            visibility=data.get("visibility", ask.visibility),
            group=group,
        )
        return _ask_response(ask)


class AskClose(APIView):
    @extend_schema(
        request=AskCloseSerializer,
        responses=AskSerializer,
        summary="Close your ask as solved or unsolved",
    )
    def post(self, request: Request, pk: int) -> Response:
        ask = _ask(request, pk)
        serializer = AskCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.close_ask(
            ask, by=request.user, solved=serializer.validated_data["solved"]
        )
        return _ask_response(ask)


class AskReopen(APIView):
    @extend_schema(request=None, responses=AskSerializer, summary="Reopen your ask")
    def post(self, request: Request, pk: int) -> Response:
        ask = _ask(request, pk)
        services.reopen_ask(ask, by=request.user)
        return _ask_response(ask)


class AskResponses(generics.ListAPIView):
    serializer_class = ResponseSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AskResponse.objects.none()
        ask = _ask(self.request, self.kwargs["pk"])
        self._ask = ask
        return (
            AskResponse.objects.filter(ask=ask, hidden=False)
            .select_related("author__profile")
            .order_by("id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["user_id"] = self.request.user.pk
        ask = getattr(self, "_ask", None)
        context["ask_author_id"] = ask.author_id if ask else None
        return context

    @extend_schema(summary="Responses to an ask, oldest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ResponseCreateSerializer,
        responses={201: ResponseSerializer},
        summary="Reply in writing (kind reply) or offer a call (kind call, with "
        "call_at); the asker is told",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        ask = _ask(request, pk)
        serializer = ResponseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("kind") == AskResponse.Kind.CALL:
            if "call_at" not in data:
                raise serializers.ValidationError({"call_at": ["Give a time."]})
            response = services.offer_call(
                ask,
                by=request.user,
                body=data.get("body", ""),
                call_at=data["call_at"],
                minutes=data.get("call_minutes", 30),
            )
        else:
            parent = (
                permissions.get_response_for_user(request.user, ask, data["parent"])
                if data.get("parent")
                else None
            )
            response = services.respond(
                ask, by=request.user, body=data.get("body", ""), parent=parent
            )
        context = {"user_id": request.user.pk, "ask_author_id": ask.author_id}
        return Response(
            ResponseSerializer(response, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class ResponseHelpful(APIView):
    @extend_schema(
        request=HelpfulSerializer,
        responses=ResponseSerializer,
        summary="Mark a response helpful (the asker), with an optional thank-you",
    )
    def post(self, request: Request, pk: int, response_pk: int) -> Response:
        ask = _ask(request, pk)
        response = permissions.get_response_for_user(request.user, ask, response_pk)
        serializer = HelpfulSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        response = services.mark_helpful(
            response,
            by=request.user,
            note=data.get("note", ""),
            public=bool(data.get("public")),
        )
        context = {"user_id": request.user.pk, "ask_author_id": ask.author_id}
        return Response(ResponseSerializer(response, context=context).data)


class AskRecommendations(APIView):
    @extend_schema(
        responses=RecommendationSerializer(many=True),
        summary="Recommended helpers for your ask, best first, with their reasons",
    )
    def get(self, request: Request, pk: int) -> Response:
        ask = _ask(request, pk)
        if not permissions.can_edit_ask(request.user, ask):
            raise NotAllowed("Only the person who asked sees the recommendations.")
        return Response(
            RecommendationSerializer(selectors.recommendations_for(ask), many=True).data
        )


class AsksForMe(APIView):
    @extend_schema(
        responses=AskSerializer(many=True),
        summary="Open asks you could help with, best first (up to 10)",
    )
    def get(self, request: Request) -> Response:
        asks = selectors.asks_you_could_help_with(request.user, limit=10)
        return Response(AskSerializer(asks, many=True).data)


class GiveGet(APIView):
    @extend_schema(
        responses=GiveGetSerializer,
        summary="How many people you helped and were helped by, and the "
        "ecosystem's totals (no ranking of people)",
    )
    def get(self, request: Request) -> Response:
        figures = selectors.give_get(request.user)
        return Response(
            GiveGetSerializer(
                {**figures, "ecosystem": selectors.ecosystem_totals()}
            ).data
        )


# --- offers -------------------------------------------------------------------------


class OfferList(generics.ListAPIView):
    serializer_class = OfferSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        params = OfferFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if data.get("mine"):
            offers = selectors.own_offers(self.request.user)
            if data.get("q"):
                offers = offers.filter(title__icontains=data["q"])
            if data.get("topic"):
                offers = offers.filter(topics__pk=data["topic"])
            return offers.select_related("helper__profile")
        return selectors.active_offers(query=data.get("q", ""), topic=data.get("topic"))

    @extend_schema(
        parameters=[OfferFilterSerializer],
        summary="Active offers of help, newest first (or all of yours)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=OfferWriteSerializer,
        responses={201: OfferSerializer},
        summary="Make a standing offer of help",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = OfferWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        offer = services.create_offer(
            by=request.user,
            title=data["title"],
            details=data.get("details", ""),
            topics=_topics(data.get("topics", []), "topics"),
            format=data.get("format", Offer.Format.WRITING),
            monthly_limit=data.get("monthly_limit", 4),
        )
        if data.get("is_active") is False:
            services.set_offer_active(offer, by=request.user, active=False)
        return _offer_response(offer, status.HTTP_201_CREATED)


def _visible_offer(request: Request, pk: int) -> Offer:
    """An active offer, or one of the caller's own; 404 otherwise."""
    from django.http import Http404

    if not (0 < pk <= MAX_ID):
        raise Http404("No such offer.")
    offer = (
        Offer.objects.filter(pk=pk, helper__is_active=True)
        .select_related("helper__profile")
        .first()
    )
    if offer is None or not (offer.is_active or offer.helper_id == request.user.pk):
        raise Http404("No such offer.")
    return offer


class OfferDetail(APIView):
    @extend_schema(responses=OfferSerializer, summary="One offer of help")
    def get(self, request: Request, pk: int) -> Response:
        return _offer_response(_visible_offer(request, pk))

    @extend_schema(
        request=OfferUpdateSerializer,
        responses=OfferSerializer,
        summary="Change your offer; fields left out keep their value",
    )
    def patch(self, request: Request, pk: int) -> Response:
        offer = _visible_offer(request, pk)
        serializer = OfferUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if offer.helper_id != request.user.pk:
            raise NotAllowed("Only the helper changes their offer.")
        topics = (
            _topics(data["topics"], "topics")
            if "topics" in data
            else list(offer.topics.all())
        )
        services.update_offer(
            offer,
            by=request.user,
            title=data.get("title", offer.title),
            details=data.get("details", offer.details),
            topics=topics,
            format=data.get("format", offer.format),
            monthly_limit=data.get("monthly_limit", offer.monthly_limit),
            is_active=data.get("is_active", offer.is_active),
        )
        return _offer_response(offer)

    @extend_schema(request=None, responses={204: None}, summary="Delete your offer")
    def delete(self, request: Request, pk: int) -> Response:
        offer = _visible_offer(request, pk)
        services.delete_offer(offer, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("asks", AskList.as_view(), name="asks"),
    path("asks/for-me", AsksForMe.as_view(), name="asks-for-me"),
    path("asks/give-get", GiveGet.as_view(), name="asks-give-get"),
    path("asks/<int:pk>", AskDetail.as_view(), name="ask-detail"),
    path("asks/<int:pk>/close", AskClose.as_view(), name="ask-close"),
    path("asks/<int:pk>/reopen", AskReopen.as_view(), name="ask-reopen"),
    path("asks/<int:pk>/responses", AskResponses.as_view(), name="ask-responses"),
    path(
        "asks/<int:pk>/responses/<int:response_pk>/helpful",
        ResponseHelpful.as_view(),
        name="ask-response-helpful",
    ),
    path(
        "asks/<int:pk>/recommendations",
        AskRecommendations.as_view(),
        name="ask-recommendations",
    ),
    path("offers", OfferList.as_view(), name="offers"),
    path("offers/<int:pk>", OfferDetail.as_view(), name="offer-detail"),
]
