"""Pages of partnerships, calls for collaboration and success stories.

Each refusal is checked twice: the answer (403, 404 or a clear message) and the
database (nothing changed).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kindred.collaboration import services
from kindred.collaboration.models import (
    CallForCollaboration,
    Celebration,
    Interest,
    Partnership,
    SuccessStory,
)
from kindred.organisations.models import Membership, Organisation, Role

from .conftest import make_person
from .test_collaboration import *  # noqa: F403 - the shared fixtures
from .test_collaboration import future, snapshot

# --- partnerships -------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_log_in(client):
    for url in ("/partnerships/", "/calls/", "/calls/new/", "/stories/new/"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_an_admin_proposes_through_the_page(client, owner, organisation, partner_org):
    client.force_login(owner)
    page = client.get("/partnerships/")
    assert page.status_code == 200 and "Propose a partnership" in page.content.decode()
    response = client.post(
        "/partnerships/propose/",
        {
            "proposer": organisation.pk,
            "partner": partner_org.pk,
            "description": "A monthly joint clinic.",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/partnerships/"
    partnership = Partnership.objects.get()
    assert partnership.status == "proposed" and partnership.partner == partner_org
    assert "Harbour Enterprise Agency" in client.get("/partnerships/").content.decode()


def test_a_bad_proposal_says_what_is_wrong_and_keeps_what_was_typed(
    client, owner, organisation
):
    client.force_login(owner)
    response = client.post(
        "/partnerships/propose/",
        {
            "proposer": organisation.pk,
            "partner": organisation.pk,
            "description": "Working with ourselves.",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose another organisation than your own." in body
    assert "Working with ourselves." in body
    assert not Partnership.objects.exists()


def test_a_second_proposal_for_the_pair_is_refused_with_a_message(
    client, proposal, partner_admin, organisation, partner_org
):
    client.force_login(partner_admin)
    response = client.post(
        "/partnerships/propose/",
        {
            "proposer": partner_org.pk,
            "partner": organisation.pk,
            "description": "Us too.",
        },
    )
    assert response.status_code == 400
    assert "already waiting for an answer" in response.content.decode()
    assert Partnership.objects.count() == 1


def test_people_who_run_no_organisation_cannot_propose(
    client, colleague, outsider, organisation, partner_org
):
    for person in (colleague, outsider):
        client.force_login(person)
        assert "Ask an admin" in client.get("/partnerships/").content.decode()
        response = client.post(
            "/partnerships/propose/",
            {
                "proposer": organisation.pk,
                "partner": partner_org.pk,
                "description": "Sneaky.",
            },
        )
        assert response.status_code == 403
    assert not Partnership.objects.exists()


def test_the_partner_accepts_on_the_page(client, proposal, partner_admin):
    client.force_login(partner_admin)
    assert "Accept" in client.get("/partnerships/").content.decode()
    response = client.post(f"/partnerships/{proposal.pk}/accept/", follow=True)
    assert "You are partners now." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "active"


def test_outsiders_cannot_answer_or_end(client, proposal, partner_admin, outsider):
    client.force_login(outsider)
    before = snapshot(proposal)
    for action in ("accept", "decline", "end"):
        assert client.post(f"/partnerships/{proposal.pk}/{action}/").status_code == 404
    assert snapshot(proposal) == before
    services.accept_partnership(proposal, by=partner_admin)
    before = snapshot(proposal)
    assert client.post(f"/partnerships/{proposal.pk}/end/").status_code == 403
    assert snapshot(proposal) == before


def test_accepting_an_ended_partnership_explains_and_changes_nothing(
    client, proposal, owner, partner_admin
):
    services.end_partnership(proposal, by=owner)
    before = snapshot(proposal)
    client.force_login(partner_admin)
    response = client.post(f"/partnerships/{proposal.pk}/accept/", follow=True)
    assert "only a proposal can be answered" in response.content.decode()
    assert snapshot(proposal) == before


def test_changes_need_post(client, proposal, partner_admin):
    client.force_login(partner_admin)
    assert client.get(f"/partnerships/{proposal.pk}/accept/").status_code == 405
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_an_admin_without_a_second_factor_is_sent_to_set_one_up(
    client, proposal, partner_org
):
    lax = make_person("lax@example.com", "Lax Admin")
    Membership.objects.create(organisation=partner_org, user=lax, role=Role.ADMIN)
    client.force_login(lax)
    response = client.post(f"/partnerships/{proposal.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def make_partnerships(owner, organisation, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        org = Organisation.objects.create(
            name=f"Org {i}", slug=f"org-{i}", kind="charity"
        )
        services.propose_partnership(
            organisation, by=owner, partner=org, description=f"Work {i}."
        )


def test_the_partnerships_page_does_not_grow_in_queries(
    client, owner, organisation, django_assert_max_num_queries
):
    client.force_login(owner)
    make_partnerships(owner, organisation, 2)
    with django_assert_max_num_queries(40) as few:
        client.get("/partnerships/")
    make_partnerships(owner, organisation, 8, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/partnerships/")
    assert response.content.decode().count("Withdraw<span") == 10


# --- calls --------------------------------------------------------------------------


CALL_FORM = {
    "kind": "co_hosted_event",
    "title": "Co-host a wellbeing week",
    "description": "Five days of **free** sessions.",
}


def test_an_admin_posts_a_call_through_the_page(client, owner, organisation):
    client.force_login(owner)
    assert client.get("/calls/new/").status_code == 200
    response = client.post(
        "/calls/new/",
        {
            **CALL_FORM,
            "organisation": organisation.pk,
            "deadline": future().isoformat(),
        },
    )
    call = CallForCollaboration.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/calls/{call.pk}/"
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "<strong>free</strong>" in page and "Close without choosing" in page


def test_a_past_deadline_is_refused_with_a_message(client, owner, organisation):
    client.force_login(owner)
    response = client.post(
        "/calls/new/",
        {
            **CALL_FORM,
            "organisation": organisation.pk,
            "deadline": timezone.localdate().isoformat(),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "The deadline must be a day in the future." in body
    assert 'value="Co-host a wellbeing week"' in body
    assert not CallForCollaboration.objects.exists()


def test_unsafe_markdown_in_a_call_is_refused(client, owner, organisation):
    client.force_login(owner)
    response = client.post(
        "/calls/new/",
        {
            **CALL_FORM,
            "description": "<script>alert(1)</script>",
            "organisation": organisation.pk,
            "deadline": future().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "the HTML tag &lt;script&gt;" in response.content.decode()
    assert not CallForCollaboration.objects.exists()


def test_only_admins_post_calls(client, colleague, organisation):
    client.force_login(colleague)
    assert "Admins of an organisation post calls" in (
        client.get("/calls/new/").content.decode()
    )
    response = client.post(
        "/calls/new/",
        {
            **CALL_FORM,
            "organisation": organisation.pk,
            "deadline": future().isoformat(),
        },
    )
    assert response.status_code == 403
    assert not CallForCollaboration.objects.exists()


def test_another_organisation_expresses_interest_on_the_page(
    client, call, partner_admin, partner_org
):
    client.force_login(partner_admin)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert 'id="interest-title"' in page
    response = client.post(
        f"/calls/{call.pk}/interest/",
        {"organisation": partner_org.pk, "message": "We can bring venues."},
    )
    assert response.status_code == 302
    assert Interest.objects.get().organisation == partner_org
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "We can bring venues." in page and 'id="interest-title"' not in page


def test_interest_without_a_message_is_refused_with_a_message(
    client, call, partner_admin, partner_org
):
    client.force_login(partner_admin)
    response = client.post(
        f"/calls/{call.pk}/interest/", {"organisation": partner_org.pk, "message": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Interest.objects.exists()


def test_an_outsider_cannot_express_interest_or_decide(
    client, call, outsider, partner_org, partner_admin
):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    client.force_login(outsider)
    before = snapshot(call)
    response = client.post(
        f"/calls/{call.pk}/interest/",
        {"organisation": partner_org.pk, "message": "Me!"},
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"/calls/{call.pk}/choose/", {"organisations": [partner_org.pk]}
        ).status_code
        == 403
    )
    assert client.post(f"/calls/{call.pk}/close/").status_code == 403
    assert snapshot(call) == before and Interest.objects.count() == 1
    assert not Partnership.objects.exists()
    # Other organisations do not read each other's messages.
    assert "Yes." not in client.get(f"/calls/{call.pk}/").content.decode()


def test_the_poster_chooses_partners_on_the_page(
    client, call, owner, partner_admin, partner_org
):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    client.force_login(owner)
    response = client.post(
        f"/calls/{call.pk}/choose/", {"organisations": [partner_org.pk]}, follow=True
    )
    assert "Partners chosen" in response.content.decode()
    call.refresh_from_db()
    assert call.status == "partners_chosen"
    assert Partnership.objects.get().status == "active"


def test_choosing_nobody_says_so(client, call, owner, partner_admin, partner_org):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    client.force_login(owner)
    response = client.post(f"/calls/{call.pk}/choose/", {})
    assert response.status_code == 400
    assert "Choose at least one interested organisation." in response.content.decode()
    call.refresh_from_db()
    assert call.status == "open"


def test_choosing_partners_on_a_closed_call_explains(client, call, owner):
    services.close_call(call, by=owner)
    client.force_login(owner)
    response = client.post(f"/calls/{call.pk}/close/", follow=True)
    assert "This call is closed already." in response.content.decode()


def test_the_calls_page_lists_open_calls_first_in_bounded_queries(
    client, owner, organisation, outsider, django_assert_max_num_queries
):
    def post(i: int, days: int) -> CallForCollaboration:
        return services.post_call(
            organisation,
            by=owner,
            kind="other",
            title=f"Call {i}",
            description="Text.",
            deadline=future(days),
        )

    closed = post(0, 2)
    services.close_call(closed, by=owner)
    post(1, 9)
    client.force_login(outsider)
    with django_assert_max_num_queries(30) as few:
        client.get("/calls/")
    for i in range(2, 10):
        post(i, 20 + i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/calls/").content.decode()
    assert body.index("Call 1<") < body.index("Call 9<") < body.index("Call 0<")


def test_no_calls_yet_says_how_to_start(client, owner, organisation):
    client.force_login(owner)
    assert "Post the first call" in client.get("/calls/").content.decode()


# --- stories ------------------------------------------------------------------------


def test_anyone_reads_published_stories_but_not_drafts(client, published, founder):
    other = services.draft_story_from_referral(
        entrepreneur=founder,
        title="A secret draft",
        body="B",
        credits=[(published.credits.first().organisation, "referred")],
        people=[],
        referral_id=77,
    )
    body = client.get("/stories/").content.decode()
    assert "A bakery that breaks even" in body and "A secret draft" not in body
    assert client.get(f"/stories/{published.pk}/").status_code == 200
    assert client.get(f"/stories/{other.pk}/").status_code == 404


def test_the_entrepreneur_stays_anonymous_unless_they_choose(
    client, published, founder
):
    assert (
        "Femi Founder" not in client.get(f"/stories/{published.pk}/").content.decode()
    )
    services.show_entrepreneur_name(published, by=founder, show=True)
    assert "Femi Founder" in client.get(f"/stories/{published.pk}/").content.decode()


def test_credited_people_are_named_only_to_members(client, published, outsider):
    assert "Pat Partner" not in client.get(f"/stories/{published.pk}/").content.decode()
    client.force_login(outsider)
    assert "Pat Partner" in client.get(f"/stories/{published.pk}/").content.decode()


def test_the_entrepreneur_approves_a_draft_and_shows_their_name(client, draft, founder):
    client.force_login(founder)
    page = client.get(f"/stories/{draft.pk}/").content.decode()
    assert "Approve and publish" in page and "Decline" in page
    response = client.post(
        f"/stories/{draft.pk}/publish/", {"show_entrepreneur_name": "on"}, follow=True
    )
    assert "The story is published." in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_published and draft.show_entrepreneur_name


def test_the_entrepreneur_edits_a_draft(client, draft, founder):
    client.force_login(founder)
    assert client.get(f"/stories/{draft.pk}/edit/").status_code == 200
    response = client.post(
        f"/stories/{draft.pk}/edit/", {"title": "In my words", "body": "My story."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "In my words"


def test_a_bad_edit_keeps_what_was_typed(client, draft, founder):
    client.force_login(founder)
    response = client.post(
        f"/stories/{draft.pk}/edit/",
        {"title": "Kept title", "body": "<script>x</script>"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "not allowed" in body and 'value="Kept title"' in body
    draft.refresh_from_db()
    assert draft.title == "A bakery that breaks even"


def test_outsiders_get_404_on_drafts_and_403_on_published_stories(
    client, draft, founder, outsider
):
    client.force_login(outsider)
    before = snapshot(draft)
    assert client.get(f"/stories/{draft.pk}/").status_code == 404
    assert client.get(f"/stories/{draft.pk}/edit/").status_code == 404
    for action in ("publish", "decline", "withdraw", "celebrate"):
        assert client.post(f"/stories/{draft.pk}/{action}/").status_code == 404
    assert snapshot(draft) == before
    services.publish_story(draft, by=founder)
    before = snapshot(draft)
    assert client.get(f"/stories/{draft.pk}/edit/").status_code == 403
    for action in ("publish", "decline", "withdraw", "name"):
        assert client.post(f"/stories/{draft.pk}/{action}/").status_code == 403
    assert snapshot(draft) == before


def test_publishing_a_declined_story_explains_and_changes_nothing(
    client, draft, founder
):
    services.decline_story(draft, by=founder)
    before = snapshot(draft)
    client.force_login(founder)
    response = client.post(f"/stories/{draft.pk}/publish/", follow=True)
    assert "A declined story cannot be published." in response.content.decode()
    assert snapshot(draft) == before


def test_members_celebrate_with_a_toggle(client, published, outsider):
    client.force_login(outsider)
    response = client.post(
        f"/stories/{published.pk}/celebrate/",
        {"celebrate": "1"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "1 celebration" in body and 'aria-pressed="true"' in body
    client.post(f"/stories/{published.pk}/celebrate/", {"celebrate": "1"})
    assert Celebration.objects.count() == 1
    client.post(f"/stories/{published.pk}/celebrate/", {"celebrate": "0"})
    assert not Celebration.objects.exists()


def test_signed_out_visitors_are_asked_to_log_in_to_celebrate(client, published):
    response = client.post(f"/stories/{published.pk}/celebrate/", {"celebrate": "1"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not Celebration.objects.exists()


STORY_FORM = {
    "title": "Three firms export for the first time",
    "body": "Together we **did it**.",
    "role": "advised on paperwork",
}


def test_a_practitioner_writes_a_story_with_shared_credit(
    client, colleague, organisation, partner_org, partner_admin, founder
):
    client.force_login(colleague)
    assert client.get("/stories/new/").status_code == 200
    response = client.post(
        "/stories/new/",
        {
            **STORY_FORM,
            "organisation": organisation.pk,
            "credit_1_organisation": partner_org.pk,
            "credit_1_role": "ran the trade mission",
            "people": "pat@example.com",
            "entrepreneur": "founder@example.com",
        },
    )
    story = SuccessStory.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/stories/{story.pk}/"
    )
    assert story.entrepreneur == founder and story.status == "draft"
    assert [c.role for c in story.credits.all()] == [
        "advised on paperwork",
        "ran the trade mission",
    ]
    assert list(story.credited_people.all()) == [partner_admin]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"credit_1_organisation": "PARTNER"}, "Say what this organisation did."),
        ({"credit_1_role": "helped"}, "Choose the organisation to credit."),
        ({"people": "nobody@example.com"}, "Nobody with the address"),
        ({"entrepreneur": "ghost@example.com"}, "Nobody with that email address"),
        ({"body": "<iframe></iframe>"}, "not allowed"),
    ],
)
def test_bad_story_input_names_the_problem(
    client, colleague, organisation, partner_org, extra, message
):
    client.force_login(colleague)
    extra = {k: partner_org.pk if v == "PARTNER" else v for k, v in extra.items()}
    response = client.post(
        "/stories/new/", {**STORY_FORM, "organisation": organisation.pk, **extra}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body and 'value="Three firms export for the first time"' in body
    assert not SuccessStory.objects.exists()


def test_people_outside_organisations_cannot_write_stories(
    client, outsider, organisation
):
    client.force_login(outsider)
    assert "Ask to join" in client.get("/stories/new/").content.decode()
    response = client.post(
        "/stories/new/", {**STORY_FORM, "organisation": organisation.pk}
    )
    assert response.status_code == 403
    assert not SuccessStory.objects.exists()


def test_an_admin_publishes_a_story_without_an_entrepreneur(
    client, owner, colleague, organisation
):
    story = services.write_story(
        organisation, by=colleague, title="Team effort", body="B", role="helped"
    )
    client.force_login(colleague)
    assert "Publish" not in client.get(f"/stories/{story.pk}/").content.decode()
    assert client.post(f"/stories/{story.pk}/publish/").status_code == 403
    client.force_login(owner)
    client.post(f"/stories/{story.pk}/publish/")
    story.refresh_from_db()
    assert story.is_published


def make_stories(organisation, owner, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        story = services.write_story(
            organisation,
            by=owner,
            title=f"Story {i}",
            body="B",
            role="helped",
            people=[owner],
        )
        services.publish_story(story, by=owner)


def test_the_stories_page_is_newest_first_in_bounded_queries(
    client, owner, organisation, outsider, django_assert_max_num_queries
):
    make_stories(organisation, owner, 2)
    client.force_login(outsider)
    with django_assert_max_num_queries(30) as few:
        client.get("/stories/")
    make_stories(organisation, owner, 7, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/stories/").content.decode()
    assert body.index("Story 8") < body.index("Story 0")


def test_stories_are_ten_a_page(client, owner, organisation):
    make_stories(organisation, owner, 11)
    first = client.get("/stories/").content.decode()
    assert "Story 10" in first and "Story 0<" not in first
    assert "Story 0<" in client.get("/stories/?page=2").content.decode()


def test_no_stories_yet_explains(client, db):
    assert "No stories yet." in client.get("/stories/").content.decode()


# --- the organisation page and the dashboard ----------------------------------------


def test_the_organisation_page_shows_partners_shared_services_and_successes(
    client, proposal, partner_admin, published, organisation, partner_org, owner, topics
):
    from kindred.directory import services as directory_services

    services.accept_partnership(proposal, by=partner_admin)
    directory_services.create_service(
        organisation,
        by=owner,
        name="Export clinic",
        description="Paperwork help.",
        application_process="Email us.",
        topics=[topics["mentoring"]],
        co_delivered_by=[partner_org],
    )
    page = client.get(f"/organisations/{partner_org.slug}/").content.decode()
    assert "Riverside Growth Hub" in page  # the partner, linked back
    assert "Services we deliver together" in page and "Export clinic" in page
    assert "Successes we contributed to" in page and "A bakery that breaks even" in page
    other = client.get(f"/organisations/{organisation.slug}/").content.decode()
    assert "Harbour Enterprise Agency" in other


def test_the_organisation_page_stays_bounded_in_queries(
    client, owner, organisation, django_assert_max_num_queries
):
    make_stories(organisation, owner, 1)
    with django_assert_max_num_queries(40) as few:
        client.get(f"/organisations/{organisation.slug}/")
    make_stories(organisation, owner, 4, start=1)
    make_partnerships(owner, organisation, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/organisations/{organisation.slug}/")


def test_the_organisation_page_never_ranks_organisations(client, organisation):
    page = client.get(f"/organisations/{organisation.slug}/").content.decode().lower()
    assert "no published stories credit this organisation yet" in page
    for word in ("leaderboard", "top organisation", "rank"):
        assert word not in page


def test_the_dashboard_feed_shows_recent_successes(client, published, outsider):
    client.force_login(outsider)
    page = client.get("/").content.decode()
    assert "Ecosystem feed" in page and "A bakery that breaks even" in page


def test_a_withdrawn_story_leaves_the_feed(client, published, founder, outsider):
    services.withdraw_story(published, by=founder)
    client.force_login(outsider)
    assert "A bakery that breaks even" not in client.get("/").content.decode()
    assert "No success stories yet." in client.get("/").content.decode()


def test_deadlines_in_the_past_close_interest_on_the_page(client, call, partner_admin):
    CallForCollaboration.objects.filter(pk=call.pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(partner_admin)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Deadline passed" in page and 'id="interest-title"' not in page
