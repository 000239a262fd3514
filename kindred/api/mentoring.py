"""REST API of mentoring programmes: programmes, applications, matching (run,
proposed pairs, edits, publish), requests, and each pair's workspace. Its
urlpatterns are appended in kindred/api/urls.py.

A draft programme, someone else's application, pair or request, and private notes
answer 404 exactly like something that does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import Stage
from kindred.algorithms import mentor_matching
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
from kindred.communities.models import Group
from kindred.core.models import Region, Sector, Topic
from kindred.mentoring import permissions, selectors, services
from kindred.mentoring.models import (
    SLOTS,
    Access,
    Application,
    Goal,
    MentoringProgramme,
    MentorRequest,
    Pair,
)
from kindred.mentoring.services import ApplicationInput, ProgrammeInput
from kindred.organisations.models import Organisation

SHOWN = 200

# --- serializers ------------------------------------------------------------------


def _ids(help_text: str, *, max_length: int = 10) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=max_length,
        required=False,
        help_text=help_text,
    )


class MentoringWeightsSerializer(serializers.Serializer):
    goals = serializers.FloatField(min_value=0, max_value=10, required=False)
    sector = serializers.FloatField(min_value=0, max_value=10, required=False)
    stage = serializers.FloatField(min_value=0, max_value=10, required=False)
    region = serializers.FloatField(min_value=0, max_value=10, required=False)
    language = serializers.FloatField(min_value=0, max_value=10, required=False)
    availability = serializers.FloatField(min_value=0, max_value=10, required=False)
    experience = serializers.FloatField(min_value=0, max_value=10, required=False)
    preference = serializers.FloatField(min_value=0, max_value=10, required=False)


class MentoringProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    purpose = serializers.CharField(read_only=True, help_text="Markdown.")
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    starts_on = serializers.DateField(read_only=True, allow_null=True)
    ends_on = serializers.DateField(read_only=True, allow_null=True)
    status = codes(
        MentoringProgramme.Status, "MentoringProgrammeStatusEnum", read_only=True
    )
    mode = codes(MentoringProgramme.Mode, "MentoringModeEnum", read_only=True)
    objective = codes(
        MentoringProgramme.Objective, "MentoringObjectiveEnum", read_only=True
    )
    mentor_access = codes(Access, "MentoringAccessEnum", read_only=True)
    mentee_access = codes(Access, "MentoringAccessEnum", read_only=True)
    mentor_group = serializers.IntegerField(
        source="mentor_group_id", read_only=True, allow_null=True
    )
    mentee_group = serializers.IntegerField(
        source="mentee_group_id", read_only=True, allow_null=True
    )
    questions = serializers.ListField(child=serializers.CharField(), read_only=True)
    weights = MentoringWeightsSerializer(read_only=True)
    allow_same_organisation = serializers.BooleanField(read_only=True)
    request_days = serializers.IntegerField(read_only=True)
    suggestions_shown = serializers.IntegerField(read_only=True)
    check_in_weeks = serializers.IntegerField(read_only=True)


class MentoringProgrammeInSerializer(serializers.Serializer):
    organisation = StrictCharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Slug of the organisation you run it for (stewards may leave it "
        "out).",
    )
    title = StrictCharField(max_length=160)
    purpose = StrictCharField(max_length=8000, help_text="Markdown.")
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    mode = codes(MentoringProgramme.Mode, "MentoringModeEnum", required=False)
    objective = codes(
        MentoringProgramme.Objective, "MentoringObjectiveEnum", required=False
    )
    mentor_access = codes(Access, "MentoringAccessEnum", required=False)
    mentee_access = codes(Access, "MentoringAccessEnum", required=False)
    mentor_organisations = _ids("Organisation ids (mentor access by organisation).")
    mentee_organisations = _ids("Organisation ids (mentee access by organisation).")
    mentor_group = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    mentee_group = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    questions = serializers.ListField(
        child=StrictCharField(max_length=300), max_length=10, required=False
    )
    weights = MentoringWeightsSerializer(required=False)
    allow_same_organisation = StrictBooleanField(required=False)
    request_days = serializers.IntegerField(min_value=1, max_value=60, required=False)
    suggestions_shown = serializers.IntegerField(
        min_value=1, max_value=10, required=False
    )
    check_in_weeks = serializers.IntegerField(min_value=1, max_value=26, required=False)


class MentoringProgrammeChangeSerializer(MentoringProgrammeInSerializer):
    title = StrictCharField(max_length=160, required=False)
    purpose = StrictCharField(max_length=8000, required=False)


class MentoringStatusInSerializer(serializers.Serializer):
    status = codes(MentoringProgramme.Status, "MentoringProgrammeStatusEnum")


class MentoringApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    programme = serializers.IntegerField(source="programme_id", read_only=True)
    person = PersonRefSerializer(source="user", read_only=True)
    side = codes(Application.Side, "MentoringSideEnum", read_only=True)
    status = codes(Application.Status, "MentoringApplicationStatusEnum", read_only=True)
    answers = serializers.ListField(child=serializers.CharField(), read_only=True)
    topics = TermSerializer(many=True, read_only=True)
    sectors = TermSerializer(many=True, read_only=True)
    regions = TermSerializer(many=True, read_only=True)
    stages = serializers.ListField(child=serializers.CharField(), read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    availability = serializers.ListField(child=serializers.CharField(), read_only=True)
    experience_years = serializers.IntegerField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class MentoringApplicationInSerializer(serializers.Serializer):
    side = codes(Application.Side, "MentoringSideEnum")
    answers = serializers.ListField(
        child=StrictCharField(max_length=2000, allow_blank=True),
        max_length=10,
        required=False,
    )
    topics = _ids("Topic ids (goals or what you mentor on).")
    sectors = _ids("Sector ids.")
    regions = _ids("Region ids.")
    stages = serializers.ListField(
        child=serializers.ChoiceField(choices=Stage.choices),
        max_length=5,
        required=False,
    )
    languages = serializers.ListField(
        child=StrictCharField(max_length=20), max_length=10, required=False
    )
    availability = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SLOTS)),
        max_length=len(SLOTS),
        required=False,
    )
    experience_years = serializers.IntegerField(
        min_value=0, max_value=80, required=False
    )
    capacity = serializers.IntegerField(min_value=1, max_value=5, required=False)


class MentoringPairInSerializer(serializers.Serializer):
    mentee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The mentee's application id."
    )
    mentor = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The mentor's application id."
    )


class MentoringForbiddenPairSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    mentee = serializers.IntegerField(source="mentee_id", read_only=True)
    mentor = serializers.IntegerField(source="mentor_id", read_only=True)


class MentoringSwapInSerializer(serializers.Serializer):
    other = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The other proposed pair's id."
    )


class MentoringRunInSerializer(serializers.Serializer):
    objective = codes(
        MentoringProgramme.Objective, "MentoringObjectiveEnum", required=False
    )


class MentoringRunSerializer(serializers.Serializer):
    pairs = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    total = serializers.FloatField()
    objective = serializers.CharField()
    gap = serializers.FloatField()
    optimal = serializers.BooleanField()


class MentoringScorePartSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=list(mentor_matching.CRITERIA))
    points = serializers.FloatField()


@extend_schema_field(MentoringScorePartSerializer(many=True))
class ScorePartsField(serializers.Field):
    """A pair's score explained: each criterion's points."""

    def to_representation(self, value: dict[str, float]) -> list[dict[str, Any]]:
        return [
            {"criterion": c, "points": float(value.get(c, 0.0))}
            for c in mentor_matching.CRITERIA
            if c in value
        ]


class MentoringPairSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    programme = serializers.IntegerField(source="programme_id", read_only=True)
    mentee = PersonRefSerializer(source="mentee.user", read_only=True)
    mentor = PersonRefSerializer(source="mentor.user", read_only=True)
    mentee_application = serializers.IntegerField(source="mentee_id", read_only=True)
    mentor_application = serializers.IntegerField(source="mentor_id", read_only=True)
    status = codes(Pair.Status, "MentoringPairStatusEnum", read_only=True)
    source = codes(Pair.Source, "MentoringPairSourceEnum", read_only=True)
    score = serializers.FloatField(read_only=True)
    score_parts = ScorePartsField(read_only=True)
    matched_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_check_in_at = serializers.DateTimeField(read_only=True, allow_null=True)
    quiet_since = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MentoringSuggestionSerializer(serializers.Serializer):
    mentor_application = serializers.IntegerField(source="mentor.pk")
    mentor = PersonRefSerializer(source="mentor.user")
    topics = TermSerializer(source="mentor.topics.all", many=True)
    score = serializers.FloatField(source="score.total")
    score_parts = ScorePartsField(source="score.parts")


class MentoringRequestInSerializer(serializers.Serializer):
    mentors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=5,
        help_text="Mentors' application ids, best first (one in suggested mode).",
    )
    message = StrictCharField(max_length=1000, required=False, allow_blank=True)


class MentoringRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    programme = serializers.IntegerField(source="programme_id", read_only=True)
    mentee = PersonRefSerializer(source="mentee.user", read_only=True)
    mentor = PersonRefSerializer(source="mentor.user", read_only=True)
    rank = serializers.IntegerField(read_only=True)
    status = codes(MentorRequest.Status, "MentoringRequestStatusEnum", read_only=True)
    message = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MentoringDecisionInSerializer(serializers.Serializer):
    accept = StrictBooleanField(help_text="true to accept, false to decline.")


class MentoringMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    due_on = serializers.DateField(read_only=True, allow_null=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MentoringGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    milestones = MentoringMilestoneSerializer(many=True, read_only=True)


class MentoringMilestoneInSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True)


class MentoringGoalInSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    milestones = MentoringMilestoneInSerializer(
        many=True, required=False, max_length=10
    )


class MentoringDoneInSerializer(serializers.Serializer):
    done = StrictBooleanField()


class MentoringSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    summary = serializers.CharField(read_only=True)
    room_url = serializers.CharField(read_only=True)
    calendar_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_calendar_url(self, session: Any) -> str:
        from django.urls import reverse

        return reverse("mentoring:session_ics", args=[session.pair_id, session.pk])

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("party", True):
            # Organisers see that the pair met, not what they said or the room.
            data.update(summary="", room_url="", calendar_url="")
        return data


class MentoringSessionInSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(
        min_value=5, max_value=600, required=False
    )
    summary = StrictCharField(max_length=2000, required=False, allow_blank=True)


class MentoringNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class MentoringNoteInSerializer(serializers.Serializer):
    body = StrictCharField(max_length=8000)


class MentoringAgreementInSerializer(serializers.Serializer):
    agreement = StrictCharField(max_length=8000, help_text="Markdown.")


class MentoringCheckInSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = PersonRefSerializer(read_only=True)
    still_meeting = serializers.BooleanField(read_only=True)
    comment = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class MentoringCheckInInSerializer(serializers.Serializer):
    still_meeting = StrictBooleanField()
    comment = StrictCharField(max_length=1000, required=False, allow_blank=True)


class MentoringFeedbackSerializer(serializers.Serializer):
    author = PersonRefSerializer(read_only=True)
    rating = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class MentoringCloseOutInSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = StrictCharField(max_length=4000, required=False, allow_blank=True)


class MentoringWorkspaceSerializer(serializers.Serializer):
    pair = MentoringPairSerializer()
    agreement = serializers.CharField(help_text="Markdown.")
    goals = MentoringGoalSerializer(many=True)
    sessions = MentoringSessionSerializer(
        many=True,
        help_text="For organisers without summary, room or calendar link.",
    )
    check_ins = MentoringCheckInSerializer(many=True)
    feedback = MentoringFeedbackSerializer(
        many=True, help_text="Ratings (for the pair only; never the words)."
    )


class MentoringDashboardSerializer(serializers.Serializer):
    mentees = serializers.IntegerField()
    mentors = serializers.IntegerField()
    matched = serializers.IntegerField()
    match_rate = serializers.FloatField(allow_null=True, help_text="Percent.")
    active = serializers.IntegerField()
    meeting = serializers.IntegerField(help_text="Met within a check-in period.")
    quiet = serializers.IntegerField(source="quiet_count")
    closed = serializers.IntegerField()
    ratings = serializers.IntegerField()
    satisfaction = serializers.FloatField(
        allow_null=True,
        help_text="Mean close-out rating, 1-5; null below three ratings.",
    )
    sessions = serializers.IntegerField()


# --- helpers ----------------------------------------------------------------------


def _terms(model: Any, ids: list[int], field: str) -> list[Any]:
    found = {t.pk: t for t in model.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({field: [f"No such {field}: {missing[0]}."]})
    return [found[i] for i in dict.fromkeys(ids)]


def _organisations(ids: list[int], field: str) -> list[Organisation]:
    found = {o.pk: o for o in Organisation.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError(
            {field: [f"No such organisation: {missing[0]}."]}
        )
    return [found[i] for i in dict.fromkeys(ids)]


def _group(pk: int | None, field: str) -> Group | None:
    if pk is None:
        return None
    group = Group.objects.filter(pk=pk).first()
    if group is None:
        raise serializers.ValidationError({field: [f"No such group: {pk}."]})
    return group


def _settings(data: dict[str, Any], base: MentoringProgramme | None) -> ProgrammeInput:
    """The service's input: `data` over the programme's current settings."""

    def pick(name: str, default: Any) -> Any:
        if name in data:
            return data[name]
        return getattr(base, name) if base is not None else default

    return ProgrammeInput(
        title=pick("title", ""),
        purpose=pick("purpose", ""),
        starts_on=pick("starts_on", None),
        ends_on=pick("ends_on", None),
        mode=pick("mode", MentoringProgramme.Mode.PROGRAMME),
        objective=pick("objective", MentoringProgramme.Objective.BEST_TOTAL),
        mentor_access=pick("mentor_access", Access.ANYONE),
        mentee_access=pick("mentee_access", Access.ANYONE),
        mentor_organisations=_organisations(
            data["mentor_organisations"], "mentor_organisations"
        )
        if "mentor_organisations" in data
        else (list(base.mentor_organisations.all()) if base else []),
        mentee_organisations=_organisations(
            data["mentee_organisations"], "mentee_organisations"
        )
        if "mentee_organisations" in data
        else (list(base.mentee_organisations.all()) if base else []),
        mentor_group=_group(data["mentor_group"], "mentor_group")
        if "mentor_group" in data
        else (base.mentor_group if base else None),
        mentee_group=_group(data["mentee_group"], "mentee_group")
        if "mentee_group" in data
        else (base.mentee_group if base else None),
        questions=pick("questions", []),
        weights={**(base.weights if base else {}), **data.get("weights", {})},
        allow_same_organisation=pick("allow_same_organisation", False),
        request_days=pick("request_days", 7),
        suggestions_shown=pick("suggestions_shown", 3),
        check_in_weeks=pick("check_in_weeks", 4),
    )


def _programme(request: Request, pk: int) -> MentoringProgramme:
    return permissions.get_programme_for_user(request.user, pk)


def _running(request: Request, pk: int) -> MentoringProgramme:
    return permissions.get_programme_to_run(request.user, pk)


def _application_in(programme: MentoringProgramme, pk: int, field: str) -> Application:
    application = (
        Application.objects.select_related("user__profile")
        .filter(programme=programme, pk=pk)
        .first()
    )
    if application is None:
        raise serializers.ValidationError({field: [f"No such application: {pk}."]})
    return application


def _pair_in(programme: MentoringProgramme, pk: int) -> Pair:
    if not 0 < pk <= MAX_ID:
        raise Http404
    pair = selectors.pairs_with_people().filter(programme=programme, pk=pk).first()
    if pair is None:
        raise Http404
    return pair


def _application_data(application: Application) -> Any:
    shown = (
        Application.objects.select_related("user__profile")
        .prefetch_related("topics", "sectors", "regions")
        .get(pk=application.pk)
    )
    return MentoringApplicationSerializer(shown).data


def _pair_data(pair: Pair) -> Any:
    return MentoringPairSerializer(selectors.pairs_with_people().get(pk=pair.pk)).data


class NewestFirst(IdCursorPagination):
    ordering = "-id"


# --- programmes -------------------------------------------------------------------


class MentoringProgrammeList(generics.ListAPIView):
    serializer_class = MentoringProgrammeSerializer
    pagination_class = NewestFirst
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[MentoringProgramme]:
        if getattr(self, "swagger_fake_view", False):
            return MentoringProgramme.objects.none()
        return selectors.visible_programmes(self.request.user)

    @extend_schema(summary="Mentoring programmes you may see (not others' drafts)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=MentoringProgrammeInSerializer,
        responses={201: MentoringProgrammeSerializer},
        summary="Start a mentoring programme (a draft) for an organisation you "
        "are staff of",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = MentoringProgrammeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = None
        if data.get("organisation"):
            organisation = Organisation.objects.filter(
                slug=data["organisation"], is_active=True
            ).first()
            if organisation is None:
                raise serializers.ValidationError(
                    {"organisation": ["No such organisation."]}
                )
        programme = services.create_programme(
            by=request.user, organisation=organisation, settings=_settings(data, None)
        )
        return Response(
            MentoringProgrammeSerializer(programme).data, status=status.HTTP_201_CREATED
        )


class MentoringProgrammeDetail(APIView):
    @extend_schema(responses=MentoringProgrammeSerializer, summary="One programme")
    def get(self, request: Request, pk: int) -> Response:
        return Response(MentoringProgrammeSerializer(_programme(request, pk)).data)

    @extend_schema(
        request=MentoringProgrammeChangeSerializer,
        responses=MentoringProgrammeSerializer,
        summary="Change a programme's settings (its organisers)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        programme = _running(request, pk)
        serializer = MentoringProgrammeChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("organisation", None)
        services.update_programme(
            programme, by=request.user, settings=_settings(data, programme)
        )
        return Response(MentoringProgrammeSerializer(programme).data)


class MentoringProgrammeStatus(APIView):
    @extend_schema(
        request=MentoringStatusInSerializer,
        responses=MentoringProgrammeSerializer,
        summary="Move the programme to another state (draft, open, matching, "
        "running, closed)",
    )
    def post(self, request: Request, pk: int) -> Response:
        programme = _running(request, pk)
        serializer = MentoringStatusInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_programme_status(
            programme, by=request.user, status=serializer.validated_data["status"]
        )
        return Response(MentoringProgrammeSerializer(programme).data)


class MentoringApplications(APIView):
    @extend_schema(
        responses=MentoringApplicationSerializer(many=True),
        summary="Applications: every one for organisers, your own otherwise",
    )
    def get(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        if permissions.can_run(request.user, programme):
            rows = selectors.applications_of(programme)[:1000]
        else:
            rows = (
                Application.objects.filter(programme=programme, user=request.user)
                .select_related("user__profile")
                .prefetch_related("topics", "sectors", "regions")
            )
        return Response(MentoringApplicationSerializer(rows, many=True).data)

    @extend_schema(
        request=MentoringApplicationInSerializer,
        responses={201: MentoringApplicationSerializer},
        summary="Apply as mentor or mentee",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        serializer = MentoringApplicationInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        application = services.apply(
            programme,
            by=request.user,
            data=ApplicationInput(
                side=data["side"],
                answers=data.get("answers", []),
                topics=_terms(Topic, data.get("topics", []), "topics"),
                sectors=_terms(Sector, data.get("sectors", []), "sectors"),
                regions=_terms(Region, data.get("regions", []), "regions"),
                stages=data.get("stages", []),
                languages=data.get("languages", []),
                availability=data.get("availability", []),
                experience_years=data.get("experience_years", 0),
                capacity=data.get("capacity", 1),
            ),
        )
        return Response(_application_data(application), status=201)


class MentoringForbiddenPairs(APIView):
    @extend_schema(
        request=MentoringPairInSerializer,
        responses={201: MentoringForbiddenPairSerializer},
        summary="Record a pair that must not be made (organisers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        programme = _running(request, pk)
        serializer = MentoringPairInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        forbidden = services.forbid_pair(
            programme,
            by=request.user,
            mentee=_application_in(programme, data["mentee"], "mentee"),
            mentor=_application_in(programme, data["mentor"], "mentor"),
        )
        return Response(MentoringForbiddenPairSerializer(forbidden).data, status=201)


class MentoringRun(APIView):
    @extend_schema(
        request=MentoringRunInSerializer,
        responses=MentoringRunSerializer,
        summary="Run the optimiser: its pairs replace earlier proposals (organisers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        programme = _running(request, pk)
        serializer = MentoringRunInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.run_matching(
            programme,
            by=request.user,
            objective=serializer.validated_data.get("objective"),
        )
        programme.refresh_from_db()
        return Response(MentoringRunSerializer(programme.last_run).data)


class MentoringPairs(APIView):
    @extend_schema(
        responses=MentoringPairSerializer(many=True),
        summary="The programme's pairs, proposed and published (organisers)",
    )
    def get(self, request: Request, pk: int) -> Response:
        programme = _running(request, pk)
        pairs = selectors.pairs_with_people().filter(programme=programme)
        return Response(
            MentoringPairSerializer(pairs.order_by("id")[:1000], many=True).data
        )

    @extend_schema(
        request=MentoringPairInSerializer,
        responses={201: MentoringPairSerializer},
        summary="Propose a pair by hand; refused over capacity, when forbidden or "
        "within one organisation (organisers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        programme = _running(request, pk)
        serializer = MentoringPairInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pair = services.add_pair(
            programme,
            by=request.user,
            mentee=_application_in(programme, data["mentee"], "mentee"),
            mentor=_application_in(programme, data["mentor"], "mentor"),
        )
        return Response(_pair_data(pair), status=201)


class MentoringPairRemove(APIView):
    @extend_schema(responses={204: None}, summary="Remove a proposed pair (organisers)")
    def delete(self, request: Request, pk: int, pair_pk: int) -> Response:
        programme = _running(request, pk)
        pair = _pair_in(programme, pair_pk)
        if pair.status != Pair.Status.PROPOSED:
            raise Http404  # only proposals are removed; running pairs are closed
        services.remove_pair(pair, by=request.user)
        return Response(status=204)


class MentoringPairSwap(APIView):
    @extend_schema(
        request=MentoringSwapInSerializer,
        responses=MentoringPairSerializer(many=True),
        summary="Swap the mentors of two proposed pairs (organisers)",
    )
    def post(self, request: Request, pk: int, pair_pk: int) -> Response:
        programme = _running(request, pk)
        serializer = MentoringSwapInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        first = _pair_in(programme, pair_pk)
        second = _pair_in(programme, serializer.validated_data["other"])
        services.swap_mentors(first, second, by=request.user)
        return Response([_pair_data(first), _pair_data(second)])


class MentoringPublish(APIView):
    @extend_schema(
        request=None,
        responses=MentoringPairSerializer(many=True),
        summary="Publish the proposed pairs: both sides are told they are matched",
    )
    def post(self, request: Request, pk: int) -> Response:
        programme = _running(request, pk)
        pairs = services.publish_matching(programme, by=request.user)
        return Response(MentoringPairSerializer(pairs, many=True).data)


class MentoringSuggestions(APIView):
    @extend_schema(
        responses=MentoringSuggestionSerializer(many=True),
        summary="Mentors for you (mentees in suggested and self-match programmes), "
        "best fit first, each score explained",
    )
    def get(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        mine = selectors.application_of(request.user, programme)
        if (
            mine is None
            or mine.side != Application.Side.MENTEE
            or programme.mode == MentoringProgramme.Mode.PROGRAMME
        ):
            return Response([])
        choices = (
            selectors.suggestions_for(mine)
            if programme.mode == MentoringProgramme.Mode.SUGGESTED
            else selectors.browsable_mentors(mine)[:SHOWN]
        )
        return Response(MentoringSuggestionSerializer(choices, many=True).data)


class MentoringRequestCreate(APIView):
    @extend_schema(
        request=MentoringRequestInSerializer,
        responses={201: MentoringRequestSerializer(many=True)},
        summary="Ask mentors, best first: the next is asked only if the earlier "
        "one declines or the programme's days run out",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        serializer = MentoringRequestInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        mentors = [
            _application_in(programme, i, "mentors")
            for i in dict.fromkeys(data["mentors"])
        ]
        requests = services.request_mentors(
            programme, by=request.user, mentors=mentors, message=data.get("message", "")
        )
        shown = MentorRequest.objects.filter(
            pk__in=[r.pk for r in requests]
        ).select_related("mentee__user__profile", "mentor__user__profile")
        return Response(MentoringRequestSerializer(shown, many=True).data, status=201)


class MentoringDashboard(APIView):
    @extend_schema(
        responses=MentoringDashboardSerializer,
        summary="Match rate, pairs meeting, pairs gone quiet, satisfaction "
        "(organisers)",
    )
    def get(self, request: Request, pk: int) -> Response:
        figures = selectors.dashboard(_running(request, pk))
        figures.quiet_count = len(figures.quiet)  # type: ignore[attr-defined]
        return Response(MentoringDashboardSerializer(figures).data)


# --- requests ---------------------------------------------------------------------


class MentoringRequestList(APIView):
    @extend_schema(
        responses=MentoringRequestSerializer(many=True),
        summary="Requests to you as a mentor and the ones you made as a mentee",
    )
    def get(self, request: Request) -> Response:
        user = request.user
        rows = list(selectors.requests_to_me(user)[:SHOWN]) + list(
            selectors.requests_by_me(user).select_related("mentee__user__profile")[
                :SHOWN
            ]
        )
        return Response(MentoringRequestSerializer(rows, many=True).data)


class MentoringRequestDecision(APIView):
    @extend_schema(
        request=MentoringDecisionInSerializer,
        responses=MentoringRequestSerializer,
        summary="Accept or decline a request (the mentor asked); an expired request "
        "or one beyond your capacity is refused",
    )
    def post(self, request: Request, pk: int) -> Response:
        mentor_request = permissions.get_request_for_user(request.user, pk)
        serializer = MentoringDecisionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.decide_request(
            mentor_request,
            by=request.user,
            accept=serializer.validated_data["accept"],
        )
        return Response(MentoringRequestSerializer(decided).data)


# --- pairs and their workspace ----------------------------------------------------


def _pair(request: Request, pk: int) -> Pair:
    return permissions.get_pair_for_user(request.user, pk)


class MentoringMyPairs(APIView):
    @extend_schema(
        responses=MentoringPairSerializer(many=True),
        summary="Your mentoring pairs, as mentee or mentor",
    )
    def get(self, request: Request) -> Response:
        pairs = selectors.my_pairs(request.user)[:SHOWN]
        return Response(MentoringPairSerializer(pairs, many=True).data)


class MentoringWorkspace(APIView):
    @extend_schema(
        responses=MentoringWorkspaceSerializer,
        summary="A pair's workspace (the pair; organisers read a summary). Private "
        "notes are under /notes, for their author only",
    )
    def get(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        workspace = selectors.workspace(pair, request.user)
        party = permissions.is_party(request.user, pair)
        return Response(
            MentoringWorkspaceSerializer(
                {
                    "pair": pair,
                    "agreement": pair.agreement,
                    "goals": workspace.goals,
                    "sessions": workspace.sessions,
                    "check_ins": workspace.check_ins,
                    "feedback": workspace.feedback,
                },
                context={"party": party},
            ).data
        )


class MentoringAgreement(APIView):
    @extend_schema(
        request=MentoringAgreementInSerializer,
        responses=MentoringPairSerializer,
        summary="Write the pair's mentoring agreement (the pair)",
    )
    def post(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        serializer = MentoringAgreementInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_agreement(
            pair, by=request.user, text=serializer.validated_data["agreement"]
        )
        return Response(_pair_data(pair))


class MentoringGoals(APIView):
    @extend_schema(
        responses=MentoringGoalSerializer(many=True), summary="The pair's goals"
    )
    def get(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        goals = selectors.workspace(pair, request.user).goals
        return Response(MentoringGoalSerializer(goals, many=True).data)

    @extend_schema(
        request=MentoringGoalInSerializer,
        responses={201: MentoringGoalSerializer},
        summary="Add a goal with its milestones (the pair)",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        serializer = MentoringGoalInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        goal = services.add_goal(
            pair,
            by=request.user,
            title=data["title"],
            milestones=[
                (m["title"], m.get("due_on")) for m in data.get("milestones", [])
            ],
        )
        return Response(MentoringGoalSerializer(goal).data, status=201)


def _goal(pair: Pair, goal_pk: int) -> Goal:
    if not 0 < goal_pk <= MAX_ID:
        raise Http404
    goal = Goal.objects.filter(pair=pair, pk=goal_pk).first()
    if goal is None:
        raise Http404
    goal.pair = pair
    return goal


class MentoringGoalDone(APIView):
    @extend_schema(
        request=MentoringDoneInSerializer,
        responses=MentoringGoalSerializer,
        summary="Mark a goal reached (or not) (the pair)",
    )
    def post(self, request: Request, pk: int, goal_pk: int) -> Response:
        goal = _goal(_pair(request, pk), goal_pk)
        serializer = MentoringDoneInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mark_done(
            goal, by=request.user, done=serializer.validated_data["done"]
        )
        return Response(MentoringGoalSerializer(goal).data)


class MentoringMilestones(APIView):
    @extend_schema(
        request=MentoringMilestoneInSerializer,
        responses={201: MentoringMilestoneSerializer},
        summary="Add a milestone to a goal (the pair)",
    )
    def post(self, request: Request, pk: int, goal_pk: int) -> Response:
        goal = _goal(_pair(request, pk), goal_pk)
        serializer = MentoringMilestoneInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        milestone = services.add_milestone(
            goal, by=request.user, title=data["title"], due_on=data.get("due_on")
        )
        return Response(MentoringMilestoneSerializer(milestone).data, status=201)


class MentoringSessions(APIView):
    @extend_schema(
        responses=MentoringSessionSerializer(many=True),
        summary="The pair's sessions, newest first (the pair)",
    )
    def get(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        if not permissions.is_party(request.user, pair):
            raise Http404
        return Response(
            MentoringSessionSerializer(pair.sessions.all()[:SHOWN], many=True).data
        )

    @extend_schema(
        request=MentoringSessionInSerializer,
        responses={201: MentoringSessionSerializer},
        summary="Log or plan a session; it gets a video room and a calendar file",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        serializer = MentoringSessionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        starts_at = data["starts_at"]
        if abs(starts_at - timezone.now()) > timedelta(days=366 * 2):
            raise serializers.ValidationError(
                {"starts_at": ["Choose a date within two years from today."]}
            )
        session = services.log_session(
            pair,
            by=request.user,
            starts_at=starts_at,
            duration_minutes=data.get("duration_minutes", 60),
            summary=data.get("summary", ""),
        )
        return Response(MentoringSessionSerializer(session).data, status=201)


class MentoringNotes(APIView):
    @extend_schema(
        responses=MentoringNoteSerializer(many=True),
        summary="Your private notes on the pair (only ever yours)",
    )
    def get(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        notes = selectors.workspace(pair, request.user).notes
        return Response(MentoringNoteSerializer(notes, many=True).data)

    @extend_schema(
        request=MentoringNoteInSerializer,
        responses={201: MentoringNoteSerializer},
        summary="Write a private note: no one else sees it",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        serializer = MentoringNoteInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.add_note(
            pair, by=request.user, body=serializer.validated_data["body"]
        )
        return Response(MentoringNoteSerializer(note).data, status=201)


class MentoringCheckIns(APIView):
    @extend_schema(
        request=MentoringCheckInInSerializer,
        responses={201: MentoringCheckInSerializer},
        summary='Answer "still meeting?" (the pair)',
    )
    def post(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        serializer = MentoringCheckInInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answer = services.check_in(
            pair,
            by=request.user,
            still_meeting=data["still_meeting"],
            comment=data.get("comment", ""),
        )
        return Response(MentoringCheckInSerializer(answer).data, status=201)


class MentoringCloseOut(APIView):
    @extend_schema(
        request=MentoringCloseOutInSerializer,
        responses={201: MentoringFeedbackSerializer},
        summary="Close the pair with your feedback; the other side adds theirs",
    )
    def post(self, request: Request, pk: int) -> Response:
        pair = _pair(request, pk)
        serializer = MentoringCloseOutInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        feedback = services.close_out(
            pair,
            by=request.user,
            rating=data["rating"],
            comment=data.get("comment", ""),
        )
        return Response(MentoringFeedbackSerializer(feedback).data, status=201)


M = "mentoring/programmes/<int:pk>"
W = "mentoring/pairs/<int:pk>"
urlpatterns = [
    path(
        "mentoring/programmes",
        MentoringProgrammeList.as_view(),
        name="mentoring-programmes",
    ),
    path(M, MentoringProgrammeDetail.as_view(), name="mentoring-programme"),
    path(f"{M}/status", MentoringProgrammeStatus.as_view(), name="mentoring-status"),
    path(
        f"{M}/applications",
        MentoringApplications.as_view(),
        name="mentoring-applications",
    ),
    path(
        f"{M}/forbidden-pairs",
        MentoringForbiddenPairs.as_view(),
        name="mentoring-forbidden-pairs",
    ),
    path(f"{M}/matching", MentoringRun.as_view(), name="mentoring-run"),
    path(f"{M}/pairs", MentoringPairs.as_view(), name="mentoring-programme-pairs"),
    path(
        f"{M}/pairs/<int:pair_pk>",
        MentoringPairRemove.as_view(),
        name="mentoring-pair-remove",
    ),
    path(
        f"{M}/pairs/<int:pair_pk>/swap",
        MentoringPairSwap.as_view(),
        name="mentoring-pair-swap",
    ),
    path(f"{M}/publish", MentoringPublish.as_view(), name="mentoring-publish"),
    path(
        f"{M}/suggestions",
        MentoringSuggestions.as_view(),
        name="mentoring-suggestions",
    ),
    path(
        f"{M}/requests",
        MentoringRequestCreate.as_view(),
        name="mentoring-request-create",
    ),
    path(f"{M}/dashboard", MentoringDashboard.as_view(), name="mentoring-dashboard"),
    path(
        "mentoring/requests", MentoringRequestList.as_view(), name="mentoring-requests"
    ),
    path(
        "mentoring/requests/<int:pk>/decision",
        MentoringRequestDecision.as_view(),
        name="mentoring-request-decision",
    ),
    path("mentoring/pairs", MentoringMyPairs.as_view(), name="mentoring-pairs"),
    path(W, MentoringWorkspace.as_view(), name="mentoring-pair"),
    path(f"{W}/agreement", MentoringAgreement.as_view(), name="mentoring-agreement"),
    path(f"{W}/goals", MentoringGoals.as_view(), name="mentoring-goals"),
    path(
        f"{W}/goals/<int:goal_pk>/done",
        MentoringGoalDone.as_view(),
        name="mentoring-goal-done",
    ),
    path(
        f"{W}/goals/<int:goal_pk>/milestones",
        MentoringMilestones.as_view(),
        name="mentoring-milestones",
    ),
    path(f"{W}/sessions", MentoringSessions.as_view(), name="mentoring-sessions"),
    path(f"{W}/notes", MentoringNotes.as_view(), name="mentoring-notes"),
    path(f"{W}/check-ins", MentoringCheckIns.as_view(), name="mentoring-check-ins"),
    path(f"{W}/close-out", MentoringCloseOut.as_view(), name="mentoring-close-out"),
]
