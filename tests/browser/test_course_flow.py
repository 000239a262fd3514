"""A learner enrols, reads a lesson, passes a quiz, completes the course, downloads
the certificate and checks it on the public page; the trainer sees the progress —
in a real browser, every page checked by axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_directory_flow import log_in, log_out
from tests.conftest import make_person


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings):
    settings.KINDRED_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def course(transactional_db):
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.learning import services
    from kindred.organisations.models import Membership, Organisation, Role

    vocabulary.seed(Topic, Region, Sector)
    trainer = make_person("trainer@example.com", "Tara Trainer")
    make_person("learner@example.com", "Lena Learner")
    org = Organisation.objects.create(
        name="Mindful Founders CIC", slug="mindful", kind="social_enterprise"
    )
    Membership.objects.create(organisation=org, user=trainer, role=Role.PRACTITIONER)
    course = services.create_course(
        org, by=trainer, title="Resilience for founders", summary="Bounce back."
    )
    module = services.add_module(course, by=trainer, title="Noticing pressure")
    services.add_lesson(
        module,
        by=trainer,
        title="Why resilience matters",
        body="Pressure changes **attention**.",
        video_url="https://www.youtube.com/watch?v=demo",
    )
    quizzed = services.add_lesson(module, by=trainer, title="Check yourself")
    services.set_quiz(
        quizzed,
        by=trainer,
        pass_mark=100,
        questions=[
            services.QuestionInput(
                "Which is a warning sign?",
                [("Lying awake at 3 a.m.", True), ("A lunch break", False)],
            )
        ],
    )
    services.publish_course(course, by=trainer)
    return course


def test_enrol_learn_pass_complete_and_verify(page: Page, site, course):
    log_in(page, site, "learner@example.com")
    page.goto(site + "/courses/")
    assert_accessible(page)
    page.get_by_role("link", name="Resilience for founders").click()
    assert_accessible(page)
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_text("You are enrolled.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Why resilience matters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why resilience matters")
    expect(page.get_by_role("link", name=re.compile("Watch the video"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark this lesson complete").click()
    expect(page.get_by_text("Lesson completed.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Check yourself")).click()
    assert_accessible(page)
    page.get_by_label("A lunch break").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("You scored 0%")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Lying awake at 3 a.m.").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("You completed the course.")).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_role("link", name="Its public verification page").click()
    verification_url = page.url
    log_out(page)

    page.goto(verification_url)
    expect(page.get_by_text("Valid certificate.")).to_be_visible()
    expect(page.get_by_text("Lena Learner")).to_be_visible()
    assert_accessible(page)

    log_in(page, site, "trainer@example.com")
    page.goto(site + f"/courses/{course.slug}/")
    page.get_by_role("link", name="Progress and quiz results").click()
    expect(page.get_by_role("heading", name="Drop-off by lesson")).to_be_visible()
    expect(page.get_by_text("pass rate 50%")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Learners one by one").click()
    expect(page.get_by_text("Lena Learner")).to_be_visible()
    assert_accessible(page)
    page.goto(site + f"/courses/{course.slug}/manage/")
    assert_accessible(page)
    page.get_by_role("link", name="Check yourself").click()
    assert_accessible(page)
