"""REST API of networking rounds: programmes, a member's choices, their private
do-not-pair list, their introductions, and the organisers' runs and aggregates.
Its urlpatterns are appended in kindred/api/urls.py.

A programme someone may not see and an introduction they are not in answer 404
exactly like something that does not exist. The do-not-pair list is only ever
the caller's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
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
from kindred.api.serializers import StrictBooleanField, StrictCharField
from kindred.communities.models import Group
from kindred.networking import permissions, selectors, services
from kindred.networking.errors import NetworkingError
from kindred.networking.models import (
    DoNotPair,
    Introduction,
    Participation,
    Programme,
)
from kindred.organisations.models import Organisation

# --- serializers ------------------------------------------------------------------


class NetworkingProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    audience = codes(Programme.Audience, "NetworkingAudienceEnum", read_only=True)
    group = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    cadence = codes(Programme.Cadence, "NetworkingCadenceEnum", read_only=True)
    next_round_on = serializers.DateField(read_only=True)
    size = codes(Programme.Size, "NetworkingSizeEnum", read_only=True)
    favour_different_organisations = serializers.IntegerField(read_only=True)
    favour_different_sectors = serializers.IntegerField(read_only=True)
    favour_shared_interests = serializers.IntegerField(read_only=True)
    favour_newcomers = serializers.IntegerField(read_only=True)
    repeat_block_rounds = serializers.IntegerField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_group(self, programme: Programme) -> str | None:
        return programme.group.slug if programme.group_id else None  # type: ignore[union-attr]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_organisation(self, programme: Programme) -> str | None:
        organisation = programme.organisation
        return organisation.slug if organisation is not None else None


class NetworkingProgrammeInSerializer(serializers.Serializer):
    name = StrictCharField(max_length=120)
    description = StrictCharField(max_length=4000, required=False, allow_blank=True)
    audience = serializers.ChoiceField(choices=Programme.Audience.choices)
    group = StrictCharField(
        max_length=80, required=False, allow_blank=True, help_text="Group slug."
    )
    organisation = StrictCharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Slug of an organisation you are an admin of.",
    )
    cadence = serializers.ChoiceField(choices=Programme.Cadence.choices)
    next_round_on = serializers.DateField()
    size = serializers.ChoiceField(choices=Programme.Size.choices, required=False)
    favour_different_organisations = serializers.IntegerField(
        min_value=0, max_value=10, required=False
    )
    favour_different_sectors = serializers.IntegerField(
        min_value=0, max_value=10, required=False
    )
    favour_shared_interests = serializers.IntegerField(
        min_value=0, max_value=10, required=False
    )
    favour_newcomers = serializers.IntegerField(
        min_value=0, max_value=10, required=False
    )
    repeat_block_rounds = serializers.IntegerField(
        min_value=0, max_value=24, required=False
    )


class NetworkingProgrammeChangeSerializer(NetworkingProgrammeInSerializer):
    name = StrictCharField(max_length=120, required=False)
    audience = serializers.ChoiceField(
        choices=Programme.Audience.choices, required=False
    )
    cadence = serializers.ChoiceField(choices=Programme.Cadence.choices, required=False)
    next_round_on = serializers.DateField(required=False)
    is_active = StrictBooleanField(required=False)


class NetworkingParticipationSerializer(serializers.Serializer):
    opted_in = serializers.BooleanField(read_only=True)
    snoozed_next_round = serializers.BooleanField(read_only=True)
    topic_line = serializers.CharField(
        read_only=True, help_text="Your line for the next round."
    )


class NetworkingParticipationInSerializer(serializers.Serializer):
    opted_in = StrictBooleanField(required=False)
    snoozed_next_round = StrictBooleanField(required=False)
    topic_line = StrictCharField(max_length=200, required=False, allow_blank=True)


class NetworkingDoNotPairSerializer(serializers.Serializer):
    person = PersonRefSerializer(source="other", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class NetworkingDoNotPairInSerializer(serializers.Serializer):
    person = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The person's profile id."
    )


class NetworkingIntroductionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    programme = serializers.IntegerField(read_only=True)
    round_on = serializers.DateField(read_only=True)
    status = codes(
        Introduction.Status, "NetworkingIntroductionStatusEnum", read_only=True
    )
    people = PersonRefSerializer(many=True, read_only=True)
    reason = serializers.CharField(read_only=True)
    icebreakers = serializers.ListField(child=serializers.CharField(), read_only=True)
    video_url = serializers.URLField(read_only=True)
    suggested_times = serializers.ListField(
        child=serializers.DateTimeField(), read_only=True
    )
    chosen_time = serializers.DateTimeField(read_only=True, allow_null=True)
    did_meet = serializers.BooleanField(read_only=True, allow_null=True)
    rating = serializers.IntegerField(read_only=True, allow_null=True)
    stay_in_touch = serializers.BooleanField(read_only=True, allow_null=True)


class NetworkingChooseTimeInSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="With its time zone offset.")


class NetworkingFeedbackInSerializer(serializers.Serializer):
    did_meet = StrictBooleanField()
    rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    stay_in_touch = StrictBooleanField(required=False, allow_null=True)


class NetworkingRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    round_on = serializers.DateField(read_only=True)
    ran_at = serializers.DateTimeField(read_only=True)
    participants = serializers.IntegerField(read_only=True)
    introductions = serializers.IntegerField(
        source="introductions_made", read_only=True
    )
    unplaced = serializers.IntegerField(read_only=True)


class NetworkingRunInSerializer(serializers.Serializer):
    round_on = serializers.DateField(
        required=False, help_text="The round's date; today if left out."
    )


class NetworkingRoundStatsSerializer(serializers.Serializer):
    round_on = serializers.DateField(source="round.round_on")
    participants = serializers.IntegerField(source="round.participants")
    introductions = serializers.IntegerField()
    met = serializers.IntegerField()
    across_organisations = serializers.IntegerField()


class NetworkingStatsSerializer(serializers.Serializer):
    opted_in = serializers.IntegerField()
    snoozed_next = serializers.IntegerField()
    introductions = serializers.IntegerField()
    met = serializers.IntegerField()
    met_share = serializers.FloatField(allow_null=True)
    across_organisations = serializers.IntegerField()
    answers = serializers.IntegerField()
    average_rating = serializers.FloatField(
        allow_null=True, help_text="Shown from three ratings."
    )
    stay_in_touch_share = serializers.FloatField(allow_null=True)
    rounds = NetworkingRoundStatsSerializer(many=True)


# --- helpers ----------------------------------------------------------------------


def _programme(request: Request, pk: int) -> Programme:
    return permissions.get_programme_for_user(request.user, pk)


def _manage(request: Request, pk: int) -> Programme:
    programme = _programme(request, pk)
    permissions.require_manager(request.user, programme)
    return programme


def _refs(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "group" in fields:
        slug = fields.pop("group")
        group = Group.objects.filter(slug=slug).first() if slug else None
        if slug and group is None:
            raise serializers.ValidationError({"group": ["No such group."]})
        fields["group"] = group
    if "organisation" in fields:
        slug = fields.pop("organisation")
        organisation = (
            Organisation.objects.filter(slug=slug, is_active=True).first()
            if slug
            else None
        )
        if slug and organisation is None:
            raise serializers.ValidationError(
                {"organisation": ["No such organisation."]}
            )
        fields["organisation"] = organisation
    return fields


def _participation_data(
    programme: Programme, participation: Participation | None
) -> Any:
    return NetworkingParticipationSerializer(
        {
            "opted_in": bool(participation and participation.opted_in),
            "snoozed_next_round": bool(
                participation and participation.snoozes(programme.next_round_on)
            ),
            "topic_line": participation.topic_line_for(programme.next_round_on)
            if participation
            else "",
        }
    ).data


def _introduction_data(introduction: Introduction, request: Request) -> Any:
    shown = selectors.introduction_view(introduction, request.user)
    return NetworkingIntroductionSerializer(
        {
            "id": introduction.pk,
            "programme": introduction.round.programme_id,
            "round_on": introduction.round.round_on,
            "status": introduction.status,
            "people": [p.profile.user for p in shown.others],
            "reason": shown.reason,
            "icebreakers": shown.icebreakers,
            "video_url": introduction.video_url,
            "suggested_times": [
                datetime.fromisoformat(t) for t in introduction.suggested_times
            ],
            "chosen_time": introduction.chosen_time,
            "did_meet": shown.me.did_meet,
            "rating": shown.me.rating,
            "stay_in_touch": shown.me.stay_in_touch,
        }
    ).data


# --- programmes -------------------------------------------------------------------


class ProgrammeList(APIView):
    @extend_schema(
        responses=NetworkingProgrammeSerializer(many=True),
        summary="Networking programmes you may see",
    )
    def get(self, request: Request) -> Response:
        programmes = selectors.programmes_for(request.user)
        return Response(NetworkingProgrammeSerializer(programmes, many=True).data)

    @extend_schema(
        request=NetworkingProgrammeInSerializer,
        responses={201: NetworkingProgrammeSerializer},
        summary="Start a networking programme (stewards; facilitators for their group)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = NetworkingProgrammeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = services.create_programme(
            by=request.user, **_refs(serializer.validated_data)
        )
        return Response(
            NetworkingProgrammeSerializer(programme).data,
            status=status.HTTP_201_CREATED,
        )


class ProgrammeDetail(APIView):
    @extend_schema(responses=NetworkingProgrammeSerializer, summary="One programme")
    def get(self, request: Request, pk: int) -> Response:
        return Response(NetworkingProgrammeSerializer(_programme(request, pk)).data)

    @extend_schema(
        request=NetworkingProgrammeChangeSerializer,
        responses=NetworkingProgrammeSerializer,
        summary="Change a programme (its organisers)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        programme = _manage(request, pk)
        serializer = NetworkingProgrammeChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = services.update_programme(
            programme, by=request.user, **_refs(serializer.validated_data)
        )
        return Response(NetworkingProgrammeSerializer(programme).data)


class ProgrammeMe(APIView):
    @extend_schema(
        responses=NetworkingParticipationSerializer,
        summary="Your part in a programme",
    )
    def get(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        return Response(
            _participation_data(
                programme, selectors.participation_of(request.user, programme)
            )
        )

    @extend_schema(
        request=NetworkingParticipationInSerializer,
        responses=NetworkingParticipationSerializer,
        summary="Opt in or out, snooze the next round, or set your topic line",
    )
    def patch(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        serializer = NetworkingParticipationInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        services.update_participation(
            programme,
            by=user,
            opted_in=data.get("opted_in"),
            snoozed=data.get("snoozed_next_round"),
            topic_line=data.get("topic_line"),
        )
        return Response(
            _participation_data(programme, selectors.participation_of(user, programme))
        )


class ProgrammeRounds(APIView):
    @extend_schema(
        responses=NetworkingRoundSerializer(many=True),
        summary="A programme's rounds (its organisers)",
    )
    def get(self, request: Request, pk: int) -> Response:
        programme = _manage(request, pk)
        return Response(
            NetworkingRoundSerializer(selectors.rounds_of(programme), many=True).data
        )

    @extend_schema(
        request=NetworkingRunInSerializer,
        responses={201: NetworkingRoundSerializer},
        summary="Run a round now (its organisers); 409 if that date already ran",
    )
    def post(self, request: Request, pk: int) -> Response:
        programme = _manage(request, pk)
        serializer = NetworkingRunInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        round_ = services.run_round(
            programme, on=serializer.validated_data.get("round_on"), by=request.user
        )
        return Response(NetworkingRoundSerializer(round_).data, status=201)


class ProgrammeStats(APIView):
    @extend_schema(
        responses=NetworkingStatsSerializer,
        summary="Participation, meetings and feedback in aggregate (its organisers)",
    )
    def get(self, request: Request, pk: int) -> Response:
        programme = _manage(request, pk)
        stats = selectors.programme_stats(programme)
        data = {
            **{k: getattr(stats, k) for k in NetworkingStatsSerializer().fields},
        }
        return Response(NetworkingStatsSerializer(data).data)


# --- do not pair ------------------------------------------------------------------


class DoNotPairList(generics.ListAPIView):
    serializer_class = NetworkingDoNotPairSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return DoNotPair.objects.none()
        return selectors.do_not_pair_of(self.request.user).order_by("pk")

    @extend_schema(summary="Your private do-not-pair list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=NetworkingDoNotPairInSerializer,
        responses={201: NetworkingDoNotPairSerializer},
        summary="Never be paired with this person; they are never told",
    )
    def post(self, request: Request) -> Response:
        serializer = NetworkingDoNotPairInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = (
            Profile.objects.listed()
            .select_related("user")
            .filter(pk=serializer.validated_data["person"])
            .first()
        )
        if profile is None:
            raise NetworkingError("No such person.", field="person")
        entry = services.add_do_not_pair(by=request.user, other=profile.user)
        return Response(NetworkingDoNotPairSerializer(entry).data, status=201)


class DoNotPairDetail(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        summary="Take a person (profile id) off your list",
    )
    def delete(self, request: Request, person: int) -> Response:
        entry = (
            selectors.do_not_pair_of(request.user)
            .filter(other__profile__pk=person)
            .first()
        )
        if entry is None:
            raise Http404
        services.remove_do_not_pair(by=request.user, other=entry.other)
        return Response(status=204)


# --- introductions ----------------------------------------------------------------


class IntroductionList(APIView):
    @extend_schema(
        responses=NetworkingIntroductionSerializer(many=True),
        summary="Your introductions, newest round first (the latest 50)",
    )
    def get(self, request: Request) -> Response:
        found = selectors.my_introductions(request.user)[:50]
        return Response([_introduction_data(i, request) for i in found])


class IntroductionDetail(APIView):
    @extend_schema(
        responses=NetworkingIntroductionSerializer, summary="One of your introductions"
    )
    def get(self, request: Request, pk: int) -> Response:
        found = permissions.get_introduction_for_user(request.user, pk)
        return Response(_introduction_data(found, request))


class IntroductionTime(APIView):
    @extend_schema(
        request=NetworkingChooseTimeInSerializer,
        responses=NetworkingIntroductionSerializer,
        summary="Choose when you meet; the others are told",
    )
    def post(self, request: Request, pk: int) -> Response:
        found = permissions.get_introduction_for_user(request.user, pk)
        serializer = NetworkingChooseTimeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.choose_time(
            found, by=request.user, starts_at=serializer.validated_data["starts_at"]
        )
        found.refresh_from_db()
        return Response(_introduction_data(found, request))


class IntroductionFeedback(APIView):
    @extend_schema(
        request=NetworkingFeedbackInSerializer,
        responses=NetworkingIntroductionSerializer,
        summary="Did you meet? Optionally a rating (1-5) and whether to stay in touch",
    )
    def post(self, request: Request, pk: int) -> Response:
        found = permissions.get_introduction_for_user(request.user, pk)
        serializer = NetworkingFeedbackInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.record_feedback(
            found,
            by=request.user,
            did_meet=data["did_meet"],
            rating=data.get("rating"),
            stay_in_touch=data.get("stay_in_touch"),
        )
        found.refresh_from_db()
        return Response(_introduction_data(found, request))


P = "networking/programmes/<int:pk>"
urlpatterns = [
    path(
        "networking/programmes", ProgrammeList.as_view(), name="networking-programmes"
    ),
    path(P, ProgrammeDetail.as_view(), name="networking-programme"),
    path(f"{P}/me", ProgrammeMe.as_view(), name="networking-programme-me"),
    path(f"{P}/rounds", ProgrammeRounds.as_view(), name="networking-rounds"),
    path(f"{P}/stats", ProgrammeStats.as_view(), name="networking-stats"),
    path(
        "networking/do-not-pair", DoNotPairList.as_view(), name="networking-do-not-pair"
    ),
    path(
        "networking/do-not-pair/<int:person>",
        DoNotPairDetail.as_view(),
        name="networking-do-not-pair-person",
    ),
    path(
        "networking/introductions",
        IntroductionList.as_view(),
        name="networking-introductions",
    ),
    path(
        "networking/introductions/<int:pk>",
        IntroductionDetail.as_view(),
        name="networking-introduction",
    ),
    path(
        "networking/introductions/<int:pk>/time",
        IntroductionTime.as_view(),
        name="networking-introduction-time",
    ),
    path(
        "networking/introductions/<int:pk>/feedback",
        IntroductionFeedback.as_view(),
        name="networking-introduction-feedback",
    ),
]
