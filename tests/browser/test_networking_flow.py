"""Two members opt in to a networking programme, the round runs, the
introduction is shown and "we met" is recorded — in a real browser, every page
checked by axe."""

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
def programme(transactional_db):
    from django.utils import timezone

    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.networking import services
    from kindred.networking.models import Programme

    vocabulary.seed(Topic, Region, Sector)
    make_person("ann@example.com", "Ann Archer")
    make_person("ben@example.com", "Ben Baker")
    steward = make_person("steward@example.com", "Stella Steward", steward=True)
    return services.create_programme(
        by=steward,
        name="Random coffee",
        audience=Programme.Audience.EVERYONE,
        cadence=Programme.Cadence.MONTHLY,
        next_round_on=timezone.localdate(),
    )


def test_opt_in_round_introduction_we_met(page: Page, site, programme):
    from kindred.networking import services
    from kindred.networking.models import Introduction

    for email in ("ann@example.com", "ben@example.com"):
        log_in(page, site, email)
        page.goto(site + "/networking/")
        assert_accessible(page)
        page.get_by_role("link", name="Random coffee").click()
        assert_accessible(page)
        page.get_by_role("button", name="Opt in").click()
        expect(page.get_by_text("You are in the next round.")).to_be_visible()
        assert_accessible(page)
        log_out(page)

    services.run_due_rounds()

    log_in(page, site, "ann@example.com")
    page.goto(site + "/networking/")
    page.get_by_role("link", name="Ben Baker").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meet Ben Baker")
    assert_accessible(page)
    page.get_by_label("Yes, we met").check()
    page.get_by_label("How useful was it? (optional)").select_option("5")
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_text("your answer is recorded")).to_be_visible()
    assert_accessible(page)
    page.goto(site + "/networking/do-not-pair/")
    assert_accessible(page)
    assert Introduction.objects.get().status == Introduction.Status.MET
