"""Import an Open Referral HSDS 3.0 directory: all of it, or nothing.

Accepted: one JSON object, a JSON list, a paging envelope (`contents`), a folder
of such files, a tabular data package (`datapackage.json` plus CSVs), or a zip of
either. Every record is checked against the official schema first; one invalid
record means nothing is written and every problem is reported with its file and
JSON path (or CSV row). Records keep their HSDS ids, so importing the same data
again updates in place.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.core import audit
from kindred.core.models import Region, Sector, Topic
from kindred.directory import hsds, hsds_tabular
from kindred.directory.models import (
    DirectorySettings,
    Location,
    OrganisationRecord,
    Service,
    ServiceAtLocation,
)
from kindred.organisations import services as organisation_services
from kindred.organisations.models import Organisation

Progress = Callable[[int, int], None]
BATCH = 500


@dataclass(frozen=True)
class Problem:
    where: str  # "services.json $.contents[3].status" or "services.csv row 4 (name)"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Report:
    dry_run: bool = False
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, kind: str, created: bool, *, changed: bool = True) -> None:
        target = self.created if created else self.updated
        if not changed:
            target = self.unchanged
        target[kind] = target.get(kind, 0) + 1

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [str(p) for p in self.errors],
            "warnings": [str(p) for p in self.warnings],
            "skipped": self.skipped,
        }


@dataclass
class Batch:
    """Records read from the input, each with where it came from."""

    organisations: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    services: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    locations: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)


# --- reading ------------------------------------------------------------------


def _schema_dir() -> Path:
    return hsds.SPEC_DIR / "schema"


@cache
def validator(name: str) -> Any:
    """A compiled validator; a location is checked against organization's locations."""
    file = "organization" if name == "location" else name
    schema = json.loads((_schema_dir() / f"{file}.json").read_text())
    if name == "location":
        schema = schema["properties"]["locations"]["items"]
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def _path(base: str, parts: list[Any]) -> str:
    return base + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


SERVICE_KEYS = {"status", "organization_id", "program_id", "service_at_locations"}
SAL_KEYS = {"service", "service_id", "location_id"}
LOCATION_KEYS = {"location_type", "addresses", "latitude", "longitude"}
TAXONOMY_KEYS = {"taxonomy", "taxonomy_detail", "term_uri", "version", "code"}
NOT_RECORDS = {"openapi_url", "profile"}  # the API's base.json


def _kind_of(data: dict[str, Any]) -> str | None:
    """Which HSDS record `data` is, from the fields only that record has."""
    keys = set(data)
    if isinstance(data.get("contents"), list):
        return "envelope"
    if keys & SAL_KEYS:
        return "service_at_location"
    if keys & SERVICE_KEYS:
        return "service"
    if keys & LOCATION_KEYS:
        return "location"
    if keys & (TAXONOMY_KEYS | NOT_RECORDS) or "id" not in keys:
        return None
    return "organization"


def read(path: Path, report: Report, progress: Progress | None = None) -> Batch:
    """Read every record under `path` into a Batch; problems go to `report`."""
    batch = Batch()
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as folder:
            _unzip(path, Path(folder), report)
            if report.ok:
                _read_path(Path(folder), batch, report, progress)
        return batch
    _read_path(path, batch, report, progress)
    return batch


def _unzip(path: Path, folder: Path, report: Report) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                target = (folder / member.filename).resolve()
                if not str(target).startswith(str(folder.resolve())):
                    report.errors.append(Problem(member.filename, "unsafe path in zip"))
                    return
            archive.extractall(folder)
    except zipfile.BadZipFile:
        report.errors.append(Problem(path.name, "not a readable zip file"))


def _read_path(
    path: Path, batch: Batch, report: Report, progress: Progress | None
) -> None:
    if not path.exists():
        report.errors.append(Problem(str(path), "no such file or folder"))
        return
    if path.is_dir():
        packages = sorted(p.parent for p in path.rglob("datapackage.json"))
        for package in packages:
            if any(package.glob("*.csv")):
                _read_tabular(package, batch, report, progress)
        for file in sorted(path.rglob("*.json")):
            if file.name != "datapackage.json" and not any(
                file.is_relative_to(p) and file.parent == p
                for p in packages
                if any(p.glob("*.csv"))
            ):
                _read_json_file(file, path, batch, report)
        return
    if path.name == "datapackage.json":
        _read_tabular(path.parent, batch, report, progress)
    else:
        _read_json_file(path, path.parent, batch, report)


def _read_json_file(file: Path, root: Path, batch: Batch, report: Report) -> None:
    name = str(file.relative_to(root)) if file != root else file.name
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        report.errors.append(Problem(name, f"not valid JSON: {error}"))
        return
    _take(data, name, "$", batch, report)


def _take(
    data: Any,
    name: str,
    where: str,
    batch: Batch,
    report: Report,
    kind: str | None = None,
) -> None:
    if isinstance(data, list):
        for i, item in enumerate(data):
            _take(item, name, f"{where}[{i}]", batch, report)
        return
    if not isinstance(data, dict):
        report.skipped.append(f"{name} {where}: not an HSDS record")
        return
    if data and all(str(key).endswith(".csv") for key in data):
        _read_tables(data, name, batch, report)
        return
    kind = kind or _kind_of(data)
    if kind == "envelope":
        _take(data["contents"], name, f"{where}.contents", batch, report)
        return
    if kind is None:
        report.skipped.append(
            f"{name} {where}: not a service, organization or location"
        )
        return
    problems = list(validator(kind).iter_errors(data))
    if problems:
        for problem in problems:
            report.errors.append(
                Problem(
                    f"{name} {_path(where, list(problem.instance_path))}",
                    problem.message,
                )
            )
        return
    _collect(kind, data, f"{name} {where}", batch)


def _collect(kind: str, data: dict[str, Any], where: str, batch: Batch) -> None:
    if kind == "organization":
        batch.organisations[data["id"]] = (data, where)
        for service in data.get("services") or []:
            if "status" in service:
                service.setdefault("organization_id", data["id"])
                batch.services[service["id"]] = (service, where)
    elif kind == "service":
        organisation = data.get("organization")
        if organisation and organisation.get("id") not in batch.organisations:
            batch.organisations[organisation["id"]] = (organisation, where)
        batch.services[data["id"]] = (data, where)
    elif kind == "location":
        batch.locations[data["id"]] = (data, where)
    elif kind == "service_at_location":
        service = data.get("service")
        if service:
            service = dict(service)
            link = {k: v for k, v in data.items() if k != "service"}
            existing = batch.services.get(service["id"], (service, where))[0]
            links = [
                s
                for s in existing.get("service_at_locations", [])
                if s["id"] != data["id"]
            ]
            existing["service_at_locations"] = [*links, link]
            _collect("service", existing, where, batch)
        elif data.get("location"):
            batch.locations[data["location"]["id"]] = (data["location"], where)


def _read_tabular(
    folder: Path,
    batch: Batch,
    report: Report,
    progress: Progress | None,
    *,
    label: str = "",
) -> None:
    data, errors = hsds_tabular.read_package(folder, progress=progress)
    for error in errors:
        row = f" row {error.row}" if error.row is not None else ""
        column = f" ({error.field})" if error.field else ""
        report.errors.append(
            Problem(f"{label}{error.file}{row}{column}", error.message)
        )
    for warning in data.warnings:
        row = f" row {warning.row}" if warning.row is not None else ""
        where = f"{label}{warning.file}{row}"
        report.warnings.append(Problem(where, warning.message))
    if errors:
        return
    for kind, items, file in (
        ("organization", data.organizations, "organizations.csv"),
        ("service", data.services, "services.csv"),
        ("location", data.locations, "locations.csv"),
    ):
        for i, item in enumerate(items):
            where = f"id {item.get('id')} (#{i + 1})"
            _take(item, f"{label}{file}", where, batch, report, kind)


def _read_tables(
    tables: dict[str, Any], name: str, batch: Batch, report: Report
) -> None:
    """The tabular form written as JSON (file name → rows), as in tabular.json."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copy(hsds_tabular.REFERENCE_PACKAGE, root / "datapackage.json")
        for file, rows in tables.items():
            if not isinstance(rows, list) or "/" in file or "\\" in file:
                report.errors.append(
                    Problem(f"{name} $.{file}", "must be a list of rows")
                )
                continue
            columns = list(dict.fromkeys(k for row in rows for k in row))
            with (root / file).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        if report.ok:
            _read_tabular(root, batch, report, None, label=f"{name} ")


# --- writing ------------------------------------------------------------------


def import_path(
    path: str | Path,
    *,
    by: User | None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Import everything under `path`, or nothing if any record is invalid.

    `by` is the steward importing; None stands for the operator at the command line.
    """
    if by is not None:
        require_steward(by)
    report = Report(dry_run=dry_run)
    batch = read(Path(path), report, progress)
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            _apply(batch, by=by, report=report, progress=progress)
            if not report.ok:
                raise _Abort
            audit.record(
                "directory.imported",
                actor=by,
                target=DirectorySettings.current(),
                source=Path(path).name,
                created=report.created,
                updated=report.updated,
                dry_run=dry_run,
            )
            if dry_run:
                raise _Abort
    except _Abort:
        pass
    return report


class _Abort(Exception):
    """Roll the import back (a dry run, or problems found while writing)."""


def _apply(
    batch: Batch, *, by: User | None, report: Report, progress: Progress | None
) -> None:
    organisations = _apply_organisations(batch, by=by, report=report)
    locations = _apply_locations(batch, organisations, report)
    _apply_services(batch, organisations, locations, report, progress)
    DirectorySettings.mark_changed()


def _apply_organisations(
    batch: Batch, *, by: User | None, report: Report
) -> dict[str, Organisation]:
    wanted = {}
    for _sid, (service, where) in batch.services.items():
        oid = service.get("organization_id") or (service.get("organization") or {}).get(
            "id"
        )
        if oid:
            wanted.setdefault(oid, where)
    records = {
        str(r.hsds_id): r
        for r in OrganisationRecord.objects.filter(
            hsds_id__in=[*batch.organisations, *wanted]
        ).select_related("organisation")
    }
    found: dict[str, Organisation] = {r: records[r].organisation for r in records}
    for oid, (data, where) in batch.organisations.items():
        fields, extra = hsds.split_organisation(data)
        record = records.get(oid)
        organisation = record.organisation if record else None
        if organisation is None:
            organisation = Organisation.objects.filter(
                name__iexact=fields["name"]
            ).first()
            if organisation is not None:
                report.warnings.append(
                    Problem(
                        where,
                        f"matched the existing organisation “{organisation.name}” "
                        "by name",
                    )
                )
        created = organisation is None
        if organisation is not None and record is None:
            kept = _existing_extra(organisation)
            extra = {**kept, **extra}
        try:
            organisation = organisation_services.save_directory_organisation(
                organisation, by=by, **fields
            )
        except Exception as error:  # noqa: BLE001 - reported with its record
            report.errors.append(Problem(where, str(getattr(error, "message", error))))
            continue
        OrganisationRecord.objects.update_or_create(
            organisation=organisation, defaults={"hsds_id": oid, "hsds_extra": extra}
        )
        found[oid] = organisation
        report.count("organisations", created)
    for oid, where in wanted.items():
        if oid not in found:
            report.errors.append(
                Problem(
                    where, f"organization {oid} is neither in the import nor in Kindred"
                )
            )
    return found


def _existing_extra(organisation: Organisation) -> dict[str, Any]:
    record = OrganisationRecord.objects.filter(organisation=organisation).first()
    return record.hsds_extra if record else {}


def _apply_locations(
    batch: Batch, organisations: dict[str, Organisation], report: Report
) -> dict[str, Location]:
    nested = {
        sal["location"]["id"]: (sal["location"], where, service)
        for service, where in batch.services.values()
        for sal in service.get("service_at_locations") or []
        if sal.get("location")
    }
    for lid, (data, where) in batch.locations.items():
        nested.setdefault(lid, (data, where, {}))
    existing = Location.objects.in_bulk(list(nested), field_name="hsds_id")
    existing = {str(k): v for k, v in existing.items()}
    result: dict[str, Location] = {}
    for lid, (data, _where, service) in nested.items():
        fields, extra = hsds.split_location(data)
        oid = (
            data.get("organization_id")
            or service.get("organization_id")
            or (service.get("organization") or {}).get("id")
        )
        location = existing.get(lid) or Location(hsds_id=lid)
        created = location.pk is None
        for name, value in fields.items():
            setattr(location, name, value)
        location.hsds_extra = extra
        location.organisation = organisations.get(oid) if oid else location.organisation
        location.save()
        result[lid] = location
        report.count("locations", created)
    return result


def _terms(model: Any) -> dict[str, int]:
    return dict(model.objects.values_list("slug", "pk"))


def _apply_services(
    batch: Batch,
    organisations: dict[str, Organisation],
    locations: dict[str, Location],
    report: Report,
    progress: Progress | None,
) -> None:
    if not report.ok:
        return
    topics, sectors, regions = _terms(Topic), _terms(Sector), _terms(Region)
    existing = {
        str(s.hsds_id): s
        for s in Service.objects.filter(hsds_id__in=list(batch.services))
    }
    current = _current_terms([s.pk for s in existing.values()])
    places = _current_places([s.pk for s in existing.values()])
    total = len(batch.services)
    to_create: list[Service] = []
    to_update: list[Service] = []
    links: dict[str, Any] = {}
    now = timezone.now()
    for done, (sid, (data, where)) in enumerate(batch.services.items(), start=1):
        values = hsds.split_service(data)
        oid = values.organisation_hsds_id
        if not oid or oid not in organisations:
            if not oid:
                report.errors.append(
                    Problem(where, "a service needs an organization (organization_id)")
                )
            continue
        service = existing.get(sid) or Service(hsds_id=sid, last_reviewed_at=now)
        created = service.pk is None
        before = None if created else _snapshot(service)
        for name, value in values.fields.items():
            setattr(service, name, value)
        service.hsds_extra = values.extra
        service.organisation = organisations[oid]
        modified = parse_datetime(str(data.get("last_modified") or ""))
        if created and modified:
            service.last_reviewed_at = modified
        problems = list(_field_problems(service))
        for name, message in problems:
            report.errors.append(Problem(f"{where} $.{name}", message))
        if problems:
            continue
        for kind, codes, known in (
            ("topic", values.topics, topics),
            ("sector", values.sectors, sectors),
            ("region", values.regions, regions),
        ):
            for code in codes:
                if code not in known:
                    report.warnings.append(
                        Problem(where, f"unknown {kind} “{code}” left out")
                    )
        changed = (
            created
            or before != _snapshot(service)
            or current.get(service.pk)
            != _wanted_terms(values, topics, sectors, regions)
            or places.get(service.pk, {}) != _wanted_places(values)
        )
        report.count("services", created, changed=changed)
        if changed:
            (to_create if created else to_update).append(service)
            links[sid] = values
        if progress and (done % BATCH == 0 or done == total):
            progress(done, total)
    if not report.ok:
        return
    Service.objects.bulk_create(to_create, batch_size=BATCH)
    for service in to_update:
        # One UPDATE per changed row: far cheaper than bulk_update's CASE per field.
        Service.objects.filter(pk=service.pk).update(
            **{name: getattr(service, name) for name in UPDATED_FIELDS}, updated_at=now
        )
    ids = {
        str(h): pk
        for h, pk in Service.objects.filter(hsds_id__in=list(links)).values_list(
            "hsds_id", "pk"
        )
    }
    for model, attr, known, column in (
        (Service.topics.through, "topics", topics, "topic_id"),
        (Service.sectors.through, "sectors", sectors, "sector_id"),
        (Service.regions.through, "regions", regions, "region_id"),
    ):
        model.objects.filter(service_id__in=ids.values()).delete()
        model.objects.bulk_create(
            (
                model(service_id=ids[sid], **{column: known[code]})
                for sid, values in links.items()
                for code in dict.fromkeys(getattr(values, attr))
                if code in known
            ),
            batch_size=BATCH,
        )
    _apply_service_locations(links, ids, locations, report)


def _snapshot(service: Service) -> tuple[Any, ...]:
    return tuple(getattr(service, name) for name in UPDATED_FIELDS)


def _current_terms(pks: list[int]) -> dict[int, tuple[set[str], ...]]:
    """The topic, sector and region codes each existing service has now."""
    found: dict[int, tuple[set[str], ...]] = {pk: (set(), set(), set()) for pk in pks}
    for position, (model, column) in enumerate(
        (
            (Service.topics.through, "topic__slug"),
            (Service.sectors.through, "sector__slug"),
            (Service.regions.through, "region__slug"),
        )
    ):
        rows = model.objects.filter(service_id__in=pks).values_list(
            "service_id", column
        )
        for pk, code in rows.iterator(chunk_size=5000):
            found[pk][position].add(code)
    return found


def _wanted_terms(
    values: hsds.ServiceValues, *known: dict[str, int]
) -> tuple[set[str], ...]:
    return tuple(
        {code for code in codes if code in terms}
        for codes, terms in zip(
            (values.topics, values.sectors, values.regions), known, strict=True
        )
    )


def _current_places(pks: list[int]) -> dict[int, dict[str, Any]]:
    """Each existing service's links to places: link id -> (place id, extra)."""
    found: dict[int, dict[str, Any]] = {}
    rows = ServiceAtLocation.objects.filter(service_id__in=pks).values_list(
        "service_id", "hsds_id", "location__hsds_id", "hsds_extra"
    )
    for pk, link, place, extra in rows.iterator(chunk_size=5000):
        found.setdefault(pk, {})[str(link)] = (str(place), extra)
    return found


def _wanted_places(values: hsds.ServiceValues) -> dict[str, Any]:
    return {
        sal["id"]: (sal["location"]["id"], _link_extra(sal)) for sal in values.locations
    }


def _link_extra(sal: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in sal.items()
        if k not in ("id", "location", "service_id", "location_id")
    }


TEXT_TYPES = ("CharField", "TextField")
UPDATED_FIELDS = (
    *hsds.SERVICE_FIELDS,
    *hsds.TEXT_FIELDS,
    "hsds_extra",
    "organisation_id",
    "phone",
    "contact_name",
    "opening_days",
    "opens_at",
    "closes_at",
    "schedule_notes",
    "languages",
    "stages",
    "delivery",
    "cost",
    "is_programme",
    "capacity",
    "min_employees",
    "max_employees",
    "status",
)


def _field_problems(service: Service) -> Iterator[tuple[str, str]]:
    for model_field in Service._meta.get_fields():
        max_length = getattr(model_field, "max_length", None)
        text = getattr(model_field, "get_internal_type", lambda: "")() in TEXT_TYPES
        if not max_length or not text:
            continue
        value = getattr(service, model_field.attname, None)
        if isinstance(value, str) and len(value) > max_length:
            yield (
                model_field.name,
                f"is {len(value)} characters long; Kindred keeps at most {max_length}",
            )


def _apply_service_locations(
    links: dict[str, hsds.ServiceValues],
    ids: dict[str, int],
    locations: dict[str, Location],
    report: Report,
) -> None:
    existing = {
        str(s.hsds_id): s
        for s in ServiceAtLocation.objects.filter(service_id__in=ids.values())
    }
    keep = []
    for sid, values in links.items():
        for sal in values.locations:
            link = existing.get(sal["id"]) or ServiceAtLocation(hsds_id=sal["id"])
            report.count("service_at_locations", link.pk is None)
            link.service_id = ids[sid]
            link.location = locations[sal["location"]["id"]]
            link.hsds_extra = _link_extra(sal)
            link.save()
            keep.append(link.pk)
    ServiceAtLocation.objects.filter(service_id__in=ids.values()).exclude(
        pk__in=keep
    ).delete()
