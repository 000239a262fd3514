"""Partnerships, calls for collaboration and success stories: services and selectors.

Every transition is tested once per (state, action) pair; a refused one changes
nothing. The fixtures here are shared with the page and API tests.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from kindred.collaboration import selectors, services
from kindred.collaboration.models import (
    CallForCollaboration,
    Celebration,
    Interest,
    Partnership,
    StoryCredit,
    SuccessStory,
)
from kindred.core import markdown
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.models import AuditEntry
from kindred.notifications.models import Notification
from kindred.organisations.models import Membership, Organisation, Role
from kindred.webhooks.models import Delivery, Endpoint

from .conftest import make_person

# The page and API tests star-import these fixtures (and only these).
__all__ = [
    "call",
    "draft",
    "founder",
    "partner_admin",
    "partner_org",
    "proposal",
    "published",
    "third_admin",
    "third_org",
]

# --- shared fixtures ----------------------------------------------------------------


@pytest.fixture
def partner_admin(db):
    return make_person("pat@example.com", "Pat Partner", mfa=True)


@pytest.fixture
def partner_org(partner_admin):
    """A second organisation; `partner_admin` runs it."""
    org = Organisation.objects.create(
        name="Harbour Enterprise Agency", slug="harbour-enterprise", kind="charity"
    )
    Membership.objects.create(organisation=org, user=partner_admin, role=Role.ADMIN)
    return org


@pytest.fixture
def third_admin(db):
    return make_person("tess@example.com", "Tess Third", mfa=True)


@pytest.fixture
def third_org(third_admin):
    org = Organisation.objects.create(
        name="Summit Finance Fund", slug="summit-finance", kind="funder"
    )
    Membership.objects.create(organisation=org, user=third_admin, role=Role.ADMIN)
    return org


@pytest.fixture
def founder(db):
    """An entrepreneur with no role in any organisation."""
    return make_person("founder@example.com", "Femi Founder")


@pytest.fixture
def proposal(organisation, owner, partner_org):
    return services.propose_partnership(
        organisation,
        by=owner,
        partner=partner_org,
        description="Run a joint finance clinic every month.",
    )


def future(days: int = 14):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def call(organisation, owner):
    return services.post_call(
        organisation,
        by=owner,
        kind=CallForCollaboration.Kind.JOINT_BID,
        title="Bid together for the regional growth fund",
        description="We need **two partners** for the bid.",
        deadline=future(),
    )


@pytest.fixture
def draft(founder, organisation, partner_org, partner_admin, colleague):
    """A story drafted from referral 41, crediting both organisations."""
    return services.draft_story_from_referral(
        entrepreneur=founder,
        title="A bakery that breaks even",
        body="Femi was *referred* and now **thrives**.",
        credits=[(organisation, "referred"), (partner_org, "delivered the service")],
        people=[colleague, partner_admin],
        referral_id=41,
    )


@pytest.fixture
def published(draft, founder):
    return services.publish_story(draft, by=founder, show_entrepreneur_name=False)


def set_status(obj, status) -> None:
    type(obj).objects.filter(pk=obj.pk).update(status=status)
    obj.refresh_from_db()


def snapshot(obj) -> dict:
    return type(obj).objects.filter(pk=obj.pk).values().get()


# --- partnerships -------------------------------------------------------------------


def test_an_admin_proposes_and_the_partner_admins_are_told(
    proposal, owner, partner_admin, partner_org
):
    assert proposal.status == Partnership.Status.PROPOSED
    assert proposal.proposed_by == owner
    assert AuditEntry.objects.filter(
        action="partnership.proposed", object_id=str(proposal.pk)
    ).exists()
    told = Notification.objects.get(kind="collaboration.partnership_proposed")
    assert told.recipient == partner_admin and told.actor == owner
    assert "Riverside Growth Hub" in told.message


def test_a_practitioner_cannot_propose(organisation, colleague, partner_org):
    with pytest.raises(NotAllowed):
        services.propose_partnership(
            organisation, by=colleague, partner=partner_org, description="Joint work."
        )
    assert not Partnership.objects.exists()


def test_an_organisation_cannot_partner_with_itself(organisation, owner):
    with pytest.raises(KindredError) as raised:
        services.propose_partnership(
            organisation, by=owner, partner=organisation, description="Alone."
        )
    assert raised.value.field == "partner"
    assert not Partnership.objects.exists()


def test_a_proposal_needs_a_description(organisation, owner, partner_org):
    with pytest.raises(KindredError) as raised:
        services.propose_partnership(
            organisation, by=owner, partner=partner_org, description="   "
        )
    assert raised.value.field == "description"


@pytest.mark.parametrize("status", ["proposed", "active"])
def test_one_open_partnership_per_pair_in_either_direction(
    proposal, organisation, partner_org, partner_admin, status
):
    set_status(proposal, status)
    with pytest.raises(services.StateConflict) as raised:
        services.propose_partnership(
            partner_org, by=partner_admin, partner=organisation, description="Again."
        )
    assert raised.value.status_code == 409
    assert Partnership.objects.count() == 1


@pytest.mark.parametrize("status", ["declined", "ended"])
def test_a_pair_may_try_again_after_a_decline_or_an_end(
    proposal, organisation, partner_org, partner_admin, status
):
    set_status(proposal, status)
    again = services.propose_partnership(
        partner_org, by=partner_admin, partner=organisation, description="Again."
    )
    assert again.status == Partnership.Status.PROPOSED


def test_the_database_refuses_a_second_open_partnership(proposal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(
            proposer=proposal.partner, partner=proposal.proposer, description="x"
        )


def test_accepting_makes_partners_and_tells_the_proposer(
    proposal, owner, partner_admin
):
    services.accept_partnership(proposal, by=partner_admin)
    proposal.refresh_from_db()
    assert proposal.status == Partnership.Status.ACTIVE
    assert proposal.answered_by == partner_admin and proposal.answered_at
    told = Notification.objects.get(kind="collaboration.partnership_answered")
    assert told.recipient == owner and "accepted" in told.message
    assert AuditEntry.objects.filter(action="partnership.accepted").exists()


def test_the_proposer_cannot_accept_its_own_proposal(proposal, owner):
    before = snapshot(proposal)
    with pytest.raises(NotAllowed):
        services.accept_partnership(proposal, by=owner)
    assert snapshot(proposal) == before


# (state, action, who, outcome): outcome is the new state, or "409".
PARTNERSHIP_TRANSITIONS = [
    ("proposed", "accept", "partner", "active"),
    ("proposed", "decline", "partner", "declined"),
    ("proposed", "end", "proposer", "ended"),
    ("proposed", "end", "partner", "409"),
    ("active", "accept", "partner", "409"),
    ("active", "decline", "partner", "409"),
    ("active", "end", "proposer", "ended"),
    ("active", "end", "partner", "ended"),
    ("declined", "accept", "partner", "409"),
    ("declined", "decline", "partner", "409"),
    ("declined", "end", "proposer", "409"),
    ("declined", "end", "partner", "409"),
    ("ended", "accept", "partner", "409"),
    ("ended", "decline", "partner", "409"),
    ("ended", "end", "proposer", "409"),
    ("ended", "end", "partner", "409"),
]
PARTNERSHIP_ACTIONS = {
    "accept": services.accept_partnership,
    "decline": services.decline_partnership,
    "end": services.end_partnership,
}


@pytest.mark.parametrize(("state", "action", "who", "outcome"), PARTNERSHIP_TRANSITIONS)
def test_partnership_transitions(
    proposal, owner, partner_admin, state, action, who, outcome
):
    set_status(proposal, state)
    by = owner if who == "proposer" else partner_admin
    before = snapshot(proposal)
    if outcome == "409":
        with pytest.raises(services.StateConflict):
            PARTNERSHIP_ACTIONS[action](proposal, by=by)
        assert snapshot(proposal) == before
    else:
        PARTNERSHIP_ACTIONS[action](proposal, by=by)
        proposal.refresh_from_db()
        assert proposal.status == outcome


def test_ending_tells_the_other_side(proposal, owner, partner_admin):
    services.accept_partnership(proposal, by=partner_admin)
    services.end_partnership(proposal, by=partner_admin)
    told = Notification.objects.get(kind="collaboration.partnership_ended")
    assert told.recipient == owner
    assert AuditEntry.objects.filter(action="partnership.ended").exists()


def test_an_outsider_cannot_end_a_partnership(proposal, partner_admin, outsider):
    services.accept_partnership(proposal, by=partner_admin)
    before = snapshot(proposal)
    with pytest.raises(NotAllowed):
        services.end_partnership(proposal, by=outsider)
    assert snapshot(proposal) == before


def test_an_admin_without_a_second_factor_cannot_accept(proposal, partner_org):
    lax = make_person("lax@example.com", "Lax Admin")
    Membership.objects.create(organisation=partner_org, user=lax, role=Role.ADMIN)
    with pytest.raises(NotAllowed):
        services.accept_partnership(proposal, by=lax)
    proposal.refresh_from_db()
    assert proposal.status == Partnership.Status.PROPOSED


def test_proposals_are_seen_only_by_either_sides_admins(
    proposal, owner, partner_admin, colleague, outsider
):
    assert selectors.visible_partnership(owner, proposal.pk) is not None
    assert selectors.visible_partnership(partner_admin, proposal.pk) is not None
    assert selectors.visible_partnership(colleague, proposal.pk) is None
    assert selectors.visible_partnership(outsider, proposal.pk) is None
    services.accept_partnership(proposal, by=partner_admin)
    assert selectors.visible_partnership(outsider, proposal.pk) is not None
    assert selectors.visible_partnership(AnonymousUser(), proposal.pk) is None


def test_partner_pages_link_both_ways(
    proposal, organisation, partner_org, partner_admin
):
    assert selectors.partners_of(organisation) == []
    services.accept_partnership(proposal, by=partner_admin)
    assert [other for _p, other in selectors.partners_of(organisation)] == [partner_org]
    assert [other for _p, other in selectors.partners_of(partner_org)] == [organisation]


def test_partnerships_for_lists_proposals_only_to_admins(
    proposal, owner, colleague, partner_admin, outsider
):
    assert list(selectors.partnerships_for(owner)) == [proposal]
    assert list(selectors.partnerships_for(colleague)) == []
    services.accept_partnership(proposal, by=partner_admin)
    assert list(selectors.partnerships_for(colleague)) == [proposal]
    assert list(selectors.partnerships_for(outsider)) == []


# --- calls for collaboration ----------------------------------------------------------


def test_an_admin_posts_a_call(call, owner):
    assert call.status == CallForCollaboration.Status.OPEN and call.accepts_interest
    assert AuditEntry.objects.filter(
        action="call.posted", object_id=str(call.pk)
    ).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"deadline": timezone.localdate}, "deadline"),
        ({"deadline": lambda: timezone.localdate() - timedelta(days=1)}, "deadline"),
        ({"title": "  "}, "title"),
        ({"description": "<script>alert(1)</script>"}, "description"),
        ({"description": '<a href="javascript:alert(1)">x</a>'}, "description"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_calls_name_the_field_and_write_nothing(organisation, owner, fields, field):
    data = {
        "kind": "joint_bid",
        "title": "A joint bid",
        "description": "Plain words.",
        "deadline": future(),
    }
    data.update({k: v() if callable(v) else v for k, v in fields.items()})
    with pytest.raises(KindredError) as raised:
        services.post_call(organisation, by=owner, **data)
    assert raised.value.field == field
    assert not CallForCollaboration.objects.exists()


def test_a_practitioner_cannot_post_a_call(organisation, colleague):
    with pytest.raises(NotAllowed):
        services.post_call(
            organisation,
            by=colleague,
            kind="other",
            title="Mine",
            description="Text.",
            deadline=future(),
        )


def test_the_same_open_call_is_not_posted_twice(call, organisation, owner):
    with pytest.raises(KindredError) as raised:
        services.post_call(
            organisation,
            by=owner,
            kind="joint_bid",
            title=call.title.upper(),
            description="Again.",
            deadline=future(),
        )
    assert raised.value.field == "title"
    assert CallForCollaboration.objects.count() == 1


def test_a_practitioner_of_another_organisation_expresses_interest(
    call, partner_org, owner
):
    practitioner = make_person("prac@example.com", "Prue Practitioner")
    Membership.objects.create(
        organisation=partner_org, user=practitioner, role=Role.PRACTITIONER
    )
    interest = services.express_interest(
        call, by=practitioner, organisation=partner_org, message="We can help."
    )
    assert interest.organisation == partner_org and not interest.chosen
    told = Notification.objects.get(kind="collaboration.call_interest")
    assert told.recipient == owner and "Harbour" in told.message


def test_a_plain_member_cannot_express_interest(call, partner_org):
    member = make_person("member@example.com", "Mo Member")
    Membership.objects.create(organisation=partner_org, user=member, role=Role.MEMBER)
    with pytest.raises(NotAllowed):
        services.express_interest(
            call, by=member, organisation=partner_org, message="Me too."
        )
    assert not Interest.objects.exists()


def test_interest_on_behalf_of_someone_elses_organisation_is_refused(
    call, partner_org, outsider
):
    with pytest.raises(NotAllowed):
        services.express_interest(
            call, by=outsider, organisation=partner_org, message="Hi."
        )


def test_the_poster_cannot_express_interest_in_its_own_call(call, organisation, owner):
    with pytest.raises(KindredError) as raised:
        services.express_interest(
            call, by=owner, organisation=organisation, message="Us."
        )
    assert raised.value.field == "organisation"
    assert not Interest.objects.exists()


def test_interest_is_expressed_once_per_organisation(call, partner_org, partner_admin):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    with pytest.raises(services.StateConflict):
        services.express_interest(
            call, by=partner_admin, organisation=partner_org, message="Yes again."
        )
    assert Interest.objects.count() == 1


def expire(call) -> None:
    CallForCollaboration.objects.filter(pk=call.pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    call.refresh_from_db()


@pytest.fixture
def interested(call, partner_org, partner_admin, third_org, third_admin):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Count us in."
    )
    services.express_interest(
        call, by=third_admin, organisation=third_org, message="We fund it."
    )
    return call


# (state, action, outcome); "past" is open with the deadline gone.
CALL_TRANSITIONS = [
    ("open", "interest", "ok"),
    ("open", "choose", "partners_chosen"),
    ("open", "close", "closed"),
    ("past", "interest", "409"),
    ("past", "choose", "partners_chosen"),
    ("past", "close", "closed"),
    ("partners_chosen", "interest", "409"),
    ("partners_chosen", "choose", "409"),
    ("partners_chosen", "close", "409"),
    ("closed", "interest", "409"),
    ("closed", "choose", "409"),
    ("closed", "close", "409"),
]


@pytest.mark.parametrize(("state", "action", "outcome"), CALL_TRANSITIONS)
def test_call_transitions(
    call, owner, partner_org, partner_admin, state, action, outcome
):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    late = Organisation.objects.create(name="Late Co", slug="late-co", kind="business")
    Membership.objects.create(organisation=late, user=partner_admin, role=Role.ADMIN)
    if state == "past":
        expire(call)
    elif state != "open":
        set_status(call, state)
    before = snapshot(call)
    interests_before = Interest.objects.count()
    partnerships_before = Partnership.objects.count()

    def act():
        if action == "interest":
            services.express_interest(
                call, by=partner_admin, organisation=late, message="Late."
            )
        elif action == "choose":
            services.choose_partners(call, by=owner, organisations=[partner_org])
        else:
            services.close_call(call, by=owner)

    if outcome == "409":
        with pytest.raises(services.StateConflict):
            act()
        assert snapshot(call) == before
        assert Interest.objects.count() == interests_before
        assert Partnership.objects.count() == partnerships_before
    else:
        act()
        call.refresh_from_db()
        if outcome == "ok":
            assert Interest.objects.filter(organisation=late).exists()
        else:
            assert call.status == outcome and call.closed_by == owner


def test_choosing_partners_makes_active_partnerships_and_tells_everyone(
    interested, owner, organisation, partner_org, partner_admin, third_admin
):
    made = services.choose_partners(interested, by=owner, organisations=[partner_org])
    assert [(p.proposer, p.partner, p.status) for p in made] == [
        (organisation, partner_org, Partnership.Status.ACTIVE)
    ]
    assert made[0].call == interested
    assert Interest.objects.get(organisation=partner_org).chosen
    assert not Interest.objects.get(organisation__slug="summit-finance").chosen
    decided = Notification.objects.filter(kind="collaboration.call_decided")
    assert {n.recipient for n in decided} == {partner_admin, third_admin}
    assert "chose you" in decided.get(recipient=partner_admin).message
    assert "closed" in decided.get(recipient=third_admin).message


def test_only_interested_organisations_can_be_chosen(
    call, owner, partner_org, partner_admin, third_org
):
    services.express_interest(
        call, by=partner_admin, organisation=partner_org, message="Yes."
    )
    with pytest.raises(KindredError) as raised:
        services.choose_partners(call, by=owner, organisations=[third_org])
    assert raised.value.field == "organisations"
    call.refresh_from_db()
    assert call.status == CallForCollaboration.Status.OPEN
    assert not Partnership.objects.exists()


def test_a_practitioner_cannot_choose_partners(interested, colleague, partner_org):
    with pytest.raises(NotAllowed):
        services.choose_partners(interested, by=colleague, organisations=[partner_org])
    assert not Partnership.objects.exists()


def test_choosing_a_partner_with_a_pending_proposal_accepts_it(
    interested, owner, organisation, partner_org, partner_admin
):
    pending = services.propose_partnership(
        partner_org, by=partner_admin, partner=organisation, description="Ours."
    )
    services.choose_partners(interested, by=owner, organisations=[partner_org])
    pending.refresh_from_db()
    assert pending.status == Partnership.Status.ACTIVE and pending.call == interested
    assert Partnership.objects.count() == 1


def test_choosing_an_existing_partner_keeps_one_partnership(
    interested, proposal, owner, partner_org, partner_admin
):
    services.accept_partnership(proposal, by=partner_admin)
    services.choose_partners(interested, by=owner, organisations=[partner_org])
    assert Partnership.objects.filter(status="active").count() == 1


def test_open_calls_come_first_soonest_deadline_first(organisation, owner, outsider):
    def post(title, days):
        return services.post_call(
            organisation,
            by=owner,
            kind="other",
            title=title,
            description="Text.",
            deadline=future(days),
        )

    later, sooner, closed, past = (
        post("Later", 30),
        post("Sooner", 3),
        post("Closed", 5),
        post("Past", 6),
    )
    services.close_call(closed, by=owner)
    expire(past)
    assert list(selectors.calls_for(outsider)) == [sooner, later, past, closed]


def test_calls_of_hidden_organisations_are_seen_only_by_their_members(
    call, organisation, colleague, outsider
):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    assert selectors.visible_call(outsider, call.pk) is None
    assert selectors.visible_call(colleague, call.pk) is not None


def test_other_organisations_see_only_their_own_interest(
    interested, owner, partner_admin
):
    assert len(selectors.interests_shown_to(owner, interested)) == 2
    mine = selectors.interests_shown_to(partner_admin, interested)
    assert [i.organisation.slug for i in mine] == ["harbour-enterprise"]


# --- success stories: from a referral ------------------------------------------------


def test_a_story_is_drafted_from_a_referral_and_the_entrepreneur_asked(
    draft, founder, organisation, partner_org, colleague, partner_admin
):
    assert draft.status == SuccessStory.Status.DRAFT
    assert draft.source == SuccessStory.Source.REFERRAL
    assert draft.source_referral_id == 41 and draft.created_by is None
    assert [(c.organisation, c.role) for c in draft.credits.all()] == [
        (organisation, "referred"),
        (partner_org, "delivered the service"),
    ]
    assert set(draft.credited_people.all()) == {colleague, partner_admin}
    told = Notification.objects.get(kind="collaboration.story_to_approve")
    assert told.recipient == founder
    assert "approve, edit or decline" in told.message


def test_drafting_from_the_same_referral_twice_returns_the_first(
    draft, founder, organisation
):
    again = services.draft_story_from_referral(
        entrepreneur=founder,
        title="Another title",
        body="Other words.",
        credits=[(organisation, "referred")],
        people=[],
        referral_id=41,
    )
    assert again.pk == draft.pk and again.title == "A bakery that breaks even"
    assert SuccessStory.objects.count() == 1
    assert (
        Notification.objects.filter(kind="collaboration.story_to_approve").count() == 1
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": " "}, "body"),
        ({"credits": []}, "credits"),
    ],
)
def test_a_bad_draft_from_a_referral_is_refused(founder, organisation, change, field):
    data = {
        "entrepreneur": founder,
        "title": "T",
        "body": "B",
        "credits": [(organisation, "referred")],
        "people": [],
        "referral_id": 7,
    }
    data.update(change)
    with pytest.raises(KindredError) as raised:
        services.draft_story_from_referral(**data)
    assert raised.value.field == field
    assert not SuccessStory.objects.exists()


def test_a_generated_draft_is_made_to_fit_rather_than_refused(
    founder, organisation, partner_org, colleague, outsider
):
    """Confirming a referral's outcome must not fail on the story's wording."""
    Organisation.objects.filter(pk=partner_org.pk).update(is_active=False)
    partner_org.refresh_from_db()
    outsider.is_active = False
    outsider.save()
    story = services.draft_story_from_referral(
        entrepreneur=founder,
        title="Growth " * 40,
        body="Helped by <b>Acme</b> & <script>x</script>",
        credits=[(organisation, "r" * 200), (partner_org, "delivered")],
        people=[colleague, outsider],
        referral_id=5,
    )
    assert len(story.title) == 160 and story.title.endswith("…")
    assert "&lt;script>" in story.body
    assert "<script" not in str(markdown.render(story.body))
    assert [c.organisation for c in story.credits.all()] == [organisation]
    assert len(story.credits.get().role) == 120
    assert list(story.credited_people.all()) == [colleague]


def test_the_entrepreneur_approves_and_every_credited_organisation_hears(
    draft, founder, owner, partner_admin, organisation, partner_org
):
    hook = Endpoint.objects.create(
        organisation=partner_org,
        url="https://example.org/hook",
        event_types=["story.published"],
    )
    services.publish_story(draft, by=founder, show_entrepreneur_name=True)
    draft.refresh_from_db()
    assert draft.status == SuccessStory.Status.PUBLISHED and draft.published_at
    assert draft.show_entrepreneur_name
    told = Notification.objects.filter(kind="collaboration.story_published")
    assert {n.recipient for n in told} == {owner, partner_admin}
    delivery = Delivery.objects.get(endpoint=hook)
    assert delivery.event_type == "story.published"
    story = delivery.payload["data"]["story"]
    assert story["id"] == draft.pk
    assert [c["role"] for c in story["credits"]] == [
        "referred",
        "delivered the service",
    ]
    assert AuditEntry.objects.filter(action="story.published").exists()


def test_only_the_entrepreneur_approves_a_story_about_them(draft, owner, colleague):
    for person in (owner, colleague):
        with pytest.raises(NotAllowed):
            services.publish_story(draft, by=person)
        with pytest.raises(NotAllowed):
            services.decline_story(draft, by=person)
    draft.refresh_from_db()
    assert draft.status == SuccessStory.Status.DRAFT


def test_the_entrepreneur_edits_then_publishes(draft, founder):
    services.edit_story(draft, by=founder, title="My bakery", body="In my words.")
    services.publish_story(draft, by=founder)
    draft.refresh_from_db()
    assert (draft.title, draft.body, draft.status) == (
        "My bakery",
        "In my words.",
        "published",
    )
    assert not draft.show_entrepreneur_name


def test_an_edit_with_unsafe_markdown_changes_nothing(draft, founder):
    before = snapshot(draft)
    with pytest.raises(KindredError) as raised:
        services.edit_story(draft, by=founder, title="T", body="<img src=x onerror=y>")
    assert raised.value.field == "body"
    assert snapshot(draft) == before


def test_outsiders_and_practitioners_cannot_edit(draft, outsider, colleague):
    for person in (outsider, colleague):
        with pytest.raises(NotAllowed):
            services.edit_story(draft, by=person, title="Mine", body="Mine.")


def test_credited_admins_are_authors_of_a_story_from_a_referral(draft, owner):
    services.edit_story(draft, by=owner, title="Better title", body="Better.")
    draft.refresh_from_db()
    assert draft.title == "Better title"


# (state, action, outcome)
STORY_TRANSITIONS = [
    ("draft", "publish", "published"),
    ("draft", "decline", "declined"),
    ("draft", "edit", "draft"),
    ("draft", "withdraw", "409"),
    ("draft", "celebrate", "409"),
    ("published", "publish", "409"),
    ("published", "decline", "409"),
    ("published", "edit", "409"),
    ("published", "withdraw", "withdrawn"),
    ("published", "celebrate", "published"),
    ("declined", "publish", "409"),
    ("declined", "decline", "409"),
    ("declined", "edit", "409"),
    ("declined", "withdraw", "409"),
    ("declined", "celebrate", "409"),
    ("withdrawn", "publish", "published"),
    ("withdrawn", "decline", "409"),
    ("withdrawn", "edit", "withdrawn"),
    ("withdrawn", "withdraw", "409"),
    ("withdrawn", "celebrate", "409"),
]
STORY_ACTIONS = {
    "publish": lambda story, by: services.publish_story(story, by=by),
    "decline": lambda story, by: services.decline_story(story, by=by),
    "edit": lambda story, by: services.edit_story(story, by=by, title="T", body="B"),
    "withdraw": lambda story, by: services.withdraw_story(story, by=by),
    "celebrate": lambda story, by: services.celebrate_story(story, by=by),
}


@pytest.mark.parametrize(("state", "action", "outcome"), STORY_TRANSITIONS)
def test_story_transitions(draft, founder, state, action, outcome):
    set_status(draft, state)
    before = snapshot(draft)
    if outcome == "409":
        with pytest.raises(services.StateConflict):
            STORY_ACTIONS[action](draft, founder)
        assert snapshot(draft) == before
        assert not Celebration.objects.exists()
    else:
        STORY_ACTIONS[action](draft, founder)
        draft.refresh_from_db()
        assert draft.status == outcome


def test_withdrawing_is_for_the_entrepreneur_authors_and_stewards(
    published, outsider, colleague, owner, steward
):
    for person in (outsider, colleague):
        with pytest.raises(NotAllowed):
            services.withdraw_story(published, by=person)
    published.refresh_from_db()
    assert published.is_published
    services.withdraw_story(published, by=steward)
    published.refresh_from_db()
    assert published.status == SuccessStory.Status.WITHDRAWN


def test_declining_tells_the_author(organisation, colleague, founder):
    story = services.write_story(
        organisation,
        by=colleague,
        title="Founder finds calm",
        body="Story.",
        role="coached",
        entrepreneur=founder,
    )
    services.decline_story(story, by=founder)
    told = Notification.objects.get(kind="collaboration.story_answered")
    assert told.recipient == colleague and "declined" in told.message


# --- success stories: written by hand -------------------------------------------------


def test_a_practitioner_writes_a_story_for_the_admins_to_publish(
    organisation, colleague, owner, partner_org, partner_admin
):
    story = services.write_story(
        organisation,
        by=colleague,
        title="Three firms export for the first time",
        body="Together we **did it**.",
        role="advised on paperwork",
        credits=[(partner_org, "ran the trade mission")],
        people=[partner_admin],
    )
    assert story.status == SuccessStory.Status.DRAFT
    assert story.source == SuccessStory.Source.MANUAL
    assert [c.organisation for c in story.credits.all()] == [organisation, partner_org]
    told = Notification.objects.get(kind="collaboration.story_to_approve")
    assert told.recipient == owner
    with pytest.raises(NotAllowed):
        services.publish_story(story, by=colleague)
    with pytest.raises(NotAllowed):
        services.publish_story(story, by=partner_admin)
    services.publish_story(story, by=owner)
    story.refresh_from_db()
    assert story.is_published
    published = Notification.objects.filter(kind="collaboration.story_published")
    # The author and the partner's admin hear; the publisher does not tell herself.
    assert {n.recipient for n in published} == {colleague, partner_admin}


def test_a_story_naming_an_entrepreneur_waits_for_them(organisation, owner, founder):
    story = services.write_story(
        organisation,
        by=owner,
        title="A café that stayed open",
        body="Story.",
        role="mentored",
        entrepreneur=founder,
    )
    with pytest.raises(NotAllowed):
        services.publish_story(story, by=owner)
    told = Notification.objects.get(kind="collaboration.story_to_approve")
    assert told.recipient == founder


def test_only_the_entrepreneur_chooses_to_show_their_name(
    organisation, owner, published, founder
):
    with pytest.raises(NotAllowed):
        services.show_entrepreneur_name(published, by=owner, show=True)
    services.show_entrepreneur_name(published, by=founder, show=True)
    published.refresh_from_db()
    assert published.show_entrepreneur_name
    nameless = services.write_story(
        organisation, by=owner, title="T", body="B", role="helped"
    )
    with pytest.raises(NotAllowed):
        services.publish_story(nameless, by=owner, show_entrepreneur_name=True)
    nameless.refresh_from_db()
    assert nameless.status == SuccessStory.Status.DRAFT


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_only_admins_and_practitioners_write_stories(organisation, outsider, who):
    person = outsider
    if who == "member":
        Membership.objects.create(
            organisation=organisation, user=outsider, role=Role.MEMBER
        )
    with pytest.raises(NotAllowed):
        services.write_story(organisation, by=person, title="T", body="B", role="x")
    assert not SuccessStory.objects.exists()


@pytest.mark.parametrize("problem", ["twice", "hidden", "no_role"])
def test_bad_credits_are_refused(organisation, owner, partner_org, problem):
    if problem == "twice":
        credits = [(organisation, "again")]
    elif problem == "hidden":
        Organisation.objects.filter(pk=partner_org.pk).update(is_active=False)
        partner_org.refresh_from_db()
        credits = [(partner_org, "helped")]
    else:
        credits = [(partner_org, " ")]
    with pytest.raises(KindredError) as raised:
        services.write_story(
            organisation, by=owner, title="T", body="B", role="x", credits=credits
        )
    assert raised.value.field == "credits"
    assert not SuccessStory.objects.exists() and not StoryCredit.objects.exists()


def test_a_double_submitted_story_is_saved_once(organisation, owner):
    services.write_story(organisation, by=owner, title="Once", body="B", role="x")
    with pytest.raises(KindredError):
        services.write_story(organisation, by=owner, title="once", body="B", role="x")
    assert SuccessStory.objects.count() == 1


# --- visibility, feeds and celebrations ----------------------------------------------


def test_a_draft_is_seen_only_by_those_involved(
    draft, founder, owner, partner_admin, colleague, outsider, steward
):
    assert selectors.visible_story(founder, draft.pk) == draft
    # A draft from a referral names the founder and their outcome: until the
    # founder publishes it, not even the credited organisations' admins see it.
    for person in (owner, partner_admin, colleague, outsider, steward, AnonymousUser()):
        assert selectors.visible_story(person, draft.pk) is None
    assert list(selectors.unpublished_stories_for(founder)) == [draft]
    assert list(selectors.unpublished_stories_for(outsider)) == []


def test_a_hand_written_draft_is_seen_by_its_author(organisation, colleague, outsider):
    story = services.write_story(
        organisation, by=colleague, title="T", body="B", role="x"
    )
    assert selectors.visible_story(colleague, story.pk) == story
    assert selectors.visible_story(outsider, story.pk) is None


def test_a_published_story_is_seen_by_everyone(published, outsider):
    assert selectors.visible_story(AnonymousUser(), published.pk) == published
    assert selectors.visible_story(outsider, published.pk) == published


def test_declined_and_withdrawn_stories_are_hidden_again(published, founder, outsider):
    services.withdraw_story(published, by=founder)
    assert selectors.visible_story(outsider, published.pk) is None
    assert selectors.visible_story(founder, published.pk) is not None


def test_stories_of_an_organisation_are_its_published_credits(
    published, organisation, third_org, founder
):
    other = services.draft_story_from_referral(
        entrepreneur=founder,
        title="Still a draft",
        body="B",
        credits=[(organisation, "referred")],
        people=[],
        referral_id=99,
    )
    assert selectors.stories_of(organisation) == [published]
    assert selectors.stories_of(third_org) == []
    assert other not in selectors.published_stories()


def test_the_feed_is_newest_first(published, organisation, owner):
    newer = services.write_story(organisation, by=owner, title="N", body="B", role="x")
    services.publish_story(newer, by=owner)
    assert [s.pk for s in selectors.recent_stories(5)] == [newer.pk, published.pk]


def test_celebrating_is_once_per_person_and_can_be_taken_back(published, outsider):
    assert services.celebrate_story(published, by=outsider) is True
    assert services.celebrate_story(published, by=outsider) is False
    assert selectors.celebration_count(published) == 1
    assert selectors.celebrated_ids(outsider, [published]) == {published.pk}
    assert services.uncelebrate_story(published, by=outsider) is True
    assert selectors.celebration_count(published) == 0


def test_celebrating_needs_a_login(published):
    with pytest.raises(NotAllowed):
        services.celebrate_story(published, by=AnonymousUser())


def test_services_delivered_together_are_listed_for_the_partner(
    organisation, owner, partner_org, topics
):
    from kindred.directory import services as directory_services

    service = directory_services.create_service(
        organisation,
        by=owner,
        name="Export clinic",
        description="Paperwork help.",
        application_process="Email us.",
        topics=[topics["mentoring"]],
        co_delivered_by=[partner_org],
    )
    assert list(selectors.co_delivered_services(partner_org)) == [service]
    assert list(selectors.co_delivered_services(organisation)) == []
    directory_services.update_service(service, by=owner, status="inactive")
    assert list(selectors.co_delivered_services(partner_org)) == []


def test_demo_data_builds(db):
    import random

    from kindred.collaboration import demo

    orgs = [
        Organisation.objects.create(name=f"Org {i}", slug=f"org-{i}", kind="charity")
        for i in range(6)
    ]
    founder = make_person("founder@example.org", "Jamal Campbell")
    people = {"founder@example.org": founder}
    demo.build(orgs, people, random.Random(1))
    assert Partnership.objects.filter(status="active").count() >= 2
    call = CallForCollaboration.objects.get()
    assert call.accepts_interest and call.interests.count() == 1
    stories = list(selectors.published_stories())
    assert len(stories) == 2
    assert all(2 <= len(s.credits.all()) <= 3 for s in stories)
    assert any(s.entrepreneur == founder for s in stories)
