"""Playwright on Debian's Chromium, one browser for the whole run, axe on every page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = os.environ.get("KINDRED_CHROMIUM", "/usr/bin/chromium")


def pytest_itemcollected(item):
    """Mark every browser test as it is collected (before any plugin's
    pytest_collection_modifyitems, so pytest-xdist's `--dist loadgroup` sees the
    group): all of them go to one worker, so one Chromium serves them all."""
    item.add_marker(pytest.mark.browser)
    item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


_axe = Axe()


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    results = _axe.run(page)
    bad = [
        v
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in bad
    )
    assert not bad, f"axe violations on {page.url}:\n{details}"


def first_link(text: str) -> str:
    match = re.search(r"https?://\S+", text)
    assert match, text
    return match.group(0)


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name: str) -> None:
    """Save the page as it is now to docs/screenshots/<name>.png for the guides.

    Only when KINDRED_SCREENSHOTS is set (`make screenshots`), so an ordinary test
    run leaves the working tree alone; the page is axe-checked either way by the
    test that calls this. Names are kebab-case, role first:
    "entrepreneur-home", "steward-dashboard".
    """
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    if not os.environ.get("KINDRED_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
