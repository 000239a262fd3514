"""Project and business pages: what each person sees, refusals, bad input kept,
bounded queries, and the demo data."""

from __future__ import annotations

import random

import pytest

from kindred.moderation.models import Report
from kindred.projects import services
from kindred.projects.models import Business, Project, Volunteer
from kindred.projects.services import RoleInput

from .conftest import make_person


@pytest.fixture
def founder(db):
    return make_person("founder@example.com", "Fran Founder")


@pytest.fixture
def helper(db):
    return make_person("helper@example.com", "Hal Helper")


@pytest.fixture
def project(founder):
    return services.create_project(
        by=founder,
        title="Oat launch",
        description="Spring launch.",
        roles=[RoleInput(title="Tester", places=1)],
    )


def test_signed_out_visitors_are_sent_to_log_in(client, project):
    for url in (
        "/projects/",
        "/projects/new/",
        f"/projects/{project.pk}/",
        "/projects/businesses/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_empty_states(client, helper):
    client.force_login(helper)
    body = client.get("/projects/").content.decode()
    assert "No open projects yet." in body and "You run no projects yet." in body
    assert (
        "No member businesses yet."
        in client.get("/projects/businesses/").content.decode()
    )


def test_posting_a_project_through_the_page(client, founder):
    client.force_login(founder)
    assert client.get("/projects/new/").status_code == 200
    data = {
        "title": "Website refresh",
        "description": "New site.",
        "roles-TOTAL_FORMS": "3",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "20",
        "roles-0-title": "Designer",
        "roles-0-places": "2",
        "roles-1-places": "1",
        "roles-2-places": "1",
    }
    response = client.post("/projects/new/", data)
    project = Project.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/projects/{project.pk}/"
    )
    assert list(project.roles.values_list("title", "places")) == [("Designer", 2)]


def test_bad_input_keeps_what_was_typed(client, founder):
    client.force_login(founder)
    data = {
        "title": "Keep me",
        "description": "<script>alert(1)</script>",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-0-title": "Tester",
        "roles-0-places": "1",
    }
    response = client.post("/projects/new/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Keep me" in body and "There is a problem" in body
    assert not Project.objects.exists()


def test_volunteer_accept_and_updates_flow(client, project, founder, helper, outsider):
    role = project.roles.get()
    client.force_login(helper)
    url = f"/projects/{project.pk}/roles/{role.pk}/volunteer/"
    assert client.post(url, {"message": "Me"}).status_code == 302
    offer = Volunteer.objects.get()
    updates = f"/projects/{project.pk}/updates/"
    assert client.get(updates).status_code == 404
    decide = f"/projects/{project.pk}/volunteers/{offer.pk}/decide/"
    assert client.post(decide, {"decision": "accept"}).status_code == 403
    offer.refresh_from_db()
    assert offer.status == "pending"
    client.force_login(founder)
    assert "Hal Helper" in client.get(f"/projects/{project.pk}/").content.decode()
    assert client.post(decide, {"decision": "accept"}).status_code == 302
    assert client.post(updates, {"body": "Samples Monday"}).status_code == 302
    client.force_login(helper)
    assert "Samples Monday" in client.get(updates).content.decode()
    assert "Samples Monday" in client.get(f"/projects/{project.pk}/").content.decode()
    client.force_login(outsider)
    assert client.get(updates).status_code == 404
    assert client.post(updates, {"body": "x"}).status_code == 404
    assert (
        "Samples Monday" not in client.get(f"/projects/{project.pk}/").content.decode()
    )


def test_only_the_team_edits_and_closes(client, project, outsider):
    client.force_login(outsider)
    assert client.get(f"/projects/{project.pk}/edit/").status_code == 403
    assert client.post(f"/projects/{project.pk}/close/").status_code == 403
    project.refresh_from_db()
    assert project.status == "open"


def test_unknown_and_huge_ids_are_404(client, outsider, project):
    client.force_login(outsider)
    for url in (
        "/projects/99999999999999999999/",
        f"/projects/{project.pk}/roles/99999999999999999999/volunteer/",
        "/projects/businesses/nope/",
    ):
        method = client.post if "volunteer" in url else client.get
        assert method(url).status_code == 404


def test_the_list_has_bounded_queries(client, helper, django_assert_max_num_queries):
    for n in range(12):
        person = make_person(f"p{n}@example.com", f"P {n}")
        project = services.create_project(
            by=person,
            title=f"Project {n}",
            description="x",
            roles=[RoleInput(title="A"), RoleInput(title="B", places=2)],
        )
        services.volunteer_for(project.roles.first(), by=helper)
        services.create_business(by=person, name=f"Biz {n}", summary="x")
    client.force_login(helper)
    with django_assert_max_num_queries(16):
        body = client.get("/projects/").content.decode()
    assert "Project 11" in body
    with django_assert_max_num_queries(14):
        assert "Biz 11" in client.get("/projects/businesses/").content.decode()


def test_business_pages(client, founder, outsider):
    client.force_login(founder)
    response = client.post(
        "/projects/businesses/new/",
        {
            "name": "Oat & Co",
            "summary": "Oat milk.",
            "offers": "**Oats**",
            "member_offer": "10% off",
        },
    )
    business = Business.objects.get()
    assert response.status_code == 302
    client.force_login(outsider)
    body = client.get(f"/projects/businesses/{business.slug}/").content.decode()
    assert "<strong>Oats</strong>" in body and "10% off" in body
    assert client.get(f"/projects/businesses/{business.slug}/edit/").status_code == 403
    found = client.get("/projects/businesses/", {"q": "oat"}).content.decode()
    assert "Oat &amp; Co" in found
    assert (
        "No business matches"
        in client.get("/projects/businesses/", {"q": "zzz"}).content.decode()
    )


def test_demo_data_builds(db):
    from kindred.moderation import demo as moderation_demo
    from kindred.projects import demo as projects_demo

    people = {
        email: make_person(email, email.split("@")[0])
        for email in (
            "founder@example.org",
            "mentor@example.org",
            "adviser@example.org",
            "a.member@example.org",
        )
    }
    projects_demo.build([], people, random.Random(1))
    moderation_demo.build([], people, random.Random(1))
    launch = Project.objects.get(owner=people["founder@example.org"])
    assert launch.roles.count() == 2
    assert Volunteer.objects.filter(status="accepted").count() == 1
    assert Business.objects.filter(owner=people["founder@example.org"]).exists()
    assert Report.objects.filter(status="open").count() == 1
