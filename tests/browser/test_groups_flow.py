"""A founder joins a group and asks a question, an adviser replies, the founder
marks the reply as the answer — in a real browser, every page checked by axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in, log_out
from tests.conftest import make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings, tmp_path):
    settings.KINDRED_BASE_URL = live_server.url
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return live_server.url


@pytest.fixture
def circle(transactional_db):
    from kindred.communities.models import Group, Membership
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic

    vocabulary.seed(Topic, Region, Sector)
    adviser = make_person("adviser@example.com", "Aisha Adviser")
    make_person("founder@example.com", "Jamal Founder")
    group = Group.objects.create(
        name="Cash-flow clinic",
        slug="cash-flow-clinic",
        purpose="Ask anything about **cash flow**.",
        status=Group.Status.ACTIVE,
        joining=Group.Joining.OPEN,
        created_by=adviser,
    )
    Membership.objects.create(
        group=group, user=adviser, role=Membership.Role.FACILITATOR
    )
    return group


def test_join_ask_reply_and_mark_the_answer(page: Page, site, circle):
    log_in(page, site, "founder@example.com")
    page.goto(site + "/groups/")
    assert_accessible(page)
    page.get_by_role("link", name="Cash-flow clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cash-flow clinic")
    assert_accessible(page)
    page.get_by_role("button", name="Join the group").click()
    expect(page.get_by_text("Welcome to Cash-flow clinic.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Title").fill("A café pays 90 days late")
    page.get_by_label("Message", exact=True).fill("What can I do, @Aisha Adviser?")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("90 days late")
    assert_accessible(page)
    thread_url = page.url
    log_out(page)

    log_in(page, site, "adviser@example.com")
    page.goto(thread_url)
    page.get_by_label("Your reply").fill("Send a polite reminder with a **date**.")
    page.get_by_role("button", name="Post the reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/groups/cash-flow-clinic/resources/")
    assert_accessible(page)
    page.goto(site + "/groups/cash-flow-clinic/manage/")
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "founder@example.com")
    page.goto(thread_url)
    page.get_by_role("button", name=re.compile("Mark as the answer")).click()
    expect(page.get_by_text("Marked as the answer.")).to_be_visible()
    expect(page.get_by_text("Answer", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Following: stop").click()
    expect(page.get_by_role("button", name="Follow replies")).to_be_visible()
    page.goto(site + "/groups/cash-flow-clinic/members/")
    assert_accessible(page)
