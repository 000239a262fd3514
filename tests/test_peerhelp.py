"""Peer help services and selectors: asks, responses, thanks, give/get, invitations.

The fixtures here are shared by the views and API tests (`from .test_peerhelp
import ...`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from kindred.communities.models import Group, Membership
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.models import AuditEntry, Topic
from kindred.notifications.models import Notification, Preference
from kindred.organisations.models import Membership as OrgMembership
from kindred.organisations.models import Organisation
from kindred.peerhelp import permissions, selectors, services
from kindred.peerhelp.errors import StateConflict
from kindred.peerhelp.models import Ask, HelpInvitation, Offer, Response, Thanks

from .conftest import make_person

#: What `from .test_peerhelp import *` shares: the fixtures, not the tests.
__all__ = [
    "ask",
    "asker",
    "export",
    "fallback_ranking",
    "finance",
    "group_ask",
    "helper",
    "offer",
    "org",
    "post",
    "private_group",
    "stranger",
    "use_ranking",
]


@pytest.fixture
def asker(db):
    return make_person("asker@example.com", "Ada Asker")


@pytest.fixture
def helper(db):
    return make_person("helper@example.com", "Hal Helper")


@pytest.fixture
def stranger(db):
    """A signed-in member with no group or organisation in common with the asker."""
    return make_person("stranger@example.com", "Stan Stranger")


@pytest.fixture
def finance(db):
    return Topic.objects.create(name="Cash flow", slug="cash-flow")


@pytest.fixture
def export(db):
    return Topic.objects.create(name="Export", slug="export")


@pytest.fixture
def private_group(asker, helper):
    group = Group.objects.create(
        name="Founders circle",
        slug="founders-circle",
        purpose="Peer support.",
        visibility=Group.Visibility.PRIVATE,
        status=Group.Status.ACTIVE,
    )
    Membership.objects.create(group=group, user=asker)
    Membership.objects.create(group=group, user=helper)
    return group


@pytest.fixture
def org(asker, helper):
    organisation = Organisation.objects.create(
        name="Harbour Hub", slug="harbour-hub", kind="public_agency", summary="Hub."
    )
    OrgMembership.objects.create(organisation=organisation, user=asker)
    OrgMembership.objects.create(
        organisation=organisation, user=helper, role="practitioner"
    )
    return organisation


@pytest.fixture
def offer(helper, finance):
    offer = Offer.objects.create(
        helper=helper, title="I review cash-flow forecasts", monthly_limit=2
    )
    offer.topics.add(finance)
    return offer


@pytest.fixture
def ask(asker, finance):
    ask = Ask.objects.create(
        author=asker, title="How do I forecast cash flow?", details="Seasonal sales."
    )
    ask.topics.add(finance)
    return ask


@pytest.fixture
def group_ask(asker, private_group, finance):
    ask = Ask.objects.create(
        author=asker,
        title="Secret pricing question",
        visibility=Ask.Visibility.GROUP,
        group=private_group,
    )
    ask.topics.add(finance)
    return ask


def use_ranking(monkeypatch, module) -> None:
    """Stand `module` in for kindred.peerhelp.ranking."""
    import sys

    import kindred.peerhelp

    monkeypatch.setitem(sys.modules, "kindred.peerhelp.ranking", module)
    monkeypatch.setattr(kindred.peerhelp, "ranking", module, raising=False)


@pytest.fixture
def fallback_ranking(monkeypatch):
    """The ranking fails: recommendations come from the topic-overlap fallback."""
    import types

    broken = types.ModuleType("kindred.peerhelp.ranking")

    def fail(*args, **kwargs):
        raise RuntimeError("index not built")

    broken.recommend_for_ask = fail  # type: ignore[attr-defined]
    broken.asks_you_could_help_with = fail  # type: ignore[attr-defined]
    use_ranking(monkeypatch, broken)


def post(asker, **fields):
    fields.setdefault("title", "Need help with export paperwork")
    return services.create_ask(by=asker, **fields)


# --- asks ---------------------------------------------------------------------------


def test_an_ask_is_created_and_recommends_helpers_after_commit(
    asker, helper, offer, finance, django_capture_on_commit_callbacks
):
    """Posting an ask stores it, then invites the best helper, who is notified."""
    with django_capture_on_commit_callbacks(execute=True):
        ask = post(asker, details="**Help**", topics=[finance])
    assert ask.status == Ask.Status.OPEN
    invitation = HelpInvitation.objects.get(ask=ask)
    assert invitation.user == helper
    assert invitation.invited
    assert invitation.rank == 1
    assert invitation.reason
    note = Notification.objects.get(recipient=helper, kind="peerhelp.asked_to_help")
    assert ask.title in note.message
    assert AuditEntry.objects.filter(action="peerhelp.ask_created").exists()


def test_a_double_submitted_ask_creates_one(asker):
    token = __import__("uuid").uuid4()
    first = post(asker, client_token=token)
    second = post(asker, client_token=token)
    assert first.pk == second.pk
    assert Ask.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"details": "bad \x00 byte"}, "details"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"kind": "money"}, "kind"),
        ({"visibility": "world"}, "visibility"),
        ({"visibility": "group"}, "group"),
        ({"visibility": "organisations"}, "visibility"),
    ],
)
def test_a_bad_ask_names_the_field_and_writes_nothing(asker, fields, field):
    with pytest.raises(KindredError) as caught:
        post(asker, **fields)
    assert caught.value.field == field
    assert caught.value.message
    assert not Ask.objects.exists()


def test_a_group_ask_needs_membership_of_the_group(stranger, private_group):
    """Nobody can post into a group they are not an active member of."""
    with pytest.raises(KindredError) as caught:
        post(stranger, visibility="group", group=private_group)
    assert caught.value.field == "group"
    assert not Ask.objects.exists()


def test_an_organisations_ask_is_for_the_askers_organisations_at_the_time(
    asker, helper, stranger, org
):
    ask = post(asker, visibility="organisations")
    assert list(ask.organisations.all()) == [org]
    assert permissions.can_see_ask(helper, ask)
    assert not permissions.can_see_ask(stranger, ask)
    OrgMembership.objects.filter(user=helper).delete()
    helper._peerhelp_organisation_ids = None
    assert ask not in selectors.visible_asks(helper)
    assert ask in selectors.visible_asks(asker)


def test_only_the_author_edits_closes_and_reopens(ask, asker, helper, finance):
    with pytest.raises(NotAllowed):
        services.update_ask(ask, by=helper, title="Hijacked")
    with pytest.raises(NotAllowed):
        services.close_ask(ask, by=helper, solved=True)
    ask.refresh_from_db()
    assert ask.title != "Hijacked" and ask.is_open
    services.update_ask(ask, by=asker, title="Forecasting", topics=[finance])
    services.close_ask(ask, by=asker, solved=False)
    ask.refresh_from_db()
    assert ask.status == Ask.Status.UNSOLVED and ask.closed_at
    with pytest.raises(StateConflict):
        services.close_ask(ask, by=asker, solved=True)
    services.reopen_ask(ask, by=asker)
    ask.refresh_from_db()
    assert ask.is_open and ask.closed_at is None and ask.title == "Forecasting"


def test_narrowing_an_ask_to_a_group_drops_recommendations_of_non_members(
    ask, asker, helper, stranger, private_group
):
    HelpInvitation.objects.create(ask=ask, user=helper, rank=1)
    HelpInvitation.objects.create(ask=ask, user=stranger, rank=2)
    services.update_ask(
        ask, by=asker, title=ask.title, visibility="group", group=private_group
    )
    assert list(ask.invitations.values_list("user", flat=True)) == [helper.pk]


# --- visibility ---------------------------------------------------------------------


def test_a_private_group_ask_is_invisible_to_non_members(
    group_ask, ask, asker, helper, stranger
):
    assert set(selectors.visible_asks(stranger)) == {ask}
    assert set(selectors.visible_asks(helper)) == {ask, group_ask}
    with pytest.raises(Http404):
        permissions.get_ask_for_user(stranger, group_ask.pk)
    with pytest.raises(Http404):
        permissions.get_ask_for_user(stranger, 10**30)
    assert not selectors.solved_asks_for_feed(stranger, since=timezone.now()).exists()


def test_a_member_who_leaves_the_group_no_longer_sees_its_asks(
    group_ask, helper, private_group
):
    Membership.objects.filter(user=helper).update(status=Membership.Status.LEFT)
    helper = type(helper).objects.get(pk=helper.pk)
    assert group_ask not in selectors.visible_asks(helper)


def test_hidden_asks_and_responses_show_to_their_author_only(ask, asker, helper):
    response = Response.objects.create(ask=ask, author=helper, body="Try this")
    services.hide_ask(ask, asker)
    assert ask not in selectors.visible_asks(helper)
    assert ask in selectors.visible_asks(asker)
    services.restore_ask(ask, asker)
    services.hide_response(response, asker)
    assert selectors.responses_shown(ask, asker) == []
    assert selectors.responses_shown(ask, helper) == [response]


def test_solved_asks_for_the_feed(ask, asker, helper):
    before = timezone.now() - timedelta(minutes=1)
    services.close_ask(ask, by=asker, solved=True)
    assert list(selectors.solved_asks_for_feed(helper, since=before)) == [ask]
    later = timezone.now() + timedelta(minutes=1)
    assert not selectors.solved_asks_for_feed(helper, since=later).exists()


# --- responses, calls, thanks -------------------------------------------------------


def test_a_reply_tells_the_asker_and_threads_under_a_response(
    ask, asker, helper, stranger
):
    first = services.respond(ask, by=helper, body="Use a 13-week forecast.")
    assert Notification.objects.filter(
        recipient=asker, kind="peerhelp.response"
    ).exists()
    answer = services.respond(ask, by=stranger, body="Agreed.", parent=first)
    assert answer.parent == first
    assert Notification.objects.filter(
        recipient=helper, kind="peerhelp.response"
    ).exists()


def test_a_non_member_cannot_respond_to_a_group_ask(group_ask, stranger):
    with pytest.raises(NotAllowed):
        services.respond(group_ask, by=stranger, body="Let me in")
    assert not Response.objects.exists()


def test_a_closed_ask_takes_no_responses(ask, asker, helper):
    services.close_ask(ask, by=asker, solved=True)
    with pytest.raises(StateConflict):
        services.respond(ask, by=helper, body="Too late")
    assert not Response.objects.exists()


def test_a_reply_to_another_asks_response_is_refused(ask, asker, helper, finance):
    other = Ask.objects.create(author=asker, title="Other")
    elsewhere = Response.objects.create(ask=other, author=helper, body="x")
    with pytest.raises(KindredError) as caught:
        services.respond(ask, by=helper, body="y", parent=elsewhere)
    assert caught.value.field == "parent"
    assert Response.objects.count() == 1


def test_offering_a_call_creates_a_room_for_the_asker_and_helper_only(
    settings, ask, asker, helper, stranger
):
    settings.KINDRED_VIDEO_BASE_URL = "https://meet.example.org/"
    when = timezone.now() + timedelta(days=2)
    call = services.offer_call(ask, by=helper, body="", call_at=when, minutes=45)
    assert call.is_call and call.room_url.startswith("https://meet.example.org/")
    assert call.call_minutes == 45
    assert permissions.can_see_call_room(asker, call)
    assert permissions.can_see_call_room(helper, call)
    assert not permissions.can_see_call_room(stranger, call)


def test_a_call_in_the_past_is_refused(ask, helper):
    with pytest.raises(KindredError) as caught:
        services.offer_call(
            ask, by=helper, body="", call_at=timezone.now() - timedelta(hours=1)
        )
    assert caught.value.field == "call_at"
    assert not Response.objects.exists()


def test_the_asker_marks_help_and_thanks_the_helper(ask, asker, helper):
    response = services.respond(ask, by=helper, body="Here is how.")
    services.mark_helpful(response, by=asker, note="Thank you!", public=True)
    response.refresh_from_db()
    assert response.helped and response.helped_at
    thanks = Thanks.objects.get()
    assert (thanks.sender, thanks.recipient, thanks.is_public) == (asker, helper, True)
    assert Notification.objects.filter(recipient=helper, kind="peerhelp.thanked")
    with pytest.raises(StateConflict):
        services.mark_helpful(response, by=asker, note="Again")
    assert Thanks.objects.count() == 1


def test_marking_helpful_without_a_note_sends_no_thanks(ask, asker, helper):
    response = services.respond(ask, by=helper, body="Here is how.")
    services.mark_helpful(response, by=asker)
    assert not Thanks.objects.exists()
    assert Notification.objects.filter(
        recipient=helper, kind="peerhelp.marked_helpful"
    ).exists()
    services.mark_helpful(response, by=asker, note="Thanks after all")
    assert Thanks.objects.get().is_public is False


def test_only_the_asker_marks_help(ask, helper, stranger):
    response = services.respond(ask, by=helper, body="Here is how.")
    with pytest.raises(NotAllowed):
        services.mark_helpful(response, by=stranger, note="Nice")
    with pytest.raises(NotAllowed):
        services.mark_helpful(response, by=helper)
    response.refresh_from_db()
    assert not response.helped and not Thanks.objects.exists()


def test_a_too_long_thank_you_is_refused_and_nothing_is_marked(ask, asker, helper):
    response = services.respond(ask, by=helper, body="Here is how.")
    with pytest.raises(KindredError) as caught:
        services.mark_helpful(response, by=asker, note="x" * 2001)
    assert caught.value.field == "note"
    response.refresh_from_db()
    assert not response.helped


# --- give and get -------------------------------------------------------------------


def test_give_get_counts_distinct_people(asker, helper, stranger, finance):
    for n in range(2):
        ask = Ask.objects.create(author=asker, title=f"Ask {n}")
        response = services.respond(ask, by=helper, body="Answer")
        services.mark_helpful(response, by=asker)
    other = Ask.objects.create(author=stranger, title="Mine")
    services.mark_helpful(
        services.respond(other, by=helper, body="Answer"), by=stranger
    )
    services.respond(other, by=asker, body="Not marked")
    assert selectors.give_get(helper) == {"helped": 2, "helped_by": 0}
    assert selectors.give_get(asker) == {"helped": 0, "helped_by": 1}
    totals = selectors.ecosystem_totals()
    assert totals["helpful_responses"] == 3
    assert totals["helpers"] == 1
    assert totals["asks"] == 3


# --- offers -------------------------------------------------------------------------


def test_offers_are_made_changed_and_paused_by_their_helper(helper, stranger, finance):
    offer = services.create_offer(
        by=helper, title="Pitch deck reviews", topics=[finance], monthly_limit=3
    )
    with pytest.raises(NotAllowed):
        services.update_offer(offer, by=stranger, title="Mine now")
    services.update_offer(offer, by=helper, title="Deck reviews", monthly_limit=5)
    services.set_offer_active(offer, by=helper, active=False)
    offer.refresh_from_db()
    assert (offer.title, offer.monthly_limit, offer.is_active) == (
        "Deck reviews",
        5,
        False,
    )


@pytest.mark.parametrize("limit", [0, 21, -1])
def test_an_offer_limit_stays_between_1_and_20(helper, limit):
    with pytest.raises(KindredError) as caught:
        services.create_offer(by=helper, title="Help", monthly_limit=limit)
    assert caught.value.field == "monthly_limit"
    assert not Offer.objects.exists()


# --- invitations --------------------------------------------------------------------


def _helper_with_offer(n, topic, *, limit=4):
    person = make_person(f"h{n}@example.com", f"Helper {n}")
    offer = Offer.objects.create(helper=person, title=f"Offer {n}", monthly_limit=limit)
    offer.topics.add(topic)
    return person


def test_invitations_go_to_the_top_three_and_store_every_recommendation(
    fallback_ranking, asker, finance, export
):
    people = [_helper_with_offer(n, finance) for n in range(5)]
    Offer.objects.filter(helper=people[4]).first().topics.add(export)
    ask = post(asker, topics=[finance, export])
    invitations = services.invite_helpers(ask)
    assert len(invitations) == 5
    assert invitations[0].user == people[4]  # two shared topics rank first
    assert [i.rank for i in invitations] == [1, 2, 3, 4, 5]
    assert sum(i.invited for i in invitations) == 3
    assert Notification.objects.filter(kind="peerhelp.asked_to_help").count() == 3
    services.invite_helpers(ask)  # running again invites no one twice
    assert HelpInvitation.objects.filter(ask=ask).count() == 5
    assert Notification.objects.filter(kind="peerhelp.asked_to_help").count() == 3


def test_invitations_respect_the_monthly_limit(asker, helper, offer, finance):
    """`helper` accepts 2 invitations a month: the third ask passes them by."""
    for n in range(3):
        services.invite_helpers(post(asker, title=f"Ask {n}", topics=[finance]))
    invited = HelpInvitation.objects.filter(user=helper, invited=True)
    assert invited.count() == 2
    assert HelpInvitation.objects.filter(user=helper, invited=False).count() == 1
    assert (
        Notification.objects.filter(
            recipient=helper, kind="peerhelp.asked_to_help"
        ).count()
        == 2
    )


def test_invitations_from_last_month_do_not_count(asker, helper, offer, finance):
    old = post(asker, title="Old", topics=[finance])
    HelpInvitation.objects.create(
        ask=old,
        user=helper,
        rank=1,
        invited=True,
        created_at=services.month_start(timezone.now()) - timedelta(days=1),
    )
    HelpInvitation.objects.create(
        ask=post(asker, title="Older", topics=[finance]),
        user=helper,
        rank=1,
        invited=True,
        created_at=services.month_start(timezone.now()) - timedelta(days=2),
    )
    services.invite_helpers(post(asker, title="New", topics=[finance]))
    assert HelpInvitation.objects.get(ask__title="New").invited


def test_without_an_offer_the_default_limit_is_four(fallback_ranking, asker, finance):
    person = make_person("profile@example.com", "Pat Profile")
    person.profile.topics_offered.add(finance)
    for n in range(5):
        services.invite_helpers(post(asker, title=f"Ask {n}", topics=[finance]))
    assert HelpInvitation.objects.filter(user=person, invited=True).count() == 4


def test_people_who_switched_the_kind_off_are_recommended_but_not_invited(
    asker, helper, offer, finance
):
    Preference.objects.create(
        user=helper, kind="peerhelp.asked_to_help", delivery="none"
    )
    services.invite_helpers(post(asker, topics=[finance]))
    invitation = HelpInvitation.objects.get(user=helper)
    assert not invitation.invited
    assert not Notification.objects.filter(recipient=helper).exists()


def test_a_private_group_ask_recommends_only_group_members(
    asker, helper, offer, stranger, finance, private_group
):
    Offer.objects.create(helper=stranger, title="Also cash flow").topics.add(finance)
    ask = post(asker, topics=[finance], visibility="group", group=private_group)
    services.invite_helpers(ask)
    assert list(HelpInvitation.objects.values_list("user", flat=True)) == [helper.pk]
    assert not Notification.objects.filter(recipient=stranger).exists()


def test_a_failing_ranking_falls_back_to_topic_overlap(
    monkeypatch, asker, helper, offer, finance
):
    import types

    broken = types.ModuleType("kindred.peerhelp.ranking")

    def recommend_for_ask(ask, *, limit=10):
        raise RuntimeError("index not built")

    broken.recommend_for_ask = recommend_for_ask  # type: ignore[attr-defined]
    use_ranking(monkeypatch, broken)
    services.invite_helpers(post(asker, topics=[finance]))
    assert HelpInvitation.objects.get().user == helper


def test_the_rankings_recommendations_are_stored_with_their_reasons(
    monkeypatch, asker, helper, stranger, private_group, finance
):
    """Only people who can see the ask are kept, whatever the ranking says."""
    import types
    from dataclasses import dataclass

    @dataclass
    class Recommendation:
        user_id: int
        score: float
        factors: dict
        reason: str

    fake = types.ModuleType("kindred.peerhelp.ranking")
    fake.recommend_for_ask = lambda ask, *, limit=10: [  # type: ignore[attr-defined]
        Recommendation(stranger.pk, 9.0, {"bm25": 2.0}, "Outsider"),
        Recommendation(helper.pk, 3.5, {"bm25": 1.0, "bridging": 0.5}, "Bridges"),
    ]
    use_ranking(monkeypatch, fake)
    ask = post(asker, topics=[finance], visibility="group", group=private_group)
    services.invite_helpers(ask)
    invitation = HelpInvitation.objects.get()
    assert invitation.user == helper
    assert invitation.factors == {"bm25": 1.0, "bridging": 0.5}
    assert invitation.reason == "Bridges" and invitation.score == 3.5


def test_the_demo_has_offers_thanks_a_group_ask_and_the_founders_recommendations(
    db,
):
    from kindred.core import demo

    demo.build(scale=30, seed=3)
    founder = type(Ask.objects.first().author).objects.get(email="founder@example.org")
    assert Offer.objects.filter(helper__email="mentor@example.org").exists()
    assert Thanks.objects.filter(is_public=True).exists()
    assert Thanks.objects.filter(is_public=False).exists()
    assert Ask.objects.filter(status="solved").exists()
    assert Ask.objects.filter(visibility="group", group__visibility="private").exists()
    open_ask = Ask.objects.get(author=founder, status="open")
    assert HelpInvitation.objects.filter(ask=open_ask).exists()
    assert all(
        permissions.can_see_ask(i.user, i.ask)
        for i in HelpInvitation.objects.select_related("ask", "user")
    )
