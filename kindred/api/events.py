"""REST API of events: the calendar, hosting, registering, attendance, feedback and
calendar files. Its urlpatterns are appended in kindred/api/urls.py.

Formats, statuses and attendance are stable codes (`online`, `waitlisted`,
`no_show`, ...). An event of a private group is, for anyone outside the group, a
404 exactly like an id that was never used. The room link is in an event's detail
only for its hosts, and for registered people from 15 minutes before the start.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import TIME_ZONE_CHOICES
from kindred.api.collaboration import ConflictAutoSchema, codes
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
from kindred.communities.models import Group
from kindred.core import ical
from kindred.core.models import Topic
from kindred.events import calendars, permissions, selectors, services
from kindred.events.models import Event, Registration
from kindred.events.services import EventDetails, QuestionInput
from kindred.organisations.permissions import get_organisation_for_user

#: The largest id a database stores; larger numbers name nothing.
MAX_ID = 2**63 - 1


# --- serializers ------------------------------------------------------------------


class GroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    required = serializers.BooleanField(read_only=True)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    format = codes(Event.Format, "EventFormatEnum", read_only=True)
    status = codes(Event.Status, "EventStatusEnum", read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    time_zone = serializers.CharField(
        read_only=True, help_text="The IANA zone the event is held in."
    )
    location = serializers.CharField(read_only=True)
    capacity = serializers.IntegerField(read_only=True, allow_null=True)
    host_kind = codes(Event.HostKind, "EventHostKindEnum", read_only=True)
    host_person = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()
    organisations = serializers.SerializerMethodField(
        help_text="Confirmed host organisations, the lead host first."
    )
    topics = TermSerializer(many=True, read_only=True)
    series = serializers.IntegerField(
        source="series_id", read_only=True, allow_null=True
    )
    registered_count = serializers.IntegerField(read_only=True)
    waitlisted_count = serializers.IntegerField(read_only=True)
    my_registration = serializers.SerializerMethodField(
        help_text="Your registration's status, or null."
    )
    url = serializers.SerializerMethodField(help_text="The event's page.")

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_host_person(self, event: Event) -> Any:
        if event.host_person is None:
            return None
        return PersonRefSerializer(event.host_person).data

    @extend_schema_field(GroupRefSerializer(allow_null=True))
    def get_group(self, event: Event) -> Any:
        return GroupRefSerializer(event.group).data if event.group else None

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_organisations(self, event: Event) -> Any:
        hosts = getattr(event, "confirmed_hosts", [])
        return OrganisationRefSerializer(
            [h.organisation for h in hosts], many=True
        ).data

    @extend_schema_field(
        serializers.ChoiceField(
            choices=Registration.Status.choices, allow_null=True, read_only=True
        )
    )
    def get_my_registration(self, event: Event) -> str | None:
        return self.context.get("mine", {}).get(event.pk)

    def get_url(self, event: Event) -> str:
        return ical.absolute_url(event.get_absolute_url())


class EventDetailSerializer(EventSerializer):
    questions = QuestionSerializer(many=True, read_only=True)
    meeting_url = serializers.SerializerMethodField(
        help_text="The room link: for hosts, and for registered people from 15 "
        "minutes before the start until the end; otherwise null."
    )
    waitlist_position = serializers.SerializerMethodField()

    def get_meeting_url(self, event: Event) -> str | None:
        return event.meeting_url if self.context.get("show_room") else None

    def get_waitlist_position(self, event: Event) -> int | None:
        return self.context.get("position")


class QuestionInputSerializer(serializers.Serializer):
    text = StrictCharField(max_length=300)
    required = StrictBooleanField(required=False, default=False)


class EventCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160)
    description = StrictCharField(
        max_length=10000, required=False, allow_blank=True, help_text="Markdown."
    )
    format = codes(Event.Format, "EventFormatEnum")
    starts_at = serializers.DateTimeField(help_text="With an offset, e.g. …Z.")
    ends_at = serializers.DateTimeField()
    time_zone = serializers.ChoiceField(
        choices=TIME_ZONE_CHOICES, help_text="The IANA zone the event is held in."
    )
    location = StrictCharField(max_length=300, required=False, allow_blank=True)
    meeting_url = StrictCharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="https only. Empty for an online event: a video room is made.",
    )
    capacity = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, allow_null=True
    )
    topics = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        required=False,
        max_length=10,
        help_text="Topic slugs.",
    )
    questions = QuestionInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=10
    )
    host_kind = codes(Event.HostKind, "EventHostKindEnum")
    group = serializers.SlugField(
        max_length=80, required=False, help_text="For a group's event: its slug."
    )
    organisations = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        required=False,
        max_length=10,
        help_text="For an organisation's event: the lead host first, then co-hosts "
        "(those you are not an admin of are asked to confirm).",
    )
    rrule = StrictCharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="An RFC 5545 rule for a series, e.g. FREQ=WEEKLY;COUNT=6 "
        "(DAILY, WEEKLY or MONTHLY; COUNT or UNTIL; at most 52 sessions).",
    )


class EventChangeSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160, required=False)
    description = StrictCharField(max_length=10000, required=False, allow_blank=True)
    format = codes(Event.Format, "EventFormatEnum", required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    time_zone = serializers.ChoiceField(choices=TIME_ZONE_CHOICES, required=False)
    location = StrictCharField(max_length=300, required=False, allow_blank=True)
    meeting_url = StrictCharField(max_length=500, required=False, allow_blank=True)
    capacity = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, allow_null=True
    )


class EventFilterSerializer(serializers.Serializer):
    topic = serializers.SlugField(max_length=80, required=False)
    organisation = serializers.SlugField(
        max_length=80, required=False, help_text="Events it hosts or co-hosts."
    )
    event_format = codes(
        Event.Format,
        "EventFormatEnum",
        required=False,
        help_text="online, in_person or hybrid (`format` is taken by the API).",
    )
    past = StrictBooleanField(required=False, help_text="Past events, latest first.")

    def to_internal_value(self, data: Any) -> Any:
        data = dict(data)
        if "past" in data:  # query strings carry text
            data["past"] = {"true": True, "false": False}.get(
                data["past"], data["past"]
            )
        return super().to_internal_value(data)


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    text = StrictCharField(max_length=1000, allow_blank=True)


class RegisterSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=10
    )
    whole_series = StrictBooleanField(
        required=False, default=False, help_text="Also every later session."
    )


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id", read_only=True)
    text = serializers.CharField(read_only=True)


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    event = serializers.IntegerField(source="event_id", read_only=True)
    status = codes(Registration.Status, "RegistrationStatusEnum", read_only=True)
    attendance = codes(Registration.Attendance, "AttendanceEnum", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)


class HostRegistrationSerializer(RegistrationSerializer):
    person = PersonRefSerializer(source="user", read_only=True)


class MyRegistrationSerializer(RegistrationSerializer):
    title = serializers.CharField(source="event.title", read_only=True)
    starts_at = serializers.DateTimeField(source="event.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="event.ends_at", read_only=True)
    event_status = codes(
        Event.Status, "EventStatusEnum", source="event.status", read_only=True
    )


class AttendanceInputSerializer(serializers.Serializer):
    attendance = codes(Registration.Attendance, "AttendanceEnum")


class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = StrictCharField(max_length=1000, required=False, allow_blank=True)


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField(read_only=True)
    comment = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class FeedbackSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    ratings = serializers.DictField(child=serializers.IntegerField())
    comments = serializers.ListField(child=serializers.CharField())
    attendance = serializers.DictField(child=serializers.IntegerField())


class CohostAnswerSerializer(serializers.Serializer):
    accept = StrictBooleanField()


class CalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


# --- helpers ----------------------------------------------------------------------


def _counted(events: Any) -> Any:
    return events.annotate(
        registered_count=Count(
            "registrations", filter=Q(registrations__status="registered")
        ),
        waitlisted_count=Count(
            "registrations", filter=Q(registrations__status="waitlisted")
        ),
    )


def _event(request: Request, pk: int) -> Event:
    return permissions.get_event_for_user(request.user, pk)


def _detail(request: Request, event: Event, code: int = 200) -> Response:
    event = (
        _counted(selectors.event_queryset())
        .prefetch_related("questions")
        .get(pk=event.pk)
    )
    registration = selectors.registration_of(request.user, event)
    context = {
        "mine": {event.pk: registration.status} if registration else {},
        "show_room": permissions.can_see_room(request.user, event, registration),
        "position": selectors.waitlist_position(registration) if registration else None,
    }
    return Response(EventDetailSerializer(event, context=context).data, status=code)


def _topics(slugs: list[str]) -> list[Topic]:
    slugs = list(dict.fromkeys(slugs))
    found = {t.slug: t for t in Topic.objects.filter(slug__in=slugs, is_active=True)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise serializers.ValidationError({"topics": [f"No such topic: {missing[0]}."]})
    return [found[s] for s in slugs]


def _group(request: Request, slug: str | None) -> Group | None:
    if not slug:
        return None
    from kindred.communities.selectors import can_read

    group = Group.objects.filter(slug=slug).first()
    if group is None or not can_read(request.user, group):
        raise serializers.ValidationError({"group": ["No such group."]})
    return group


def _organisation(request: Request, slug: str) -> Any:
    try:
        return get_organisation_for_user(request.user, slug)
    except Http404:
        raise serializers.ValidationError(
            {"organisations": [f"No such organisation: {slug}."]}
        ) from None


class Soonest(CursorPagination):
    ordering = ("starts_at", "id")
    page_size_query_param = "page_size"
    max_page_size = 100

    get_page_size = IdCursorPagination.get_page_size


class Latest(Soonest):
    ordering = ("-starts_at", "-id")


# --- events -----------------------------------------------------------------------


class EventList(generics.ListAPIView):
    serializer_class = EventSerializer
    pagination_class = Soonest
    filter_backends: list[Any] = []

    def _filters(self) -> selectors.CalendarFilters:
        if not hasattr(self, "_validated"):
            params = EventFilterSerializer(data=self.request.query_params.dict())
            params.is_valid(raise_exception=True)
            data = params.validated_data
            self._validated = selectors.CalendarFilters(
                topic=data.get("topic", ""),
                organisation=data.get("organisation", ""),
                format=data.get("event_format", ""),
                past=data.get("past", False),
            )
        return self._validated

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_event_paginator"):
            past = (
                not getattr(self, "swagger_fake_view", False) and self._filters().past
            )
            self._event_paginator = Latest() if past else Soonest()
        return self._event_paginator

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        events = selectors.calendar_queryset(self.request.user, self._filters())
        return _counted(
            events.select_related("group", "host_person__profile").prefetch_related(
                selectors.confirmed_hosts(), "topics"
            )
        )

    @extend_schema(
        parameters=[EventFilterSerializer],
        summary="The ecosystem calendar: upcoming events you may see, soonest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        mine = dict(
            Registration.objects.filter(
                user=request.user, event_id__in=[e.pk for e in page]
            )
            .exclude(status=Registration.Status.CANCELLED)
            .values_list("event_id", "status")
        )
        return self.get_paginated_response(
            EventSerializer(page, many=True, context={"mine": mine}).data
        )

    @extend_schema(
        request=EventCreateSerializer,
        responses={201: EventDetailSerializer},
        summary="Host an event, or a series of sessions with an RRULE",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = EventCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisations = [
            _organisation(request, slug)
            for slug in dict.fromkeys(data.get("organisations", []))
        ]
        event = services.create_event(
            EventDetails(
                title=data["title"],
                description=data.get("description", ""),
                format=data["format"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                time_zone=data["time_zone"],
                location=data.get("location", ""),
                meeting_url=data.get("meeting_url", ""),
                generate_room=not data.get("meeting_url"),
                capacity=data.get("capacity"),
                topics=_topics(data.get("topics", [])),
                questions=[
                    QuestionInput(q["text"], q["required"])
                    for q in data.get("questions", [])
                ],
            ),
            by=request.user,
            host_kind=data["host_kind"],
            group=_group(request, data.get("group")),
            organisations=organisations,
            rule=data.get("rrule", ""),
        )
        return _detail(request, event, status.HTTP_201_CREATED)


class EventDetail(APIView):
    schema = ConflictAutoSchema()

    @extend_schema(responses=EventDetailSerializer, summary="One event")
    def get(self, request: Request, pk: int) -> Response:
        return with_etag(_detail(request, _event(request, pk)))

    @extend_schema(
        request=EventChangeSerializer,
        responses=EventDetailSerializer,
        summary="Change an event's time, place or details (its hosts); people "
        "registered hear about a new time or place",
    )
    def patch(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        serializer = EventChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_if_match(request, _detail(request, event).data)
        details = EventDetails(
            title=data.get("title", event.title),
            description=data.get("description", event.description),
            format=data.get("format", event.format),
            starts_at=data.get("starts_at", event.starts_at),
            ends_at=data.get("ends_at", event.ends_at),
            time_zone=data.get("time_zone", event.time_zone),
            location=data.get("location", event.location),
            meeting_url=data.get("meeting_url", event.meeting_url),
            generate_room=not data.get("meeting_url", event.meeting_url),
            capacity=data.get("capacity", event.capacity),
        )
        services.change_event(event, details, by=request.user)
        return with_etag(_detail(request, event))


class EventCancel(APIView):
    @extend_schema(
        request=None,
        responses=EventDetailSerializer,
        summary="Cancel an event (its hosts); everyone registered is told",
    )
    def post(self, request: Request, pk: int) -> Response:
        event = services.cancel_event(_event(request, pk), by=request.user)
        return _detail(request, event)


class EventCohost(APIView):
    @extend_schema(
        request=CohostAnswerSerializer,
        responses=EventDetailSerializer,
        summary="Confirm or decline co-hosting for an organisation you are an admin of",
    )
    def post(self, request: Request, pk: int, slug: str) -> Response:
        event = _event(request, pk)
        serializer = CohostAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = get_organisation_for_user(request.user, slug)
        services.answer_cohosting(
            event,
            organisation,
            by=request.user,
            accept=serializer.validated_data["accept"],
        )
        return _detail(request, event)


class EventRegistration(APIView):
    def _answer(self, request: Request, event: Event, code: int = 200) -> Response:
        registration = selectors.registration_of(request.user, event)
        if registration is None:
            raise Http404()
        return Response(RegistrationSerializer(registration).data, status=code)

    @extend_schema(
        responses=RegistrationSerializer, summary="Your registration for the event"
    )
    def get(self, request: Request, pk: int) -> Response:
        return self._answer(request, _event(request, pk))

    @extend_schema(
        request=RegisterSerializer,
        responses=RegistrationSerializer,
        summary="Register (a place if one is free, else the waiting list); "
        "registering again changes nothing",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answers = {a["question"]: a["text"] for a in data.get("answers", [])}
        services.register(
            event, by=request.user, answers=answers, whole_series=data["whole_series"]
        )
        return self._answer(request, event)

    @extend_schema(
        request=None,
        responses=RegistrationSerializer,
        summary="Cancel your registration; the first on the waiting list gets "
        "the place",
    )
    def delete(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        services.cancel_registration(event, by=request.user)
        return self._answer(request, event)


class EventRegistrations(generics.ListAPIView):
    serializer_class = HostRegistrationSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        event = _event(self.request, self.kwargs["pk"])
        permissions.require_host(self.request.user, event)
        return (
            event.registrations.select_related("user__profile")
            .prefetch_related("answers")
            .order_by("id")
        )

    @extend_schema(summary="Everyone registered, waiting or cancelled (its hosts)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class EventAttendance(APIView):
    @extend_schema(
        request=AttendanceInputSerializer,
        responses=HostRegistrationSerializer,
        summary="Mark whether a registered person came (its hosts, once started)",
    )
    def post(self, request: Request, pk: int, registration: int) -> Response:
        event = _event(request, pk)
        permissions.require_host(request.user, event)
        serializer = AttendanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = event.registrations.filter(pk=registration).first()
        if found is None:
            raise Http404()
        found = services.mark_attendance(
            event,
            found,
            by=request.user,
            attendance=serializer.validated_data["attendance"],
        )
        return Response(HostRegistrationSerializer(found).data)


class EventFeedback(APIView):
    @extend_schema(
        responses=FeedbackSummarySerializer,
        summary="Attendance and feedback summary (its hosts)",
    )
    def get(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        permissions.require_host(request.user, event)
        summary = selectors.feedback_summary(event)
        return Response(
            {
                "count": summary.count,
                "average": summary.average,
                "ratings": {str(k): v for k, v in summary.ratings.items()},
                "comments": summary.comments,
                "attendance": selectors.attendance_summary(event),
            }
        )

    @extend_schema(
        request=FeedbackInputSerializer,
        responses=FeedbackSerializer,
        summary="Rate an event you attended, once it is over (again to change it)",
    )
    def put(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.give_feedback(
            event,
            by=request.user,
            rating=serializer.validated_data["rating"],
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(FeedbackSerializer(feedback).data)


class EventCalendarFile(APIView):
    renderer_classes = [CalendarRenderer, JSONRenderer]

    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.BINARY, description="An RFC 5545 calendar file."
            )
        },
        summary="The event as a calendar file (.ics); never holds the room link",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        event = _event(request, pk)
        registration = selectors.registration_of(request.user, event)
        return ical.calendar_response(
            [calendars.entry(event, registration=registration)],
            filename=f"event-{event.pk}.ics",
        )


class MyRegistrations(generics.ListAPIView):
    serializer_class = MyRegistrationSerializer
    pagination_class = IdCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        return (
            selectors.my_registrations(self.request.user)
            .prefetch_related("answers")
            .order_by("id")
        )

    @extend_schema(
        summary="Your registrations for events from a month ago on (any status)"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("events", EventList.as_view(), name="events"),
    path("events/<int:pk>", EventDetail.as_view(), name="event"),
    path("events/<int:pk>/cancel", EventCancel.as_view(), name="event-cancel"),
    path(
        "events/<int:pk>/cohosts/<slug:slug>",
        EventCohost.as_view(),
        name="event-cohost",
    ),
    path(
        "events/<int:pk>/registration",
        EventRegistration.as_view(),
        name="event-registration",
    ),
    path(
        "events/<int:pk>/registrations",
        EventRegistrations.as_view(),
        name="event-registrations",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration>/attendance",
        EventAttendance.as_view(),
        name="event-attendance",
    ),
    path("events/<int:pk>/feedback", EventFeedback.as_view(), name="event-feedback"),
    path("events/<int:pk>/ics", EventCalendarFile.as_view(), name="event-ics"),
    path(
        "me/event-registrations",
        MyRegistrations.as_view(),
        name="my-event-registrations",
    ),
]
