"""The directory's REST API: services, search, the navigator and support plans.

Every refusal is checked twice: the answer (status, problem+json naming the field)
and the database (nothing was written or changed).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kindred.accounts.models import Stage
from kindred.accounts.services import create_api_token
from kindred.api.models import IdempotencyRecord
from kindred.core.models import AuditEntry, Region, Sector, Topic
from kindred.directory import selectors, services
from kindred.directory.models import (
    DirectorySettings,
    PlanItem,
    Service,
    SupportPlan,
)
from kindred.notifications.models import Notification
from kindred.organisations.models import Membership, Organisation, Role

from .conftest import make_person

PROBLEM = "application/problem+json"


# --- helpers ------------------------------------------------------------------------


def api_for(user) -> APIClient:
    _token, raw = create_api_token(by=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def assert_problem(response, status: int, field: str | None = None) -> dict:
    """The answer is an RFC 9457 problem with `status`, naming `field` if given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"] and "detail" in body
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


def publish(organisation, by, vocab, **fields) -> Service:
    data = {
        "name": "Founder Wellbeing Programme",
        "description": "Eight weeks of small-group sessions on stress and resilience.",
        "application_process": "Email us.",
        "topics": [vocab["mindfulness"], vocab["founder-mental-health"]],
    }
    data.update(fields)
    return services.create_service(organisation, by=by, **data)


def service_row(service: Service) -> dict:
    """Everything stored about a service, to prove a refused request changed nothing."""
    row = Service.objects.filter(pk=service.pk).values().get()
    row["topics"] = sorted(
        Service.objects.get(pk=service.pk).topics.values_list("pk", flat=True)
    )
    return row


def plan_row(plan: SupportPlan) -> dict:
    plan = SupportPlan.objects.get(pk=plan.pk)
    return {
        "title": plan.title,
        "owner": plan.owner_id,
        "updated_at": plan.updated_at,
        "items": list(plan.items.values_list("pk", "done_at")),
        "shared_with": sorted(plan.shared_with.values_list("pk", flat=True)),
    }


def service_body(org, vocab, **overrides) -> dict:
    body = {
        "organisation": org.slug,
        "name": "Enterprise mentoring scheme",
        "description": "One-to-one mentoring for **new** founders.",
        "application_process": "Fill in the form on our website.",
        "topics": [vocab["mentoring"].pk],
    }
    body.update(overrides)
    return body


def needs_body(vocab, **overrides) -> dict:
    body = {"stage": Stage.START_UP, "topics": [vocab["mindfulness"].pk]}
    body.update(overrides)
    return body


def set_public_search(value: bool) -> None:
    settings = DirectorySettings.current()
    settings.public_search = value
    settings.save()


@pytest.fixture
def wellbeing(organisation, owner, topics) -> Service:
    return publish(organisation, owner, topics, is_programme=True, delivery="hybrid")


@pytest.fixture
def closed(organisation, owner, topics) -> Service:
    """A service of `organisation` that is not listed (status inactive)."""
    return publish(organisation, owner, topics, name="Closed clinic", status="inactive")


@pytest.fixture
def adviser(organisation, colleague):
    """The colleague is a practitioner of the organisation, hence an adviser."""
    return colleague


@pytest.fixture
def stranger(db):
    """A signed-in member who is no adviser and owns nothing here."""
    return make_person("stranger@example.com", "Sid Stranger")


@pytest.fixture
def plan(wellbeing, outsider, topics) -> SupportPlan:
    """The outsider's own plan, saved through the API."""
    response = api_for(outsider).post(
        "/api/v1/plans", needs_body(topics, title="Get calmer"), format="json"
    )
    assert response.status_code == 201, response.json()
    return SupportPlan.objects.get(pk=response.json()["id"])


# --- publishing a service -----------------------------------------------------------


def test_an_admin_publishes_a_service_and_every_field_is_echoed(
    owner, organisation, topics
):
    sector = Sector.objects.filter(is_active=True).order_by("pk").first()
    region = Region.objects.filter(is_active=True).order_by("pk").first()
    body = service_body(
        organisation,
        topics,
        alternate_name="EMS",
        is_programme=True,
        topics=[topics["mentoring"].pk, topics["mindfulness"].pk],
        stages=[Stage.START_UP, Stage.GROWING],
        sectors=[sector.pk],
        regions=[region.pk],
        min_employees=1,
        max_employees=49,
        eligibility_description="Trading for less than three years.",
        cost="paid",
        fees_description="£20 a session",
        delivery="in_person",
        capacity=12,
        wait_time="Two weeks",
        url="https://example.com/mentoring",
        email="mentoring@example.com",
        phone="01234 567890",
        contact_name="Mo Mentor",
        languages=["en", "cy"],
        opening_days=["MO", "WE"],
        opens_at="09:00",
        closes_at="17:00",
        schedule_notes="Closed on bank holidays.",
    )
    response = api_for(owner).post("/api/v1/services", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    for field in (
        "name",
        "alternate_name",
        "description",
        "is_programme",
        "stages",
        "min_employees",
        "max_employees",
        "eligibility_description",
        "cost",
        "fees_description",
        "delivery",
        "capacity",
        "wait_time",
        "application_process",
        "url",
        "email",
        "phone",
        "contact_name",
        "languages",
        "opening_days",
        "schedule_notes",
    ):
        assert data[field] == body[field], field
    assert data["opens_at"].startswith("09:00")
    assert data["closes_at"].startswith("17:00")
    assert data["status"] == "active"
    assert data["organisation"] == {
        "id": organisation.pk,
        "slug": organisation.slug,
        "name": organisation.name,
    }
    assert {t["slug"] for t in data["topics"]} == {"mentoring", "mindfulness"}
    assert [s["id"] for s in data["sectors"]] == [sector.pk]
    assert [r["id"] for r in data["regions"]] == [region.pk]
    assert data["needs_review"] is False and data["last_reviewed_at"]
    assert data["hsds_id"]

    service = Service.objects.get(pk=data["id"])
    assert service.organisation == organisation
    assert service.last_reviewed_by == owner
    assert service.stages == [Stage.START_UP, Stage.GROWING]
    assert set(service.topics.values_list("slug", flat=True)) == {
        "mentoring",
        "mindfulness",
    }
    assert AuditEntry.objects.filter(
        action="service.created", object_id=str(service.pk)
    ).exists()


def test_a_minimal_service_gets_the_defaults(owner, organisation, topics):
    body = {
        key: service_body(organisation, topics)[key]
        for key in ("organisation", "name", "description", "application_process")
    }
    refused = api_for(owner).post("/api/v1/services", body, format="json")
    assert_problem(refused, 400)
    assert "topics" in refused.content.decode()
    assert not Service.objects.exists()
    body["topics"] = [topics["mentoring"].pk]
    response = api_for(owner).post("/api/v1/services", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["cost"] == "free" and data["delivery"] == "online"
    assert [t["slug"] for t in data["topics"]] == ["mentoring"]
    assert data["stages"] == []
    assert data["min_employees"] is None and data["opens_at"] is None


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_someone_who_is_not_an_admin_cannot_publish(request, who, organisation, topics):
    user = request.getfixturevalue(who)
    response = api_for(user).post(
        "/api/v1/services", service_body(organisation, topics), format="json"
    )
    assert_problem(response, 403)
    assert not Service.objects.exists()
    assert not AuditEntry.objects.filter(action="service.created").exists()


def test_an_admin_without_a_second_factor_cannot_publish(organisation, topics):
    admin = make_person("nofactor@example.com", "Nora Nofactor")
    Membership.objects.create(organisation=organisation, user=admin, role=Role.ADMIN)
    response = api_for(admin).post(
        "/api/v1/services", service_body(organisation, topics), format="json"
    )
    assert_problem(response, 403)
    assert not Service.objects.exists()


def test_an_admin_of_another_organisation_cannot_publish_for_this_one(
    organisation, outsider, topics
):
    Organisation.objects.create(name="Other Org", slug="other-org", kind="charity")
    Membership.objects.create(
        organisation=Organisation.objects.get(slug="other-org"),
        user=outsider,
        role=Role.ADMIN,
    )
    response = api_for(outsider).post(
        "/api/v1/services", service_body(organisation, topics), format="json"
    )
    assert_problem(response, 403)
    assert not Service.objects.exists()


def test_anonymous_callers_cannot_publish(organisation, topics):
    response = APIClient().post(
        "/api/v1/services", service_body(organisation, topics), format="json"
    )
    assert_problem(response, 401)
    assert not Service.objects.exists()


def test_a_steward_may_publish_for_any_organisation(steward, organisation, topics):
    response = api_for(steward).post(
        "/api/v1/services", service_body(organisation, topics), format="json"
    )
    assert response.status_code == 201, response.json()
    assert Service.objects.get().organisation == organisation


def test_an_unknown_organisation_is_a_404(owner, organisation, topics):
    body = service_body(organisation, topics)
    body["organisation"] = "no-such-org"
    response = api_for(owner).post("/api/v1/services", body, format="json")
    assert_problem(response, 404)
    assert not Service.objects.exists()


def test_a_hidden_organisation_is_a_404_to_outsiders(outsider, organisation, topics):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    response = api_for(outsider).post(
        "/api/v1/services", service_body(organisation, topics), format="json"
    )
    assert_problem(response, 404)
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cost": "paid"}, "fees_description"),
        ({"cost": "paid", "fees_description": "   "}, "fees_description"),
        ({"stages": ["unicorn"]}, "stages"),
        ({"stages": "start_up"}, "stages"),
        ({"min_employees": 50, "max_employees": 10}, "max_employees"),
        ({"min_employees": -1}, "min_employees"),
        ({"description": "<script>alert(1)</script>"}, "description"),
        ({"description": "   "}, "description"),
        ({"name": 42}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"topics": [999_999]}, "topics"),
        ({"topics": {"a": 1}}, "topics"),
        ({"sectors": [999_999]}, "sectors"),
        ({"regions": ["north"]}, "regions"),
        ({"application_process": "  "}, "application_process"),
        ({"is_programme": "yes"}, "is_programme"),
        ({"cost": "cheap"}, "cost"),
        ({"delivery": "carrier pigeon"}, "delivery"),
        ({"status": "open"}, "status"),
        ({"url": "not a url"}, "url"),
        ({"email": "nobody"}, "email"),
        ({"languages": ["english!"]}, "languages"),
        ({"opening_days": ["XX"]}, "opening_days"),
        ({"opens_at": "17:00", "closes_at": "09:00"}, "closes_at"),
        ({"opens_at": "noon"}, "opens_at"),
        ({"capacity": "lots"}, "capacity"),
        ({"organisation": "not a slug!"}, "organisation"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    owner, organisation, topics, overrides, field
):
    response = api_for(owner).post(
        "/api/v1/services",
        service_body(organisation, topics, **overrides),
        format="json",
    )
    assert_problem(response, 400, field)
    assert not Service.objects.exists()
    assert not AuditEntry.objects.filter(action="service.created").exists()


@pytest.mark.parametrize("missing", ["name", "description", "organisation"])
def test_a_required_field_left_out_is_a_400(owner, organisation, topics, missing):
    body = service_body(organisation, topics)
    del body[missing]
    response = api_for(owner).post("/api/v1/services", body, format="json")
    assert_problem(response, 400, missing)
    assert not Service.objects.exists()


def test_a_retired_topic_cannot_be_chosen(owner, organisation, topics):
    Topic.objects.filter(pk=topics["mentoring"].pk).update(is_active=False)
    response = api_for(owner).post(
        "/api/v1/services", service_body(organisation, topics), format="json"
    )
    assert_problem(response, 400, "topics")
    assert not Service.objects.exists()


def test_publishing_twice_with_one_idempotency_key_creates_one_service(
    owner, organisation, topics
):
    client = api_for(owner)
    body = service_body(organisation, topics)
    first = client.post(
        "/api/v1/services", body, format="json", HTTP_IDEMPOTENCY_KEY="svc-1"
    )
    again = client.post(
        "/api/v1/services", body, format="json", HTTP_IDEMPOTENCY_KEY="svc-1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Service.objects.count() == 1


# --- reading a service ---------------------------------------------------------------


def test_anyone_may_read_a_listed_service_while_search_is_public(wellbeing):
    assert DirectorySettings.current().public_search is True
    response = APIClient().get(f"/api/v1/services/{wellbeing.pk}")
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    data = response.json()
    assert data["id"] == wellbeing.pk and data["name"] == wellbeing.name
    assert data["is_programme"] is True and data["delivery"] == "hybrid"


def test_anonymous_readers_are_refused_when_search_is_not_public(wellbeing, outsider):
    set_public_search(False)
    anonymous = APIClient().get(f"/api/v1/services/{wellbeing.pk}")
    # Signing in is the way through: 401, not 403.
    assert_problem(anonymous, 401)
    assert wellbeing.name not in anonymous.content.decode()
    signed_in = api_for(outsider).get(f"/api/v1/services/{wellbeing.pk}")
    assert signed_in.status_code == 200


def test_an_unknown_service_is_a_404(outsider, db):
    assert_problem(api_for(outsider).get("/api/v1/services/999999"), 404)


def test_an_inactive_service_is_hidden_from_outsiders_but_not_its_organisation(
    closed, owner, colleague, outsider, steward
):
    url = f"/api/v1/services/{closed.pk}"
    assert_problem(api_for(outsider).get(url), 404)
    assert_problem(APIClient().get(url), 404)
    for insider in (owner, colleague, steward):
        response = api_for(insider).get(url)
        assert response.status_code == 200
        assert response.json()["status"] == "inactive"


def test_a_temporarily_closed_service_is_still_listed(
    organisation, owner, outsider, topics
):
    service = publish(
        organisation, owner, topics, name="Paused", status="temporarily closed"
    )
    assert api_for(outsider).get(f"/api/v1/services/{service.pk}").status_code == 200


def test_services_of_a_hidden_organisation_are_hidden_from_outsiders(
    wellbeing, organisation, owner, outsider
):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    url = f"/api/v1/services/{wellbeing.pk}"
    assert_problem(api_for(outsider).get(url), 404)
    assert api_for(owner).get(url).status_code == 200


# --- changing a service --------------------------------------------------------------


def test_patch_with_a_matching_etag_changes_the_service(wellbeing, owner):
    client = api_for(owner)
    url = f"/api/v1/services/{wellbeing.pk}"
    etag = client.get(url)["ETag"]
    response = client.patch(
        url,
        {"name": "Founder Wellbeing", "wait_time": "A week"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Founder Wellbeing"
    assert response.json()["wait_time"] == "A week"
    assert response["ETag"] != etag
    assert client.get(url)["ETag"] == response["ETag"]
    wellbeing.refresh_from_db()
    assert wellbeing.name == "Founder Wellbeing" and wellbeing.wait_time == "A week"
    assert wellbeing.is_programme  # untouched fields are kept
    assert AuditEntry.objects.filter(
        action="service.updated", object_id=str(wellbeing.pk)
    ).exists()


def test_patch_with_a_stale_etag_is_a_412_and_changes_nothing(wellbeing, owner):
    client = api_for(owner)
    url = f"/api/v1/services/{wellbeing.pk}"
    etag = client.get(url)["ETag"]
    first = client.patch(url, {"wait_time": "A week"}, format="json")
    assert first.status_code == 200
    before = service_row(wellbeing)
    stale = client.patch(
        url, {"name": "Overwritten"}, format="json", HTTP_IF_MATCH=etag
    )
    assert_problem(stale, 412)
    assert service_row(wellbeing) == before
    fresh = client.patch(
        url, {"name": "Overwritten"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert fresh.status_code == 200
    assert fresh.json()["name"] == "Overwritten"


def test_patch_with_any_if_match_in_a_list_or_star_goes_ahead(wellbeing, owner):
    client = api_for(owner)
    url = f"/api/v1/services/{wellbeing.pk}"
    etag = client.get(url)["ETag"]
    listed = client.patch(
        url, {"wait_time": "1"}, format="json", HTTP_IF_MATCH=f'"0000", {etag}'
    )
    assert listed.status_code == 200
    star = client.patch(url, {"wait_time": "2"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200
    wellbeing.refresh_from_db()
    assert wellbeing.wait_time == "2"


def test_saving_a_service_marks_it_reviewed(wellbeing, owner):
    long_ago = timezone.now() - timedelta(days=300)
    Service.objects.filter(pk=wellbeing.pk).update(
        last_reviewed_at=long_ago, last_reviewed_by=None
    )
    client = api_for(owner)
    url = f"/api/v1/services/{wellbeing.pk}"
    assert client.get(url).json()["needs_review"] is True
    response = client.patch(url, {"wait_time": "Two weeks"}, format="json")
    assert response.status_code == 200
    assert response.json()["needs_review"] is False
    wellbeing.refresh_from_db()
    assert wellbeing.last_reviewed_at > long_ago + timedelta(days=299)
    assert wellbeing.last_reviewed_by == owner


def test_patch_replaces_topics_and_keeps_them_when_left_out(wellbeing, owner, topics):
    client = api_for(owner)
    url = f"/api/v1/services/{wellbeing.pk}"
    response = client.patch(url, {"topics": [topics["mentoring"].pk]}, format="json")
    assert response.status_code == 200
    assert [t["slug"] for t in response.json()["topics"]] == ["mentoring"]
    client.patch(url, {"name": "Renamed"}, format="json")
    assert list(wellbeing.topics.values_list("slug", flat=True)) == ["mentoring"]


def test_patch_cannot_move_a_service_to_another_organisation(
    wellbeing, organisation, owner, outsider
):
    Organisation.objects.create(name="Other Org", slug="other-org", kind="charity")
    response = api_for(owner).patch(
        f"/api/v1/services/{wellbeing.pk}",
        {"organisation": "other-org", "hsds_id": "x", "id": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["organisation"]["slug"] == organisation.slug
    wellbeing.refresh_from_db()
    assert wellbeing.organisation == organisation


def test_patch_can_unlist_a_service(wellbeing, owner, outsider):
    response = api_for(owner).patch(
        f"/api/v1/services/{wellbeing.pk}", {"status": "inactive"}, format="json"
    )
    assert response.status_code == 200
    assert_problem(api_for(outsider).get(f"/api/v1/services/{wellbeing.pk}"), 404)


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_who_is_not_an_admin_cannot_patch_a_service(request, who, wellbeing):
    user = request.getfixturevalue(who)
    before = service_row(wellbeing)
    response = api_for(user).patch(
        f"/api/v1/services/{wellbeing.pk}", {"name": "Hijacked"}, format="json"
    )
    assert_problem(response, 403)
    assert service_row(wellbeing) == before
    assert not AuditEntry.objects.filter(action="service.updated").exists()


def test_anonymous_callers_cannot_patch_a_service(wellbeing):
    before = service_row(wellbeing)
    response = APIClient().patch(
        f"/api/v1/services/{wellbeing.pk}", {"name": "Hijacked"}, format="json"
    )
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == PROBLEM
    assert service_row(wellbeing) == before


def test_outsiders_cannot_patch_an_unlisted_service_they_cannot_see(closed, outsider):
    before = service_row(closed)
    response = api_for(outsider).patch(
        f"/api/v1/services/{closed.pk}", {"status": "active"}, format="json"
    )
    assert_problem(response, 404)
    assert service_row(closed) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stages": ["unicorn"]}, "stages"),
        ({"max_employees": 5}, "max_employees"),  # below the stored minimum of 10
        ({"description": "<script>alert(1)</script>"}, "description"),
        ({"name": 123}, "name"),
        ({"name": ""}, "name"),
        ({"cost": "paid"}, "fees_description"),
        ({"topics": [999_999]}, "topics"),
        ({"application_process": ""}, "application_process"),
        ({"closes_at": "08:00"}, "closes_at"),  # before the stored opening time
    ],
)
def test_patch_with_bad_input_is_a_400_and_changes_nothing(
    organisation, owner, topics, change, field
):
    service = publish(
        organisation,
        owner,
        topics,
        min_employees=10,
        max_employees=50,
        opens_at="09:00",
        closes_at="17:00",
    )
    Service.objects.filter(pk=service.pk).update(
        last_reviewed_at=timezone.now() - timedelta(days=300)
    )
    before = service_row(service)
    response = api_for(owner).patch(
        f"/api/v1/services/{service.pk}", change, format="json"
    )
    assert_problem(response, 400, field)
    assert service_row(service) == before


# --- deleting and reviewing ----------------------------------------------------------


def test_an_admin_deletes_a_service(wellbeing, owner):
    client = api_for(owner)
    response = client.delete(f"/api/v1/services/{wellbeing.pk}")
    assert response.status_code == 204
    assert not Service.objects.filter(pk=wellbeing.pk).exists()
    assert_problem(client.get(f"/api/v1/services/{wellbeing.pk}"), 404)
    assert AuditEntry.objects.filter(action="service.deleted").exists()


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_who_is_not_an_admin_cannot_delete_a_service(request, who, wellbeing):
    user = request.getfixturevalue(who)
    before = service_row(wellbeing)
    assert_problem(api_for(user).delete(f"/api/v1/services/{wellbeing.pk}"), 403)
    assert service_row(wellbeing) == before


def test_outsiders_cannot_delete_an_unlisted_service(closed, outsider):
    assert_problem(api_for(outsider).delete(f"/api/v1/services/{closed.pk}"), 404)
    assert Service.objects.filter(pk=closed.pk).exists()


def test_anonymous_callers_cannot_delete_a_service(wellbeing):
    response = APIClient().delete(f"/api/v1/services/{wellbeing.pk}")
    assert response.status_code in (401, 403)
    assert Service.objects.filter(pk=wellbeing.pk).exists()


def test_an_admin_marks_a_service_reviewed(wellbeing, owner):
    long_ago = timezone.now() - timedelta(days=300)
    Service.objects.filter(pk=wellbeing.pk).update(
        last_reviewed_at=long_ago, last_reviewed_by=None
    )
    response = api_for(owner).post(f"/api/v1/services/{wellbeing.pk}/review")
    assert response.status_code == 200
    assert response.json()["needs_review"] is False
    wellbeing.refresh_from_db()
    assert wellbeing.last_reviewed_at > long_ago + timedelta(days=299)
    assert wellbeing.last_reviewed_by == owner
    assert wellbeing.name == "Founder Wellbeing Programme"
    assert AuditEntry.objects.filter(action="service.reviewed").exists()


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_who_is_not_an_admin_cannot_mark_a_service_reviewed(request, who, wellbeing):
    user = request.getfixturevalue(who)
    Service.objects.filter(pk=wellbeing.pk).update(
        last_reviewed_at=timezone.now() - timedelta(days=300)
    )
    before = service_row(wellbeing)
    response = api_for(user).post(f"/api/v1/services/{wellbeing.pk}/review")
    assert_problem(response, 403)
    assert service_row(wellbeing) == before


def test_review_of_unseen_or_unknown_services_is_a_404(closed, outsider):
    before = service_row(closed)
    client = api_for(outsider)
    assert_problem(client.post(f"/api/v1/services/{closed.pk}/review"), 404)
    assert_problem(client.post("/api/v1/services/999999/review"), 404)
    assert service_row(closed) == before


def test_anonymous_callers_cannot_review(wellbeing):
    before = service_row(wellbeing)
    assert_problem(APIClient().post(f"/api/v1/services/{wellbeing.pk}/review"), 401)
    assert service_row(wellbeing) == before


# --- an organisation's services -------------------------------------------------------


def test_an_organisations_admin_sees_its_unlisted_services_too(
    wellbeing, closed, organisation, owner, outsider
):
    url = f"/api/v1/organisations/{organisation.slug}/services"
    as_admin = api_for(owner).get(url)
    assert as_admin.status_code == 200
    assert {s["name"] for s in as_admin.json()} == {
        "Founder Wellbeing Programme",
        "Closed clinic",
    }
    as_outsider = api_for(outsider).get(url)
    assert as_outsider.status_code == 200
    assert [s["name"] for s in as_outsider.json()] == ["Founder Wellbeing Programme"]


def test_services_of_unknown_or_hidden_organisations_are_404(
    wellbeing, organisation, owner, outsider
):
    assert_problem(api_for(outsider).get("/api/v1/organisations/nope/services"), 404)
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    url = f"/api/v1/organisations/{organisation.slug}/services"
    assert_problem(api_for(outsider).get(url), 404)
    assert [s["id"] for s in api_for(owner).get(url).json()] == [wellbeing.pk]


def test_an_organisations_services_cost_a_fixed_number_of_queries(
    organisation, owner, outsider, topics, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/api/v1/organisations/{organisation.slug}/services"
    publish(organisation, owner, topics, name="First")
    for user in (owner, outsider):
        client = api_for(user)
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        budget = len(one.captured_queries)  # read now: requests reset the log
        assert budget > 0
        for i in range(5):
            publish(organisation, owner, topics, name=f"More {user.pk} {i}")
        with django_assert_max_num_queries(budget):
            response = client.get(url)
        assert len(response.json()) > 5


# --- where a service happens ----------------------------------------------------------


PLACE = {
    "name": "Riverside Hub",
    "address_1": "1 Quay Street",
    "city": "Riverton",
    "postal_code": "RV1 1AA",
}


def test_a_service_is_published_with_its_place(owner, organisation, topics):
    from kindred.directory.models import Location

    response = api_for(owner).post(
        "/api/v1/services",
        service_body(organisation, topics, location=PLACE, delivery="in_person"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["locations"] == [PLACE]
    place = Location.objects.get()
    assert place.organisation == organisation and place.postal_code == "RV1 1AA"


@pytest.mark.parametrize(
    "place",
    [
        {"name": "Somewhere", "city": "Riverton"},  # neither street nor postcode
        {"address_1": 12},
        {"postal_code": "x" * 21},
        "1 Quay Street",
    ],
)
def test_a_bad_place_is_a_400_and_writes_nothing(owner, organisation, topics, place):
    from kindred.directory.models import Location

    response = api_for(owner).post(
        "/api/v1/services",
        service_body(organisation, topics, location=place),
        format="json",
    )
    body = assert_problem(response, 400)
    assert any(key.startswith("location") for key in body["errors"]), body
    assert not Service.objects.exists()
    assert not Location.objects.exists()


def test_patch_moves_and_removes_the_place(owner, organisation, topics):
    service = publish(organisation, owner, topics, location=PLACE)
    client = api_for(owner)
    url = f"/api/v1/services/{service.pk}"
    moved = client.patch(
        url, {"location": {**PLACE, "address_1": "2 Mill Lane"}}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    assert [p["address_1"] for p in moved.json()["locations"]] == ["2 Mill Lane"]
    assert service.service_at_locations.count() == 1
    untouched = client.patch(url, {"wait_time": "None"}, format="json")
    assert [p["address_1"] for p in untouched.json()["locations"]] == ["2 Mill Lane"]
    removed = client.patch(
        url,
        {"location": {"name": "", "address_1": "", "city": "", "postal_code": ""}},
        format="json",
    )
    assert removed.status_code == 200
    assert removed.json()["locations"] == []
    assert not service.service_at_locations.exists()


def test_a_colleague_cannot_move_the_place(owner, colleague, organisation, topics):
    service = publish(organisation, owner, topics, location=PLACE)
    response = api_for(colleague).patch(
        f"/api/v1/services/{service.pk}",
        {"location": {**PLACE, "address_1": "Elsewhere"}},
        format="json",
    )
    assert_problem(response, 403)
    place = service.service_at_locations.get().location
    assert place.address_1 == "1 Quay Street"


# --- search ------------------------------------------------------------------------


@pytest.fixture
def mentoring(organisation, owner, topics) -> Service:
    return publish(
        organisation,
        owner,
        topics,
        name="Enterprise mentoring scheme",
        description="One-to-one support from an experienced founder.",
        topics=[topics["mentoring"]],
        delivery="in_person",
    )


def test_a_typo_finds_the_service_with_corrections_and_facets(mentoring, outsider):
    response = api_for(outsider).get("/api/v1/services/search", {"q": "mentering"})
    assert response.status_code == 200
    data = response.json()
    services_found = [r for r in data["results"] if r["kind"] == "service"]
    assert [r["name"] for r in services_found] == ["Enterprise mentoring scheme"]
    assert services_found[0]["id"] == mentoring.pk
    assert services_found[0]["url"] == mentoring.get_absolute_url()
    assert "mentoring" in services_found[0]["why"]
    assert data["total"] >= 1
    assert "mentoring" in data["corrections"]["mentering"]
    assert set(data["facets"]) == {
        "topic",
        "stage",
        "sector",
        "region",
        "delivery",
        "cost",
        "kind",
    }
    delivery = {o["value"]: o for o in data["facets"]["delivery"]}
    assert delivery["in_person"]["count"] == 1
    assert delivery["in_person"]["selected"] is False
    topic_values = {o["value"] for o in data["facets"]["topic"]}
    assert "mentoring" in topic_values


def test_search_filters_by_delivery(mentoring, organisation, owner, outsider, topics):
    publish(
        organisation,
        owner,
        topics,
        name="Online mentoring circle",
        topics=[topics["mentoring"]],
        delivery="online",
    )
    client = api_for(outsider)
    online = client.get(
        "/api/v1/services/search",
        {"q": "mentoring", "what": "services", "delivery": "online"},
    ).json()
    assert [r["name"] for r in online["results"]] == ["Online mentoring circle"]
    assert {o["value"]: o["selected"] for o in online["facets"]["delivery"]}[
        "online"
    ] is True
    in_person = client.get(
        "/api/v1/services/search",
        {"q": "mentoring", "what": "services", "delivery": "in_person"},
    ).json()
    assert [r["name"] for r in in_person["results"]] == ["Enterprise mentoring scheme"]


def test_a_hybrid_service_is_found_both_online_and_in_person(wellbeing, outsider):
    client = api_for(outsider)
    for delivery in ("online", "in_person", "hybrid"):
        found = client.get(
            "/api/v1/services/search", {"what": "services", "delivery": delivery}
        ).json()
        assert [r["id"] for r in found["results"]] == [wellbeing.pk], delivery


def test_search_by_stage_keeps_services_open_to_every_stage(
    wellbeing, organisation, owner, outsider, topics
):
    established = publish(
        organisation, owner, topics, name="Scale-up clinic", stages=["established"]
    )
    client = api_for(outsider)
    start_up = client.get(
        "/api/v1/services/search", {"what": "services", "stage": "start_up"}
    ).json()
    assert [r["id"] for r in start_up["results"]] == [wellbeing.pk]
    grown = client.get(
        "/api/v1/services/search", {"what": "services", "stage": "established"}
    ).json()
    assert {r["id"] for r in grown["results"]} == {wellbeing.pk, established.pk}


def test_search_by_topic_organisation_and_kind(
    wellbeing, mentoring, organisation, outsider
):
    client = api_for(outsider)
    by_topic = client.get(
        "/api/v1/services/search", {"what": "services", "topic": "mentoring"}
    ).json()
    assert [r["id"] for r in by_topic["results"]] == [mentoring.pk]
    assert [o["value"] for o in by_topic["facets"]["topic"] if o["selected"]] == [
        "mentoring"
    ]
    by_org = client.get(
        "/api/v1/services/search",
        {"what": "services", "organisation": organisation.pk},
    ).json()
    assert {r["id"] for r in by_org["results"]} == {wellbeing.pk, mentoring.pk}
    nowhere = client.get(
        "/api/v1/services/search", {"what": "services", "kind": "funder"}
    ).json()
    assert nowhere["results"] == [] and nowhere["total"] == 0
    organisations = client.get(
        "/api/v1/services/search", {"what": "organisations", "q": "riverside"}
    ).json()
    assert [(r["kind"], r["id"]) for r in organisations["results"]] == [
        ("organisation", organisation.pk)
    ]


def test_search_limit_caps_the_results(mentoring, wellbeing, outsider):
    data = (
        api_for(outsider)
        .get("/api/v1/services/search", {"what": "services", "limit": 1})
        .json()
    )
    assert len(data["results"]) == 1
    assert data["total"] == 2


def test_search_does_not_find_unlisted_services(closed, outsider, owner):
    for user in (outsider, owner):
        data = api_for(user).get("/api/v1/services/search", {"q": "clinic"}).json()
        assert closed.pk not in [
            r["id"] for r in data["results"] if r["kind"] == "service"
        ]


def test_anonymous_search_follows_the_public_search_setting(mentoring):
    response = APIClient().get("/api/v1/services/search", {"q": "mentoring"})
    assert response.status_code == 200
    assert response.json()["results"]
    set_public_search(False)
    refused = APIClient().get("/api/v1/services/search", {"q": "mentoring"})
    assert_problem(refused, 401)
    assert "Enterprise" not in refused.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "unicorn"}, "stage"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"delivery": "teleport"}, "delivery"),
        ({"cost": "cheap"}, "cost"),
        ({"what": "people"}, "what"),
        ({"sector": "abc"}, "sector"),
        ({"region": 0}, "region"),
        ({"kind": "spaceship"}, "kind"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_search_parameters_are_a_400(outsider, db, params, field):
    response = api_for(outsider).get("/api/v1/services/search", params)
    assert_problem(response, 400, field)


# --- the navigator -------------------------------------------------------------------


def test_the_navigator_suggests_eligible_services_with_reasons(
    wellbeing, organisation, owner, outsider, topics
):
    established = publish(
        organisation,
        owner,
        topics,
        name="For established firms only",
        stages=[Stage.ESTABLISHED],
    )
    client = api_for(outsider)
    response = client.post("/api/v1/navigator", needs_body(topics), format="json")
    assert response.status_code == 200, response.json()
    suggestions = response.json()
    services_suggested = [s for s in suggestions if s["kind"] == "service"]
    assert services_suggested[0]["id"] == wellbeing.pk
    assert services_suggested[0]["title"] == "Founder Wellbeing Programme"
    assert services_suggested[0]["url"] == wellbeing.get_absolute_url()
    assert "Mindfulness" in services_suggested[0]["reason"]
    assert all(s["reason"] for s in suggestions)
    assert established.pk not in [s["id"] for s in services_suggested]
    # The same need from an established business does get it.
    grown = client.post(
        "/api/v1/navigator",
        needs_body(topics, stage=Stage.ESTABLISHED),
        format="json",
    ).json()
    assert established.pk in [s["id"] for s in grown if s["kind"] == "service"]
    assert not SupportPlan.objects.exists()  # the navigator saves nothing


def test_the_navigator_works_from_free_text_alone(wellbeing, outsider):
    response = api_for(outsider).post(
        "/api/v1/navigator",
        {"stage": Stage.IDEA, "text": "I feel stressed"},
        format="json",
    )
    assert response.status_code == 200
    assert [s["title"] for s in response.json()] == ["Founder Wellbeing Programme"]


def test_the_navigator_never_suggests_unlisted_services(closed, outsider, topics):
    response = api_for(outsider).post(
        "/api/v1/navigator", needs_body(topics), format="json"
    )
    assert response.status_code == 200
    assert closed.pk not in [s["id"] for s in response.json() if s["kind"] == "service"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": Stage.START_UP}, "non_field_errors"),
        ({"stage": Stage.START_UP, "topics": [], "text": "   "}, "non_field_errors"),
        ({"topics": "TOPICS"}, "stage"),
        ({"stage": "unicorn", "topics": "TOPICS"}, "stage"),
        ({"stage": Stage.START_UP, "topics": "SIX"}, "topics"),
        ({"stage": Stage.START_UP, "topics": [999_999]}, "topics"),
        ({"stage": Stage.START_UP, "topics": "TOPICS", "urgency": "x"}, "urgency"),
        ({"stage": Stage.START_UP, "topics": "TOPICS", "delivery": "x"}, "delivery"),
        ({"stage": Stage.START_UP, "text": 7}, "text"),
        ({"stage": Stage.START_UP, "topics": "TOPICS", "sector": 999_999}, "sector"),
    ],
)
def test_bad_needs_are_a_400_naming_the_field(outsider, topics, body, field):
    ids = [t.pk for t in Topic.objects.filter(is_active=True).order_by("pk")[:6]]
    body = dict(body)
    if body.get("topics") == "TOPICS":
        body["topics"] = ids[:1]
    elif body.get("topics") == "SIX":
        body["topics"] = ids
    response = api_for(outsider).post("/api/v1/navigator", body, format="json")
    assert_problem(response, 400, field)


def test_the_navigator_is_for_signed_in_members(wellbeing, topics):
    response = APIClient().post("/api/v1/navigator", needs_body(topics), format="json")
    assert_problem(response, 401)


# --- support plans ---------------------------------------------------------------


def test_saving_a_plan_makes_the_caller_its_owner_with_items(
    wellbeing, outsider, topics
):
    response = api_for(outsider).post(
        "/api/v1/plans", needs_body(topics, title="  Calmer  "), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["title"] == "Calmer"
    assert data["owner"] == {
        "id": outsider.profile.pk,
        "name": outsider.profile.display_name,
    }
    assert data["prepared_by"] is None and data["shared_with"] == []
    assert data["needs"]["stage"] == Stage.START_UP
    assert data["needs"]["topics"] == [topics["mindfulness"].pk]
    assert data["items"][0]["kind"] == "service"
    assert data["items"][0]["object_id"] == wellbeing.pk
    assert data["items"][0]["done"] is False
    assert "Mindfulness" in data["items"][0]["reason"]
    plan = SupportPlan.objects.get(pk=data["id"])
    assert plan.owner == outsider and plan.prepared_by is None
    assert plan.items.count() == len(data["items"])


def test_a_plan_without_a_title_gets_a_default_one(wellbeing, outsider, topics):
    response = api_for(outsider).post(
        "/api/v1/plans", needs_body(topics), format="json"
    )
    assert response.status_code == 201
    assert response.json()["title"] == "My support plan"


def test_a_plan_the_navigator_cannot_fill_is_refused(outsider, topics):
    response = api_for(outsider).post(
        "/api/v1/plans", needs_body(topics), format="json"
    )
    assert_problem(response, 400, "topics")
    assert not SupportPlan.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topics": []}, "non_field_errors"),
        ({"stage": "unicorn"}, "stage"),
        ({"title": 5}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"client": 0}, "client"),
        ({"client": "someone"}, "client"),
        ({"client": 999_999}, "client"),
    ],
)
def test_bad_plan_input_is_a_400_and_saves_nothing(
    wellbeing, adviser, topics, overrides, field
):
    response = api_for(adviser).post(
        "/api/v1/plans", needs_body(topics, **overrides), format="json"
    )
    assert_problem(response, 400, field)
    assert not SupportPlan.objects.exists()
    assert not PlanItem.objects.exists()


def test_more_than_five_topics_are_refused_for_a_plan(wellbeing, outsider, topics):
    ids = [t.pk for t in Topic.objects.filter(is_active=True).order_by("pk")[:6]]
    response = api_for(outsider).post(
        "/api/v1/plans", needs_body(topics, topics=ids), format="json"
    )
    assert_problem(response, 400, "topics")
    assert not SupportPlan.objects.exists()


def test_the_plan_list_shows_own_and_shared_plans_only(
    plan, wellbeing, outsider, adviser, stranger, topics
):
    theirs = api_for(stranger).post("/api/v1/plans", needs_body(topics), format="json")
    assert theirs.status_code == 201
    mine = api_for(outsider).get("/api/v1/plans")
    assert mine.status_code == 200
    assert [p["id"] for p in mine.json()] == [plan.pk]
    assert [p["id"] for p in api_for(adviser).get("/api/v1/plans").json()] == []
    services.share_plan(plan, by=outsider, adviser=adviser)
    shared = api_for(adviser).get("/api/v1/plans").json()
    assert [p["id"] for p in shared] == [plan.pk]
    assert [p["id"] for p in api_for(stranger).get("/api/v1/plans").json()] == [
        theirs.json()["id"]
    ]


def test_the_owner_reads_renames_and_deletes_a_plan(plan, outsider):
    client = api_for(outsider)
    url = f"/api/v1/plans/{plan.pk}"
    read = client.get(url)
    assert read.status_code == 200 and read.json()["title"] == "Get calmer"
    renamed = client.patch(url, {"title": "  Calm at last "}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Calm at last"
    assert SupportPlan.objects.get(pk=plan.pk).title == "Calm at last"
    assert client.delete(url).status_code == 204
    assert not SupportPlan.objects.filter(pk=plan.pk).exists()
    assert not PlanItem.objects.filter(plan_id=plan.pk).exists()
    assert_problem(client.get(url), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"title": ""}, "title"), ({"title": 3}, "title"), ({}, "title")],
)
def test_renaming_a_plan_with_bad_input_is_a_400(plan, outsider, body, field):
    before = plan_row(plan)
    response = api_for(outsider).patch(f"/api/v1/plans/{plan.pk}", body, format="json")
    assert_problem(response, 400, field)
    assert plan_row(plan) == before


def test_renaming_a_plan_to_blanks_is_refused(plan, outsider):
    before = plan_row(plan)
    response = api_for(outsider).patch(
        f"/api/v1/plans/{plan.pk}", {"title": "   "}, format="json"
    )
    assert_problem(response, 400, "title")
    assert plan_row(plan) == before


def test_someone_elses_plan_is_a_404_and_stays_unchanged(plan, stranger, owner):
    item = plan.items.first()
    before = plan_row(plan)
    for user in (stranger, owner):
        client = api_for(user)
        url = f"/api/v1/plans/{plan.pk}"
        assert_problem(client.get(url), 404)
        assert_problem(client.patch(url, {"title": "Mine now"}, format="json"), 404)
        assert_problem(client.delete(url), 404)
        assert_problem(
            client.patch(f"{url}/items/{item.pk}", {"done": True}, format="json"),
            404,
        )
        assert_problem(
            client.post(f"{url}/shares", {"adviser": user.profile.pk}, format="json"),
            404,
        )
    assert plan_row(plan) == before


def test_anonymous_callers_see_no_plans(plan):
    client = APIClient()
    assert_problem(client.get("/api/v1/plans"), 401)
    assert_problem(client.get(f"/api/v1/plans/{plan.pk}"), 401)
    before = plan_row(plan)
    assert_problem(client.delete(f"/api/v1/plans/{plan.pk}"), 401)
    assert plan_row(plan) == before


def test_an_unknown_plan_is_a_404(outsider, db):
    assert_problem(api_for(outsider).get("/api/v1/plans/999999"), 404)


def test_items_are_ticked_off_and_unticked(plan, outsider):
    client = api_for(outsider)
    item = plan.items.first()
    url = f"/api/v1/plans/{plan.pk}/items/{item.pk}"
    done = client.patch(url, {"done": True}, format="json")
    assert done.status_code == 200
    assert done.json()["done"] is True and done.json()["id"] == item.pk
    assert PlanItem.objects.get(pk=item.pk).done_at is not None
    undone = client.patch(url, {"done": False}, format="json")
    assert undone.status_code == 200 and undone.json()["done"] is False
    assert PlanItem.objects.get(pk=item.pk).done_at is None
    read = client.get(f"/api/v1/plans/{plan.pk}").json()
    assert read["items"][0]["done"] is False


@pytest.mark.parametrize("body", [{"done": "yes"}, {"done": 1}, {}])
def test_ticking_with_bad_input_is_a_400(plan, outsider, body):
    item = plan.items.first()
    response = api_for(outsider).patch(
        f"/api/v1/plans/{plan.pk}/items/{item.pk}", body, format="json"
    )
    assert_problem(response, 400, "done")
    assert PlanItem.objects.get(pk=item.pk).done_at is None


def test_an_item_of_another_plan_is_a_404(plan, outsider, stranger, topics):
    other = api_for(stranger).post("/api/v1/plans", needs_body(topics), format="json")
    foreign_item = PlanItem.objects.filter(plan_id=other.json()["id"]).first()
    response = api_for(outsider).patch(
        f"/api/v1/plans/{plan.pk}/items/{foreign_item.pk}",
        {"done": True},
        format="json",
    )
    assert_problem(response, 404)
    assert PlanItem.objects.get(pk=foreign_item.pk).done_at is None


def test_sharing_with_an_adviser_lets_them_read_and_tick(plan, outsider, adviser):
    response = api_for(outsider).post(
        f"/api/v1/plans/{plan.pk}/shares",
        {"adviser": adviser.profile.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["shared_with"] == [
        {"id": adviser.profile.pk, "name": adviser.profile.display_name}
    ]
    assert list(plan.shared_with.all()) == [adviser]
    assert Notification.objects.filter(
        recipient=adviser, kind="directory.plan_shared"
    ).exists()
    as_adviser = api_for(adviser)
    assert as_adviser.get(f"/api/v1/plans/{plan.pk}").status_code == 200
    item = plan.items.first()
    ticked = as_adviser.patch(
        f"/api/v1/plans/{plan.pk}/items/{item.pk}", {"done": True}, format="json"
    )
    assert ticked.status_code == 200
    assert PlanItem.objects.get(pk=item.pk).done_at is not None


def test_an_organisation_admin_is_an_adviser_too(plan, outsider, owner):
    response = api_for(outsider).post(
        f"/api/v1/plans/{plan.pk}/shares", {"adviser": owner.profile.pk}, format="json"
    )
    assert response.status_code == 200
    assert api_for(owner).get(f"/api/v1/plans/{plan.pk}").status_code == 200


def test_an_adviser_it_is_shared_with_cannot_rename_delete_or_reshare(
    plan, outsider, adviser, owner
):
    services.share_plan(plan, by=outsider, adviser=adviser)
    before = plan_row(plan)
    client = api_for(adviser)
    url = f"/api/v1/plans/{plan.pk}"
    assert_problem(client.patch(url, {"title": "Adviser's"}, format="json"), 403)
    assert_problem(client.delete(url), 403)
    assert_problem(
        client.post(f"{url}/shares", {"adviser": owner.profile.pk}, format="json"),
        403,
    )
    assert plan_row(plan) == before


@pytest.mark.parametrize("who", ["stranger", "self", "nobody"])
def test_sharing_with_someone_who_is_not_an_adviser_is_a_400(
    plan, outsider, stranger, who
):
    target = {
        "stranger": stranger.profile.pk,
        "self": outsider.profile.pk,
        "nobody": 999_999,
    }[who]
    before = plan_row(plan)
    response = api_for(outsider).post(
        f"/api/v1/plans/{plan.pk}/shares", {"adviser": target}, format="json"
    )
    assert_problem(response, 400, "adviser")
    assert plan_row(plan) == before
    assert not Notification.objects.filter(kind="directory.plan_shared").exists()


def test_sharing_with_a_suspended_adviser_is_refused(plan, outsider, adviser):
    type(adviser).objects.filter(pk=adviser.pk).update(suspended_at=timezone.now())
    before = plan_row(plan)
    response = api_for(outsider).post(
        f"/api/v1/plans/{plan.pk}/shares",
        {"adviser": adviser.profile.pk},
        format="json",
    )
    assert_problem(response, 400, "adviser")
    assert plan_row(plan) == before


@pytest.mark.parametrize("body", [{}, {"adviser": "colin"}, {"adviser": 0}])
def test_a_share_request_without_a_member_id_is_a_400(plan, outsider, body):
    before = plan_row(plan)
    response = api_for(outsider).post(
        f"/api/v1/plans/{plan.pk}/shares", body, format="json"
    )
    assert_problem(response, 400, "adviser")
    assert plan_row(plan) == before


def test_the_owner_stops_sharing(plan, outsider, adviser):
    services.share_plan(plan, by=outsider, adviser=adviser)
    response = api_for(outsider).delete(
        f"/api/v1/plans/{plan.pk}/shares/{adviser.profile.pk}"
    )
    assert response.status_code == 204
    assert not plan.shared_with.exists()
    assert_problem(api_for(adviser).get(f"/api/v1/plans/{plan.pk}"), 404)


def test_an_adviser_takes_themselves_off_a_plan(plan, outsider, adviser):
    services.share_plan(plan, by=outsider, adviser=adviser)
    response = api_for(adviser).delete(
        f"/api/v1/plans/{plan.pk}/shares/{adviser.profile.pk}"
    )
    assert response.status_code == 204
    assert not plan.shared_with.exists()


def test_an_adviser_cannot_take_another_adviser_off(plan, outsider, adviser, owner):
    services.share_plan(plan, by=outsider, adviser=adviser)
    services.share_plan(plan, by=outsider, adviser=owner)
    before = plan_row(plan)
    response = api_for(adviser).delete(
        f"/api/v1/plans/{plan.pk}/shares/{owner.profile.pk}"
    )
    assert_problem(response, 403)
    assert plan_row(plan) == before


def test_unsharing_someone_it_was_not_shared_with_is_a_404(
    plan, outsider, adviser, stranger
):
    services.share_plan(plan, by=outsider, adviser=adviser)
    before = plan_row(plan)
    assert_problem(
        api_for(outsider).delete(
            f"/api/v1/plans/{plan.pk}/shares/{stranger.profile.pk}"
        ),
        404,
    )
    assert_problem(
        api_for(stranger).delete(
            f"/api/v1/plans/{plan.pk}/shares/{adviser.profile.pk}"
        ),
        404,
    )
    assert plan_row(plan) == before


def test_an_adviser_prepares_a_plan_for_a_client(wellbeing, adviser, outsider, topics):
    response = api_for(adviser).post(
        "/api/v1/plans",
        needs_body(topics, client=outsider.profile.pk, title="For Oscar"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["owner"]["id"] == outsider.profile.pk
    assert data["prepared_by"]["id"] == adviser.profile.pk
    assert [p["id"] for p in data["shared_with"]] == [adviser.profile.pk]
    plan = SupportPlan.objects.get(pk=data["id"])
    assert plan.owner == outsider and plan.prepared_by == adviser
    assert Notification.objects.filter(
        recipient=outsider, kind="directory.plan_shared"
    ).exists()
    assert [p["id"] for p in api_for(outsider).get("/api/v1/plans").json()] == [plan.pk]
    assert api_for(adviser).get(f"/api/v1/plans/{plan.pk}").status_code == 200
    # The client owns it: they may rename it; the adviser may not delete it.
    assert (
        api_for(outsider)
        .patch(f"/api/v1/plans/{plan.pk}", {"title": "Mine"}, format="json")
        .status_code
        == 200
    )
    assert_problem(api_for(adviser).delete(f"/api/v1/plans/{plan.pk}"), 403)
    assert SupportPlan.objects.filter(pk=plan.pk).exists()


def test_someone_who_is_not_an_adviser_cannot_prepare_a_plan_for_another(
    wellbeing, stranger, outsider, topics
):
    response = api_for(stranger).post(
        "/api/v1/plans", needs_body(topics, client=outsider.profile.pk), format="json"
    )
    assert_problem(response, 403)
    assert not SupportPlan.objects.exists()
    assert not Notification.objects.filter(kind="directory.plan_shared").exists()


def test_a_plan_for_a_suspended_client_is_refused(wellbeing, adviser, outsider, topics):
    type(outsider).objects.filter(pk=outsider.pk).update(suspended_at=timezone.now())
    response = api_for(adviser).post(
        "/api/v1/plans", needs_body(topics, client=outsider.profile.pk), format="json"
    )
    assert_problem(response, 400, "client")
    assert not SupportPlan.objects.exists()


def test_posting_a_plan_twice_with_one_idempotency_key_saves_one(
    wellbeing, outsider, topics
):
    client = api_for(outsider)
    body = needs_body(topics, title="Once")
    first = client.post(
        "/api/v1/plans", body, format="json", HTTP_IDEMPOTENCY_KEY="p-1"
    )
    again = client.post(
        "/api/v1/plans", body, format="json", HTTP_IDEMPOTENCY_KEY="p-1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SupportPlan.objects.filter(owner=outsider).count() == 1
    other = client.post(
        "/api/v1/plans",
        needs_body(topics, title="Twice"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="p-1",
    )
    assert_problem(other, 422)
    assert SupportPlan.objects.filter(owner=outsider).count() == 1
    without_key = client.post("/api/v1/plans", body, format="json")
    assert without_key.status_code == 201
    assert SupportPlan.objects.filter(owner=outsider).count() == 2


def test_an_idempotency_key_is_per_caller(wellbeing, outsider, stranger, topics):
    body = needs_body(topics)
    mine = api_for(outsider).post(
        "/api/v1/plans", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key"
    )
    theirs = api_for(stranger).post(
        "/api/v1/plans", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key"
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["owner"]["id"] == stranger.profile.pk
    assert SupportPlan.objects.count() == 2


def test_an_overlong_idempotency_key_is_a_400_and_saves_nothing(
    wellbeing, outsider, topics
):
    response = api_for(outsider).post(
        "/api/v1/plans",
        needs_body(topics),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 201,
    )
    assert_problem(response, 400)
    assert not SupportPlan.objects.exists()


def test_a_refused_service_does_not_burn_the_idempotency_key(
    colleague, owner, organisation, topics
):
    body = service_body(organisation, topics)
    refused = api_for(colleague).post(
        "/api/v1/services", body, format="json", HTTP_IDEMPOTENCY_KEY="s-9"
    )
    assert_problem(refused, 403)
    assert not IdempotencyRecord.objects.exists()
    assert not Service.objects.exists()


def test_a_refused_plan_does_not_burn_the_idempotency_key(wellbeing, outsider, topics):
    client = api_for(outsider)
    bad = client.post(
        "/api/v1/plans",
        needs_body(topics, stage="unicorn"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="p-2",
    )
    assert_problem(bad, 400, "stage")
    assert not IdempotencyRecord.objects.exists()
    assert not SupportPlan.objects.exists()


def test_the_navigator_and_plans_see_index_changes(wellbeing, outsider, topics):
    """A service published after the index was built is suggested at once."""
    client = api_for(outsider)
    client.post("/api/v1/navigator", needs_body(topics), format="json")
    fresh = publish(
        wellbeing.organisation,
        wellbeing.last_reviewed_by,
        topics,
        name="Mindful mornings",
    )
    titles = [
        s["title"]
        for s in client.post(
            "/api/v1/navigator", needs_body(topics), format="json"
        ).json()
    ]
    assert fresh.name in titles
    assert selectors.visible_service(outsider, fresh.pk) is not None


def test_a_plan_prepared_for_a_client_shows_them_only_what_they_may_see(
    wellbeing, organisation, owner, adviser, outsider, topics
):
    """The owner offers mindfulness help, visible to her organisation only.

    The adviser (her colleague) may see that; the client (an outsider) may not, so
    a plan the client owns must not name her as someone who offers that help.
    """
    from kindred.accounts.models import Visibility

    profile = owner.profile
    profile.topics_offered.add(topics["mindfulness"])
    profile.topics_offered_visibility = Visibility.ORGANISATIONS
    profile.save()
    as_client = api_for(outsider).post(
        "/api/v1/navigator", needs_body(topics), format="json"
    )
    assert profile.pk not in [
        s["id"] for s in as_client.json() if s["kind"] == "person"
    ]
    response = api_for(adviser).post(
        "/api/v1/plans", needs_body(topics, client=outsider.profile.pk), format="json"
    )
    assert response.status_code == 201
    seen_by_client = api_for(outsider).get(f"/api/v1/plans/{response.json()['id']}")
    people = [i for i in seen_by_client.json()["items"] if i["kind"] == "person"]
    assert profile.pk not in [i["object_id"] for i in people]


def test_the_plan_list_costs_a_fixed_number_of_queries(
    wellbeing, outsider, adviser, topics, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(outsider)

    def plan_shared_with_the_adviser() -> None:
        created = client.post("/api/v1/plans", needs_body(topics), format="json")
        client.post(
            f"/api/v1/plans/{created.json()['id']}/shares",
            {"adviser": adviser.profile.pk},
            format="json",
        )

    plan_shared_with_the_adviser()
    client.get("/api/v1/plans")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/plans")
    budget = len(one.captured_queries)  # read now: later requests reset the log
    assert budget > 0
    for _ in range(4):
        plan_shared_with_the_adviser()
    with django_assert_max_num_queries(budget):
        response = client.get("/api/v1/plans")
    assert len(response.json()) == 5


def test_co_deliverers_are_slugs_of_organisations(owner, organisation, topics):
    from rest_framework.test import APIClient

    from kindred.organisations.models import Organisation

    partner = Organisation.objects.create(
        name="Partner Org", slug="partner-org", kind="charity"
    )
    client = APIClient()
    client.force_authenticate(owner)
    body = {
        "organisation": organisation.slug,
        "name": "Joint clinic",
        "description": "Delivered together.",
        "application_process": "Ask.",
        "topics": [topics["pricing"].pk],
    }
    bad = client.post(
        "/api/v1/services", {**body, "co_delivered_by": ["no\x00pe"]}, format="json"
    )
    assert bad.status_code == 400 and "co_delivered_by" in bad.json()["errors"]
    unknown = client.post(
        "/api/v1/services", {**body, "co_delivered_by": ["nobody"]}, format="json"
    )
    assert unknown.status_code == 400
    made = client.post(
        "/api/v1/services", {**body, "co_delivered_by": [partner.slug]}, format="json"
    )
    assert made.status_code == 201
    assert [o["slug"] for o in made.json()["co_delivered_by"]] == [partner.slug]
