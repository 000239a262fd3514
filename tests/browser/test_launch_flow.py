"""The newcomer's first hour in a real browser: on a clean database without the
demo, a steward claims the ecosystem with the setup key, turns on two-factor
authentication, names the ecosystem, imports the CSV template, invites admins in
bulk and opens the doors — every page checked by axe-core."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_directory_flow import log_out
from tests.browser.test_foundation_flow import totp_code

PASSWORD = "a-Very-good-passphrase-42"


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def clean(transactional_db):
    """An empty database, as after `kindred migrate`, and the key it printed."""
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.launch import selectors, services

    vocabulary.seed(Topic, Region, Sector)
    key = services.issue_setup_key()
    selectors.forget_state()
    yield key
    selectors.remember_state(selectors.LaunchState(), forever=True)


def test_a_steward_launches_a_new_ecosystem(page: Page, site, clean, tmp_path):
    from kindred.directory import simple_csv

    # Every page leads to the first-run page, which explains the setup key.
    page.goto(site + "/directory/")
    expect(page).to_have_url(re.compile("/launch/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Launch your ecosystem")
    assert_accessible(page)
    screenshot(page, "steward-launch-first-run")
    page.get_by_label("Setup key", exact=True).fill(clean)
    page.get_by_label("Your name").fill("Fran First")
    page.get_by_label("Your email address").fill("fran@example.org")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Create the steward account").click()

    # Step 1: two-factor authentication, then back to the wizard.
    expect(page).to_have_url(re.compile("/launch/wizard/$"))
    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "steward-launch-account")
    page.get_by_role("link", name="Turn on two-factor authentication").click()
    # The password was just chosen: no second prompt for it before the QR code.
    expect(page.locator("#authenticator_secret")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(totp_code(secret))
    page.get_by_role("button", name=re.compile("Activate", re.I)).click()
    assert_accessible(page)  # the recovery codes
    page.locator("a.navbar-brand").click()
    expect(page).to_have_url(re.compile("/launch/wizard/$"))
    expect(
        page.get_by_text(re.compile("Two-factor authentication is on"))
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "steward-launch-mfa")

    # Step 2: the name and region.
    page.get_by_role("link", name=re.compile("Continue: Name the ecosystem")).click()
    expect(page.get_by_text("Step 2 of 5")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Ecosystem name").fill("Northshire Enterprise Network")
    page.get_by_label("Region").select_option(label="North West")
    page.get_by_label("One-line description").fill(
        "Business support in Northshire, working together"
    )
    screenshot(page, "steward-launch-name")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: the directory, from the CSV template.
    expect(page.get_by_text("Step 3 of 5")).to_be_visible()
    expect(page.locator("a.navbar-brand")).to_have_text("Northshire Enterprise Network")
    assert_accessible(page)
    directory = tmp_path / "directory.csv"
    directory.write_text(simple_csv.template_csv(), encoding="utf-8")
    page.get_by_label("Directory file").set_input_files(str(directory))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    expect(page.get_by_text("2 organisations created")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "steward-launch-import")
    page.get_by_role("link", name="Continue: invite organisation admins").click()

    # Step 4: invitations in bulk; a bad row first, then the corrected list.
    expect(page.get_by_text("Step 4 of 5")).to_be_visible()
    assert_accessible(page)
    bad = tmp_path / "bad.csv"
    bad.write_text("organisation,email\nNowhere Ltd,ann@example.org\n")
    page.get_by_label("Invitation list (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Check and send invitations").click()
    expect(page.get_by_text(re.compile("Row 2: no organisation"))).to_be_visible()
    assert_accessible(page)
    invitations = tmp_path / "invitations.csv"
    invitations.write_text(
        "organisation,email,name\n"
        "Riverside Enterprise Agency,ann@example.org,Ann\n"
        "calm-founders-cic,bob@example.org,\n"
    )
    mail.outbox.clear()
    page.get_by_label("Invitation list (CSV)").set_input_files(str(invitations))
    page.get_by_role("button", name="Check and send invitations").click()
    expect(page.get_by_text("2 people invited")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "steward-launch-invite")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org",
        "bob@example.org",
    ]
    page.get_by_role("link", name="Continue: open the doors").click()

    # Step 5: the doors, closed until now.
    expect(page.get_by_text("Step 5 of 5")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "steward-launch-open")
    page.get_by_role("button", name="Open the doors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ecosystem is open")
    assert_accessible(page)
    screenshot(page, "steward-launch-done")

    # Anyone may now sign up.
    log_out(page)
    page.goto(site + "/account/signup/")
    expect(page.get_by_label(re.compile("^Password", re.I)).first).to_be_visible()
    assert_accessible(page)
