"""Two organisations partner through a call, a practitioner writes a success story,
the entrepreneur approves it and members celebrate it — in a real browser, every
page checked by axe-core."""

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
def ecosystem(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.organisations.models import Membership, Organisation, Role

    vocabulary.seed(Topic, Region, Sector)
    lead = make_person("lead@example.com", "Rhys Lead", mfa=True)
    adviser = make_person("adviser@example.com", "Aisha Adviser")
    make_person("founder@example.com", "Jamal Founder")
    mindful = Organisation.objects.create(
        name="Mindful Founders CIC", slug="mindful-founders", kind="charity"
    )
    hub = Organisation.objects.create(
        name="Growth Hub", slug="growth-hub", kind="public_agency"
    )
    Membership.objects.create(organisation=mindful, user=lead, role=Role.ADMIN)
    Membership.objects.create(organisation=hub, user=adviser, role=Role.PRACTITIONER)
    return {"mindful": mindful, "hub": hub}


def test_partners_through_a_call_and_a_shared_success(
    page: Page, browser, site, ecosystem
):
    from datetime import timedelta

    from django.utils import timezone

    # The programme lead posts a call for collaboration.
    log_in(page, site, "lead@example.com")
    page.goto(site + "/partnerships/")
    assert_accessible(page)
    page.goto(site + "/calls/new/")
    assert_accessible(page)
    page.get_by_label("Kind of work").select_option("co_hosted_event")
    page.get_by_label("Title").fill("Co-host a wellbeing week")
    page.get_by_label("Description").fill("Five days of **free** sessions.")
    page.get_by_label("Deadline").fill(
        (timezone.localdate() + timedelta(days=10)).isoformat()
    )
    page.get_by_role("button", name="Post the call").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Co-host a wellbeing week"
    )
    assert_accessible(page)
    lead = page
    # Others use a browser of their own: the lead stays signed in (a second
    # sign-in within the same 30 seconds could not reuse the one-time code).
    page = browser.new_page()

    # An adviser of the Growth Hub expresses interest and writes a story.
    log_in(page, site, "adviser@example.com")
    page.goto(site + "/calls/")
    assert_accessible(page)
    page.get_by_role("link", name="Co-host a wellbeing week").click()
    page.get_by_label("Message").fill("We can host two sessions.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your interest is sent")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/stories/new/")
    assert_accessible(page)
    page.get_by_label("Title").fill("From burnout to a bakery that breaks even")
    page.get_by_label("The story", exact=True).fill("Jamal found **calm** again.")
    page.get_by_label("The entrepreneur's email address").fill("founder@example.com")
    page.get_by_label("What your organisation did").fill("referred")
    page.get_by_label("Also credit (1)").select_option(label="Mindful Founders CIC")
    page.get_by_label("What they did (1)").fill("delivered the programme")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Waiting for the entrepreneur's approval")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    # The founder approves it and shows their name; then celebrates it.
    log_in(page, site, "founder@example.com")
    page.goto(site + "/stories/")
    assert_accessible(page)
    page.get_by_role("link", name="From burnout to a bakery that breaks even").click()
    page.get_by_label("Show my name with the story").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("The story is published.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Celebrate")).click()
    expect(page.get_by_text("1 celebration")).to_be_visible()
    page.goto(site + "/")
    expect(page.get_by_text("Ecosystem feed")).to_be_visible()
    assert_accessible(page)
    page.close()

    # The lead chooses the Growth Hub; both pages now show the partnership.
    page = lead
    page.goto(site + "/calls/")
    page.get_by_role("link", name="Co-host a wellbeing week").click()
    page.get_by_label("Growth Hub").check()
    page.get_by_role("button", name="Choose and close the call").click()
    expect(page.get_by_text("Partners chosen:")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/organisations/growth-hub/")
    expect(page.get_by_role("link", name="Mindful Founders CIC").first).to_be_visible()
    expect(
        page.get_by_role("link", name="From burnout to a bakery that breaks even")
    ).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/partnerships/")
    expect(page.get_by_text("Active")).to_be_visible()
    assert_accessible(page)
