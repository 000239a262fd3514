"""Pages of the directory, the navigator, plans and the steward's directory console."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kindred.directory import selectors, services
from kindred.directory.hsds import SPEC_DIR
from kindred.directory.models import (
    DirectoryJob,
    DirectorySettings,
    Service,
    SupportPlan,
)

from .conftest import make_person


@pytest.fixture
def service(organisation, owner, topics):
    return services.create_service(
        organisation,
        by=owner,
        name="Cash-flow clinic",
        description="An accountant builds a forecast with you.",
        application_process="Book online.",
        topics=[topics["cash-flow-forecasting"]],
    )


FORM = {
    "name": "Pricing workshop",
    "status": "active",
    "description": "Set prices that pay.",
    "cost": "free",
    "delivery": "online",
    "application_process": "Email us.",
    "languages": ["en"],
}


def test_anyone_searches_when_the_steward_allows(client, service):
    response = client.get("/directory/", {"q": "cash flow"})
    assert response.status_code == 200
    assert b"Cash-flow clinic" in response.content
    assert client.get(f"/directory/services/{service.pk}/").status_code == 200


def test_signed_out_visitors_are_sent_to_log_in_when_search_is_closed(
    client, service, steward
):
    services.update_settings(by=steward, public_search=False)
    response = client.get("/directory/", {"q": "cash"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert client.get(f"/directory/services/{service.pk}/").status_code == 302


def test_only_stewards_change_who_may_search(client, colleague, service):
    client.force_login(colleague)
    response = client.post("/steward/directory/settings/", {})
    assert response.status_code == 403
    assert DirectorySettings.current().public_search


def test_htmx_search_returns_only_the_results(client, service):
    response = client.get("/directory/", {"q": "cash"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b"Cash-flow clinic" in response.content


def test_an_admin_publishes_through_the_form(client, owner, organisation, topics):
    client.force_login(owner)
    url = f"/directory/organisations/{organisation.slug}/services/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, {**FORM, "topics": [topics["pricing"].pk]})
    service = Service.objects.get(name="Pricing workshop")
    assert response.status_code == 302 and response["Location"] == (
        service.get_absolute_url()
    )


def test_bad_form_input_keeps_what_was_typed(client, owner, organisation, topics):
    client.force_login(owner)
    url = f"/directory/organisations/{organisation.slug}/services/new/"
    response = client.post(
        url,
        {
            **FORM,
            "cost": "paid",
            "fees_description": "",
            "topics": [topics["pricing"].pk],
        },
    )
    assert response.status_code == 400
    assert "Say what a paid service costs." in response.content.decode()
    assert 'value="Pricing workshop"' in response.content.decode()
    assert not Service.objects.exists()


def test_colleagues_and_outsiders_cannot_manage_services(
    client, colleague, outsider, organisation, service, topics
):
    for person in (colleague, outsider):
        client.force_login(person)
        new = f"/directory/organisations/{organisation.slug}/services/new/"
        assert client.get(new).status_code == 403
        assert (
            client.post(new, {**FORM, "topics": [topics["pricing"].pk]}).status_code
            == 403
        )
        edit = f"/directory/services/{service.pk}/edit/"
        assert (
            client.post(edit, {**FORM, "topics": [topics["pricing"].pk]}).status_code
            == 403
        )
        assert (
            client.post(f"/directory/services/{service.pk}/delete/").status_code == 403
        )
        assert (
            client.post(f"/directory/services/{service.pk}/review/").status_code == 403
        )
    service.refresh_from_db()
    assert service.name == "Cash-flow clinic"
    assert Service.objects.count() == 1


def test_review_redirects_only_within_the_site(client, owner, service):
    client.force_login(owner)
    response = client.post(
        f"/directory/services/{service.pk}/review/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == service.get_absolute_url()


def test_an_inactive_service_is_hidden_from_outsiders(client, outsider, owner, service):
    Service.objects.filter(pk=service.pk).update(status="inactive")
    client.force_login(outsider)
    assert client.get(f"/directory/services/{service.pk}/").status_code == 404
    client.force_login(owner)
    assert client.get(f"/directory/services/{service.pk}/").status_code == 200


def test_the_navigator_needs_a_topic_or_words(client, outsider):
    client.force_login(outsider)
    response = client.get("/navigator/", {"stage": "start_up", "urgency": "soon"})
    assert response.status_code == 400
    assert "Choose at least one topic" in response.content.decode()


def test_the_navigator_page_saves_a_plan(client, outsider, service, topics):
    client.force_login(outsider)
    needs = {
        "stage": "start_up",
        "topics": [topics["cash-flow-forecasting"].pk],
        "urgency": "now",
        "delivery": "either",
    }
    page = client.get("/navigator/", needs)
    assert "Cash-flow clinic" in page.content.decode()
    response = client.post("/navigator/save/", {**needs, "title": "Cash"})
    plan = SupportPlan.objects.get(owner=outsider)
    assert response["Location"] == plan.get_absolute_url()
    assert plan.title == "Cash" and plan.items.get().title == "Cash-flow clinic"


def test_a_client_email_needs_an_adviser(client, outsider, service, topics):
    make_person("client@example.com", "Cleo Client")
    client.force_login(outsider)
    response = client.post(
        "/navigator/save/",
        {
            "stage": "start_up",
            "topics": [topics["cash-flow-forecasting"].pk],
            "urgency": "soon",
            "delivery": "either",
            "client": "client@example.com",
        },
    )
    assert response.status_code == 400
    assert not SupportPlan.objects.exists()


def test_plans_are_private(client, outsider, colleague, service, topics):
    needs = selectors.Needs(
        stage="start_up", topics=(topics["cash-flow-forecasting"].pk,)
    )
    plan = services.save_plan(
        by=outsider, needs=needs, suggestions=selectors.navigate(outsider, needs)
    )
    item = plan.items.get()
    client.force_login(colleague)
    assert client.get(plan.get_absolute_url()).status_code == 404
    url = f"/navigator/plans/{plan.pk}/items/{item.pk}/"
    assert client.post(url, {"done": "1"}).status_code == 404
    assert client.post(f"/navigator/plans/{plan.pk}/delete/").status_code == 404
    item.refresh_from_db()
    assert item.done_at is None and SupportPlan.objects.filter(pk=plan.pk).exists()
    client.force_login(outsider)
    toggled = client.post(url, {"done": "1"}, HTTP_HX_REQUEST="true")
    assert toggled.status_code == 200 and b"<html" not in toggled.content
    item.refresh_from_db()
    assert item.done_at is not None


def test_the_owner_shares_and_the_adviser_can_leave(
    client, outsider, colleague, service, topics
):
    needs = selectors.Needs(
        stage="start_up", topics=(topics["cash-flow-forecasting"].pk,)
    )
    plan = services.save_plan(
        by=outsider, needs=needs, suggestions=selectors.navigate(outsider, needs)
    )
    client.force_login(outsider)
    response = client.post(
        f"/navigator/plans/{plan.pk}/share/", {"adviser": colleague.pk}
    )
    assert response.status_code == 302
    client.force_login(colleague)
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert (
        client.post(
            f"/navigator/plans/{plan.pk}/share/", {"adviser": colleague.pk}
        ).status_code
        == 403
    )
    client.post(f"/navigator/plans/{plan.pk}/unshare/{colleague.pk}/")
    assert client.get(plan.get_absolute_url()).status_code == 404


def test_steward_pages_are_for_stewards(client, owner, steward):
    client.force_login(owner)
    assert client.get("/steward/directory/").status_code == 403
    assert client.post("/steward/directory/export/").status_code == 403
    assert not DirectoryJob.objects.exists()
    client.force_login(steward)
    assert client.get("/steward/directory/").status_code == 200


def test_a_steward_upload_with_problems_lists_them(
    client, steward, django_capture_on_commit_callbacks
):
    client.force_login(steward)
    upload = SimpleUploadedFile("bad.json", b'{"id": "x", "name": "n", "status": "no"}')
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/steward/directory/import/", {"file": upload})
    job = DirectoryJob.objects.get()
    assert response["Location"] == f"/steward/directory/jobs/{job.pk}/"
    assert job.status == "failed" and job.report["errors"]
    page = client.get(f"/steward/directory/jobs/{job.pk}/").content.decode()
    assert "nothing was imported" in page
    assert not Service.objects.exists()


def test_a_steward_upload_must_be_json_or_zip(client, steward):
    client.force_login(steward)
    upload = SimpleUploadedFile("notes.txt", b"hello")
    response = client.post("/steward/directory/import/", {"file": upload})
    assert response.status_code == 400 and not DirectoryJob.objects.exists()


def test_a_steward_exports_and_downloads(
    client, steward, service, django_capture_on_commit_callbacks
):
    client.force_login(steward)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/steward/directory/export/")
    job = DirectoryJob.objects.get()
    assert job.status == "done"
    download = client.get(f"/steward/directory/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert response.status_code == 302


def test_a_steward_imports_the_examples_zip(
    client, steward, tmp_path, django_capture_on_commit_callbacks
):
    import shutil

    archive = shutil.make_archive(
        str(tmp_path / "csv"), "zip", SPEC_DIR / "examples" / "csv"
    )
    client.force_login(steward)
    with (
        open(archive, "rb") as handle,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(
            "/steward/directory/import/",
            {"file": SimpleUploadedFile("csv.zip", handle.read())},
        )
    job = DirectoryJob.objects.get()
    assert job.status == "done", job.report
    assert Service.objects.filter(name="Community Counselling").exists()


def test_a_crashing_import_ends_as_failed(steward, monkeypatch):
    from kindred.directory import importer, tasks

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importer, "import_path", explode)
    job = DirectoryJob.objects.create(
        kind="import", started_by=steward, file_name="x.json"
    )
    job.file.save("x.json", SimpleUploadedFile("x.json", b"{}"), save=True)
    with pytest.raises(RuntimeError):
        tasks.run_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.report["errors"]


def test_people_load_after_the_results_for_members_only(client, outsider, topics):
    mentor = make_person("mentor@example.com", "Mina Mentor")
    mentor.profile.topics_offered.add(topics["mentoring"])
    page = client.get("/directory/", {"q": "mentoring"}).content.decode()
    assert "People who can help" not in page  # not for signed-out visitors
    assert client.get("/directory/people/", {"q": "mentoring"}).status_code == 302
    client.force_login(outsider)
    page = client.get("/directory/", {"q": "mentoring"}).content.decode()
    assert 'hx-get="/directory/people/?q=mentoring"' in page
    panel = client.get(
        "/directory/people/", {"q": "mentering"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Mina Mentor" in panel and "<html" not in panel


def test_results_come_ten_at_a_time(client, organisation, owner, topics):
    for i in range(12):
        services.create_service(
            organisation,
            by=owner,
            name=f"Pricing clinic {i:02d}",
            description="Set prices that pay.",
            application_process="Email us.",
            topics=[topics["pricing"]],
        )
    first = client.get("/directory/", {"q": "pricing", "what": "services"})
    assert first.content.decode().count("Pricing clinic") == 10
    assert "More results" in first.content.decode()
    second = client.get("/directory/", {"q": "pricing", "what": "services", "page": 2})
    assert second.content.decode().count("Pricing clinic") == 2
    assert "Previous results" in second.content.decode()
