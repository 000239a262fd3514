"""Each demo login lands on a home page made for its role — the founder's
journey, the adviser's and mentor's practice, the programme lead's organisation
and cohorts, the steward's ecosystem — in a real browser, each page axe-checked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_directory_flow import log_out

DEMO_PASSWORD = "kindred-demo"  # noqa: S105 - the documented demo password

# email, the section headings it must show, screenshot name
LOGINS = [
    ("founder@example.org", ["Your journey"], "entrepreneur-home"),
    ("adviser@example.org", ["Your practice"], "practitioner-home"),
    ("mentor@example.org", ["Your practice"], "mentor-home"),
    (
        "programme.lead@example.org",
        ["Your organisations to run", "Cohorts you lead", "Your practice"],
        "organisation-admin-home",
    ),
    ("steward@example.org", ["Your ecosystem"], "steward-home"),
]


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


def log_in_demo(page: Page, site: str, email: str) -> None:
    page.goto(site + "/account/login/")
    page.get_by_label(re.compile("^Email", re.I)).fill(email)
    page.get_by_label(re.compile("^Password", re.I)).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    expect(page.get_by_role("button", name=re.compile("Log out", re.I))).to_be_visible()


def test_each_demo_login_lands_on_a_home_page_for_its_role(
    page: Page, site, transactional_db
):
    from kindred.core.demo import build

    build(scale=30, seed=3)
    others = {h for _e, headings, _n in LOGINS for h in headings}
    for email, headings, name in LOGINS:
        log_in_demo(page, site, email)
        page.goto(site + "/")
        for heading in headings:
            expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
        for heading in others - set(headings):
            expect(page.get_by_role("heading", level=2, name=heading)).to_have_count(0)
        assert page.locator("h1").count() == 1
        assert_accessible(page)
        screenshot(page, name)
        log_out(page)
