"""A member opens Your data, downloads everything, is refused with a wrong
password, then deletes their account — in a real browser, checked by axe."""

from __future__ import annotations

import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in
from tests.conftest import PASSWORD, make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def people(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic

    vocabulary.seed(Topic, Region, Sector)
    make_person("leaver@example.com", "Lena Leaver")


def test_download_then_delete_account(page: Page, site, people, tmp_path):
    from kindred.accounts.models import User

    log_in(page, site, "leaver@example.com")
    page.goto(site + "/account/data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download all my data").click()
    path = tmp_path / "export.zip"
    download_info.value.save_as(path)
    archive = zipfile.ZipFile(path)
    data = json.loads(archive.read("data.json"))
    assert data["providers"]["accounts.account"]["records"]["account"]["email"] == (
        "leaver@example.com"
    )
    assert "Lena Leaver" in archive.read("summary.html").decode()

    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_text("That is not your password")).to_be_visible()
    assert_accessible(page)
    assert User.objects.get(email="leaver@example.com").is_active

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your account has been deleted"
    )
    assert_accessible(page)
    assert not User.objects.filter(email="leaver@example.com").exists()
