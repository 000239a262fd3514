"""The REST API: tokens, problem+json, visibility, admin boundaries, pagination."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kindred.accounts.models import Visibility
from kindred.accounts.services import create_api_token, update_profile
from kindred.organisations.models import Invitation, Membership, Organisation
from tests.conftest import PASSWORD


def api_for(user) -> APIClient:
    _token, raw = create_api_token(by=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_me_with_a_bearer_token(owner):
    response = api_for(owner).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == owner.email


def test_without_a_token_the_answer_is_a_401_problem(db):
    response = APIClient().get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"] and "detail" in body


def test_a_revoked_token_is_refused(owner):
    token, raw = create_api_token(by=owner, name="old")
    token.revoked_at = token.created_at
    token.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").status_code == 401


def test_patch_me_changes_profile_and_visibility(owner, topics):
    client = api_for(owner)
    response = client.patch(
        "/api/v1/me",
        {
            "headline": "Baker",
            "topics_needed": [topics["mindfulness"].pk],
            "visibility": {"headline": "only_me"},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["headline"] == "Baker"
    assert response.json()["visibility"]["headline"] == "only_me"


def test_patch_me_with_bad_input_is_a_400_problem_and_changes_nothing(owner):
    client = api_for(owner)
    response = client.patch(
        "/api/v1/me",
        {"headline": "Changed", "stage": "galactic", "visibility": {"bio": "everyone"}},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {"stage", "visibility"} <= set(response.json()["errors"])
    owner.profile.refresh_from_db()
    assert owner.profile.headline == ""


def test_script_in_bio_through_api_is_a_400(owner):
    response = api_for(owner).patch(
        "/api/v1/me", {"bio": "<script>x</script>"}, format="json"
    )
    assert response.status_code == 400
    assert "bio" in response.json()["errors"]


def test_members_hide_fields_from_outsiders(owner, colleague, outsider, organisation):
    update_profile(
        owner.profile,
        by=owner,
        headline="Only colleagues",
        headline_visibility=Visibility.ORGANISATIONS,
    )
    as_outsider = api_for(outsider).get(f"/api/v1/members/{owner.profile.pk}").json()
    as_colleague = api_for(colleague).get(f"/api/v1/members/{owner.profile.pk}").json()
    assert as_outsider["headline"] == ""
    assert as_colleague["headline"] == "Only colleagues"
    listing = api_for(outsider).get("/api/v1/members", {"q": "Only colleagues"}).json()
    assert listing["results"] == []


def test_members_are_cursor_paginated(owner, colleague, outsider):
    client = api_for(owner)
    first = client.get("/api/v1/members", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    ids = [m["id"] for m in first["results"] + second["results"]]
    assert len(set(ids)) == 3


def test_members_query_count_does_not_grow(owner, django_assert_max_num_queries, db):
    from tests.conftest import make_person

    client = api_for(owner)
    for i in range(30):
        make_person(f"p{i}@example.com", f"Person {i}")
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/members", {"page_size": 30})
    assert len(response.json()["results"]) == 30


def test_create_organisation_through_api(outsider):
    response = api_for(outsider).post(
        "/api/v1/organisations", {"name": "Api Org", "kind": "funder"}, format="json"
    )
    assert response.status_code == 201
    assert (
        Membership.objects.get(organisation__slug="api-org", user=outsider).role
        == "admin"
    )


def test_non_admin_cannot_patch_organisation(colleague, organisation):
    response = api_for(colleague).patch(
        f"/api/v1/organisations/{organisation.slug}", {"summary": "mine"}, format="json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    organisation.refresh_from_db()
    assert organisation.summary == "Free business support."


def test_admin_patches_and_invites(owner, organisation):
    client = api_for(owner)
    response = client.patch(
        f"/api/v1/organisations/{organisation.slug}", {"summary": "New"}, format="json"
    )
    assert response.status_code == 200 and response.json()["summary"] == "New"
    response = client.post(
        f"/api/v1/organisations/{organisation.slug}/invitations",
        {"email": "someone@example.com", "role": "member"},
        format="json",
    )
    assert response.status_code == 201
    assert Invitation.objects.filter(email="someone@example.com").exists()


def test_outsider_cannot_invite_or_see_invitations(outsider, organisation):
    client = api_for(outsider)
    url = f"/api/v1/organisations/{organisation.slug}/invitations"
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"email": "x@example.com"}, format="json").status_code == 403
    )
    assert not Invitation.objects.exists()


def test_unknown_organisation_is_a_404_problem(owner):
    response = api_for(owner).get("/api/v1/organisations/nope")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_join_request_and_decision_through_api(owner, outsider, organisation):
    response = api_for(outsider).post(
        f"/api/v1/organisations/{organisation.slug}/join-requests",
        {"message": "hi"},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    url = f"/api/v1/organisations/{organisation.slug}/join-requests/{pk}/decision"
    assert (
        api_for(outsider).post(url, {"approve": True}, format="json").status_code == 403
    )
    assert api_for(owner).post(url, {"approve": True}, format="json").status_code == 200
    assert Membership.objects.filter(organisation=organisation, user=outsider).exists()


def test_topics_list(owner):
    response = api_for(owner).get("/api/v1/topics", {"page_size": 100})
    names = [t["name"] for t in response.json()["results"]]
    assert "Mindfulness" in names and len(names) >= 40


def test_schema_and_docs_are_served(client, db):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"bearerAuth" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.parametrize("slug", ["riverside-growth-hub"])
def test_inactive_organisation_is_hidden_from_outsiders(outsider, organisation, slug):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    assert api_for(outsider).get(f"/api/v1/organisations/{slug}").status_code == 404


def test_idempotency_key_replays_instead_of_creating_twice(outsider):
    client = api_for(outsider)
    body = {"name": "Once Only", "kind": "funder"}
    first = client.post(
        "/api/v1/organisations", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        "/api/v1/organisations", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Organisation.objects.filter(name="Once Only").count() == 1


def test_idempotency_key_reused_for_another_request_is_422(outsider):
    client = api_for(outsider)
    client.post(
        "/api/v1/organisations",
        {"name": "A", "kind": "funder"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    response = client.post(
        "/api/v1/organisations",
        {"name": "B", "kind": "funder"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert response.status_code == 422
    assert not Organisation.objects.filter(name="B").exists()


def test_failed_request_does_not_burn_the_key(outsider):
    client = api_for(outsider)
    bad = client.post(
        "/api/v1/organisations",
        {"name": "", "kind": "funder"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert bad.status_code == 400
    good = client.post(
        "/api/v1/organisations",
        {"name": "", "kind": "funder"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert good.status_code == 400  # evaluated again, not replayed


def test_accept_invitation_through_api(owner, organisation, db):
    from kindred.organisations.services import invite_member
    from tests.conftest import make_person

    invitation = invite_member(organisation, by=owner, email="new@example.com")
    newcomer = make_person("new@example.com", "New")
    outsider = make_person("other@example.com", "Other")
    url = f"/api/v1/invitations/{invitation.token}/accept"
    assert api_for(outsider).post(url).status_code == 403
    response = api_for(newcomer).post(url)
    assert response.status_code == 201
    assert response.json()["role"] == "practitioner"


def session_api_for(user) -> APIClient:
    """A browser session that has just confirmed its password."""
    client = APIClient()
    client.force_login(user)
    client.post(
        reverse("account_reauthenticate"), {"password": PASSWORD}, format="multipart"
    )
    return client


def test_a_session_must_confirm_its_password_to_create_a_token(owner):
    from kindred.accounts.models import ApiToken

    client = APIClient()
    client.force_login(owner)
    before = ApiToken.objects.count()
    response = client.post("/api/v1/tokens", {"name": "cookie"}, format="json")
    assert response.status_code == 403
    assert "Confirm your password" in response.json()["detail"]
    assert ApiToken.objects.count() == before


def test_tokens_listed_created_and_revoked_through_api(owner, outsider):
    client = api_for(owner)
    created = session_api_for(owner).post(
        "/api/v1/tokens", {"name": "ci"}, format="json"
    )
    assert created.status_code == 201 and created.json()["key"].startswith("kdr_")
    listing = client.get("/api/v1/tokens").json()["results"]
    assert {t["name"] for t in listing} == {"tests", "ci"}
    assert all("key" not in t for t in listing)
    pk = created.json()["id"]
    assert api_for(outsider).delete(f"/api/v1/tokens/{pk}").status_code == 404
    assert client.delete(f"/api/v1/tokens/{pk}").status_code == 204


def test_steward_manages_topics_and_suspensions_through_api(steward, outsider, owner):
    client = api_for(steward)
    created = client.post("/api/v1/topics", {"name": "Crowdfunding"}, format="json")
    assert created.status_code == 201
    assert (
        api_for(outsider)
        .post("/api/v1/topics", {"name": "Spam"}, format="json")
        .status_code
        == 403
    )
    url = f"/api/v1/members/{owner.profile.pk}/suspension"
    assert (
        api_for(outsider).post(url, {"reason": "x"}, format="json").status_code == 403
    )
    assert client.post(url, {"reason": "spam"}, format="json").status_code == 201
    owner.refresh_from_db()
    assert owner.suspended_at is not None
    assert client.delete(url).status_code == 204


def test_token_creation_is_never_replayed_so_no_key_is_stored(owner):
    from kindred.api.models import IdempotencyRecord

    client = session_api_for(owner)
    first = client.post(
        "/api/v1/tokens", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="t-1"
    )
    second = client.post(
        "/api/v1/tokens", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="t-1"
    )
    assert first.json()["key"] != second.json()["key"]
    assert not IdempotencyRecord.objects.exists()


def test_a_token_cannot_mint_tokens(owner):
    from kindred.accounts.models import ApiToken

    client = api_for(owner)
    before = ApiToken.objects.count()
    response = client.post("/api/v1/tokens", {"name": "chain"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert "account settings" in response.json()["detail"]
    assert ApiToken.objects.count() == before


def test_stale_if_match_is_refused_with_412_and_changes_nothing(owner, organisation):
    client = api_for(owner)
    url = f"/api/v1/organisations/{organisation.slug}"
    read = client.get(url)
    etag = read["ETag"]
    assert etag.startswith('"')
    first = client.patch(url, {"summary": "One"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] != etag
    stale = client.patch(url, {"summary": "Two"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    organisation.refresh_from_db()
    assert organisation.summary == "One"
    fresh = client.patch(
        url, {"summary": "Two"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert fresh.status_code == 200


def test_me_carries_an_etag_that_guards_updates(owner):
    client = api_for(owner)
    etag = client.get("/api/v1/me")["ETag"]
    client.patch("/api/v1/me", {"headline": "First"}, format="json")
    stale = client.patch(
        "/api/v1/me", {"headline": "Second"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    owner.profile.refresh_from_db()
    assert owner.profile.headline == "First"


def test_each_token_has_its_own_rate_limit_with_retry_after(owner, monkeypatch):
    from kindred.api.throttles import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    first, second = api_for(owner), api_for(owner)
    answers = [first.get("/api/v1/me").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = first.get("/api/v1/me")
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) > 0
    assert second.get("/api/v1/me").status_code == 200  # another token, own budget


def test_requests_are_limited_per_address(owner, monkeypatch):
    from kindred.api.throttles import AddressRateThrottle

    monkeypatch.setattr(AddressRateThrottle, "THROTTLE_RATES", {"address": "2/minute"})
    answers = [APIClient().get("/api/v1/topics").status_code for _ in range(3)]
    assert answers == [401, 401, 429]


def test_role_change_with_stale_if_match_is_412(owner, colleague, organisation):
    from kindred.organisations.models import Membership

    membership = Membership.objects.get(user=colleague, organisation=organisation)
    url = f"/api/v1/organisations/{organisation.slug}/members/{membership.pk}"
    client = api_for(owner)
    first = client.patch(url, {"role": "member"}, format="json")
    assert first.status_code == 200 and first["ETag"]
    stale = client.patch(url, {"role": "admin"}, format="json", HTTP_IF_MATCH='"0000"')
    assert stale.status_code == 412
    membership.refresh_from_db()
    assert membership.role == "member"


def test_a_member_filter_id_too_large_for_any_row_is_a_clear_400(owner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner)
    response = client.get("/api/v1/members", {"organisation": 10**30})
    assert response.status_code == 400
    assert "organisation" in response.json()["errors"]
