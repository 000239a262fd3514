"""A founder posts a project with a role, a member volunteers, the founder
accepts and the volunteer reads the team's updates; then a member reports the
project and a steward hides it — in a real browser, every page checked by axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in, log_out
from tests.conftest import make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def people(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic

    vocabulary.seed(Topic, Region, Sector)
    make_person("founder@example.com", "Jamal Founder")
    make_person("helper@example.com", "Hana Helper")
    make_person("member@example.com", "Mo Member")
    make_person("steward@example.com", "Stella Steward", steward=True, mfa=True)


def test_post_volunteer_accept_update_then_report_and_hide(page: Page, site, people):
    from kindred.projects.models import Project

    log_in(page, site, "founder@example.com")
    page.goto(site + "/projects/")
    assert_accessible(page)
    page.get_by_role("link", name="Post a project").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("New product launch")
    page.get_by_label("What the project is").fill("Oat milk for **cafés**.")
    page.locator("#id_roles-0-title").fill("Tester")
    page.locator("#id_roles-0-places").fill("2")
    page.get_by_role("button", name="Post the project").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New product launch")
    assert_accessible(page)
    project_url = page.url
    log_out(page)

    log_in(page, site, "helper@example.com")
    page.goto(project_url)
    page.get_by_label(re.compile("Message to the people running")).fill("I test!")
    page.get_by_role("button", name="Volunteer as Tester").click()
    expect(page.get_by_text("Thank you for offering to help.")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "founder@example.com")
    page.goto(project_url)
    page.get_by_role("button", name="Accept Hana Helper as Tester").click()
    expect(page.get_by_text("Hana Helper is on the team.")).to_be_visible()
    page.get_by_role("link", name=re.compile("All updates")).click()
    assert_accessible(page)
    page.get_by_label("Update for the team").fill("Samples go out on Monday.")
    page.get_by_role("button", name="Post the update").click()
    expect(page.get_by_text("Update posted")).to_be_visible()
    log_out(page)

    log_in(page, site, "helper@example.com")
    page.goto(project_url)
    expect(page.get_by_text("Samples go out on Monday.")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "member@example.com")
    page.goto(project_url)
    expect(page.get_by_text("Samples go out on Monday.")).to_have_count(0)
    page.get_by_role("link", name="Report this project").click()
    assert_accessible(page)
    page.get_by_label("Spam or advertising").check()
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("A steward will look at it")).to_be_visible()
    log_out(page)

    log_in(page, site, "steward@example.com")
    page.goto(site + "/moderation/")
    expect(page.get_by_role("link", name="New product launch")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Hide").click()
    expect(page.get_by_text("No open reports.")).to_be_visible()
    assert_accessible(page)
    assert Project.objects.get().hidden
    log_out(page)

    log_in(page, site, "member@example.com")
    response = page.goto(project_url)
    assert response is not None and response.status == 404
    page.goto(site + "/projects/businesses/")
    assert_accessible(page)
