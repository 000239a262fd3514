"""REST API of the directory: services, search, the navigator and support plans."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import LANGUAGE_CHOICES, Stage, User
from kindred.api.concurrency import check_if_match, with_etag
from kindred.api.idempotency import idempotent
from kindred.api.serializers import (
    OrganisationRefSerializer,
    StrictBooleanField,
    StrictCharField,
    TermSerializer,
    _id_list,
)
from kindred.core.models import Region, Sector, Topic
from kindred.directory import selectors, services
from kindred.directory.models import WEEKDAYS, PlanItem, Service, SupportPlan
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import get_organisation_for_user

URGENCIES = [
    ("now", "Now: it is urgent"),
    ("soon", "In the next few weeks"),
    ("exploring", "Exploring"),
]
DELIVERY_PREFERENCES = [
    ("either", "Either"),
    ("online", "Online"),
    ("in_person", "In person"),
]

# --- serializers ------------------------------------------------------------------


class PlaceSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    address_1 = StrictCharField(max_length=200, required=False, allow_blank=True)
    city = StrictCharField(max_length=100, required=False, allow_blank=True)
    postal_code = StrictCharField(max_length=20, required=False, allow_blank=True)


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    hsds_id = serializers.UUIDField(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    name = serializers.CharField(read_only=True)
    alternate_name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Service.Status.choices, read_only=True)
    is_programme = serializers.BooleanField(read_only=True)
    topics = TermSerializer(many=True, read_only=True)
    stages = serializers.ListField(child=serializers.CharField(), read_only=True)
    sectors = TermSerializer(many=True, read_only=True)
    regions = TermSerializer(many=True, read_only=True)
    min_employees = serializers.IntegerField(read_only=True, allow_null=True)
    max_employees = serializers.IntegerField(read_only=True, allow_null=True)
    eligibility_description = serializers.CharField(read_only=True)
    cost = serializers.ChoiceField(choices=Service.Cost.choices, read_only=True)
    fees_description = serializers.CharField(read_only=True)
    delivery = serializers.ChoiceField(choices=Service.Delivery.choices, read_only=True)
    capacity = serializers.IntegerField(read_only=True, allow_null=True)
    wait_time = serializers.CharField(read_only=True)
    response_days = serializers.IntegerField(read_only=True)
    co_delivered_by = OrganisationRefSerializer(many=True, read_only=True)
    application_process = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    contact_name = serializers.CharField(read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    opening_days = serializers.ListField(child=serializers.CharField(), read_only=True)
    opens_at = serializers.TimeField(read_only=True, allow_null=True)
    closes_at = serializers.TimeField(read_only=True, allow_null=True)
    schedule_notes = serializers.CharField(read_only=True)
    last_reviewed_at = serializers.DateTimeField(read_only=True)
    needs_review = serializers.BooleanField(read_only=True)
    locations = serializers.SerializerMethodField()

    @extend_schema_field(PlaceSerializer(many=True))
    def get_locations(self, service: Service) -> list[dict[str, str]]:
        return PlaceSerializer(
            [sal.location for sal in service.service_at_locations.all()], many=True
        ).data


class ServiceWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    alternate_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    description = StrictCharField(max_length=10000)
    status = serializers.ChoiceField(choices=Service.Status.choices, required=False)
    is_programme = StrictBooleanField(required=False)
    topics = _id_list(Topic)
    stages = serializers.ListField(
        child=serializers.ChoiceField(choices=Stage.choices),
        required=False,
        max_length=5,
    )
    sectors = _id_list(Sector)
    regions = _id_list(Region)
    min_employees = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, allow_null=True
    )
    max_employees = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, allow_null=True
    )
    eligibility_description = StrictCharField(
        max_length=2000, required=False, allow_blank=True
    )
    cost = serializers.ChoiceField(choices=Service.Cost.choices, required=False)
    fees_description = StrictCharField(max_length=500, required=False, allow_blank=True)
    delivery = serializers.ChoiceField(choices=Service.Delivery.choices, required=False)
    capacity = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, allow_null=True
    )
    wait_time = StrictCharField(max_length=200, required=False, allow_blank=True)
    response_days = serializers.IntegerField(
        min_value=1,
        max_value=30,
        required=False,
        help_text="Working days the organisation takes to answer a referral.",
    )
    co_delivered_by = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        required=False,
        max_length=20,
        help_text="Slugs of the organisations that deliver the service too.",
    )

    def validate_co_delivered_by(self, slugs: list[str]) -> list[Organisation]:
        # Slugs are checked as slugs first, so nothing odd reaches the database.
        found = {
            o.slug: o
            for o in Organisation.objects.filter(slug__in=slugs, is_active=True)
        }
        unknown = sorted(set(slugs) - set(found))
        if unknown:
            raise serializers.ValidationError(
                f"No such organisation: {', '.join(unknown)}."
            )
        return [found[slug] for slug in dict.fromkeys(slugs)]

    application_process = StrictCharField(max_length=2000)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = StrictCharField(max_length=40, required=False, allow_blank=True)
    contact_name = StrictCharField(max_length=120, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES),
        required=False,
        max_length=20,
    )
    opening_days = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAYS), required=False, max_length=7
    )
    opens_at = serializers.TimeField(required=False, allow_null=True)
    closes_at = serializers.TimeField(required=False, allow_null=True)
    schedule_notes = StrictCharField(max_length=300, required=False, allow_blank=True)
    location = PlaceSerializer(
        required=False,
        help_text="Where the service happens in person; all parts empty removes it.",
    )


class ServiceCreateSerializer(ServiceWriteSerializer):
    organisation = serializers.SlugField(help_text="The organisation's slug")
    topics = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(
            queryset=Topic.objects.filter(is_active=True)
        ),
        min_length=1,
        max_length=50,
        help_text="At least one topic, so that search and the navigator find it.",
    )


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["service", "organisation"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    why = serializers.CharField()


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class SearchResponseSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    results = SearchResultSerializer(many=True)
    corrections = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Words that matched nothing, with the words searched instead.",
    )
    facets = serializers.DictField(child=FacetOptionSerializer(many=True))


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    what = serializers.ChoiceField(
        choices=["services", "organisations"], required=False
    )
    topic = serializers.SlugField(required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    sector = serializers.IntegerField(required=False, min_value=1)
    region = serializers.IntegerField(required=False, min_value=1)
    delivery = serializers.ChoiceField(choices=Service.Delivery.choices, required=False)
    cost = serializers.ChoiceField(choices=Service.Cost.choices, required=False)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices, required=False)
    organisation = serializers.IntegerField(required=False, min_value=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)


class NeedsSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    sector = serializers.PrimaryKeyRelatedField(
        queryset=Sector.objects.filter(is_active=True), required=False, allow_null=True
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(is_active=True), required=False, allow_null=True
    )
    topics = _id_list(Topic)
    urgency = serializers.ChoiceField(choices=URGENCIES, required=False, default="soon")
    delivery = serializers.ChoiceField(
        choices=DELIVERY_PREFERENCES, required=False, default="either"
    )
    text = StrictCharField(max_length=1000, required=False, allow_blank=True)

    def validate_topics(self, value: list[Topic]) -> list[Topic]:
        if len(value) > 5:
            raise serializers.ValidationError("Choose at most five topics.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("topics") and not (attrs.get("text") or "").strip():
            raise serializers.ValidationError(
                "Choose at least one topic or describe what you need."
            )
        return attrs

    def needs(self) -> selectors.Needs:
        data = self.validated_data
        return selectors.Needs(
            stage=data["stage"],
            sector=data["sector"].pk if data.get("sector") else None,
            region=data["region"].pk if data.get("region") else None,
            topics=tuple(t.pk for t in data.get("topics", [])),
            urgency=data.get("urgency", "soon"),
            delivery=data.get("delivery", "either"),
            text=(data.get("text") or "").strip(),
        )


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlanItem.Kind.choices)
    id = serializers.IntegerField(source="obj.pk")
    title = serializers.CharField()
    url = serializers.CharField()
    reason = serializers.CharField()


class PlanCreateSerializer(NeedsSerializer):
    title = StrictCharField(max_length=120, required=False, allow_blank=True)
    client = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Advisers: the id of the person the plan is for (they will own it).",
    )


class PlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    object_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    done = serializers.SerializerMethodField()

    def get_done(self, item: PlanItem) -> bool:
        return item.done_at is not None


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="profile.pk")
    name = serializers.CharField(source="profile.display_name")


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    owner = PersonRefSerializer(read_only=True)
    prepared_by = PersonRefSerializer(read_only=True, allow_null=True)
    needs = serializers.DictField(read_only=True)
    items = PlanItemSerializer(many=True, read_only=True)
    shared_with = PersonRefSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class PlanUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=120)


class ItemUpdateSerializer(serializers.Serializer):
    done = StrictBooleanField()


class ShareSerializer(serializers.Serializer):
    adviser = serializers.IntegerField(
        min_value=1, help_text="The member id (profile id) of the adviser."
    )


# --- views ------------------------------------------------------------------------


class ServiceSearch(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[SearchParamsSerializer],
        responses=SearchResponseSerializer,
        summary="Search services and organisations, with facets",
    )
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        limit = data.pop("limit", 20)
        query = selectors.SearchQuery(**{k: str(v) for k, v in data.items()})
        try:
            found = selectors.search(request.user, query, limit=limit)
        except selectors.SearchClosed as closed:
            raise NotAuthenticated(closed.message) from None
        body = {
            "total": found.total,
            "results": [
                {
                    "kind": r.kind,
                    "id": r.obj.pk,
                    "name": r.obj.name,
                    "url": r.obj.get_absolute_url(),
                    "why": r.why,
                }
                for r in found.results
            ],
            "corrections": {c.word: list(c.terms) for c in found.corrections},
            "facets": {
                facet: FacetOptionSerializer(options, many=True).data
                for facet, options in found.facets.items()
            },
        }
        return Response(body)


class ServiceList(APIView):
    @extend_schema(
        request=ServiceCreateSerializer,
        responses={201: ServiceSerializer},
        summary="Publish a service (organisation admins)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ServiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organisation = get_organisation_for_user(request.user, data.pop("organisation"))
        service = services.create_service(organisation, by=request.user, **data)
        service = selectors.service_queryset().get(pk=service.pk)
        return Response(ServiceSerializer(service).data, status=status.HTTP_201_CREATED)


def _service(request: Request, pk: int) -> Service:
    service = selectors.visible_service(request.user, pk)
    if service is None:
        raise Http404("No such service.")
    return service


class ServiceDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ServiceSerializer, summary="One service")
    def get(self, request: Request, pk: int) -> Response:
        if not selectors.may_search(request.user):
            raise NotAuthenticated("Log in to see the directory.")
        return with_etag(Response(ServiceSerializer(_service(request, pk)).data))

    @extend_schema(
        request=ServiceWriteSerializer(partial=True),
        responses=ServiceSerializer,
        summary="Change a service (organisation admins); marks it as checked",
    )
    def patch(self, request: Request, pk: int) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        service = _service(request, pk)
        serializer = ServiceWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            Service.objects.select_for_update(of=("self",)).filter(pk=pk).first()
            current = selectors.service_queryset().get(pk=pk)
            check_if_match(request, ServiceSerializer(current).data)
            services.update_service(
                service, by=request.user, **serializer.validated_data
            )
        service = selectors.service_queryset().get(pk=pk)
        return with_etag(Response(ServiceSerializer(service).data))

    @extend_schema(
        responses={204: None}, summary="Remove a service (organisation admins)"
    )
    def delete(self, request: Request, pk: int) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        services.delete_service(_service(request, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceReview(APIView):
    @extend_schema(
        request=None,
        responses=ServiceSerializer,
        summary="Say a service's details are still right",
    )
    def post(self, request: Request, pk: int) -> Response:
        service = services.mark_reviewed(_service(request, pk), by=request.user)
        service = selectors.service_queryset().get(pk=service.pk)
        return Response(ServiceSerializer(service).data)


class OrganisationServices(APIView):
    @extend_schema(
        responses=ServiceSerializer(many=True),
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH)],
        summary="Every service of an organisation (its admins see unlisted ones too)",
    )
    def get(self, request: Request, slug: str) -> Response:
        organisation = get_organisation_for_user(request.user, slug)
        visible = selectors.services_of_for(request.user, organisation)
        return Response(ServiceSerializer(visible, many=True).data)


class Navigator(APIView):
    @extend_schema(
        request=NeedsSerializer,
        responses=SuggestionSerializer(many=True),
        summary="Run the navigator: a ranked support plan, not saved",
    )
    def post(self, request: Request) -> Response:
        needs = NeedsSerializer(data=request.data)
        needs.is_valid(raise_exception=True)
        suggestions = selectors.navigate(request.user, needs.needs())
        return Response(SuggestionSerializer(suggestions, many=True).data)


def _plan(request: Request, pk: int) -> SupportPlan:
    plan = selectors.visible_plan(request.user, pk)
    if plan is None:
        raise Http404("No such plan.")
    return plan


class PlanList(APIView):
    @extend_schema(
        responses=PlanSerializer(many=True),
        summary="Your support plans and those shared with you",
    )
    def get(self, request: Request) -> Response:
        plans = selectors.plans_for(request.user).prefetch_related(
            "shared_with__profile"
        )
        return Response(PlanSerializer(plans[:200], many=True).data)

    @extend_schema(
        request=PlanCreateSerializer,
        responses={201: PlanSerializer},
        summary="Run the navigator and save the result as a plan",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = PlanCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owner = None
        client_id = serializer.validated_data.get("client")
        if client_id:
            owner = User.objects.filter(profile__pk=client_id, is_active=True).first()
            if owner is None:
                raise serializers.ValidationError({"client": ["No such member."]})
        needs = serializer.needs()
        plan = services.save_plan(
            by=request.user,
            needs=needs,
            title=serializer.validated_data.get("title", ""),
            owner=owner,
        )
        plan = _plan(request, plan.pk)
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetail(APIView):
    @extend_schema(responses=PlanSerializer, summary="One support plan")
    def get(self, request: Request, pk: int) -> Response:
        return Response(PlanSerializer(_plan(request, pk)).data)

    @extend_schema(
        request=PlanUpdateSerializer, responses=PlanSerializer, summary="Rename a plan"
    )
    def patch(self, request: Request, pk: int) -> Response:
        plan = _plan(request, pk)
        serializer = PlanUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.rename_plan(
            plan, by=request.user, title=serializer.validated_data["title"]
        )
        return Response(PlanSerializer(_plan(request, pk)).data)

    @extend_schema(responses={204: None}, summary="Delete a plan (its owner)")
    def delete(self, request: Request, pk: int) -> Response:
        services.delete_plan(_plan(request, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanItemDetail(APIView):
    @extend_schema(
        request=ItemUpdateSerializer,
        responses=PlanItemSerializer,
        summary="Tick a plan item off, or untick it",
    )
    def patch(self, request: Request, pk: int, item: int) -> Response:
        plan = _plan(request, pk)
        entry = get_object_or_404(PlanItem, plan=plan, pk=item)
        serializer = ItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.set_item_done(
            entry, by=request.user, done=serializer.validated_data["done"]
        )
        return Response(PlanItemSerializer(entry).data)


class PlanShares(APIView):
    @extend_schema(
        request=ShareSerializer,
        responses=PlanSerializer,
        summary="Share a plan with an adviser (its owner)",
    )
    def post(self, request: Request, pk: int) -> Response:
        plan = _plan(request, pk)
        serializer = ShareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        adviser = User.objects.filter(
            profile__pk=serializer.validated_data["adviser"]
        ).first()
        if adviser is None:
            raise serializers.ValidationError({"adviser": ["No such member."]})
        services.share_plan(plan, by=request.user, adviser=adviser)
        return Response(PlanSerializer(_plan(request, pk)).data)


class PlanShare(APIView):
    @extend_schema(responses={204: None}, summary="Stop sharing a plan with someone")
    def delete(self, request: Request, pk: int, member: int) -> Response:
        plan = _plan(request, pk)
        adviser = plan.shared_with.filter(profile__pk=member).first()
        if adviser is None:
            raise Http404("The plan is not shared with that member.")
        services.unshare_plan(plan, by=request.user, adviser=adviser)
        return Response(status=status.HTTP_204_NO_CONTENT)
