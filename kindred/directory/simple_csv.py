"""Import organisations and services from Kindred's simple CSV template.

For people who keep their directory in a spreadsheet rather than in Open Referral
HSDS. Every row is checked first and each problem is reported with its row number
(row 1 is the header, as a spreadsheet numbers it); the rows then become HSDS
records that go through the HSDS importer, so both paths write the same way, all
or nothing, and importing the same file again updates in place.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.core.models import Region, Topic
from kindred.directory import hsds, importer
from kindred.organisations.models import Organisation

COLUMNS = (
    "organisation_name",
    "organisation_type",
    "organisation_website",
    "organisation_email",
    "organisation_summary",
    "service_name",
    "service_description",
    "topics",
    "region",
)
REQUIRED = ("organisation_name",)
EXAMPLE_ROWS = (
    {
        "organisation_name": "Riverside Enterprise Agency",
        "organisation_type": "public_agency",
        "organisation_website": "https://riverside-enterprise.example.org",
        "organisation_email": "hello@riverside-enterprise.example.org",
        "organisation_summary": "Free advice for anyone starting a business.",
        "service_name": "Start-up clinic",
        "service_description": "One-to-one sessions on your business plan.",
        "topics": "Business planning; Cash-flow forecasting",
        "region": "North West",
    },
    {
        "organisation_name": "Calm Founders CIC",
        "organisation_type": "charity",
        "organisation_website": "https://calm-founders.example.org",
        "organisation_email": "",
        "organisation_summary": "Wellbeing support for founders.",
        "service_name": "Resilience for founders",
        "service_description": "A six-week mindfulness programme in small groups.",
        "topics": "mindfulness; stress-and-resilience",
        "region": "north-west",
    },
)
MAX_ROWS = 5000
FILE_NAME = "directory.json"


def template_csv() -> str:
    """The template: a header row and two example rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(EXAMPLE_ROWS)
    return out.getvalue()


@dataclass
class _Organisation:
    record: dict[str, Any]
    rows: list[int] = field(default_factory=list)


def _lookup(model: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in model.objects.all():
        found[item.slug.lower()] = item
        found[item.name.lower()] = item
    return found


def _unknown(what: str, word: str, known: dict[str, Any]) -> str:
    """Say that `word` is not a known `what`, with the closest name if any."""
    names = sorted({item.name for item in known.values()})
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    hint = f" (did you mean “{close[0]}”?)" if close else ""
    return f"no {what} called “{word}”{hint}"


def _kind(value: str) -> str | None:
    if not value:
        return Organisation.Kind.BUSINESS_ADVISER
    for code, label in Organisation.Kind.choices:
        if value.lower() in (code, str(label).lower()):
            return code
    return None


def read_rows(
    text: str, report: importer.Report
) -> tuple[list[dict[str, Any]], dict[int, list[int]]]:
    """HSDS organization records (with their services) from the CSV text, and the
    CSV rows behind each record; problems go to `report` with their row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        report.errors.append(
            importer.Problem(
                "row 1",
                "the header must name the template's columns ("
                + ", ".join(COLUMNS)
                + "); missing: "
                + ", ".join(missing),
            )
        )
        return [], {}
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        report.warnings.append(
            importer.Problem("row 1", "columns ignored: " + ", ".join(unknown))
        )
    reader.fieldnames = header
    topics, regions = _lookup(Topic), _lookup(Region)
    check_url = URLValidator(schemes=["http", "https"])
    organisations: dict[str, _Organisation] = {}
    services_seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            report.errors.append(
                importer.Problem(f"row {number}", f"at most {MAX_ROWS} rows at a time")
            )
            break
        values = {c: str(row.get(c) or "").strip() for c in COLUMNS}
        if not any(values.values()):
            continue
        where = f"row {number}"

        def problem(column: str, message: str, where: str = where) -> None:
            report.errors.append(importer.Problem(f"{where} ({column})", message))

        name = values["organisation_name"]
        if not name:
            problem("organisation_name", "the organisation's name is missing")
            continue
        kind = _kind(values["organisation_type"])
        if kind is None:
            problem(
                "organisation_type",
                f"“{values['organisation_type']}” is not one of "
                + ", ".join(Organisation.Kind.values),
            )
        if values["organisation_website"]:
            try:
                check_url(values["organisation_website"])
            except ValidationError:
                problem(
                    "organisation_website",
                    "not a web address (start it with https://)",
                )
        if values["organisation_email"]:
            try:
                validate_email(values["organisation_email"])
            except ValidationError:
                problem("organisation_email", "not an email address")
        found_topics = []
        for word in filter(None, (t.strip() for t in values["topics"].split(";"))):
            topic = topics.get(word.lower())
            if topic is None:
                problem("topics", _unknown("topic", word, topics))
            else:
                found_topics.append(topic)
        region = None
        if values["region"]:
            region = regions.get(values["region"].lower())
            if region is None:
                problem("region", _unknown("region", values["region"], regions))
        service_name = values["service_name"]
        if not service_name and (values["service_description"] or found_topics):
            problem("service_name", "a service needs a name")
        key = name.lower()
        oid = hsds.stable_id("csv-organisation", key)
        entry = organisations.get(key)
        if entry is None:
            record: dict[str, Any] = {
                "id": oid,
                "name": name,
                "description": values["organisation_summary"],
                "website": values["organisation_website"],
                "email": values["organisation_email"],
            }
            record = {k: v for k, v in record.items() if v or k == "description"}
            if kind:
                record["attributes"] = [
                    hsds._attribute(
                        oid,
                        "organisation-types",
                        kind,
                        str(dict(Organisation.Kind.choices)[kind]),
                    )
                ]
            record["services"] = []
            entry = organisations[key] = _Organisation(record)
        entry.rows.append(number)
        if not service_name:
            continue
        service_key = (key, service_name.lower())
        if service_key in services_seen:
            problem(
                "service_name",
                f"the same service as row {services_seen[service_key]}",
            )
            continue
        services_seen[service_key] = number
        sid = hsds.stable_id("csv-service", key, service_name.lower())
        service: dict[str, Any] = {
            "id": sid,
            "name": service_name,
            "status": "active",
            "attributes": [
                hsds._attribute(sid, "topics", t.slug, t.name) for t in found_topics
            ]
            + (
                [hsds._attribute(sid, "regions", region.slug, region.name)]
                if region
                else []
            ),
        }
        if values["service_description"]:
            service["description"] = values["service_description"]
        entry.record["services"].append(service)
    if not organisations and report.ok:
        report.errors.append(importer.Problem("row 2", "the file has no rows"))
    records = [entry.record for entry in organisations.values()]
    rows = {i: entry.rows for i, entry in enumerate(organisations.values())}
    return records, rows


def _in_rows(problem: importer.Problem, rows: dict[int, list[int]]) -> importer.Problem:
    """Say which CSV rows an HSDS importer problem at `directory.json $[i]` is in."""
    prefix = f"{FILE_NAME} $["
    if not problem.where.startswith(prefix):
        return problem
    index = problem.where[len(prefix) :].split("]", 1)[0]
    numbers = rows.get(int(index)) if index.isdigit() else None
    if not numbers:
        return problem
    label = "row" if len(numbers) == 1 else "rows"
    return importer.Problem(
        f"{label} {', '.join(str(n) for n in numbers)}", problem.message
    )


def import_csv(
    path: Path, *, by: User | None, dry_run: bool = False
) -> importer.Report:
    """Import the CSV template at `path`, or nothing if any row is wrong.

    `by` is the steward importing; None stands for the operator at the command line.
    """
    if by is not None:
        require_steward(by)
    report = importer.Report(dry_run=dry_run)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(
            importer.Problem(path.name, "not UTF-8 text (save the sheet as CSV UTF-8)")
        )
        return report
    records, rows = read_rows(text, report)
    if not report.ok:
        return report
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / FILE_NAME
        target.write_text(json.dumps(records), encoding="utf-8")
        result = importer.import_path(target, by=by, dry_run=dry_run)
    result.errors = [_in_rows(p, rows) for p in result.errors]
    result.warnings = [*report.warnings, *(_in_rows(p, rows) for p in result.warnings)]
    return result
