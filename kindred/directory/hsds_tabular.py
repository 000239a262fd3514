"""Convert between the HSDS 3.0 tabular data package and nested HSDS JSON objects.

A tabular package is a folder with `datapackage.json` and one CSV per table. Nested
objects have the shape of the HSDS `service.json` / `organization.json` schemas. In
nested objects the columns that tie a child row to its parent (`service_id` on a
phone, `link_id` on an attribute, ...) are expressed by the nesting itself and left
out; columns that point at a shared record (`organization_id` and `program_id` on a
service, `organization_id` on a location, `location_id` on a service at location,
`taxonomy_term_id` on an attribute, `taxonomy_id` on a term) are kept, and the record
is nested too when it is in the package. A record that several parents share is one
dict object in every place it appears.

Pure Python: no Django. The table definitions (names, file names, column order, types)
come from the reference `datapackage.json` under `HSDS_DATA_DIR`.
"""

from __future__ import annotations

import copy
import csv
import functools
import heapq
import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

#: The HSDS 3.0 specification files vendored with Kindred (see hsds_spec/README.md).
HSDS_DATA_DIR = Path(__file__).resolve().parent / "hsds_spec"
REFERENCE_PACKAGE = HSDS_DATA_DIR / "examples" / "csv" / "datapackage.json"
DATAPACKAGE = "datapackage.json"

Record = dict[str, Any]


@dataclass
class TabularError:
    """One problem found in a tabular package."""

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


@dataclass
class TabularData:
    """The records of a tabular package, as nested HSDS objects."""

    organizations: list[Record] = field(default_factory=list)
    services: list[Record] = field(default_factory=list)
    taxonomies: list[Record] = field(default_factory=list)
    taxonomy_terms: list[Record] = field(default_factory=list)
    locations: list[Record] = field(default_factory=list)
    warnings: list[TabularError] = field(default_factory=list)


@dataclass(frozen=True)
class _Link:
    """How a child table hangs under a parent table in nested HSDS."""

    parent: str
    key: str
    child: str
    column: str
    many: bool = True  # column on the child row, a list under `key`; else on parent
    nest: bool = True  # read_package nests the child under `key`
    keep: bool = False  # read_package keeps a `many` link column in the child
    check: bool = True  # read_package warns when the link does not resolve


LINKS: tuple[_Link, ...] = (
    _Link("organization", "funding", "funding", "organization_id"),
    _Link("organization", "contacts", "contact", "organization_id"),
    _Link("organization", "phones", "phone", "organization_id"),
    _Link("organization", "locations", "location", "organization_id", keep=True),
    _Link("organization", "programs", "program", "organization_id"),
    _Link(
        "organization",
        "organization_identifiers",
        "organization_identifier",
        "organization_id",
    ),
    _Link(
        "organization",
        "services",
        "service",
        "organization_id",
        nest=False,
        keep=True,
        check=False,
    ),
    _Link(
        "service",
        "organization",
        "organization",
        "organization_id",
        many=False,
        nest=False,
    ),
    _Link("service", "phones", "phone", "service_id"),
    _Link("service", "schedules", "schedule", "service_id"),
    _Link("service", "service_areas", "service_area", "service_id"),
    _Link("service", "service_at_locations", "service_at_location", "service_id"),
    _Link("service", "languages", "language", "service_id"),
    _Link("service", "funding", "funding", "service_id"),
    _Link("service", "cost_options", "cost_option", "service_id"),
    _Link("service", "program", "program", "program_id", many=False),
    _Link("service", "required_documents", "required_document", "service_id"),
    _Link("service", "contacts", "contact", "service_id"),
    _Link("service_at_location", "contacts", "contact", "service_at_location_id"),
    _Link("service_at_location", "phones", "phone", "service_at_location_id"),
    _Link("service_at_location", "schedules", "schedule", "service_at_location_id"),
    _Link("service_at_location", "location", "location", "location_id", many=False),
    _Link("location", "languages", "language", "location_id"),
    _Link("location", "addresses", "address", "location_id"),
    _Link("location", "contacts", "contact", "location_id"),
    _Link("location", "accessibility", "accessibility", "location_id"),
    _Link("location", "phones", "phone", "location_id"),
    _Link("location", "schedules", "schedule", "location_id"),
    _Link("contact", "phones", "phone", "contact_id"),
    _Link("phone", "languages", "language", "phone_id"),
    _Link(
        "attribute", "taxonomy_term", "taxonomy_term", "taxonomy_term_id", many=False
    ),
    _Link("taxonomy_term", "taxonomy_detail", "taxonomy", "taxonomy_id", many=False),
)


@dataclass(frozen=True)
class _AnyLink:
    """A child that may hang under a record of any of several tables."""

    key: str
    child: str
    id_column: str
    table_column: str
    parents: tuple[str, ...]


_ATTRIBUTE_PARENTS = (
    "service",
    "organization",
    "location",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "service_area",
    "language",
    "funding",
    "cost_option",
    "required_document",
    "address",
    "accessibility",
    "organization_identifier",
    "program",
)
ANY_LINKS: tuple[_AnyLink, ...] = (
    _AnyLink("attributes", "attribute", "link_id", "link_entity", _ATTRIBUTE_PARENTS),
    _AnyLink(
        "metadata",
        "metadata",
        "resource_id",
        "resource_type",
        (*_ATTRIBUTE_PARENTS, "attribute", "taxonomy_term", "taxonomy"),
    ),
)
TOP_LEVEL_TABLES = ("organization", "service", "location", "taxonomy", "taxonomy_term")
_CHILD_TABLES = frozenset(
    {link.child for link in LINKS if link.nest} | {link.child for link in ANY_LINKS}
) - set(TOP_LEVEL_TABLES)
_STRIPPED: dict[str, frozenset[str]] = {
    table: frozenset(
        {
            link.column
            for link in LINKS
            if link.child == table and link.many and link.nest and not link.keep
        }
        | {link.id_column for link in ANY_LINKS if link.child == table}
    )
    for table in {link.child for link in LINKS} | {link.child for link in ANY_LINKS}
}

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}\S*")
_TIME = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?")
_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")


class _InvalidValue(ValueError):
    """A cell that does not match its column's declared type."""


@functools.cache
def _reference_package() -> dict[str, Any]:
    """The reference HSDS datapackage.json (read once)."""
    with REFERENCE_PACKAGE.open(encoding="utf-8") as handle:
        package: dict[str, Any] = json.load(handle)
    return package


def _reference_resources() -> dict[str, dict[str, Any]]:
    return {res["name"]: res for res in _reference_package()["resources"]}


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _to_integer(text: str) -> int:
    if _INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError:
            pass
    raise _InvalidValue(f"{_quote(text)} is not a valid integer")


def _to_number(text: str) -> int | float:
    if _INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError:
            pass
    if _NUMBER.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return int(number) if number.is_integer() else number
    raise _InvalidValue(f"{_quote(text)} is not a valid number")


def _to_date(text: str) -> str:
    try:
        if _DATE.fullmatch(text):
            date.fromisoformat(text)
            return text
    except ValueError:
        pass
    raise _InvalidValue(f"{_quote(text)} is not a valid date (expected YYYY-MM-DD)")


def _to_datetime(text: str) -> str:
    try:
        if _DATETIME.fullmatch(text):
            datetime.fromisoformat(text)
            return text
    except ValueError:
        pass
    raise _InvalidValue(
        f"{_quote(text)} is not a valid date and time "
        "(expected e.g. 2024-01-31T09:30:00Z)"
    )


def _to_time(text: str) -> str:
    try:
        if _TIME.fullmatch(text):
            time.fromisoformat(text)
            return text
    except ValueError:
        pass
    raise _InvalidValue(f"{_quote(text)} is not a valid time (expected HH:MM:SS)")


def _boolean_converter(spec: dict[str, Any]) -> Callable[[str], bool]:
    true_values = frozenset(spec.get("trueValues") or _TRUE)
    false_values = frozenset(spec.get("falseValues") or _FALSE)

    def convert(text: str) -> bool:
        if text in true_values:
            return True
        if text in false_values:
            return False
        raise _InvalidValue(f"{_quote(text)} is not a valid boolean (true or false)")

    return convert


def _to_uuid(text: str) -> str:
    if _UUID.fullmatch(text):
        return text
    raise _InvalidValue(f"{_quote(text)} is not a valid UUID")


def _constraints(spec: dict[str, Any]) -> dict[str, Any]:
    constraints = spec.get("constraints")
    return constraints if isinstance(constraints, dict) else {}


@dataclass
class _Column:
    name: str
    convert: Callable[[str], Any] | None = None
    required: bool = False
    choices: tuple[str, ...] = ()


def _column(spec: dict[str, Any]) -> _Column:
    kind = spec.get("type")
    if not isinstance(kind, str):
        kind = "string"
    constraints = _constraints(spec)
    convert: Callable[[str], Any] | None = {
        "integer": _to_integer,
        "year": _to_integer,
        "number": _to_number,
        "date": _to_date,
        "datetime": _to_datetime,
        "time": _to_time,
    }.get(kind)
    if kind == "boolean":
        convert = _boolean_converter(spec)
    elif kind == "string" and spec.get("format") == "uuid":
        convert = _to_uuid
    choices = constraints.get("enum")
    if not isinstance(choices, list):
        choices = []
    return _Column(
        name=spec["name"],
        convert=convert,
        required=bool(constraints.get("required")),
        choices=tuple(str(choice) for choice in choices),
    )


@dataclass
class _Table:
    name: str
    file: str
    rows: list[Record] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


@dataclass
class _Source:
    table: str
    file: str
    path: Path
    fields: list[dict[str, Any]]


def read_package(
    folder: str | Path, progress: Callable[[int, int], None] | None = None
) -> tuple[TabularData, list[TabularError]]:
    """Read a tabular package; return its nested records and every error found.

    `progress(done, total)` is called after each table and once when done.
    """
    folder = Path(folder)
    errors: list[TabularError] = []
    warnings: list[TabularError] = []
    sources = _sources(folder, errors, warnings)
    total = len(sources) + 1
    if progress:
        progress(0, total)
    tables: dict[str, _Table] = {}
    for done, source in enumerate(sources, start=1):
        tables[source.table] = _read_table(source, errors)
        if progress:
            progress(done, total)
    data = _assemble(tables, warnings)
    if progress:
        progress(total, total)
    return data, errors


def _sources(
    folder: Path, errors: list[TabularError], warnings: list[TabularError]
) -> list[_Source]:
    """The tables to read: those listed in datapackage.json, then known files."""
    reference = _reference_resources()
    by_path = {res["path"]: name for name, res in reference.items()}
    found: dict[str, _Source] = {}
    for resource in _listed_resources(folder, errors):
        name = resource.get("name")
        path = resource.get("path")
        if isinstance(name, str) and name in reference:
            table: str | None = name
        else:
            table = by_path.get(Path(str(path)).name)
        if table is None:
            warnings.append(
                TabularError(
                    DATAPACKAGE, None, None, f"{name!r} is not an HSDS table; ignored"
                )
            )
            continue
        if table in found:
            errors.append(
                TabularError(DATAPACKAGE, None, None, f"table {table!r} listed twice")
            )
            continue
        if path is None:
            path = reference[table]["path"]
        target = _inside(folder, path)
        if target is None:
            errors.append(
                TabularError(
                    DATAPACKAGE,
                    None,
                    None,
                    f"path {path!r} of table {table!r} is not a file in the package",
                )
            )
            continue
        schema = resource.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not all(
            isinstance(spec, dict) and isinstance(spec.get("name"), str)
            for spec in fields
        ):
            fields = reference[table]["schema"]["fields"]
        found[table] = _Source(table, str(path), target, fields)
    for table, resource in reference.items():
        target = folder / resource["path"]
        if table not in found and target.is_file():
            fields = resource["schema"]["fields"]
            found[table] = _Source(table, resource["path"], target, fields)
    order = list(reference)
    return sorted(
        (source for source in found.values() if source.path.is_file()),
        key=lambda source: order.index(source.table),
    )


def _listed_resources(folder: Path, errors: list[TabularError]) -> list[Record]:
    path = folder / DATAPACKAGE
    if not path.is_file():
        errors.append(
            TabularError(DATAPACKAGE, None, None, "datapackage.json is missing")
        )
        return []
    try:
        with path.open(encoding="utf-8-sig") as handle:
            package = json.load(handle)
    except (ValueError, OSError) as exc:
        errors.append(
            TabularError(
                DATAPACKAGE, None, None, f"cannot read datapackage.json: {exc}"
            )
        )
        return []
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list):
        errors.append(
            TabularError(DATAPACKAGE, None, None, "datapackage.json has no resources")
        )
        return []
    return [resource for resource in resources if isinstance(resource, dict)]


def _inside(folder: Path, path: object) -> Path | None:
    """`path` resolved inside `folder`, or None if it points elsewhere."""
    if not isinstance(path, str) or "://" in path or Path(path).is_absolute():
        return None
    root = folder.resolve()
    target = (root / path).resolve()
    return target if target.is_relative_to(root) else None


def _read_table(source: _Source, errors: list[TabularError]) -> _Table:
    table = _Table(source.table, source.file)

    def error(row: int | None, column: str | None, message: str) -> None:
        errors.append(TabularError(source.file, row, column, message))

    number = 0
    try:
        with source.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return table
            columns = _header_columns(header, source.fields, error)
            width = len(columns)
            seen_ids: dict[Any, int] = {}
            for number, record in enumerate(reader, start=1):
                if len(record) > width:
                    if any(value.strip() for value in record[width:]):
                        error(
                            number,
                            None,
                            f"row has {len(record)} values but the header has "
                            f"{width} columns",
                        )
                    record = record[:width]
                if not any(value.strip() for value in record):
                    continue
                row = _typed_row(columns, record, number, error)
                row_id = row.get("id")
                if row_id is not None:
                    first = seen_ids.setdefault(row_id, number)
                    if first != number:
                        error(
                            number,
                            "id",
                            f"duplicate id {_quote(str(row_id))} "
                            f"(first used in row {first})",
                        )
                        continue
                table.rows.append(row)
                table.numbers.append(number)
    except UnicodeDecodeError:
        error(None, None, "file is not valid UTF-8 text")
    except csv.Error as exc:
        error(number + 1, None, f"cannot parse CSV: {exc}")
    return table


def _header_columns(
    header: list[str],
    fields: list[dict[str, Any]],
    error: Callable[[int | None, str | None, str], None],
) -> list[_Column | None]:
    """One column per header cell; None for ignored (blank or repeated) names."""
    specs = {spec["name"]: spec for spec in fields}
    columns: list[_Column | None] = []
    seen: set[str] = set()
    for raw_name in header:
        name = raw_name.strip()
        if not name or name in seen:
            if name:
                error(None, name, f"column {name!r} appears more than once")
            columns.append(None)
            continue
        seen.add(name)
        spec = specs.get(name)
        columns.append(_column(spec) if spec else _Column(name))
    for spec in fields:
        if _constraints(spec).get("required") and spec["name"] not in seen:
            error(None, spec["name"], f"required column {spec['name']!r} is missing")
    return columns


def _typed_row(
    columns: list[_Column | None],
    record: list[str],
    number: int,
    error: Callable[[int | None, str | None, str], None],
) -> Record:
    row: Record = {}
    values = record + [""] * (len(columns) - len(record))
    for column, raw in zip(columns, values, strict=True):
        if column is None:
            continue
        text = raw.strip()
        if not text:
            if column.required:
                error(number, column.name, f"{column.name!r} is required but empty")
            continue
        if column.convert is None:
            value: Any = raw
        else:
            try:
                value = column.convert(text)
            except _InvalidValue as exc:
                error(number, column.name, str(exc))
                continue
        if column.choices and str(value) not in column.choices:
            error(
                number,
                column.name,
                f"{_quote(text)} is not one of: {', '.join(column.choices)}",
            )
            continue
        row[column.name] = value
    return row


def _assemble(tables: dict[str, _Table], warnings: list[TabularError]) -> TabularData:
    """Nest the rows of every table under their parents."""
    rows = {
        name: tables.get(name) or _Table(name, "") for name in _reference_resources()
    }
    objects: dict[str, list[Record]] = {}
    index: dict[str, dict[Any, Record]] = {}
    for name, table in rows.items():
        drop = _STRIPPED.get(name)
        if drop:
            objects[name] = [
                {key: value for key, value in row.items() if key not in drop}
                for row in table.rows
            ]
        else:
            objects[name] = table.rows
        index[name] = {}
        for obj in objects[name]:
            index[name].setdefault(obj.get("id"), obj)
    attached: set[int] = set()
    warned: set[int] = set()

    def dangling(
        table: _Table, obj: Record, number: int, column: str, text: str
    ) -> None:
        warned.add(id(obj))
        warnings.append(TabularError(table.file, number, column, text))

    for link in LINKS:
        if not link.check:
            continue
        holder = rows[link.child if link.many else link.parent]
        targets = index[link.parent if link.many else link.child]
        target_name = link.parent if link.many else link.child
        for row, obj, number in zip(
            holder.rows, objects[holder.name], holder.numbers, strict=True
        ):
            ref = row.get(link.column)
            if ref is None:
                continue
            target = targets.get(ref)
            if target is None:
                dangling(holder, obj, number, link.column, _missing(target_name, ref))
            elif not link.nest:
                continue
            elif link.many:
                target.setdefault(link.key, []).append(obj)
                attached.add(id(obj))
            else:
                obj[link.key] = target
                attached.add(id(target))
    for any_link in ANY_LINKS:
        holder = rows[any_link.child]
        for row, obj, number in zip(
            holder.rows, objects[holder.name], holder.numbers, strict=True
        ):
            ref = row.get(any_link.id_column)
            if ref is None:
                continue
            entity = row.get(any_link.table_column)
            candidates = any_link.parents
            if entity in candidates:
                candidates = (entity, *candidates)
            target = next(
                (index[name][ref] for name in candidates if ref in index[name]), None
            )
            if target is None:
                wanted = entity if entity in any_link.parents else "record"
                message = _missing(str(wanted), ref)
                dangling(holder, obj, number, any_link.id_column, message)
            else:
                target.setdefault(any_link.key, []).append(obj)
                attached.add(id(obj))
    for name in sorted(_CHILD_TABLES):
        table = rows[name]
        for obj, number in zip(objects[name], table.numbers, strict=True):
            if id(obj) not in attached and id(obj) not in warned:
                warnings.append(
                    TabularError(
                        table.file,
                        number,
                        None,
                        "row is not linked to any record in the package; skipped",
                    )
                )
    return TabularData(
        organizations=objects["organization"],
        services=objects["service"],
        taxonomies=objects["taxonomy"],
        taxonomy_terms=objects["taxonomy_term"],
        locations=objects["location"],
        warnings=warnings,
    )


def _missing(table: str, ref: Any) -> str:
    quoted = _quote(str(ref))
    return f"links to {table} {quoted}, which is not in the package; link skipped"


def write_package(
    folder: str | Path,
    *,
    organizations: Iterable[Record],
    services: Iterable[Record],
    taxonomies: Iterable[Record],
    taxonomy_terms: Iterable[Record],
    locations: Iterable[Record] = (),
) -> list[str]:
    """Flatten nested records into a tabular package; return the files written.

    HSDS table files in `folder` that this package does not include are removed, so
    the folder reads back as exactly these records.
    """
    folder = Path(folder)
    flattener = _Flattener()
    flattener.add_list("organization", organizations)
    flattener.add_list("service", services)
    flattener.add_list("location", locations)
    flattener.add_list("taxonomy_term", taxonomy_terms)
    flattener.add_list("taxonomy", taxonomies)
    tables = flattener.finish()
    package = copy.deepcopy(_reference_package())
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    resources: list[dict[str, Any]] = []
    for resource in package["resources"]:
        target = folder / resource["path"]
        table_rows = tables.get(resource["name"])
        if not table_rows:
            target.unlink(missing_ok=True)
            continue
        fields = resource["schema"]["fields"]
        columns = [spec["name"] for spec in fields]
        known = set(columns)
        extras = list(
            dict.fromkeys(key for row in table_rows for key in row if key not in known)
        )
        fields.extend({"name": name, "type": "string"} for name in extras)
        columns.extend(extras)
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(
                [_cell(row.get(column)) for column in columns] for row in table_rows
            )
        resources.append(resource)
        written.append(resource["path"])
    package["resources"] = resources
    with (folder / DATAPACKAGE).open("w", encoding="utf-8") as handle:
        json.dump(package, handle, indent=4, ensure_ascii=False)
        handle.write("\n")
    written.append(DATAPACKAGE)
    return written


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or value == ""


_CHILD_LINKS: dict[str, tuple[_Link, ...]] = {
    parent: tuple(link for link in LINKS if link.parent == parent)
    for parent in {link.parent for link in LINKS}
}


class _Flattener:
    """Collects one row per (table, id) from nested records."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Record]] = defaultdict(dict)
        self.sequences: dict[str, list[list[str]]] = defaultdict(list)
        self.walked: set[int] = set()
        self.new_ids: dict[int, str] = {}
        self.program_services: dict[str, str] = {}

    def add_list(
        self, table: str, objects: Iterable[Any], links: Record | None = None
    ) -> None:
        ids = [self.add(table, obj, links) for obj in objects if isinstance(obj, dict)]
        self.sequences[table].append(ids)

    def add(self, table: str, obj: Record, links: Record | None = None) -> str:
        row_id = self._row_id(obj)
        row = self.rows[table].get(row_id)
        if row is None:
            row = self.rows[table][row_id] = {"id": row_id}
        for key, value in obj.items():
            if not _blank(value) and not isinstance(value, dict | list):
                row.setdefault(key, value)
        for column, value in (links or {}).items():
            if _blank(row.get(column)):
                row[column] = value
        if id(obj) in self.walked:
            return row_id
        self.walked.add(id(obj))
        for link in _CHILD_LINKS.get(table, ()):
            value = obj.get(link.key)
            if link.many and isinstance(value, list):
                self.add_list(link.child, value, {link.column: row_id})
            elif not link.many and isinstance(value, dict):
                child_id = self.add(link.child, value)
                if _blank(row.get(link.column)):
                    row[link.column] = child_id
                if link.child == "program":
                    self.program_services.setdefault(child_id, row_id)
        for any_link in ANY_LINKS:
            value = obj.get(any_link.key)
            if isinstance(value, list):
                parent = {any_link.id_column: row_id, any_link.table_column: table}
                self.add_list(any_link.child, value, parent)
        return row_id

    def _row_id(self, obj: Record) -> str:
        if not _blank(obj.get("id")):
            return str(obj["id"])
        return self.new_ids.setdefault(id(obj), str(uuid.uuid4()))

    def finish(self) -> dict[str, list[Record]]:
        """Rows per table, ordered consistently with every list they came from."""
        programs = self.rows.get("program", {})
        services = self.rows.get("service", {})
        for program_id, service_id in self.program_services.items():
            program = programs[program_id]
            if _blank(program.get("organization_id")):
                owner = services[service_id].get("organization_id")
                if not _blank(owner):
                    program["organization_id"] = owner
        return {
            table: [
                rows[row_id] for row_id in _merge_order(rows, self.sequences[table])
            ]
            for table, rows in self.rows.items()
        }


def _merge_order(rows: dict[str, Record], sequences: list[list[str]]) -> list[str]:
    """Ids in an order that keeps each sequence's order, else first-seen order."""
    rank = {row_id: position for position, row_id in enumerate(rows)}
    successors: dict[str, list[str]] = defaultdict(list)
    waiting = dict.fromkeys(rows, 0)
    for sequence in sequences:
        for before, after in zip(sequence, sequence[1:], strict=False):
            if before != after:
                successors[before].append(after)
                waiting[after] += 1
    ready = [rank[row_id] for row_id, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ids = list(rows)
    order: list[str] = []
    while ready:
        row_id = ids[heapq.heappop(ready)]
        order.append(row_id)
        for after in successors[row_id]:
            waiting[after] -= 1
            if waiting[after] == 0:
                heapq.heappush(ready, rank[after])
    if len(order) < len(ids):
        placed = set(order)
        order.extend(row_id for row_id in ids if row_id not in placed)
    return order
