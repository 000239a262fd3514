"""REST API of data rights: a member's own export (JSON).

`GET /api/v1/privacy/export` answers everything Kindred holds about the caller,
keyed by provider, the same data as data.json in the download on Your data.
Exports are audited and limited per hour (429 beyond).

This module also registers the API's own personal data: the stored answers of
idempotent requests (kindred.core.personal_data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.core.personal_data import Provider, register, rows
from kindred.privacy import services


class PrivacyExportSectionSerializer(serializers.Serializer):
    label = serializers.CharField()
    records = serializers.JSONField(help_text="The provider's records about you.")


class PrivacyExportSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="kindred-export/1")
    generated_at = serializers.DateTimeField()
    person = serializers.IntegerField(help_text="Your account id.")
    providers = serializers.DictField(
        child=PrivacyExportSectionSerializer(),
        help_text="Every kind of personal data, keyed by provider.",
    )


class PrivacyExport(APIView):
    @extend_schema(
        responses=PrivacyExportSerializer,
        summary="Everything Kindred holds about you (audited; a few times an hour)",
    )
    def get(self, request: Request) -> Response:
        return Response(services.export_data(request.user, by=request.user))


urlpatterns = [
    path("privacy/export", PrivacyExport.as_view(), name="privacy-export"),
]


# --- the API's personal data ---------------------------------------------------------


def _export(person: Any) -> dict[str, Any]:
    from kindred.api.models import IdempotencyRecord

    return {
        "repeatable_requests": rows(
            IdempotencyRecord.objects.filter(user=person),
            "method",
            "path",
            "status",
            "created_at",
        )
    }


def _erase(person: Any) -> None:
    from kindred.api.models import IdempotencyRecord

    IdempotencyRecord.objects.filter(user=person).delete()


def _purge(cutoff: datetime) -> int:
    from kindred.api.models import IdempotencyRecord

    deleted, _n = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


register(
    Provider(
        key="api.idempotency",
        label=_("Recent API requests kept so they can be safely repeated"),
        models=("api.idempotencyrecord",),
        export=_export,
        erase=_erase,
        retention={"idempotency_records": _purge},
    )
)
