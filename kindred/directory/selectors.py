"""Reads for the directory: search with facets, the navigator, plans, health."""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kindred.accounts import selectors as account_selectors
from kindred.accounts.models import LANGUAGE_NAMES, Stage, User
from kindred.accounts.permissions import is_steward
from kindred.algorithms import navigator
from kindred.algorithms.textsearch import Expansion, TextIndex, tokenize
from kindred.core.errors import NotAllowed
from kindred.core.models import Region, Sector, Topic
from kindred.directory.models import (
    REVIEW_INTERVAL,
    DirectoryJob,
    DirectorySettings,
    Service,
    ServiceAtLocation,
    SupportPlan,
)
from kindred.organisations import selectors as organisation_selectors
from kindred.organisations.models import Organisation

# What a search result card shows of a service.
CARD_FIELDS = (
    "name",
    "description",
    "delivery",
    "cost",
    "status",
    "is_programme",
    "organisation__name",
    "organisation__slug",
)
LISTED_STATUSES = (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED)
FACETS = ("topic", "stage", "sector", "region", "delivery", "cost", "kind")
FILTERS = (*FACETS, "organisation")  # facets, plus filters shown as no facet
ANY = "*"  # eligibility value meaning "open to all"


def service_queryset() -> QuerySet[Service]:
    """Services with everything a card or the HSDS API shows, in fixed queries."""
    return Service.objects.select_related(
        "organisation__hsds_record", "last_reviewed_by__profile"
    ).prefetch_related(
        "topics",
        "sectors",
        "regions",
        "co_delivered_by",
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related(
                "location__organisation__hsds_record", "service"
            ),
        ),
    )


def listed_services() -> QuerySet[Service]:
    """Services anyone may see: listed status, organisation not hidden."""
    return service_queryset().filter(
        status__in=LISTED_STATUSES, organisation__is_active=True
    )


def services_of(organisation: Organisation) -> QuerySet[Service]:
    return service_queryset().filter(organisation=organisation)


def services_of_for(user: User, organisation: Organisation) -> QuerySet[Service]:
    """An organisation's services as `user` may see them: members see all."""
    services = services_of(organisation)
    insider = is_steward(user) or (
        user.is_authenticated
        and organisation.pk in organisation_selectors.organisation_ids_of(user)
    )
    return services if insider else services.filter(status__in=LISTED_STATUSES)


def visible_service(user: User, pk: int) -> Service | None:
    """A listed service, or any service of the viewer's organisations.

    Stewards see every service.
    """
    service = service_queryset().filter(pk=pk).first()
    if service is None:
        return None
    listed = service.status in LISTED_STATUSES and service.organisation.is_active
    if listed or is_steward(user):
        return service
    if user.is_authenticated and service.organisation_id in set(
        organisation_selectors.organisation_ids_of(user)
    ):
        return service
    return None


class SearchClosed(NotAllowed):
    """Only signed-in members may search the directory (the steward's choice)."""


def may_search(user: User) -> bool:
    return bool(user.is_authenticated or _index().public_search)


# --- the in-memory search index ---------------------------------------------


@dataclass
class _Index:
    version: tuple[Any, ...]
    public_search: bool  # the steward's setting, read with the version
    kinds: np.ndarray  # "service" | "organisation"
    pks: np.ndarray
    owners: np.ndarray  # the organisation id of each document
    details: dict[str, np.ndarray]  # per document: delivery, is_programme, free, ...
    text: TextIndex
    facets: dict[str, dict[str, np.ndarray]]  # facet -> value -> bool mask
    open_to_all: dict[str, np.ndarray]  # eligibility facet -> bool mask
    topic_pks: list[int]  # the topics, in the order of `topic_text`
    topic_text: TextIndex  # topic names, to find people by what they offer
    names: dict[str, dict[str, str]]  # topic, sector and region labels by value
    facet_keys: list[tuple[str, str]]  # (facet, value) of each facet_matrix row
    facet_matrix: np.ndarray  # every facet mask stacked, to count in one pass


_lock = threading.Lock()
_cached: _Index | None = None


def _version() -> tuple[Any, ...]:
    """What the index depends on, read in one cheap query (indexed maxima)."""
    tables = {
        "service": Service._meta.db_table,
        "organisation": Organisation._meta.db_table,
        "topic": Topic._meta.db_table,
        "settings": DirectorySettings._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(updated_at) FROM {tables['service']}),"  # noqa: S608
            f" (SELECT MAX(updated_at) FROM {tables['organisation']}),"
            f" (SELECT COUNT(*) FROM {tables['topic']}),"
            f" (SELECT MAX(changed_at) FROM {tables['settings']}),"
            f" (SELECT MIN(CASE WHEN public_search THEN 1 ELSE 0 END)"
            f" FROM {tables['settings']})"
        )
        return tuple(cursor.fetchone())


def _index() -> _Index:
    global _cached
    version = _version()
    if _cached is not None and _cached.version == version:
        return _cached
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = _build_index(version)
        return _cached


def reset_index() -> None:
    global _cached
    _cached = None


def _through(model: Any, column: str) -> dict[int, list[int]]:
    links: dict[int, list[int]] = defaultdict(list)
    for service_id, target in model.objects.values_list("service_id", column):
        links[service_id].append(target)
    return links


def _build_index(version: tuple[Any, ...]) -> _Index:
    topic_names = dict(Topic.objects.values_list("pk", "name"))
    topic_slugs = dict(Topic.objects.values_list("pk", "slug"))
    topics = _through(Service.topics.through, "topic_id")
    sectors = _through(Service.sectors.through, "sector_id")
    regions = _through(Service.regions.through, "region_id")
    organisations = {
        o["pk"]: o
        for o in Organisation.objects.filter(is_active=True).values(
            "pk", "name", "kind", "summary", "description"
        )
    }
    org_regions: dict[int, list[int]] = defaultdict(list)
    for org_id, region_id in Organisation.regions.through.objects.values_list(
        "organisation_id", "region_id"
    ):
        org_regions[org_id].append(region_id)
    kinds: list[str] = []
    pks: list[int] = []
    documents: list[list[str]] = []
    values: dict[str, list[set[str]]] = {f: [] for f in FACETS}
    owners: list[int] = []
    language_names = {code: str(name) for code, name in LANGUAGE_NAMES.items()}
    org_topics: dict[int, set[str]] = defaultdict(set)
    rows = (
        Service.objects.filter(
            status__in=LISTED_STATUSES, organisation_id__in=list(organisations)
        )
        .order_by("pk")
        .values_list(
            "pk",
            "organisation_id",
            "name",
            "alternate_name",
            "description",
            "eligibility_description",
            "stages",
            "delivery",
            "cost",
            "languages",
            "hsds_extra",
            "is_programme",
            "status",
            "wait_time",
        )
    )
    details: dict[str, list[Any]] = {
        "delivery": [],
        "is_programme": [],
        "free": [],
        "open": [],
        "has_wait": [],
    }
    for (
        pk,
        org_id,
        name,
        alternate,
        description,
        eligibility,
        stages,
        delivery,
        cost,
        languages,
        extra,
        is_programme,
        status,
        wait_time,
    ) in rows.iterator(chunk_size=2000):
        details["delivery"].append(delivery)
        details["is_programme"].append(is_programme)
        details["free"].append(cost == Service.Cost.FREE)
        details["open"].append(status == Service.Status.ACTIVE)
        details["has_wait"].append(bool(wait_time))
        service_topics = topics.get(pk, [])
        foreign_terms = [
            str((a.get("taxonomy_term") or {}).get("name") or "")
            for a in (extra or {}).get("attributes", [])
        ]
        text = " ".join(
            [
                name,
                name,
                alternate,
                description,
                eligibility,
                organisations[org_id]["name"],
                *(topic_names.get(t, "") for t in service_topics),
                *(topic_names.get(t, "") for t in service_topics),
                *(language_names.get(code, code) for code in languages or []),
                *foreign_terms,
            ]
        )
        kinds.append("service")
        pks.append(pk)
        documents.append(tokenize(text))
        slugs = {topic_slugs[t] for t in service_topics if t in topic_slugs}
        org_topics[org_id] |= slugs
        values["topic"].append(slugs)
        values["stage"].append(set(stages or []) or {ANY})
        values["sector"].append({str(s) for s in sectors.get(pk, [])} or {ANY})
        values["region"].append({str(r) for r in regions.get(pk, [])} or {ANY})
        values["delivery"].append(
            {delivery, "online", "in_person"} if delivery == "hybrid" else {delivery}
        )
        values["cost"].append({cost})
        values["kind"].append({organisations[org_id]["kind"]})
        owners.append(org_id)
    for org_id, org in organisations.items():
        kinds.append("organisation")
        pks.append(org_id)
        documents.append(
            tokenize(
                " ".join([org["name"], org["name"], org["summary"], org["description"]])
            )
        )
        values["topic"].append(org_topics.get(org_id, set()))
        values["stage"].append({ANY})
        values["sector"].append({ANY})
        values["region"].append({str(r) for r in org_regions.get(org_id, [])} or {ANY})
        values["delivery"].append(set())
        values["cost"].append(set())
        values["kind"].append({org["kind"]})
        owners.append(org_id)
        for key, empty in (("delivery", ""), ("is_programme", False)):
            details[key].append(empty)
        for key in ("free", "open", "has_wait"):
            details[key].append(False)
    size = len(pks)
    facets: dict[str, dict[str, np.ndarray]] = {}
    for facet, per_doc in values.items():
        positions: dict[str, list[int]] = defaultdict(list)
        for i, doc_values in enumerate(per_doc):
            for value in doc_values:
                positions[value].append(i)
        masks = {}
        for value, where in positions.items():
            mask = np.zeros(size, dtype=bool)
            mask[where] = True
            masks[value] = mask
        facets[facet] = masks
    open_to_all = {
        f: facets[f].get(ANY, np.zeros(size, dtype=bool))
        for f in ("stage", "sector", "region")
    }
    active_topics = list(
        Topic.objects.filter(is_active=True).order_by("pk").values_list("pk", "name")
    )
    names = {
        "topic": dict(Topic.objects.filter(is_active=True).values_list("slug", "name")),
        "sector": {
            str(pk): name
            for pk, name in Sector.objects.filter(is_active=True).values_list(
                "pk", "name"
            )
        },
        "region": {
            str(pk): name
            for pk, name in Region.objects.filter(is_active=True).values_list(
                "pk", "name"
            )
        },
    }
    return _Index(
        version=version,
        public_search=version[-1] != 0,
        kinds=np.array(kinds),
        pks=np.array(pks, dtype=np.int64),
        owners=np.array(owners, dtype=np.int64),
        details={
            key: np.array(column, dtype=object if key == "delivery" else bool)
            for key, column in details.items()
        },
        text=TextIndex(documents),
        facets=facets,
        open_to_all=open_to_all,
        topic_pks=[pk for pk, _name in active_topics],
        topic_text=TextIndex([tokenize(name) for _pk, name in active_topics]),
        names=names,
        facet_keys=[(f, v) for f, masks in facets.items() for v in masks],
        facet_matrix=np.vstack(
            [mask for masks in facets.values() for mask in masks.values()]
            or [np.zeros(size, dtype=bool)]
        )[: sum(len(masks) for masks in facets.values())],
    )


def topics_named(text: str, index: _Index | None = None) -> list[int]:
    """Ids of topics whose names the words of `text` name, typos allowed."""
    index = index or _index()
    found: dict[int, None] = {}
    for word in tokenize(text)[:10]:
        for hit in index.topic_text.search(word, limit=5).hits:
            found[index.topic_pks[hit.index]] = None
    return list(found)


# --- search -----------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    topic: str = ""  # topic slug
    stage: str = ""
    sector: str = ""  # sector id
    region: str = ""  # region id
    delivery: str = ""
    cost: str = ""
    kind: str = ""  # organisation type
    organisation: str = ""  # organisation id
    what: str = ""  # "", "services", "organisations", "people"

    def filters(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in FILTERS if getattr(self, f)}


@dataclass
class Result:
    kind: str  # "service" | "organisation" | "person"
    obj: Any
    why: str
    # What a result card shows, prepared once here rather than looked up by the
    # template: pages render ten cards on every search.
    title: str = ""
    url: str = ""
    meta: str = ""
    snippet: str = ""
    badge: str = ""


@functools.cache
def _choice_labels(language: str | None) -> dict[str, dict[str, str]]:
    """Choice labels in one language, translated once rather than per result."""
    return {
        "stage": {v: str(label) for v, label in Stage.choices},
        "delivery": {v: str(label) for v, label in Service.Delivery.choices},
        "cost": {v: str(label) for v, label in Service.Cost.choices},
        "status": {v: str(label) for v, label in Service.Status.choices},
        "kind": {v: str(label) for v, label in Organisation.Kind.choices},
        "badge": {"service": _("Programme"), "organisation": _("Organisation")},
        "why": {
            "mentions": _("Mentions %(words)s"),
            "open_to": _("open to %(what)s"),
            "listed": _("Listed in the directory"),
        },
    }


def _card(kind: str, obj: Any, why: str, labels: dict[str, dict[str, str]]) -> Result:
    if kind == "organisation":
        return Result(
            kind,
            obj,
            why,
            title=obj.name,
            url=reverse("organisations:detail", args=[obj.slug]),
            snippet=_snippet(obj.summary or obj.description),
            badge=labels["badge"]["organisation"],
        )
    meta = [
        obj.organisation.name,
        labels["delivery"][obj.delivery],
        labels["cost"][obj.cost],
    ]
    if obj.status != Service.Status.ACTIVE:
        meta.append(labels["status"][obj.status])
    return Result(
        kind,
        obj,
        why,
        title=obj.name,
        url=reverse("directory:service", args=[obj.pk]),
        meta=" · ".join(meta),
        snippet=_snippet(obj.description),
        badge=labels["badge"]["service"] if obj.is_programme else "",
    )


def _snippet(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""  # pages fill in a link that toggles this option


@dataclass
class SearchResults:
    query: SearchQuery
    results: list[Result]
    total: int
    corrections: list[Expansion] = field(default_factory=list)
    facets: dict[str, list[FacetOption]] = field(default_factory=dict)


def _mask(index: _Index, query: SearchQuery) -> np.ndarray:
    mask = np.ones(index.pks.size, dtype=bool)
    if query.what == "services":
        mask &= index.kinds == "service"
    elif query.what == "organisations":
        mask &= index.kinds == "organisation"
    elif query.what == "people":
        mask[:] = False
    for facet, value in query.filters().items():
        if facet == "organisation":
            mask &= index.owners == (int(value) if value.isdigit() else -1)
            continue
        found = index.facets[facet].get(value)
        facet_mask = (
            found if found is not None else np.zeros(index.pks.size, dtype=bool)
        )
        if facet in index.open_to_all:
            facet_mask = facet_mask | index.open_to_all[facet]
        mask &= facet_mask
    return mask


def _labels(index: _Index) -> dict[str, dict[str, str]]:
    """Facet labels: vocabulary names from the index, choices in today's language."""
    return {**_choice_labels(get_language()), **index.names}


def search(
    viewer: User,
    query: SearchQuery,
    *,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """One search over services and organisations (people: `people_for_search`).

    Raises SearchClosed for visitors who are not signed in when the stewards
    keep the directory for members.
    """
    index = _index()
    if not (viewer.is_authenticated or index.public_search):
        raise SearchClosed(_("Log in to search the directory."))
    mask = _mask(index, query)
    outcome = index.text.search(query.q, mask=mask, limit=offset + limit)
    hits, expansions, total = outcome.hits[offset:], outcome.expansions, outcome.total
    matched_mask = outcome.matched
    service_ids = [
        int(index.pks[h.index]) for h in hits if index.kinds[h.index] == "service"
    ]
    org_ids = [
        int(index.pks[h.index]) for h in hits if index.kinds[h.index] == "organisation"
    ]
    services = (
        Service.objects.filter(status__in=LISTED_STATUSES)
        .select_related("organisation")
        .only(*CARD_FIELDS)
        .in_bulk(service_ids)
    )
    organisations = Organisation.objects.in_bulk(org_ids)
    labels = _labels(index)
    results = []
    for hit in hits:
        pk = int(index.pks[hit.index])
        if index.kinds[hit.index] == "service" and pk in services:
            results.append(
                _card("service", services[pk], _why(hit.matched, query, labels), labels)
            )
        elif pk in organisations:
            results.append(
                _card(
                    "organisation",
                    organisations[pk],
                    _why(hit.matched, query, labels),
                    labels,
                )
            )
    counts = dict(
        zip(
            index.facet_keys,
            np.count_nonzero(index.facet_matrix & matched_mask, axis=1).tolist(),
            strict=True,
        )
    )
    facets = {}
    for facet in FACETS:
        options = []
        for value, label in labels[facet].items():
            count = counts.get((facet, value), 0)
            selected = getattr(query, facet) == value
            if count or selected:
                options.append(FacetOption(value, label, count, selected))
        facets[facet] = options
    return SearchResults(
        query=query,
        results=results,
        total=total,
        corrections=[e for e in expansions if e.corrected and e.terms],
        facets=facets,
    )


def _why(
    matched: Iterable[str], query: SearchQuery, labels: dict[str, dict[str, str]]
) -> str:
    say = labels["why"]
    parts = []
    words = list(matched)
    if words:
        parts.append(say["mentions"] % {"words": ", ".join(words)})
    for facet, value in query.filters().items():
        label = labels.get(facet, {}).get(value)
        if label and facet in ("topic", "delivery", "cost", "kind"):
            parts.append(label)
        elif label:
            parts.append(say["open_to"] % {"what": label})
    return "; ".join(parts) or say["listed"]


def people_for_search(viewer: User, query: SearchQuery) -> list[Result]:
    """People who offer help on a topic the query names, or whose name matches."""
    if not viewer.is_authenticated:
        return []
    wanted = topics_named(query.q)[:3]
    if query.topic:
        wanted += list(
            Topic.objects.filter(slug=query.topic).values_list("pk", flat=True)
        )
    found: dict[int, Result] = {}
    region = int(query.region) if query.region.isdigit() else None
    for person, topics in _offering(viewer, wanted, region=region, limit=6):
        found[person.pk] = Result(
            "person", person, _("Offers help with %(topic)s") % {"topic": topics[0]}
        )
    if query.q.strip() and len(found) < 6:
        by_name = account_selectors.search_members(
            viewer, account_selectors.MemberFilters(q=query.q.strip())
        )
        profiles = account_selectors.with_card_data(by_name)[:6]
        for person in account_selectors.visible_profiles(profiles, viewer):
            found.setdefault(person.pk, Result("person", person, _("Name matches")))
    return list(found.values())[:6]


def _offering(
    viewer: User,
    topic_ids: list[int],
    *,
    region: int | None = None,
    limit: int,
    exclude_self: bool = False,
) -> list[tuple[Any, list[str]]]:
    """People who offer help with any of the topics, in one query, each with the
    names of the wanted topics the viewer may see that they offer."""
    if not topic_ids:
        return []
    filters = account_selectors.MemberFilters(
        topics_offered_any=tuple(topic_ids), region=region
    )
    profiles = account_selectors.search_members(viewer, filters)
    if exclude_self:
        profiles = profiles.exclude(user=viewer)
    people = account_selectors.visible_profiles(
        account_selectors.with_card_data(profiles)[:limit], viewer
    )
    wanted = set(topic_ids)
    return [
        (person, [t.name for t in person.topics_offered if t.pk in wanted])
        for person in people
        if any(t.pk in wanted for t in person.topics_offered)
    ]


def search_service_ids(text: str) -> list[int]:
    """Ids of listed services matching `text`, most relevant first (HSDS search)."""
    return _search_ids(text, "service")


def search_organisation_ids(text: str) -> list[int]:
    return _search_ids(text, "organisation")


def _search_ids(text: str, kind: str) -> list[int]:
    index = _index()
    mask = index.kinds == kind
    outcome = index.text.search(text, mask=mask, limit=max(int(mask.sum()), 1))
    return [int(index.pks[h.index]) for h in outcome.hits]


# --- the navigator ----------------------------------------------------------


@dataclass(frozen=True)
class Needs:
    stage: str = ""
    sector: int | None = None
    region: int | None = None
    topics: tuple[int, ...] = ()
    urgency: str = "soon"  # now | soon | exploring
    delivery: str = "either"  # online | in_person | either
    text: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "sector": self.sector,
            "region": self.region,
            "topics": list(self.topics),
            "urgency": self.urgency,
            "delivery": self.delivery,
            "text": self.text,
        }


@dataclass
class Suggestion:
    kind: str
    obj: Any
    title: str
    url: str
    reason: str
    score: float


def navigate(viewer: User, needs: Needs, *, limit: int = 8) -> list[Suggestion]:
    """A ranked support plan: eligible services, then people, each with a reason.

    Every eligible service is scored at once from the index's arrays; only the
    best `limit` are read from the database.
    """
    index = _index()
    query = SearchQuery(
        stage=needs.stage,
        sector=str(needs.sector or ""),
        region=str(needs.region or ""),
    )
    eligible = _mask(index, query) & (index.kinds == "service")
    wanted = dict(Topic.objects.filter(pk__in=needs.topics).values_list("slug", "pk"))
    overlap = np.zeros(index.pks.size, dtype=np.int16)
    for slug in wanted:
        found = index.facets["topic"].get(slug)
        if found is not None:
            overlap += found
    text = index.text.scores(needs.text) if needs.text.strip() else None
    relevant = overlap > 0
    if text is not None:
        relevant |= text > 0
    if not needs.topics and not needs.text.strip():
        relevant[:] = True
    positions = np.flatnonzero(eligible & relevant)
    pool = navigator.Pool(
        topic_overlap=overlap[positions],
        text_score=text[positions] if text is not None else np.zeros(positions.size),
        targeted=_targeted(index, needs)[positions],
        **{key: column[positions] for key, column in index.details.items()},
    )
    chosen = navigator.best(
        pool,
        navigator.Preferences(urgency=needs.urgency, delivery=needs.delivery),
        limit=limit,
    )
    keys = [int(index.pks[positions[i]]) for i, _score in chosen]
    rows = (
        Service.objects.filter(pk__in=keys)
        .select_related("organisation")
        .prefetch_related("topics")
        .in_bulk()
    )
    wanted_ids = set(wanted.values())
    suggestions = []
    for (i, score), key in zip(chosen, keys, strict=True):
        service = rows.get(key)
        if service is None:
            continue  # removed since the index was built
        covered = sorted(t.name for t in service.topics.all() if t.pk in wanted_ids)
        text_match = bool(text is not None and pool.text_score[i] > 0)
        suggestions.append(
            Suggestion(
                "service",
                service,
                service.name,
                service.get_absolute_url(),
                _reason(service, covered, text_match),
                score,
            )
        )
    return suggestions + _people_for(viewer, needs)


def _targeted(index: _Index, needs: Needs) -> np.ndarray:
    """Services that name the person's stage, sector or region on purpose."""
    targeted = np.zeros(index.pks.size, dtype=bool)
    for facet, value in (
        ("stage", needs.stage),
        ("sector", str(needs.sector or "")),
        ("region", str(needs.region or "")),
    ):
        found = index.facets[facet].get(value) if value else None
        if found is not None:
            targeted |= found
    return targeted


def _reason(service: Service, topics: list[str], text_match: bool) -> str:
    parts = []
    if topics:
        parts.append(_("Helps with %(topics)s") % {"topics": ", ".join(topics)})
    elif text_match:
        parts.append(_("Matches what you wrote"))
    parts.append(service.get_delivery_display().lower())
    parts.append(service.get_cost_display().lower())
    parts.append(_("run by %(org)s") % {"org": service.organisation.name})
    if service.status != Service.Status.ACTIVE:
        parts.append(service.get_status_display().lower())
    text = "; ".join(str(p) for p in parts)
    return text[:1].upper() + text[1:]


def _people_for(viewer: User, needs: Needs, limit: int = 3) -> list[Suggestion]:
    return [
        Suggestion(
            "person",
            person,
            person.display_name,
            person.get_absolute_url(),
            _("Offers help with %(topic)s") % {"topic": ", ".join(topics)},
            0.0,
        )
        for person, topics in _offering(
            viewer, list(needs.topics), limit=limit, exclude_self=True
        )
    ]


# --- plans --------------------------------------------------------------------


def plans_for(user: User) -> QuerySet[SupportPlan]:
    """Plans the user owns or that were shared with them."""
    return (
        SupportPlan.objects.filter(Q(owner=user) | Q(shared_with=user))
        .distinct()
        .select_related("owner__profile", "prepared_by__profile")
        .prefetch_related("items")
        .order_by("-created_at", "-pk")
    )


def visible_plan(user: User, pk: int) -> SupportPlan | None:
    if not user.is_authenticated:
        return None
    return (
        plans_for(user).prefetch_related("shared_with__profile").filter(pk=pk).first()
    )


def advisers() -> QuerySet[User]:
    """People who may be chosen as advisers: organisations' practitioners and admins."""
    return (
        User.objects.filter(
            is_active=True,
            suspended_at__isnull=True,
            memberships__role__in=("admin", "practitioner"),
            memberships__organisation__is_active=True,
        )
        .distinct()
        .select_related("profile")
        .order_by("profile__display_name", "pk")
    )


def is_adviser(user: User) -> bool:
    return user.is_authenticated and advisers().filter(pk=user.pk).exists()


# --- health -------------------------------------------------------------------


@dataclass
class Health:
    stale: QuerySet[Service]
    without_topics: QuerySet[Service]
    organisations_without_services: QuerySet[Organisation]
    totals: dict[str, int]
    jobs: QuerySet[DirectoryJob]


def stale_services(now: datetime | None = None) -> QuerySet[Service]:
    cutoff = (now or timezone.now()) - REVIEW_INTERVAL
    return Service.objects.filter(
        last_reviewed_at__lt=cutoff, status__in=LISTED_STATUSES
    ).select_related("organisation")


def directory_health() -> Health:
    return Health(
        stale=stale_services().order_by("last_reviewed_at")[:50],
        without_topics=Service.objects.filter(topics__isnull=True)
        .select_related("organisation")
        .order_by("name")[:50],
        organisations_without_services=Organisation.objects.filter(
            is_active=True, services__isnull=True
        ).order_by("name")[:50],
        totals={
            "services": Service.objects.count(),
            "stale": stale_services().count(),
            "without_topics": Service.objects.filter(topics__isnull=True).count(),
            "organisations_without_services": Organisation.objects.filter(
                is_active=True, services__isnull=True
            ).count(),
        },
        jobs=DirectoryJob.objects.select_related("started_by")[:10],
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_service_topics() -> list[tuple[int, int]]:
    """(organisation id, topic id) for the topics of every listed service."""
    return sorted(
        set(
            Service.objects.filter(
                status__in=LISTED_STATUSES, topics__isnull=False
            ).values_list("organisation_id", "topics")
        )
    )
