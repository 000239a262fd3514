"""REST API of the consent ledger and the access log: a person's own consents,
withdrawing one, and who saw their records. Someone else's consent answers 404,
like one that does not exist. Its urlpatterns are appended in kindred/api/urls.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.api.pagination import IdCursorPagination
from kindred.consents import permissions, selectors, services
from kindred.consents.models import AccessEntry, ConsentRecord


class NewestFirstPagination(IdCursorPagination):
    ordering = "-id"


class ConsentsOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, allow_null=True)
    name = serializers.CharField(
        read_only=True, help_text="Who receives the data; the ecosystem if no id."
    )


class ConsentsRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    to = ConsentsOrganisationSerializer(read_only=True)
    scope = serializers.ListField(child=serializers.CharField(), read_only=True)
    purpose = serializers.CharField(read_only=True)
    expires_on = serializers.DateField(read_only=True, allow_null=True)
    method = serializers.CharField(
        read_only=True,
        help_text="How consent was given: "
        + ", ".join(ConsentRecord.Method.values)
        + ".",
    )
    notice_version = serializers.CharField(read_only=True)
    given_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(
        [selectors.ACTIVE, selectors.WITHDRAWN, selectors.EXPIRED], read_only=True
    )
    withdrawn_at = serializers.DateTimeField(read_only=True, allow_null=True)
    about_type = serializers.CharField(
        read_only=True, allow_null=True, help_text="e.g. referrals.referral"
    )
    about_id = serializers.IntegerField(read_only=True, allow_null=True)


class ConsentsAccessEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)
    actor_name = serializers.CharField(read_only=True, allow_null=True)
    organisation = ConsentsOrganisationSerializer(read_only=True, allow_null=True)
    action = serializers.ChoiceField(AccessEntry.Action.choices, read_only=True)
    kind = serializers.ChoiceField(AccessEntry.Kind.choices, read_only=True)
    object_id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)


def _consent_data(row: selectors.ConsentRow) -> dict[str, Any]:
    c = row.record
    return {
        "id": c.pk,
        "to": {"id": c.organisation_id, "name": c.to_name},
        "scope": c.scope,
        "purpose": c.purpose,
        "expires_on": c.expires_on,
        "method": c.method,
        "notice_version": c.notice_version,
        "given_at": c.at,
        "status": row.status,
        "withdrawn_at": row.withdrawn_at,
        "about_type": f"{c.content_type.app_label}.{c.content_type.model}"
        if c.content_type is not None
        else None,
        "about_id": c.object_id,
    }


def _access_data(e: AccessEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "actor_id": e.actor_id,
        "actor_name": e.actor.profile.display_name if e.actor else None,
        "organisation": {"id": e.organisation_id, "name": e.organisation.name}
        if e.organisation
        else None,
        "action": e.action,
        "kind": e.kind,
        "object_id": e.object_id,
        "label": e.label,
    }


class ConsentList(generics.ListAPIView):
    serializer_class = ConsentsRecordSerializer
    pagination_class = NewestFirstPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ConsentRecord]:
        if getattr(self, "swagger_fake_view", False):
            return ConsentRecord.objects.none()
        return selectors.consents_given(self.request.user).select_related(
            "content_type"
        )

    @extend_schema(summary="Every consent you gave, with its status now")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = [_consent_data(row) for row in selectors.rows(list(page or []))]
        return self.get_paginated_response(
            ConsentsRecordSerializer(data, many=True).data
        )


class ConsentWithdraw(APIView):
    @extend_schema(
        request=None,
        responses={200: ConsentsRecordSerializer},
        summary="Withdraw a consent you gave; it takes effect at once everywhere",
    )
    def post(self, request: Request, pk: int) -> Response:
        record = permissions.get_consent_for_user(request.user, pk)
        services.withdraw(record, by=request.user)
        record = permissions.get_consent_for_user(request.user, pk)
        row = selectors.rows([record])[0]
        return Response(ConsentsRecordSerializer(_consent_data(row)).data)


class AccessLog(generics.ListAPIView):
    serializer_class = ConsentsAccessEntrySerializer
    pagination_class = NewestFirstPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[AccessEntry]:
        if getattr(self, "swagger_fake_view", False):
            return AccessEntry.objects.none()
        return selectors.access_log(self.request.user)

    @extend_schema(
        summary="Who viewed, received, sent on or exported your referral and "
        "programme records"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = [_access_data(e) for e in page or []]
        return self.get_paginated_response(
            ConsentsAccessEntrySerializer(data, many=True).data
        )


urlpatterns = [
    path("consents", ConsentList.as_view(), name="consents"),
    path(
        "consents/<int:pk>/withdraw", ConsentWithdraw.as_view(), name="consent-withdraw"
    ),
    path("consents/access-log", AccessLog.as_view(), name="consent-access-log"),
]
