# ruff: noqa: F811
"""The analytics API: snapshots for stewards, an organisation's view for its
staff, the public figures while switched on, a member's own ties."""

from __future__ import annotations

from rest_framework.test import APIClient

from kindred.analytics import services
from kindred.analytics.models import Snapshot

from .test_analytics import LAST_MONTH, graph, second_org  # noqa: F401
from .test_directory_api import api_for, assert_problem

BASE = "/api/v1/analytics"
MONTH = LAST_MONTH.strftime("%Y-%m")


def test_steward_takes_and_reads_snapshots(graph, steward):  # noqa: F811
    api = api_for(steward)
    response = api.post(f"{BASE}/snapshots", {"month": MONTH}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["month"] == MONTH
    listed = api.get(f"{BASE}/snapshots").json()
    assert [s["month"] for s in listed] == [MONTH]
    detail = api.get(f"{BASE}/snapshots/{MONTH}").json()
    assert detail["metrics"]["ties"] == 3
    assert detail["story"]
    assert_problem(api.get(f"{BASE}/snapshots/1999-01"), 404)


def test_bad_month_is_refused_and_nothing_written(graph, steward):  # noqa: F811
    api = api_for(steward)
    assert_problem(
        api.post(f"{BASE}/snapshots", {"month": "next"}, format="json"), 400, "month"
    )
    assert_problem(
        api.post(f"{BASE}/snapshots", {"month": "2999-01"}, format="json"),
        400,
        "month",
    )
    assert not Snapshot.objects.exists()


def test_members_cannot_see_or_take_snapshots(graph, owner):  # noqa: F811
    api = api_for(owner)
    assert_problem(api.get(f"{BASE}/snapshots"), 403)
    assert_problem(api.post(f"{BASE}/snapshots", {"month": MONTH}, format="json"), 403)
    assert not Snapshot.objects.exists()
    assert_problem(api.get(f"{BASE}/export/metrics.csv"), 403)
    assert_problem(api.get(f"{BASE}/export/graph.gexf"), 403)


def test_organisation_view_for_its_staff_and_404_for_others(
    graph,  # noqa: F811
    organisation,
    second_org,  # noqa: F811
    owner,
    outsider,
    steward,
):
    services.take_snapshot(LAST_MONTH)
    mine = api_for(owner).get(f"{BASE}/organisations/{organisation.pk}")
    assert mine.status_code == 200, mine.content
    body = mine.json()
    assert body["month"] == MONTH
    assert body["partners"][0]["organisation"]["id"] == second_org.pk
    assert body["partners"][0]["ties"] is None  # below five
    other = api_for(outsider).get(f"{BASE}/organisations/{organisation.pk}")
    assert_problem(other, 404)
    missing = api_for(owner).get(f"{BASE}/organisations/999999")
    assert_problem(missing, 404)
    steward_view = api_for(steward).get(f"{BASE}/organisations/{organisation.pk}")
    assert steward_view.json()["partners"][0]["ties"] == 2


def test_public_figures_404_when_off(graph, steward):  # noqa: F811
    services.take_snapshot(LAST_MONTH)
    anonymous = APIClient()
    assert_problem(anonymous.get(f"{BASE}/public"), 404)
    services.set_public_page(True, by=steward)
    response = anonymous.get(f"{BASE}/public")
    assert response.status_code == 200
    assert response.json()["month"] == MONTH
    assert response.json()["figures"]["ties"] is None


def test_my_ties_are_only_my_own(graph, outsider, owner):  # noqa: F811
    ties = api_for(outsider).get(f"{BASE}/me/ties").json()
    assert [(t["kind"], t["other"]) for t in ties] == [("help", "Olive Owner")]
    assert len(api_for(owner).get(f"{BASE}/me/ties").json()) == 2
    assert APIClient().get(f"{BASE}/me/ties").status_code == 401
