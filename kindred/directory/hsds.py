"""Kindred's directory in Open Referral HSDS 3.0 terms, both ways.

Kindred's own vocabularies (topics, stages, sectors, regions, organisation types and
service details) are published as HSDS taxonomies and linked to services through
`attributes`. What an imported record carries beyond the fields Kindred models stays
in `hsds_extra` and is written back unchanged on export.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from kindred.accounts.models import LANGUAGE_NAMES, Stage
from kindred.core.models import Region, Sector, Topic
from kindred.directory.models import Location, Service
from kindred.organisations.models import Organisation

#: The HSDS 3.0 schemas and examples, copied from the specification (CC BY-SA 4.0).
SPEC_DIR = Path(__file__).resolve().parent / "hsds_spec"
NAMESPACE = uuid.UUID("6f4f5bd4-8a1e-4b8c-9a55-4b1d1c0d7e11")
SERVICE_FIELDS = ("name", "alternate_name", "description", "url", "email")
TEXT_FIELDS = (
    "eligibility_description",
    "fees_description",
    "wait_time",
    "application_process",
)


def stable_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    link_type: str

    @property
    def id(self) -> str:
        return stable_id("taxonomy", self.key)


TAXONOMIES = {
    t.key: t
    for t in (
        Taxonomy(
            "topics",
            "Kindred business-support topics",
            "What a service helps a business with.",
            "topic",
        ),
        Taxonomy(
            "stages",
            "Kindred business stages",
            "The stages of business a service is open to.",
            "eligibility",
        ),
        Taxonomy(
            "sectors",
            "Kindred sectors",
            "The sectors a service is open to.",
            "eligibility",
        ),
        Taxonomy(
            "regions",
            "Kindred regions",
            "The regions a service is open to.",
            "eligibility",
        ),
        Taxonomy(
            "details",
            "Kindred service details",
            "Delivery, cost, capacity and size limits of a service.",
            "detail",
        ),
        Taxonomy(
            "organisation-types",
            "Kindred organisation types",
            "What kind of organisation offers support.",
            "type",
        ),
    )
}
TAXONOMY_BY_ID = {t.id: t for t in TAXONOMIES.values()}
TAXONOMIES_BY_NAME = {t.name: t for t in TAXONOMIES.values()}
DETAIL_TERMS = {
    **{f"delivery-{v}": f"Delivery: {label}" for v, label in Service.Delivery.choices},
    **{f"cost-{v}": f"Cost: {label}" for v, label in Service.Cost.choices},
    "programme": "Programme run in cohorts",
    "capacity": "Places available",
    "min-employees": "Smallest business size (employees)",
    "max-employees": "Largest business size (employees)",
}
VALUE_DETAILS = {
    "capacity": "capacity",
    "min-employees": "min_employees",
    "max-employees": "max_employees",
}


def term_id(taxonomy: str, code: str) -> str:
    return stable_id("term", taxonomy, code)


# --- taxonomies -------------------------------------------------------------


def taxonomy_json(taxonomy: Taxonomy) -> dict[str, Any]:
    return {
        "id": taxonomy.id,
        "name": taxonomy.name,
        "description": taxonomy.description,
        "version": "1",
    }


def _term(
    taxonomy: Taxonomy,
    code: str,
    name: str,
    description: str = "",
    parent: str | None = None,
    *,
    detail: bool = True,
) -> dict[str, Any]:
    term: dict[str, Any] = {
        "id": term_id(taxonomy.key, code),
        "code": code,
        "name": name,
        "description": description or name,
        "taxonomy": taxonomy.name,
        "language": "en",
    }
    if parent:
        term["parent_id"] = term_id(taxonomy.key, parent)
    if detail:
        term["taxonomy_detail"] = taxonomy_json(taxonomy)
    return term


def all_terms(*, detail: bool = True) -> list[dict[str, Any]]:
    """Every term of every Kindred taxonomy, vocabularies read from the database."""
    terms: list[dict[str, Any]] = []
    topics = TAXONOMIES["topics"]
    for topic in Topic.objects.select_related("parent").order_by("pk"):
        terms.append(
            _term(
                topics,
                topic.slug,
                topic.name,
                topic.description,
                topic.parent.slug if topic.parent else None,
                detail=detail,
            )
        )
    for value, label in Stage.choices:
        terms.append(_term(TAXONOMIES["stages"], value, str(label), detail=detail))
    for model, key in ((Sector, "sectors"), (Region, "regions")):
        for row in model.objects.order_by("pk"):
            terms.append(
                _term(
                    TAXONOMIES[key], row.slug, row.name, row.description, detail=detail
                )
            )
    for code, name in DETAIL_TERMS.items():
        terms.append(_term(TAXONOMIES["details"], code, name, detail=detail))
    for value, label in Organisation.Kind.choices:
        terms.append(
            _term(TAXONOMIES["organisation-types"], value, str(label), detail=detail)
        )
    return terms


# --- export -----------------------------------------------------------------


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values: HSDS validators reject "" for uri and email formats."""
    return {k: v for k, v in data.items() if v not in ("", None, [], {})}


def _attribute(
    owner_id: str, taxonomy: str, code: str, name: str, value: Any = None
) -> dict[str, Any]:
    tax = TAXONOMIES[taxonomy]
    attribute: dict[str, Any] = {
        "id": stable_id("attribute", owner_id, taxonomy, code),
        "link_id": owner_id,
        "link_type": tax.link_type,
        "link_entity": "service"
        if taxonomy != "organisation-types"
        else "organization",
        "taxonomy_term_id": term_id(taxonomy, code),
        "taxonomy_term": _term(tax, code, name),
    }
    if value is not None:
        attribute["value"] = str(value)
    return attribute


def _merge_first(
    extra: list[dict[str, Any]], wanted: dict[str, Any] | None, make_id: str
) -> list[dict[str, Any]]:
    """The first item of an HSDS list is modelled; the rest pass through unchanged."""
    rest = extra[1:] if extra else []
    if wanted is None:
        return rest
    first = dict(extra[0]) if extra else {"id": make_id}
    first.update(wanted)
    return [_clean(first), *rest]


def service_json(service: Service, *, full: bool = True) -> dict[str, Any]:
    """One service as an HSDS 3.0 object; `full=False` gives the list shape."""
    sid = str(service.hsds_id)
    extra = service.hsds_extra or {}
    organisation = service.organisation
    data: dict[str, Any] = {
        key: value
        for key, value in extra.items()
        if not isinstance(value, (list, dict))
    }
    data.update(
        {
            "id": sid,
            "organization_id": organisation_hsds_id(organisation),
            "status": service.status,
            "last_modified": service.updated_at.isoformat().replace("+00:00", "Z"),
            **{f: getattr(service, f) for f in SERVICE_FIELDS},
            **{f: getattr(service, f) for f in TEXT_FIELDS},
        }
    )
    if not service.application_process:
        data.pop("application_process")
    data = _clean(data)
    data["name"] = service.name
    if not full:
        data["organization"] = organisation_json(organisation, full=False)
        if "program" in extra:
            data["program"] = extra["program"]
        return data
    for key, value in extra.items():
        if isinstance(value, (list, dict)):
            data[key] = value
    data["organization"] = organisation_json(organisation, full=False)
    data["phones"] = _merge_first(
        extra.get("phones", []),
        {"number": service.phone} if service.phone else None,
        stable_id("phone", sid),
    )
    data["contacts"] = _merge_first(
        extra.get("contacts", []),
        {"name": service.contact_name} if service.contact_name else None,
        stable_id("contact", sid),
    )
    has_schedule = bool(
        service.opening_days
        or service.opens_at
        or service.closes_at
        or service.schedule_notes
    )
    data["schedules"] = _merge_first(
        extra.get("schedules", []),
        {
            "freq": "WEEKLY" if service.opening_days else None,
            "byday": ",".join(service.opening_days) or None,
            "opens_at": _time(service.opens_at),
            "closes_at": _time(service.closes_at),
            "description": service.schedule_notes or None,
        }
        if has_schedule
        else None,
        stable_id("schedule", sid),
    )
    languages = {item.get("code"): item for item in extra.get("languages", [])}
    data["languages"] = [
        item for item in extra.get("languages", []) if not item.get("code")
    ] + [
        languages.get(code)
        or {
            "id": stable_id("language", sid, code),
            "name": str(LANGUAGE_NAMES.get(code, code)),
            "code": code,
        }
        for code in service.languages
    ]
    data["attributes"] = list(extra.get("attributes", [])) + service_attributes(service)
    data["service_at_locations"] = [
        service_at_location_json(sal, with_service=False)
        for sal in service.service_at_locations.all()
    ]
    return {k: v for k, v in data.items() if v != []}


def _time(value: time | None) -> str | None:
    return value.strftime("%H:%M:%S") if value else None


def service_attributes(service: Service) -> list[dict[str, Any]]:
    sid = str(service.hsds_id)
    attributes = [
        _attribute(sid, "topics", topic.slug, topic.name)
        for topic in service.topics.all()
    ]
    stage_labels = dict(Stage.choices)
    attributes += [
        _attribute(sid, "stages", stage, str(stage_labels.get(stage, stage)))
        for stage in service.stages
    ]
    attributes += [
        _attribute(sid, "sectors", s.slug, s.name) for s in service.sectors.all()
    ]
    attributes += [
        _attribute(sid, "regions", r.slug, r.name) for r in service.regions.all()
    ]
    for code in (f"delivery-{service.delivery}", f"cost-{service.cost}"):
        attributes.append(_attribute(sid, "details", code, DETAIL_TERMS[code]))
    if service.is_programme:
        attributes.append(
            _attribute(sid, "details", "programme", DETAIL_TERMS["programme"])
        )
    for code, attr in VALUE_DETAILS.items():
        value = getattr(service, attr)
        if value is not None:
            attributes.append(
                _attribute(sid, "details", code, DETAIL_TERMS[code], value)
            )
    return attributes


def organisation_hsds_id(organisation: Organisation) -> str:
    record = getattr(organisation, "hsds_record", None)
    return str(record.hsds_id) if record else stable_id("organisation", organisation.pk)


def organisation_json(
    organisation: Organisation,
    *,
    full: bool = False,
    services: Iterable[Service] = (),
    full_services: bool = False,
) -> dict[str, Any]:
    record = getattr(organisation, "hsds_record", None)
    extra = record.hsds_extra if record else {}
    oid = organisation_hsds_id(organisation)
    data: dict[str, Any] = {
        k: v for k, v in extra.items() if not isinstance(v, (list, dict))
    }
    data.update(
        {
            "id": oid,
            "name": organisation.name,
            "description": organisation.description or organisation.summary or "",
            "website": organisation.website,
            "email": organisation.email,
        }
    )
    data = _clean(data)
    data.setdefault("description", "")
    if not full:
        return data
    for key, value in extra.items():
        if isinstance(value, (list, dict)):
            data[key] = value
    kind = organisation.kind
    data["attributes"] = [
        a for a in extra.get("attributes", []) if not _kindred_attribute(a)
    ] + [
        _attribute(
            oid,
            "organisation-types",
            kind,
            str(dict(Organisation.Kind.choices).get(kind, kind)),
        )
    ]
    data["locations"] = [location_json(loc) for loc in organisation.locations.all()]
    data["services"] = [
        service_json(s, full=True) if full_services else service_json(s, full=False)
        for s in services
    ]
    if not full_services:
        for item in data["services"]:
            item.pop("organization", None)
    return {k: v for k, v in data.items() if v != []}


def location_json(location: Location) -> dict[str, Any]:
    data: dict[str, Any] = dict(location.hsds_extra or {})
    data.update(
        _clean(
            {
                "id": str(location.hsds_id),
                "name": location.name,
                "latitude": location.latitude,
                "longitude": location.longitude,
            }
        )
    )
    data.setdefault("location_type", "physical")
    if location.organisation_id:
        data["organization_id"] = organisation_hsds_id(location.organisation)
    address = {
        "address_1": location.address_1,
        "city": location.city,
        "state_province": location.state_province or location.city,
        "postal_code": location.postal_code,
        "country": location.country,
    }
    if any(address.values()):
        addresses = list(data.get("addresses") or [])
        first = (
            dict(addresses[0])
            if addresses
            else {
                "id": stable_id("address", location.hsds_id),
                "address_type": "physical",
            }
        )
        first.update(address)
        data["addresses"] = [first, *addresses[1:]]
    return data


def service_at_location_json(
    sal: Any, *, with_service: bool = True, full_service: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = dict(sal.hsds_extra or {})
    data.update(
        {
            "id": str(sal.hsds_id),
            "service_id": str(sal.service.hsds_id),
            "location_id": str(sal.location.hsds_id),
            "location": location_json(sal.location),
        }
    )
    if with_service:
        data["service"] = service_json(sal.service, full=full_service)
    return data


# --- import -----------------------------------------------------------------


def _kindred_attribute(attribute: dict[str, Any]) -> Taxonomy | None:
    term = attribute.get("taxonomy_term") or {}
    detail = term.get("taxonomy_detail") or {}
    return TAXONOMY_BY_ID.get(detail.get("id") or "") or next(
        (t for t in TAXONOMIES.values() if t.name == term.get("taxonomy")), None
    )


@dataclass
class ServiceValues:
    """A service's HSDS object split into Kindred's fields and what passes through."""

    hsds_id: str
    organisation_hsds_id: str | None
    fields: dict[str, Any]
    topics: list[str] = field(default_factory=list)  # slugs
    sectors: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    unknown_terms: list[str] = field(default_factory=list)


def _parse_time(value: Any) -> time | None:
    if not value:
        return None
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return None


def split_service(data: dict[str, Any]) -> ServiceValues:
    """Map a validated HSDS service object onto Kindred's fields."""
    extra = {
        k: v
        for k, v in data.items()
        if k
        not in {
            "id",
            "organization_id",
            "organization",
            "status",
            "last_modified",
            "service_at_locations",
            *SERVICE_FIELDS,
            *TEXT_FIELDS,
        }
    }
    fields: dict[str, Any] = {
        f: str(data.get(f) or "") for f in (*SERVICE_FIELDS, *TEXT_FIELDS)
    }
    fields["status"] = data.get("status") or Service.Status.ACTIVE
    values = ServiceValues(
        hsds_id=data["id"],
        organisation_hsds_id=data.get("organization_id")
        or (data.get("organization") or {}).get("id"),
        fields=fields,
    )
    phones = extra.get("phones") or []
    fields["phone"] = str(phones[0].get("number", "")).strip('"') if phones else ""
    contacts = extra.get("contacts") or []
    fields["contact_name"] = str(contacts[0].get("name", "")) if contacts else ""
    schedules = extra.get("schedules") or []
    first = schedules[0] if schedules else {}
    fields["opening_days"] = [
        d for d in str(first.get("byday") or "").split(",") if d.strip()
    ]
    fields["opens_at"] = _parse_time(first.get("opens_at"))
    fields["closes_at"] = _parse_time(first.get("closes_at"))
    fields["schedule_notes"] = str(first.get("description") or "")[:300]
    fields["languages"] = [
        item["code"] for item in extra.get("languages", []) if item.get("code")
    ]
    fields.update(
        stages=[],
        delivery=Service.Delivery.IN_PERSON
        if data.get("service_at_locations")
        else Service.Delivery.ONLINE,
        cost=Service.Cost.PAID if data.get("fees_description") else Service.Cost.FREE,
        is_programme=False,
        capacity=None,
        min_employees=None,
        max_employees=None,
    )
    foreign = []
    for attribute in extra.get("attributes", []):
        taxonomy = _kindred_attribute(attribute)
        if taxonomy is None:
            foreign.append(attribute)
            name = (attribute.get("taxonomy_term") or {}).get("name")
            if name:
                values.unknown_terms.append(str(name))
            continue
        _apply_attribute(values, taxonomy, attribute)
    if "attributes" in extra:
        extra["attributes"] = foreign
    values.locations = [
        sal for sal in data.get("service_at_locations") or [] if sal.get("location")
    ]
    values.extra = {k: v for k, v in extra.items() if v not in ([], None)}
    return values


def _apply_attribute(
    values: ServiceValues, taxonomy: Taxonomy, attribute: dict[str, Any]
) -> None:
    code = str((attribute.get("taxonomy_term") or {}).get("code") or "")
    value = attribute.get("value")
    add: dict[str, Callable[[], None]] = {
        "topics": lambda: values.topics.append(code),
        "sectors": lambda: values.sectors.append(code),
        "regions": lambda: values.regions.append(code),
        "stages": lambda: (
            values.fields["stages"].append(code) if code in Stage.values else None
        ),
    }
    if taxonomy.key in add:
        add[taxonomy.key]()
    elif code.startswith("delivery-") and code[9:] in Service.Delivery.values:
        values.fields["delivery"] = code[9:]
    elif code.startswith("cost-") and code[5:] in Service.Cost.values:
        values.fields["cost"] = code[5:]
    elif code == "programme":
        values.fields["is_programme"] = True
    elif code in VALUE_DETAILS and value not in (None, ""):
        with contextlib.suppress(ValueError):
            values.fields[VALUE_DETAILS[code]] = max(0, int(float(str(value))))


def split_location(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An HSDS location as (Kindred fields, pass-through extra)."""
    extra = {
        k: v
        for k, v in data.items()
        if k not in {"id", "name", "latitude", "longitude", "organization_id"}
    }
    addresses = list(extra.get("addresses") or [])
    first = addresses[0] if addresses else {}
    fields = {
        "name": str(data.get("name") or "")[:200],
        "latitude": _number(data.get("latitude")),
        "longitude": _number(data.get("longitude")),
        "address_1": str(first.get("address_1") or "")[:200],
        "city": str(first.get("city") or "")[:100],
        "state_province": str(first.get("state_province") or "")[:100],
        "postal_code": str(first.get("postal_code") or "")[:20],
        "country": str(first.get("country") or "")[:2],
    }
    return fields, extra


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def split_organisation(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An HSDS organization as (Kindred fields, pass-through extra)."""
    extra = {
        k: v
        for k, v in data.items()
        if k
        not in {
            "id",
            "name",
            "description",
            "website",
            "email",
            "services",
            "locations",
        }
    }
    kind = Organisation.Kind.BUSINESS_ADVISER
    foreign = []
    for attribute in extra.get("attributes", []):
        taxonomy = _kindred_attribute(attribute)
        code = (attribute.get("taxonomy_term") or {}).get("code")
        if taxonomy is not None and taxonomy.key == "organisation-types":
            if code in Organisation.Kind.values:
                kind = code
            continue
        foreign.append(attribute)
    if "attributes" in extra:
        extra["attributes"] = foreign
    fields = {
        "name": str(data["name"]).strip()[:160],
        "description": str(data.get("description") or ""),
        "website": str(data.get("website") or ""),
        "email": str(data.get("email") or ""),
        "kind": kind,
    }
    return fields, {k: v for k, v in extra.items() if v not in ([], None)}
