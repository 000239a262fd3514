"""Hidden profile fields never appear to people not allowed to see them."""

from __future__ import annotations

import pytest

from kindred.accounts import selectors, services
from kindred.accounts.models import Profile, Visibility
from kindred.core.models import Region


@pytest.fixture
def private_owner(owner, organisation, topics):
    region = Region.objects.get(slug="wales")
    services.update_profile(
        owner.profile,
        by=owner,
        headline="Secret headline",
        region=region,
        stage="growing",
        topics_offered=[topics["pricing"]],
        region_visibility=Visibility.ORGANISATIONS,
        topics_offered_visibility=Visibility.ONLY_ME,
        stage_visibility=Visibility.ORGANISATIONS,
        headline_visibility=Visibility.ONLY_ME,
    )
    return owner


def search(viewer, **filters):
    return list(selectors.search_members(viewer, selectors.MemberFilters(**filters)))


def test_outsider_cannot_find_by_hidden_field(private_owner, outsider, topics):
    region = Region.objects.get(slug="wales")
    assert private_owner.profile not in search(outsider, region=region.pk)
    assert private_owner.profile not in search(outsider, stage="growing")
    assert private_owner.profile not in search(
        outsider, topic_offered=topics["pricing"].pk
    )
    assert private_owner.profile not in search(outsider, q="Secret")


def test_colleague_finds_by_organisation_visible_field(
    private_owner, colleague, topics
):
    region = Region.objects.get(slug="wales")
    assert private_owner.profile in search(colleague, region=region.pk)
    assert private_owner.profile in search(colleague, stage="growing")
    # "only me" stays hidden even from colleagues
    assert private_owner.profile not in search(
        colleague, topic_offered=topics["pricing"].pk
    )


def test_owner_always_sees_and_finds_themselves(private_owner, topics):
    assert private_owner.profile in search(
        private_owner, topic_offered=topics["pricing"].pk
    )


def test_visible_profile_blanks_hidden_fields(private_owner, colleague, outsider):
    profile = Profile.objects.get(user=private_owner)
    as_outsider = selectors.visible_profile(profile, outsider)
    as_colleague = selectors.visible_profile(profile, colleague)
    assert as_outsider.region is None and as_outsider.stage == ""
    assert as_outsider.headline == "" and as_outsider.topics_offered == []
    assert as_colleague.region.slug == "wales" and as_colleague.stage == "growing"
    assert as_colleague.headline == ""


def test_suspended_people_are_not_listed(owner, outsider, steward):
    from kindred.accounts.services import suspend_user

    suspend_user(owner, by=steward, reason="spam")
    assert owner.profile not in search(outsider)
