"""Reads for the directory: search with facets, the navigator, plans, health."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts import selectors as account_selectors
from kindred.accounts.models import LANGUAGE_NAMES, Stage, User
from kindred.accounts.permissions import is_steward
from kindred.algorithms import navigator
from kindred.algorithms.textsearch import Expansion, TextIndex, tokenize
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


def may_search(user: User) -> bool:
    return bool(user.is_authenticated or DirectorySettings.current().public_search)


# --- the in-memory search index ---------------------------------------------


@dataclass
class _Index:
    version: tuple[Any, ...]
    kinds: np.ndarray  # "service" | "organisation"
    pks: np.ndarray
    owners: np.ndarray  # the organisation id of each document
    text: TextIndex
    facets: dict[str, dict[str, np.ndarray]]  # facet -> value -> bool mask
    open_to_all: dict[str, np.ndarray]  # eligibility facet -> bool mask
    topic_pks: list[int]  # the topics, in the order of `topic_text`
    topic_text: TextIndex  # topic names, to find people by what they offer


_lock = threading.Lock()
_cached: _Index | None = None


def _version() -> tuple[Any, ...]:
    services = Service.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    organisations = Organisation.objects.aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    topics = Topic.objects.aggregate(n=Count("pk"), last=Max("pk"))
    return (
        services["n"],
        services["last"],
        organisations["n"],
        organisations["last"],
        topics["n"],
        topics["last"],
    )


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
        )
    )
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
    ) in rows.iterator(chunk_size=2000):
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
    return _Index(
        version=version,
        kinds=np.array(kinds),
        pks=np.array(pks, dtype=np.int64),
        owners=np.array(owners, dtype=np.int64),
        text=TextIndex(documents),
        facets=facets,
        open_to_all=open_to_all,
        topic_pks=[pk for pk, _name in active_topics],
        topic_text=TextIndex([tokenize(name) for _pk, name in active_topics]),
    )


def topics_named(text: str) -> list[int]:
    """Ids of topics whose names the words of `text` name, typos allowed."""
    index = _index()
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
    people: list[Result] = field(default_factory=list)
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


def _labels() -> dict[str, dict[str, str]]:
    return {
        "topic": dict(Topic.objects.filter(is_active=True).values_list("slug", "name")),
        "stage": {v: str(label) for v, label in Stage.choices},
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
        "delivery": {v: str(label) for v, label in Service.Delivery.choices},
        "cost": {v: str(label) for v, label in Service.Cost.choices},
        "kind": {v: str(label) for v, label in Organisation.Kind.choices},
    }


def search(viewer: User, query: SearchQuery, *, limit: int = 20) -> SearchResults:
    """One search over services and organisations (and people for members)."""
    index = _index()
    mask = _mask(index, query)
    outcome = index.text.search(query.q, mask=mask, limit=limit)
    hits, expansions, total = outcome.hits, outcome.expansions, outcome.total
    matched_mask = outcome.matched
    service_ids = [
        int(index.pks[h.index]) for h in hits if index.kinds[h.index] == "service"
    ]
    org_ids = [
        int(index.pks[h.index]) for h in hits if index.kinds[h.index] == "organisation"
    ]
    services = listed_services().in_bulk(service_ids)
    organisations = Organisation.objects.in_bulk(org_ids)
    labels = _labels()
    results = []
    for hit in hits:
        pk = int(index.pks[hit.index])
        if index.kinds[hit.index] == "service" and pk in services:
            results.append(
                Result("service", services[pk], _why(hit.matched, query, labels))
            )
        elif pk in organisations:
            results.append(
                Result(
                    "organisation", organisations[pk], _why(hit.matched, query, labels)
                )
            )
    facets = {}
    for facet in FACETS:
        options = []
        for value, label in labels[facet].items():
            facet_mask = index.facets[facet].get(value)
            count = (
                int((facet_mask & matched_mask).sum()) if facet_mask is not None else 0
            )
            selected = getattr(query, facet) == value
            if count or selected:
                options.append(FacetOption(value, label, count, selected))
        facets[facet] = options
    people = (
        _people(viewer, query)
        if query.what in ("", "people") and viewer.is_authenticated
        else []
    )
    return SearchResults(
        query=query,
        results=results,
        total=total,
        people=people,
        corrections=[e for e in expansions if e.corrected and e.terms],
        facets=facets,
    )


def _why(
    matched: Iterable[str], query: SearchQuery, labels: dict[str, dict[str, str]]
) -> str:
    parts = []
    words = list(matched)
    if words:
        parts.append(_("Mentions %(words)s") % {"words": ", ".join(words)})
    for facet, value in query.filters().items():
        label = labels.get(facet, {}).get(value)
        if label and facet in ("topic", "delivery", "cost", "kind"):
            parts.append(label)
        elif label:
            parts.append(_("open to %(what)s") % {"what": label})
    return "; ".join(parts) or _("Listed in the directory")


def _people(viewer: User, query: SearchQuery) -> list[Result]:
    """People who offer help on a topic the query names, or whose name matches."""
    wanted = topics_named(query.q)
    topics = list(
        Topic.objects.filter(Q(pk__in=wanted[:3]) | Q(slug=query.topic or None))
    )
    if not topics and not query.q.strip():
        return []
    found: dict[int, Result] = {}
    for topic in topics[:3]:
        filters = account_selectors.MemberFilters(
            topic_offered=topic.pk,
            region=int(query.region) if query.region.isdigit() else None,
        )
        for profile in account_selectors.with_card_data(
            account_selectors.search_members(viewer, filters)
        )[:6]:
            found.setdefault(
                profile.pk,
                Result(
                    "person",
                    profile,
                    _("Offers help with %(topic)s") % {"topic": topic.name},
                ),
            )
    if query.q.strip() and len(found) < 6:
        by_name = account_selectors.search_members(
            viewer, account_selectors.MemberFilters(q=query.q.strip())
        )
        for profile in account_selectors.with_card_data(by_name)[:6]:
            found.setdefault(profile.pk, Result("person", profile, _("Name matches")))
    visible = account_selectors.visible_profiles(
        [r.obj for r in found.values()], viewer
    )
    return [
        Result("person", person, result.why)
        for person, result in zip(visible, found.values(), strict=True)
    ][:6]


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
    """A ranked support plan: eligible services, then people, each with a reason."""
    index = _index()
    query = SearchQuery(
        stage=needs.stage,
        sector=str(needs.sector or ""),
        region=str(needs.region or ""),
    )
    mask = _mask(index, query) & (index.kinds == "service")
    topic_slugs = dict(
        Topic.objects.filter(pk__in=needs.topics).values_list("pk", "slug")
    )
    candidates_mask = np.zeros(index.pks.size, dtype=bool)
    for slug in topic_slugs.values():
        found = index.facets["topic"].get(slug)
        if found is not None:
            candidates_mask |= found
    text_scores: dict[int, float] = {}
    if needs.text.strip():
        hits = index.text.search(needs.text, mask=mask, limit=200).hits
        if not hits:
            # Any word is enough for free text; a hit on every word is not required.
            for word in tokenize(needs.text)[:8]:
                hits += index.text.search(word, mask=mask, limit=50).hits
        for hit in hits:
            text_scores[hit.index] = max(text_scores.get(hit.index, 0.0), hit.score)
            candidates_mask[hit.index] = True
    if not needs.topics and not needs.text.strip():
        candidates_mask[:] = True
    positions = np.flatnonzero(mask & candidates_mask)[:2000]
    service_pks = [int(index.pks[i]) for i in positions]
    rows = {
        s.pk: s
        for s in Service.objects.filter(pk__in=service_pks)
        .select_related("organisation")
        .prefetch_related("topics", "regions", "sectors")
    }
    wanted = set(needs.topics)
    candidates = []
    for i in positions:
        service = rows.get(int(index.pks[i]))
        if service is None:
            continue
        candidates.append(
            navigator.Candidate(
                key=service.pk,
                topics={t.pk: t.name for t in service.topics.all() if t.pk in wanted},
                text_score=text_scores.get(int(i), 0.0),
                delivery=service.delivery,
                is_programme=service.is_programme,
                free=service.cost == Service.Cost.FREE,
                targeted=_targets(service, needs),
                open=service.status == Service.Status.ACTIVE,
                has_wait=bool(service.wait_time),
            )
        )
    ranked = navigator.rank(
        candidates,
        navigator.Preferences(urgency=needs.urgency, delivery=needs.delivery),
        limit=limit,
    )
    suggestions = [
        Suggestion(
            "service",
            rows[r.key],
            rows[r.key].name,
            rows[r.key].get_absolute_url(),
            _reason(rows[r.key], r),
            r.score,
        )
        for r in ranked
    ]
    suggestions += _people_for(viewer, needs)
    return suggestions


def _targets(service: Service, needs: Needs) -> bool:
    """The service names the person's stage, sector or region on purpose."""
    return (
        needs.stage in service.stages
        or needs.region in {r.pk for r in service.regions.all()}
        or needs.sector in {s.pk for s in service.sectors.all()}
    )


def _reason(service: Service, ranked: navigator.Ranked) -> str:
    parts = []
    if ranked.topics:
        parts.append(_("Helps with %(topics)s") % {"topics": ", ".join(ranked.topics)})
    elif ranked.text_match:
        parts.append(_("Matches what you wrote"))
    parts.append(service.get_delivery_display().lower())
    parts.append(service.get_cost_display().lower())
    parts.append(_("run by %(org)s") % {"org": service.organisation.name})
    if service.status != Service.Status.ACTIVE:
        parts.append(service.get_status_display().lower())
    text = "; ".join(str(p) for p in parts)
    return text[:1].upper() + text[1:]


def _people_for(viewer: User, needs: Needs, limit: int = 3) -> list[Suggestion]:
    if not needs.topics:
        return []
    people: dict[int, Suggestion] = {}
    for topic in Topic.objects.filter(pk__in=needs.topics)[:4]:
        filters = account_selectors.MemberFilters(topic_offered=topic.pk)
        profiles = account_selectors.with_card_data(
            account_selectors.search_members(viewer, filters).exclude(user=viewer)
        )[:limit]
        for person in account_selectors.visible_profiles(profiles, viewer):
            people.setdefault(
                person.pk,
                Suggestion(
                    "person",
                    person,
                    person.display_name,
                    person.get_absolute_url(),
                    _("Offers help with %(topic)s") % {"topic": topic.name},
                    0.0,
                ),
            )
    return list(people.values())[:limit]


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
