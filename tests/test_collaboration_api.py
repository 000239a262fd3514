"""The collaboration REST API: partnerships, calls for collaboration, stories.

Every refusal is checked twice: the answer (status, problem+json naming the field)
and the database (nothing was written or changed).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kindred.collaboration import services
from kindred.collaboration.models import (
    CallForCollaboration,
    Celebration,
    Interest,
    Partnership,
    SuccessStory,
)
from kindred.organisations.models import Organisation

from .test_collaboration import *  # noqa: F403 - the shared fixtures
from .test_collaboration import future, snapshot
from .test_directory_api import api_for, assert_problem

# --- partnerships -------------------------------------------------------------------


def propose_body(proposer, partner, overrides=None) -> dict:
    body = {
        "proposer": proposer.slug,
        "partner": partner.slug,
        "description": "A monthly joint clinic.",
    }
    body.update(overrides or {})
    return body


def test_an_admin_proposes_once_even_when_retrying(owner, organisation, partner_org):
    api = api_for(owner)
    headers = {"HTTP_IDEMPOTENCY_KEY": "propose-1"}
    first = api.post(
        "/api/v1/partnerships",
        propose_body(organisation, partner_org),
        format="json",
        **headers,
    )
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["status"] == "proposed"
    assert body["proposer"]["slug"] == organisation.slug
    assert body["partner"]["slug"] == partner_org.slug
    again = api.post(
        "/api/v1/partnerships",
        propose_body(organisation, partner_org),
        format="json",
        **headers,
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Partnership.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"partner": "no-such-org"}, "partner"),
        ({"description": "x" * 501}, "description"),
        ({"description": 12}, "description"),
        ({"description": "  "}, "description"),
    ],
)
def test_bad_proposals_name_the_field(
    owner, organisation, partner_org, overrides, field
):
    response = api_for(owner).post(
        "/api/v1/partnerships",
        propose_body(organisation, partner_org, overrides),
        format="json",
    )
    assert_problem(response, 400, field)
    assert not Partnership.objects.exists()


def test_a_second_open_partnership_for_the_pair_is_a_conflict(
    proposal, partner_admin, organisation, partner_org
):
    response = api_for(partner_admin).post(
        "/api/v1/partnerships", propose_body(partner_org, organisation), format="json"
    )
    assert_problem(response, 409)
    assert Partnership.objects.count() == 1


def test_a_practitioner_cannot_propose(colleague, organisation, partner_org):
    response = api_for(colleague).post(
        "/api/v1/partnerships", propose_body(organisation, partner_org), format="json"
    )
    assert_problem(response, 403)
    assert not Partnership.objects.exists()


def test_the_partner_accepts_and_cannot_accept_twice(proposal, partner_admin):
    api = api_for(partner_admin)
    response = api.post(f"/api/v1/partnerships/{proposal.pk}/accept")
    assert response.status_code == 200 and response.json()["status"] == "active"
    before = snapshot(proposal)
    assert_problem(api.post(f"/api/v1/partnerships/{proposal.pk}/accept"), 409)
    assert_problem(api.post(f"/api/v1/partnerships/{proposal.pk}/decline"), 409)
    assert snapshot(proposal) == before


def test_accepting_an_ended_partnership_is_a_conflict(proposal, owner, partner_admin):
    services.end_partnership(proposal, by=owner)
    before = snapshot(proposal)
    body = assert_problem(
        api_for(partner_admin).post(f"/api/v1/partnerships/{proposal.pk}/accept"), 409
    )
    assert body["type"].endswith("/conflict")
    assert snapshot(proposal) == before


def test_either_side_ends_an_active_partnership(proposal, owner, partner_admin):
    services.accept_partnership(proposal, by=partner_admin)
    response = api_for(owner).post(f"/api/v1/partnerships/{proposal.pk}/end")
    assert response.status_code == 200 and response.json()["status"] == "ended"


def test_outsiders_do_not_see_proposals(proposal, outsider, partner_admin):
    api = api_for(outsider)
    before = snapshot(proposal)
    assert_problem(api.get(f"/api/v1/partnerships/{proposal.pk}"), 404)
    for action in ("accept", "decline", "end"):
        assert_problem(api.post(f"/api/v1/partnerships/{proposal.pk}/{action}"), 404)
    assert snapshot(proposal) == before
    services.accept_partnership(proposal, by=partner_admin)
    assert api.get(f"/api/v1/partnerships/{proposal.pk}").status_code == 200
    before = snapshot(proposal)
    assert_problem(api.post(f"/api/v1/partnerships/{proposal.pk}/end"), 403)
    assert snapshot(proposal) == before


def test_listing_partnerships_shows_mine(proposal, owner, outsider):
    mine = api_for(owner).get("/api/v1/partnerships").json()
    assert [p["id"] for p in mine["results"]] == [proposal.pk]
    filtered = api_for(owner).get("/api/v1/partnerships", {"status": "active"}).json()
    assert filtered["results"] == []
    assert api_for(outsider).get("/api/v1/partnerships").json()["results"] == []
    assert_problem(
        api_for(owner).get("/api/v1/partnerships", {"status": "friends"}), 400, "status"
    )


def test_the_api_needs_a_token_for_partnerships(client, proposal):
    assert_problem(APIClient().get("/api/v1/partnerships"), 401)


# --- calls --------------------------------------------------------------------------


def call_body(organisation, overrides=None) -> dict:
    body = {
        "organisation": organisation.slug,
        "kind": "joint_bid",
        "title": "Bid together for the growth fund",
        "description": "We need **two** partners.",
        "deadline": future().isoformat(),
    }
    body.update(overrides or {})
    return body


def test_an_admin_posts_a_call(owner, organisation):
    response = api_for(owner).post(
        "/api/v1/calls",
        call_body(organisation),
        format="json",
        HTTP_IDEMPOTENCY_KEY="call-1",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open" and body["kind"] == "joint_bid"
    assert body["accepts_interest"] and body["interests"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"deadline": timezone.localdate().isoformat()}, "deadline"),
        ({"deadline": "next week"}, "deadline"),
        ({"kind": "party"}, "kind"),
        ({"title": "t" * 161}, "title"),
        ({"description": "<script>x</script>"}, "description"),
        ({"organisation": "nowhere"}, "organisation"),
    ],
)
def test_bad_calls_name_the_field(owner, organisation, overrides, field):
    response = api_for(owner).post(
        "/api/v1/calls", call_body(organisation, overrides), format="json"
    )
    assert_problem(response, 400, field)
    assert not CallForCollaboration.objects.exists()


def test_a_practitioner_cannot_post_a_call(colleague, organisation):
    response = api_for(colleague).post(
        "/api/v1/calls", call_body(organisation), format="json"
    )
    assert_problem(response, 403)
    assert not CallForCollaboration.objects.exists()


def test_interest_once_per_organisation_and_never_for_the_poster(
    call, partner_admin, partner_org, owner, organisation
):
    api = api_for(partner_admin)
    url = f"/api/v1/calls/{call.pk}/interests"
    response = api.post(
        url, {"organisation": partner_org.slug, "message": "Yes."}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["organisation"]["slug"] == partner_org.slug
    assert_problem(
        api.post(
            url, {"organisation": partner_org.slug, "message": "Again."}, format="json"
        ),
        409,
    )
    assert_problem(
        api_for(owner).post(
            url, {"organisation": organisation.slug, "message": "Us."}, format="json"
        ),
        400,
        "organisation",
    )
    assert Interest.objects.count() == 1


def test_interest_after_the_deadline_is_a_conflict(call, partner_admin, partner_org):
    CallForCollaboration.objects.filter(pk=call.pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    response = api_for(partner_admin).post(
        f"/api/v1/calls/{call.pk}/interests",
        {"organisation": partner_org.slug, "message": "Late."},
        format="json",
    )
    assert_problem(response, 409)
    assert not Interest.objects.exists()


def test_choosing_partners_closes_the_call_and_a_second_choice_is_a_conflict(
    call, owner, partner_admin, partner_org, third_admin, third_org
):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    api = api_for(owner)
    url = f"/api/v1/calls/{call.pk}/partners"
    response = api.post(url, {"organisations": [partner_org.slug]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "partners_chosen"
    assert [p["slug"] for p in body["partners"]] == [partner_org.slug]
    assert body["interests"][0]["chosen"] is True
    before = snapshot(call)
    assert_problem(
        api.post(url, {"organisations": [partner_org.slug]}, format="json"), 409
    )
    assert_problem(api.post(f"/api/v1/calls/{call.pk}/close"), 409)
    assert snapshot(call) == before
    assert Partnership.objects.count() == 1


@pytest.mark.parametrize(
    "organisations", [[], ["no-such-org"], ["summit-finance"], "harbour-enterprise"]
)
def test_choosing_needs_interested_organisations(
    call, owner, partner_admin, partner_org, third_org, organisations
):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    response = api_for(owner).post(
        f"/api/v1/calls/{call.pk}/partners",
        {"organisations": organisations},
        format="json",
    )
    assert_problem(response, 400, "organisations")
    call.refresh_from_db()
    assert call.status == "open" and not Partnership.objects.exists()


def test_closing_a_call_without_partners(call, owner, outsider):
    assert_problem(api_for(outsider).post(f"/api/v1/calls/{call.pk}/close"), 403)
    response = api_for(owner).post(f"/api/v1/calls/{call.pk}/close")
    assert response.status_code == 200 and response.json()["status"] == "closed"


def test_listing_and_reading_calls(call, owner, outsider, partner_admin, partner_org):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Private note."
    )
    listed = api_for(outsider).get("/api/v1/calls").json()["results"]
    assert [(c["id"], c["interest_count"]) for c in listed] == [(call.pk, 1)]
    assert (
        api_for(outsider).get("/api/v1/calls", {"status": "closed"}).json()["results"]
        == []
    )
    seen_by_outsider = api_for(outsider).get(f"/api/v1/calls/{call.pk}").json()
    assert seen_by_outsider["interests"] == []
    seen_by_owner = api_for(owner).get(f"/api/v1/calls/{call.pk}").json()
    assert seen_by_owner["interests"][0]["message"] == "Private note."
    assert_problem(api_for(owner).get("/api/v1/calls/999999"), 404)


# --- stories ------------------------------------------------------------------------


def test_anyone_lists_published_stories_newest_first(published, organisation, owner):
    newer = services.write_story(organisation, by=owner, title="N", body="B", role="x")
    services.publish_story(newer, by=owner)
    response = APIClient().get("/api/v1/stories")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [s["id"] for s in results] == [newer.pk, published.pk]
    assert results[1]["entrepreneur"] is None  # not chosen to be shown
    assert results[1]["people"] == []  # names of helpers only for members
    assert [c["role"] for c in results[1]["credits"]] == [
        "referred",
        "delivered the service",
    ]


def test_stories_can_be_filtered_by_credited_organisation(
    published, third_org, partner_org
):
    api = APIClient()
    assert (
        api.get("/api/v1/stories", {"organisation": third_org.slug}).json()["results"]
        == []
    )
    assert (
        len(
            api.get("/api/v1/stories", {"organisation": partner_org.slug}).json()[
                "results"
            ]
        )
        == 1
    )
    assert_problem(api.get("/api/v1/stories", {"status": "lost"}), 400, "status")


def test_drafts_are_404_for_everyone_not_involved(draft, outsider, colleague, founder):
    assert_problem(APIClient().get(f"/api/v1/stories/{draft.pk}"), 404)
    for person in (outsider, colleague):
        assert_problem(api_for(person).get(f"/api/v1/stories/{draft.pk}"), 404)
        assert_problem(api_for(person).post(f"/api/v1/stories/{draft.pk}/approve"), 404)
    body = api_for(founder).get(f"/api/v1/stories/{draft.pk}").json()
    assert body["status"] == "draft" and body["entrepreneur"]["name"] == "Femi Founder"
    mine = api_for(founder).get("/api/v1/stories", {"status": "draft"}).json()
    assert [s["id"] for s in mine["results"]] == [draft.pk]
    assert (
        api_for(outsider).get("/api/v1/stories", {"status": "draft"}).json()["results"]
        == []
    )


def test_the_entrepreneur_approves_with_their_name(draft, founder, outsider):
    response = api_for(founder).post(
        f"/api/v1/stories/{draft.pk}/approve",
        {"show_entrepreneur_name": True},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "published"
    seen = api_for(outsider).get(f"/api/v1/stories/{draft.pk}").json()
    assert seen["entrepreneur"]["name"] == "Femi Founder"
    assert {p["name"] for p in seen["people"]} == {"Colin Colleague", "Pat Partner"}


def test_someone_else_cannot_approve(draft, owner, founder):
    before = snapshot(draft)
    # The founder's draft is invisible to a credited organisation's admin.
    assert_problem(api_for(owner).post(f"/api/v1/stories/{draft.pk}/approve"), 404)
    assert_problem(
        api_for(founder).post(
            f"/api/v1/stories/{draft.pk}/approve",
            {"show_entrepreneur_name": "yes"},
            format="json",
        ),
        400,
        "show_entrepreneur_name",
    )
    assert snapshot(draft) == before


def test_publishing_a_declined_story_is_a_conflict(draft, founder):
    api = api_for(founder)
    response = api.post(f"/api/v1/stories/{draft.pk}/decline")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    before = snapshot(draft)
    assert_problem(api.post(f"/api/v1/stories/{draft.pk}/approve"), 409)
    assert_problem(
        api.patch(f"/api/v1/stories/{draft.pk}", {"title": "New"}, format="json"), 409
    )
    assert snapshot(draft) == before


def test_the_entrepreneur_edits_a_draft(draft, founder):
    response = api_for(founder).patch(
        f"/api/v1/stories/{draft.pk}", {"title": "In my words"}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "In my words"
    draft.refresh_from_db()
    assert draft.body == "Femi was *referred* and now **thrives**."


def test_editing_checks_if_match(draft, founder):
    api = api_for(founder)
    etag = api.get(f"/api/v1/stories/{draft.pk}")["ETag"]
    services.edit_story(draft, by=founder, title="Changed meanwhile", body="B")
    response = api.patch(
        f"/api/v1/stories/{draft.pk}",
        {"title": "Mine"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert_problem(response, 412)
    draft.refresh_from_db()
    assert draft.title == "Changed meanwhile"


def test_editing_a_published_story_is_a_conflict_and_outsiders_are_refused(
    published, founder, outsider
):
    before = snapshot(published)
    assert_problem(
        api_for(founder).patch(
            f"/api/v1/stories/{published.pk}", {"title": "New"}, format="json"
        ),
        409,
    )
    assert_problem(
        api_for(outsider).patch(
            f"/api/v1/stories/{published.pk}", {"title": "New"}, format="json"
        ),
        403,
    )
    assert_problem(
        api_for(outsider).post(f"/api/v1/stories/{published.pk}/withdraw"), 403
    )
    assert snapshot(published) == before


def test_the_entrepreneur_withdraws_a_published_story(published, founder):
    response = api_for(founder).post(f"/api/v1/stories/{published.pk}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert_problem(APIClient().get(f"/api/v1/stories/{published.pk}"), 404)


def test_a_story_is_written_by_hand_with_credits_and_people(
    colleague, organisation, partner_org, partner_admin, founder
):
    response = api_for(colleague).post(
        "/api/v1/stories",
        {
            "organisation": organisation.slug,
            "role": "advised",
            "title": "Exporting at last",
            "body": "Three firms **export**.",
            "credits": [{"organisation": partner_org.slug, "role": "ran the mission"}],
            "people": [partner_admin.profile.pk],
            "entrepreneur": founder.profile.pk,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="story-1",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["source"] == "manual"
    assert [c["organisation"]["slug"] for c in body["credits"]] == [
        organisation.slug,
        partner_org.slug,
    ]
    assert body["people"] == [{"id": partner_admin.profile.pk, "name": "Pat Partner"}]
    assert SuccessStory.objects.get().entrepreneur == founder


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"people": [999999]}, "people"),
        ({"people": [2**64]}, "people"),
        ({"entrepreneur": 2**64}, "entrepreneur"),
        ({"entrepreneur": 999999}, "entrepreneur"),
        ({"credits": [{"organisation": "nowhere", "role": "x"}]}, "credits"),
        (
            {"credits": [{"organisation": "riverside-growth-hub", "role": "x"}]},
            "credits",
        ),
        ({"body": "<iframe></iframe>"}, "body"),
        ({"role": ""}, "role"),
    ],
)
def test_bad_stories_name_the_field(colleague, organisation, overrides, field):
    body = {
        "organisation": organisation.slug,
        "role": "advised",
        "title": "T",
        "body": "B",
    }
    body.update(overrides)
    response = api_for(colleague).post("/api/v1/stories", body, format="json")
    assert_problem(response, 400, field)
    assert not SuccessStory.objects.exists()


def test_outsiders_cannot_write_stories(outsider, organisation):
    response = api_for(outsider).post(
        "/api/v1/stories",
        {"organisation": organisation.slug, "role": "x", "title": "T", "body": "B"},
        format="json",
    )
    assert_problem(response, 403)
    assert_problem(
        APIClient().post(
            "/api/v1/stories",
            {"organisation": organisation.slug, "role": "x", "title": "T", "body": "B"},
            format="json",
        ),
        401,
    )
    assert not SuccessStory.objects.exists()


def test_celebrating_once_per_person_and_taking_it_back(published, outsider):
    api = api_for(outsider)
    url = f"/api/v1/stories/{published.pk}/celebration"
    assert api.post(url).json() == {"celebrated": True, "celebration_count": 1}
    assert api.post(url).json() == {"celebrated": True, "celebration_count": 1}
    listed = api.get("/api/v1/stories").json()["results"][0]
    assert listed["celebrated"] is True and listed["celebration_count"] == 1
    assert api.delete(url).json() == {"celebrated": False, "celebration_count": 0}
    assert not Celebration.objects.exists()
    assert_problem(APIClient().post(url), 401)


def test_a_draft_cannot_be_celebrated(draft, founder):
    assert_problem(
        api_for(founder).post(f"/api/v1/stories/{draft.pk}/celebration"), 409
    )
    assert not Celebration.objects.exists()


def test_the_stories_list_stays_bounded_in_queries(
    organisation, owner, outsider, django_assert_max_num_queries
):
    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            story = services.write_story(
                organisation,
                by=owner,
                title=f"S{i}",
                body="B",
                role="x",
                people=[owner],
            )
            services.publish_story(story, by=owner)

    api = api_for(outsider)
    make(2, 0)
    with django_assert_max_num_queries(20) as few:
        api.get("/api/v1/stories")
    make(8, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get("/api/v1/stories")
    assert len(response.json()["results"]) == 10


def test_hidden_organisations_are_not_found(owner, organisation, partner_org):
    Organisation.objects.filter(pk=partner_org.pk).update(is_active=False)
    response = api_for(owner).post(
        "/api/v1/partnerships", propose_body(organisation, partner_org), format="json"
    )
    assert_problem(response, 400, "partner")
