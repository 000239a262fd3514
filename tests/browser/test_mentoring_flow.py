"""An organiser runs a programme's matching, reviews the proposed pairs with their
explanations and publishes them; a mentee opens the workspace, logs a session and
downloads its calendar file — in a real browser, every page checked by axe."""

from __future__ import annotations

import re
from pathlib import Path

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
def programme(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.mentoring import services
    from kindred.organisations.models import Membership, Organisation, Role
    from tests.test_mentoring import applicant

    vocabulary.seed(Topic, Region, Sector)
    organiser = make_person("organiser@example.com", "Olga Organiser")
    organisation = Organisation.objects.create(
        name="Northshire University", slug="uni", kind="university"
    )
    Membership.objects.create(
        organisation=organisation, user=organiser, role=Role.PRACTITIONER
    )
    programme = services.create_programme(
        by=organiser,
        organisation=organisation,
        settings=services.ProgrammeInput(
            title="Spring mentoring", purpose="Founders meet mentors."
        ),
    )
    services.set_programme_status(programme, by=organiser, status="open")
    topics = list(Topic.objects.filter(is_active=True).order_by("pk")[:3])
    applicant(programme, "priya@example.com", "mentor", topics, name="Priya Mentor")
    applicant(programme, "mo@example.com", "mentor", topics[1:], name="Mo Mentor")
    applicant(programme, "jamal@example.com", "mentee", topics[:1], name="Jamal Mentee")
    applicant(programme, "ann@example.com", "mentee", topics[1:2], name="Ann Mentee")
    return programme


def test_organiser_matches_and_publishes_then_mentee_logs_a_session(
    page: Page, site, programme
):
    log_in(page, site, "organiser@example.com")
    page.goto(site + "/mentoring/")
    assert_accessible(page)
    page.get_by_role("link", name="Spring mentoring").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spring mentoring")
    assert_accessible(page)
    page.get_by_role("link", name="Matching").click()
    assert_accessible(page)
    page.get_by_label("Most people matched first").check()
    page.get_by_role("button", name="Run the matching").click()
    expect(page.get_by_text("Matching done")).to_be_visible()
    expect(
        page.get_by_text(re.compile("Why: .*Shared goals and topics")).first
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Publish 2 pairs")).click()
    expect(page.get_by_text("Published: everyone matched")).to_be_visible()
    page.goto(site + f"/mentoring/{programme.pk}/dashboard/")
    expect(page.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "jamal@example.com")
    page.goto(site + "/notifications/")
    expect(page.get_by_text("You have been matched").first).to_be_visible()
    page.goto(site + "/mentoring/")
    page.get_by_role("link", name=re.compile("Mentored by")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jamal Mentee")
    assert_accessible(page)
    page.get_by_label("Date and time").fill("2026-12-01T10:00")
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_label(re.compile("What you talked about")).fill("Pricing plan")
    page.get_by_role("button", name="Log the session").click()
    expect(page.get_by_text("Session logged.")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Calendar file for")).click()
    calendar = Path(download_info.value.path()).read_text()
    assert "BEGIN:VEVENT" in calendar and "Mentoring with" in calendar
