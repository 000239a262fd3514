"""REST API of moderation: any member reports content; stewards read the queue
and decide. Its urlpatterns are appended in kindred/api/urls.py.

Content is named by its registry key ("projects.project") and id. Reporting
content you cannot see is a 404, exactly like content that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.accounts.permissions import require_steward
from kindred.api.collaboration import MAX_ID, codes
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.serializers import StrictCharField
from kindred.moderation import permissions, selectors, services
from kindred.moderation.models import Decision, Reason, Report
from kindred.moderation.urls import ContentKeyConverter  # noqa: F401 - registers it

# --- serializers ------------------------------------------------------------------


class ReportInSerializer(serializers.Serializer):
    content = StrictCharField(
        max_length=101,
        help_text='Registry key of the content, e.g. "projects.project".',
    )
    object_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = codes(Reason, "ReportReasonEnum")
    note = StrictCharField(max_length=1000, required=False, allow_blank=True)


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    content = serializers.CharField(source="content_key", read_only=True)
    object_id = serializers.IntegerField(read_only=True)
    reason = codes(Reason, "ReportReasonEnum", read_only=True)
    note = serializers.CharField(read_only=True)
    status = codes(Report.Status, "ReportStatusEnum", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class QueueReportSerializer(ReportSerializer):
    reporter = PersonRefSerializer(read_only=True, allow_null=True)


class QueueItemSerializer(serializers.Serializer):
    content = serializers.CharField(source="key", read_only=True)
    object_id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    author = PersonRefSerializer(read_only=True, allow_null=True)
    hidden = serializers.BooleanField(
        source="is_hidden", read_only=True, allow_null=True
    )
    report_count = serializers.IntegerField(read_only=True)
    first_reported_at = serializers.DateTimeField(read_only=True)
    reports = QueueReportSerializer(many=True, read_only=True)


class QueuePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = QueueItemSerializer(many=True)


class QueueParams(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=100000, required=False)


class DecisionInSerializer(serializers.Serializer):
    action = codes(Decision.Action, "ModerationActionEnum")
    note = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Needed to warn (the author reads it) or suspend (the reason).",
    )


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    action = codes(Decision.Action, "ModerationActionEnum", read_only=True)
    note = serializers.CharField(read_only=True)
    steward = PersonRefSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    reports_closed = serializers.SerializerMethodField()

    def get_reports_closed(self, decision: Decision) -> int:
        return decision.reports.count()


# --- views ------------------------------------------------------------------------


class Reports(APIView):
    @extend_schema(
        request=ReportInSerializer,
        responses={201: ReportSerializer},
        summary="Report content you can see to the stewards",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ReportInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _, obj = permissions.get_reportable_for_user(
            request.user, data["content"], data["object_id"]
        )
        report = services.report_content(
            obj, by=request.user, reason=data["reason"], note=data.get("note", "")
        )
        return Response(ReportSerializer(report).data, status=201)


class Queue(APIView):
    @extend_schema(
        parameters=[QueueParams],
        responses=QueuePageSerializer,
        summary="Open reports grouped by content, oldest first (stewards)",
    )
    def get(self, request: Request) -> Response:
        require_steward(request.user)
        params = QueueParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        number = params.validated_data.get("page", 1)
        page, items = selectors.queue_page(number, per_page=20)

        def link(n: int) -> str:
            return request.build_absolute_uri(f"{request.path}?page={n}")

        data: dict[str, Any] = {
            "count": page.paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number())
            if page.has_previous()
            else None,
            "results": QueueItemSerializer(items, many=True).data,
        }
        return Response(data)


class Decisions(APIView):
    @extend_schema(
        request=DecisionInSerializer,
        responses={201: DecisionSerializer},
        summary="Hide, restore, warn, suspend or dismiss (stewards); reporters "
        "hear the outcome",
    )
    def post(self, request: Request, key: str, pk: int) -> Response:
        require_steward(request.user)
        _, obj = permissions.get_content(key, pk)
        serializer = DecisionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision = services.decide(
            obj, by=request.user, action=data["action"], note=data.get("note", "")
        )
        return Response(DecisionSerializer(decision).data, status=201)


urlpatterns = [
    path("moderation/reports", Reports.as_view(), name="moderation-reports"),
    path("moderation/queue", Queue.as_view(), name="moderation-queue"),
    path(
        "moderation/content/<contentkey:key>/<int:pk>/decisions",
        Decisions.as_view(),
        name="moderation-decisions",
    ),
]
