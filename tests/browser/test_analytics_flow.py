"""A steward reads the ecosystem's health (charts, story, a chart's table), opens
the network and filters it by organisation; an organisation's admin opens its
ecosystem view — in a real browser, every page checked by axe."""

from __future__ import annotations

from datetime import timedelta

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
    from django.utils import timezone

    from kindred.analytics import services
    from kindred.analytics.models import NodeType, Tie
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.organisations.models import Membership, Organisation, Role

    vocabulary.seed(Topic, Region, Sector)
    make_person("steward@example.com", "Stella Steward", steward=True, mfa=True)
    admin = make_person("admin@example.com", "Ada Admin", mfa=True)
    helper = make_person("helper@example.com", "Hal Helper")
    founder = make_person("founder@example.com", "Fay Founder")
    hub = Organisation.objects.create(
        name="Riverside Growth Hub", slug="riverside-growth-hub", kind="public_agency"
    )
    bank = Organisation.objects.create(
        name="Northshire Enterprise Bank", slug="northshire-bank", kind="charity"
    )
    Membership.objects.create(organisation=hub, user=admin, role=Role.ADMIN)
    Membership.objects.create(organisation=bank, user=helper, role=Role.PRACTITIONER)
    last = services.previous_month(services.previous_month(timezone.localdate()))
    pe, og = NodeType.PERSON, NodeType.ORGANISATION
    months = [last, services.next_month(last)]
    ties = []
    for n, month in enumerate(months):
        day = month + timedelta(days=2)
        ties += [
            Tie(kind="partnership", source_type=og, source_id=hub.pk, target_type=og,
                target_id=bank.pk, on=day, origin=f"b:{n}:1"),
            Tie(kind="help", source_type=pe, source_id=helper.pk, target_type=pe,
                target_id=founder.pk, on=day, origin=f"b:{n}:2"),
            Tie(kind="mentoring", source_type=pe, source_id=admin.pk, target_type=pe,
                target_id=founder.pk, on=day, origin=f"b:{n}:3"),
        ]  # fmt: skip
    Tie.objects.bulk_create(ties)
    for month in months:
        services.take_snapshot(month)
    return {"hub": hub, "bank": bank}


def test_steward_reads_health_and_network_admin_sees_their_view(
    page: Page, site, ecosystem
):
    log_in(page, site, "steward@example.com")
    page.goto(site + "/ecosystem/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ecosystem health")
    expect(page.locator("#story li").first).to_be_visible()
    charts = page.locator("canvas.metric-chart")
    expect(charts.first).to_be_visible()
    # Chart.js has drawn: the canvas has a size set by the library.
    page.wait_for_function(
        "() => window.Chart && "
        "Chart.getChart(document.querySelector('canvas.metric-chart'))"
    )
    assert_accessible(page)
    first_table = page.locator("details").first
    first_table.locator("summary").click()
    expect(first_table.locator("table")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ecosystem network")
    expect(page.locator("#network-graph[data-ready='1'] canvas").first).to_be_attached()
    expect(page.get_by_role("heading", name="Top brokers")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Organisation", exact=True).select_option(
        label="Northshire Enterprise Bank"
    )
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(
        f"{site}/ecosystem/network/?organisation={ecosystem['bank'].pk}"
        + "&month=&start=&end="
    )
    expect(page.locator("#network-graph[data-ready='1'] canvas").first).to_be_attached()
    expect(page.get_by_role("cell", name="Ada Admin")).to_have_count(0)
    assert_accessible(page)
    log_out(page)

    log_in(page, site, "admin@example.com")
    page.goto(site + "/organisations/riverside-growth-hub/")
    page.get_by_role("link", name="Ecosystem view").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Riverside Growth Hub in the ecosystem"
    )
    expect(page.get_by_role("link", name="Northshire Enterprise Bank")).to_be_visible()
    expect(page.get_by_text("fewer than 5").first).to_be_visible()
    assert_accessible(page)
