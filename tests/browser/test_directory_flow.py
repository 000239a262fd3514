"""An entrepreneur finds the wellbeing programme by search (with a typo) and through
the navigator, saves a support plan, ticks a step off and shares it with an adviser;
a steward imports the official HSDS examples and watches the progress — in a real
browser, every page checked by axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation_flow import totp_code
from tests.conftest import PASSWORD, make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def ecosystem(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.directory import services
    from kindred.organisations.models import Membership, Organisation, Role

    # An earlier browser test may have flushed the seeded vocabularies.
    vocabulary.seed(Topic, Region, Sector)
    lead = make_person("lead@example.com", "Rhys Lead", mfa=True)
    adviser = make_person("adviser@example.com", "Aisha Adviser")
    founder = make_person("founder@example.com", "Jamal Founder")
    steward = make_person("steward@example.com", "Sam Steward", steward=True, mfa=True)
    mindful = Organisation.objects.create(
        name="Mindful Founders CIC", slug="mindful-founders", kind="charity"
    )
    hub = Organisation.objects.create(
        name="Growth Hub", slug="growth-hub", kind="public_agency"
    )
    Membership.objects.create(organisation=mindful, user=lead, role=Role.ADMIN)
    Membership.objects.create(organisation=hub, user=adviser, role=Role.PRACTITIONER)
    topic = Topic.objects.get(slug="founder-mental-health")
    services.create_service(
        mindful,
        by=lead,
        name="Founder Wellbeing Programme",
        description="Eight weeks of small-group sessions on stress and resilience.",
        application_process="Email the programme lead.",
        topics=[topic, Topic.objects.get(slug="mindfulness")],
        is_programme=True,
        delivery="hybrid",
    )
    return {"founder": founder, "steward": steward, "topic": topic}


def log_in(page: Page, site: str, email: str) -> None:
    page.goto(site + "/account/login/")
    page.get_by_label(re.compile("^Email", re.I)).fill(email)
    page.get_by_label(re.compile("^Password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    code = page.get_by_role("textbox", name="Code")
    logged_in = page.get_by_role("button", name=re.compile("Log out", re.I))
    expect(code.or_(logged_in)).to_be_visible()
    if code.is_visible():
        from allauth.mfa.models import Authenticator
        from allauth.mfa.utils import decrypt

        totp = Authenticator.objects.get(user__email=email, type="totp")
        code.fill(totp_code(decrypt(totp.data["secret"])))
        page.get_by_role("button", name=re.compile("Sign in|Confirm", re.I)).click()
    expect(page.get_by_role("button", name=re.compile("Log out", re.I))).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Log out", re.I)).click()


def test_founder_finds_help_and_saves_a_plan(page: Page, site, ecosystem):
    # Anyone may search the directory; a typo still finds the programme.
    page.goto(site + "/directory/")
    assert_accessible(page)
    page.get_by_label("Search", exact=True).fill("wellbeng")
    page.get_by_role("button", name="Search", exact=True).click()
    result = page.get_by_role("link", name="Founder Wellbeing Programme")
    expect(result).to_be_visible()
    expect(page.get_by_text(re.compile("instead of “wellbeng”"))).to_be_visible()
    assert_accessible(page)
    result.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wellbeing")
    assert_accessible(page)

    # The founder runs the navigator and saves the plan.
    log_in(page, site, "founder@example.com")
    page.goto(site + "/navigator/")
    assert_accessible(page)
    page.get_by_label("What stage is the business at?").select_option("start_up")
    page.get_by_label("What do you need help with?").select_option(
        label="Founder mental health"
    )
    page.get_by_label("Now: it is urgent").check()
    page.get_by_role("button", name="Show my support plan").click()
    expect(page.get_by_role("link", name="Founder Wellbeing Programme")).to_be_visible()
    expect(
        page.get_by_text(re.compile("Helps with Founder mental health"))
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Plan title").fill("Looking after myself")
    page.get_by_role("button", name="Save as my support plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Looking after myself")
    assert_accessible(page)

    # Tick the first step off (htmx swaps the item in place).
    page.get_by_role("button", name=re.compile("^Mark done")).first.click()
    expect(page.get_by_role("button", name=re.compile("^Done"))).to_be_visible()

    # Share the plan with an adviser of the founder's choice.
    page.get_by_label("Adviser").select_option(label="Aisha Adviser")
    page.get_by_role("button", name="Share with this adviser").click()
    expect(page.get_by_text("Shared with Aisha Adviser.")).to_be_visible()
    assert_accessible(page)

    from kindred.directory.models import SupportPlan

    plan = SupportPlan.objects.get(owner=ecosystem["founder"])
    assert plan.items.filter(done_at__isnull=False).count() == 1
    assert plan.shared_with.get().email == "adviser@example.com"

    # The adviser sees the shared plan.
    log_out(page)
    log_in(page, site, "adviser@example.com")
    page.goto(site + "/navigator/plans/")
    page.get_by_role("link", name="Looking after myself").click()
    expect(page.get_by_text("Plan of Jamal Founder")).to_be_visible()
    assert_accessible(page)


def test_steward_imports_the_hsds_examples(page: Page, site, ecosystem):
    from kindred.directory.hsds import SPEC_DIR

    log_in(page, site, "steward@example.com")
    page.goto(site + "/steward/directory/")
    assert_accessible(page)
    page.get_by_label("HSDS file").set_input_files(
        str(SPEC_DIR / "examples" / "service_full.json")
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("status")).to_contain_text("Finished")
    expect(page.get_by_text(re.compile("1 services"))).to_be_visible()
    assert_accessible(page)

    from kindred.directory.models import Service

    assert Service.objects.filter(name="Community Counselling").exists()
