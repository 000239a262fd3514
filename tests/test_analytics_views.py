# ruff: noqa: F811
"""The ecosystem analytics pages: the steward's dashboard and network view, an
organisation's view for its staff, the public page while on, a member's own ties."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kindred.analytics import selectors, services

from .conftest import PASSWORD
from .test_analytics import LAST_MONTH, graph, second_org  # noqa: F401

MONTH = LAST_MONTH.strftime("%Y-%m")


def signed_in(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def inline_scripts(html: str) -> list[str]:
    """<script> elements with neither a src nor a JSON type: the CSP refuses them."""
    found = []
    for attributes in re.findall(r"<script([^>]*)>", html):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        found.append(attributes)
    return found


@pytest.fixture
def snapshot(graph):  # noqa: F811
    return services.take_snapshot(LAST_MONTH)


# --- the dashboard -----------------------------------------------------------------


def test_dashboard_shows_figures_story_charts_and_tables(
    client, steward, snapshot, django_assert_max_num_queries
):
    signed_in(client, steward)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="story"' in html
    for sentence in selectors.month_story(snapshot):
        assert sentence in html
    assert 'id="ecosystem-series"' in html
    assert html.count('class="metric-chart"') == len(selectors.METRICS)
    assert html.count("<details") >= len(selectors.METRICS)
    assert reverse("analytics:export_metrics") in html
    assert not inline_scripts(html)
