"""The pages each role's user guide (docs/guides/) shows, visited as the demo logins
in a real browser: each page has its heading and something of the role's own data,
passes axe-core, and is saved as the guide's screenshot under `make screenshots`
(KINDRED_SCREENSHOTS=1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, screenshot

DEMO_PASSWORD = "kindred-demo"


@dataclass(frozen=True)
class Shot:
    """A page of a guide: where it is, its heading and what must be visible on it."""

    name: str
    path: str
    heading: str | re.Pattern[str]
    shows: str | re.Pattern[str] | None = None
    then: Callable[[Page], None] | None = None  # a step of the guide, after the shot


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def demo(transactional_db):
    """A small demo ecosystem; only the five logins' long-standing data is used."""
    from kindred.core.demo import build

    build(scale=20, seed=1)


def _paths() -> dict[str, str]:
    """Addresses of the demo objects the guides show, looked up by stable names."""
    from kindred.organisations.models import Organisation
    from kindred.programmes.models import Cohort, Programme
    from kindred.referrals.models import Referral

    mindful = Organisation.objects.get(slug="mindful-founders-cic")
    programme = Programme.objects.get(
        lead__email="programme.lead@example.org",
        service__organisation=mindful,
    )
    finished = (
        Cohort.objects.filter(programme=programme, status=Cohort.Status.FINISHED)
        .order_by("-ends_on")
        .first()
    )
    assert finished, "the demo's wellbeing programme has a finished cohort"
    referral = (
        Referral.objects.filter(
            referrer__email="adviser@example.org",
            entrepreneur__email="founder@example.org",
            receiving_organisation=mindful,
            status=Referral.Status.SENT,
        )
        .order_by("-pk")
        .first()
    )
    assert referral, "the adviser's referral of the founder waits for Mindful Founders"
    return {
        "mindful": mindful.slug,
        "mindful_pk": str(mindful.pk),
        "programme": str(programme.pk),
        "service": str(programme.service_id),
        "cohort": str(finished.pk),
        "cohort_name": finished.name,
        "referral": str(referral.pk),
    }


def _roles(p: dict[str, str]) -> list[tuple[str, str, list[Shot]]]:
    org = p["mindful"]
    return [
        (
            "practitioner",
            "adviser@example.org",
            [
                Shot("practitioner-home", "/", re.compile("^Welcome")),
                Shot("practitioner-referrals", "/referrals/", "Referrals"),
                Shot(
                    "practitioner-refer",
                    f"/referrals/new/?service={p['service']}",
                    "Refer someone",
                    "Founder Wellbeing Programme",
                ),
                Shot("practitioner-asks", "/asks/", "Asks and offers"),
                Shot("practitioner-events", "/events/", "Events"),
                Shot("practitioner-stories", "/stories/", "Success stories"),
            ],
        ),
        (
            "practitioner",
            "mentor@example.org",
            [Shot("practitioner-mentoring", "/mentoring/", "Mentoring")],
        ),
        (
            "organisation-admin",
            "programme.lead@example.org",
            [
                # The receiving side of the adviser's referral; accepting it gives
                # the founder a place in the next cohort (shown on My programme).
                Shot(
                    "practitioner-referral",
                    f"/referrals/{p['referral']}/",
                    "Referral to Founder Wellbeing Programme",
                    "What happens next",
                    then=_accept_referral,
                ),
                Shot(
                    "organisation-admin-page",
                    f"/organisations/{org}/",
                    "Mindful Founders CIC",
                ),
                Shot(
                    "organisation-admin-members",
                    f"/organisations/{org}/manage/",
                    "Manage members of Mindful Founders CIC",
                ),
                Shot(
                    "organisation-admin-services",
                    f"/directory/organisations/{org}/services/",
                    "Services of Mindful Founders CIC",
                    "Founder Wellbeing Programme",
                ),
                Shot(
                    "organisation-admin-partnerships", "/partnerships/", "Partnerships"
                ),
                Shot(
                    "organisation-admin-webhooks",
                    f"/organisations/{org}/webhooks/",
                    "Webhooks",
                ),
                Shot(
                    "organisation-admin-ecosystem",
                    f"/ecosystem/organisations/{p['mindful_pk']}/",
                    "Mindful Founders CIC in the ecosystem",
                ),
            ],
        ),
        (
            "programme-lead",
            "programme.lead@example.org",
            [
                Shot("programme-lead-programmes", "/programmes/", "Programmes"),
                Shot(
                    "programme-lead-programme",
                    f"/programmes/{p['programme']}/",
                    re.compile("Founder Wellbeing Programme"),
                ),
                Shot(
                    "programme-lead-cohort",
                    f"/programmes/cohorts/{p['cohort']}/",
                    re.compile(re.escape(p["cohort_name"])),
                ),
                Shot(
                    "programme-lead-outcomes",
                    f"/programmes/cohorts/{p['cohort']}/evaluation/",
                    re.compile("^Outcomes of"),
                    "Mean change",
                ),
                Shot("programme-lead-courses", "/courses/", "Courses"),
            ],
        ),
        (
            "entrepreneur",
            "founder@example.org",
            [
                Shot(
                    "entrepreneur-home",
                    "/",
                    "Welcome, Jamal Campbell",
                    "Mentored by Priya Patel",
                ),
                Shot("entrepreneur-profile", "/account/profile/", "Edit your profile"),
                # Unread notifications: their "Mark read" buttons sit on a tinted
                # row, where contrast once failed.
                Shot(
                    "entrepreneur-notifications",
                    "/notifications/",
                    "Notifications",
                    "New",
                ),
                Shot(
                    "entrepreneur-directory",
                    "/directory/?q=wellbeing",
                    "Support directory",
                    "Founder Wellbeing Programme",
                ),
                Shot(
                    "entrepreneur-referrals",
                    "/referrals/",
                    "Referrals",
                    "Founder Wellbeing Programme",
                ),
                Shot(
                    "entrepreneur-programme",
                    "/programmes/mine/",
                    "My programme",
                    "Founder Wellbeing Programme",
                ),
                Shot("entrepreneur-asks", "/asks/", "Asks and offers"),
                Shot(
                    "entrepreneur-networking",
                    "/networking/",
                    "Networking rounds",
                    "Northshire random coffee",
                ),
                Shot(
                    "entrepreneur-consents",
                    "/account/consents/",
                    "Your consents",
                    "Mindful Founders CIC",
                ),
            ],
        ),
        (
            "steward",
            "steward@example.org",
            [
                Shot("steward-console", "/steward/", "Steward console"),
                Shot("steward-people", "/steward/people/", "People"),
                Shot("steward-topics", "/steward/topics/", "Topics"),
                Shot("steward-moderation", "/moderation/", "Moderation"),
                Shot("steward-directory", "/steward/directory/", "Steward console"),
                Shot("steward-tasks", "/steward/tasks/", "Background work"),
                Shot(
                    "steward-ecosystem",
                    "/ecosystem/",
                    "Ecosystem health",
                    "The month's story",
                ),
                Shot(
                    "steward-data-requests",
                    "/account/data/requests/",
                    "Requests about personal data",
                ),
            ],
        ),
    ]


def _accept_referral(page: Page) -> None:
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_text("Accepted").first).to_be_visible()


def _log_in(page: Page, site: str, email: str) -> None:
    page.goto(site + "/account/login/")
    page.get_by_label(re.compile("^Email", re.I)).fill(email)
    page.get_by_label(re.compile("^Password", re.I)).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    expect(page.get_by_role("button", name=re.compile("Log out", re.I))).to_be_visible()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Log out", re.I)).click()
    expect(
        page.get_by_role("link", name=re.compile("Log in|Sign in", re.I)).first
    ).to_be_visible()


def test_each_role_sees_the_pages_of_their_guide(page: Page, site, demo):
    """Every page a guide shows opens for its demo login, with its heading and data,
    and passes axe; `make screenshots` saves it for the guide."""
    page.set_viewport_size({"width": 1440, "height": 900})
    for role, email, shots in _roles(_paths()):
        _log_in(page, site, email)
        for shot in shots:
            response = page.goto(site + shot.path)
            assert response and response.status == 200, (role, shot.path)
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_have_count(1)
            expect(heading).to_have_text(shot.heading)
            if shot.shows:
                expect(page.get_by_text(shot.shows).first).to_be_visible()
            assert_accessible(page)
            screenshot(page, shot.name)
            if shot.then:
                shot.then(page)
        _log_out(page)


def _tab_until(page: Page, condition: str, *, limit: int = 80) -> None:
    """Press Tab until the JavaScript `condition` holds for `el`, the focused one."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"() => {{ const el = document.activeElement; return {condition}; }}"
        ):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


def _focus_style(page: Page) -> dict[str, str]:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {outline: s.outlineStyle + ' ' + s.outlineWidth,"
        " shadow: s.boxShadow}; }"
    )


def _outlined(page: Page) -> bool:
    """The focused element draws Kindred's own outline, 2px or more."""
    style_name, width = _focus_style(page)["outline"].split(" ")
    return style_name != "none" and float(width.removesuffix("px")) >= 2


def _focus_is_visible(page: Page) -> bool:
    """The focused element draws an outline of 2px or more, or a focus ring."""
    style = _focus_style(page)
    style_name, width = style["outline"].split(" ")
    outlined = style_name != "none" and float(width.removesuffix("px")) >= 2
    return outlined or style["shadow"] != "none"


def test_keyboard_alone_signs_in_skips_to_content_and_opens_the_menus(
    page: Page, site, transactional_db
):
    """With the keyboard only: sign in, skip the navigation, see where focus is,
    and open the Community menu to reach Groups (the accessibility statement's
    hand checks, kept as a test)."""
    from tests.conftest import PASSWORD, make_person

    make_person("keys@example.com", "Kim Keys")
    page.goto(site + "/account/login/")
    _tab_until(page, "el.type === 'email'")
    # A form field gets the same strong outline as links, not Bootstrap's pale glow.
    assert _outlined(page), _focus_style(page)
    page.keyboard.type("keys@example.com")
    _tab_until(page, "el.type === 'password'")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Kim Keys")

    # The first Tab reaches the skip link, shown when focused; Enter moves to main.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # The Community menu opens from the keyboard and its items are reachable.
    page.goto(site + "/")
    _tab_until(page, "el.id === 'nav-community'")
    assert _focus_is_visible(page)
    menu = page.locator("#nav-community")
    page.keyboard.press("Enter")
    groups = page.get_by_role("link", name="Groups", exact=True)
    expect(groups).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(groups).to_be_focused()
    page.keyboard.press("Escape")
    expect(groups).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(groups).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Groups")
    assert_accessible(page)
