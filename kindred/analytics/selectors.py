"""Reads of ecosystem analytics: snapshots, series, the month's story, the network,
an organisation's view, the public figures and a member's own ties.

Everything shown beyond stewards suppresses counts below MIN_GROUP (None).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.algorithms import ecosystem
from kindred.analytics.models import (
    EcosystemSettings,
    NodeSnapshot,
    NodeType,
    OrganisationSnapshot,
    Snapshot,
    Tie,
)
from kindred.directory import selectors as directory
from kindred.organisations import selectors as organisations
from kindred.referrals import selectors as referrals

MIN_GROUP = 5
P = NodeType.PERSON
O = NodeType.ORGANISATION  # noqa: E741


@dataclass(frozen=True)
class MetricInfo:
    key: str
    label: Promise | str
    unit: str  # "count" | "share" | "ratio" | "days"
    higher_is_better: bool


METRICS: list[MetricInfo] = [
    MetricInfo("nodes", gettext_lazy("People and organisations"), "count", True),
    MetricInfo("people", gettext_lazy("People"), "count", True),
    MetricInfo("organisations", gettext_lazy("Organisations"), "count", True),
    MetricInfo("ties", gettext_lazy("Ties"), "count", True),
    MetricInfo("density", gettext_lazy("Density"), "ratio", True),
    MetricInfo("mean_degree", gettext_lazy("Mean ties per node"), "ratio", True),
    MetricInfo(
        "cross_org_share", gettext_lazy("Cross-organisation ties"), "share", True
    ),
    MetricInfo("ei_index", gettext_lazy("E-I index"), "ratio", True),
    MetricInfo("help_reciprocity", gettext_lazy("Reciprocity of help"), "share", True),
    MetricInfo(
        "isolates",
        gettext_lazy("People and organisations with no ties"),
        "count",
        False,
    ),
    MetricInfo(
        "largest_component", gettext_lazy("Largest connected group"), "count", True
    ),
    MetricInfo(
        "largest_component_share",
        gettext_lazy("Share in the largest connected group"),
        "share",
        True,
    ),
    MetricInfo("communities", gettext_lazy("Communities"), "count", False),
    MetricInfo("modularity", gettext_lazy("Modularity (how siloed)"), "ratio", False),
    MetricInfo("clustering", gettext_lazy("Clustering"), "ratio", True),
    MetricInfo("new_ties", gettext_lazy("New ties this month"), "count", True),
    MetricInfo(
        "new_bridging_ties",
        gettext_lazy("New ties bridging communities"),
        "count",
        True,
    ),
    MetricInfo(
        "referral_completion_rate",
        gettext_lazy("Referrals completed"),
        "share",
        True,
    ),
    MetricInfo(
        "referral_median_days_to_first_response",
        gettext_lazy("Median days to a referral's first response"),
        "days",
        False,
    ),
    MetricInfo("help_response_rate", gettext_lazy("Asks answered"), "share", True),
    MetricInfo("mentoring_match_rate", gettext_lazy("Mentees matched"), "share", True),
    MetricInfo(
        "mentoring_meeting_rate",
        gettext_lazy("Mentoring pairs that met"),
        "share",
        True,
    ),
    MetricInfo(
        "training_completions", gettext_lazy("Courses completed"), "count", True
    ),
]
METRIC_KEYS = [m.key for m in METRICS]
KIND_LABELS = dict(Tie.Kind.choices)


def settings() -> EcosystemSettings:
    return EcosystemSettings.load()


#: Every page's footer asks whether the public page is on; each process reads the
#: answer at most this often (seconds). A switch is seen at once by the process
#: that made it and within this time by the others.
PUBLIC_PAGE_SECONDS = 30
_public_page: dict[str, Any] = {}


def public_page_on() -> bool:
    """Whether the steward has turned the public ecosystem page on (memoised)."""
    now = time.monotonic()
    if _public_page.get("until", 0.0) > now:
        return bool(_public_page["on"])
    on = bool(
        EcosystemSettings.objects.filter(pk=1)
        .values_list("public_page", flat=True)
        .first()
    )
    remember_public_page(on, now=now)
    return on


def forget_public_page() -> None:
    """Drop this process's memo (the page was just switched)."""
    _public_page.clear()


def remember_public_page(on: bool, *, now: float | None = None) -> None:
    """Set this process's memo (tests start from 'off' without a query)."""
    start = time.monotonic() if now is None else now
    _public_page.update(on=on, until=start + PUBLIC_PAGE_SECONDS)


def latest_snapshot() -> Snapshot | None:
    return (
        Snapshot.objects.filter(status=Snapshot.Status.DONE).order_by("-month").first()
    )


def snapshot_for(month: date) -> Snapshot | None:
    return Snapshot.objects.filter(month=month.replace(day=1)).first()


def snapshots(months: int = 24) -> list[Snapshot]:
    """The latest `months` snapshots, oldest first."""
    latest = Snapshot.objects.filter(status=Snapshot.Status.DONE).order_by("-month")
    return list(reversed(latest[:months]))


def series(months: int = 24) -> dict[str, list[tuple[date, float | None]]]:
    """Every metric's values, month by month, oldest first."""
    taken = snapshots(months)
    return {key: [(s.month, s.metrics.get(key)) for s in taken] for key in METRIC_KEYS}


def _percent(value: float) -> str:
    return f"{round(100 * value)}%"


def _number(info: MetricInfo, value: float) -> str:
    if info.unit == "share":
        return _percent(value)
    if info.unit == "count":
        return str(int(value))
    return f"{value:.2f}" if info.unit == "ratio" else f"{value:.1f}"


#: The metrics the story tells, in this order.
STORY_KEYS = (
    "cross_org_share",
    "help_reciprocity",
    "largest_component_share",
    "modularity",
    "referral_completion_rate",
    "help_response_rate",
    "mentoring_match_rate",
)


def story(snapshot: Snapshot, previous: Snapshot | None) -> list[str]:
    """The month in sentences, comparing `snapshot` with the `previous` one."""
    now = snapshot.metrics
    sentences: list[str] = []
    if previous is None:
        sentences.append(
            _(
                "This is the first snapshot: %(ties)s ties between %(nodes)s "
                "people and organisations."
            )
            % {"ties": now.get("ties", 0), "nodes": now.get("nodes", 0)}
        )
    else:
        before = previous.metrics
        infos = {m.key: m for m in METRICS}
        for key in STORY_KEYS:
            old, new = before.get(key), now.get(key)
            if old is None or new is None:
                continue
            info = infos[key]
            old_text, new_text = _number(info, old), _number(info, new)
            if old_text == new_text:
                continue
            values = {"metric": info.label, "old": old_text, "new": new_text}
            if new > old:
                sentences.append(_("%(metric)s rose from %(old)s to %(new)s.") % values)
            else:
                sentences.append(_("%(metric)s fell from %(old)s to %(new)s.") % values)
        old_c, new_c = before.get("communities"), now.get("communities")
        if old_c is not None and new_c is not None and old_c != new_c:
            if new_c < old_c:
                sentences.append(
                    _("Communities merged: %(old)s became %(new)s.")
                    % {"old": old_c, "new": new_c}
                )
            else:
                sentences.append(
                    _("Communities split: %(old)s became %(new)s.")
                    % {"old": old_c, "new": new_c}
                )
    new_ties = now.get("new_ties") or 0
    bridging = now.get("new_bridging_ties") or 0
    if new_ties:
        sentences.append(
            _("%(new)s new ties this month, %(bridging)s of them bridging communities.")
            % {"new": new_ties, "bridging": bridging}
        )
    else:
        sentences.append(_("No new ties this month."))
    return sentences


def _previous(snapshot: Snapshot) -> Snapshot | None:
    return (
        Snapshot.objects.filter(month__lt=snapshot.month, status=Snapshot.Status.DONE)
        .order_by("-month")
        .first()
    )


def month_story(snapshot: Snapshot) -> list[str]:
    """`story` of a snapshot against the one before it."""
    return story(snapshot, _previous(snapshot))


def programme_outcomes(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The programmes' outcome summaries the snapshot stored, ready to show.

    One row per cohort, with each scale's mean change from entry to exit as a
    signed text ("+0.75"); a scale whose figures are hidden (fewer than five
    people answered both) has None for its count and change.
    """
    rows = []
    for summary in snapshot.metrics.get("programme_outcomes") or []:
        scales = []
        for scale in summary.get("scales") or []:
            change = scale.get("mean_change")
            shown = scale.get("n") is not None and change is not None
            scales.append(
                {
                    "scale": scale.get("scale", ""),
                    "n": scale.get("n") if shown else None,
                    "change": f"{change:+.2f}" if shown else None,
                    "higher_is_better": scale.get("higher_is_better", True),
                }
            )
        rows.append(
            {
                "programme": summary.get("programme", ""),
                "cohort": summary.get("cohort", ""),
                "enrolled": summary.get("enrolled"),
                "scales": scales,
            }
        )
    return rows


def _key(node_type: str, node_id: int) -> str:
    return f"{node_type}{node_id}"


def network(
    snapshot: Snapshot,
    *,
    organisation: Any = None,
    kinds: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    max_nodes: int = 400,
    identifiable: bool = True,
) -> dict[str, Any]:
    """Cytoscape elements of the snapshot's graph, coloured by community.

    Filters: an organisation (ties of it and its people), tie kinds and a period
    (by default up to the snapshot's month end). When more than `max_nodes`
    nodes remain, the best connected are kept and `truncated` is True.
    """
    from kindred.analytics.services import next_month

    last = next_month(snapshot.month)
    ties = Tie.objects.filter(on__lt=last)
    if end is not None:
        ties = ties.filter(on__lte=end)
    if start is not None:
        ties = ties.filter(on__gte=start)
    if kinds:
        ties = ties.filter(kind__in=kinds)
    if organisation is not None:
        members = [
            uid
            for uid, oid in organisations.primary_organisations().items()
            if oid == organisation.pk
        ]
        ties = ties.filter(
            Q(source_type=O, source_id=organisation.pk)
            | Q(target_type=O, target_id=organisation.pk)
            | Q(source_type=P, source_id__in=members)
            | Q(target_type=P, target_id__in=members)
        )
    merged: dict[tuple[str, str, str], float] = defaultdict(float)
    degree: Counter[str] = Counter()
    for kind, s_type, s_id, t_type, t_id, weight in ties.values_list(
        "kind", "source_type", "source_id", "target_type", "target_id", "weight"
    ).iterator(chunk_size=20000):
        a, b = sorted((_key(s_type, s_id), _key(t_type, t_id)))
        if (a, b, kind) not in merged:
            degree[a] += 1
            degree[b] += 1
        merged[(a, b, kind)] += weight
    keep = {key for key, _n in degree.most_common(max_nodes)}
    truncated = len(degree) > len(keep)
    edges = [
        (a, b, kind, weight)
        for (a, b, kind), weight in merged.items()
        if a in keep and b in keep
    ]
    person_ids = sorted(int(k[1:]) for k in keep if k[0] == P)
    org_ids = sorted(int(k[1:]) for k in keep if k[0] == O)
    placed = {
        _key(t, i): (c, b)
        for t, i, c, b in NodeSnapshot.objects.filter(snapshot=snapshot)
        .filter(
            Q(node_type=P, node_id__in=person_ids) | Q(node_type=O, node_id__in=org_ids)
        )
        .values_list("node_type", "node_id", "community", "betweenness")
    }
    org_names = organisations.organisation_names(org_ids)
    person_names = organisations.person_names(person_ids) if identifiable else {}
    primary = organisations.primary_organisations() if person_ids else {}
    nodes = []
    pseudonyms = {pid: n for n, pid in enumerate(person_ids, start=1)}

    def shown(key: str) -> str:
        if identifiable or key[0] == O:
            return key
        return f"{P}{pseudonyms[int(key[1:])]}"

    for key in sorted(keep, key=lambda k: (k[0], int(k[1:]))):
        node_id = int(key[1:])
        community, betweenness = placed.get(key, (-1, 0.0))
        if key[0] == O:
            label = org_names.get(node_id, _("Organisation %(n)s") % {"n": node_id})
            node_type, org = "organisation", _key(O, node_id)
        else:
            label = person_names.get(node_id) or _("Person %(n)s") % {
                "n": pseudonyms[node_id]
            }
            node_type = "person"
            org = _key(O, primary[node_id]) if node_id in primary else None
        nodes.append(
            {
                "data": {
                    "id": shown(key),
                    "label": label,
                    "type": node_type,
                    "community": community,
                    "betweenness": betweenness,
                    "organisation": org,
                }
            }
        )
    return {
        "nodes": nodes,
        "edges": [
            {
                "data": {
                    "id": f"e{n}",
                    "source": shown(a),
                    "target": shown(b),
                    "kind": kind,
                    "weight": weight,
                }
            }
            for n, (a, b, kind, weight) in enumerate(
                sorted(edges, key=lambda e: (e[0], e[1], e[2])), start=1
            )
        ],
        "truncated": truncated,
    }


def _suppress(value: int | None, for_steward: bool) -> int | None:
    if value is None or for_steward or value >= MIN_GROUP:
        return value
    return None


def _org_pairs_connected() -> set[frozenset[int]]:
    return {
        frozenset((a, b))
        for a, b in Tie.objects.filter(
            kind__in=[Tie.Kind.REFERRAL_ORG, Tie.Kind.PARTNERSHIP],
            source_type=O,
            target_type=O,
        ).values_list("source_id", "target_id")
    }


def organisation_view(
    organisation: Any, snapshot: Snapshot | None = None, *, for_steward: bool = False
) -> dict[str, Any]:
    """An organisation's partners, bridging role and bridge suggestions.

    Counts below MIN_GROUP are None unless `for_steward`.
    """
    snapshot = snapshot or latest_snapshot()
    org_id = organisation.pk
    primary = organisations.primary_organisations()
    members = {uid for uid, oid in primary.items() if oid == org_id}
    ties = Tie.objects.filter(
        Q(source_type=O, source_id=org_id)
        | Q(target_type=O, target_id=org_id)
        | Q(source_type=P, source_id__in=members)
        | Q(target_type=P, target_id__in=members)
    )
    if snapshot is not None:
        from kindred.analytics.services import next_month

        ties = ties.filter(on__lt=next_month(snapshot.month))
    partner_kinds: dict[int, Counter[str]] = defaultdict(Counter)
    for kind, s_type, s_id, t_type, t_id in ties.values_list(
        "kind", "source_type", "source_id", "target_type", "target_id"
    ).iterator(chunk_size=20000):
        first = s_id if s_type == O else primary.get(s_id)
        second = t_id if t_type == O else primary.get(t_id)
        if first == org_id and second not in (None, org_id):
            partner_kinds[second][kind] += 1
        elif second == org_id and first not in (None, org_id):
            partner_kinds[first][kind] += 1
    names = organisations.organisation_names(list(partner_kinds))
    partners = sorted(
        (
            {
                "organisation": {"id": other, "name": names.get(other, "")},
                "kinds": {
                    kind: _suppress(count, for_steward) for kind, count in kinds.items()
                },
                "ties": _suppress(sum(kinds.values()), for_steward),
            }
            for other, kinds in partner_kinds.items()
            if other in names
        ),
        key=lambda p: (
            -sum(partner_kinds[p["organisation"]["id"]].values()),
            p["organisation"]["name"],
        ),
    )
    bridging: dict[str, Any] = {
        "rank": None,
        "betweenness": None,
        "bridging": None,
        "community": None,
    }
    if snapshot is not None:
        row = OrganisationSnapshot.objects.filter(
            snapshot=snapshot, organisation_id=org_id
        ).first()
        if row is not None:
            mine = row.metrics.get("betweenness") or 0.0
            higher = NodeSnapshot.objects.filter(
                snapshot=snapshot, node_type=O, betweenness__gt=mine
            ).count()
            bridging = {
                "rank": higher + 1,
                "betweenness": row.metrics.get("betweenness"),
                "bridging": row.metrics.get("bridging"),
                "community": row.metrics.get("community"),
            }
    clients: dict[int, set[int]] = defaultdict(set)
    for oid, entrepreneur in referrals.analytics_referral_clients():
        clients[oid].add(entrepreneur)
    topics: dict[int, set[int]] = defaultdict(set)
    for oid, topic in directory.analytics_service_topics():
        topics[oid].add(topic)
    suggested = ecosystem.bridge_suggestions(
        dict(clients), dict(topics), _org_pairs_connected()
    ).get(org_id, [])
    suggestion_names = organisations.organisation_names([s[0] for s in suggested])
    suggestions = [
        {
            "organisation": {"id": other, "name": suggestion_names.get(other, "")},
            "score": round(score, 4),
            "shared_clients": _suppress(shared["shared_clients"], for_steward),
            "shared_topics": shared["shared_topics"],
        }
        for other, score, shared in suggested
        if other in suggestion_names
    ]
    return {
        "snapshot": snapshot,
        "partners": partners,
        "bridging": bridging,
        "suggestions": suggestions,
    }


PUBLIC_KEYS = (
    "people",
    "organisations",
    "ties",
    "cross_org_share",
    "largest_component_share",
    "communities",
    "new_ties",
    "new_bridging_ties",
    "referral_completion_rate",
    "help_response_rate",
    "training_completions",
)


def public_figures() -> dict[str, Any] | None:
    """Headline figures for anyone, or None while the public page is off."""
    if not settings().public_page:
        return None
    snapshot = latest_snapshot()
    if snapshot is None:
        return {"month": None, "figures": {}, "previous": {}}
    infos = {m.key: m for m in METRICS}
    previous = _previous(snapshot)

    def shown(metrics: dict[str, Any]) -> dict[str, Any]:
        figures = {}
        for key in PUBLIC_KEYS:
            value = metrics.get(key)
            if infos[key].unit == "count":
                value = _suppress(value, False)
            figures[key] = value
        return figures

    return {
        "month": snapshot.month,
        "figures": shown(snapshot.metrics),
        "previous": shown(previous.metrics) if previous else {},
    }


def my_ties(user: Any) -> list[dict[str, Any]]:
    """The ties that involve `user`, newest first: {kind, kind_label, other, on}."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = list(
        Tie.objects.filter(
            Q(source_type=P, source_id=user.pk) | Q(target_type=P, target_id=user.pk)
        )
        .order_by("-on", "-pk")
        .values_list(
            "kind", "source_type", "source_id", "target_type", "target_id", "on"
        )[:500]
    )
    others = []
    for kind, s_type, s_id, t_type, t_id, on in rows:
        other = (t_type, t_id) if (s_type, s_id) == (P, user.pk) else (s_type, s_id)
        others.append((kind, other, on))
    people = organisations.person_names({i for _k, (t, i), _o in others if t == P})
    orgs = organisations.organisation_names({i for _k, (t, i), _o in others if t == O})
    return [
        {
            "kind": kind,
            "kind_label": str(KIND_LABELS[kind]),
            "other": (people if node_type == P else orgs).get(node_id, _("Someone")),
            "on": on,
        }
        for kind, (node_type, node_id), on in others
    ]
