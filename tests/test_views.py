"""Pages: who sees what, what bad input gets, and bounded queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kindred.accounts.models import Visibility
from kindred.accounts.services import update_profile
from kindred.organisations.models import Invitation, Membership, Organisation
from tests.conftest import PASSWORD, make_person


def test_landing_page_explains_the_ecosystem(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign up" in response.content


def test_dashboard_for_signed_in_people_prompts_completeness(client, owner):
    client.force_login(owner)
    response = client.get("/")
    assert response.status_code == 200
    assert "Headline" in response.content.decode()


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_fails(client, db, monkeypatch):
    from django.db import DatabaseError

    class Unreachable:
        def cursor(self):
            raise DatabaseError("gone")

    monkeypatch.setattr("kindred.core.views.connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"<main" in response.content


def test_member_directory_needs_login(client, db):
    response = client.get("/members/")
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_member_directory_filters_and_hides(
    client, owner, colleague, outsider, organisation, topics
):
    update_profile(
        owner.profile,
        by=owner,
        headline="Pricing wizard",
        topics_offered=[topics["pricing"]],
        topics_offered_visibility=Visibility.ORGANISATIONS,
    )
    client.force_login(outsider)
    response = client.get("/members/", {"topic_offered": topics["pricing"].pk})
    assert "Olive Owner" not in response.content.decode()
    client.force_login(colleague)
    response = client.get("/members/", {"topic_offered": topics["pricing"].pk})
    assert "Olive Owner" in response.content.decode()


def test_member_directory_htmx_renders_only_results(client, owner):
    client.force_login(owner)
    response = client.get("/members/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content


def test_member_directory_queries_do_not_grow(client, owner, organisation, topics):
    """The directory costs the same number of queries for 5 or 45 members."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_directory() -> int:
        client.get("/members/")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/members/", {"stage": "growing"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    def add_people(start: int, count: int) -> None:
        for i in range(start, start + count):
            person = make_person(f"p{i}@example.com", f"Person {i}")
            update_profile(
                person.profile,
                by=person,
                stage="growing",
                topics_offered=[topics["pricing"]],
                headline="Founder",
            )
            Membership.objects.create(organisation=organisation, user=person)

    client.force_login(owner)
    add_people(0, 5)
    few = queries_for_directory()
    add_people(5, 40)
    assert queries_for_directory() == few
    assert few <= 16


def test_hidden_photo_is_not_served(client, owner, outsider, settings, tmp_path):
    from tests.test_accounts_services import image_upload

    settings.MEDIA_ROOT = tmp_path
    update_profile(
        owner.profile,
        by=owner,
        photo=image_upload(),
        photo_visibility=Visibility.ONLY_ME,
    )
    url = reverse("members:photo", args=[owner.profile.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    assert client.get(url).status_code == 200


def test_profile_form_keeps_input_and_shows_error(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "display_name": "Olive",
            "headline": "Typed headline",
            "bio": "<script>x</script>",
            "time_zone": "Europe/London",
            **{f"{f}_visibility": "members" for f in owner.profile.PERSONAL_FIELDS},
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Typed headline" in body and "&lt;script&gt;" in body
    owner.profile.refresh_from_db()
    assert owner.profile.headline == ""


def test_profile_form_saves(client, owner, topics):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "display_name": "Olive",
            "headline": "Baker",
            "bio": "**hi**",
            "time_zone": "Europe/Dublin",
            "stage": "growing",
            "languages": ["en"],
            "topics_needed": [topics["mindfulness"].pk],
            **{f"{f}_visibility": "members" for f in owner.profile.PERSONAL_FIELDS},
        },
    )
    assert response.status_code == 302
    owner.profile.refresh_from_db()
    assert (
        owner.profile.headline == "Baker" and owner.profile.time_zone == "Europe/Dublin"
    )


def test_wrong_image_type_on_form_is_explained(client, owner, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(owner)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "display_name": "Olive",
            "headline": "Kept",
            "time_zone": "Europe/London",
            "photo": SimpleUploadedFile(
                "x.png", b"not an image", content_type="image/png"
            ),
            **{f"{f}_visibility": "members" for f in owner.profile.PERSONAL_FIELDS},
        },
    )
    assert response.status_code == 400
    assert "not an image" in response.content.decode()


def test_create_organisation_page(client, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("organisations:create"), {"name": "Seedbed", "kind": "accelerator"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(organisation__slug="seedbed").user == outsider


def test_create_organisation_with_missing_name_keeps_input(client, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("organisations:create"),
        {"name": "", "kind": "funder", "summary": "Kept summary"},
    )
    assert response.status_code == 400
    assert "Kept summary" in response.content.decode()
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("name", ["edit", "manage"])
def test_non_admin_gets_403_on_admin_pages(
    client, colleague, outsider, organisation, name
):
    for person in (colleague, outsider):
        client.force_login(person)
        assert (
            client.get(
                reverse(f"organisations:{name}", args=[organisation.slug])
            ).status_code
            == 403
        )


def test_non_admin_cannot_invite_by_posting(client, outsider, organisation):
    client.force_login(outsider)
    response = client.post(
        reverse("organisations:invite", args=[organisation.slug]),
        {"email": "x@example.com", "role": "admin"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_admin_without_second_factor_is_sent_to_set_it_up(client, organisation):
    admin = make_person("plain@example.com", "Plain Admin")
    Membership.objects.create(organisation=organisation, user=admin, role="admin")
    client.force_login(admin)
    response = client.get(reverse("organisations:manage", args=[organisation.slug]))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_admin_invites_from_manage_page(
    client, owner, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:invite", args=[organisation.slug]),
            {"email": "new@example.com", "role": "practitioner"},
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new@example.com").exists()
    assert len(mailoutbox) == 1
    assert "http" in mailoutbox[0].body


def test_invite_with_bad_email_keeps_input(client, owner, organisation):
    client.force_login(owner)
    response = client.post(
        reverse("organisations:invite", args=[organisation.slug]),
        {"email": "not-an-email", "role": "member"},
    )
    assert response.status_code == 400
    assert "not-an-email" in response.content.decode()


def test_invitation_for_another_address_is_403(client, owner, outsider, organisation):
    from kindred.organisations.services import invite_member

    invitation = invite_member(organisation, by=owner, email="new@example.com")
    client.force_login(outsider)
    url = reverse("organisations:invitation", args=[invitation.token])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not Membership.objects.filter(user=outsider).exists()


def test_steward_console_is_for_stewards_only(client, steward, outsider):
    client.force_login(outsider)
    assert client.get(reverse("steward:console")).status_code == 403
    assert (
        client.post(
            reverse("steward:topics"), {"name": "Spam", "is_active": "on"}
        ).status_code
        == 403
    )
    client.force_login(steward)
    for name in ("console", "topics", "people", "organisations"):
        assert client.get(reverse(f"steward:{name}")).status_code == 200


def test_steward_suspends_from_console(client, steward, outsider):
    client.force_login(steward)
    response = client.post(
        reverse("steward:person_suspend", args=[outsider.pk]), {"reason": "spam"}
    )
    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.suspended_at is not None


def test_token_page_shows_key_once(client, owner):
    client.force_login(owner)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("accounts:tokens"), {"name": "CRM"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    assert key not in client.get(reverse("accounts:tokens")).content.decode()


def test_signup_answers_the_same_for_known_and_unknown_email(client, owner, mailoutbox):
    known = client.post(
        reverse("account_signup"),
        {
            "email": owner.email,
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    unknown = client.post(
        reverse("account_signup"),
        {
            "email": "fresh@example.com",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_password_reset_answers_the_same_for_unknown_email(client, owner):
    known = client.post(reverse("account_reset_password"), {"email": owner.email})
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_security_headers_are_sent(client, db):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_steward_grants_and_removes_the_steward_role(client, steward, outsider):
    client.force_login(steward)
    client.post(reverse("steward:person_steward", args=[outsider.pk]), {"steward": "1"})
    outsider.refresh_from_db()
    assert outsider.is_steward
    client.post(reverse("steward:person_steward", args=[outsider.pk]), {"steward": "0"})
    outsider.refresh_from_db()
    assert not outsider.is_steward


def test_member_cannot_grant_the_steward_role(client, outsider, owner):
    client.force_login(outsider)
    response = client.post(
        reverse("steward:person_steward", args=[owner.pk]), {"steward": "1"}
    )
    assert response.status_code == 403
    owner.refresh_from_db()
    assert not owner.is_steward


def test_api_docs_page_loads_swagger_without_inline_scripts(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui-bundle.js" in body and "<script>" not in body
