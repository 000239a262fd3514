"""A newcomer signs up, verifies, logs in, edits a profile, creates an organisation,
turns on two-factor authentication and invites a colleague — in a real browser,
with every page checked by axe-core."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, first_link

PASSWORD = "a-Very-good-passphrase-42"


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    """The live server; the seeded vocabularies survive the flush afterwards."""
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


def totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    # A code typed in the last seconds of its 30-second period may reach the server
    # in the next one, where it is refused: wait for a fresh period instead.
    left = 30 - time.time() % 30
    if left < 4:
        time.sleep(left + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_newcomer_journey(page: Page, site, transactional_db):
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    # Sign up: the verification email is sent.
    page.get_by_role("link", name=re.compile("Sign up", re.I)).first.click()
    assert_accessible(page)
    page.get_by_label(re.compile("^Email", re.I)).fill("nia@example.com")
    page.get_by_label(re.compile("^Password$", re.I)).fill(PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        re.compile("Verify", re.I)
    )
    assert_accessible(page)
    assert len(mail.outbox) == 1
    confirm = first_link(mail.outbox[0].body)

    # Verify: confirming logs the newcomer in.
    page.goto(
        confirm.replace("http://127.0.0.1:8000", site).replace(
            "http://testserver", site
        )
    )
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(
        page.get_by_role("link", name=re.compile("Account", re.I)).first
    ).to_be_visible()

    # Log out and back in.
    page.get_by_role("button", name=re.compile("Log out", re.I)).first.click()
    page.goto(site + "/account/login/")
    assert_accessible(page)
    page.get_by_label(re.compile("^Email", re.I)).fill("nia@example.com")
    page.get_by_label(re.compile("^Password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    assert_accessible(page)  # the home dashboard

    # Edit the profile: a bad bio keeps what was typed; a good one saves.
    page.goto(site + "/account/profile/")
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Nia Hughes")
    page.get_by_label("Headline", exact=True).fill("Founder of a bike co-op")
    page.get_by_label("About you", exact=True).fill("Hello <script>alert(1)</script>")
    page.get_by_role("button", name=re.compile("Save", re.I)).click()
    expect(page.get_by_role("alert").first).to_contain_text(
        re.compile("not allowed", re.I)
    )
    expect(page.get_by_label("Headline", exact=True)).to_have_value(
        "Founder of a bike co-op"
    )
    assert_accessible(page)
    page.get_by_label("About you", exact=True).fill("I fix **bikes**.")
    page.get_by_role("button", name=re.compile("Save", re.I)).click()
    expect(page.get_by_text(re.compile("profile is saved", re.I))).to_be_visible()

    # Browse the member directory.
    page.goto(site + "/members/")
    assert_accessible(page)
    expect(page.get_by_role("link", name="Nia Hughes")).to_be_visible()

    # Create an organisation.
    page.goto(site + "/organisations/new/")
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Spokes Co-operative")
    page.get_by_label("Type", exact=True).select_option("business")
    page.get_by_label("Summary", exact=True).fill("A bike repair co-op.")
    page.get_by_role("button", name=re.compile("Create|Save", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spokes Co-operative")
    assert_accessible(page)

    # Admin powers need two-factor authentication: set it up, then invite.
    page.goto(site + "/organisations/spokes-co-operative/manage/")
    expect(page).to_have_url(re.compile("/account/2fa/"))
    assert_accessible(page)
    page.goto(site + "/account/2fa/totp/activate")
    if page.get_by_role("heading", name=re.compile("Confirm Access", re.I)).count():
        assert_accessible(page)  # re-authentication before a sensitive change
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(page.locator("#authenticator_secret")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(totp_code(secret))
    page.get_by_role("button", name=re.compile("Activate", re.I)).click()
    assert_accessible(page)  # recovery codes or the 2FA overview

    page.goto(site + "/organisations/spokes-co-operative/manage/")
    assert_accessible(page)
    mail.outbox.clear()
    page.get_by_label(re.compile("Email address", re.I)).fill("colleague@example.com")
    page.get_by_role("button", name=re.compile("invit", re.I)).click()
    expect(
        page.get_by_text(re.compile("invitation is on its way", re.I))
    ).to_be_visible()
    assert_accessible(page)
    assert mail.outbox and mail.outbox[0].to == ["colleague@example.com"]
    assert "/organisations/invitations/" in mail.outbox[0].body


def test_demo_pages_pass_axe(page: Page, site, transactional_db):
    """Pages with real data: directory, organisation, steward console."""
    from kindred.core.demo import build

    build(scale=40, seed=3)
    page.goto(site + "/account/login/")
    page.get_by_label(re.compile("^Email", re.I)).fill("steward@example.org")
    page.get_by_label(re.compile("^Password", re.I)).fill("kindred-demo")
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    expect(page.get_by_text(re.compile("Demo account", re.I)).first).to_be_visible()
    for path in (
        "/",
        "/members/",
        "/members/?stage=growing",
        "/organisations/",
        "/organisations/northshire-growth-hub/",
        "/organisations/mindful-founders-cic/manage/",
        "/organisations/mindful-founders-cic/webhooks/",
        "/steward/",
        "/steward/topics/",
        "/steward/people/",
        "/steward/organisations/",
        "/account/",
        "/account/tokens/",
        "/account/2fa/",
    ):
        page.goto(site + path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)
