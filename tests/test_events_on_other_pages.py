"""Events show on the organisations that host them and on the person's dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kindred.accounts.models import Profile, User
from kindred.communities.models import Group
from kindred.events.models import Event, EventHost, Registration
from kindred.organisations.models import Membership as OrgMembership
from kindred.organisations.models import Organisation, Role

pytestmark = pytest.mark.django_db


def _person(email: str, name: str) -> User:
    user = User.objects.create_user(email=email, password="x" * 12)
    Profile.objects.get_or_create(user=user, defaults={"display_name": name})
    return user


def _org(name: str, slug: str) -> Organisation:
    return Organisation.objects.create(name=name, slug=slug, kind="public_agency")


def _event(title: str, **extra) -> Event:
    start = timezone.now() + timedelta(days=3)
    return Event.objects.create(
        title=title,
        format=Event.Format.ONLINE,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        host_kind=extra.pop("host_kind", Event.HostKind.ORGANISATION),
        **extra,
    )


@pytest.fixture
def founder() -> User:
    return _person("founder@example.org", "Fay Founder")


def test_co_hosted_event_shows_on_every_confirmed_hosts_page(client, founder):
    hub, uni, invited = (
        _org("Growth Hub", "growth-hub"),
        _org("University", "university"),
        _org("Chamber", "chamber"),
    )
    event = _event("Export clinic")
    EventHost.objects.create(event=event, organisation=hub, status="confirmed")
    EventHost.objects.create(event=event, organisation=uni, status="confirmed")
    EventHost.objects.create(event=event, organisation=invited, status="invited")
    client.force_login(founder)
    for org in (hub, uni):
        page = client.get(org.get_absolute_url()).content.decode()
        assert "Export clinic" in page
        assert "Hosted together by" in page
        assert "Growth Hub" in page and "University" in page
    # An invitation not yet accepted credits nobody and lists nothing.
    assert (
        "Export clinic" not in client.get(invited.get_absolute_url()).content.decode()
    )


def test_an_organisations_private_group_event_is_not_on_its_page(client, founder):
    hub = _org("Growth Hub", "growth-hub")
    group = Group.objects.create(
        name="Inner circle",
        slug="inner-circle",
        purpose="Private.",
        status=Group.Status.ACTIVE,
        visibility=Group.Visibility.PRIVATE,
    )
    event = _event("Secret session", group=group, host_kind=Event.HostKind.GROUP)
    EventHost.objects.create(event=event, organisation=hub, status="confirmed")
    client.force_login(founder)
    assert "Secret session" not in client.get(hub.get_absolute_url()).content.decode()


def test_the_dashboard_lists_my_next_events_and_not_cancelled_ones(client, founder):
    kept = _event("Pitch practice", host_kind=Event.HostKind.PERSON)
    waiting = _event("Full workshop", host_kind=Event.HostKind.PERSON)
    dropped = _event("Dropped session", host_kind=Event.HostKind.PERSON)
    Registration.objects.create(event=kept, user=founder, status="registered")
    Registration.objects.create(event=waiting, user=founder, status="waitlisted")
    Registration.objects.create(event=dropped, user=founder, status="cancelled")
    client.force_login(founder)
    page = client.get("/").content.decode()
    assert "Pitch practice" in page
    assert "Full workshop" in page and "On the waiting list" in page
    assert "Dropped session" not in page


def test_the_dashboard_offers_the_calendar_when_nothing_is_booked(client, founder):
    client.force_login(founder)
    page = client.get("/").content.decode()
    assert "You have not registered for any upcoming event." in page


def test_an_admin_sees_co_hosting_invitations_on_the_dashboard(client, founder):
    chamber = _org("Chamber", "chamber")
    OrgMembership.objects.create(organisation=chamber, user=founder, role=Role.ADMIN)
    event = _event("Joint networking evening")
    EventHost.objects.create(event=event, organisation=chamber, status="invited")
    client.force_login(founder)
    page = client.get("/").content.decode()
    assert "is invited to co-host" in page and "Joint networking evening" in page


def test_organisation_page_query_count_does_not_grow_with_events(
    client, founder, django_assert_max_num_queries
):
    hub = _org("Growth Hub", "growth-hub")
    for n in range(8):
        event = _event(f"Clinic {n}")
        EventHost.objects.create(event=event, organisation=hub, status="confirmed")
    client.force_login(founder)
    client.get(hub.get_absolute_url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(hub.get_absolute_url())
    for n in range(8, 30):
        event = _event(f"Clinic {n}")
        EventHost.objects.create(event=event, organisation=hub, status="confirmed")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(hub.get_absolute_url())
