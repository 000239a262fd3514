"""Cross-organisation isolation: two organisations, each with referrals, clients,
a programme and cohort, a private group, webhooks and tokens. As each side's
admin and practitioner, every list page, search, autocomplete, export, count
and API list shows nothing of the other side's private records.

Each private record carries a marker string; a response that contains the other
side's marker is a leak.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.authz_policy import API, MEMBER, PAGES, PUBLIC, Rule
from tests.conftest import make_person
from tests.test_authz_matrix import API_OPERATIONS, PAGE_ROUTES

SIDES = ("A", "B")


def _private_marks(side: str) -> dict[str, str]:
    tag = f"ZQ{side}"
    return {
        "referral_note": f"{tag}-referral-note",
        "wellbeing_note": f"{tag}-wellbeing-note",
        "message": f"{tag}-referral-message",
        "hook_url": f"https://hooks.example.org/{tag.lower()}-hook",
        "hook_description": f"{tag}-hook-description",
        "token_name": f"{tag}-token-name",
        "thread_title": f"{tag}-private-thread",
        "thread_body": f"{tag}-private-body",
        "plan_title": f"{tag}-plan-title",
    }


def _seed_side(side: str, *, cedar_service, topic, steward) -> dict[str, Any]:
    from kindred.accounts.services import create_api_token
    from kindred.communities import services as communities
    from kindred.directory.models import Service, SupportPlan
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.programmes import services as programmes
    from kindred.programmes.services import CohortInput
    from kindred.referrals import services as referrals
    from kindred.referrals.models import Consent
    from kindred.referrals.services import ConsentInput
    from kindred.webhooks.models import Endpoint

    marks = _private_marks(side)
    low = side.lower()
    admin = make_person(f"admin-{low}@iso.example", f"Admin {side}", mfa=True)
    practitioner = make_person(f"prac-{low}@iso.example", f"Practitioner {side}")
    client = make_person(f"client-{low}@iso.example", f"Client{side} Quietname")
    organisation = Organisation.objects.create(
        name=f"Organisation {side}", slug=f"org-{low}", kind="charity"
    )
    Membership.objects.create(organisation=organisation, user=admin, role=Role.ADMIN)
    Membership.objects.create(
        organisation=organisation, user=practitioner, role=Role.PRACTITIONER
    )
    service = Service.objects.create(
        organisation=organisation,
        name=f"Programme service {side}",
        description="Support.",
        application_process="Ask.",
        is_programme=True,
    )
    service.topics.set([topic])
    referral = referrals.create_referral(
        by=practitioner,
        entrepreneur=client,
        consent=ConsentInput(
            fields=["name", "email", "note"],
            purpose="To offer a place.",
            expires_on=timezone.localdate() + timedelta(days=90),
            method=Consent.Method.VERBAL,
            given_on=timezone.localdate(),
        ),
        service=cedar_service,
        from_organisation=organisation,
        note=marks["referral_note"],
        wellbeing_note=marks["wellbeing_note"],
    )
    referrals.post_message(referral, by=practitioner, body=marks["message"])
    Endpoint.objects.create(
        organisation=organisation,
        url=marks["hook_url"],
        description=marks["hook_description"],
        event_types=[],
    )
    create_api_token(by=admin, name=marks["token_name"])
    programme = programmes.create_programme(service, by=admin, lead=practitioner)
    today = timezone.localdate()
    cohort = programmes.create_cohort(
        programme,
        by=practitioner,
        data=CohortInput(
            name=f"Cohort {side}",
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=60),
            capacity=10,
        ),
    )
    programmes.add_place(cohort, participant=client, by=practitioner)
    group = communities.propose_group(
        by=practitioner,
        name=f"Circle {side}",
        purpose="Peer support.",
        visibility="private",
        organisation=organisation,
    )
    communities.approve_group(group, by=steward)
    communities.start_thread(
        group, by=practitioner, title=marks["thread_title"], body=marks["thread_body"]
    )
    SupportPlan.objects.create(owner=client, title=marks["plan_title"])
    return {
        "admin": admin,
        "practitioner": practitioner,
        "client": client,
        "organisation": organisation,
        "referral": referral,
        "cohort": cohort,
        "programme": programme,
        "group": group,
        "marks": marks,
    }


@pytest.fixture
def two_sides(db, topics):
    _TOKENS.clear()
    from kindred.directory.models import Service
    from kindred.organisations.models import Membership, Organisation, Role

    steward = make_person("steward@iso.example", "Iso Steward", steward=True, mfa=True)
    cedar = Organisation.objects.create(name="Cedar", slug="cedar", kind="charity")
    Membership.objects.create(
        organisation=cedar,
        user=make_person("cedar@iso.example", "Cedar Admin"),
        role=Role.ADMIN,
    )
    cedar_service = Service.objects.create(
        organisation=cedar,
        name="Cedar loans",
        description="Loans.",
        application_process="Apply.",
    )
    topic = next(iter(topics.values()))
    return {
        side: _seed_side(
            side, cedar_service=cedar_service, topic=topic, steward=steward
        )
        for side in SIDES
    }


def _listing_pages() -> list[str]:
    """Every page that takes no argument and that members may open."""
    return sorted(
        "/" + route
        for name, route in PAGE_ROUTES.items()
        if "<" not in route
        and isinstance(PAGES.get(name), Rule)
        and PAGES[name] in (MEMBER, PUBLIC)
        and not name.startswith("api:")
    )


def _listing_api() -> list[str]:
    return sorted(
        path
        for key, path in API_OPERATIONS.items()
        if key.startswith("GET ") and "{" not in path and key in API
    )


def _own_side_urls(mine: dict[str, Any]) -> list[str]:
    slug = mine["organisation"].slug
    cohort = mine["cohort"].pk
    programme = mine["programme"].pk
    return [
        f"/organisations/{slug}/",
        f"/organisations/{slug}/manage/",
        f"/organisations/{slug}/webhooks/",
        f"/referrals/organisations/{slug}/log/",
        f"/directory/organisations/{slug}/services/",
        f"/programmes/{programme}/",
        f"/programmes/cohorts/{cohort}/",
        f"/programmes/cohorts/{cohort}/evaluation/",
        f"/programmes/cohorts/{cohort}/evaluation/answers.csv",
        f"/groups/{mine['group'].slug}/",
        "/referrals/?box=sent&format=csv",
        "/referrals/?box=received&format=csv",
        "/referrals/?box=mine&format=csv",
        "/referrals/report/?format=csv",
        "/events/mine/",
        f"/api/v1/organisations/{slug}",
        f"/api/v1/organisations/{slug}/members",
        f"/api/v1/organisations/{slug}/webhooks",
        f"/api/v1/organisations/{slug}/referral-report",
        f"/api/v1/organisations/{slug}/services",
        f"/api/v1/programmes/{programme}/cohorts",
        f"/api/v1/programmes/cohorts/{cohort}",
        f"/api/v1/programmes/cohorts/{cohort}/places",
        f"/api/v1/groups/{mine['group'].slug}/threads",
    ]


def _searches(theirs: dict[str, Any]) -> list[str]:
    """Searches and autocompletes for the other side's words."""
    # Words that start the markers without being whole ones: a page that
    # repeats the query back does not count as a leak.
    words = [
        theirs["marks"]["referral_note"][:-3],
        theirs["marks"]["thread_title"][:-3],
        "ZQ",
        theirs["client"].profile.display_name,
    ]
    urls = []
    for word in words:
        for base in (
            "/directory/",
            "/directory/people/",
            "/members/",
            "/referrals/",
            "/groups/",
            "/asks/",
            "/api/v1/members",
            "/api/v1/referrals",
            "/api/v1/services/search",
            "/api/v1/groups",
            "/hsds/services",
        ):
            urls.append(f"{base}?q={word}")
            if not base.startswith(("/api/", "/hsds/")):
                urls.append(f"{base}?q={word}#htmx")  # the live-search fragment
    return urls


_TOKENS: dict[int, str] = {}


def _get(user, url: str):
    if url.startswith("/api/"):
        from kindred.accounts.services import create_api_token

        if user.pk not in _TOKENS:
            _TOKENS[user.pk] = create_api_token(by=user, name="iso")[1]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {_TOKENS[user.pk]}")
        return client.get(url, HTTP_ACCEPT="application/json")
    client = Client()
    client.force_login(user)
    if url.endswith("#htmx"):
        return client.get(url.removesuffix("#htmx"), HTTP_HX_REQUEST="true")
    return client.get(url)


def _leaks(user, urls: list[str], marks: dict[str, str]) -> list[str]:
    found = []
    for url in urls:
        response = _get(user, url)
        assert response.status_code < 500, f"{url}: server error"
        if response.status_code >= 300:
            continue
        content = b"".join(response) if response.streaming else response.content
        body = content.decode(errors="replace")
        found += [f"{url} shows {name}" for name, mark in marks.items() if mark in body]
    return found


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("who", ["admin", "practitioner"])
def test_lists_and_api_lists_show_nothing_of_the_other_side(two_sides, side, who):
    """Every list page and API list, seen by one side's staff, holds none of
    the other side's private markers."""
    mine = two_sides[side]
    theirs = two_sides["B" if side == "A" else "A"]
    urls = _listing_pages() + _listing_api() + _own_side_urls(mine)
    assert not _leaks(mine[who], urls, theirs["marks"])


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("who", ["admin", "practitioner"])
def test_searches_and_autocompletes_find_nothing_of_the_other_side(
    two_sides, side, who
):
    """Searching for the other side's words finds none of their private
    records."""
    mine = two_sides[side]
    theirs = two_sides["B" if side == "A" else "A"]
    assert not _leaks(mine[who], _searches(theirs), theirs["marks"])


def test_own_side_sees_its_own_markers(two_sides):
    """The check can fail: each side does see its own referral, webhook and
    private thread."""
    for side in SIDES:
        mine = two_sides[side]
        found = _leaks(mine["admin"], _own_side_urls(mine), mine["marks"])
        assert any("hook_url" in line for line in found), found
        practitioner = mine["practitioner"]
        found = _leaks(
            practitioner,
            ["/referrals/", f"/groups/{mine['group'].slug}/"],
            mine["marks"],
        )
        assert any("thread_title" in line for line in found), found


def test_clients_of_the_other_side_are_not_on_org_pages(two_sides):
    """A's organisation pages, referral list and report and programme pages
    never name B's client, whose only tie is to B."""
    for side in SIDES:
        mine = two_sides[side]
        theirs = two_sides["B" if side == "A" else "A"]
        name = theirs["client"].profile.display_name
        urls = [*_own_side_urls(mine), "/referrals/", "/referrals/report/"]
        for who in ("admin", "practitioner"):
            assert not _leaks(mine[who], urls, {"client": name})


def test_referral_report_counts_only_the_own_organisation(two_sides):
    """The organisation's referral report counts its own referrals: one sent,
    whatever the other side sent."""
    from kindred.referrals import services as referrals

    theirs = two_sides["B"]
    for _ in range(2):
        referrals.create_referral(
            by=theirs["practitioner"],
            entrepreneur=theirs["client"],
            consent=_consent(),
            service=two_sides["A"]["referral"].service,
            from_organisation=theirs["organisation"],
            note="more",
        )
    mine = two_sides["A"]
    slug = mine["organisation"].slug
    report_a = _get(mine["admin"], f"/api/v1/organisations/{slug}/referral-report")
    report_b = _get(
        theirs["admin"],
        f"/api/v1/organisations/{theirs['organisation'].slug}/referral-report",
    )
    assert report_a.status_code == 200 and report_b.status_code == 200
    assert report_a.json() != report_b.json()
    assert report_a.json()["sent"] == 1
    assert report_b.json()["sent"] == 3


def _consent():
    from kindred.referrals.models import Consent
    from kindred.referrals.services import ConsentInput

    return ConsentInput(
        fields=["name"],
        purpose="To offer a place.",
        expires_on=timezone.localdate() + timedelta(days=90),
        method=Consent.Method.VERBAL,
        given_on=timezone.localdate(),
    )
