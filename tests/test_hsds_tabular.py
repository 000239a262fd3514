"""HSDS 3.0 tabular data package <-> nested HSDS JSON (no database)."""

from __future__ import annotations

import csv
import functools
import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import Draft202012Validator, validator_for

from kindred.directory.hsds_tabular import (
    HSDS_DATA_DIR,
    TabularData,
    TabularError,
    read_package,
    write_package,
)

EXAMPLES = HSDS_DATA_DIR / "examples"
EXAMPLE_CSV = EXAMPLES / "csv"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
PHONE_ID = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
LISTS = ("organizations", "services", "taxonomies", "taxonomy_terms", "locations")


@functools.cache
def validator(name: str) -> Any:
    """A validator for one of the compiled HSDS schemas (loaded once)."""
    schema = json.loads((HSDS_DATA_DIR / "schema" / name).read_text())
    cls = validator_for(schema, default=Draft202012Validator)
    return cls(schema, format_checker=FormatChecker())


def load_json(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "package"
    shutil.copytree(EXAMPLE_CSV, folder)
    return folder


def where(problems: list[TabularError]) -> list[tuple[str, int | None, str | None]]:
    return sorted(
        ((p.file, p.row, p.field) for p in problems), key=lambda place: str(place)
    )


def without(obj: Any, keys: set[str]) -> Any:
    """`obj` with `keys` removed at every depth."""
    if isinstance(obj, dict):
        return {k: without(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [without(item, keys) for item in obj]
    return obj


@pytest.fixture(scope="module")
def example() -> TabularData:
    data, errors = read_package(EXAMPLE_CSV)
    assert errors == []
    return data


def test_example_package_reads_without_errors(example: TabularData) -> None:
    assert [s["id"] for s in example.services] == [SERVICE_ID]
    assert [o["id"] for o in example.organizations] == [ORGANIZATION_ID]
    assert [loc["id"] for loc in example.locations] == [LOCATION_ID]
    assert len(example.taxonomies) == len(example.taxonomy_terms) == 1
    service = example.services[0]
    assert service["organization_id"] == ORGANIZATION_ID
    assert service["minimum_age"] == 12
    assert service["program"]["name"] == "Community Mental Health Support"
    location = service["service_at_locations"][0]["location"]
    assert location is example.locations[0]
    assert location["latitude"] == 100
    assert location["addresses"][0]["city"] == "MyCity"
    assert service["contacts"][0]["phones"][0]["id"] == PHONE_ID
    assert service["cost_options"][0]["amount"] == 35
    assert "service_id" not in service["phones"][0]


def test_example_dangling_links_are_warnings(example: TabularData) -> None:
    assert where(example.warnings) == where(
        [
            TabularError("attributes.csv", 1, "link_id", ""),
            TabularError("contacts.csv", 1, "organization_id", ""),
            TabularError("contacts.csv", 1, "service_at_location_id", ""),
            TabularError("locations.csv", 1, "organization_id", ""),
            TabularError("metadata.csv", 1, "resource_id", ""),
            TabularError("taxonomy_terms.csv", 1, "taxonomy_id", ""),
        ]
    )
    assert "not in the package" in example.warnings[0].message


def test_example_services_validate_against_schema(example: TabularData) -> None:
    for service in example.services:
        errors = list(validator("service.json").iter_errors(service))
        assert errors == []


def test_example_organizations_validate_against_schema(example: TabularData) -> None:
    for organization in example.organizations:
        errors = list(validator("organization.json").iter_errors(organization))
        assert errors == []


def test_service_shape_follows_service_full(example: TabularData) -> None:
    expected = load_json("service_full.json")
    service = example.services[0]
    for key in ("phones", "schedules", "service_areas", "languages", "funding"):
        assert service[key] == expected[key]
    for key in ("cost_options", "program", "required_documents", "contacts"):
        assert service[key] == expected[key]
    scalars = {k: v for k, v in expected.items() if not isinstance(v, dict | list)}
    assert {k: service[k] for k in scalars} == scalars


def test_round_trip_of_example_package(example: TabularData, tmp_path: Path) -> None:
    written = write_package(
        tmp_path,
        organizations=example.organizations,
        services=example.services,
        taxonomies=example.taxonomies,
        taxonomy_terms=example.taxonomy_terms,
    )
    assert "services.csv" in written and "datapackage.json" in written
    assert "attributes.csv" not in written  # its only row links nowhere
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert sorted(res["path"] for res in package["resources"]) == sorted(
        name for name in written if name.endswith(".csv")
    )
    again, errors = read_package(tmp_path)
    assert errors == []
    for name in LISTS:
        assert getattr(again, name) == getattr(example, name), name
    assert set(where(again.warnings)) <= set(where(example.warnings))


def test_nested_json_survives_tabular_round_trip(tmp_path: Path) -> None:
    service = load_json("service_full.json")
    organization = load_json("organization_full.json")
    write_package(
        tmp_path,
        organizations=[organization],
        services=[service],
        taxonomies=[],
        taxonomy_terms=[],
    )
    data, errors = read_package(tmp_path)
    assert errors == []
    assert data.warnings == []
    references = {"organization_id", "program_id", "location_id"}
    references |= {"taxonomy_term_id", "taxonomy_id"}
    service.pop("organization")
    assert without(data.services[0], references) == service
    organization.pop("services")
    assert without(data.organizations[0], references) == organization
    assert data.services[0]["attributes"][0]["taxonomy_term"]["taxonomy_detail"]


def test_write_deduplicates_shared_records_and_sets_links(tmp_path: Path) -> None:
    location = {"id": str(uuid.uuid4()), "location_type": "physical", "name": "Hub"}
    term = {"id": str(uuid.uuid4()), "name": "Food", "description": "Food banks"}
    organization = {"id": str(uuid.uuid4()), "name": "Org", "description": "An org"}
    services = [
        {
            "id": str(uuid.uuid4()),
            "organization_id": organization["id"],
            "name": f"Service {n}",
            "status": "active",
            "service_at_locations": [{"id": str(uuid.uuid4()), "location": location}],
            "attributes": [{"id": str(uuid.uuid4()), "taxonomy_term": term}],
        }
        for n in range(3)
    ]
    write_package(
        tmp_path,
        organizations=[organization],
        services=services,
        taxonomies=[],
        taxonomy_terms=[term],
    )
    assert len(read_rows(tmp_path / "locations.csv")) == 1
    assert len(read_rows(tmp_path / "taxonomy_terms.csv")) == 1
    attributes = read_rows(tmp_path / "attributes.csv")
    assert [a["link_id"] for a in attributes] == [s["id"] for s in services]
    assert {a["link_entity"] for a in attributes} == {"service"}
    assert {a["taxonomy_term_id"] for a in attributes} == {term["id"]}
    links = read_rows(tmp_path / "service_at_location.csv")
    assert [(r["service_id"], r["location_id"]) for r in links] == [
        (s["id"], location["id"]) for s in services
    ]
    data, errors = read_package(tmp_path)
    assert errors == []
    assert data.warnings == []
    assert data.services[2]["attributes"][0]["taxonomy_term"] == term


def test_write_keeps_the_order_of_every_child_list(tmp_path: Path) -> None:
    shared, first, second = ({"id": str(uuid.uuid4()), "number": n} for n in "123")
    location = {
        "id": str(uuid.uuid4()),
        "location_type": "physical",
        "phones": [second, shared],
    }
    service = {
        "id": str(uuid.uuid4()),
        "organization_id": str(uuid.uuid4()),
        "name": "Advice",
        "status": "active",
        "phones": [first, shared],
        "service_at_locations": [{"id": str(uuid.uuid4()), "location": location}],
    }
    write_package(
        tmp_path, organizations=[], services=[service], taxonomies=[], taxonomy_terms=[]
    )
    data, errors = read_package(tmp_path)
    assert errors == []
    assert data.services[0]["phones"] == [first, shared]
    assert data.locations[0]["phones"] == [second, shared]


def test_typed_values_and_extra_columns(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    rows = read_rows(folder / "services.csv")
    rows[0].update(minimum_age="1.5", maximum_age="", alert=" ")
    rows[0]["local_code"] = "007"
    write_rows(folder / "services.csv", rows)
    data, errors = read_package(folder)
    assert errors == []
    service = data.services[0]
    assert service["minimum_age"] == 1.5
    assert "maximum_age" not in service and "alert" not in service
    assert service["local_code"] == "007"
    out = tmp_path / "out"
    write_package(
        out,
        organizations=data.organizations,
        services=data.services,
        taxonomies=data.taxonomies,
        taxonomy_terms=data.taxonomy_terms,
    )
    again, errors = read_package(out)
    assert errors == []
    assert again.services == data.services


def test_boolean_and_integer_columns_follow_datapackage(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text())
    for resource in package["resources"]:
        if resource["name"] == "organization":
            resource["schema"]["fields"].append({"name": "active", "type": "boolean"})
            for spec in resource["schema"]["fields"]:
                if spec["name"] == "year_incorporated":
                    spec["type"] = "integer"
    (folder / "datapackage.json").write_text(json.dumps(package))
    rows = read_rows(folder / "organizations.csv")
    rows[0]["active"] = "false"
    write_rows(folder / "organizations.csv", rows)
    data, errors = read_package(folder)
    assert errors == []
    assert data.organizations[0]["active"] is False
    assert data.organizations[0]["year_incorporated"] == 2011


def test_broken_package_reports_every_error(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text())
    for resource in package["resources"]:
        for spec in resource["schema"]["fields"]:
            if (resource["name"], spec["name"]) == (
                "organization",
                "year_incorporated",
            ):
                spec["type"] = "integer"
    (folder / "datapackage.json").write_text(json.dumps(package))

    organizations = read_rows(folder / "organizations.csv")
    organizations[0]["year_incorporated"] = "2011.5"
    write_rows(folder / "organizations.csv", organizations)

    services = read_rows(folder / "services.csv")
    good = services[0]
    services.append({**good, "id": "not-a-uuid"})
    services.append({**good, "id": str(uuid.uuid4()), "name": ""})
    services.append({**good, "id": str(uuid.uuid4()), "minimum_age": "twelve"})
    services.append({**good, "id": str(uuid.uuid4()), "assured_date": "2020-02-30"})
    services.append({**good, "id": str(uuid.uuid4()), "status": "open"})
    write_rows(folder / "services.csv", services)

    phones = read_rows(folder / "phones.csv")
    phones.append({**phones[0], "number": "0800 000 000"})
    write_rows(folder / "phones.csv", phones)

    addresses = read_rows(folder / "addresses.csv")
    write_rows(
        folder / "addresses.csv",
        [{k: v for k, v in row.items() if k != "city"} for row in addresses],
    )

    data, errors = read_package(folder)
    assert where(errors) == where(
        [
            TabularError("organizations.csv", 1, "year_incorporated", ""),
            TabularError("services.csv", 2, "id", ""),
            TabularError("services.csv", 3, "name", ""),
            TabularError("services.csv", 4, "minimum_age", ""),
            TabularError("services.csv", 5, "assured_date", ""),
            TabularError("services.csv", 6, "status", ""),
            TabularError("phones.csv", 2, "id", ""),
            TabularError("addresses.csv", None, "city", ""),
        ]
    )
    messages = {(e.file, e.field): e.message for e in errors}
    assert messages["organizations.csv", "year_incorporated"] == (
        "'2011.5' is not a valid integer"
    )
    assert messages["services.csv", "id"] == "'not-a-uuid' is not a valid UUID"
    assert messages["services.csv", "minimum_age"] == "'twelve' is not a valid number"
    assert "duplicate id" in messages["phones.csv", "id"]
    assert "city" in messages["addresses.csv", "city"]
    assert len(data.services) == 6  # the rows read, for a preview; none imported


def test_missing_datapackage_is_reported_with_table_errors(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    (folder / "datapackage.json").unlink()
    services = read_rows(folder / "services.csv")
    services[0]["organization_id"] = "12345"
    write_rows(folder / "services.csv", services)
    data, errors = read_package(folder)
    assert where(errors) == [
        ("datapackage.json", None, None),
        ("services.csv", 1, "organization_id"),
    ]
    assert errors[0].message == "datapackage.json is missing"
    assert len(data.taxonomy_terms) == 1  # tables are still read by file name


def test_dangling_link_is_a_warning_not_an_error(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    phones = read_rows(folder / "phones.csv")
    stray = str(uuid.uuid4())
    phones.append(
        {key: "" for key in phones[0]}
        | {"id": str(uuid.uuid4()), "number": "0800", "service_id": stray}
    )
    write_rows(folder / "phones.csv", phones)
    data, errors = read_package(folder)
    assert errors == []
    warning = next(w for w in data.warnings if w.file == "phones.csv")
    assert (warning.row, warning.field) == (2, "service_id")
    assert stray in warning.message
    assert [p["id"] for p in data.services[0]["phones"]] == [PHONE_ID]


def test_unlisted_tables_and_absent_files(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text())
    package["resources"] = [
        res for res in package["resources"] if res["name"] != "taxonomy"
    ]
    (folder / "datapackage.json").write_text(json.dumps(package))
    (folder / "accessibility.csv").unlink()
    data, errors = read_package(folder)
    assert errors == []
    assert len(data.taxonomies) == 1
    assert "accessibility" not in data.locations[0]


def test_progress_reports_each_table(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    read_package(EXAMPLE_CSV, progress=lambda done, total: calls.append((done, total)))
    total = calls[-1][1]
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [done for done, _ in calls] == list(range(total + 1))


def test_reading_twenty_thousand_services_is_fast(tmp_path: Path) -> None:
    def new_id() -> str:
        return str(uuid.uuid4())

    organizations = [
        {"id": new_id(), "name": f"Org {n}", "description": "An org"}
        for n in range(1000)
    ]
    locations = [
        {"id": new_id(), "location_type": "physical", "name": f"Place {n}"}
        for n in range(2000)
    ]
    services = [
        {
            "id": new_id(),
            "organization_id": organizations[n % 1000]["id"],
            "name": f"Service {n}",
            "status": "active",
            "phones": [{"id": new_id(), "number": "0123 456"}],
            "schedules": [{"id": new_id(), "opens_at": "09:00", "byday": "MO"}],
            "service_at_locations": [{"id": new_id(), "location": locations[n % 2000]}],
        }
        for n in range(20_000)
    ]
    write_package(
        tmp_path,
        organizations=organizations,
        services=services,
        taxonomies=[],
        taxonomy_terms=[],
    )
    started = time.perf_counter()
    data, errors = read_package(tmp_path)
    elapsed = time.perf_counter() - started
    assert errors == [] and data.warnings == []
    assert len(data.services) == 20_000
    assert data.services[-1]["phones"] == services[-1]["phones"]
    assert elapsed < 10
