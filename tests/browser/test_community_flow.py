"""A founder joins a group, starts a discussion that a peer answers, registers for
the group's online session and downloads its calendar file — in a real browser,
every page checked by axe-core."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in
from tests.conftest import make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def community(transactional_db):
    from django.utils import timezone

    from kindred.communities.models import Group, Membership
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.events import services
    from kindred.events.models import Event

    vocabulary.seed(Topic, Region, Sector)
    make_person("founder@example.com", "Jamal Founder")
    peer = make_person("peer@example.com", "Priya Peer")
    group = Group.objects.create(
        name="Calm founders",
        slug="calm-founders",
        purpose="Founders who practise mindfulness together.",
        status=Group.Status.ACTIVE,
        joining=Group.Joining.OPEN,
        visibility=Group.Visibility.PUBLIC,
    )
    Membership.objects.create(group=group, user=peer, role=Membership.Role.FACILITATOR)
    starts = (timezone.now() + timedelta(days=3)).replace(
        minute=0, second=0, microsecond=0
    )
    event = services.create_event(
        services.EventDetails(
            title="Breathing space",
            description="An hour of guided practice.",
            format=Event.Format.ONLINE,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            time_zone="Europe/London",
            generate_room=True,
            capacity=10,
        ),
        by=peer,
        host_kind=Event.HostKind.GROUP,
        group=group,
    )
    return {"group": group, "event": event}


def test_join_discuss_register_and_download_the_calendar_file(
    page: Page, browser, site, community
):
    event = community["event"]

    # The founder joins the group.
    log_in(page, site, "founder@example.com")
    page.goto(site + "/groups/calm-founders/")
    assert_accessible(page)
    page.get_by_role("button", name="Join the group").click()
    expect(page.get_by_text("Welcome to Calm founders")).to_be_visible()
    assert_accessible(page)

    # ... and asks the group a question.
    page.get_by_label("Title").fill("How do you switch off after work?")
    page.get_by_role("textbox", name="Message").fill(
        "I keep checking email at midnight."
    )
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "How do you switch off after work?"
    )
    assert_accessible(page)
    thread_url = page.url

    # A peer answers, in a browser of their own.
    peer = browser.new_page()
    log_in(peer, site, "peer@example.com")
    peer.goto(thread_url)
    peer.get_by_label("Your reply").fill("A fixed shutdown ritual at six helps me.")
    peer.get_by_role("button", name="Post the reply").click()
    expect(peer.get_by_text("A fixed shutdown ritual at six helps me.")).to_be_visible()
    assert_accessible(peer)

    # The founder marks it as the answer.
    page.reload()
    page.get_by_role("button", name=re.compile("Mark as the answer")).click()
    expect(page.get_by_text("Answer", exact=True).first).to_be_visible()
    assert_accessible(page)

    # The founder finds the group's online session on the calendar and registers.
    page.goto(site + "/events/")
    assert_accessible(page)
    page.get_by_role("link", name="Breathing space").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Breathing space")
    assert_accessible(page)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You are registered.").first).to_be_visible()
    expect(page.get_by_text("The link to join online appears here")).to_be_visible()
    assert_accessible(page)

    # ... and downloads the calendar file, which calendar apps can read.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to my calendar (.ics file)").click()
    data = Path(download_info.value.path()).read_bytes()
    (vevent,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Breathing space"
    assert vevent.start == event.starts_at
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert event.meeting_url not in data.decode()

    # My events, with a private calendar feed address.
    page.goto(site + "/events/mine/")
    assert_accessible(page)
    page.get_by_role("button", name="Make my calendar address").click()
    feed_url = page.get_by_label(re.compile("Your calendar address")).input_value()
    assert "/events/feed/kcal_" in feed_url
    assert_accessible(page)

    # The facilitator sees who is coming, and the form to host another session.
    peer.goto(site + f"/events/{event.pk}/manage/")
    expect(
        peer.get_by_role("cell", name="Jamal Founder").or_(
            peer.get_by_role("rowheader", name="Jamal Founder")
        )
    ).to_be_visible()
    assert_accessible(peer)
    peer.goto(site + "/events/new/")
    assert_accessible(peer)
    peer.close()
