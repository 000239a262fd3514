"""An entrepreneur reads their consents, withdraws one and sees who saw their
referral — in a real browser, every page checked by axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in
from tests.conftest import make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def referral(transactional_db):
    from kindred.directory.models import Service
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.referrals import services
    from kindred.referrals.models import Consent
    from kindred.referrals.services import ConsentInput

    adviser = make_person("adviser@hub.example", "Ada Adviser")
    reader = make_person("ravi@mindful.example", "Ravi Practitioner")
    make_person("erin@founder.example", "Erin Entrepreneur")
    hub = Organisation.objects.create(name="Growth Hub", slug="hub", kind="charity")
    mindful = Organisation.objects.create(
        name="Mindful Founders", slug="mindful", kind="charity"
    )
    Membership.objects.create(organisation=hub, user=adviser, role=Role.PRACTITIONER)
    Membership.objects.create(organisation=mindful, user=reader, role=Role.ADMIN)
    service = Service.objects.create(
        organisation=mindful,
        name="Founder wellbeing programme",
        description="Eight weeks.",
        application_process="Ask.",
    )
    from kindred.accounts.models import User

    made = services.create_referral(
        by=adviser,
        entrepreneur=User.objects.get(email="erin@founder.example"),
        consent=ConsentInput(
            fields=["name", "email"],
            purpose="To offer a place on the programme.",
            expires_on=timezone.localdate() + timedelta(days=90),
            method=Consent.Method.VERBAL,
            given_on=timezone.localdate(),
        ),
        service=service,
        from_organisation=hub,
    )
    services.record_view(made, by=reader)
    return made


def test_see_and_withdraw_a_consent(page: Page, site, referral):
    log_in(page, site, "erin@founder.example")
    page.goto(site + "/account/consents/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your consents")
    expect(page.get_by_text("Mindful Founders").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role(
        "button", name="Withdraw consent given to Mindful Founders"
    ).click()
    expect(page.get_by_text("Consent withdrawn.")).to_be_visible()
    expect(page.get_by_text("Withdrawn", exact=True).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Who saw your records").click()
    expect(page.get_by_text("Ravi Practitioner").first).to_be_visible()
    assert_accessible(page)
