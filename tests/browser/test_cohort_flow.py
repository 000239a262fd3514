"""A cohort end to end in a real browser: the founder has a place, answers the
entry survey, opens the next session (event page, calendar file), completes the
course's lesson, answers the exit survey, gets the certificate; the programme
lead then sees the outcomes — every page checked by axe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in, log_out
from tests.conftest import make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


def _answers(instrument, values):
    items = list(instrument.items.order_by("position"))
    return {item.pk: value for item, value in zip(items, values, strict=False)}


@pytest.fixture
def cohort(transactional_db):
    """Mindful Founders runs a programme with a one-lesson course; the founder
    and five peers have places; the peers answered at entry and exit already."""
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.directory.models import Service
    from kindred.learning import services as learning
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.programmes import services
    from kindred.programmes.services import CohortInput, ItemInput, ScaleInput

    vocabulary.seed(Topic, Region, Sector)
    lead = make_person("lead@example.com", "Rhys Lead")
    founder = make_person("founder@example.com", "Jamal Founder")
    peers = [make_person(f"peer{i}@example.com", f"Peer {i}") for i in range(5)]
    mindful = Organisation.objects.create(
        name="Mindful Founders", slug="mindful", kind="charity"
    )
    Membership.objects.create(organisation=mindful, user=lead, role=Role.ADMIN)
    service = Service.objects.create(
        organisation=mindful,
        name="Founder Wellbeing Programme",
        description="Eight weeks of calm.",
        is_programme=True,
    )
    course = learning.create_course(
        mindful, by=lead, title="Resilience basics", summary="One short lesson."
    )
    module = learning.add_module(course, by=lead, title="Start")
    learning.add_lesson(module, by=lead, title="Noticing pressure", body="Breathe.")
    learning.publish_course(course, by=lead)
    programme = services.create_programme(service, by=lead, lead=lead)
    instrument = services.create_instrument(
        programme,
        by=lead,
        name="Wellbeing check",
        scales=[ScaleInput("Wellbeing")],
        items=[
            ItemInput("I feel calm.", "likert5", scale=0, required=True),
            ItemInput("I feel on edge.", "likert5", scale=0, reverse=True),
        ],
    )
    today = timezone.localdate()
    first = timezone.now().replace(microsecond=0) + timedelta(days=2)
    cohort = services.create_cohort(
        programme,
        by=lead,
        data=CohortInput(
            name="Autumn cohort",
            starts_on=today + timedelta(days=2),
            ends_on=today + timedelta(days=50),
            capacity=10,
            instrument=instrument,
            course=course,
            sessions=services.SessionPlan(first_starts_at=first, weeks=4),
        ),
    )
    entry = cohort.windows.get(kind="entry")
    exit_window = cohort.windows.get(kind="exit")
    for person in [founder, *peers]:
        services.add_place(cohort, participant=person, by=lead)
    # The peers answered at entry and, weeks later, at exit.
    exit_window.opens_on = today - timedelta(days=1)
    exit_window.save()
    for i, peer in enumerate(peers):
        services.submit_response(entry, by=peer, answers=_answers(instrument, [2, 4]))
        services.submit_response(
            exit_window, by=peer, answers=_answers(instrument, [3 + i % 2, 2 + i % 3])
        )
    exit_window.opens_on = cohort.ends_on - timedelta(days=7)
    exit_window.save()
    return cohort


def test_cohort_end_to_end(page: Page, site, cohort):
    from kindred.learning.models import Certificate

    log_in(page, site, "founder@example.com")
    page.goto(site + "/programmes/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My programme")
    assert_accessible(page)

    # Entry survey: a wrong (missing) answer is named, the rest is kept.
    page.get_by_role("link", name="Answer now (due)").click()
    assert_accessible(page)
    page.get_by_label("4 – agree").nth(1).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_label("4 – agree").nth(1)).to_be_checked()
    page.get_by_label("2 – disagree").first.check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()

    # The next session: the event page and its calendar file.
    page.locator("section.card").get_by_role("link", name=re.compile("session")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Autumn cohort")
    assert_accessible(page)
    event_url = page.url.rstrip("/")
    calendar = page.request.get(event_url + "/event.ics")
    assert calendar.status == 200
    assert "BEGIN:VCALENDAR" in calendar.text()

    # The course: complete its lesson, which completes the course.
    page.goto(site + "/programmes/mine/")
    page.get_by_role("link", name="Resilience basics").click()
    assert_accessible(page)
    page.get_by_role("link", name="Noticing pressure").click()
    assert_accessible(page)
    page.get_by_role("button", name="Mark this lesson complete").click()
    expect(page.get_by_text("Your certificate is ready.")).to_be_visible()
    assert_accessible(page)
    assert Certificate.objects.filter(enrolment__user__email="founder@example.com")

    # Weeks later the exit survey opens.
    exit_window = cohort.windows.get(kind="exit")
    exit_window.opens_on = timezone.localdate() - timedelta(days=1)
    exit_window.save()
    page.goto(site + "/programmes/mine/")
    expect(page.get_by_text("1 of 1 lessons completed")).to_be_visible()
    page.get_by_role("link", name="Answer now (due)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("exit")
    page.get_by_label("4 – agree").first.check()
    page.get_by_label("2 – disagree").nth(1).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    assert_accessible(page)

    # The certificate, as the public verification page shows it.
    page.get_by_role("link", name="Your certificate").click()
    expect(page.get_by_text("Resilience basics").first).to_be_visible()
    assert_accessible(page)
    log_out(page)

    # The lead sees the outcomes: figures for six people, no one's answers.
    log_in(page, site, "lead@example.com")
    page.goto(site + cohort.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes of")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Wellbeing")
    expect(table.get_by_role("row").nth(1)).to_contain_text("6")
    expect(page.get_by_text("Not shown")).to_have_count(0)
    assert_accessible(page)
    download = page.request.get(
        site + cohort.get_absolute_url() + "evaluation/answers.csv"
    )
    assert download.status == 200 and "founder@" not in download.text()
