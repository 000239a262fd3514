# ruff: noqa: F811
"""Exports: the metrics CSV, and GEXF/GraphML read back with networkx, people
pseudonymised unless a steward asks for names (audited)."""

from __future__ import annotations

import csv
import io

import networkx as nx
import pytest

from kindred.analytics import exports, selectors, services
from kindred.core.audit import AuditEntry
from kindred.core.errors import NotAllowed

from .test_analytics import LAST_MONTH, graph, second_org  # noqa: F401
from .test_directory_api import api_for

READERS = {"gexf": nx.read_gexf, "graphml": nx.read_graphml}


def test_metrics_csv_has_a_row_per_month(graph):  # noqa: F811
    earlier = services.take_snapshot(services.previous_month(LAST_MONTH))
    latest = services.take_snapshot(LAST_MONTH)
    rows = list(csv.DictReader(io.StringIO(exports.metrics_csv([earlier, latest]))))
    assert [r["month"] for r in rows] == [
        earlier.month.strftime("%Y-%m"),
        latest.month.strftime("%Y-%m"),
    ]
    assert [r["ties"] for r in rows] == ["1", "3"]
    assert set(rows[0]) == {"month", *selectors.METRIC_KEYS}


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_pseudonymised_graph_reads_back_without_names(
    graph,
    steward,
    owner,
    organisation,
    fmt,  # noqa: F811
):
    snapshot = services.take_snapshot(LAST_MONTH)
    content = exports.graph_file(snapshot, fmt, identifiable=False, by=steward)
    g = READERS[fmt](io.BytesIO(content))
    assert g.number_of_nodes() == 5
    assert g.number_of_edges() == 3
    people = [n for n, d in g.nodes(data=True) if d["type"] == "person"]
    assert sorted(people) == ["p1", "p2", "p3"]
    assert g.nodes[f"o{organisation.pk}"]["label"] == organisation.name
    kinds = sorted(d["kind"] for _a, _b, d in g.edges(data=True))
    assert kinds == ["help", "meeting", "partnership"]
    text = content.decode()
    for secret in ("Olive Owner", "Colin Colleague", "Oscar Outsider", "@example.com"):
        assert secret not in text
    assert not AuditEntry.objects.filter(
        action="analytics.identifiable_export"
    ).exists()


def test_identifiable_export_is_audited_and_for_stewards_only(
    graph,
    steward,
    owner,  # noqa: F811
):
    snapshot = services.take_snapshot(LAST_MONTH)
    with pytest.raises(NotAllowed):
        exports.graph_file(snapshot, "gexf", identifiable=True, by=owner)
    content = exports.graph_file(snapshot, "graphml", identifiable=True, by=steward)
    g = nx.read_graphml(io.BytesIO(content))
    assert g.nodes[f"p{owner.pk}"]["label"] == "Olive Owner"
    assert (
        AuditEntry.objects.filter(
            action="analytics.identifiable_export", actor=steward
        ).count()
        == 1
    )


def test_export_endpoints_for_stewards(graph, steward):  # noqa: F811
    services.take_snapshot(LAST_MONTH)
    api = api_for(steward)
    csv_response = api.get("/api/v1/analytics/export/metrics.csv")
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().startswith("month,")
    gexf = api.get("/api/v1/analytics/export/graph.gexf")
    assert gexf.status_code == 200, gexf.content
    assert nx.read_gexf(io.BytesIO(gexf.content)).number_of_nodes() == 5
