"""Peer-help pages: the happy paths, who may do what, bad input and query counts."""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kindred.peerhelp import services
from kindred.peerhelp.models import Ask, HelpInvitation, Offer, Response, Thanks

from .conftest import make_person
from .test_peerhelp import *  # noqa: F403 - the shared fixtures


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_anonymous_people_are_sent_to_sign_in(client, ask):
    for url in ("/asks/", f"/asks/{ask.pk}/", "/asks/offers/", "/asks/new/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_the_asks_page_shows_open_asks_counters_and_empty_states(client, asker, helper):
    client.force_login(helper)
    page = client.get("/asks/").content.decode()
    assert "No open asks yet" in page
    assert "You helped 0 people." in page
    assert "Asks you could help with" in page


def test_posting_an_ask_invites_helpers_and_shows_them_to_the_asker(
    client, asker, helper, offer, finance, django_capture_on_commit_callbacks
):
    client.force_login(asker)
    assert client.get("/asks/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/asks/new/",
            {
                "title": "Cash flow for a seasonal shop",
                "details": "We sell *ice cream*.",
                "topics": [finance.pk],
                "kind": "advice",
                "urgency": "normal",
                "visibility": "ecosystem",
            },
        )
    ask = Ask.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/asks/{ask.pk}/"
    page = client.get(f"/asks/{ask.pk}/").content.decode()
    assert "Recommended helpers" in page
    assert "Hal Helper" in page
    assert escape(HelpInvitation.objects.get(ask=ask).reason) in page
    assert "<em>ice cream</em>" in page
    client.force_login(helper)
    assert "Recommended helpers" not in client.get(f"/asks/{ask.pk}/").content.decode()
    assert "Cash flow for a seasonal shop" in client.get("/asks/").content.decode()


def test_a_bad_ask_shows_the_field_keeps_the_input_and_writes_nothing(client, asker):
    client.force_login(asker)
    response = client.post(
        "/asks/new/",
        {
            "title": "",
            "details": "Kept text",
            "kind": "advice",
            "urgency": "normal",
            "visibility": "group",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Kept text" in page
    assert not Ask.objects.exists()


def test_a_group_ask_in_a_group_one_is_not_in_is_refused(
    client, stranger, private_group
):
    client.force_login(stranger)
    response = client.post(
        "/asks/new/",
        {
            "title": "Sneaky",
            "kind": "advice",
            "urgency": "normal",
            "visibility": "group",
            "group": private_group.pk,
        },
    )
    assert response.status_code == 400
    assert not Ask.objects.exists()


def test_a_private_group_ask_is_invisible_to_non_members_on_every_page(
    client, group_ask, stranger, helper
):
    client.force_login(stranger)
    for url in (
        f"/asks/{group_ask.pk}/",
        f"/asks/{group_ask.pk}/edit/",
    ):
        assert client.get(url).status_code == 404
    for url in (
        f"/asks/{group_ask.pk}/respond/",
        f"/asks/{group_ask.pk}/close/",
        f"/asks/{group_ask.pk}/call/",
    ):
        assert client.post(url, {"body": "x", "outcome": "solved"}).status_code == 404
    assert group_ask.title not in client.get("/asks/").content.decode()
    assert group_ask.title not in client.get("/asks/?q=Secret").content.decode()
    # forbidden and non-existent answer the same
    missing = client.get("/asks/999999/")
    assert missing.status_code == 404
    assert not Response.objects.exists()
    group_ask.refresh_from_db()
    assert group_ask.is_open
    client.force_login(helper)
    assert client.get(f"/asks/{group_ask.pk}/").status_code == 200


def test_only_the_author_edits_and_closes(client, ask, asker, helper):
    client.force_login(helper)
    assert client.get(f"/asks/{ask.pk}/edit/").status_code == 403
    assert (
        client.post(f"/asks/{ask.pk}/close/", {"outcome": "solved"}).status_code == 403
    )
    ask.refresh_from_db()
    assert ask.is_open
    client.force_login(asker)
    response = client.post(
        f"/asks/{ask.pk}/edit/",
        {
            "title": "Forecasting a seasonal shop",
            "kind": "call",
            "urgency": "urgent",
            "visibility": "ecosystem",
        },
    )
    assert response.status_code == 302
    client.post(f"/asks/{ask.pk}/close/", {"outcome": "solved"})
    ask.refresh_from_db()
    assert ask.status == Ask.Status.SOLVED and ask.kind == "call"
    client.post(f"/asks/{ask.pk}/reopen/")
    ask.refresh_from_db()
    assert ask.is_open


def test_reply_thread_mark_helpful_and_thank(client, ask, asker, helper, stranger):
    client.force_login(helper)
    response = client.post(f"/asks/{ask.pk}/respond/", {"body": "Try a 13-week view."})
    first = Response.objects.get()
    assert response["Location"] == f"/asks/{ask.pk}/#response-{first.pk}"
    client.force_login(stranger)
    client.post(f"/asks/{ask.pk}/respond/", {"body": "Seconded", "parent": first.pk})
    assert Response.objects.get(body="Seconded").parent == first
    assert (
        client.post(f"/asks/{ask.pk}/responses/{first.pk}/helpful/").status_code == 403
    )
    client.force_login(asker)
    client.post(
        f"/asks/{ask.pk}/responses/{first.pk}/helpful/",
        {"note": "This saved my summer", "public": "on"},
    )
    first.refresh_from_db()
    assert first.helped
    assert Thanks.objects.get().is_public
    client.force_login(helper)
    assert "You helped 1 person." in client.get("/asks/").content.decode()
    assert "This saved my summer" in client.get("/asks/thanks/").content.decode()
    client.force_login(stranger)
    public = client.get(f"/asks/thanks/{helper.profile.pk}/").content.decode()
    assert "This saved my summer" in public


def test_private_thanks_and_group_thanks_stay_off_the_public_page(
    client, group_ask, ask, asker, helper, stranger
):
    for target, public in ((ask, False), (group_ask, True)):
        reply = services.respond(target, by=helper, body="Answer")
        services.mark_helpful(
            reply, by=asker, note=f"Thanks {target.pk}", public=public
        )
    client.force_login(stranger)
    page = client.get(f"/asks/thanks/{helper.profile.pk}/").content.decode()
    assert f"Thanks {ask.pk}" not in page
    assert f"Thanks {group_ask.pk}" not in page
    assert group_ask.title not in page
    client.force_login(helper)
    own = client.get("/asks/thanks/").content.decode()
    assert f"Thanks {ask.pk}" in own and f"Thanks {group_ask.pk}" in own
    assert client.get("/asks/thanks/99999999999999999999/").status_code == 404


def test_a_bad_thank_you_is_shown_and_nothing_is_marked(client, ask, asker, helper):
    reply = services.respond(ask, by=helper, body="Answer")
    client.force_login(asker)
    response = client.post(
        f"/asks/{ask.pk}/responses/{reply.pk}/helpful/", {"note": "x" * 2001}
    )
    assert response.status_code == 400
    reply.refresh_from_db()
    assert not reply.helped and not Thanks.objects.exists()


def test_a_call_offer_shows_the_room_to_asker_and_helper_only(
    client, ask, asker, helper, stranger
):
    client.force_login(helper)
    when = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/asks/{ask.pk}/call/",
        {"call-call_at": when, "call-minutes": 30, "call-body": "Happy to talk"},
    )
    assert response.status_code == 302
    call = Response.objects.get()
    assert call.is_call
    assert call.room_url in client.get(f"/asks/{ask.pk}/").content.decode()
    ics = client.get(f"/asks/{ask.pk}/responses/{call.pk}/call.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content
    assert call.room_url.encode() in ics.content.replace(b"\r\n ", b"")
    client.force_login(asker)
    assert client.get(f"/asks/{ask.pk}/responses/{call.pk}/call.ics").status_code == 200
    client.force_login(stranger)
    assert call.room_url not in client.get(f"/asks/{ask.pk}/").content.decode()
    assert client.get(f"/asks/{ask.pk}/responses/{call.pk}/call.ics").status_code == 404


def test_a_call_in_the_past_is_refused_with_the_field_named(client, ask, helper):
    client.force_login(helper)
    when = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/asks/{ask.pk}/call/", {"call-call_at": when, "call-minutes": 30}
    )
    assert response.status_code == 400
    assert "Propose a time in the future." in response.content.decode()
    assert not Response.objects.exists()


def test_offers_are_listed_made_edited_and_paused(client, helper, stranger, offer):
    client.force_login(stranger)
    assert offer.title in client.get("/asks/offers/").content.decode()
    assert client.get(f"/asks/offers/{offer.pk}/edit/").status_code == 404
    assert client.post(f"/asks/offers/{offer.pk}/toggle/").status_code == 404
    response = client.post(
        "/asks/offers/new/",
        {
            "title": "Export paperwork",
            "format": "call",
            "monthly_limit": 3,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Offer.objects.get(helper=stranger).monthly_limit == 3
    bad = client.post(
        "/asks/offers/new/",
        {"title": "Too many", "format": "call", "monthly_limit": 21},
    )
    assert bad.status_code == 400
    assert Offer.objects.filter(helper=stranger).count() == 1
    client.force_login(helper)
    client.post(f"/asks/offers/{offer.pk}/toggle/")
    offer.refresh_from_db()
    assert not offer.is_active
    page = client.get("/asks/offers/?q=cash").content.decode()
    assert offer.title not in page.split("Offers in the ecosystem")[1]


def test_asks_you_could_help_with_lists_matching_visible_asks(
    client, ask, group_ask, helper, stranger, offer, finance
):
    Offer.objects.create(helper=stranger, title="Cash too").topics.add(finance)
    client.force_login(helper)
    page = client.get("/asks/").content.decode()
    section = page.split("Asks you could help with")[1].split("Your open asks")[0]
    assert ask.title in section and group_ask.title in section
    client.force_login(stranger)
    page = client.get("/asks/").content.decode()
    section = page.split("Asks you could help with")[1].split("Your open asks")[0]
    assert ask.title in section and group_ask.title not in section


def _fill(asker, helper, finance, count: int) -> None:
    start = Ask.objects.count()
    people = [
        make_person(f"r{start}-{n}@example.com", f"Responder {n}") for n in range(3)
    ]
    for n in range(count):
        a = Ask.objects.create(author=asker, title=f"Ask {n}")
        a.topics.add(finance)
        r = Response.objects.create(ask=a, author=people[n % 3], body="b", helped=True)
        Thanks.objects.create(
            response=r,
            ask=a,
            sender=asker,
            recipient=r.author,
            note="t",
            is_public=True,
        )
        Response.objects.create(ask=a, author=helper, body="c", parent=r)
        HelpInvitation.objects.create(ask=a, user=people[n % 3], rank=1)


@pytest.mark.parametrize("path", ["/asks/", "/asks/mine/", "/asks/offers/"])
def test_list_pages_cost_the_same_for_3_and_25_asks(
    client, asker, helper, finance, offer, path
):
    client.force_login(asker)
    _fill(asker, helper, finance, 3)
    client.get(path)
    few = _queries(client, path)
    _fill(asker, helper, finance, 22)
    for n in range(22):
        Offer.objects.create(helper=helper, title=f"Offer {n}").topics.add(finance)
    assert _queries(client, path) == few


def test_the_ask_page_cost_does_not_grow_with_responses(
    client, asker, helper, finance, offer, django_assert_max_num_queries
):
    a = Ask.objects.create(author=asker, title="Busy ask")
    client.force_login(asker)

    def add(n: int) -> None:
        for i in range(n):
            person = make_person(f"busy{a.pk}{i}{n}@example.com", f"B {i}")
            r = Response.objects.create(ask=a, author=person, body="b", helped=True)
            Thanks.objects.create(
                response=r, ask=a, sender=asker, recipient=person, note="t"
            )
            Response.objects.create(ask=a, author=helper, body="c", parent=r)
            HelpInvitation.objects.create(ask=a, user=person, rank=i + 1)

    add(2)
    client.get(f"/asks/{a.pk}/")
    few = _queries(client, f"/asks/{a.pk}/")
    add(15)
    assert _queries(client, f"/asks/{a.pk}/") == few
    with django_assert_max_num_queries(25):
        client.get(f"/asks/{a.pk}/")


def test_the_thanks_pages_cost_the_same_for_3_and_25_thanks(
    client, asker, helper, finance
):
    client.force_login(asker)
    _fill(asker, helper, finance, 3)
    recipient = Thanks.objects.first().recipient
    url = f"/asks/thanks/{recipient.profile.pk}/"
    client.get(url)
    few = _queries(client, url)
    _fill(asker, helper, finance, 22)
    assert _queries(client, url) == few
