"""Privacy and permissions of groups and events, route by route, person by person.

One private group ("secret-circle") with a thread, a reply, a file, a link and an
online event is looked at by everyone who must not read it: a signed-out visitor,
a signed-in outsider, the facilitator of another group, a member who left, a
member who was removed, someone invited who has not accepted, someone who asked
to join, and a steward. Every route (pages, API, .ics, the personal feed,
downloads, searches and filters, the dashboard and organisation page) must answer
a non-reader exactly as for something that does not exist, and must never show the
private content. Members, the facilitator and hosts are the positive controls.

Each test that once documented a bug (xfail) now guards its fix.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from kindred.communities import services as group_services
from kindred.communities.models import (
    Group,
    Membership,
    Reply,
    Resource,
    Thread,
    ThreadFollow,
    UsefulVote,
)
from kindred.core.models import Topic
from kindred.events import services as event_services
from kindred.events.models import Event, Registration
from kindred.events.services import EventDetails
from kindred.notifications.models import Notification

from .conftest import make_person

#: Strings that exist only inside the private group: none may reach a non-reader.
SECRETS = (
    "HUSH-THREAD",
    "HUSH-BODY",
    "HUSH-REPLY",
    "HUSH-FILE",
    "HUSH-LINK",
    "HUSH-EVENT",
    "HUSHROOM",
)
MEMBER_NAMES = ("Mira Member", "Fay Facilitator")
ROOM = "https://zoom.example.com/j/HUSHROOM"
PDF = b"%PDF-1.4 HUSH-FILEDATA"

NON_READERS = (
    "outsider",
    "other_facilitator",
    "former",
    "removed",
    "invited",
    "requester",
    "steward",
)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@dataclass
class World:
    group: Group
    open_group: Group
    thread: Thread
    reply: Reply
    file: Resource
    link: Resource
    event: Event
    org_event: Event
    people: dict[str, Any]
    memberships: dict[str, Membership]
    topic: Topic
    feeds: dict[str, str]

    def __getitem__(self, name: str) -> Any:
        return self.people[name]


def _fresh(user):
    from kindred.accounts.models import User

    return User.objects.get(pk=user.pk)


def _member(group, user, role=Membership.Role.MEMBER, status=None):
    return Membership.objects.create(
        group=group,
        user=user,
        role=role,
        status=status or Membership.Status.ACTIVE,
        joined_at=timezone.now(),
    )


@pytest.fixture
def world(db, outsider, steward, organisation, colleague) -> World:
    fay = make_person("fay@secret.example", "Fay Facilitator")
    mira = make_person("mira@secret.example", "Mira Member")
    lena = make_person("lena@secret.example", "Lena Left")
    remy = make_person("remy@secret.example", "Remy Removed")
    ivy = make_person("ivy@secret.example", "Ivy Invited")
    ray = make_person("ray@secret.example", "Ray Requester")
    otto = make_person("otto@open.example", "Otto Other")
    topic = Topic.objects.filter(is_active=True).order_by("pk").first()

    group = Group.objects.create(
        name="Quiet founders circle",
        slug="secret-circle",
        purpose="Peer support for founders.",
        visibility=Group.Visibility.PRIVATE,
        joining=Group.Joining.REQUEST,
        status=Group.Status.ACTIVE,
        created_by=fay,
    )
    group.topics.set([topic])
    memberships = {
        "facilitator": _member(group, fay, Membership.Role.FACILITATOR),
        "member": _member(group, mira),
        "former": _member(group, lena),
        "removed": _member(group, remy),
        "invited": _member(group, ivy, status=Membership.Status.INVITED),
        "requester": _member(group, ray, status=Membership.Status.REQUESTED),
    }
    open_group = Group.objects.create(
        name="Open makers circle",
        slug="open-circle",
        purpose="Makers share practice.",
        status=Group.Status.ACTIVE,
        created_by=otto,
    )
    _member(open_group, otto, Membership.Role.FACILITATOR)
    _member(open_group, fay)

    thread = group_services.start_thread(
        group, by=_fresh(mira), title="HUSH-THREAD title", body="HUSH-BODY text"
    )
    thread.group = group
    reply = group_services.reply_to_thread(
        thread, by=_fresh(fay), body="HUSH-REPLY answer"
    )
    # lena replies (and so follows) before she leaves
    group_services.reply_to_thread(thread, by=_fresh(lena), body="HUSH-REPLY too")
    file = group_services.upload_file(
        group,
        by=_fresh(mira),
        title="HUSH-FILE notes",
        upload=io.BytesIO(PDF),
        name="notes.pdf",
        size=len(PDF),
    )
    link = group_services.add_link(
        group, by=_fresh(mira), title="HUSH-LINK page", url="https://example.com/h"
    )
    start = timezone.now() + timedelta(days=2)
    event = event_services.create_event(
        EventDetails(
            title="HUSH-EVENT meetup",
            description="HUSH-BODY agenda",
            format=Event.Format.ONLINE,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            time_zone="Europe/London",
            meeting_url=ROOM,
            capacity=10,
        ),
        by=_fresh(fay),
        host_kind=Event.HostKind.GROUP,
        group=group,
    )
    org_event = event_services.create_event(
        EventDetails(
            title="Public cash-flow clinic",
            format=Event.Format.IN_PERSON,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            time_zone="Europe/London",
            location="Chamber House",
        ),
        by=colleague,
        host_kind=Event.HostKind.ORGANISATION,
        organisations=[organisation],
    )
    feeds = {}
    for name, person in (("member", mira), ("former", lena), ("removed", remy)):
        event_services.register(event, by=_fresh(person))
        feeds[name] = event_services.create_feed(by=person)[1]
    event_services.register(org_event, by=_fresh(remy))

    group_services.leave_group(group, by=_fresh(lena))
    memberships["removed"].refresh_from_db()
    memberships["removed"].group = group
    group_services.remove_member(memberships["removed"], by=_fresh(fay))

    people = {
        "facilitator": fay,
        "member": mira,
        "former": lena,
        "removed": remy,
        "invited": ivy,
        "requester": ray,
        "other_facilitator": otto,
        "outsider": outsider,
        "steward": steward,
        "colleague": colleague,
    }
    return World(
        group=group,
        open_group=open_group,
        thread=thread,
        reply=reply,
        file=file,
        link=link,
        event=event,
        org_event=org_event,
        people=people,
        memberships=memberships,
        topic=topic,
        feeds=feeds,
    )


def page_client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(_fresh(user))
    return client


def text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_no_secrets(response, *, names: bool = False) -> None:
    body = text(response)
    for secret in SECRETS + (MEMBER_NAMES if names else ()):
        assert secret not in body, (response.request.get("PATH_INFO"), secret)


MISSING_EVENT = 987_654_321


def _swap(url: str, w: World) -> str:
    """The same address naming something that does not exist."""
    return (
        url.replace("secret-circle", "no-such-circle")
        .replace(f"/events/{w.event.pk}/", f"/events/{MISSING_EVENT}/")
        .replace(f"/events/{w.event.pk}", f"/events/{MISSING_EVENT}")
    )


def page_reads(w: World) -> list[str]:
    g, t, r, f = "/groups/secret-circle", w.thread.pk, w.reply.pk, w.file.pk
    e = w.event.pk
    return [
        f"{g}/members/",
        f"{g}/resources/",
        f"{g}/manage/",
        f"{g}/threads/new/",
        f"{g}/threads/{t}/",
        f"{g}/threads/{t}/edit/",
        f"{g}/threads/{t}/replies/{r}/edit/",
        f"{g}/resources/{f}/download/",
        f"/events/{e}/",
        f"/events/{e}/event.ics",
        f"/events/{e}/manage/",
        f"/events/{e}/edit/",
    ]


def page_writes(w: World) -> list[tuple[str, dict]]:
    g, t, r, f = "/groups/secret-circle", w.thread.pk, w.reply.pk, w.file.pk
    m = w.memberships["member"].pk
    req = w.memberships["requester"].pk
    e = w.event.pk
    rid = Registration.objects.get(event=w.event, user=w["member"]).pk
    return [
        (f"{g}/threads/new/", {"title": "x", "body": "y"}),
        (f"{g}/threads/{t}/reply/", {"body": "intrusion"}),
        (f"{g}/threads/{t}/edit/", {"title": "x", "body": "y"}),
        (f"{g}/threads/{t}/replies/{r}/edit/", {"body": "y"}),
        (f"{g}/threads/{t}/replies/{r}/hide/", {"hidden": "1"}),
        (f"{g}/threads/{t}/follow/", {"follow": "1"}),
        (f"{g}/threads/{t}/answer/", {"reply": str(r)}),
        (f"{g}/threads/{t}/pin/", {"pinned": "1"}),
        (f"{g}/threads/{t}/hide/", {"hidden": "1"}),
        (f"{g}/resources/link/", {"link-title": "x", "link-url": "https://x.y"}),
        (f"{g}/resources/{f}/useful/", {"useful": "1"}),
        (f"{g}/resources/{f}/hide/", {"hidden": "1"}),
        (f"{g}/manage/invite/", {"person": "Oscar Outsider"}),
        (f"{g}/manage/requests/{req}/", {"accept": "1"}),
        (f"{g}/manage/members/{m}/remove/", {}),
        (f"{g}/manage/members/{m}/role/", {"role": "facilitator"}),
        (f"/events/{e}/register/", {}),
        (f"/events/{e}/unregister/", {}),
        (f"/events/{e}/feedback/", {"rating": "5"}),
        (f"/events/{e}/cancel/", {}),
        (f"/events/{e}/attendance/{rid}/", {"attendance": "attended"}),
        (f"/events/{e}/edit/", {"title": "x"}),
    ]


def api_reads(w: World) -> list[str]:
    g, t, f = "/api/v1/groups/secret-circle", w.thread.pk, w.file.pk
    e = w.event.pk
    return [
        f"{g}/members",
        f"{g}/join-requests",
        f"{g}/threads",
        f"{g}/threads/{t}",
        f"{g}/threads/{t}/replies",
        f"{g}/resources",
        f"{g}/resources/{f}/download",
        f"/api/v1/events/{e}",
        f"/api/v1/events/{e}/ics",
        f"/api/v1/events/{e}/registration",
        f"/api/v1/events/{e}/registrations",
        f"/api/v1/events/{e}/feedback",
    ]


def api_writes(w: World) -> list[tuple[str, str, dict]]:
    g, t, r, f = "/api/v1/groups/secret-circle", w.thread.pk, w.reply.pk, w.file.pk
    req = w.memberships["requester"].pk
    e = w.event.pk
    rid = Registration.objects.get(event=w.event, user=w["member"]).pk
    return [
        ("post", f"{g}/threads", {"title": "x", "body": "y"}),
        ("post", f"{g}/threads/{t}/replies", {"body": "intrusion"}),
        ("post", f"{g}/threads/{t}/answer", {"reply": r}),
        ("post", f"{g}/threads/{t}/following", {}),
        ("delete", f"{g}/threads/{t}/following", {}),
        ("post", f"{g}/resources", {"title": "x", "url": "https://x.y"}),
        ("post", f"{g}/resources/{f}/useful", {}),
        ("delete", f"{g}/resources/{f}/useful", {}),
        ("post", f"{g}/invitations", {"member": w["outsider"].profile.pk}),
        ("post", f"{g}/join-requests/{req}/decision", {"accept": True}),
        ("post", f"/api/v1/events/{e}/registration", {}),
        ("delete", f"/api/v1/events/{e}/registration", {}),
        ("put", f"/api/v1/events/{e}/feedback", {"rating": 5}),
        ("post", f"/api/v1/events/{e}/cancel", {}),
        ("patch", f"/api/v1/events/{e}", {"title": "x"}),
        (
            "post",
            f"/api/v1/events/{e}/registrations/{rid}/attendance",
            {"attendance": "attended"},
        ),
    ]


def _snapshot(w: World) -> tuple:
    return (
        Thread.objects.filter(group=w.group).count(),
        Reply.objects.filter(thread__group=w.group).count(),
        list(Thread.objects.filter(group=w.group).values_list("pinned", "hidden")),
        list(Reply.objects.filter(thread__group=w.group).values_list("body", "hidden")),
        Resource.objects.filter(group=w.group).count(),
        UsefulVote.objects.count(),
        ThreadFollow.objects.filter(following=True).count(),
        list(
            Membership.objects.filter(group=w.group)
            .order_by("pk")
            .values_list("status", "role")
        ),
        list(
            Registration.objects.filter(event=w.event)
            .order_by("pk")
            .values_list("user_id", "status", "attendance")
        ),
        Event.objects.get(pk=w.event.pk).status,
        Event.objects.get(pk=w.event.pk).title,
    )


# --- positive controls: members read, and the world is what we think ------------


def test_members_read_every_route(world):
    w = world
    client = page_client(w["member"])
    for url in page_reads(w):
        if "/manage/" in url or "/edit/" in url:
            continue
        response = client.get(url)
        assert response.status_code in (200, 302), url
    assert "HUSH-THREAD" in text(client.get("/groups/secret-circle/"))
    assert "HUSH-EVENT" in text(client.get("/events/"))
    api = api_client(w["member"])
    assert (
        api.get(f"/api/v1/groups/secret-circle/threads/{w.thread.pk}")
        .json()["title"]
        .startswith("HUSH-THREAD")
    )
    body = api.get("/api/v1/groups/secret-circle").json()
    assert body["can_read"] and body["member_count"] == 2
    assert [p["name"] for p in body["facilitators"]] == ["Fay Facilitator"]
    assert "HUSH-EVENT" in text(client.get(f"/events/feed/{w.feeds['member']}.ics"))


# --- every non-reader, every route ------------------------------------------------


@pytest.mark.parametrize("persona", NON_READERS)
def test_non_readers_get_the_same_404_as_for_nothing_on_every_read(world, persona):
    w = world
    client = page_client(w[persona])
    for url in page_reads(w):
        response = client.get(url)
        missing = client.get(_swap(url, w))
        assert response.status_code == missing.status_code == 404, url
        assert_no_secrets(response, names=True)
    api = api_client(w[persona])
    for url in api_reads(w):
        response = api.get(url)
        missing = api.get(_swap(url, w))
        assert response.status_code == missing.status_code == 404, url
        assert response.json() == missing.json(), url


@pytest.mark.parametrize("persona", NON_READERS)
def test_non_readers_change_nothing_and_get_404_on_every_write(world, persona):
    w = world
    before = _snapshot(w)
    client = page_client(w[persona])
    for url, data in page_writes(w):
        response = client.post(url, data)
        missing = client.post(_swap(url, w), data)
        assert response.status_code == missing.status_code == 404, url
    upload = io.BytesIO(PDF)
    upload.name = "x.pdf"
    response = client.post(
        "/groups/secret-circle/resources/upload/",
        {"upload-title": "x", "upload-file": upload},
    )
    assert response.status_code == 404
    api = api_client(w[persona])
    for method, url, data in api_writes(w):
        response = getattr(api, method)(url, data, format="json")
        missing = getattr(api, method)(_swap(url, w), data, format="json")
        assert response.status_code == missing.status_code == 404, (method, url)
        assert response.json() == missing.json(), (method, url)
    upload.seek(0)
    response = api.post(
        "/api/v1/groups/secret-circle/resources/upload",
        {"title": "x", "file": upload},
        format="multipart",
    )
    assert response.status_code == 404
    assert _snapshot(w) == before


def test_signed_out_visitors_are_sent_to_log_in_and_the_api_refuses(world):
    w = world
    client = page_client()
    for url in page_reads(w) + ["/groups/secret-circle/", "/events/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]
        missing = client.get(_swap(url, w))
        assert missing.status_code == 302
    for url in api_reads(w) + ["/api/v1/groups", "/api/v1/events"]:
        response = api_client().get(url)
        assert response.status_code in (401, 403)
        assert response.status_code == api_client().get(_swap(url, w)).status_code
        assert_no_secrets(response)
    assert_no_secrets(client.get("/"))


def test_the_group_list_is_for_signed_in_people_only(world):
    response = page_client().get("/groups/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


@pytest.mark.parametrize("persona", NON_READERS)
def test_lists_searches_filters_dashboard_and_feeds_hide_the_private_group(
    world, persona, organisation
):
    w = world
    client = page_client(w[persona])
    for url in (
        "/",
        "/groups/",
        "/groups/?q=HUSH",
        "/groups/?q=quiet",
        f"/groups/?topic={w.topic.pk}",
        "/groups/?mine=on",
        "/groups/secret-circle/",
        "/events/",
        "/events/?when=past",
        f"/events/?organisation={organisation.slug}",
        f"/events/?topic={w.topic.slug}&format=online",
        "/events/mine/",
        f"/organisations/{organisation.slug}/",
        "/notifications/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secrets(response)
    body = text(client.get("/groups/secret-circle/"))
    for name in MEMBER_NAMES:
        assert name not in body
    listed = text(client.get("/groups/?q=quiet"))
    assert "Quiet founders circle" in listed  # listed by name, so people can ask
    assert "2 members" not in listed and "1 member" not in listed
    api = api_client(w[persona])
    for url in (
        "/api/v1/groups",
        "/api/v1/groups?q=quiet",
        f"/api/v1/groups?topic={w.topic.pk}",
        "/api/v1/events",
        f"/api/v1/events?organisation={organisation.slug}",
        "/api/v1/events?past=true",
        "/api/v1/me/event-registrations",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert_no_secrets(response)
    mine = api.get("/api/v1/me/event-registrations").json()["results"]
    assert w.event.pk not in [r["event"] for r in mine]
    listed = api.get("/api/v1/groups?q=quiet").json()["results"]
    assert [g["slug"] for g in listed] == ["secret-circle"]
    assert listed[0]["member_count"] is None
    detail = api.get("/api/v1/groups/secret-circle").json()
    assert detail["can_read"] is False and detail["facilitators"] == []
    assert detail["member_count"] is None
    assert not any(
        s in n.message
        for n in Notification.objects.filter(recipient=w[persona])
        for s in ("HUSH-THREAD", "HUSH-BODY", "HUSH-REPLY")
    )


def test_a_former_or_removed_members_feed_and_dashboard_drop_the_private_events(
    world,
):
    w = world
    for persona in ("former", "removed"):
        response = page_client().get(f"/events/feed/{w.feeds[persona]}.ics")
        assert response.status_code == 200
        assert_no_secrets(response)
        assert "Public cash-flow clinic" in text(response) or persona == "former"
        assert_no_secrets(page_client(w[persona]).get("/"))
    # the member's own feed still has it, and never the room link
    body = text(page_client().get(f"/events/feed/{w.feeds['member']}.ics"))
    assert "HUSH-EVENT" in body and ROOM not in body


# --- notifications ------------------------------------------------------------------


def test_mentions_of_non_members_and_replies_to_former_followers_tell_no_one(world):
    w = world
    Notification.objects.all().delete()
    body = (
        "HUSH-BODY ping @Oscar Outsider, @Ivy Invited, @Ray Requester, "
        "@Remy Removed, @Lena Left, @Otto Other and @Stella Steward"
    )
    group_services.start_thread(
        w.group, by=_fresh(w["member"]), title="HUSH-THREAD two", body=body
    )
    group_services.reply_to_thread(w.thread, by=_fresh(w["member"]), body=body)
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told <= {w["facilitator"].pk}  # fay follows the first thread


@pytest.mark.parametrize("change", ["reminder", "moved", "cancelled"])
def test_a_removed_member_hears_nothing_more_of_the_private_groups_event(world, change):
    w = world
    Notification.objects.all().delete()
    fay = _fresh(w["facilitator"])
    if change == "reminder":
        event_services.send_reminders(now=w.event.starts_at - timedelta(hours=20))
    elif change == "moved":
        event = Event.objects.get(pk=w.event.pk)
        event_services.change_event(
            event,
            EventDetails(
                title=event.title,
                format=Event.Format.HYBRID,
                starts_at=event.starts_at + timedelta(hours=1),
                ends_at=event.ends_at + timedelta(hours=1),
                time_zone=event.time_zone,
                location="HUSH-EVENT secret address",
                meeting_url=ROOM,
            ),
            by=fay,
        )
    else:
        event_services.cancel_event(Event.objects.get(pk=w.event.pk), by=fay)
    # the member is told: the change reaches people who still may see the event
    assert Notification.objects.filter(recipient=w["member"]).exists()
    for persona in ("former", "removed"):
        told = Notification.objects.filter(recipient=w[persona])
        # (a reminder of a public event they registered for is theirs to have)
        assert not told.filter(message__contains="HUSH").exists()
        assert not told.filter(url=w.event.get_absolute_url()).exists()


def test_leaving_a_private_group_gives_up_its_event_places(world):
    """Those who left or were removed hold no place they can no longer see (nor
    can they reach the event to cancel it themselves)."""
    w = world
    client = page_client(w["removed"])
    assert client.post(f"/events/{w.event.pk}/unregister/").status_code == 404
    for persona in ("former", "removed"):
        assert (
            Registration.objects.get(event=w.event, user=w[persona]).status
            == Registration.Status.CANCELLED
        )
    assert (
        Registration.objects.get(event=w.event, user=w["member"]).status
        == Registration.Status.REGISTERED
    )


# --- the room link ------------------------------------------------------------------


def _move(event: Event, starts_in: timedelta) -> Event:
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now + starts_in, ends_at=now + starts_in + timedelta(hours=1)
    )
    event.refresh_from_db()
    return event


def test_the_room_link_is_for_hosts_always_and_registered_people_near_the_start(
    world,
):
    w = world
    waiting = make_person("wait@secret.example", "Wes Waiting")
    _member(w.group, waiting)
    Event.objects.filter(pk=w.event.pk).update(capacity=1)
    Registration.objects.filter(event=w.event).exclude(user=w["member"]).delete()
    assert (
        event_services.register(w.event, by=_fresh(waiting)).status
        == Registration.Status.WAITLISTED
    )
    url = f"/api/v1/events/{w.event.pk}"

    def room(person) -> Any:
        return api_client(person).get(url).json()["meeting_url"]

    def page(person) -> str:
        return text(page_client(person).get(f"/events/{w.event.pk}/"))

    assert room(w["member"]) is None and ROOM not in page(w["member"])
    assert room(w["facilitator"]) == ROOM and ROOM in page(w["facilitator"])
    assert ROOM not in text(api_client(w["member"]).get(f"{url}/ics"))
    _move(w.event, timedelta(minutes=20))
    assert room(w["member"]) is None
    _move(w.event, timedelta(minutes=10))
    assert room(w["member"]) == ROOM and ROOM in page(w["member"])
    assert room(waiting) is None and ROOM not in page(waiting)
    assert ROOM not in text(api_client(w["member"]).get(f"{url}/ics"))
    assert api_client(w["outsider"]).get(url).status_code == 404
    _move(w.event, timedelta(hours=-2))
    assert room(w["member"]) is None
    assert room(w["facilitator"]) == ROOM


# --- registering --------------------------------------------------------------------


def test_capacity_waiting_list_twice_cancelled_and_past(world):
    w = world
    a = make_person("a@secret.example", "Ann A")
    b = make_person("b@secret.example", "Ben B")
    for person in (a, b):
        _member(w.group, person)
    # 1 place is taken: the member's (those who left gave theirs up)
    assert Registration.objects.filter(event=w.event, status="registered").count() == 1
    Event.objects.filter(pk=w.event.pk).update(capacity=3)
    for person in (a, a):
        response = api_client(person).post(
            f"/api/v1/events/{w.event.pk}/registration", {}, format="json"
        )
        assert response.status_code == 200 and response.json()["status"] == "registered"
    assert Registration.objects.filter(event=w.event, user=a).count() == 1
    client = page_client(b)
    client.post(f"/events/{w.event.pk}/register/")
    client.post(f"/events/{w.event.pk}/register/")
    assert list(
        Registration.objects.filter(event=w.event, user=b).values_list(
            "status", flat=True
        )
    ) == ["registered"]
    late = make_person("late@secret.example", "Lou Late")
    _member(w.group, late)
    response = api_client(late).post(
        f"/api/v1/events/{w.event.pk}/registration", {}, format="json"
    )
    assert response.json()["status"] == "waitlisted"
    # cancelled event: 409, nothing stored
    event_services.cancel_event(
        Event.objects.get(pk=w.event.pk), by=_fresh(w["facilitator"])
    )
    newcomer = make_person("new@secret.example", "Nia New")
    _member(w.group, newcomer)
    response = api_client(newcomer).post(
        f"/api/v1/events/{w.event.pk}/registration", {}, format="json"
    )
    assert response.status_code == 409
    page_client(newcomer).post(f"/events/{w.event.pk}/register/")
    assert not Registration.objects.filter(event=w.event, user=newcomer).exists()
    # a past event: 409, nothing stored
    _move(w.org_event, timedelta(hours=-3))
    response = api_client(newcomer).post(
        f"/api/v1/events/{w.org_event.pk}/registration", {}, format="json"
    )
    assert response.status_code == 409
    response = page_client(newcomer).post(f"/events/{w.org_event.pk}/register/")
    assert response.status_code == 400
    assert not Registration.objects.filter(event=w.org_event, user=newcomer).exists()


def test_attendance_with_a_registration_of_another_event_is_404(world):
    w = world
    _move(w.event, timedelta(minutes=-5))
    _move(w.org_event, timedelta(minutes=-5))
    other = Registration.objects.get(event=w.org_event, user=w["removed"])
    fay = w["facilitator"]
    response = page_client(fay).post(
        f"/events/{w.event.pk}/attendance/{other.pk}/", {"attendance": "no_show"}
    )
    assert response.status_code == 404
    response = api_client(fay).post(
        f"/api/v1/events/{w.event.pk}/registrations/{other.pk}/attendance",
        {"attendance": "no_show"},
        format="json",
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.attendance == Registration.Attendance.UNKNOWN
    # and the org event's host cannot mark the private event's registrations
    mine = Registration.objects.get(event=w.event, user=w["member"])
    response = api_client(w["colleague"]).post(
        f"/api/v1/events/{w.event.pk}/registrations/{mine.pk}/attendance",
        {"attendance": "no_show"},
        format="json",
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.attendance == Registration.Attendance.UNKNOWN


# --- threads, replies, resources -----------------------------------------------------


def test_replying_to_a_hidden_thread_and_editing_someone_elses_reply(world):
    w = world
    mira, fay = w["member"], w["facilitator"]
    # mira may not edit fay's reply
    url = f"/groups/secret-circle/threads/{w.thread.pk}/replies/{w.reply.pk}/edit/"
    assert page_client(mira).get(url).status_code == 403
    assert page_client(mira).post(url, {"body": "rewritten"}).status_code == 403
    w.reply.refresh_from_db()
    assert w.reply.body == "HUSH-REPLY answer"
    group_services.set_hidden(w.thread, by=_fresh(fay), hidden=True)
    before = Reply.objects.count()
    base = f"/groups/secret-circle/threads/{w.thread.pk}"
    assert page_client(mira).post(f"{base}/reply/", {"body": "x"}).status_code == 404
    assert page_client(mira).get(f"{base}/").status_code == 404
    response = api_client(mira).post(
        f"/api/v1{base}/replies", {"body": "x"}, format="json"
    )
    assert response.status_code == 404
    # even the facilitator, who sees it, cannot reply to a hidden thread
    assert page_client(fay).post(f"{base}/reply/", {"body": "x"}).status_code == 400
    response = api_client(fay).post(
        f"/api/v1{base}/replies", {"body": "x"}, format="json"
    )
    assert response.status_code == 409
    assert Reply.objects.count() == before
    # the hidden thread is not in the member's lists either
    assert "HUSH-THREAD title" not in text(
        page_client(mira).get("/groups/secret-circle/")
    )


def test_useful_votes_on_a_private_resource_by_id_through_a_readable_group(world):
    w = world
    outsider = w["outsider"]
    _member(w.open_group, outsider)
    for url in (
        f"/groups/open-circle/resources/{w.file.pk}/useful/",
        f"/groups/secret-circle/resources/{w.file.pk}/useful/",
        f"/groups/open-circle/resources/{w.file.pk}/download/",
    ):
        assert page_client(outsider).post(url, {"useful": "1"}).status_code in (
            404,
            405,
        )
    for url in (
        f"/api/v1/groups/open-circle/resources/{w.file.pk}/useful",
        f"/api/v1/groups/open-circle/resources/{w.file.pk}/download",
    ):
        method = "post" if url.endswith("useful") else "get"
        assert getattr(api_client(outsider), method)(url).status_code == 404
    assert (
        page_client(outsider)
        .get(f"/groups/open-circle/resources/{w.file.pk}/download/")
        .status_code
        == 404
    )
    assert not UsefulVote.objects.exists()
    w.file.refresh_from_db()
    assert w.file.useful_count == 0


def test_the_download_answers_members_safely(world):
    response = page_client(world["member"]).get(
        f"/groups/secret-circle/resources/{world.file.pk}/download/"
    )
    assert response.status_code == 200 and text(response).encode() == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_a_disguised_upload_is_refused_with_a_clear_message(world):
    w = world
    before = Resource.objects.count()
    for name, content, label in (
        ("report.pdf", b"MZ\x90\x00\x03 an executable", "PDF"),
        ("photo.png", b"<html><script>alert(1)</script></html>", "PNG"),
        ("notes.txt", b"text\x00with NUL", "text"),
    ):
        upload = io.BytesIO(content)
        upload.name = name
        response = page_client(w["member"]).post(
            "/groups/secret-circle/resources/upload/",
            {"upload-title": "x", "upload-file": upload},
        )
        assert response.status_code == 400
        assert f"is not a real {label} file" in text(response)
        upload.seek(0)
        response = api_client(w["member"]).post(
            "/api/v1/groups/secret-circle/resources/upload",
            {"title": "x", "file": upload},
            format="multipart",
        )
        assert response.status_code == 400
        assert f"is not a real {label} file" in response.json()["errors"]["file"][0]
    assert Resource.objects.count() == before


def test_an_archived_group_takes_no_uploads_links_votes_or_posts(world):
    w = world
    mira = w["member"]
    group_services.archive_group(w.group, by=_fresh(w["facilitator"]))
    before = _snapshot(w)
    upload = io.BytesIO(PDF)
    upload.name = "more.pdf"
    response = page_client(mira).post(
        "/groups/secret-circle/resources/upload/",
        {"upload-title": "x", "upload-file": upload},
    )
    assert response.status_code == 400 and "archived" in text(response)
    upload.seek(0)
    api = api_client(mira)
    response = api.post(
        "/api/v1/groups/secret-circle/resources/upload",
        {"title": "x", "file": upload},
        format="multipart",
    )
    assert response.status_code == 409
    base = "/api/v1/groups/secret-circle"
    for url, data in (
        (f"{base}/resources", {"title": "x", "url": "https://x.y"}),
        (f"{base}/resources/{w.file.pk}/useful", {}),
        (f"{base}/threads", {"title": "x", "body": "y"}),
        (f"{base}/threads/{w.thread.pk}/replies", {"body": "y"}),
        (f"{base}/threads/{w.thread.pk}/answer", {"reply": w.reply.pk}),
    ):
        assert api.post(url, data, format="json").status_code == 409, url
    assert _snapshot(w) == before
    # still readable by its members, still hidden from others
    assert api.get(f"{base}/threads/{w.thread.pk}").status_code == 200
    assert api_client(w["outsider"]).get(f"{base}/threads").status_code == 404


# --- moderation and stewards --------------------------------------------------------


def test_facilitators_moderate_only_their_own_group(world):
    w = world
    fay, otto = w["facilitator"], w["other_facilitator"]
    open_thread = group_services.start_thread(
        w.open_group, by=_fresh(otto), title="Open talk", body="hello"
    )
    base = f"/groups/open-circle/threads/{open_thread.pk}"
    client = page_client(fay)  # a plain member of open-circle
    assert client.post(f"{base}/pin/", {"pinned": "1"}).status_code == 403
    assert client.post(f"{base}/hide/", {"hidden": "1"}).status_code == 403
    assert client.get("/groups/open-circle/manage/").status_code == 403
    api = api_client(fay)
    assert api.get("/api/v1/groups/open-circle/join-requests").status_code == 403
    assert api.post("/api/v1/groups/open-circle/archive").status_code == 403
    open_thread.refresh_from_db()
    assert not open_thread.pinned and not open_thread.hidden
    # otto's powers stop at his group
    assert page_client(otto).get("/groups/secret-circle/manage/").status_code == 404
    assert page_client(otto).post("/groups/secret-circle/archive/").status_code == 403
    w.group.refresh_from_db()
    assert w.group.status == Group.Status.ACTIVE


def test_a_removed_author_cannot_mark_the_answer_any_more(world):
    w = world
    otto = w["other_facilitator"]
    pat = make_person("pat@open.example", "Pat Poster")
    membership = _member(w.open_group, pat)
    thread = group_services.start_thread(
        w.open_group, by=_fresh(pat), title="Question", body="How?"
    )
    reply = group_services.reply_to_thread(thread, by=_fresh(otto), body="Like so.")
    membership.group = w.open_group
    group_services.remove_member(membership, by=_fresh(otto))
    page_client(pat).post(
        f"/groups/open-circle/threads/{thread.pk}/answer/", {"reply": str(reply.pk)}
    )
    thread.refresh_from_db()
    assert thread.answer_id is None


def test_stewards_approve_proposals_but_do_not_read_private_groups(world):
    w = world
    steward = w["steward"]
    proposal = group_services.propose_group(
        by=_fresh(w["outsider"]),
        name="Another circle",
        purpose="Later.",
        visibility=Group.Visibility.PRIVATE,
    )
    other = make_person("nosteward@secret.example", "No Steward")
    assert page_client(other).get(f"/groups/{proposal.slug}/").status_code == 404
    assert page_client(other).post(f"/groups/{proposal.slug}/approve/").status_code == (
        404
    )
    assert page_client(steward).get("/groups/proposals/").status_code == 200
    api = api_client(steward)
    assert api.post(f"/api/v1/groups/{proposal.slug}/approve").status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == Group.Status.ACTIVE
    # approving did not let the steward in
    assert api.get(f"/api/v1/groups/{proposal.slug}/threads").status_code == 404


def test_a_steward_without_a_second_factor_cannot_archive_a_group(world):
    w = world
    weak = make_person("weak@steward.example", "Will Weak", steward=True)
    api_client(weak).post("/api/v1/groups/secret-circle/archive")
    page_client(weak).post("/groups/open-circle/archive/")
    w.group.refresh_from_db()
    w.open_group.refresh_from_db()
    assert w.group.status == Group.Status.ACTIVE
    assert w.open_group.status == Group.Status.ACTIVE


def test_registrations_left_behind_reach_only_current_members(world):
    """Second guard: even a registration that outlived its owner's membership (a
    membership ended without the services, say by an import) gets no message and
    no freed place for the private group's event."""
    w = world
    stale = make_person("stale@secret.example", "Stan Stale")
    waiting = make_person("waits@secret.example", "Wil Waits")
    for person in (stale, waiting):
        _member(w.group, person)
    Event.objects.filter(pk=w.event.pk).update(capacity=2)
    api_client(stale).post(
        f"/api/v1/events/{w.event.pk}/registration", {}, format="json"
    )
    api_client(waiting).post(
        f"/api/v1/events/{w.event.pk}/registration", {}, format="json"
    )
    assert Registration.objects.get(event=w.event, user=waiting).status == "waitlisted"
    Membership.objects.filter(group=w.group, user__in=[stale, waiting]).update(
        status=Membership.Status.REMOVED
    )
    Notification.objects.all().delete()
    # the member gives up their place: the one waiting may not see the event now
    page_client(w["member"]).post(f"/events/{w.event.pk}/unregister/")
    assert Registration.objects.get(event=w.event, user=waiting).status == "cancelled"
    event_services.cancel_event(
        Event.objects.get(pk=w.event.pk), by=_fresh(w["facilitator"])
    )
    assert not Notification.objects.filter(recipient__in=[stale, waiting]).exists()


def test_group_posts_can_be_reported_by_readers_and_hidden_by_a_steward(world):
    """Threads and replies join the moderation queue; a private group's posts can
    be reported only by those who may read them."""
    from kindred.moderation import registry

    w = world
    thread = w.thread
    entry = registry.for_object(thread)
    assert entry.can_see(w["member"], thread)
    assert not entry.can_see(w["outsider"], thread)
    assert not entry.can_see(w["removed"], thread)
    # the report form itself answers 404 to an outsider
    key = "communities.thread"
    response = page_client(w["outsider"]).get(f"/moderation/report/{key}/{thread.pk}/")
    assert response.status_code == 404
    assert (
        page_client(w["member"])
        .get(f"/moderation/report/{key}/{thread.pk}/")
        .status_code
        == 200
    )
    entry.hide(thread, _fresh(w["steward"]))
    thread.refresh_from_db()
    assert thread.hidden
    assert not entry.can_see(w["member"], thread)
