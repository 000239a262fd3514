# ruff: noqa: F811
"""The ecosystem analytics pages: the steward's dashboard and network view, an
organisation's view for its staff, the public page while on, a member's own ties."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kindred.analytics import selectors, services
from kindred.analytics.models import EcosystemSettings, Snapshot
from kindred.core.models import AuditEntry

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


def test_dashboard_without_snapshots_says_what_to_do(client, steward):
    signed_in(client, steward)
    response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    assert "No snapshot has been taken yet." in response.content.decode()


def test_dashboard_shows_the_programmes_outcome_summaries(client, steward, db):
    from django.utils import timezone

    Snapshot.objects.create(
        month=LAST_MONTH,
        taken_at=timezone.now(),
        metrics={
            "ties": 3,
            "programme_outcomes": [
                {
                    "programme": "Founder Wellbeing",
                    "cohort": "Autumn",
                    "enrolled": 6,
                    "shown": True,
                    "scales": [
                        {
                            "scale": "Wellbeing",
                            "n": 6,
                            "mean_change": 0.75,
                            "higher_is_better": True,
                        },
                        {
                            "scale": "Stress",
                            "n": None,
                            "mean_change": None,
                            "higher_is_better": False,
                        },
                    ],
                },
                {
                    "programme": "Founder Wellbeing",
                    "cohort": "Tiny",
                    "enrolled": None,
                    "shown": False,
                    "scales": [],
                },
            ],
        },
    )
    signed_in(client, steward)
    html = client.get(reverse("analytics:dashboard")).content.decode()
    table = html[html.index('id="programme-outcomes"') :]
    table = table[: table.index("</table>")]
    assert "Founder Wellbeing: Autumn" in table and "+0.75" in table
    assert "Stress" in table and "not shown" in table
    assert "Founder Wellbeing: Tiny" in table and "fewer than 5" in table


def test_dashboard_says_when_no_cohort_has_outcomes(client, steward, snapshot):
    signed_in(client, steward)
    html = client.get(reverse("analytics:dashboard")).content.decode()
    assert 'id="programme-outcomes"' not in html
    assert "No programme cohort had started by the end of this month." in html


def test_dashboard_picks_a_month_and_refuses_bad_ones(client, steward, snapshot):
    signed_in(client, steward)
    url = reverse("analytics:dashboard")
    assert client.get(url, {"month": MONTH}).status_code == 200
    bad = client.get(url, {"month": "next month"})
    assert bad.status_code == 400
    assert "YYYY-MM" in bad.content.decode()
    missing = client.get(url, {"month": "2001-01"})
    assert missing.status_code == 404
    assert "There is no snapshot of 2001-01." in missing.content.decode()


def test_members_and_anonymous_cannot_see_steward_pages(client, owner, snapshot):
    steward_urls = [
        reverse("analytics:dashboard"),
        reverse("analytics:network"),
        reverse("analytics:network_json"),
        reverse("analytics:export_metrics"),
        reverse("analytics:export_graph", args=["gexf"]),
        reverse("analytics:export_identifiable"),
    ]
    for url in steward_urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    signed_in(client, owner)
    for url in steward_urls:
        assert client.get(url).status_code == 403, url
    taken = Snapshot.objects.count()
    take = client.post(reverse("analytics:take_snapshot"), {"month": MONTH})
    assert take.status_code == 403
    switch = client.post(reverse("analytics:public_page"), {"enabled": "1"})
    assert switch.status_code == 403
    assert Snapshot.objects.count() == taken
    assert not EcosystemSettings.load().public_page


def test_steward_takes_a_snapshot(client, steward, graph):  # noqa: F811
    signed_in(client, steward)
    response = client.post(reverse("analytics:take_snapshot"), {"month": MONTH})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?month={MONTH}")
    assert Snapshot.objects.filter(month=LAST_MONTH).exists()
    page = client.get(response["Location"])
    assert "is taken" in page.content.decode()


def test_bad_snapshot_month_is_a_message_and_nothing_written(client, steward, graph):  # noqa: F811
    signed_in(client, steward)
    for month in ("soon", "2999-01", ""):
        response = client.post(
            reverse("analytics:take_snapshot"), {"month": month}, follow=True
        )
        assert response.status_code == 200
        assert response.context["messages"], month
    assert not Snapshot.objects.exists()


def test_steward_switches_the_public_page(client, steward, snapshot):
    public = reverse("analytics:public")
    assert client.get(public).status_code == 404
    signed_in(client, steward)
    client.post(reverse("analytics:public_page"), {"enabled": "1"})
    assert EcosystemSettings.load().public_page
    assert AuditEntry.objects.filter(action="analytics.public_page").exists()
    client.logout()
    response = client.get(public)
    assert response.status_code == 200
    html = response.content.decode()
    assert "fewer than 5" in html  # three ties: the count is suppressed
    assert "Olive Owner" not in html
    assert not inline_scripts(html)
    signed_in(client, steward)
    client.post(reverse("analytics:public_page"), {"enabled": "0"})
    client.logout()
    assert client.get(public).status_code == 404


def test_bad_public_page_value_changes_nothing(client, steward, db):
    signed_in(client, steward)
    client.post(reverse("analytics:public_page"), {"enabled": "maybe"})
    assert not EcosystemSettings.load().public_page


# --- exports -----------------------------------------------------------------------


def test_steward_downloads_metrics_and_pseudonymised_graph(client, steward, snapshot):
    signed_in(client, steward)
    csv = client.get(reverse("analytics:export_metrics"))
    assert csv.status_code == 200
    assert csv.content.decode().splitlines()[1].startswith(MONTH)
    for fmt in ("gexf", "graphml"):
        response = client.get(
            reverse("analytics:export_graph", args=[fmt]), {"month": MONTH}
        )
        assert response.status_code == 200, fmt
        assert "attachment" in response["Content-Disposition"]
        assert b"Olive Owner" not in response.content
    assert not AuditEntry.objects.filter(
        action="analytics.identifiable_export"
    ).exists()
    bad = client.get(reverse("analytics:export_graph", args=["pdf"]))
    assert bad.status_code == 400
    assert (
        client.get(
            reverse("analytics:export_graph", args=["gexf"]), {"month": "x"}
        ).status_code
        == 400
    )


def test_identifiable_export_needs_both_ticks_and_is_audited(client, steward, snapshot):
    signed_in(client, steward)
    url = reverse("analytics:export_identifiable")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"month": MONTH, "format": "gexf", "identifiable": "on"})
    assert refused.status_code == 400
    assert not AuditEntry.objects.filter(
        action="analytics.identifiable_export"
    ).exists()
    response = client.post(
        url, {"month": MONTH, "format": "gexf", "identifiable": "on", "confirm": "on"}
    )
    assert response.status_code == 200
    assert b"Olive Owner" in response.content
    audited = AuditEntry.objects.filter(action="analytics.identifiable_export")
    assert audited.count() == 1


# --- the network -------------------------------------------------------------------


def test_network_view_and_its_data(client, steward, snapshot, organisation):
    signed_in(client, steward)
    response = client.get(reverse("analytics:network"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="network-graph"' in html
    assert "Top brokers" in html and "Communities" in html
    assert not inline_scripts(html)
    data = client.get(reverse("analytics:network_json")).json()
    assert data["month"] == MONTH
    assert {n["data"]["label"] for n in data["nodes"]} >= {"Olive Owner"}
    assert data["truncated"] is False
    filtered = client.get(
        reverse("analytics:network_json"),
        {"organisation": organisation.pk, "kinds": ["partnership"]},
    ).json()
    assert [e["data"]["kind"] for e in filtered["edges"]] == ["partnership"]


@pytest.mark.parametrize(
    "query",
    [
        {"organisation": "abc"},
        {"organisation": "999999"},
        {"kinds": "friendship"},
        {"start": "yesterday"},
        {"start": "2026-05-01", "end": "2026-01-01"},
        {"month": "13-2026"},
    ],
)
def test_bad_network_filters_are_400_not_500(client, steward, snapshot, query):
    signed_in(client, steward)
    assert client.get(reverse("analytics:network"), query).status_code == 400
    answer = client.get(reverse("analytics:network_json"), query)
    assert answer.status_code == 400
    assert answer.json()["errors"]


def test_network_without_snapshot_says_so(client, steward, db):
    signed_in(client, steward)
    response = client.get(reverse("analytics:network"))
    assert response.status_code == 200
    assert "No snapshot has been taken yet" in response.content.decode()
    assert client.get(reverse("analytics:network_json")).status_code == 404


# --- an organisation's view -------------------------------------------------------


def test_organisation_view_for_its_staff_with_small_counts_hidden(
    client,
    owner,
    organisation,
    second_org,  # noqa: F811
    snapshot,
    django_assert_max_num_queries,
):
    signed_in(client, owner)
    url = reverse("analytics:organisation", args=[organisation.pk])
    with django_assert_max_num_queries(18):  # constant in the partners
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert second_org.name in html
    assert reverse("organisations:detail", args=[second_org.slug]) in html
    assert "fewer than 5" in html
    assert not inline_scripts(html)


def test_steward_sees_exact_counts_in_an_organisation_view(
    client,
    steward,
    organisation,
    second_org,  # noqa: F811
    snapshot,
):
    signed_in(client, steward)
    response = client.get(reverse("analytics:organisation", args=[organisation.pk]))
    assert response.status_code == 200
    assert "fewer than 5" not in response.content.decode()


def test_organisation_view_is_404_for_others(
    client,
    outsider,
    organisation,
    second_org,  # noqa: F811
    snapshot,
):
    url = reverse("analytics:organisation", args=[organisation.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    signed_in(client, outsider)
    assert client.get(url).status_code == 404  # outsider: as if it did not exist
    assert (
        client.get(reverse("analytics:organisation", args=[999999])).status_code == 404
    )
    huge = client.get("/ecosystem/organisations/99999999999999999999/")
    assert huge.status_code == 404


def test_organisation_page_links_its_staff_to_the_ecosystem_view(
    client, owner, outsider, organisation
):
    url = reverse("organisations:detail", args=[organisation.slug])
    link = reverse("analytics:organisation", args=[organisation.pk])
    signed_in(client, owner)
    assert link in client.get(url).content.decode()
    client.logout()
    signed_in(client, outsider)
    assert link not in client.get(url).content.decode()


# --- a member's own ties ----------------------------------------------------------


def test_members_see_only_their_own_ties(client, outsider, colleague, graph):  # noqa: F811
    url = reverse("analytics:my_ties")
    assert client.get(url).status_code == 302
    signed_in(client, outsider)
    html = client.get(url).content.decode()
    assert "Olive Owner" in html  # owner helped outsider
    assert "Colin Colleague" not in html  # colleague met owner: not outsider's tie
    assert not inline_scripts(html)
    client.logout()
    signed_in(client, colleague)
    html = client.get(url).content.decode()
    assert "Olive Owner" in html
    assert "Oscar Outsider" not in html


def test_no_ties_is_a_helpful_empty_state(client, outsider):
    signed_in(client, outsider)
    assert "No ties yet." in client.get(reverse("analytics:my_ties")).content.decode()


def test_footer_links_the_public_page_only_while_on(client, steward, db):
    link = f'href="{reverse("analytics:public")}"'
    assert link not in client.get(reverse("organisations:list")).content.decode()
    signed_in(client, steward)
    client.post(reverse("analytics:public_page"), {"enabled": "1"})
    client.logout()
    assert link in client.get(reverse("organisations:list")).content.decode()
