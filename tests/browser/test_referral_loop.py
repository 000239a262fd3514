"""The closed loop in a real browser: an adviser refers a founder with recorded
consent, the programme lead accepts and completes it with an outcome, the founder
confirms it and approves the drafted success story, which then appears on both
organisations' pages — every page checked by axe-core."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in, log_out
from tests.conftest import make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def loop(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.directory import services
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
    service = services.create_service(
        mindful,
        by=lead,
        name="Founder Wellbeing Programme",
        description="Eight weeks of small-group sessions on stress and resilience.",
        application_process="Email the programme lead.",
        topics=[Topic.objects.get(slug="mindfulness")],
        is_programme=True,
    )
    return {"service": service}


def test_refer_accept_complete_confirm_and_celebrate(page: Page, site, loop):
    service = loop["service"]

    # The adviser refers the founder, recording the consent given on the phone.
    log_in(page, site, "adviser@example.com")
    page.goto(f"{site}{service.get_absolute_url()}")
    page.get_by_role("link", name="Refer someone").click()
    expect(page.get_by_role("heading", name="Refer someone")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email address of the person you refer").fill(
        "founder@example.com"
    )
    page.get_by_label("Note for the receiver").fill("Stretched thin; needs a breather.")
    page.get_by_label(re.compile("^Verbally")).check()
    page.get_by_label("Date they agreed").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#referral-status")).to_have_text("Sent: waiting for an answer")
    assert_accessible(page)
    log_out(page)

    # The programme lead sees it, with what the founder agreed to share.
    log_in(page, site, "lead@example.com")
    page.goto(site + "/referrals/?box=received")
    assert_accessible(page)
    page.get_by_role("link", name="Founder Wellbeing Programme").click()
    expect(page.get_by_text("Stretched thin; needs a breather.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#referral-status")).to_have_text("Accepted")
    page.get_by_text("Complete with an outcome").click()
    page.get_by_label("Outcome", exact=True).select_option("got_help")
    page.get_by_role("button", name="Complete the referral").click()
    expect(page.locator("#referral-status")).to_have_text("Completed")
    assert_accessible(page)
    log_out(page)

    # The founder confirms the outcome and approves the drafted story.
    log_in(page, site, "founder@example.com")
    page.goto(site + "/referrals/")
    page.get_by_role("link", name="Founder Wellbeing Programme").click()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, that is right").click()
    expect(page.get_by_text("Here is the success story we drafted")).to_be_visible()
    assert_accessible(page)
    title = page.get_by_role("heading", level=1).inner_text()
    assert "Mindful Founders CIC" in title and "Growth Hub" in title
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text(re.compile(r"Published today"))).to_be_visible()

    # Both organisations show the success they contributed to.
    for slug in ("growth-hub", "mindful-founders"):
        page.goto(f"{site}/organisations/{slug}/")
        expect(page.get_by_role("link", name=title)).to_be_visible()
        assert_accessible(page)
