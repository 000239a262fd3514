"""An adviser shares an insight, a founder reacts, comments and follows the adviser,
and the adviser sees it — in a real browser, every page checked by axe-core."""

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
    make_person("adviser@example.com", "Aisha Adviser")
    make_person("founder@example.com", "Jamal Founder")


def test_share_react_comment_and_the_author_sees_it(page: Page, site, people):
    log_in(page, site, "adviser@example.com")
    page.goto(site + "/insights/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    expect(page.get_by_text("Your feed is empty for now.")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/insights/new/")
    assert_accessible(page)
    page.get_by_label("Title").fill("Invoice on delivery day")
    page.get_by_label("What you learnt").fill("Send it **the same day**.")
    page.get_by_role("button", name="Share the insight").click()
    expect(page.get_by_text("Your insight is shared. Thank you.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice on delivery day")
    assert_accessible(page)
    insight_url = page.url
    log_out(page)

    log_in(page, site, "founder@example.com")
    page.goto(site + "/insights/?view=all")
    assert_accessible(page)
    page.get_by_role("link", name="Invoice on delivery day").click()
    page.get_by_role("button", name=re.compile("^Insightful")).click()
    expect(page.get_by_text("You reacted “Insightful”.")).to_be_visible()
    expect(
        page.get_by_role("button", name=re.compile("^Insightful"))
    ).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Your comment").fill("Trying this *next week*.")
    page.get_by_role("button", name="Post the comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    page.get_by_role("button", name="Follow Aisha Adviser").click()
    expect(page.get_by_text("You follow Aisha Adviser.")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/insights/following/")
    expect(page.get_by_role("link", name="Aisha Adviser")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/insights/")
    expect(
        page.get_by_role("link", name="Invoice on delivery day").first
    ).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "adviser@example.com")
    page.goto(site + "/notifications/")
    expect(
        page.get_by_role("link", name=re.compile("Jamal Founder commented on"))
    ).to_be_visible()
    page.goto(insight_url)
    expect(page.get_by_text("Trying this")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Insightful 1"))).to_be_visible()
    assert_accessible(page)
