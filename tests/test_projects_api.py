"""The projects, businesses and moderation API: happy paths, refusals as
problem+json, idempotent creates, and bad ids."""

from __future__ import annotations

import pytest

from kindred.moderation.models import Decision, Report
from kindred.projects import services
from kindred.projects.models import Business, Project, Volunteer
from kindred.projects.services import RoleInput

from .conftest import make_person
from .test_directory_api import api_for, assert_problem


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
        title="Launch",
        description="Oat milk.",
        roles=[RoleInput(title="Tester", places=1)],
    )


def test_posting_a_project_once_even_when_retrying(founder, topics):
    api = api_for(founder)
    payload = {
        "title": "New product launch",
        "description": "Need help.",
        "topics": [next(iter(topics.values())).pk],
        "roles": [{"title": "Copywriter", "places": 2}, {"title": "Tester"}],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "launch-1"}
    first = api.post("/api/v1/projects", payload, format="json", **headers)
    second = api.post("/api/v1/projects", payload, format="json", **headers)
    assert first.status_code == 201 and second.status_code == 201
    assert first.json() == second.json()
    assert Project.objects.count() == 1
    body = first.json()
    assert [r["title"] for r in body["roles"]] == ["Copywriter", "Tester"]
    assert body["roles"][0]["open_places"] == 2


def test_bad_projects_are_problems_naming_the_field(founder):
    api = api_for(founder)
    assert_problem(api.post("/api/v1/projects", {"title": ""}, format="json"), 400)
    response = api.post(
        "/api/v1/projects",
        {"title": "T", "description": "<script>x</script>"},
        format="json",
    )
    assert_problem(response, 400, "description")
    response = api.post(
        "/api/v1/projects",
        {"title": "T", "description": "x", "topics": [2**64]},
        format="json",
    )
    assert_problem(response, 400, "topics")
    assert not Project.objects.exists()


def test_volunteer_decide_and_read_updates(project, founder, helper, outsider):
    role = project.roles.get()
    volunteer = api_for(helper).post(
        f"/api/v1/projects/{project.pk}/roles/{role.pk}/volunteers",
        {"message": "Me!"},
        format="json",
    )
    assert volunteer.status_code == 201
    offer_id = volunteer.json()["id"]
    decision_url = f"/api/v1/projects/{project.pk}/volunteers/{offer_id}/decision"
    assert_problem(
        api_for(outsider).post(decision_url, {"accept": True}, format="json"), 403
    )
    assert Volunteer.objects.get().status == "pending"
    owner_api = api_for(founder)
    assert (
        owner_api.post(decision_url, {"accept": True}, format="json").status_code == 200
    )
    updates = f"/api/v1/projects/{project.pk}/updates"
    assert (
        owner_api.post(updates, {"body": "Kick-off"}, format="json").status_code == 201
    )
    assert api_for(helper).get(updates).json()["results"][0]["body"] == "Kick-off"
    assert_problem(api_for(outsider).get(updates), 404)
    assert_problem(api_for(outsider).post(updates, {"body": "Hi"}, format="json"), 404)
    listed = owner_api.get(f"/api/v1/projects/{project.pk}/volunteers").json()
    assert [v["status"] for v in listed["results"]] == ["accepted"]


def test_only_the_owner_changes_and_closes(project, founder, outsider):
    url = f"/api/v1/projects/{project.pk}"
    assert_problem(api_for(outsider).patch(url, {"title": "Mine"}, format="json"), 403)
    assert_problem(api_for(outsider).post(f"{url}/close"), 403)
    project.refresh_from_db()
    assert project.title == "Launch" and project.status == "open"
    assert (
        api_for(founder)
        .patch(url, {"title": "Big launch"}, format="json")
        .json()["title"]
        == "Big launch"
    )
    assert api_for(founder).post(f"{url}/close").json()["status"] == "closed"
    assert_problem(api_for(founder).post(f"{url}/close"), 409)


def test_huge_or_unknown_ids_are_404(founder):
    api = api_for(founder)
    for url in (
        "/api/v1/projects/99999999999999999999",
        "/api/v1/projects/0",
        "/api/v1/businesses/nope",
    ):
        assert_problem(api.get(url), 404)
    assert_problem(api.get("/api/v1/projects", {"topic": 2**64}), 400)
    assert_problem(api.get("/api/v1/businesses", {"sector": "\x00"}), 400)


def test_businesses_list_create_and_edit(founder, outsider):
    api = api_for(founder)
    response = api.post(
        "/api/v1/businesses",
        {"name": "Oat & Co", "summary": "Oat milk.", "member_offer": "10% off"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="biz",
    )
    assert response.status_code == 201
    slug = response.json()["slug"]
    assert (
        api_for(outsider).get("/api/v1/businesses").json()["results"][0]["member_offer"]
        == "10% off"
    )
    assert_problem(
        api_for(outsider).patch(
            f"/api/v1/businesses/{slug}", {"name": "Mine"}, format="json"
        ),
        403,
    )
    assert Business.objects.get().name == "Oat & Co"
    changed = api.patch(
        f"/api/v1/businesses/{slug}", {"summary": "Oat drinks."}, format="json"
    )
    assert changed.json()["summary"] == "Oat drinks."
    assert_problem(
        api.post(
            "/api/v1/businesses",
            {"name": "X", "summary": "y", "website": "javascript:alert(1)"},
            format="json",
        ),
        400,
        "website",
    )


# --- moderation -------------------------------------------------------------------


def test_report_then_steward_hides_through_the_api(project, helper, steward, outsider):
    report = {"content": "projects.project", "object_id": project.pk, "reason": "spam"}
    response = api_for(helper).post("/api/v1/moderation/reports", report, format="json")
    assert response.status_code == 201
    assert_problem(
        api_for(helper).post("/api/v1/moderation/reports", report, format="json"), 409
    )
    assert_problem(api_for(outsider).get("/api/v1/moderation/queue"), 403)
    queue = api_for(steward).get("/api/v1/moderation/queue").json()
    assert queue["count"] == 1 and queue["results"][0]["title"] == "Launch"
    url = f"/api/v1/moderation/content/projects.project/{project.pk}/decisions"
    assert_problem(api_for(outsider).post(url, {"action": "hide"}, format="json"), 403)
    assert not Decision.objects.exists()
    response = api_for(steward).post(url, {"action": "hide"}, format="json")
    assert response.status_code == 201 and response.json()["reports_closed"] == 1
    assert Report.objects.get().status == "actioned"
    assert_problem(api_for(outsider).get(f"/api/v1/projects/{project.pk}"), 404)
    report = {"content": "projects.project", "object_id": project.pk, "reason": "spam"}
    assert_problem(
        api_for(outsider).post("/api/v1/moderation/reports", report, format="json"), 404
    )
    bad = {"content": "auth.user", "object_id": 1, "reason": "spam"}
    assert_problem(
        api_for(outsider).post("/api/v1/moderation/reports", bad, format="json"), 404
    )
