"""REST API of ecosystem analytics: snapshots (stewards), an organisation's view
(its admins and practitioners, stewards), the public figures (anyone, while the
page is on), a member's own ties and the exports (stewards).

An organisation someone may not see answers 404 exactly like one that does not
exist; so does the public page while it is off.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpResponse
from django.urls import path, register_converter
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.analytics import exports, permissions, selectors, services
from kindred.analytics.models import Snapshot
from kindred.api.serializers import StrictCharField
from kindred.core.errors import KindredError, NotAllowed

# --- serializers ------------------------------------------------------------------


class AnalyticsSnapshotSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    taken_at = serializers.DateTimeField(read_only=True)
    took_seconds = serializers.FloatField(read_only=True)
    metrics = serializers.DictField(
        read_only=True, help_text="Ecosystem and domain metrics by key."
    )

    @extend_schema_field(serializers.CharField(help_text="YYYY-MM"))
    def get_month(self, snapshot: Snapshot) -> str:
        return snapshot.month.strftime("%Y-%m")


class AnalyticsSnapshotDetailSerializer(AnalyticsSnapshotSerializer):
    story = serializers.ListField(child=serializers.CharField(), read_only=True)


class AnalyticsSnapshotInSerializer(serializers.Serializer):
    month = StrictCharField(max_length=7, help_text="YYYY-MM")


class AnalyticsOrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AnalyticsPartnerSerializer(serializers.Serializer):
    organisation = AnalyticsOrganisationRefSerializer()
    kinds = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Ties by kind; null when fewer than five.",
    )
    ties = serializers.IntegerField(allow_null=True)


class AnalyticsBridgingSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    betweenness = serializers.FloatField(allow_null=True)
    bridging = serializers.FloatField(allow_null=True)
    community = serializers.IntegerField(allow_null=True)


class AnalyticsSuggestionSerializer(serializers.Serializer):
    organisation = AnalyticsOrganisationRefSerializer()
    score = serializers.FloatField()
    shared_clients = serializers.IntegerField(allow_null=True)
    shared_topics = serializers.IntegerField()


class AnalyticsOrganisationSerializer(serializers.Serializer):
    month = serializers.CharField(allow_null=True)
    partners = AnalyticsPartnerSerializer(many=True)
    bridging = AnalyticsBridgingSerializer()
    suggestions = AnalyticsSuggestionSerializer(many=True)


class AnalyticsPublicSerializer(serializers.Serializer):
    month = serializers.CharField(allow_null=True)
    figures = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Headline figures; counts below five are null.",
    )
    previous = serializers.DictField(child=serializers.FloatField(allow_null=True))


class AnalyticsTieSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.Tie.Kind.choices)
    kind_label = serializers.CharField()
    other = serializers.CharField()
    on = serializers.DateField()


# --- helpers ----------------------------------------------------------------------


class MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "analytics_month")


def _steward(request: Request) -> None:
    if not permissions.can_see_dashboard(request.user):
        raise NotAllowed(_("Only stewards can see ecosystem analytics."))


def _snapshot(text: str) -> Snapshot:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        raise Http404
    try:
        month = services.parse_month(text)
    except KindredError:
        raise Http404 from None
    snapshot = selectors.snapshot_for(month)
    if snapshot is None:
        raise Http404
    return snapshot


def _month(snapshot: Snapshot | None) -> str | None:
    return snapshot.month.strftime("%Y-%m") if snapshot else None


class FileRenderer(BaseRenderer):
    media_type = "*/*"
    format = "file"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- views ------------------------------------------------------------------------


class SnapshotList(APIView):
    @extend_schema(
        responses=AnalyticsSnapshotSerializer(many=True),
        summary="Monthly snapshots, oldest first (stewards)",
    )
    def get(self, request: Request) -> Response:
        _steward(request)
        return Response(
            AnalyticsSnapshotSerializer(selectors.snapshots(), many=True).data
        )

    @extend_schema(
        request=AnalyticsSnapshotInSerializer,
        responses={201: AnalyticsSnapshotSerializer},
        summary="Take (or take again) the snapshot of a month now (stewards)",
    )
    def post(self, request: Request) -> Response:
        _steward(request)
        serializer = AnalyticsSnapshotInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        month = services.parse_month(serializer.validated_data["month"])
        snapshot = services.snapshot_now(month, by=request.user)
        return Response(
            AnalyticsSnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED
        )


class SnapshotDetail(APIView):
    @extend_schema(
        responses=AnalyticsSnapshotDetailSerializer,
        summary="One month's snapshot and its story (stewards)",
    )
    def get(self, request: Request, month: str) -> Response:
        _steward(request)
        snapshot = _snapshot(month)
        data = AnalyticsSnapshotSerializer(snapshot).data
        data["story"] = selectors.month_story(snapshot)
        return Response(data)


class OrganisationView(APIView):
    @extend_schema(
        responses=AnalyticsOrganisationSerializer,
        summary="An organisation's partners, bridging role and bridge suggestions",
    )
    def get(self, request: Request, pk: int) -> Response:
        organisation = permissions.get_organisation_for_user(request.user, pk)
        view = selectors.organisation_view(
            organisation, for_steward=permissions.steward(request.user)
        )
        view["month"] = _month(view.pop("snapshot"))
        return Response(AnalyticsOrganisationSerializer(view).data)


class PublicFigures(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=AnalyticsPublicSerializer,
        summary="The public ecosystem figures (404 while the page is off)",
    )
    def get(self, request: Request) -> Response:
        figures = selectors.public_figures()
        if figures is None:
            raise Http404
        month = figures["month"]
        figures["month"] = month.strftime("%Y-%m") if month else None
        return Response(AnalyticsPublicSerializer(figures).data)


class MyTies(APIView):
    @extend_schema(
        responses=AnalyticsTieSerializer(many=True),
        summary="Your ties in the relationship graph (no one else's)",
    )
    def get(self, request: Request) -> Response:
        return Response(
            AnalyticsTieSerializer(selectors.my_ties(request.user), many=True).data
        )


class MetricsExport(APIView):
    renderer_classes = [FileRenderer, JSONRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY, description="One row per month."
            )
        },
        summary="The metrics as CSV (stewards)",
    )
    def get(self, request: Request) -> HttpResponse:
        _steward(request)
        content = exports.metrics_csv(selectors.snapshots(months=240))
        return _download(content.encode(), "ecosystem-metrics.csv", "text/csv")


GRAPH_TYPES = {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml"}


class GraphExport(APIView):
    renderer_classes = [FileRenderer, JSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month", str, description="YYYY-MM; the latest snapshot if absent"
            ),
            OpenApiParameter(
                "identifiable",
                bool,
                description="Names instead of pseudonyms (audited)",
            ),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The graph file."
            )
        },
        summary="The graph as GEXF or GraphML, people pseudonymised (stewards)",
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        _steward(request)
        month = request.query_params.get("month")
        snapshot = _snapshot(month) if month else selectors.latest_snapshot()
        if snapshot is None:
            raise Http404
        identifiable = request.query_params.get("identifiable", "") in ("true", "1")
        content = exports.graph_file(
            snapshot, fmt, identifiable=identifiable, by=request.user
        )
        return _download(content, f"ecosystem-{snapshot}.{fmt}", GRAPH_TYPES[fmt])


urlpatterns = [
    path(
        "analytics/snapshots",
        SnapshotList.as_view(),
        name="analytics-snapshots",
    ),
    path(
        "analytics/snapshots/<analytics_month:month>",
        SnapshotDetail.as_view(),
        name="analytics-snapshot",
    ),
    path(
        "analytics/organisations/<int:pk>",
        OrganisationView.as_view(),
        name="analytics-organisation",
    ),
    path("analytics/public", PublicFigures.as_view(), name="analytics-public"),
    path("analytics/me/ties", MyTies.as_view(), name="analytics-my-ties"),
    path(
        "analytics/export/metrics.csv",
        MetricsExport.as_view(),
        name="analytics-export-metrics",
    ),
    path(
        "analytics/export/graph.gexf",
        GraphExport.as_view(),
        {"fmt": "gexf"},
        name="analytics-export-gexf",
    ),
    path(
        "analytics/export/graph.graphml",
        GraphExport.as_view(),
        {"fmt": "graphml"},
        name="analytics-export-graphml",
    ),
]
