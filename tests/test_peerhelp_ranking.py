"""Recommended helpers in the database (issue 6): who may be recommended, the
reason, the per-process index and its queries, and asks a member could help with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kindred.accounts.models import Visibility
from kindred.algorithms.helper_ranking import FACTORS
from kindred.communities.models import Group
from kindred.communities.models import Membership as GroupMembership
from kindred.organisations.models import Membership
from kindred.peerhelp import ranking
from kindred.peerhelp.models import Ask, HelpInvitation, Offer, Response
from tests.conftest import make_person


@pytest.fixture(autouse=True)
def fresh_index():
    ranking.reset_index()
    yield
    ranking.reset_index()


def person(email, name, *, headline="", bio="", offered=()):
    user = make_person(email, name)
    profile = user.profile
    profile.headline, profile.bio = headline, bio
    profile.save()
    profile.topics_offered.set(offered)
    return user


def offer(helper, title, topics, *, details="", limit=4, active=True):
    made = Offer.objects.create(
        helper=helper,
        title=title,
        details=details,
        monthly_limit=limit,
        is_active=active,
    )
    made.topics.set(topics)
    return made


def ask(author, title, topics=(), *, details="", **fields):
    made = Ask.objects.create(author=author, title=title, details=details, **fields)
    made.topics.set(topics)
    return made


def helped(
    helper, topics, *, times=1, visibility=Ask.Visibility.ECOSYSTEM, **ask_fields
):
    """`helper` gave a helpful answer to `times` different askers."""
    for i in range(times):
        asker = make_person(f"asker{helper.pk}-{i}-{visibility}@example.com", "Asker")
        past = ask(
            asker,
            "Past question",
            topics,
            visibility=visibility,
            status=Ask.Status.SOLVED,
            **ask_fields,
        )
        Response.objects.create(
            ask=past,
            author=helper,
            body="Here is how I forecast cash flow",
            helped=True,
            helped_at=timezone.now(),
        )


@pytest.fixture
def finance(topics):
    return topics["cash-flow-forecasting"], topics["tax-and-vat"], topics["branding"]


@pytest.fixture
def founder(db):
    return person("founder@example.com", "Fay Founder")


def ids(recommendations):
    return [r.user_id for r in recommendations]


def test_offer_holder_is_recommended_with_every_factor_and_a_reason(founder, finance):
    cash, _vat, branding = finance
    helper = person("helper@example.com", "Hal Helper", headline="Finance adviser")
    offer(helper, "Cash-flow forecasting clinic", [cash])
    person("brand@example.com", "Bea Brand", offered=[branding])
    mine = ask(founder, "How do I forecast cash flow?", [cash])

    found = ranking.recommend_for_ask(mine)

    assert ids(found) == [helper.pk]
    assert set(found[0].factors) == set(FACTORS)
    assert found[0].name == "Hal Helper"
    assert found[0].reason.startswith("Offers help with “Cash-flow forecasting clinic”")
    assert "not asked to help recently" in found[0].reason


def test_helpfulness_and_bridging_appear_in_the_reason(founder, finance, organisation):
    cash, _vat, _branding = finance
    Membership.objects.create(organisation=organisation, user=founder)
    helper = person("helper@example.com", "Hal Helper", offered=[cash])
    helped(helper, [cash], times=3)
    colleague_helper = person("col@example.com", "Cole", offered=[cash])
    Membership.objects.create(organisation=organisation, user=colleague_helper)

    found = ranking.recommend_for_ask(ask(founder, "Cash flow", [cash]))

    assert ids(found)[0] == helper.pk
    reason = found[0].reason
    assert "helped 3 people on Cash-flow forecasting" in reason
    assert "outside your organisations" in reason
    colleague_reason = next(r for r in found if r.user_id == colleague_helper.pk)
    assert "outside your organisations" not in colleague_reason.reason
    assert colleague_reason.factors["bridging"] == 0


def test_asker_excluded_and_unlisted_people_are_never_recommended(founder, finance):
    cash, _vat, _branding = finance
    people = [person(f"p{i}@example.com", f"P{i}", offered=[cash]) for i in range(4)]
    founder.profile.topics_offered.set([cash])
    mine = ask(founder, "Cash flow", [cash])
    assert ranking.recommend_for_ask(mine) and ranking._state is not None

    # Suspended and deactivated after the index was built: still never shown.
    people[1].suspended_at = timezone.now()
    people[1].save()
    people[2].is_active = False
    people[2].save()
    found = ranking.recommend_for_ask(mine, exclude=[people[3].pk])
    assert ids(found) == [people[0].pk]


def test_private_profile_fields_do_not_feed_the_ranking(founder, finance):
    hidden = person("hidden@example.com", "Hidden", bio="I forecast cash flow daily")
    hidden.profile.bio_visibility = Visibility.ONLY_ME
    hidden.profile.save()
    shown = person("shown@example.com", "Shown", bio="I forecast cash flow daily")
    assert ids(ranking.recommend_for_ask(ask(founder, "Forecast cash flow"))) == [
        shown.pk
    ]


def test_helpful_answers_in_private_places_do_not_count(founder, finance):
    cash, _vat, _branding = finance
    private = Group.objects.create(
        name="Quiet circle",
        slug="quiet-circle",
        purpose="x",
        visibility=Group.Visibility.PRIVATE,
        status=Group.Status.ACTIVE,
    )
    helper = person("helper@example.com", "Hal Helper")
    helped(helper, [cash], times=2, visibility=Ask.Visibility.GROUP, group=private)
    assert ranking.recommend_for_ask(ask(founder, "Anything", [cash])) == []


def test_group_ask_recommends_only_active_group_members(founder, finance):
    cash, _vat, _branding = finance
    group = Group.objects.create(
        name="Finance circle",
        slug="finance-circle",
        purpose="x",
        visibility=Group.Visibility.PRIVATE,
        status=Group.Status.ACTIVE,
    )
    member = person("member@example.com", "Member", offered=[cash])
    left = person("left@example.com", "Left", offered=[cash])
    person("outsider2@example.com", "Outside", offered=[cash])
    GroupMembership.objects.create(group=group, user=founder)
    GroupMembership.objects.create(group=group, user=member)
    GroupMembership.objects.create(
        group=group, user=left, status=GroupMembership.Status.LEFT
    )
    mine = ask(
        founder, "Cash flow", [cash], visibility=Ask.Visibility.GROUP, group=group
    )
    assert ids(ranking.recommend_for_ask(mine)) == [member.pk]


def test_organisations_ask_recommends_only_their_members(
    founder, finance, organisation, colleague
):
    cash, _vat, _branding = finance
    Membership.objects.create(organisation=organisation, user=founder)
    colleague.profile.topics_offered.set([cash])
    person("stranger@example.com", "Stranger", offered=[cash])
    mine = ask(founder, "Cash flow", [cash], visibility=Ask.Visibility.ORGANISATIONS)
    mine.organisations.set([organisation])
    found = ranking.recommend_for_ask(mine)
    assert ids(found) == [colleague.pk]
    assert "outside your organisations" not in found[0].reason


def test_recent_invitations_spread_requests(founder, finance):
    cash, _vat, _branding = finance
    busy = person("busy@example.com", "Busy", offered=[cash])
    free = person("free@example.com", "Free", offered=[cash])
    assert busy.pk < free.pk
    earlier = ask(person("other@example.com", "Other"), "Earlier", [cash])
    HelpInvitation.objects.create(ask=earlier, user=busy, rank=1, invited=True)
    old = ask(person("older@example.com", "Older"), "Older", [cash])
    HelpInvitation.objects.create(
        ask=old,
        user=free,
        rank=1,
        invited=True,
        created_at=timezone.now() - timedelta(days=40),
    )
    found = ranking.recommend_for_ask(ask(founder, "Cash flow", [cash]))
    assert ids(found) == [free.pk, busy.pk]
    assert found[1].factors["availability"] < 0


def test_at_the_monthly_limit_the_reason_says_so(founder, finance):
    cash, _vat, _branding = finance
    helper = person("helper@example.com", "Hal", offered=[cash])
    offer(helper, "Cash flow", [cash], limit=1)
    earlier = ask(person("other@example.com", "Other"), "Earlier", [cash])
    HelpInvitation.objects.create(ask=earlier, user=helper, rank=1, invited=True)
    found = ranking.recommend_for_ask(ask(founder, "Cash flow", [cash]))
    assert "already asked often this month" in found[0].reason


def test_supplier_asks_include_member_businesses(founder, finance):
    from kindred.projects.models import Business

    cash, _vat, _branding = finance
    owner = person("maker@example.com", "Maker")
    shop = Business.objects.create(
        owner=owner,
        name="Boxwell Packaging",
        slug="boxwell",
        summary="Recycled cardboard packaging and boxes for food businesses",
    )
    wanted = "Supplier of recycled packaging boxes"
    supplier = ranking.recommend_for_ask(ask(founder, wanted, kind=Ask.Kind.SUPPLIER))
    assert [(r.user_id, r.business_id) for r in supplier] == [(owner.pk, shop.pk)]
    assert supplier[0].business_name == "Boxwell Packaging"
    assert "Boxwell Packaging" in supplier[0].reason
    assert ranking.recommend_for_ask(ask(founder, wanted)) == []


def test_index_is_built_once_and_requests_stay_small(
    founder, finance, django_assert_max_num_queries, monkeypatch
):
    cash, _vat, _branding = finance
    for i in range(30):
        helper = person(f"h{i}@example.com", f"H{i}", offered=[cash])
        if i % 3 == 0:
            offer(helper, "Cash-flow help", [cash])
    mine = ask(founder, "Cash flow forecasting", [cash])
    ranking.recommend_for_ask(mine)  # builds the index
    builds = []
    original = ranking.build_index
    monkeypatch.setattr(
        ranking, "build_index", lambda stamp=(): builds.append(1) or original(stamp)
    )
    # the ask's topics, recent invitations, names (the stamp is in the cache)
    with django_assert_max_num_queries(3):
        found = ranking.recommend_for_ask(mine)
    assert len(found) == 10 and builds == []


def test_index_is_rebuilt_when_its_sources_change(founder, finance):
    cash, vat, _branding = finance
    person("first@example.com", "First", offered=[cash])
    mine = ask(founder, "Tax", [vat])
    assert ranking.recommend_for_ask(mine) == []
    newcomer = person("new@example.com", "New")
    offer(newcomer, "VAT returns", [vat])
    # Within the stamp's minute the old index may answer; once it lapses the new
    # offer is found.
    from django.core.cache import cache

    cache.delete(ranking.STAMP_CACHE_KEY)
    assert ids(ranking.recommend_for_ask(mine)) == [newcomer.pk]


def test_asks_you_could_help_with(founder, finance, outsider):
    cash, vat, branding = finance
    helper = person("helper@example.com", "Hal", headline="Cash-flow adviser")
    offer(helper, "Cash-flow forecasting", [cash])
    best = ask(founder, "Forecasting cash flow for a cafe", [cash])
    related = ask(founder, "VAT registration", [vat])
    ask(founder, "A new logo", [branding])
    ask(founder, "Closed cash flow question", [cash], status=Ask.Status.SOLVED)
    ask(helper, "My own cash flow question", [cash])
    answered = ask(outsider, "Cash flow again", [cash])
    Response.objects.create(ask=answered, author=helper, body="Try this")
    private = Group.objects.create(
        name="Closed",
        slug="closed",
        purpose="x",
        visibility=Group.Visibility.PRIVATE,
        status=Group.Status.ACTIVE,
    )
    ask(
        outsider,
        "Private cash flow",
        [cash],
        visibility=Ask.Visibility.GROUP,
        group=private,
    )
    helped(helper, [vat])

    found = ranking.asks_you_could_help_with(helper)

    assert found == [best, related]


def test_no_asks_for_a_suspended_member(founder, finance):
    cash, _vat, _branding = finance
    helper = person("helper@example.com", "Hal", offered=[cash])
    ask(founder, "Cash flow", [cash])
    assert ranking.asks_you_could_help_with(helper)
    helper.suspended_at = timezone.now()
    helper.save()
    assert ranking.asks_you_could_help_with(helper) == []


def test_asks_you_could_help_with_has_bounded_queries(
    founder, finance, django_assert_max_num_queries
):
    cash, _vat, _branding = finance
    helper = person("helper@example.com", "Hal", offered=[cash])
    for i in range(15):
        ask(founder, f"Cash flow question {i}", [cash])
    with django_assert_max_num_queries(16):
        found = ranking.asks_you_could_help_with(helper, limit=10)
    assert len(found) == 10
    assert all(a.topics.all()[0] == cash for a in found)  # prefetched


@pytest.mark.django_db
def test_a_changed_source_is_rebuilt_in_the_background_while_the_old_index_serves(
    settings, monkeypatch
):
    """With background rebuilding on, a request never waits for a rebuild: it gets
    the previous index, and one rebuild thread replaces it."""
    import threading

    from kindred.peerhelp import ranking

    ranking.reset_index()
    first = ranking.current_index()
    settings.KINDRED_HELPER_INDEX_BACKGROUND = True
    started = []
    monkeypatch.setattr(
        threading.Thread, "start", lambda self: started.append(self.name)
    )
    changed = (*first.stamp, "changed")
    monkeypatch.setattr(ranking, "version_stamp", lambda: changed)
    assert ranking.current_index() is first
    assert ranking.current_index() is first
    assert started == ["kindred-helper-index"]  # one rebuild, not one per request
    ranking._rebuilding = False
    ranking.reset_index()
