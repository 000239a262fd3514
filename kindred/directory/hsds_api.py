"""The Open Referral HSDS 3.0 read API under /hsds/ (open data, CORS open for GET).

Paths, query parameters and the page envelope follow the HSDS OpenAPI description
shipped in `hsds_spec/schema/openapi.json`; payloads validate against its schemas.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, time
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_http_methods

from kindred.directory import hsds, selectors
from kindred.directory.models import OrganisationRecord, Service, ServiceAtLocation
from kindred.organisations.models import Organisation

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500


class BadRequest(Exception):
    pass


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def hsds_view(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """GET (and the CORS preflight) only; answers JSON; bad parameters give 400."""

    @require_http_methods(["GET", "OPTIONS"])
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204))
        try:
            result = view(request, *args, **kwargs)
        except BadRequest as error:
            result = JsonResponse({"detail": str(error)}, status=400)
        if result is None:
            result = JsonResponse({"detail": "Not found."}, status=404)
        elif not isinstance(result, HttpResponseBase):
            result = JsonResponse(
                result, safe=False, json_dumps_params={"ensure_ascii": False}
            )
        return _cors(result)

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _flag(request: HttpRequest, name: str) -> bool:
    value = request.GET.get(name, "").lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise BadRequest(f"{name} must be true or false.")


def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return value


def _page(
    request: HttpRequest, items: Any, render: Callable[[Any], dict[str, Any]]
) -> Any:
    """The HSDS page envelope; `format=ndjson` streams every item instead."""
    fmt = request.GET.get("format", "json")
    if fmt not in ("json", "ndjson"):
        raise BadRequest("format must be json or ndjson.")
    if fmt == "ndjson":
        return StreamingHttpResponse(
            (
                json.dumps(render(item), ensure_ascii=False) + "\n"
                for item in _all(items)
            ),
            content_type="application/x-ndjson",
        )
    page = _int(request, "page", 1, 1, 1_000_000)
    per_page = _int(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    total = len(items) if isinstance(items, list) else items.count()
    pages = max(1, math.ceil(total / per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(chunk),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not chunk,
        "contents": [render(item) for item in chunk],
    }


def _all(items: Any) -> Iterator[Any]:
    if isinstance(items, list):
        yield from items
    else:
        yield from items.iterator(chunk_size=500)


@hsds_view
def index(request: HttpRequest) -> dict[str, Any]:
    return {
        "version": "3.0",
        "profile": "https://docs.openreferral.org/en/latest/hsds/",
        "openapi_url": request.build_absolute_uri(reverse("hsds:openapi")),
    }


@hsds_view
def openapi(request: HttpRequest) -> Any:
    """The HSDS OpenAPI description this API follows."""
    spec = json.loads((hsds.SPEC_DIR / "schema" / "openapi.json").read_text())
    spec["info"]["title"] = "Kindred support directory (Open Referral HSDS 3.0)"
    return spec


# --- services -------------------------------------------------------------------


def _term(term_id: str) -> tuple[str, str] | None:
    for term in hsds.all_terms(detail=False):
        if term["id"] == term_id:
            return hsds.TAXONOMIES_BY_NAME[term["taxonomy"]].key, term["code"]
    return None


def _filter_services(request: HttpRequest, services: QuerySet[Service]) -> Any:
    term_id = request.GET.get("taxonomy_term_id", "")
    if term_id:
        found = _term(term_id)
        if found is None:
            return services.none()
        taxonomy, code = found
        services = _with_term(services, taxonomy, code)
    taxonomy_id = request.GET.get("taxonomy_id", "")
    if taxonomy_id:
        taxonomy = hsds.TAXONOMY_BY_ID.get(taxonomy_id)
        if taxonomy is None:
            return services.none()
        services = {
            "topics": lambda: services.filter(topics__isnull=False),
            "sectors": lambda: services.filter(sectors__isnull=False),
            "regions": lambda: services.filter(regions__isnull=False),
            "stages": lambda: services.exclude(stages=[]),
        }.get(taxonomy.key, lambda: services)().distinct()
    organisation_id = request.GET.get("organization_id", "")
    if organisation_id:
        record = OrganisationRecord.objects.filter(
            hsds_id=_uuid(organisation_id)
        ).first()
        services = services.filter(organisation_id=record.pk if record else None)
    modified_after = request.GET.get("modified_after", "")
    if modified_after:
        services = services.filter(updated_at__gte=_moment(modified_after))
    search = request.GET.get("search", "").strip()
    if search:
        ranked = selectors.search_service_ids(search)
        by_pk = services.in_bulk(ranked)
        return [by_pk[pk] for pk in ranked if pk in by_pk]
    return services.order_by("name", "pk")


def _moment(value: str) -> datetime:
    """An ISO 8601 date or date-time; naive ones are read as UTC."""
    try:
        moment = parse_datetime(value)
        day = None if moment else parse_date(value)
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise BadRequest("modified_after must be a date or date-time (ISO 8601).")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _with_term(
    services: QuerySet[Service], taxonomy: str, code: str
) -> QuerySet[Service]:
    if taxonomy == "topics":
        return services.filter(topics__slug=code)
    if taxonomy == "sectors":
        return services.filter(sectors__slug=code)
    if taxonomy == "regions":
        return services.filter(regions__slug=code)
    if taxonomy == "stages":
        # The JSON list as text holds the quoted code; works on SQLite and PostgreSQL.
        return services.filter(stages__icontains=json.dumps(code))
    if taxonomy == "details":
        for prefix, field in (("delivery-", "delivery"), ("cost-", "cost")):
            if code.startswith(prefix):
                return services.filter(**{field: code[len(prefix) :]})
        if code == "programme":
            return services.filter(is_programme=True)
        column = hsds.VALUE_DETAILS.get(code)
        if column:
            return services.filter(**{f"{column}__isnull": False})
    return services


@hsds_view
def services(request: HttpRequest) -> Any:
    full = _flag(request, "full")
    minimal = _flag(request, "minimal")
    queryset = selectors.listed_services()
    if not full:
        queryset = Service.objects.filter(pk__in=queryset.values("pk")).select_related(
            "organisation__hsds_record"
        )
    items = _filter_services(request, queryset)
    if minimal:
        return _page(
            request,
            items,
            lambda s: {
                "id": str(s.hsds_id),
                "name": s.name,
                "status": s.status,
                "last_modified": hsds.service_json(s, full=False)["last_modified"],
            },
        )
    return _page(request, items, lambda s: hsds.service_json(s, full=full))


@hsds_view
def service(request: HttpRequest, pk: str) -> Any:
    found = (
        selectors.listed_services().filter(hsds_id=_uuid(pk)).first()
        if _uuid(pk)
        else None
    )
    return hsds.service_json(found) if found else None


# --- organisations --------------------------------------------------------------


def _organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_active=True).select_related("hsds_record")


@hsds_view
def organisations(request: HttpRequest) -> Any:
    full = _flag(request, "full")
    full_service = _flag(request, "full_service")
    items = _organisations().order_by("name", "pk")
    search = request.GET.get("search", "").strip()
    if search:
        ranked = selectors.search_organisation_ids(search)
        by_pk = items.in_bulk(ranked)
        items = [by_pk[pk] for pk in ranked if pk in by_pk]  # type: ignore[assignment]
    if not (full or full_service):
        return _page(request, items, lambda o: hsds.organisation_json(o))
    return _page(request, items, lambda o: _full_organisation(o, full_service))


def _full_organisation(
    organisation: Organisation, full_service: bool
) -> dict[str, Any]:
    services_ = selectors.listed_services().filter(organisation=organisation)
    return hsds.organisation_json(
        organisation, full=True, services=services_, full_services=full_service
    )


@hsds_view
def organisation(request: HttpRequest, pk: str) -> Any:
    record = (
        OrganisationRecord.objects.filter(
            hsds_id=_uuid(pk), organisation__is_active=True
        )
        .select_related("organisation__hsds_record")
        .first()
        if _uuid(pk)
        else None
    )
    if record is None:
        return None
    return _full_organisation(record.organisation, _flag(request, "full_service"))


# --- taxonomies -----------------------------------------------------------------


def _search_filter(
    items: Iterable[dict[str, Any]], search: str
) -> list[dict[str, Any]]:
    words = search.lower().split()
    return [
        i
        for i in items
        if all(
            w in f"{i.get('name', '')} {i.get('description', '')}".lower()
            for w in words
        )
    ]


@hsds_view
def taxonomies(request: HttpRequest) -> Any:
    items = [hsds.taxonomy_json(t) for t in hsds.TAXONOMIES.values()]
    search = request.GET.get("search", "").strip()
    return _page(
        request, _search_filter(items, search) if search else items, lambda t: t
    )


@hsds_view
def taxonomy(request: HttpRequest, pk: str) -> Any:
    found = hsds.TAXONOMY_BY_ID.get(pk)
    return hsds.taxonomy_json(found) if found else None


@hsds_view
def taxonomy_terms(request: HttpRequest) -> Any:
    terms = hsds.all_terms()
    taxonomy_id = request.GET.get("taxonomy_id", "")
    if taxonomy_id:
        terms = [t for t in terms if t["taxonomy_detail"]["id"] == taxonomy_id]
    parent_id = request.GET.get("parent_id", "")
    if parent_id:
        terms = [t for t in terms if t.get("parent_id") == parent_id]
    if _flag(request, "top_only"):
        terms = [t for t in terms if not t.get("parent_id")]
    search = request.GET.get("search", "").strip()
    if search:
        terms = _search_filter(terms, search)
    return _page(request, terms, lambda t: t)


@hsds_view
def taxonomy_term(request: HttpRequest, pk: str) -> Any:
    return next((t for t in hsds.all_terms() if t["id"] == pk), None)


# --- services at locations --------------------------------------------------------


def _service_at_locations() -> QuerySet[ServiceAtLocation]:
    listed = selectors.listed_services().values("pk")
    return ServiceAtLocation.objects.filter(service__in=listed).select_related(
        "service__organisation__hsds_record", "location__organisation__hsds_record"
    )


@hsds_view
def service_at_locations(request: HttpRequest) -> Any:
    full = _flag(request, "full")
    items = _service_at_locations().order_by("pk")
    services_ = _filter_services(request, selectors.listed_services())
    if isinstance(services_, list):
        items = items.filter(service__in=[s.pk for s in services_])
    elif services_.query.where:
        items = items.filter(service__in=services_.values("pk"))
    postcode = request.GET.get("postcode", "").strip()
    if postcode:
        items = items.filter(location__postal_code__iexact=postcode)
    if full:
        return _page(
            request,
            items,
            lambda sal: hsds.service_at_location_json(sal, full_service=True),
        )
    return _page(request, items, lambda sal: hsds.service_at_location_json(sal))


@hsds_view
def service_at_location(request: HttpRequest, pk: str) -> Any:
    found = (
        _service_at_locations().filter(hsds_id=_uuid(pk)).first() if _uuid(pk) else None
    )
    return hsds.service_at_location_json(found, full_service=True) if found else None
