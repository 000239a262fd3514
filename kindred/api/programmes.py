"""REST API of cohort programmes: programmes, cohorts, places, survey instruments,
one's own survey answers, and the evaluation (aggregates only) with the
pseudonymised export for the people running a programme. Its urlpatterns are
appended in kindred/api/urls.py.

A cohort is seen by the people running its programme and by its participants;
anyone else gets 404. Nobody gets another person's answers through the API.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import User
from kindred.api.collaboration import MAX_ID, codes
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.api.schema import ProblemSerializer
from kindred.api.serializers import (
    OrganisationRefSerializer,
    StrictBooleanField,
    StrictCharField,
)
from kindred.consents import services as consent_ledger
from kindred.core.errors import NotAllowed
from kindred.directory.models import Service
from kindred.programmes import permissions, selectors, services
from kindred.programmes.models import (
    Cohort,
    Instrument,
    Item,
    Place,
    Programme,
    SurveyWindow,
    WaitingEntry,
)

# --- serializers ------------------------------------------------------------------


class ProgrammeServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    service = ProgrammeServiceRefSerializer(read_only=True)
    organisation = OrganisationRefSerializer(
        source="service.organisation", read_only=True
    )
    lead = PersonRefSerializer(read_only=True, allow_null=True)
    summary = serializers.CharField(read_only=True, help_text="Markdown.")
    created_at = serializers.DateTimeField(read_only=True)


class ProgrammeCreateSerializer(serializers.Serializer):
    service = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of a service marked a programme."
    )
    lead = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="Member id of the programme lead (staff of the organisation).",
    )
    summary = StrictCharField(max_length=4000, required=False, allow_blank=True)


class ProgrammeChangeSerializer(serializers.Serializer):
    lead = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    summary = StrictCharField(max_length=4000, required=False, allow_blank=True)


class ProgrammeWindowSerializer(serializers.Serializer):
    kind = codes(SurveyWindow.Kind, "ProgrammeWindowKindEnum", read_only=True)
    opens_on = serializers.DateField(read_only=True)
    closes_on = serializers.DateField(read_only=True)


class ProgrammeCohortSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    programme = serializers.IntegerField(source="programme_id", read_only=True)
    name = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    status = codes(Cohort.Status, "ProgrammeCohortStatusEnum", read_only=True)
    group = serializers.IntegerField(source="group_id", read_only=True, allow_null=True)
    instrument = serializers.IntegerField(
        source="instrument_id", read_only=True, allow_null=True
    )
    course = serializers.IntegerField(
        source="course_id", read_only=True, allow_null=True
    )
    mentoring = serializers.IntegerField(
        source="mentoring_id", read_only=True, allow_null=True
    )
    first_session = serializers.IntegerField(
        source="first_session_id", read_only=True, allow_null=True
    )
    next_steps = serializers.SerializerMethodField()
    windows = ProgrammeWindowSerializer(many=True, read_only=True)

    @extend_schema_field(ProgrammeServiceRefSerializer(many=True))
    def get_next_steps(self, cohort: Cohort) -> Any:
        return ProgrammeServiceRefSerializer(cohort.next_steps.all(), many=True).data


class ProgrammeSessionPlanSerializer(serializers.Serializer):
    first_starts_at = serializers.DateTimeField(
        help_text="The first session's start, with its UTC offset."
    )
    minutes = serializers.IntegerField(min_value=15, max_value=480, default=90)
    weeks = serializers.IntegerField(min_value=1, max_value=52, default=8)
    time_zone = StrictCharField(max_length=64, default="Europe/London")
    meeting_url = StrictCharField(max_length=500, required=False, allow_blank=True)


class ProgrammeCohortCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=120)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    capacity = serializers.IntegerField(min_value=1, max_value=500)
    instrument = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    course = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    mentoring = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    next_steps = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=10,
        required=False,
        help_text="Service ids to refer on to at the end.",
    )
    follow_up_on = serializers.DateField(required=False, allow_null=True)
    sessions = ProgrammeSessionPlanSerializer(required=False, allow_null=True)


class ProgrammeCohortStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Cohort.Status.choices)


class ProgrammePlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)
    participant = PersonRefSerializer(read_only=True)
    status = codes(Place.Status, "ProgrammePlaceStatusEnum", read_only=True)
    source = codes(Place.Source, "ProgrammePlaceSourceEnum", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ProgrammePlaceInSerializer(serializers.Serializer):
    participant = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Member id of the participant."
    )


class ProgrammeWaitingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    person = PersonRefSerializer(read_only=True)
    referral = serializers.IntegerField(
        source="referral_id", read_only=True, allow_null=True
    )
    created_at = serializers.DateTimeField(read_only=True)


class ProgrammeWaitingPlaceSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ProgrammeScaleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = StrictCharField(max_length=120)
    higher_is_better = StrictBooleanField(default=True)
    min_share = serializers.FloatField(min_value=0.01, max_value=1, default=0.5)


class ProgrammeItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = StrictCharField(max_length=300)
    kind = codes(Item.Kind, "ProgrammeItemKindEnum")
    scale = serializers.IntegerField(
        min_value=0,
        max_value=20,
        required=False,
        allow_null=True,
        help_text="Index of its scale in `scales` (input); the scale id (output).",
    )
    reverse = StrictBooleanField(default=False)
    required = StrictBooleanField(default=False)
    minimum = serializers.FloatField(
        required=False, allow_null=True, min_value=-1e9, max_value=1e9
    )
    maximum = serializers.FloatField(
        required=False, allow_null=True, min_value=-1e9, max_value=1e9
    )


class ProgrammeInstrumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    programme = serializers.IntegerField(source="programme_id", read_only=True)
    name = StrictCharField(max_length=160)
    introduction = StrictCharField(max_length=2000, required=False, allow_blank=True)
    scales = ProgrammeScaleSerializer(many=True, required=False, max_length=12)
    items = ProgrammeItemSerializer(many=True, max_length=60)

    def to_representation(self, instance: Instrument) -> Any:
        return {
            "id": instance.pk,
            "programme": instance.programme_id,
            "name": instance.name,
            "introduction": instance.introduction,
            "scales": [
                {
                    "id": s.pk,
                    "name": s.name,
                    "higher_is_better": s.higher_is_better,
                    "min_share": s.min_share,
                }
                for s in instance.scales.all()
            ],
            "items": [
                {
                    "id": i.pk,
                    "text": i.text,
                    "kind": i.kind,
                    "scale": i.scale_id,
                    "reverse": i.reverse,
                    "required": i.required,
                    "minimum": i.low,
                    "maximum": i.high,
                }
                for i in instance.items.all()
            ],
        }


class ProgrammeAnswerSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    value = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        allow_null=True,
        help_text="A number for scored questions (Likert 1 to 5 or 7, or within "
        "the question's range), text for free-text ones; empty to skip.",
    )


class ProgrammeResponseInSerializer(serializers.Serializer):
    answers = ProgrammeAnswerSerializer(many=True, max_length=60)


class ProgrammeResponseSerializer(serializers.Serializer):
    window = codes(SurveyWindow.Kind, "ProgrammeResponseWindowEnum", read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    answers = ProgrammeAnswerSerializer(many=True, read_only=True)


class ProgrammeScaleChangeSerializer(serializers.Serializer):
    scale = serializers.CharField(read_only=True)
    higher_is_better = serializers.BooleanField(read_only=True)
    shown = serializers.BooleanField(
        read_only=True,
        help_text="False below five pairs: every figure, `n` included, is null.",
    )
    n = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="People who answered both windows; null below five.",
    )
    enrolled = serializers.IntegerField(
        read_only=True, help_text="Everyone who has had a place, withdrawn or not."
    )
    completion_rate = serializers.FloatField(read_only=True, allow_null=True)
    mean_before = serializers.FloatField(read_only=True, allow_null=True)
    mean_after = serializers.FloatField(read_only=True, allow_null=True)
    mean_change = serializers.FloatField(read_only=True, allow_null=True)
    ci_low = serializers.FloatField(read_only=True, allow_null=True)
    ci_high = serializers.FloatField(read_only=True, allow_null=True)
    cohens_d = serializers.FloatField(read_only=True, allow_null=True)
    t = serializers.FloatField(read_only=True, allow_null=True)
    p = serializers.FloatField(read_only=True, allow_null=True)
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)


class ProgrammeCompletionSerializer(serializers.Serializer):
    window = serializers.CharField(read_only=True)
    shown = serializers.BooleanField(
        read_only=True, help_text="False when fewer than five people answered."
    )
    answered = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="How many answered; null when fewer than five did.",
    )
    enrolled = serializers.IntegerField(
        read_only=True, help_text="Everyone who has had a place, withdrawn or not."
    )


class ProgrammeEvaluationSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(read_only=True)
    compared = serializers.CharField(read_only=True)
    min_group = serializers.IntegerField(read_only=True)
    enrolled = serializers.IntegerField(read_only=True)
    completion = ProgrammeCompletionSerializer(many=True, read_only=True)
    scales = ProgrammeScaleChangeSerializer(many=True, read_only=True)


class ProgrammeEvaluationFilterSerializer(serializers.Serializer):
    compare = serializers.ChoiceField(
        choices=["exit", "follow_up"],
        required=False,
        help_text="The later window compared with entry (exit by default).",
    )


class ProgrammeMyPlaceSerializer(serializers.Serializer):
    place = ProgrammePlaceSerializer(source="*", read_only=True)
    programme = ProgrammeSerializer(source="cohort.programme", read_only=True)
    cohort = ProgrammeCohortSerializer(read_only=True)


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


# --- helpers ----------------------------------------------------------------------


def _member(pk: int, field: str) -> User:
    user = User.objects.filter(profile__pk=pk, is_active=True).first()
    if user is None:
        raise serializers.ValidationError({field: [f"No such member: {pk}."]})
    return user


def _programme(request: Request, pk: int) -> Programme:
    return permissions.get_programme_for_user(request.user, pk)


def _managed(request: Request, pk: int) -> Programme:
    return permissions.get_managed_programme(request.user, pk)


def _cohorts() -> QuerySet[Cohort]:
    return Cohort.objects.prefetch_related("windows", "next_steps").order_by("id")


# --- programmes -------------------------------------------------------------------


class ProgrammeList(generics.ListAPIView):
    serializer_class = ProgrammeSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Programme]:
        return selectors.programmes().order_by("id")

    @extend_schema(summary="Cohort programmes of the ecosystem")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProgrammeCreateSerializer,
        responses={201: ProgrammeSerializer},
        summary="Run a service of your organisation as a cohort programme",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ProgrammeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        service = Service.objects.filter(pk=data["service"]).first()
        if service is None:
            raise serializers.ValidationError({"service": ["No such service."]})
        programme = services.create_programme(
            service,
            by=request.user,
            lead=_member(data["lead"], "lead"),
            summary=data.get("summary", ""),
        )
        return Response(ProgrammeSerializer(programme).data, status=201)


class ProgrammeDetail(APIView):
    @extend_schema(responses=ProgrammeSerializer, summary="One programme")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ProgrammeSerializer(_programme(request, pk)).data)

    @extend_schema(
        request=ProgrammeChangeSerializer,
        responses=ProgrammeSerializer,
        summary="Change the lead or the description (the people running it)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        serializer = ProgrammeChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        permissions.require_manager(request.user, programme)
        lead = _member(data["lead"], "lead") if "lead" in data else None
        services.update_programme(
            programme,
            by=request.user,
            lead=lead,
            summary=data.get("summary", programme.summary),
        )
        return Response(ProgrammeSerializer(programme).data)


class ProgrammeCohorts(generics.ListAPIView):
    serializer_class = ProgrammeCohortSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Cohort]:
        if getattr(self, "swagger_fake_view", False):
            return Cohort.objects.none()
        programme = _programme(self.request, self.kwargs["pk"])
        cohorts = _cohorts().filter(programme=programme)
        if not permissions.can_manage(self.request.user, programme):
            cohorts = cohorts.exclude(
                status__in=[Cohort.Status.FINISHED, Cohort.Status.CANCELLED]
            )
        return cohorts

    @extend_schema(
        summary="A programme's cohorts (current ones; all for the people running it)"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProgrammeCohortCreateSerializer,
        responses={201: ProgrammeCohortSerializer},
        summary="Plan a cohort: its group, survey windows and optional weekly "
        "online sessions (the people running the programme)",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        serializer = ProgrammeCohortCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        permissions.require_manager(request.user, programme)
        organisation_id = programme.service.organisation_id
        instrument = course = mentoring = None
        if data.get("instrument"):
            instrument = programme.instruments.filter(pk=data["instrument"]).first()
            if instrument is None:
                raise serializers.ValidationError({"instrument": ["No such survey."]})
        if data.get("course"):
            from kindred.learning.models import Course

            course = Course.objects.filter(
                pk=data["course"], organisation_id=organisation_id
            ).first()
            if course is None:
                raise serializers.ValidationError(
                    {"course": ["Choose a course of the organisation."]}
                )
        if data.get("mentoring"):
            from kindred.mentoring.models import MentoringProgramme

            mentoring = MentoringProgramme.objects.filter(
                pk=data["mentoring"], organisation_id=organisation_id
            ).first()
            if mentoring is None:
                raise serializers.ValidationError(
                    {"mentoring": ["Choose a mentoring programme of the organisation."]}
                )
        step_ids = list(dict.fromkeys(data.get("next_steps", [])))
        steps = list(
            Service.objects.filter(pk__in=step_ids, status=Service.Status.ACTIVE)
        )
        if len(steps) != len(step_ids):
            raise serializers.ValidationError(
                {"next_steps": ["Choose active services."]}
            )
        plan = data.get("sessions")
        cohort = services.create_cohort(
            programme,
            by=request.user,
            data=services.CohortInput(
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                capacity=data["capacity"],
                instrument=instrument,
                course=course,
                mentoring=mentoring,
                next_steps=steps,
                follow_up_on=data.get("follow_up_on"),
                sessions=services.SessionPlan(
                    first_starts_at=plan["first_starts_at"],
                    minutes=plan["minutes"],
                    weeks=plan["weeks"],
                    time_zone=plan["time_zone"],
                    meeting_url=plan.get("meeting_url", ""),
                )
                if plan
                else None,
            ),
        )
        shown = _cohorts().get(pk=cohort.pk)
        return Response(ProgrammeCohortSerializer(shown).data, status=201)


class ProgrammeInstruments(generics.ListAPIView):
    serializer_class = ProgrammeInstrumentSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Instrument]:
        if getattr(self, "swagger_fake_view", False):
            return Instrument.objects.none()
        programme = _managed(self.request, self.kwargs["pk"])
        return programme.instruments.prefetch_related("scales", "items").order_by("id")

    @extend_schema(summary="A programme's surveys (the people running it)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProgrammeInstrumentSerializer,
        responses={201: ProgrammeInstrumentSerializer},
        summary="Build a survey from scales and questions (the people running it)",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        programme = _managed(request, pk)
        serializer = ProgrammeInstrumentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        instrument = services.create_instrument(
            programme,
            by=request.user,
            name=data["name"],
            introduction=data.get("introduction", ""),
            scales=[
                services.ScaleInput(
                    s["name"], s["higher_is_better"], float(s["min_share"])
                )
                for s in data.get("scales", [])
            ],
            items=[
                services.ItemInput(
                    text=i["text"],
                    kind=i["kind"],
                    scale=i.get("scale"),
                    reverse=i["reverse"],
                    required=i["required"],
                    minimum=i.get("minimum"),
                    maximum=i.get("maximum"),
                )
                for i in data["items"]
            ],
        )
        return Response(ProgrammeInstrumentSerializer(instrument).data, status=201)


class ProgrammeWaiting(generics.ListAPIView):
    serializer_class = ProgrammeWaitingSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[WaitingEntry]:
        if getattr(self, "swagger_fake_view", False):
            return WaitingEntry.objects.none()
        return selectors.waiting_for(_managed(self.request, self.kwargs["pk"]))

    @extend_schema(
        summary="People accepted onto the programme who wait for a cohort place "
        "(the people running it)"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ProgrammeWaitingPlace(APIView):
    @extend_schema(
        request=ProgrammeWaitingPlaceSerializer,
        responses={201: ProgrammePlaceSerializer},
        summary="Give a waiting person a place in a cohort (the people running it)",
    )
    def post(self, request: Request, pk: int, entry_pk: int) -> Response:
        programme = _managed(request, pk)
        entry = (
            WaitingEntry.objects.filter(
                pk=entry_pk, programme=programme, placed_at__isnull=True
            ).first()
            if 0 < entry_pk <= MAX_ID
            else None
        )
        if entry is None:
            raise Http404("No such person waiting.")
        serializer = ProgrammeWaitingPlaceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = programme.cohorts.filter(
            pk=serializer.validated_data["cohort"]
        ).first()
        if cohort is None:
            raise serializers.ValidationError({"cohort": ["No such cohort."]})
        place = services.place_waiting(entry, cohort=cohort, by=request.user)
        return Response(ProgrammePlaceSerializer(place).data, status=201)


# --- cohorts ----------------------------------------------------------------------


class CohortDetail(APIView):
    @extend_schema(
        responses=ProgrammeCohortSerializer,
        summary="One cohort (the people running it and its participants)",
    )
    def get(self, request: Request, pk: int) -> Response:
        cohort = permissions.get_cohort_for_user(request.user, pk)
        return Response(ProgrammeCohortSerializer(_cohorts().get(pk=cohort.pk)).data)


class CohortStatus(APIView):
    @extend_schema(
        request=ProgrammeCohortStatusSerializer,
        responses=ProgrammeCohortSerializer,
        summary="Move a cohort on (running, finished, cancelled); finishing "
        "completes the places",
    )
    def post(self, request: Request, pk: int) -> Response:
        cohort = permissions.get_managed_cohort(request.user, pk)
        serializer = ProgrammeCohortStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_cohort_status(
            cohort, by=request.user, status=serializer.validated_data["status"]
        )
        return Response(ProgrammeCohortSerializer(_cohorts().get(pk=cohort.pk)).data)


class CohortPlaces(generics.ListAPIView):
    serializer_class = ProgrammePlaceSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Place]:
        if getattr(self, "swagger_fake_view", False):
            return Place.objects.none()
        cohort = permissions.get_cohort_for_user(self.request.user, self.kwargs["pk"])
        places = cohort.places.select_related("participant__profile").order_by("id")
        if not permissions.can_manage(self.request.user, cohort.programme):
            return places.filter(participant=self.request.user)
        self.seen_by_staff = cohort
        return places

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        cohort = getattr(self, "seen_by_staff", None)
        if cohort is not None and page:
            consent_ledger.places_seen(cohort, page, by=self.request.user)
        return page

    @extend_schema(
        summary="A cohort's places (all for the people running it; your own "
        "for a participant)"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProgrammePlaceInSerializer,
        responses={201: ProgrammePlaceSerializer},
        summary="Give a member a place (the people running it); again changes nothing",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        cohort = permissions.get_cohort_for_user(request.user, pk)
        serializer = ProgrammePlaceInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not permissions.can_manage(request.user, cohort.programme):
            raise NotAllowed("Only the people running this programme can do this.")
        person = _member(serializer.validated_data["participant"], "participant")
        place = services.add_place(cohort, participant=person, by=request.user)
        place = Place.objects.select_related("participant__profile").get(pk=place.pk)
        return Response(ProgrammePlaceSerializer(place).data, status=201)


class PlaceWithdraw(APIView):
    @extend_schema(
        request=None,
        responses=ProgrammePlaceSerializer,
        summary="Withdraw a place (the participant, or the people running it)",
    )
    def post(self, request: Request, pk: int, place_pk: int) -> Response:
        cohort = permissions.get_cohort_for_user(request.user, pk)
        place = (
            Place.objects.select_related("participant__profile")
            .filter(pk=place_pk, cohort=cohort)
            .first()
            if 0 < place_pk <= MAX_ID
            else None
        )
        if place is None or not (
            place.participant_id == request.user.pk
            or permissions.can_manage(request.user, cohort.programme)
        ):
            raise Http404("No such place.")
        place.cohort = cohort
        services.withdraw_place(place, by=request.user)
        return Response(ProgrammePlaceSerializer(place).data)


class CohortSurvey(APIView):
    @extend_schema(
        responses=ProgrammeInstrumentSerializer,
        summary="The cohort's survey questions (participants and the people "
        "running it)",
    )
    def get(self, request: Request, pk: int) -> Response:
        cohort = permissions.get_cohort_for_user(request.user, pk)
        if cohort.instrument_id is None:
            raise Http404("This cohort has no survey.")
        instrument = selectors.instrument_with_items(cohort.instrument_id)
        return Response(ProgrammeInstrumentSerializer(instrument).data)


def _window(request: Request, pk: int, kind: str) -> SurveyWindow:
    cohort = permissions.get_cohort_for_user(request.user, pk)
    window = cohort.windows.filter(kind=kind).first()
    if window is None or not permissions.has_place(request.user, cohort):
        raise Http404("No such survey.")
    window.cohort = cohort
    return window


def _response_data(window: SurveyWindow, user: User) -> Any:
    response = selectors.responses_of(user, window.cohort).get(window.kind)
    if response is None:
        raise Http404("You have not answered this survey.")
    answers = [
        {"item": a.item_id, "value": a.text if a.number is None else f"{a.number:g}"}
        for a in response.answers.all()
    ]
    return ProgrammeResponseSerializer(
        {
            "window": window.kind,
            "submitted_at": response.submitted_at,
            "updated_at": response.updated_at,
            "answers": answers,
        }
    ).data


class MySurveyResponse(APIView):
    @extend_schema(
        responses=ProgrammeResponseSerializer,
        summary="Your own answers in one survey window (entry, exit, follow_up)",
    )
    def get(self, request: Request, pk: int, kind: str) -> Response:
        return Response(_response_data(_window(request, pk, kind), request.user))

    @extend_schema(
        request=ProgrammeResponseInSerializer,
        responses=ProgrammeResponseSerializer,
        summary="Answer, or change your answers while the window is open; every "
        "wrong answer is named and nothing is saved",
    )
    def put(self, request: Request, pk: int, kind: str) -> Response:
        window = _window(request, pk, kind)
        serializer = ProgrammeResponseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = {a["item"]: a["value"] for a in serializer.validated_data["answers"]}
        try:
            services.submit_response(window, by=request.user, answers=answers)
        except services.SurveyInvalid as error:
            raise serializers.ValidationError(
                {name: [message] for name, message in error.errors.items()}
            ) from None
        return Response(_response_data(window, request.user))


class CohortEvaluation(APIView):
    @extend_schema(
        parameters=[ProgrammeEvaluationFilterSerializer],
        responses=ProgrammeEvaluationSerializer,
        summary="Paired before/after change per scale, aggregates only, nothing "
        "below five people (the people running the programme)",
    )
    def get(self, request: Request, pk: int) -> Response:
        cohort = permissions.get_managed_cohort(request.user, pk)
        params = ProgrammeEvaluationFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        later = params.validated_data.get("compare", "exit")
        result = selectors.evaluation(cohort, later=later)
        data = {
            "cohort": cohort.pk,
            "compared": later,
            "min_group": result.min_group,
            "enrolled": result.enrolled,
            "completion": [
                {
                    "window": w.kind,
                    "shown": w.shown,
                    "answered": w.answered if w.shown else None,
                    "enrolled": w.enrolled,
                }
                for w in result.completion
            ],
            "scales": [
                {
                    "scale": r.scale.name,
                    "higher_is_better": r.scale.higher_is_better,
                    "shown": r.change.shown,
                    "n": r.change.n if r.change.shown else None,
                    "enrolled": r.change.enrolled,
                    "completion_rate": r.change.completion_rate
                    if r.change.shown
                    else None,
                    "mean_before": r.change.mean_before,
                    "mean_after": r.change.mean_after,
                    "mean_change": r.change.mean_change,
                    "ci_low": r.change.ci_low,
                    "ci_high": r.change.ci_high,
                    "cohens_d": r.change.cohens_d,
                    "t": r.change.t,
                    "p": r.change.p,
                    "notes": list(r.change.notes),
                }
                for r in result.scales
            ],
        }
        return Response(ProgrammeEvaluationSerializer(data).data)


class CohortExport(APIView):
    renderer_classes = [CsvRenderer, JSONRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="Scored answers per pseudonymised participant and "
                "window, sorted by pseudonym; a fresh pseudonym salt each time; no "
                "names or emails; a window fewer than five people answered is left "
                "out.",
            ),
            (409, "application/problem+json"): OpenApiResponse(
                ProblemSerializer,
                description="Nothing to export: fewer than five people answered "
                "(`too_few_answers`), or the cohort has no survey (`conflict`).",
            ),
        },
        summary="Pseudonymised answers for researchers (the people running the "
        "programme); each export is audited; refused below five people",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        cohort = permissions.get_managed_cohort(request.user, pk)
        text = services.export_answers(cohort, by=request.user)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="cohort-{cohort.pk}-answers-pseudonymised.csv"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class MyPlaces(generics.ListAPIView):
    serializer_class = ProgrammeMyPlaceSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Place]:
        if getattr(self, "swagger_fake_view", False):
            return Place.objects.none()
        return (
            selectors.my_places(self.request.user)
            .select_related("participant__profile")
            .order_by("id")
        )

    @extend_schema(summary="Your places in cohort programmes")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


P = "programmes/<int:pk>"
C = "programmes/cohorts/<int:pk>"
urlpatterns = [
    path("programmes", ProgrammeList.as_view(), name="programmes"),
    path("programmes/mine", MyPlaces.as_view(), name="programme-my-places"),
    path(P, ProgrammeDetail.as_view(), name="programme"),
    path(f"{P}/cohorts", ProgrammeCohorts.as_view(), name="programme-cohorts"),
    path(
        f"{P}/instruments",
        ProgrammeInstruments.as_view(),
        name="programme-instruments",
    ),
    path(f"{P}/waiting", ProgrammeWaiting.as_view(), name="programme-waiting"),
    path(
        f"{P}/waiting/<int:entry_pk>/place",
        ProgrammeWaitingPlace.as_view(),
        name="programme-waiting-place",
    ),
    path(C, CohortDetail.as_view(), name="programme-cohort"),
    path(f"{C}/status", CohortStatus.as_view(), name="programme-cohort-status"),
    path(f"{C}/places", CohortPlaces.as_view(), name="programme-cohort-places"),
    path(
        f"{C}/places/<int:place_pk>/withdraw",
        PlaceWithdraw.as_view(),
        name="programme-place-withdraw",
    ),
    path(f"{C}/survey", CohortSurvey.as_view(), name="programme-cohort-survey"),
    path(
        f"{C}/responses/<str:kind>",
        MySurveyResponse.as_view(),
        name="programme-my-response",
    ),
    path(
        f"{C}/evaluation",
        CohortEvaluation.as_view(),
        name="programme-cohort-evaluation",
    ),
    path(f"{C}/export", CohortExport.as_view(), name="programme-cohort-export"),
]
