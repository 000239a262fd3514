"""The journey every release must keep working (DESIGN.md, issue 12), through the
real pages, as the people who live it logging in and out:

1. an adviser at the Growth Hub (A) refers Jamal (E), with his recorded consent,
   to the wellbeing programme of Mindful Founders (B);
2. B accepts; Jamal has a place in the cohort and answers the entry survey;
3. he finds the cohort's group, says hello and registers for an online session
   (video room link shown, calendar file served as text/calendar);
4. he asks a mentor of the University (C) and the mentor accepts;
5. he posts an ask, sees the peer recommended, the peer answers, he thanks them;
6. a networking round introduces him to a founder of another organisation and he
   records that they met;
7. he completes the course (certificate) and the exit survey; the programme lead
   sees the before/after change on the outcomes page;
8. B refers him on to the Enterprise Bank (D), which closes the referral with an
   outcome;
9. D writes a success story crediting A, B, C and D; Jamal approves it and it
   appears on all four organisations' pages;
10. the steward (second factor) takes a snapshot; the dashboard shows the new
    cross-organisation ties, the referral completion and the programme's outcomes.

Only the starting state is made with services and the ORM; what happens with
time (the exit survey opening weeks later) or by a scheduled job (the networking
round, the daily collection of ties) is done here as the job would do it. Every
page visited is checked by axe.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_directory_flow import log_in, log_out
from tests.conftest import make_person

ADVISER = "adviser@example.com"  # practitioner at A
LEAD = "programme.lead@example.com"  # admin of B, leads the wellbeing programme
FOUNDER = "founder@example.com"  # E
MENTOR = "mentor@example.com"  # practitioner at C
FUNDER = "funder@example.com"  # practitioner at finance provider D
PEER = "peer@example.com"  # offers help with cash-flow forecasts
OTHER_FOUNDER = "other.founder@example.com"  # member of another organisation
STEWARD = "steward@example.com"

STORY = "From burnout to a bakery with a loan and a plan"


@pytest.fixture
def site(django_db_serialized_rollback, live_server, settings, tmp_path):
    settings.KINDRED_BASE_URL = live_server.url
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return live_server.url


def _answers(instrument, values):
    items = list(instrument.items.order_by("position"))
    return {item.pk: value for item, value in zip(items, values, strict=True)}


@pytest.fixture
def ecosystem(transactional_db):
    """Organisations A-D and their people, the wellbeing programme with a cohort
    that has room (five peers answered its entry and exit surveys already), its
    course, weekly online sessions, a self-match mentoring programme at C with one
    mentor, a networking programme and a peer offering help on a topic."""
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic
    from kindred.directory import services as directory
    from kindred.learning import services as learning
    from kindred.mentoring import services as mentoring
    from kindred.networking import services as networking
    from kindred.networking.models import Programme as NetworkingProgramme
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.peerhelp.models import Offer
    from kindred.programmes import services as programmes
    from kindred.programmes.services import CohortInput, ItemInput, ScaleInput

    vocabulary.seed(Topic, Region, Sector)
    topic = {t.slug: t for t in Topic.objects.all()}
    steward = make_person(STEWARD, "Stella Steward", steward=True, mfa=True)
    adviser = make_person(ADVISER, "Aisha Adviser")
    lead = make_person(LEAD, "Rhys Lead")
    make_person(FOUNDER, "Jamal Founder")
    mentor = make_person(MENTOR, "Maya Mentor")
    funder = make_person(FUNDER, "Fola Funder")
    peer = make_person(PEER, "Hana Helper")
    other_founder = make_person(OTHER_FOUNDER, "Ada Baker")
    cohort_peers = [
        make_person(f"cohort{i}@example.com", f"Cohort Peer {i}") for i in range(5)
    ]

    def organisation(name, slug, kind, person, role=Role.PRACTITIONER):
        org = Organisation.objects.create(name=name, slug=slug, kind=kind)
        Membership.objects.create(organisation=org, user=person, role=role)
        return org

    hub = organisation("Northshire Growth Hub", "growth-hub", "public_agency", adviser)
    mindful = organisation(
        "Mindful Founders CIC", "mindful-founders", "charity", lead, Role.ADMIN
    )
    university = organisation(
        "Northshire University", "university", "university", mentor
    )
    bank = organisation(
        "Northshire Enterprise Bank", "enterprise-bank", "charity", funder
    )
    organisation(
        "Harbour Makers Co-op",
        "harbour-makers",
        "social_enterprise",
        other_founder,
        Role.MEMBER,
    )

    # B's wellbeing programme: a service run as a programme, with a survey.
    wellbeing = directory.create_service(
        mindful,
        by=steward,
        name="Founder Wellbeing Programme",
        description="Eight weeks of small-group sessions on stress and resilience.",
        application_process="Ask an adviser to refer you.",
        topics=[topic["founder-mental-health"], topic["mindfulness"]],
        is_programme=True,
    )
    loans = directory.create_service(
        bank,
        by=steward,
        name="Start-up Growth Loans",
        description="Loans from 5,000 to 25,000 pounds for small businesses.",
        application_process="Referral by a support organisation.",
        topics=[topic["loans-and-grants"]],
    )
    course = learning.create_course(
        mindful, by=lead, title="Resilience basics", summary="One short lesson."
    )
    module = learning.add_module(course, by=lead, title="Start")
    learning.add_lesson(module, by=lead, title="Noticing pressure", body="Breathe.")
    learning.publish_course(course, by=lead)

    # C's mentoring programme: mentees ask, mentors answer; one mentor is in.
    mentoring_programme = mentoring.create_programme(
        by=mentor,
        organisation=university,
        settings=mentoring.ProgrammeInput(
            title="Founders and mentors",
            purpose="Founders ask an experienced mentor for a few months.",
            mode="self",
        ),
    )
    mentoring.set_programme_status(mentoring_programme, by=mentor, status="open")
    mentoring.apply(
        mentoring_programme,
        by=mentor,
        data=mentoring.ApplicationInput(
            side="mentor",
            topics=[topic["pricing"], topic["sales-and-negotiation"]],
            languages=["en"],
            availability=["mon-am"],
            stages=["start_up"],
            experience_years=15,
            capacity=2,
        ),
    )

    programme = programmes.create_programme(wellbeing, by=lead, lead=lead)
    instrument = programmes.create_instrument(
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
    cohort = programmes.create_cohort(
        programme,
        by=lead,
        data=CohortInput(
            name="Autumn cohort",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=50),
            capacity=10,
            instrument=instrument,
            course=course,
            mentoring=mentoring_programme,
            next_steps=[loans],
            # The first online session is about to start: its room is open.
            sessions=programmes.SessionPlan(
                first_starts_at=timezone.now().replace(microsecond=0)
                + timedelta(minutes=10),
                minutes=60,
                weeks=4,
            ),
        ),
    )
    # Five others in the cohort answered at entry and, weeks later, at exit.
    entry = cohort.windows.get(kind="entry")
    exit_window = cohort.windows.get(kind="exit")
    exit_opens_on = exit_window.opens_on
    exit_window.opens_on = today - timedelta(days=1)
    exit_window.save()
    for i, person in enumerate(cohort_peers):
        programmes.add_place(cohort, participant=person, by=lead)
        programmes.submit_response(
            entry, by=person, answers=_answers(instrument, [2, 4])
        )
        programmes.submit_response(
            exit_window, by=person, answers=_answers(instrument, [3 + i % 2, 2 + i % 3])
        )
    exit_window.opens_on = exit_opens_on
    exit_window.save()

    networking.create_programme(
        by=steward,
        name="Founders' coffee",
        audience=NetworkingProgramme.Audience.EVERYONE,
        cadence=NetworkingProgramme.Cadence.MONTHLY,
        next_round_on=today,
    )
    offer = Offer.objects.create(
        helper=peer,
        title="I build cash-flow forecasts with founders",
        format=Offer.Format.CALL,
    )
    offer.topics.add(topic["cash-flow-forecasting"])
    return {
        "organisations": [hub, mindful, university, bank],
        "wellbeing": wellbeing,
        "loans": loans,
        "cohort": cohort,
        "course": course,
        "topic": topic,
    }


# --- the steps ------------------------------------------------------------------------


def step_1_adviser_refers_with_consent(page: Page, site: str, eco) -> None:
    log_in(page, site, ADVISER)
    page.goto(site + eco["wellbeing"].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wellbeing")
    assert_accessible(page)
    page.get_by_role("link", name="Refer someone").click()
    expect(page.get_by_role("heading", name="Refer someone")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email address of the person you refer").fill(FOUNDER)
    page.get_by_label("Note for the receiver").fill(
        "Running a bakery alone; stretched thin and not sleeping."
    )
    page.get_by_label(re.compile("^Verbally")).check()
    page.get_by_label("Date they agreed").fill(timezone.localdate().isoformat())
    screenshot(page, "journey-1-referral-form")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#referral-status")).to_have_text("Sent: waiting for an answer")
    assert_accessible(page)
    log_out(page)


def step_2_accepted_place_and_entry_survey(page: Page, site: str, eco) -> None:
    log_in(page, site, LEAD)
    page.goto(site + "/referrals/?box=received")
    assert_accessible(page)
    page.get_by_role("link", name="Founder Wellbeing Programme").click()
    expect(page.get_by_text("stretched thin and not sleeping")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#referral-status")).to_have_text("Accepted")
    assert_accessible(page)
    log_out(page)

    # Accepting gave Jamal a place in the cohort with room.
    log_in(page, site, FOUNDER)
    page.goto(site + "/programmes/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My programme")
    expect(
        page.get_by_role("heading", name="Founder Wellbeing Programme: Autumn cohort")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Answer now (due)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("entry")
    assert_accessible(page)
    page.get_by_label("2 – disagree").first.check()  # I feel calm.
    page.get_by_label("4 – agree").nth(1).check()  # I feel on edge.
    screenshot(page, "journey-2-cohort-entry-survey")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    assert_accessible(page)


def step_3_group_and_online_session(page: Page, site: str, eco) -> None:
    page.goto(site + "/programmes/mine/")
    page.get_by_role("link", name="The cohort's group").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Autumn cohort")
    # The place made him a member: he may leave, and he may post.
    expect(page.get_by_role("button", name="Leave the group")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Title").fill("Hello from Jamal")
    page.get_by_label("Message", exact=True).fill(
        "I run a small bakery. Glad to be here."
    )
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello from Jamal")
    assert_accessible(page)

    page.goto(site + "/programmes/mine/")
    page.locator("section.card").get_by_role("link", name=re.compile("session")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Autumn cohort")
    assert_accessible(page)
    page.get_by_label("Register for every later session of this series too").check()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_text("You are registered.").first).to_be_visible()
    room = page.get_by_role("link", name=re.compile("Join the online room"))
    expect(room).to_be_visible()
    assert re.match(r"https?://", room.get_attribute("href") or "")
    assert_accessible(page)
    screenshot(page, "journey-3-session")
    ics = page.get_by_role("link", name="Add to my calendar (.ics file)")
    calendar = page.request.get(site + (ics.get_attribute("href") or ""))
    assert calendar.status == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in calendar.text()


def step_4_mentor_from_c(page: Page, site: str, eco) -> None:
    page.goto(site + "/programmes/mine/")
    page.get_by_role("link", name="Mentoring: Founders and mentors").click()
    assert_accessible(page)
    page.get_by_role("link", name="Founders and mentors").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Founders and mentors")
    assert_accessible(page)
    page.get_by_role("link", name="Apply as a mentee").click()
    assert_accessible(page)
    page.get_by_label("Topics and goals").select_option(label="Pricing")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("Thank you: your application is in.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Rank for Maya Mentor").fill("1")
    page.get_by_label("A few words to your mentor (optional)").fill(
        "I price my bread by guesswork."
    )
    page.get_by_role("button", name="Send my request").click()
    expect(
        page.get_by_text("Your request is sent to your first choice.")
    ).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, MENTOR)
    page.goto(site + "/mentoring/requests/")
    expect(page.get_by_text("I price my bread by guesswork.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept Jamal Founder").click()
    expect(page.get_by_text("You are now their mentor.")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, FOUNDER)
    page.goto(site + "/mentoring/")
    page.get_by_role("link", name=re.compile("Mentored by")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jamal Founder")
    expect(page.get_by_text("Maya Mentor").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "journey-4-mentor-match")


def step_5_ask_recommended_helper_thanks(page: Page, site: str, eco) -> None:
    topic = eco["topic"]["cash-flow-forecasting"]
    page.goto(site + "/asks/")
    assert_accessible(page)
    page.get_by_role("link", name="Ask for help").first.click()
    assert_accessible(page)
    page.get_by_label("Title").fill("My first cash-flow forecast")
    page.get_by_label("Details").fill("The bank wants a **13-week** forecast.")
    page.get_by_label("Topics").select_option(label=topic.name)
    page.get_by_role("button", name="Post the ask").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("cash-flow forecast")
    recommended = page.get_by_role("region", name="Recommended helpers")
    expect(recommended.get_by_text("Hana Helper")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "journey-5-ask-recommended")
    ask_url = page.url
    log_out(page)

    log_in(page, site, PEER)
    page.goto(site + "/asks/")
    could_help = page.get_by_role("region", name="Asks you could help with")
    could_help.get_by_role("link", name="My first cash-flow forecast").click()
    assert page.url == ask_url
    assert_accessible(page)
    page.get_by_label("Your reply").fill("List every payment by week; start today.")
    page.get_by_role("button", name="Post the reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, FOUNDER)
    page.goto(ask_url)
    page.get_by_text("This helped").click()
    page.get_by_label("Thank-you note (optional)").fill("That got me started!")
    page.get_by_role("button", name="Mark as helpful").click()
    expect(page.get_by_text("Thank you for saying what helped.")).to_be_visible()
    assert_accessible(page)


def _opt_in(page: Page, site: str) -> None:
    page.goto(site + "/networking/")
    assert_accessible(page)
    page.get_by_role("link", name="Founders' coffee").click()
    assert_accessible(page)
    page.get_by_role("button", name="Opt in").click()
    expect(page.get_by_text("You are in the next round.")).to_be_visible()
    assert_accessible(page)


def step_6_networking_round(page: Page, site: str, eco) -> None:
    from kindred.networking import services

    _opt_in(page, site)  # Jamal, still signed in
    log_out(page)
    log_in(page, site, OTHER_FOUNDER)
    _opt_in(page, site)
    log_out(page)

    # The scheduled job runs the round that is due.
    assert len(services.run_due_rounds()) == 1

    log_in(page, site, FOUNDER)
    page.goto(site + "/networking/")
    assert_accessible(page)
    page.get_by_role("link", name="Ada Baker").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meet Ada Baker")
    assert_accessible(page)
    page.get_by_label("Yes, we met").check()
    page.get_by_label("How useful was it? (optional)").select_option("5")
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_text("your answer is recorded")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "journey-6-networking-met")


def step_7_course_exit_survey_outcomes(page: Page, site: str, eco) -> None:
    page.goto(site + "/programmes/mine/")
    page.get_by_role("link", name="Resilience basics").click()
    assert_accessible(page)
    page.get_by_role("link", name="Noticing pressure").click()
    assert_accessible(page)
    page.get_by_role("button", name="Mark this lesson complete").click()
    expect(page.get_by_text("Your certificate is ready.")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"

    # Weeks pass: the exit survey opens.
    exit_window = eco["cohort"].windows.get(kind="exit")
    exit_window.opens_on = timezone.localdate() - timedelta(days=1)
    exit_window.save()
    page.goto(site + "/programmes/mine/")
    expect(page.get_by_text("1 of 1 lessons completed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Answer now (due)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("exit")
    assert_accessible(page)
    page.get_by_label("4 – agree").first.check()  # calmer
    page.get_by_label("2 – disagree").nth(1).check()  # less on edge
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, LEAD)
    page.goto(site + "/programmes/")
    assert_accessible(page)
    page.goto(site + eco["cohort"].get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes of")
    table = page.get_by_role("table")
    wellbeing = table.get_by_role("row").nth(1)
    expect(wellbeing).to_contain_text("Wellbeing")
    # Six people answered both, Jamal among them; before and after are shown.
    expect(wellbeing.get_by_role("cell").first).to_have_text("6")
    expect(page.get_by_text("Not shown")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "journey-7-outcomes")


def step_8_onward_referral_closed(page: Page, site: str, eco) -> None:
    page.goto(site + eco["loans"].get_absolute_url())  # the lead, still signed in
    expect(page.get_by_role("heading", level=1)).to_contain_text("Growth Loans")
    assert_accessible(page)
    page.get_by_role("link", name="Refer someone").click()
    assert_accessible(page)
    page.get_by_label("Email address of the person you refer").fill(FOUNDER)
    page.get_by_label("Note for the receiver").fill(
        "Finished our programme; ready to buy a second oven."
    )
    page.get_by_label(re.compile("^Verbally")).check()
    page.get_by_label("Date they agreed").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#referral-status")).to_have_text("Sent: waiting for an answer")
    assert_accessible(page)
    log_out(page)

    log_in(page, site, FUNDER)
    page.goto(site + "/referrals/?box=received")
    assert_accessible(page)
    page.get_by_role("link", name="Start-up Growth Loans").click()
    expect(page.get_by_text("ready to buy a second oven")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#referral-status")).to_have_text("Accepted")
    page.get_by_text("Complete with an outcome").click()
    page.get_by_label("Outcome", exact=True).select_option("funding_secured")
    page.get_by_label("Amount (£), for funding").fill("12000")
    page.get_by_role("button", name="Complete the referral").click()
    expect(page.locator("#referral-status")).to_have_text("Completed")
    expect(page.get_by_text("Funding secured").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "journey-8-referral-closed")


def step_9_shared_success_story(page: Page, site: str, eco) -> None:
    page.goto(site + "/stories/new/")  # D's practitioner, still signed in
    assert_accessible(page)
    page.get_by_label("What your organisation did").fill("lent the money for an oven")
    page.get_by_label("Title").fill(STORY)
    page.get_by_label("The story", exact=True).fill(
        "Jamal found **calm**, a mentor, a forecast and a loan."
    )
    page.get_by_label("The entrepreneur's email address").fill(FOUNDER)
    for n, (name, role) in enumerate(
        [
            ("Northshire Growth Hub", "referred him"),
            ("Mindful Founders CIC", "ran the wellbeing programme"),
            ("Northshire University", "found him a mentor"),
        ],
        start=1,
    ):
        page.get_by_label(f"Also credit ({n})").select_option(label=name)
        page.get_by_label(f"What they did ({n})").fill(role)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Waiting for the entrepreneur's approval")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    log_in(page, site, FOUNDER)
    page.goto(site + "/stories/")
    assert_accessible(page)
    page.get_by_role("link", name=STORY).click()
    assert_accessible(page)
    page.get_by_label("Show my name with the story").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("The story is published.")).to_be_visible()
    for organisation in eco["organisations"]:
        expect(page.get_by_role("link", name=organisation.name).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "journey-9-success-story")

    for organisation in eco["organisations"]:
        page.goto(site + f"/organisations/{organisation.slug}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(organisation.name)
        expect(page.get_by_role("link", name=STORY)).to_be_visible()
        assert_accessible(page)
    log_out(page)


def step_10_steward_dashboard(page: Page, site: str, eco) -> None:
    from kindred.analytics.models import Tie

    # No daily job has run: "Take a snapshot" collects the new ties itself.
    assert not Tie.objects.exists()

    log_in(page, site, STEWARD)
    page.goto(site + "/ecosystem/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ecosystem health")
    assert_accessible(page)
    page.get_by_role("button", name="Take a snapshot").click()
    expect(page.get_by_text(re.compile(r"The snapshot of .* is taken"))).to_be_visible()
    assert_accessible(page)
    assert Tie.objects.exists()

    # New ties, across organisations.
    expect(page.locator("#story")).to_contain_text(
        re.compile(r"[1-9]\d* new ties this month")
    )
    cross = page.locator("#headline dl").filter(has_text="Cross-organisation ties")
    expect(cross.locator("dd").first).to_have_text(re.compile(r"^\s*([1-9]\d*)%"))
    # The referral completion: the one referral closed this month was completed.
    every_figure = page.locator("section[aria-labelledby='all-heading']")
    completed = every_figure.get_by_role("row").filter(has_text="Referrals completed")
    expect(completed.get_by_role("cell").first).to_have_text("100%")
    # The programme's outcome summary: six people, the wellbeing scale went up.
    outcomes = page.locator("#programme-outcomes")
    row = outcomes.get_by_role("row").filter(
        has_text="Founder Wellbeing Programme: Autumn cohort"
    )
    expect(row).to_contain_text("Wellbeing")
    expect(row.get_by_role("cell").nth(2)).to_have_text("6")
    expect(row.get_by_role("cell").nth(3)).to_have_text(re.compile(r"^\+\d"))
    page.locator("#programme-outcomes").scroll_into_view_if_needed()
    screenshot(page, "journey-10-dashboard")

    page.get_by_role("link", name="Network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ecosystem network")
    assert_accessible(page)


def test_the_whole_journey(page: Page, site, ecosystem):
    from kindred.referrals.models import Referral

    step_1_adviser_refers_with_consent(page, site, ecosystem)
    step_2_accepted_place_and_entry_survey(page, site, ecosystem)
    step_3_group_and_online_session(page, site, ecosystem)
    step_4_mentor_from_c(page, site, ecosystem)
    step_5_ask_recommended_helper_thanks(page, site, ecosystem)
    step_6_networking_round(page, site, ecosystem)
    step_7_course_exit_survey_outcomes(page, site, ecosystem)
    step_8_onward_referral_closed(page, site, ecosystem)
    step_9_shared_success_story(page, site, ecosystem)
    step_10_steward_dashboard(page, site, ecosystem)

    # What the pages did is what the database holds.
    assert list(
        Referral.objects.order_by("pk").values_list(
            "referring_organisation__slug", "receiving_organisation__slug", "status"
        )
    ) == [
        ("growth-hub", "mindful-founders", "accepted"),
        ("mindful-founders", "enterprise-bank", "completed"),
    ]
