"""Exports of ecosystem analytics: the metrics as CSV and the graph as GEXF or
GraphML (for Gephi or networkx).

People are pseudonymised ("Person 17", numbered per export) unless a steward
asks for identifiable data, which is audited.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import networkx as nx
from django.utils.translation import gettext as _

from kindred.analytics import selectors
from kindred.analytics.models import Snapshot
from kindred.analytics.permissions import can_export
from kindred.core.audit import record
from kindred.core.errors import KindredError, NotAllowed

FORMATS = ("gexf", "graphml")


def metrics_csv(snapshots: list[Snapshot]) -> str:
    """One row per month, one column per metric (programme outcomes left out)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", *selectors.METRIC_KEYS])
    for snapshot in snapshots:
        row: list[Any] = [snapshot.month.strftime("%Y-%m")]
        for key in selectors.METRIC_KEYS:
            value = snapshot.metrics.get(key)
            row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue()


def graph(snapshot: Snapshot, *, identifiable: bool) -> nx.MultiDiGraph:
    """The snapshot's graph for networkx: every tie, node attributes from the
    snapshot (type, community, betweenness, organisation)."""
    elements = selectors.network(snapshot, max_nodes=10**9, identifiable=identifiable)
    g = nx.MultiDiGraph(month=snapshot.month.strftime("%Y-%m"))
    for node in elements["nodes"]:
        data = node["data"]
        g.add_node(
            data["id"],
            label=data["label"],
            type=data["type"],
            community=int(data["community"]),
            betweenness=float(data["betweenness"]),
            organisation=data["organisation"] or "",
        )
    for edge in elements["edges"]:
        data = edge["data"]
        g.add_edge(
            data["source"],
            data["target"],
            key=data["id"],
            kind=data["kind"],
            weight=float(data["weight"]),
        )
    return g


def graph_file(snapshot: Snapshot, fmt: str, *, identifiable: bool, by: Any) -> bytes:
    """The snapshot's graph as GEXF or GraphML; stewards only.

    Node ids are "p<n>" for people and "o<id>" for organisations; with
    identifiable False a person's id and label are a pseudonym numbered for this
    export. An identifiable export is recorded in the audit log.
    """
    if not can_export(by):
        raise NotAllowed(_("Only stewards can export the graph."))
    if fmt not in FORMATS:
        raise KindredError(_("Choose GEXF or GraphML."), field="format")
    g = graph(snapshot, identifiable=identifiable)
    out = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(g, out)
    else:
        nx.write_graphml(g, out)
    if identifiable:
        record(
            "analytics.identifiable_export",
            actor=by,
            target=snapshot,
            format=fmt,
        )
    return out.getvalue()
