"""Open Referral HSDS 3.0: import, export and the /hsds/ API."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from functools import cache
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from jsonschema import Draft202012Validator, FormatChecker

from kindred.directory import exporter, hsds, importer, services
from kindred.directory.hsds_tabular import read_package
from kindred.directory.models import Location, Service, ServiceAtLocation
from kindred.organisations.models import Organisation

SPEC = hsds.SPEC_DIR
EXAMPLES = SPEC / "examples"
EXAMPLE_SERVICE = "ac148810-d857-441c-9679-408f346de14b"
EXAMPLE_ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SPEC / "schema" / f"{name}.json").read_text())
    if name == "location":
        schema = json.loads((SPEC / "schema" / "organization.json").read_text())
        schema = schema["properties"]["locations"]["items"]
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid(name: str, data: dict) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(name).iter_errors(data)
    ]
    assert not errors, errors


def page_items(response, schema: str) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert set(body) == {
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    }
    assert body["size"] == len(body["contents"])
    for item in body["contents"]:
        assert_valid(schema, item)
    return body["contents"]


@pytest.fixture
def published(organisation, owner, topics):
    service = services.create_service(
        organisation,
        by=owner,
        name="Founder Wellbeing Programme",
        description="Eight weeks on stress and resilience.",
        application_process="Email us.",
        topics=[topics["mindfulness"]],
        stages=["start_up"],
        is_programme=True,
        capacity=12,
        delivery="hybrid",
        cost="paid",
        fees_description="£40",
        languages=["en", "cy"],
        opening_days=["MO", "TU"],
        phone="0123 456789",
        email="hello@example.org",
        url="https://example.org/wellbeing",
    )
    location = Location.objects.create(
        organisation=organisation,
        name="Enterprise Centre",
        address_1="1 Quay Street",
        city="Northshire",
        postal_code="NS1 2AB",
        country="GB",
    )
    ServiceAtLocation.objects.create(service=service, location=location)
    return service


# --- import -------------------------------------------------------------------


@pytest.mark.parametrize(
    "example",
    [
        "service_full.json",
        "service_list.json",
        "organization_full.json",
        "organization_list.json",
        "service_at_location_full.json",
        "service_at_location_list.json",
        "location.json",
        "tabular.json",
        "csv",
    ],
)
def test_every_official_example_imports_cleanly(steward, example):
    report = importer.import_path(EXAMPLES / example, by=steward)
    assert report.ok, report.errors
    assert report.created


def test_the_example_folder_imports_once_and_again_in_place(steward, tmp_path):
    first = importer.import_path(EXAMPLES, by=steward)
    assert first.ok, first.errors
    assert Service.objects.count() == 1
    service = Service.objects.get()
    assert str(service.hsds_id) == EXAMPLE_SERVICE
    assert service.name == "Community Counselling"
    assert service.organisation.name == "Example Organization Inc."
    assert str(service.organisation.hsds_record.hsds_id) == EXAMPLE_ORG
    assert service.languages == ["ur"]
    assert service.service_at_locations.get().location.city == "MyCity"
    again = importer.import_path(EXAMPLES, by=steward)
    assert again.ok and not again.created
    assert again.unchanged["services"] == 1 and "services" not in again.updated
    changed = json.loads((EXAMPLES / "service_full.json").read_text())
    changed["name"] = "Community Counselling (renamed)"
    renamed = tmp_path / "renamed.json"
    renamed.write_text(json.dumps(changed))
    third = importer.import_path(renamed, by=steward)
    assert third.updated["services"] == 1
    assert Service.objects.get().name == "Community Counselling (renamed)"
    assert Service.objects.count() == 1 and Organisation.objects.count() == 1


def test_a_dry_run_reports_and_writes_nothing(steward):
    report = importer.import_path(
        EXAMPLES / "service_full.json", by=steward, dry_run=True
    )
    assert report.ok and report.created["services"] == 1
    assert not Service.objects.exists() and not Organisation.objects.exists()


def test_one_bad_record_imports_nothing_and_every_problem_is_named(steward, tmp_path):
    good = json.loads((EXAMPLES / "service_full.json").read_text())
    bad = json.loads(json.dumps(good))
    bad["id"] = "not-a-uuid"
    bad["status"] = "open"
    other = json.loads(json.dumps(good))
    other["id"] = "0b5b3c1e-0000-4000-8000-000000000001"
    del other["name"]
    path = tmp_path / "services.json"
    path.write_text(json.dumps({"contents": [good, bad, other]}))
    report = importer.import_path(path, by=steward)
    assert not report.ok
    where = [str(p) for p in report.errors]
    assert any("services.json $.contents[1].id" in w for w in where), where
    assert any("services.json $.contents[1].status" in w for w in where), where
    assert any("services.json $.contents[2]" in w and "name" in w for w in where), where
    assert not Service.objects.exists() and not Organisation.objects.exists()


def test_broken_csv_rows_are_reported_with_file_and_row(steward, tmp_path):
    package = tmp_path / "package"
    shutil.copytree(EXAMPLES / "csv", package)
    services_csv = package / "services.csv"
    lines = services_csv.read_text().splitlines()
    lines[1] = lines[1].replace("ac148810-d857-441c-9679-408f346de14b", "broken-id", 1)
    services_csv.write_text("\n".join(lines) + "\n")
    report = importer.import_path(package, by=steward)
    assert not report.ok
    assert any(str(p).startswith("services.csv row 1") for p in report.errors)
    assert not Service.objects.exists()


def test_a_service_needs_a_known_organisation(steward, tmp_path):
    data = json.loads((EXAMPLES / "service_full.json").read_text())
    data.pop("organization")
    data["organization_id"] = "0b5b3c1e-0000-4000-8000-00000000000f"
    path = tmp_path / "orphan.json"
    path.write_text(json.dumps(data))
    report = importer.import_path(path, by=steward)
    assert not report.ok and "neither in the import nor in Kindred" in str(
        report.errors[0]
    )
    assert not Service.objects.exists()


def test_not_json_and_unsafe_zips_are_refused(steward, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    assert "not valid JSON" in str(importer.import_path(broken, by=steward).errors[0])
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../escape.json", "{}")
    assert "unsafe path" in str(importer.import_path(archive, by=steward).errors[0])


def test_only_stewards_import(owner):
    from kindred.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        importer.import_path(EXAMPLES / "service_full.json", by=owner)
    assert not Service.objects.exists()


def test_the_command_line_import_and_dry_run(db, capsys):
    call_command("import-hsds", str(EXAMPLES / "service_full.json"), "--dry-run")
    assert "Would import" in capsys.readouterr().out
    assert not Service.objects.exists()
    call_command("import-hsds", str(EXAMPLES / "service_full.json"))
    assert Service.objects.count() == 1


def test_the_command_line_import_fails_loudly(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "name": "n", "status": "active"}))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import-hsds", str(bad), stderr=io.StringIO())


# --- export --------------------------------------------------------------------


def test_the_export_validates_and_reimports_losslessly(published, steward, tmp_path):
    exporter.export(tmp_path / "out")
    exported = json.loads((tmp_path / "out" / "json" / "services.json").read_text())
    for item in exported:
        assert_valid("service", item)
    for item in json.loads(
        (tmp_path / "out" / "json" / "organizations.json").read_text()
    ):
        assert_valid("organization", item)
    _data, errors = read_package(tmp_path / "out" / "tabular")
    assert not errors
    before = hsds.service_json(Service.objects.get(pk=published.pk))
    Service.objects.all().delete()
    for folder in ("json", "tabular"):
        report = importer.import_path(tmp_path / "out" / folder, by=steward)
        assert report.ok, report.errors
        service = Service.objects.get(hsds_id=published.hsds_id)
        after = hsds.service_json(service)
        for data in (before, after):
            data.pop("last_modified", None)
        assert after == before
        assert service.stages == ["start_up"] and service.capacity == 12
        assert service.is_programme and service.cost == "paid"
        assert {t.slug for t in service.topics.all()} == {"mindfulness"}


def test_imported_extras_survive_a_round_trip(steward, tmp_path):
    importer.import_path(EXAMPLES / "service_full.json", by=steward)
    first = hsds.service_json(Service.objects.get())
    exporter.export(tmp_path / "out")
    importer.import_path(tmp_path / "out" / "json", by=steward)
    again = hsds.service_json(Service.objects.get())
    first.pop("last_modified")
    again.pop("last_modified")
    assert again == first
    original = json.loads((EXAMPLES / "service_full.json").read_text())
    for key in ("accreditations", "cost_options", "funding", "required_documents"):
        assert again[key] == original[key]


def test_the_command_line_export(published, tmp_path, capsys):
    call_command("export-hsds", str(tmp_path / "dump"))
    assert (tmp_path / "dump" / "tabular" / "datapackage.json").exists()
    assert "Wrote" in capsys.readouterr().out


# --- the HSDS API ----------------------------------------------------------------


def test_services_list_full_and_one(client, published):
    items = page_items(client.get("/hsds/services"), "service_list")
    assert [i["id"] for i in items] == [str(published.hsds_id)]
    full = page_items(client.get("/hsds/services?full=true"), "service")
    assert full[0]["service_at_locations"][0]["location"]["name"] == "Enterprise Centre"
    one = client.get(f"/hsds/services/{published.hsds_id}")
    assert one.status_code == 200 and one["Access-Control-Allow-Origin"] == "*"
    assert_valid("service", one.json())


def test_services_search_and_taxonomy_filters(client, published, topics):
    assert page_items(client.get("/hsds/services?search=mindfullness"), "service_list")
    assert not page_items(client.get("/hsds/services?search=tractors"), "service_list")
    term = hsds.term_id("topics", "mindfulness")
    assert page_items(
        client.get(f"/hsds/services?taxonomy_term_id={term}"), "service_list"
    )
    other = hsds.term_id("topics", "tax-and-vat")
    assert not page_items(
        client.get(f"/hsds/services?taxonomy_term_id={other}"), "service_list"
    )
    stage = hsds.term_id("stages", "start_up")
    assert page_items(
        client.get(f"/hsds/services?taxonomy_term_id={stage}"), "service_list"
    )
    idea = hsds.term_id("stages", "idea")
    assert not page_items(
        client.get(f"/hsds/services?taxonomy_term_id={idea}"), "service_list"
    )
    taxonomy = hsds.TAXONOMIES["stages"].id
    assert page_items(
        client.get(f"/hsds/services?taxonomy_id={taxonomy}"), "service_list"
    )
    org = published.organisation.hsds_record.hsds_id
    assert page_items(
        client.get(f"/hsds/services?organization_id={org}"), "service_list"
    )
    assert page_items(
        client.get("/hsds/services?modified_after=2020-01-01T00:00:00Z"), "service_list"
    )
    assert not page_items(
        client.get("/hsds/services?modified_after=2999-01-01"), "service_list"
    )


def test_paging_envelope_and_bad_parameters(client, published):
    body = client.get("/hsds/taxonomy_terms?per_page=5&page=2").json()
    assert body["page_number"] == 2 and body["size"] == 5 and not body["first_page"]
    assert body["total_pages"] == -(-body["total_items"] // 5)
    for bad in ("per_page=0", "per_page=x", "page=0", "full=maybe", "format=xml"):
        response = client.get(f"/hsds/services?{bad}")
        assert response.status_code == 400, bad
        assert response["Access-Control-Allow-Origin"] == "*"


def test_ndjson_streams_every_service(client, published):
    response = client.get("/hsds/services?format=ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [str(published.hsds_id)]


def test_organisations_taxonomies_and_service_at_locations(client, published):
    orgs = page_items(client.get("/hsds/organizations"), "organization_list")
    assert orgs[0]["name"] == "Riverside Growth Hub"
    full = client.get(f"/hsds/organizations/{orgs[0]['id']}?full_service=true")
    assert full.status_code == 200
    assert_valid("organization", full.json())
    assert full.json()["services"][0]["id"] == str(published.hsds_id)
    taxonomies = client.get("/hsds/taxonomies").json()["contents"]
    assert {t["name"] for t in taxonomies} >= {"Kindred business-support topics"}
    topics = hsds.TAXONOMIES["topics"].id
    terms = client.get(f"/hsds/taxonomy_terms?taxonomy_id={topics}&per_page=500")
    names = {t["name"] for t in terms.json()["contents"]}
    assert "Mindfulness" in names
    top = client.get(f"/hsds/taxonomy_terms?taxonomy_id={topics}&top_only=true")
    assert all("parent_id" not in t for t in top.json()["contents"])
    term = terms.json()["contents"][0]
    assert client.get(f"/hsds/taxonomy_terms/{term['id']}").json() == term
    assert client.get(f"/hsds/taxonomies/{topics}").json()["id"] == topics
    sals = page_items(
        client.get("/hsds/service_at_locations"), "service_at_location_list"
    )
    one = client.get(f"/hsds/service_at_locations/{sals[0]['id']}")
    assert_valid("service_at_location", one.json())
    assert page_items(
        client.get("/hsds/service_at_locations?postcode=ns1 2ab"),
        "service_at_location_list",
    )


def test_unknown_and_unlisted_records_are_404(client, published):
    assert client.get("/hsds/services/not-a-uuid").status_code == 404
    assert (
        client.get("/hsds/services/0b5b3c1e-0000-4000-8000-000000000001").status_code
        == 404
    )
    Service.objects.filter(pk=published.pk).update(status="inactive")
    assert client.get(f"/hsds/services/{published.hsds_id}").status_code == 404
    Organisation.objects.filter(pk=published.organisation_id).update(is_active=False)
    org = published.organisation.hsds_record.hsds_id
    assert client.get(f"/hsds/organizations/{org}").status_code == 404


def test_cors_preflight_and_read_only(client, published):
    preflight = client.options("/hsds/services")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    assert client.post("/hsds/services", {}).status_code == 405


def test_hsds_list_queries_do_not_grow_with_services(
    client, published, organisation, owner, topics, django_assert_max_num_queries
):
    client.get("/hsds/services?full=true")
    with django_assert_max_num_queries(30) as baseline:
        client.get("/hsds/services?full=true")
    for i in range(10):
        services.create_service(
            organisation,
            by=owner,
            name=f"Extra {i}",
            description="More help.",
            application_process="Ask.",
            topics=[topics["pricing"]],
        )
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        client.get("/hsds/services?full=true")


def test_the_base_endpoint_and_openapi(client, db):
    base = client.get("/hsds/").json()
    assert base["version"] == "3.0"
    assert client.get("/hsds/openapi.json").json()["paths"]


def test_exported_terms_resolve(db):
    ids = {t["id"] for t in hsds.all_terms()}
    assert hsds.term_id("topics", "mindfulness") in ids
    assert len(ids) == len(hsds.all_terms())


def test_the_vendored_spec_is_the_shared_one():
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "hsds"
    if not shared.exists():
        pytest.skip("the shared specification folder is not on this machine")
    for name in ("service.json", "organization.json", "openapi.json"):
        assert (SPEC / "schema" / name).read_bytes() == (
            shared / "schema" / name
        ).read_bytes()


def test_a_date_alone_is_accepted_for_modified_after(client, published):
    assert page_items(
        client.get("/hsds/services?modified_after=2020-01-01"), "service_list"
    )
    assert client.get("/hsds/services?modified_after=2020-13-45").status_code == 400


def test_hidden_organisations_stay_out_of_the_export(published, tmp_path):
    Organisation.objects.filter(pk=published.organisation_id).update(is_active=False)
    exporter.export(tmp_path / "out")
    assert json.loads((tmp_path / "out" / "json" / "services.json").read_text()) == []
