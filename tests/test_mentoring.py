"""Mentoring programmes: the services, their rules and who may see what.

Each refusal is checked twice: the error and the database (nothing changed).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from kindred.core.errors import KindredError, NotAllowed
from kindred.mentoring import permissions, selectors, services
from kindred.mentoring.errors import PairRefused, StateConflict
from kindred.mentoring.models import (
    Access,
    Application,
    MentoringProgramme,
    MentorRequest,
    Note,
    Pair,
)
from kindred.mentoring.services import ApplicationInput, ProgrammeInput
from kindred.notifications.models import Notification
from kindred.organisations.models import Membership, Role

from .conftest import make_person


@pytest.fixture
def topic_list(topics):
    return list(topics.values())


def make_programme(by, organisation, **overrides):
    settings = ProgrammeInput(
        title="Founders' mentoring",
        purpose="Pair founders with **mentors**.",
        questions=["What do you want from mentoring?"],
        **overrides,
    )
    programme = services.create_programme(
        by=by, organisation=organisation, settings=settings
    )
    services.set_programme_status(programme, by=by, status="open")
    return programme


def applicant(programme, email, side, topics, *, capacity=1, name=None):
    person = make_person(email, name or email.split("@")[0].title())
    return services.apply(
        programme,
        by=person,
        data=ApplicationInput(
            side=side,
            answers=["To grow."][: len(programme.questions)],
            topics=topics,
            languages=["en"],
            availability=["mon-am"],
            stages=["start_up"],
            capacity=capacity,
            experience_years=10 if side == "mentor" else 0,
        ),
    )


@pytest.fixture
def programme(owner, organisation):
    return make_programme(owner, organisation)


@pytest.fixture
def people(programme, topic_list):
    mentors = [
        applicant(programme, f"mentor{i}@example.com", "mentor", topic_list[:3])
        for i in range(2)
    ]
    mentees = [
        applicant(programme, f"mentee{i}@example.com", "mentee", topic_list[i : i + 1])
        for i in range(3)
    ]
    return mentors, mentees


def test_staff_create_a_draft_programme_others_cannot(owner, organisation, outsider):
    """An organisation's admin runs a programme for it; an outsider cannot, and
    a draft is hidden from everyone but its organisers."""
    programme = services.create_programme(
        by=owner,
        organisation=organisation,
        settings=ProgrammeInput(title="Mentoring", purpose="Help."),
    )
    assert programme.status == MentoringProgramme.Status.DRAFT
    assert programme.weights["goals"] == 5
    with pytest.raises(NotAllowed):
        services.create_programme(
            by=outsider,
            organisation=organisation,
            settings=ProgrammeInput(title="Mine", purpose="x"),
        )
    with pytest.raises(Http404):
        permissions.get_programme_for_user(outsider, programme.pk)
    assert MentoringProgramme.objects.count() == 1


def test_bad_settings_are_refused_and_nothing_is_saved(owner, organisation):
    with pytest.raises(KindredError) as error:
        services.create_programme(
            by=owner,
            organisation=organisation,
            settings=ProgrammeInput(
                title="x", purpose="y", weights={"goals": 99}, check_in_weeks=4
            ),
        )
    assert error.value.field == "weights"
    with pytest.raises(KindredError) as error:
        services.create_programme(
            by=owner,
            organisation=organisation,
            settings=ProgrammeInput(title="x", purpose="y", mentee_access=Access.GROUP),
        )
    assert error.value.field == "mentee_group"
    assert not MentoringProgramme.objects.exists()


def test_state_changes_follow_the_rules(programme, owner):
    with pytest.raises(KindredError):
        services.set_programme_status(programme, by=owner, status="draft_x")
    services.set_programme_status(programme, by=owner, status="closed")
    with pytest.raises(StateConflict):
        services.set_programme_status(programme, by=owner, status="open")


def test_application_checks_capacity_and_access(programme, topic_list, outsider):
    """A mentor's capacity is 1 to 5; organisation-only programmes refuse others."""
    with pytest.raises(KindredError) as error:
        services.apply(
            programme,
            by=outsider,
            data=ApplicationInput(side="mentor", topics=topic_list[:1], capacity=9),
        )
    assert error.value.field == "capacity"
    programme.mentee_access = Access.ORGANISATIONS
    programme.save()
    with pytest.raises(NotAllowed):
        services.apply(
            programme,
            by=outsider,
            data=ApplicationInput(side="mentee", topics=topic_list[:1]),
        )
    assert not Application.objects.exists()


def test_group_rule_admits_only_the_cohort_group(
    owner, organisation, outsider, colleague, topic_list
):
    from kindred.communities.models import Group
    from kindred.communities.models import Membership as GroupMembership

    group = Group.objects.create(name="Cohort 1", slug="cohort-1", created_by=owner)
    GroupMembership.objects.create(group=group, user=colleague)
    programme = make_programme(
        owner, organisation, mentee_access=Access.GROUP, mentee_group=group
    )
    assert permissions.may_apply(colleague, programme, "mentee")
    assert not permissions.may_apply(outsider, programme, "mentee")
    assert permissions.may_apply(outsider, programme, "mentor")


def test_applications_are_seen_by_applicant_and_organisers_only(
    programme, people, owner, outsider
):
    mentors, mentees = people
    mine = mentees[0]
    assert permissions.get_application_for_user(mine.user, programme, mine.pk) == mine
    assert permissions.get_application_for_user(owner, programme, mine.pk) == mine
    with pytest.raises(Http404):
        permissions.get_application_for_user(outsider, programme, mine.pk)


def test_matching_proposes_explains_and_publish_notifies(programme, people, owner):
    """The optimiser's pairs are proposals with each criterion's points; publishing
    tells both sides "You have been matched"."""
    mentors, mentees = people
    result = services.run_matching(programme, by=owner)
    assert len(result.pairs) == 2  # two mentors with room for one each
    programme.refresh_from_db()
    assert programme.status == "matching" and programme.last_run["pairs"] == 2
    proposed = list(selectors.proposed_pairs(programme))
    assert all(sum(p.score_parts.values()) == pytest.approx(p.score) for p in proposed)
    assert not Notification.objects.filter(kind="mentoring.matched").exists()
    services.publish_matching(programme, by=owner)
    programme.refresh_from_db()
    assert programme.status == "running"
    assert Pair.objects.filter(status="active").count() == 2
    told = Notification.objects.filter(kind="mentoring.matched")
    assert told.count() == 4 and "You have been matched" in told.first().message


def test_edits_are_refused_over_capacity_forbidden_or_same_organisation(
    programme, people, owner, organisation
):
    mentors, mentees = people
    services.add_pair(programme, by=owner, mentee=mentees[0], mentor=mentors[0])
    with pytest.raises(PairRefused, match="at capacity"):
        services.add_pair(programme, by=owner, mentee=mentees[1], mentor=mentors[0])
    services.forbid_pair(programme, by=owner, mentee=mentees[1], mentor=mentors[1])
    with pytest.raises(PairRefused, match="must not be made"):
        services.add_pair(programme, by=owner, mentee=mentees[1], mentor=mentors[1])
    Membership.objects.create(
        organisation=organisation, user=mentees[2].user, role=Role.MEMBER
    )
    Membership.objects.create(
        organisation=organisation, user=mentors[1].user, role=Role.MEMBER
    )
    with pytest.raises(PairRefused, match="same organisation"):
        services.add_pair(programme, by=owner, mentee=mentees[2], mentor=mentors[1])
    assert Pair.objects.count() == 1


def test_swap_and_remove_proposed_pairs(programme, people, owner):
    mentors, mentees = people
    first = services.add_pair(programme, by=owner, mentee=mentees[0], mentor=mentors[0])
    second = services.add_pair(
        programme, by=owner, mentee=mentees[1], mentor=mentors[1]
    )
    services.swap_mentors(first, second, by=owner)
    first.refresh_from_db()
    assert first.mentor == mentors[1]
    services.remove_pair(second, by=owner)
    assert Pair.objects.count() == 1


def test_outsider_cannot_run_or_edit_matching(programme, people, outsider):
    mentors, mentees = people
    with pytest.raises(NotAllowed):
        services.run_matching(programme, by=outsider)
    with pytest.raises(NotAllowed):
        services.add_pair(programme, by=outsider, mentee=mentees[0], mentor=mentors[0])
    assert not Pair.objects.exists()


def test_most_matched_objective_is_passed_to_the_optimiser(programme, people, owner):
    services.run_matching(programme, by=owner, objective="coverage")
    programme.refresh_from_db()
    assert programme.objective == "coverage" and programme.last_run["pairs"] == 2


@pytest.fixture
def self_match(owner, organisation, topic_list):
    programme = make_programme(owner, organisation, mode="self", request_days=3)
    mentors = [
        applicant(programme, f"m{i}@example.com", "mentor", topic_list[:2])
        for i in range(3)
    ]
    mentee = applicant(programme, "e@example.com", "mentee", topic_list[:1])
    return programme, mentors, mentee


def test_self_match_request_moves_on_after_decline_and_expiry(self_match):
    """The first choice is asked; a decline moves to the second, an expiry to the
    third, and an answer after expiry is refused with the reason."""
    programme, mentors, mentee = self_match
    requests = services.request_mentors(
        programme, by=mentee.user, mentors=mentors, message="Hello"
    )
    assert [r.status for r in requests] == ["waiting", "queued", "queued"]
    assert Notification.objects.filter(
        kind="mentoring.request_waiting", recipient=mentors[0].user
    ).exists()
    services.decide_request(requests[0], by=mentors[0].user, accept=False)
    second = MentorRequest.objects.get(pk=requests[1].pk)
    assert second.status == "waiting"
    moved = services.move_expired_requests(now=timezone.now() + timedelta(days=4))
    assert moved == 1
    second.refresh_from_db()
    assert second.status == "expired"
    with pytest.raises(StateConflict, match="expired"):
        services.decide_request(second, by=mentors[1].user, accept=True)
    third = MentorRequest.objects.get(pk=requests[2].pk)
    assert third.status == "waiting"
    assert Notification.objects.filter(
        kind="mentoring.request_moved", recipient=mentee.user
    ).exists()
    services.decide_request(third, by=mentors[2].user, accept=True)
    pair = Pair.objects.get(mentee=mentee)
    assert pair.status == "active" and pair.mentor == mentors[2]


def test_only_the_mentor_answers_and_queued_requests_stay_private(self_match, outsider):
    programme, mentors, mentee = self_match
    requests = services.request_mentors(programme, by=mentee.user, mentors=mentors)
    with pytest.raises(NotAllowed):
        services.decide_request(requests[0], by=outsider, accept=True)
    with pytest.raises(Http404):
        permissions.get_request_for_user(mentors[1].user, requests[1].pk)
    assert not Pair.objects.exists()


def test_a_full_mentor_cannot_accept(self_match, topic_list):
    programme, mentors, mentee = self_match
    other = applicant(programme, "e2@example.com", "mentee", topic_list[:1])
    first = services.request_mentors(programme, by=mentee.user, mentors=[mentors[0]])
    second = services.request_mentors(programme, by=other.user, mentors=[mentors[0]])
    services.decide_request(first[0], by=mentors[0].user, accept=True)
    with pytest.raises(PairRefused, match="at capacity"):
        services.decide_request(second[0], by=mentors[0].user, accept=True)
    assert Pair.objects.count() == 1


def test_suggested_mode_takes_one_of_the_suggestions(owner, organisation, topic_list):
    programme = make_programme(
        owner, organisation, mode="suggested", suggestions_shown=1
    )
    good = applicant(programme, "good@example.com", "mentor", topic_list[:1])
    poor = applicant(programme, "poor@example.com", "mentor", topic_list[5:6])
    mentee = applicant(programme, "e@example.com", "mentee", topic_list[:1])
    shown = selectors.suggestions_for(mentee)
    assert [s.mentor for s in shown] == [good]
    with pytest.raises(PairRefused):
        services.request_mentors(programme, by=mentee.user, mentors=[poor])
    services.request_mentors(programme, by=mentee.user, mentors=[good])


@pytest.fixture
def pair(programme, people, owner):
    mentors, mentees = people
    services.add_pair(programme, by=owner, mentee=mentees[0], mentor=mentors[0])
    services.publish_matching(programme, by=owner)
    return Pair.objects.get(mentee=mentees[0])


def test_workspace_agreement_goals_sessions_check_ins(pair):
    mentee, mentor = pair.mentee.user, pair.mentor.user
    services.update_agreement(pair, by=mentee, text="We meet **monthly**.")
    goal = services.add_goal(
        pair, by=mentor, title="Price the product", milestones=[("Survey", None)]
    )
    services.mark_done(goal.milestones.first(), by=mentee)
    session = services.log_session(
        pair,
        by=mentee,
        starts_at=timezone.now(),
        duration_minutes=45,
        summary="Pricing",
    )
    assert session.room_url.startswith("http")
    services.check_in(pair, by=mentor, still_meeting=True)
    pair.refresh_from_db()
    assert pair.next_check_in_at > timezone.now()


def test_private_notes_only_for_their_author(pair, owner):
    mentee, mentor = pair.mentee.user, pair.mentor.user
    services.add_note(pair, by=mentee, body="I felt stuck on pricing.")
    assert len(selectors.workspace(pair, mentee).notes) == 1
    assert selectors.workspace(pair, mentor).notes == []
    assert selectors.workspace(pair, owner).notes == []
    assert Note.objects.count() == 1


def test_outsider_cannot_see_or_write_in_the_workspace(pair, outsider):
    with pytest.raises(Http404):
        permissions.get_pair_for_user(outsider, pair.pk)
    with pytest.raises(NotAllowed):
        services.add_note(pair, by=outsider, body="x")
    with pytest.raises(NotAllowed):
        services.log_session(pair, by=outsider, starts_at=timezone.now())
    assert not pair.sessions.exists() and not Note.objects.exists()


def test_organiser_sees_pair_but_cannot_write(pair, owner):
    assert permissions.get_pair_for_user(owner, pair.pk) == pair
    with pytest.raises(NotAllowed):
        services.update_agreement(pair, by=owner, text="Mine")


def test_close_out_with_feedback_from_both_sides(pair):
    mentee, mentor = pair.mentee.user, pair.mentor.user
    services.close_out(pair, by=mentee, rating=5, comment="Great")
    pair.refresh_from_db()
    assert pair.status == "closed"
    with pytest.raises(StateConflict):
        services.close_out(pair, by=mentee, rating=4)
    with pytest.raises(KindredError):
        services.close_out(pair, by=mentor, rating=9)
    services.close_out(pair, by=mentor, rating=3)
    figures = selectors.dashboard(pair.programme)
    assert figures.closed == 1 and figures.ratings == 2
    # Two ratings would tell each other's rating: no mean yet.
    assert figures.satisfaction is None


def test_satisfaction_is_shown_from_three_ratings(pair, people, owner):
    """One or two close-out ratings are never averaged on the dashboard (the
    mean of one is that person's rating); from three the mean is shown."""
    mentors, mentees = people
    programme = pair.programme
    services.close_out(pair, by=pair.mentee.user, rating=5)
    assert selectors.dashboard(programme).satisfaction is None
    services.close_out(pair, by=pair.mentor.user, rating=4)
    assert selectors.dashboard(programme).satisfaction is None
    services.add_pair(programme, by=owner, mentee=mentees[1], mentor=mentors[1])
    services.publish_matching(programme, by=owner)
    second = Pair.objects.get(mentee=mentees[1])
    services.close_out(second, by=mentees[1].user, rating=3)
    figures = selectors.dashboard(programme)
    assert figures.ratings == 3 and figures.satisfaction == 4.0


def test_check_in_task_prompts_and_flags_quiet_pairs(pair, owner):
    later = timezone.now() + timedelta(weeks=5)
    prompted, quiet = services.prompt_check_ins(now=later)
    assert (prompted, quiet) == (1, 1)
    pair.refresh_from_db()
    assert pair.quiet_since is not None
    assert Notification.objects.filter(kind="mentoring.check_in_due").count() == 2
    assert Notification.objects.filter(
        kind="mentoring.pair_quiet", recipient=owner
    ).exists()
    figures = selectors.dashboard(pair.programme)
    assert [p.pk for p in figures.quiet] == [pair.pk]


def test_dashboard_match_rate(pair):
    figures = selectors.dashboard(pair.programme)
    assert figures.mentees == 3 and figures.matched == 1
    assert figures.match_rate == pytest.approx(33.3)


def test_webhook_payloads_have_no_private_text(pair):
    from kindred.webhooks.models import Delivery, Endpoint

    Endpoint.objects.create(
        organisation=pair.programme.organisation,
        url="https://hooks.example.com/x",
        event_types=["mentoring.pair_closed"],
    )
    services.add_note(pair, by=pair.mentee.user, body="SECRET NOTE")
    services.close_out(pair, by=pair.mentee.user, rating=4, comment="SECRET FEEDBACK")
    deliveries = list(Delivery.objects.filter(event_type="mentoring.pair_closed"))
    assert len(deliveries) == 1
    assert "SECRET" not in str(deliveries[0].payload)
    assert deliveries[0].payload["data"]["pair"] == pair.pk
