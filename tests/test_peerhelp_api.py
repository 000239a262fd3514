"""The peer-help REST API: asks, responses, helpful marks, offers, recommendations.

Every refusal is checked twice: the answer (status, problem+json naming the field)
and the database (nothing was written or changed).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kindred.peerhelp import services
from kindred.peerhelp.models import Ask, HelpInvitation, Offer, Response, Thanks

from .test_directory_api import api_for, assert_problem
from .test_peerhelp import *  # noqa: F403 - the shared fixtures


def test_an_ask_is_posted_once_even_when_retrying(
    asker, helper, offer, finance, django_capture_on_commit_callbacks
):
    api = api_for(asker)
    body = {
        "title": "Forecasting for a seasonal shop",
        "details": "**Ice cream** in summer only.",
        "topics": [finance.pk],
        "kind": "call",
        "urgency": "urgent",
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/asks", body, format="json", HTTP_IDEMPOTENCY_KEY="a1")
    assert first.status_code == 201, first.json()
    again = api.post("/api/v1/asks", body, format="json", HTTP_IDEMPOTENCY_KEY="a1")
    assert again.json()["id"] == first.json()["id"]
    data = first.json()
    assert (data["kind"], data["urgency"], data["status"]) == ("call", "urgent", "open")
    assert data["topics"][0]["slug"] == "cash-flow"
    assert Ask.objects.count() == 1
    recs = api.get(f"/api/v1/asks/{data['id']}/recommendations").json()
    assert recs[0]["person"]["id"] == helper.profile.pk
    assert recs[0]["reason"] and recs[0]["invited"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": 12}, "title"),
        ({"title": "ok", "details": "a\x00b"}, "details"),
        ({"title": "ok", "topics": [2**62]}, "topics"),
        ({"title": "ok", "topics": [2**70]}, "topics"),
        ({"title": "ok", "kind": "money"}, "kind"),
        ({"title": "ok", "visibility": "group", "group": "nope"}, "group"),
        ({"title": "ok", "visibility": "group"}, "group"),
        ({"title": "ok", "details": '<a href="javascript:alert(1)">x</a>'}, "details"),
    ],
)
def test_a_bad_ask_is_a_problem_naming_the_field(asker, body, field):
    assert_problem(api_for(asker).post("/api/v1/asks", body, format="json"), 400, field)
    assert not Ask.objects.exists()


def test_a_private_group_ask_is_404_to_non_members_on_every_route(
    group_ask, ask, stranger, helper
):
    api = api_for(stranger)
    base = f"/api/v1/asks/{group_ask.pk}"
    for url in (base, f"{base}/responses", f"{base}/recommendations"):
        assert_problem(api.get(url), 404)
    assert_problem(api.patch(base, {"title": "x"}, format="json"), 404)
    assert_problem(api.post(f"{base}/close", {"solved": True}, format="json"), 404)
    assert_problem(api.post(f"{base}/responses", {"body": "hi"}, format="json"), 404)
    assert_problem(api.get("/api/v1/asks/999999999"), 404)
    assert_problem(api.get(f"/api/v1/asks/{2**63}"), 404)
    listed = [a["id"] for a in api.get("/api/v1/asks").json()["results"]]
    assert listed == [ask.pk]
    assert group_ask.pk not in [a["id"] for a in api.get("/api/v1/asks/for-me").json()]
    assert not Response.objects.exists()
    group_ask.refresh_from_db()
    assert group_ask.is_open and group_ask.title != "x"
    member = api_for(helper)
    assert member.get(base).status_code == 200


def test_the_author_edits_closes_and_reopens_others_cannot(ask, asker, helper):
    other = api_for(helper)
    assert_problem(
        other.patch(f"/api/v1/asks/{ask.pk}", {"title": "Mine"}, format="json"), 403
    )
    assert_problem(
        other.post(f"/api/v1/asks/{ask.pk}/close", {"solved": True}, format="json"),
        403,
    )
    assert_problem(other.get(f"/api/v1/asks/{ask.pk}/recommendations"), 403)
    api = api_for(asker)
    edited = api.patch(f"/api/v1/asks/{ask.pk}", {"urgency": "low"}, format="json")
    assert edited.json()["urgency"] == "low"
    assert edited.json()["topics"][0]["slug"] == "cash-flow"  # kept
    closed = api.post(f"/api/v1/asks/{ask.pk}/close", {"solved": True}, format="json")
    assert closed.json()["status"] == "solved"
    assert_problem(
        api.post(f"/api/v1/asks/{ask.pk}/close", {"solved": False}, format="json"),
        409,
    )
    assert_problem(
        api.post(f"/api/v1/asks/{ask.pk}/close", {"solved": "yes"}, format="json"),
        400,
        "solved",
    )
    assert api.post(f"/api/v1/asks/{ask.pk}/reopen").json()["status"] == "open"


def test_responses_calls_and_helpful_with_thanks(ask, asker, helper, stranger):
    api = api_for(helper)
    reply = api.post(
        f"/api/v1/asks/{ask.pk}/responses",
        {"body": "Use a 13-week view."},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r1",
    )
    assert reply.status_code == 201, reply.json()
    when = (timezone.now() + timedelta(days=2)).isoformat()
    call = api.post(
        f"/api/v1/asks/{ask.pk}/responses",
        {"kind": "call", "call_at": when, "call_minutes": 45},
        format="json",
    )
    assert call.status_code == 201 and call.json()["room_url"].startswith("http")
    nested = api_for(stranger).post(
        f"/api/v1/asks/{ask.pk}/responses",
        {"body": "Agreed", "parent": reply.json()["id"]},
        format="json",
    )
    assert nested.json()["parent"] == reply.json()["id"]
    listed = api_for(stranger).get(f"/api/v1/asks/{ask.pk}/responses").json()
    assert [r["room_url"] for r in listed["results"]] == [None, None, None]
    as_asker = api_for(asker).get(f"/api/v1/asks/{ask.pk}/responses").json()
    assert as_asker["results"][1]["room_url"] == call.json()["room_url"]
    url = f"/api/v1/asks/{ask.pk}/responses/{reply.json()['id']}/helpful"
    assert_problem(api_for(stranger).post(url, {}, format="json"), 403)
    done = api_for(asker).post(
        url, {"note": "Thank you!", "public": True}, format="json"
    )
    assert done.json()["helped"] is True
    assert Thanks.objects.get().is_public
    assert_problem(api_for(asker).post(url, {"note": "Again"}, format="json"), 409)
    figures = api.get("/api/v1/asks/give-get").json()
    assert (figures["helped"], figures["helped_by"]) == (1, 0)
    assert figures["ecosystem"]["helpful_responses"] == 1


def test_bad_responses_change_nothing(ask, asker, helper):
    api = api_for(helper)
    base = f"/api/v1/asks/{ask.pk}/responses"
    assert_problem(api.post(base, {"body": ""}, format="json"), 400, "body")
    assert_problem(api.post(base, {"kind": "call"}, format="json"), 400, "call_at")
    past = (timezone.now() - timedelta(days=1)).isoformat()
    assert_problem(
        api.post(base, {"kind": "call", "call_at": past}, format="json"),
        400,
        "call_at",
    )
    assert_problem(api.post(base, {"body": "x", "parent": 2**63}, format="json"), 400)
    assert_problem(api.post(base, {"body": "x", "parent": 99999}, format="json"), 404)
    assert_problem(
        api.post(f"{base}/99999999/helpful", {}, format="json"),
        404,
    )
    assert not Response.objects.exists()


def test_offers_crud_by_their_helper_only(helper, stranger, finance):
    api = api_for(helper)
    made = api.post(
        "/api/v1/offers",
        {"title": "Deck reviews", "topics": [finance.pk], "monthly_limit": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY="o1",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert_problem(
        api.post("/api/v1/offers", {"title": "x", "monthly_limit": 21}, format="json"),
        400,
        "monthly_limit",
    )
    assert Offer.objects.count() == 1
    other = api_for(stranger)
    assert other.get(f"/api/v1/offers/{pk}").status_code == 200
    assert_problem(
        other.patch(f"/api/v1/offers/{pk}", {"title": "Mine"}, format="json"), 403
    )
    assert_problem(other.delete(f"/api/v1/offers/{pk}"), 403)
    paused = api.patch(f"/api/v1/offers/{pk}", {"is_active": False}, format="json")
    assert paused.json()["is_active"] is False
    assert paused.json()["topics"][0]["slug"] == "cash-flow"
    assert_problem(other.get(f"/api/v1/offers/{pk}"), 404)  # paused: its helper's
    assert pk not in [o["id"] for o in other.get("/api/v1/offers").json()["results"]]
    assert pk in [
        o["id"] for o in api.get("/api/v1/offers?mine=true").json()["results"]
    ]
    assert api.delete(f"/api/v1/offers/{pk}").status_code == 204
    assert not Offer.objects.exists()


def test_anonymous_callers_get_401(ask):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/asks").status_code in (401, 403)


def test_the_asks_list_costs_the_same_for_3_and_25_asks(
    asker, helper, finance, django_assert_max_num_queries
):
    api = api_for(helper)
    for n in range(25):
        a = Ask.objects.create(author=asker, title=f"Ask {n}")
        a.topics.add(finance)
        HelpInvitation.objects.create(ask=a, user=helper, rank=1)
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/asks").status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/offers").status_code == 200


def test_a_solved_ask_reaches_the_askers_organisation_webhooks(
    ask, asker, org, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "kindred.webhooks.services.emit",
        lambda organisation, event, data: sent.append((organisation, event, data)),
    )
    services.close_ask(ask, by=asker, solved=True)
    assert [(o, e) for o, e, _d in sent] == [(org, "ask.solved")]
    assert sent[0][2]["ask"] == ask.pk


def test_a_solved_group_ask_sends_no_webhook(group_ask, asker, org, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "kindred.webhooks.services.emit", lambda *args: sent.append(args)
    )
    services.close_ask(group_ask, by=asker, solved=True)
    assert sent == []
