"""A founder posts an ask, a recommended helper replies, the founder marks the reply
as helpful and thanks them, and both give/get counters change — in a real browser,
every page checked by axe-core."""

from __future__ import annotations

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
def helper_with_offer(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.peerhelp.models import Offer

    vocabulary.seed(Topic, Region, Sector)
    helper = make_person("helper@example.com", "Hana Helper")
    make_person("founder@example.com", "Jamal Founder")
    offer = Offer.objects.create(
        helper=helper,
        title="I build cash-flow forecasts with founders",
        format=Offer.Format.CALL,
    )
    topic = Topic.objects.get(slug="cash-flow-forecasting")
    offer.topics.add(topic)
    return topic


def test_ask_recommended_helper_replies_asker_thanks_counters_change(
    page: Page, site, helper_with_offer
):
    topic = helper_with_offer
    log_in(page, site, "founder@example.com")
    page.goto(site + "/asks/")
    expect(page.get_by_text("0 people helped you.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Ask for help").first.click()
    assert_accessible(page)
    page.get_by_label("Title").fill("My first cash-flow forecast")
    page.get_by_label("Details").fill("The bank wants a **13-week** forecast.")
    page.get_by_label("Topics").select_option(label=topic.name)
    page.get_by_role("button", name="Post the ask").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("cash-flow forecast")
    recommended = page.get_by_role("region", name="Recommended helpers")
    expect(recommended.get_by_text("Hana Helper")).to_be_visible()
    assert_accessible(page)
    ask_url = page.url
    log_out(page)

    log_in(page, site, "helper@example.com")
    page.goto(site + "/asks/")
    could_help = page.get_by_role("region", name="Asks you could help with")
    could_help.get_by_role("link", name="My first cash-flow forecast").click()
    assert page.url == ask_url
    page.get_by_label("Your reply").fill("List every payment by week; start today.")
    page.get_by_role("button", name="Post the reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/asks/offers/")
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "founder@example.com")
    page.goto(ask_url)
    page.get_by_text("This helped").click()
    page.get_by_label("Thank-you note (optional)").fill("That got me started!")
    page.get_by_label("Show this thank-you publicly").check()
    page.get_by_role("button", name="Mark as helpful").click()
    expect(page.get_by_text("Thank you for saying what helped.")).to_be_visible()
    expect(page.get_by_text("That got me started!")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/asks/")
    expect(page.get_by_text("1 person helped you.")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "helper@example.com")
    page.goto(site + "/asks/")
    expect(page.get_by_text("You helped 1 person.")).to_be_visible()
    page.get_by_role("link", name="Thank-yous you received").click()
    expect(page.get_by_text("That got me started!")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="See your public thanks page").click()
    expect(page.get_by_text("That got me started!")).to_be_visible()
    assert_accessible(page)
