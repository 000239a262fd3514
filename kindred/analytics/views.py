"""Pages of ecosystem analytics: the steward's dashboard and network view, an
organisation's view, the public page and a member's own ties.

Thin: the figures come from `selectors`, changes go through `services` and the
files from `exports`. Stewards only where the data is the whole ecosystem's; an
organisation someone may not see answers 404, as does the public page while off.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.analytics import exports, permissions, selectors, services
from kindred.analytics.forms import (
    GraphExportForm,
    MonthForm,
    NetworkFilterForm,
    PublicPageForm,
    SnapshotForm,
)
from kindred.analytics.models import Snapshot
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, refuse
from kindred.core.steward_views import steward_required
from kindred.organisations import selectors as organisations

#: Rows in the network view's text alternative.
TOP_BROKERS = 15
TOP_COMMUNITIES = 12


def _value(info: selectors.MetricInfo, value: Any) -> str:
    """A metric for people: shares as percentages, ratios to two places."""
    if value is None:
        return "—"
    if info.unit == "share":
        return f"{round(100 * value)}%"
    if info.unit == "count":
        return f"{int(value):,}"
    if info.unit == "days":
        return f"{value:.1f}"
    return f"{value:.2f}"


def _chart_value(info: selectors.MetricInfo, value: Any) -> float | None:
    if value is None:
        return None
    return round(100 * value, 1) if info.unit == "share" else value


def _month_text(month: date) -> str:
    return month.strftime("%Y-%m")


def _unit_label(unit: str) -> str:
    return {
        "share": _("per cent"),
        "count": _("count"),
        "ratio": _("ratio"),
        "days": _("days"),
    }.get(unit, unit)


def _charts(taken: list[Snapshot]) -> list[dict[str, Any]]:
    """One chart (and its table) per metric, oldest month first."""
    months = [_month_text(s.month) for s in taken]
    charts = []
    for info in selectors.METRICS:
        values = [s.metrics.get(info.key) for s in taken]
        charts.append(
            {
                "key": info.key,
                "label": str(info.label),
                "unit": info.unit,
                "unit_label": _unit_label(info.unit),
                "higher_is_better": info.higher_is_better,
                "rows": [
                    (month, _value(info, value))
                    for month, value in zip(months, values, strict=True)
                ],
                "data": {
                    "labels": months,
                    "values": [_chart_value(info, v) for v in values],
                },
            }
        )
    return charts


def _headline(snapshot: Snapshot, previous: Snapshot | None) -> list[dict[str, Any]]:
    figures = []
    for info in selectors.METRICS:
        value = snapshot.metrics.get(info.key)
        before = previous.metrics.get(info.key) if previous else None
        change = ""
        if value is not None and before is not None and value != before:
            better = (value > before) == info.higher_is_better
            change = "better" if better else "worse"
        figures.append(
            {
                "label": info.label,
                "value": _value(info, value),
                "previous": _value(info, before) if previous else None,
                "change": change,
            }
        )
    return figures


# --- the steward's dashboard ------------------------------------------------------


@steward_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.GET or None)
    status = 200
    taken = selectors.snapshots(24)
    snapshot = taken[-1] if taken else None
    if form.is_bound:
        if not form.is_valid():
            status = 400
        elif form.cleaned_data["month"]:
            wanted = form.cleaned_data["month"]
            found = next((s for s in taken if s.month == wanted), None)
            if found is None:
                found = selectors.snapshot_for(wanted)
                if found is not None and found.status != Snapshot.Status.DONE:
                    found = None
            if found is None:
                form.add_error(
                    "month",
                    _("There is no snapshot of %(month)s.")
                    % {"month": _month_text(wanted)},
                )
                status = 404
            else:
                snapshot = found
    previous = None
    story: list[str] = []
    if snapshot is not None:
        earlier = [s for s in taken if s.month < snapshot.month]
        if earlier or snapshot in taken:
            previous = earlier[-1] if earlier else None
            story = selectors.story(snapshot, previous)
        else:  # older than the charts reach: ask for the month before it
            story = selectors.month_story(snapshot)
    charts = _charts(taken)
    today = timezone.localdate()
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "snapshot": snapshot,
            "previous": previous,
            "snapshots": list(reversed(taken)),
            "headline": _headline(snapshot, previous) if snapshot else [],
            "story": story,
            "outcomes": selectors.programme_outcomes(snapshot) if snapshot else [],
            "charts": charts,
            "chart_data": {c["key"]: c["data"] | {"label": c["label"]} for c in charts},
            "snapshot_form": SnapshotForm(initial={"month": _month_text(today)}),
            "export_form": GraphExportForm(
                initial={"month": _month_text(snapshot.month) if snapshot else ""}
            ),
            "public_page": selectors.settings().public_page,
        },
        status=status,
    )


@steward_required
@require_POST
def take_snapshot(request: HttpRequest) -> HttpResponse:
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("analytics:dashboard")
    month = form.cleaned_data["month"]
    try:
        snapshot = services.snapshot_now(month, by=request.user)
    except NotAllowed as error:
        return refuse(request, error)
    except KindredError as error:
        messages.error(request, error.message)
        return redirect("analytics:dashboard")
    messages.success(
        request,
        _("The snapshot of %(month)s is taken (%(seconds)s seconds).")
        % {"month": _month_text(snapshot.month), "seconds": snapshot.took_seconds},
    )
    return redirect(
        f"{reverse('analytics:dashboard')}?month={_month_text(snapshot.month)}"
    )


@steward_required
@require_POST
def public_page(request: HttpRequest) -> HttpResponse:
    form = PublicPageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on or off."))
        return redirect("analytics:dashboard")
    enabled = form.cleaned_data["enabled"]

    def switch() -> None:
        services.set_public_page(enabled, by=request.user)

    return act(
        request,
        switch,
        success=(
            _("The public ecosystem page is on.")
            if enabled
            else _("The public ecosystem page is off.")
        ),
        then=reverse("analytics:dashboard"),
    )


# --- exports ----------------------------------------------------------------------


def _download(content: bytes | str, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _export_snapshot(request: HttpRequest, month: date | None) -> Snapshot:
    snapshot = selectors.snapshot_for(month) if month else selectors.latest_snapshot()
    if snapshot is None or snapshot.status != Snapshot.Status.DONE:
        raise Http404(_("There is no snapshot to export."))
    return snapshot


@steward_required
@require_GET
def export_metrics(request: HttpRequest) -> HttpResponse:
    text = exports.metrics_csv(selectors.snapshots(10_000))
    return _download(text, "ecosystem-metrics.csv", "text/csv; charset=utf-8")


def _graph_response(snapshot: Snapshot, fmt: str, content: bytes, *, named: bool):
    suffix = "-identifiable" if named else ""
    content_type = "application/xml" if fmt == "graphml" else "application/gexf+xml"
    return _download(
        content,
        f"ecosystem-{_month_text(snapshot.month)}{suffix}.{fmt}",
        content_type,
    )


@steward_required
@require_GET
def export_graph(request: HttpRequest, fmt: str) -> HttpResponse:
    """The graph with people pseudonymised (for Gephi or networkx)."""
    form = MonthForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            form.errors["month"][0], status=400, content_type="text/plain"
        )
    month = form.cleaned_data.get("month") if form.is_bound else None
    snapshot = _export_snapshot(request, month)
    try:
        content = exports.graph_file(snapshot, fmt, identifiable=False, by=request.user)
    except NotAllowed as error:
        return refuse(request, error)
    except KindredError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain")
    return _graph_response(snapshot, fmt, content, named=False)


@steward_required
@require_http_methods(["GET", "POST"])
def export_identifiable(request: HttpRequest) -> HttpResponse:
    """The graph with people's names: an explicit confirmation, audited."""
    latest = selectors.latest_snapshot()
    form = GraphExportForm(
        request.POST or None,
        initial={"month": _month_text(latest.month) if latest else ""},
    )
    if request.method == "POST" and form.is_valid():
        snapshot = _export_snapshot(request, form.cleaned_data["month"])
        fmt = form.cleaned_data["format"]
        try:
            content = exports.graph_file(
                snapshot, fmt, identifiable=True, by=request.user
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            form.add_error(None, error.message)
        else:
            return _graph_response(snapshot, fmt, content, named=True)
    return render(
        request,
        "analytics/export_identifiable.html",
        {"form": form, "snapshot": latest},
        status=400 if form.is_bound else 200,
    )


# --- the network view -------------------------------------------------------------


def _organisation_choices() -> list[tuple[int, str]]:
    return list(organisations.list_organisations().values_list("pk", "name"))


def _network_filters(request: HttpRequest) -> NetworkFilterForm:
    return NetworkFilterForm(request.GET or None, organisations=_organisation_choices())


def _network_for(form: NetworkFilterForm) -> tuple[Snapshot | None, dict[str, Any]]:
    """The snapshot and the Cytoscape elements the (valid) filters ask for."""
    data = form.cleaned_data if form.is_bound else {}
    month = data.get("month")
    snapshot = selectors.snapshot_for(month) if month else selectors.latest_snapshot()
    if snapshot is None:
        return None, {"nodes": [], "edges": [], "truncated": False}
    organisation = None
    if data.get("organisation"):
        organisation = organisations.active_organisation(data["organisation"])
    elements = selectors.network(
        snapshot,
        organisation=organisation,
        kinds=data.get("kinds") or None,
        start=data.get("start"),
        end=data.get("end"),
    )
    return snapshot, elements


def _text_alternative(elements: dict[str, Any]) -> dict[str, Any]:
    """Top brokers and communities of the shown graph, for a table."""
    nodes = [node["data"] for node in elements["nodes"]]
    brokers = sorted(
        (n for n in nodes if n["betweenness"]),
        key=lambda n: (-n["betweenness"], n["label"]),
    )[:TOP_BROKERS]
    groups: dict[int, list[dict[str, Any]]] = {}
    for node in nodes:
        if node["community"] is not None and node["community"] >= 0:
            groups.setdefault(node["community"], []).append(node)
    communities = [
        {
            "id": community,
            "size": len(members),
            "organisations": sum(1 for m in members if m["type"] == "organisation"),
            "leading": [
                m["label"] for m in sorted(members, key=lambda m: -m["betweenness"])[:3]
            ],
        }
        for community, members in sorted(
            groups.items(), key=lambda item: (-len(item[1]), item[0])
        )
    ][:TOP_COMMUNITIES]
    return {"brokers": brokers, "communities": communities}


def _bad_filters_response(form: NetworkFilterForm) -> JsonResponse:
    return JsonResponse(
        {
            "detail": _("Some filters are not valid."),
            "errors": {
                field: [str(e) for e in errors] for field, errors in form.errors.items()
            },
        },
        status=400,
    )


@steward_required
@require_GET
def network(request: HttpRequest) -> HttpResponse:
    form = _network_filters(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "analytics/network.html",
            {"form": form, "snapshot": None, "elements": None},
            status=400,
        )
    snapshot, elements = _network_for(form)
    if form.is_bound and form.cleaned_data.get("month") and snapshot is None:
        form.add_error(
            "month",
            _("There is no snapshot of %(month)s.")
            % {"month": _month_text(form.cleaned_data["month"])},
        )
        return render(
            request,
            "analytics/network.html",
            {"form": form, "snapshot": None, "elements": None},
            status=404,
        )
    return render(
        request,
        "analytics/network.html",
        {
            "form": form,
            "snapshot": snapshot,
            "elements": elements,
            "alternative": _text_alternative(elements),
            "data_url": f"{reverse('analytics:network_json')}?"
            f"{request.GET.urlencode()}",
            "labels": {
                "kinds": {k: str(v) for k, v in selectors.KIND_LABELS.items()},
            },
        },
    )


@steward_required
@require_GET
def network_json(request: HttpRequest) -> JsonResponse:
    form = _network_filters(request)
    if form.is_bound and not form.is_valid():
        return _bad_filters_response(form)
    snapshot, elements = _network_for(form)
    if snapshot is None:
        return JsonResponse({"detail": _("There is no snapshot yet.")}, status=404)
    return JsonResponse(elements | {"month": _month_text(snapshot.month)})


# --- an organisation's view -------------------------------------------------------


@login_required
@require_GET
def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.get_organisation_for_user(request.user, pk)
    for_steward = bool(permissions.can_see_dashboard(request.user))
    view = selectors.organisation_view(found, for_steward=for_steward)
    linked = {p["organisation"]["id"] for p in view["partners"]} | {
        s["organisation"]["id"] for s in view["suggestions"]
    }
    slugs = (
        dict(
            organisations.list_organisations()
            .filter(pk__in=linked)
            .values_list("pk", "slug")
        )
        if linked
        else {}
    )
    kind_labels = selectors.KIND_LABELS
    partners = [
        partner
        | {
            "slug": slugs.get(partner["organisation"]["id"]),
            "kind_rows": sorted(
                (str(kind_labels.get(kind, kind)), count)
                for kind, count in partner["kinds"].items()
            ),
        }
        for partner in view["partners"]
    ]
    suggestions = [
        suggestion | {"slug": slugs.get(suggestion["organisation"]["id"])}
        for suggestion in view["suggestions"]
    ]
    return render(
        request,
        "analytics/organisation.html",
        {
            "organisation": found,
            "snapshot": view["snapshot"],
            "partners": partners,
            "bridging": view["bridging"],
            "suggestions": suggestions,
            "for_steward": for_steward,
        },
    )


# --- the public page and a member's own ties --------------------------------------


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    figures = selectors.public_figures()
    if figures is None:
        raise Http404
    infos = {m.key: m for m in selectors.METRICS}
    rows = [
        {
            "key": key,
            "label": infos[key].label,
            "value": _value(infos[key], value) if value is not None else None,
            "previous": (
                _value(infos[key], figures["previous"].get(key))
                if figures["previous"].get(key) is not None
                else None
            ),
        }
        for key, value in figures["figures"].items()
    ]
    # Shares only (no counts, so nothing small to suppress), month by month.
    trend_keys = ("cross_org_share", "largest_component_share")
    history = selectors.series(12) if figures["month"] is not None else {}
    trend = {
        "labels": [_month_text(month) for month, _v in history.get(trend_keys[0], [])],
        "datasets": [
            {
                "label": str(infos[key].label),
                "values": [
                    None if v is None else round(100 * v, 1) for _m, v in history[key]
                ],
            }
            for key in trend_keys
            if key in history
        ],
    }
    table = [
        (label, [d["values"][i] for d in trend["datasets"]])
        for i, label in enumerate(trend["labels"])
    ]
    return render(
        request,
        "analytics/public.html",
        {"month": figures["month"], "rows": rows, "trend": trend, "table": table},
    )


@login_required
@require_GET
def my_ties(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:  # pragma: no cover - login_required
        raise PermissionDenied
    return render(
        request, "analytics/my_ties.html", {"ties": selectors.my_ties(request.user)}
    )
