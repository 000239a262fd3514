"""Each demo login lands on a home page with the sections of its roles: the
founder's journey, the adviser's and mentor's practice, the programme lead's
organisation and cohorts, the steward's ecosystem — only their own items, in a
bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from kindred.core import demo

SECTION = 'data-role-section="{}"'
ROLES = ("entrepreneur", "practitioner", "organisation_admin", "programme_lead")
# The most queries each home may make (the first request after signing in, so
# the session's included): a handful per section, none per item.
LIMITS = {
    "founder@example.org": 45,
    "adviser@example.org": 44,
    "mentor@example.org": 44,
    "programme.lead@example.org": 51,
    "steward@example.org": 48,
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo at a small scale, built once for the module and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        result = demo.build(scale=30, seed=3)
        yield result
        transaction.set_rollback(True)


def home(client, email: str, django_assert_max_num_queries, limit: int = 0) -> str:
    from kindred.accounts.models import User

    client.force_login(User.objects.get(email=email))
    with django_assert_max_num_queries(limit or LIMITS[email]):
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def sections(page: str) -> set[str]:
    return {r for r in (*ROLES, "steward") if SECTION.format(r) in page}


def test_each_demo_login_sees_the_sections_of_its_roles(
    world, db, client, django_assert_max_num_queries
):
    """Founder: journey only; adviser and mentor: practice; the programme lead:
    their organisation, cohorts and practice; the steward: the ecosystem."""
    expected = {
        "founder@example.org": {"entrepreneur"},
        "adviser@example.org": {"practitioner"},
        "mentor@example.org": {"practitioner"},
        "programme.lead@example.org": {
            "practitioner",
            "organisation_admin",
            "programme_lead",
        },
        "steward@example.org": {"steward"},
    }
    for email, roles in expected.items():
        page = home(client, email, django_assert_max_num_queries)
        assert sections(page) == roles, email


def test_the_founder_sees_their_mentor_asks_referrals_and_introduction(
    world, db, client, django_assert_max_num_queries
):
    page = home(client, "founder@example.org", django_assert_max_num_queries)
    assert "Your journey" in page
    assert "Mentored by Priya Patel" in page
    assert "Next meeting:" in page  # the session planned in three weeks
    assert "Should I take a bank loan or a grant first?" in page
    assert "Referrals about you" in page and "Draft: waiting for consent" in page
    assert "Your next introduction" in page
    # Nobody else's items: the adviser's inbox and the lead's cohorts stay away.
    assert "Referral inbox" not in page and "Cohorts you lead" not in page


def test_the_adviser_sees_the_inbox_and_asks_on_their_topics(
    world, db, client, django_assert_max_num_queries
):
    from kindred.referrals.models import Referral

    page = home(client, "adviser@example.org", django_assert_max_num_queries)
    assert "Referral inbox" in page
    hub = Referral.objects.filter(
        receiving_organisation__name="Northshire Growth Hub", status="sent"
    ).order_by("sent_at", "pk")
    if hub.exists():
        assert hub.first().get_absolute_url() in page
    # Open asks on the topics the adviser offers (cash flow, grants) are listed.
    from kindred.accounts.models import User
    from kindred.peerhelp.selectors import home_asks_on_my_topics

    asks = home_asks_on_my_topics(User.objects.get(email="adviser@example.org"))
    assert asks and all(ask.get_absolute_url() in page for ask in asks)
    assert "Your journey" not in page


def test_the_mentor_sees_their_mentee_with_the_next_meeting(
    world, db, client, django_assert_max_num_queries
):
    page = home(client, "mentor@example.org", django_assert_max_num_queries)
    assert "Your mentees" in page and "Jamal Campbell" in page
    assert "Next meeting:" in page


def test_the_programme_lead_sees_what_waits_for_their_organisation(
    world, db, client, django_assert_max_num_queries
):
    from kindred.programmes.models import Cohort

    page = home(client, "programme.lead@example.org", django_assert_max_num_queries)
    assert "Mindful Founders CIC in the ecosystem" in page
    assert "1 invitation waits for an answer" in page
    assert "Skills Forward Training proposes a partnership" in page
    assert "Eight founders, one calmer spring" in page
    autumn = Cohort.objects.get(name="Autumn cohort")
    assert f"/programmes/cohorts/{autumn.pk}/evaluation/" in page
    assert "3 of 12 places taken" in page
    # Finished cohorts are outcomes, not work waiting.
    assert (
        "Spring cohort" not in page.split("Cohorts you lead")[1].split("</section>")[0]
    )


def test_the_steward_sees_the_latest_snapshot_and_what_waits(
    world, db, client, django_assert_max_num_queries
):
    from kindred.analytics.models import Snapshot

    page = home(client, "steward@example.org", django_assert_max_num_queries)
    latest = Snapshot.objects.order_by("-month").first()
    assert latest is not None
    assert f"Latest snapshot: {latest.month:%B %Y}." in page
    assert 'href="/ecosystem/"' in page
    assert "reported item" in page and "background task" in page
    assert "Your journey" not in page


def test_a_new_member_sees_an_empty_journey_with_next_steps(
    world, db, client, django_assert_max_num_queries
):
    """Someone who just joined, with no organisation, sees their journey's empty
    states, pointing to what to do next, and none of the demo logins' items."""
    from tests.conftest import make_person

    newcomer = make_person("newcomer@example.com", "Nina Newcomer")
    client.force_login(newcomer)
    with django_assert_max_num_queries(38):
        page = client.get("/").content.decode()
    assert sections(page) == {"entrepreneur"}
    assert "You have no open asks." in page
    assert "Nobody has referred you to a service yet." in page
    assert "You have no mentor yet." in page
    assert "You are not in a programme cohort." in page
    for private in ("Should I take a bank loan", "Mentored by", "Referral inbox"):
        assert private not in page


def test_a_generated_founder_sees_only_their_own_items(
    world, db, client, django_assert_max_num_queries
):
    """Another founder's home lists their own asks and referrals, never the demo
    founder's."""
    from kindred.accounts.models import User
    from kindred.organisations.models import Membership
    from kindred.peerhelp.models import Ask
    from kindred.referrals.models import Referral

    person = (
        User.objects.filter(email__endswith="@demo.example.org")
        .exclude(
            pk__in=Membership.objects.filter(role__in=["admin", "practitioner"]).values(
                "user_id"
            )
        )
        .order_by("pk")
        .first()
    )
    Ask.objects.create(author=person, title="Where do I find a bookkeeper?")
    page = home(client, person.email, django_assert_max_num_queries, 45)
    assert "entrepreneur" in sections(page)
    own = Ask.objects.filter(author=person, status="open").order_by("-created_at")
    assert own.first().get_absolute_url() in page
    founder = User.objects.get(email="founder@example.org")
    for ask in Ask.objects.filter(author=founder):
        assert ask.get_absolute_url() not in page
    for referral in Referral.objects.filter(entrepreneur=founder):
        assert referral.get_absolute_url() not in page
    assert "Mentored by Priya Patel" not in page


def test_home_queries_do_not_grow_with_a_persons_items(
    world, db, client, django_assert_max_num_queries
):
    """More asks, referrals and mentees add rows, not queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kindred.accounts.models import User
    from kindred.peerhelp.models import Ask, Response

    founder = User.objects.get(email="founder@example.org")
    client.force_login(founder)
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    helper = User.objects.get(email="adviser@example.org")
    for n in range(4):
        ask = Ask.objects.create(
            author=founder,
            title=f"Another question {n}",
            created_at=timezone.now() - timedelta(hours=n),
        )
        Response.objects.create(ask=ask, author=helper, body="An answer.")
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = client.get("/").content.decode()
    assert "Another question 0" in page and "1 answer" in page
