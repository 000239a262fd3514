"""REST API of referrals: create, list, move, thread, outcomes, consent, log, report.

Status, reason, outcome and party values are stable codes; pages show labels.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.models import Profile, User
from kindred.accounts.permissions import is_steward
from kindred.algorithms import referral_flow as flow
from kindred.api.idempotency import idempotent
from kindred.api.pagination import IdCursorPagination
from kindred.api.serializers import OrganisationRefSerializer, StrictCharField
from kindred.directory.models import Service
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import get_organisation_for_user
from kindred.referrals import selectors, services
from kindred.referrals.models import (
    NOTICE_VERSION,
    SHAREABLE,
    SHAREABLE_CODES,
    Consent,
    LogEntry,
    Message,
    Outcome,
    Referral,
)

# --- serializers ------------------------------------------------------------------


class MemberRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="Member (profile) id")
    name = serializers.CharField(read_only=True)


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.profile.pk, "name": user.profile.display_name}


class SharedFieldSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=SHAREABLE)
    label = serializers.CharField()
    value = serializers.CharField()


class ConsentSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Consent.Status.choices)
    fields = serializers.ListField(child=serializers.ChoiceField(choices=SHAREABLE))
    purpose = serializers.CharField()
    expires_on = serializers.DateField()
    valid = serializers.BooleanField()
    method = serializers.ChoiceField(choices=Consent.Method.choices)
    notice_version = serializers.CharField()
    given_on = serializers.DateField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)


def _consent_data(consent: Consent | None) -> dict[str, Any] | None:
    if consent is None:
        return None
    return {
        "status": consent.status,
        "fields": consent.fields,
        "purpose": consent.purpose,
        "expires_on": consent.expires_on,
        "valid": consent.is_valid(),
        "method": consent.method,
        "notice_version": consent.notice_version,
        "given_on": consent.given_on,
        "withdrawn_at": consent.withdrawn_at,
    }


class ReferralSerializer(serializers.Serializer):
    """A referral as the caller may see it.

    A receiver whose consent has ended sees only that the referral existed:
    `redacted` is true and `entrepreneur`, `shared` and `note` are empty.
    """

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    status_label = serializers.CharField()
    redacted = serializers.BooleanField()
    your_parties = serializers.ListField(
        child=serializers.ChoiceField(choices=list(flow.PARTIES))
    )
    allowed_moves = serializers.ListField(
        child=serializers.ChoiceField(choices=Referral.Status.choices)
    )
    service_id = serializers.IntegerField(allow_null=True)
    service_name = serializers.CharField()
    receiving_organisation = OrganisationRefSerializer()
    referring_organisation = OrganisationRefSerializer(allow_null=True)
    receiving_person = MemberRefSerializer(allow_null=True)
    referrer = MemberRefSerializer(allow_null=True)
    entrepreneur = MemberRefSerializer(allow_null=True)
    note = serializers.CharField()
    shared = SharedFieldSerializer(many=True)
    consent = ConsentSerializer(allow_null=True)
    reason = serializers.CharField()
    reason_note = serializers.CharField()
    redirected_from = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    first_response_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


def _org(organisation: Organisation | None) -> dict[str, Any] | None:
    if organisation is None:
        return None
    return {"id": organisation.pk, "slug": organisation.slug, "name": organisation.name}


def referral_data(referral: Referral, user: User) -> dict[str, Any]:
    parties = selectors.parties_of(user, referral)
    receiver_only = parties == {flow.RECEIVER}
    redacted = receiver_only and not selectors.receiver_may_see_details(referral)
    shared = selectors.shared_details(referral) if flow.RECEIVER in parties else None
    knows_entrepreneur = bool(parties & {flow.ENTREPRENEUR, flow.REFERRER}) or (
        shared is not None and any(code == "name" for code, *_ in shared.fields)
    )
    return {
        "id": referral.pk,
        "status": referral.status,
        "status_label": str(Referral.Status(referral.status).label),
        "redacted": redacted,
        "your_parties": sorted(parties),
        "allowed_moves": services.allowed_moves(user, referral),
        "service_id": referral.service_id,
        "service_name": referral.service_name,
        "receiving_organisation": _org(referral.receiving_organisation),
        "referring_organisation": _org(referral.referring_organisation),
        "receiving_person": _person(referral.receiving_person),
        "referrer": None
        if redacted
        or (
            referral.referrer_id == referral.entrepreneur_id
            and selectors.hides_entrepreneur(user, referral)
        )
        else _person(referral.referrer),
        "entrepreneur": _person(referral.entrepreneur) if knows_entrepreneur else None,
        "note": referral.note if parties & {flow.ENTREPRENEUR, flow.REFERRER} else "",
        "shared": [
            {"field": code, "label": label, "value": value}
            for code, label, value in (shared.fields if shared else [])
        ],
        "consent": None if redacted else _consent_data(selectors.consent_of(referral)),
        "reason": referral.reason,
        "reason_note": "" if redacted else referral.reason_note,
        "redirected_from": referral.redirected_from_id,
        "created_at": referral.created_at,
        "sent_at": referral.sent_at,
        "due_at": referral.due_at,
        "first_response_at": referral.first_response_at,
        "finished_at": referral.finished_at,
    }


def _referral_out(referral: Referral, user: User) -> Any:
    """The referral as JSON-ready data (dates as strings: replayable answers)."""
    return ReferralSerializer(referral_data(referral, user)).data


class ConsentInputSerializer(serializers.Serializer):
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=SHAREABLE),
        min_length=1,
        max_length=len(SHAREABLE_CODES),
        help_text="What the receiver may see. `wellbeing` only if explicitly listed.",
    )
    purpose = StrictCharField(max_length=300)
    expires_on = serializers.DateField()
    method = serializers.ChoiceField(
        choices=Consent.Method.choices,
        default=Consent.Method.IN_APP,
        help_text="`in_app` asks the entrepreneur in Kindred; the others record "
        "consent they gave the practitioner (then `given_on` is needed).",
    )
    given_on = serializers.DateField(required=False, allow_null=True)
    notice_version = StrictCharField(
        max_length=20, required=False, default=NOTICE_VERSION
    )


class ReferralCreateSerializer(serializers.Serializer):
    entrepreneur = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Member id of the person referred; leave out to refer yourself.",
    )
    service = serializers.IntegerField(min_value=1, required=False)
    organisation = serializers.SlugField(required=False)
    person = serializers.IntegerField(
        min_value=1, required=False, help_text="Member id of a practitioner"
    )
    from_organisation = serializers.SlugField(required=False)
    note = StrictCharField(max_length=4000, required=False, allow_blank=True)
    wellbeing_note = StrictCharField(max_length=2000, required=False, allow_blank=True)
    consent = ConsentInputSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        targets = [k for k in ("service", "organisation", "person") if k in attrs]
        if len(targets) != 1:
            raise serializers.ValidationError(
                {"service": ["Give exactly one of service, organisation or person."]}
            )
        return attrs


class MoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Referral.Status.choices)
    reason = serializers.ChoiceField(
        choices=Referral.Reason.choices, required=False, allow_blank=True
    )
    note = StrictCharField(max_length=500, required=False, allow_blank=True)
    redirect_to = serializers.IntegerField(
        min_value=1, required=False, help_text="Service id, when redirecting"
    )
    outcome = serializers.ChoiceField(choices=Outcome.Kind.choices, required=False)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False
    )
    number = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.SerializerMethodField()
    party = serializers.CharField(read_only=True)
    audience = serializers.ChoiceField(
        choices=Message.Audience.choices, default=Message.Audience.EVERYONE
    )
    body = StrictCharField(max_length=4000)
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(MemberRefSerializer(allow_null=True))
    def get_author(self, message: Message) -> dict[str, Any] | None:
        """The author; `null` where the entrepreneur's name is not shared with you."""
        return _person(getattr(message, "shown_actor", message.author))


class OutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Outcome.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    number = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True
    )
    note = StrictCharField(max_length=500, required=False, allow_blank=True)
    recorded_for = OrganisationRefSerializer(read_only=True, allow_null=True)
    recorded_at = serializers.DateTimeField(read_only=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ConsentAnswerSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["give", "decline"])
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=SHAREABLE),
        required=False,
        max_length=len(SHAREABLE_CODES),
        help_text="Agreeing, share only these of the fields asked for.",
    )


class LogEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=LogEntry.Action.choices)
    party = serializers.CharField()
    actor = MemberRefSerializer(allow_null=True)
    organisation = OrganisationRefSerializer(allow_null=True)


class ReportParamsSerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class FunnelSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    sent = serializers.IntegerField()
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    completed = serializers.IntegerField()
    open = serializers.IntegerField()
    median_days_to_response = serializers.FloatField(allow_null=True)
    completion_rate = serializers.FloatField(allow_null=True)
    outcomes = serializers.DictField(child=serializers.IntegerField())
    by_month = serializers.ListField(child=serializers.DictField())


class ListParamsSerializer(serializers.Serializer):
    box = serializers.ChoiceField(choices=list(selectors.BOXES), default="received")
    status = serializers.ChoiceField(
        choices=["open", *Referral.Status.values], required=False
    )


# --- views ------------------------------------------------------------------------


class NewestFirst(IdCursorPagination):
    ordering = "-id"


def _referral(request: Request, pk: int) -> Referral:
    referral = selectors.visible_referral(request.user, pk)
    if referral is None:
        raise Http404("No such referral.")
    return referral


def _member(pk: int, field: str) -> User:
    profile = Profile.objects.filter(pk=pk, user__is_active=True).select_related("user")
    found = profile.first()
    if found is None:
        raise serializers.ValidationError({field: ["No such member."]})
    return found.user


class ReferralList(generics.ListAPIView):
    pagination_class = NewestFirst
    serializer_class = ReferralSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        params = ListParamsSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        return selectors.box(
            self.request.user,
            params.validated_data["box"],
            status=params.validated_data.get("status", ""),
        ).order_by()

    @extend_schema(
        parameters=[ListParamsSerializer],
        summary="Your referrals: received, sent, or about you (`box`)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        services.record_list_shares(page, by=request.user)
        return self.get_paginated_response(
            [_referral_out(r, request.user) for r in page]
        )

    @extend_schema(
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer},
        summary="Refer someone (practitioners) or ask for a service yourself",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entrepreneur = (
            _member(data["entrepreneur"], "entrepreneur")
            if "entrepreneur" in data
            else request.user
        )
        target: dict[str, Any] = {}
        if "service" in data:
            service = Service.objects.filter(pk=data["service"]).first()
            if service is None:
                raise serializers.ValidationError({"service": ["No such service."]})
            target["service"] = service
        elif "organisation" in data:
            organisation = Organisation.objects.filter(
                slug=data["organisation"], is_active=True
            ).first()
            if organisation is None:
                raise serializers.ValidationError(
                    {"organisation": ["No such organisation."]}
                )
            target["organisation"] = organisation
        else:
            target["person"] = _member(data["person"], "person")
        from_organisation = None
        if data.get("from_organisation"):
            from_organisation = Organisation.objects.filter(
                slug=data["from_organisation"]
            ).first()
            if from_organisation is None:
                raise serializers.ValidationError(
                    {"from_organisation": ["No such organisation."]}
                )
        consent = data["consent"]
        referral = services.create_referral(
            by=request.user,
            entrepreneur=entrepreneur,
            consent=services.ConsentInput(
                fields=consent["fields"],
                purpose=consent["purpose"],
                expires_on=consent["expires_on"],
                method=consent["method"],
                given_on=consent.get("given_on"),
                notice_version=consent.get("notice_version") or NOTICE_VERSION,
            ),
            from_organisation=from_organisation,
            note=data.get("note", ""),
            wellbeing_note=data.get("wellbeing_note", ""),
            **target,
        )
        referral = _referral(request, referral.pk)
        return Response(
            _referral_out(referral, request.user), status=status.HTTP_201_CREATED
        )


class ReferralDetail(APIView):
    @extend_schema(
        responses=ReferralSerializer,
        summary="One referral, as you may see it (the view is logged)",
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        services.record_view(referral, by=request.user)
        return Response(_referral_out(referral, request.user))


class ReferralMove(APIView):
    @extend_schema(
        request=MoveSerializer,
        responses=ReferralSerializer,
        summary="Move a referral to another status (409 when not allowed now)",
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        redirect_to = None
        if "redirect_to" in data:
            redirect_to = Service.objects.filter(
                pk=data["redirect_to"], status=Service.Status.ACTIVE
            ).first()
            if redirect_to is None:
                raise serializers.ValidationError({"redirect_to": ["No such service."]})
        outcome = None
        if "outcome" in data:
            outcome = services.OutcomeInput(
                kind=data["outcome"],
                amount=data.get("amount"),
                number=data.get("number"),
            )
        services.transition(
            referral,
            by=request.user,
            to=data["to"],
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            redirect_to=redirect_to,
            outcome=outcome,
        )
        return Response(_referral_out(_referral(request, pk), request.user))


class ReferralMessages(APIView):
    @extend_schema(
        responses=MessageSerializer(many=True),
        summary="The referral's thread, as far as you may read it",
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        parties = selectors.parties_of(request.user, referral)
        if parties == {flow.RECEIVER} and not selectors.receiver_may_see_details(
            referral
        ):
            raise PermissionDenied("The entrepreneur's consent has ended.")
        messages = selectors.mask_entrepreneur(
            selectors.thread_for(referral, parties),
            request.user,
            field="author",
            referral=referral,
        )
        return Response(MessageSerializer(messages, many=True).data)

    @extend_schema(
        request=MessageSerializer,
        responses={201: MessageSerializer},
        summary="Write in the referral's thread",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        serializer = MessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.post_message(
            referral,
            by=request.user,
            body=serializer.validated_data["body"],
            audience=serializer.validated_data["audience"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ReferralOutcomes(APIView):
    @extend_schema(responses=OutcomeSerializer(many=True), summary="Outcomes")
    def get(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        parties = selectors.parties_of(request.user, referral)
        if parties == {flow.RECEIVER} and not selectors.receiver_may_see_details(
            referral
        ):
            raise PermissionDenied("The entrepreneur's consent has ended.")
        rows = referral.outcomes.select_related("recorded_for")
        return Response(OutcomeSerializer(rows, many=True).data)

    @extend_schema(
        request=OutcomeSerializer,
        responses={201: OutcomeSerializer},
        summary="Record an outcome of a completed referral (either organisation)",
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        serializer = OutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = services.record_outcome(
            referral,
            by=request.user,
            outcome=services.OutcomeInput(
                kind=data["kind"],
                amount=data.get("amount"),
                number=data.get("number"),
                note=data.get("note", ""),
            ),
        )
        return Response(OutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)


class OutcomeConfirm(APIView):
    @extend_schema(
        request=None,
        responses=OutcomeSerializer,
        summary="Confirm an outcome (the entrepreneur); a good one drafts a story",
    )
    def post(self, request: Request, pk: int, outcome: int) -> Response:
        referral = _referral(request, pk)
        row = get_object_or_404(Outcome, referral=referral, pk=outcome)
        row = services.confirm_outcome(row, by=request.user)
        return Response(OutcomeSerializer(row).data)


class ReferralConsent(APIView):
    @extend_schema(responses=ConsentSerializer, summary="The consent behind a referral")
    def get(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        parties = selectors.parties_of(request.user, referral)
        consent = selectors.consent_of(referral)
        if consent is None:
            raise Http404("No consent recorded.")
        if parties == {flow.RECEIVER} and not consent.is_valid():
            raise PermissionDenied("The entrepreneur's consent has ended.")
        return Response(_consent_data(consent))

    @extend_schema(
        request=ConsentAnswerSerializer,
        responses=ReferralSerializer,
        summary="Answer a consent request (the entrepreneur)",
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        serializer = ConsentAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.answer_consent(
            referral,
            by=request.user,
            give=serializer.validated_data["decision"] == "give",
            fields=serializer.validated_data.get("fields"),
        )
        return Response(_referral_out(_referral(request, pk), request.user))

    @extend_schema(
        responses=ReferralSerializer,
        summary="Withdraw consent (the entrepreneur); an open referral is withdrawn",
    )
    def delete(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        services.withdraw_consent(referral, by=request.user)
        return Response(_referral_out(_referral(request, pk), request.user))


class ReferralLog(APIView):
    @extend_schema(
        responses=LogEntrySerializer(many=True),
        summary="Who looked at or changed the referral (entrepreneur, admins)",
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = _referral(request, pk)
        parties = selectors.parties_of(request.user, referral)
        admin_of = set(selectors.admin_organisation_ids(request.user))
        if flow.ENTREPRENEUR not in parties and not (
            admin_of
            & {referral.receiving_organisation_id, referral.referring_organisation_id}
        ):
            raise PermissionDenied("Only the entrepreneur and admins see the log.")
        rows = selectors.mask_entrepreneur(
            selectors.log_for(referral)[:200],
            request.user,
            field="actor",
            referral=referral,
        )
        return Response(
            [
                {
                    "at": e.at,
                    "action": e.action,
                    "party": e.party,
                    "actor": _person(e.shown_actor),
                    "organisation": _org(e.organisation),
                }
                for e in rows
            ]
        )


class OrganisationReferralReport(APIView):
    @extend_schema(
        parameters=[
            ReportParamsSerializer,
            OpenApiParameter("slug", str, OpenApiParameter.PATH),
        ],
        responses=FunnelSerializer,
        summary="An organisation's referral funnel (its practitioners; stewards)",
    )
    def get(self, request: Request, slug: str) -> Response:
        organisation = get_organisation_for_user(request.user, slug)
        if organisation.pk not in selectors.staff_organisation_ids(
            request.user
        ) and not is_steward(request.user):
            raise PermissionDenied("Only the organisation's practitioners see this.")
        return Response(_funnel(request, organisation))


class EcosystemReferralReport(APIView):
    @extend_schema(
        parameters=[ReportParamsSerializer],
        responses=FunnelSerializer,
        summary="The referral funnel across the ecosystem (stewards)",
    )
    def get(self, request: Request) -> Response:
        if not is_steward(request.user):
            raise PermissionDenied("Only stewards see the whole ecosystem.")
        return Response(_funnel(request, None))


def _funnel(request: Request, organisation: Organisation | None) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    params = ReportParamsSerializer(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    end = params.validated_data.get("end") or timezone.localdate()
    start = params.validated_data.get("start") or end - timedelta(days=365)
    if start > end or (end - start).days > 3660:
        raise serializers.ValidationError(
            {"start": ["Give a start before the end, at most ten years apart."]}
        )
    funnel = selectors.funnel(organisation, start, end)
    return {
        "start": funnel.start,
        "end": funnel.end,
        "sent": funnel.sent,
        "received": funnel.received,
        "accepted": funnel.accepted,
        "declined": funnel.declined,
        "completed": funnel.completed,
        "open": funnel.open,
        "median_days_to_response": funnel.median_days_to_response,
        "completion_rate": funnel.completion_rate,
        "outcomes": {code: n for code, _label, n in funnel.outcomes},
        "by_month": [
            {"month": m, "sent": s, "received": r} for m, s, r in funnel.by_month
        ],
    }


urlpatterns = [
    path("referrals", ReferralList.as_view(), name="referrals"),
    path("referrals/<int:pk>", ReferralDetail.as_view(), name="referral"),
    path(
        "referrals/<int:pk>/transitions", ReferralMove.as_view(), name="referral-move"
    ),
    path(
        "referrals/<int:pk>/messages",
        ReferralMessages.as_view(),
        name="referral-messages",
    ),
    path(
        "referrals/<int:pk>/outcomes",
        ReferralOutcomes.as_view(),
        name="referral-outcomes",
    ),
    path(
        "referrals/<int:pk>/outcomes/<int:outcome>/confirm",
        OutcomeConfirm.as_view(),
        name="referral-outcome-confirm",
    ),
    path(
        "referrals/<int:pk>/consent", ReferralConsent.as_view(), name="referral-consent"
    ),
    path("referrals/<int:pk>/log", ReferralLog.as_view(), name="referral-log"),
    path(
        "organisations/<slug:slug>/referral-report",
        OrganisationReferralReport.as_view(),
        name="organisation-referral-report",
    ),
    path("referral-report", EcosystemReferralReport.as_view(), name="referral-report"),
]
