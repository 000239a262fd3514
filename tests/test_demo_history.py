"""`kindred demo` seeds a year of real history: the domain apps' data is spread
over the last twelve months, busier and better connected lately, so the steward's
monthly snapshots show referral, help, mentoring, training and programme figures
in past months, without synthetic ties."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from kindred.core import demo

PAST_MONTHS = 12


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo at a small scale, built once for the module and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        result = demo.build(scale=30, seed=3)
        yield result
        transaction.set_rollback(True)


def test_twelve_past_snapshots_carry_domain_figures(world, db):
    """Most past months have a referral completion rate, a help response rate,
    mentoring match and meeting rates and training completions; programme
    outcomes appear once the first cohort has run."""
    from kindred.analytics import selectors

    snapshots = selectors.snapshots(PAST_MONTHS)
    assert len(snapshots) == PAST_MONTHS
    this_month = timezone.localdate().replace(day=1)
    assert all(s.month < this_month for s in snapshots)

    def months_with(key: str) -> int:
        return sum(1 for s in snapshots if s.metrics.get(key) is not None)

    assert months_with("referral_completion_rate") >= 10
    assert months_with("referral_median_days_to_first_response") >= 10
    assert months_with("help_response_rate") >= 10
    assert months_with("mentoring_match_rate") >= 10
    assert months_with("mentoring_meeting_rate") >= 9
    assert sum(1 for s in snapshots if s.metrics["training_completions"]) >= 8
    assert sum(1 for s in snapshots if s.metrics["programme_outcomes"]) >= 6
    # The older half of the year already had figures, not only the recent months.
    older = snapshots[:6]
    assert any(s.metrics["help_response_rate"] is not None for s in older)
    assert any(s.metrics["mentoring_meeting_rate"] is not None for s in older)
    assert any(s.metrics["training_completions"] for s in older)


def test_the_series_shows_a_better_connected_ecosystem(world, db):
    """Later months have more ties than a year ago, more of them across
    organisations, and the dashboard series is not empty."""
    from kindred.analytics import selectors

    snapshots = selectors.snapshots(PAST_MONTHS)
    early = sum(s.metrics["new_ties"] or 0 for s in snapshots[:3])
    late = sum(s.metrics["new_ties"] or 0 for s in snapshots[-3:])
    assert late > early
    series = selectors.series(PAST_MONTHS)
    completion = [v for _m, v in series["referral_completion_rate"] if v is not None]
    assert len(completion) >= 10 and all(0 <= v <= 1 for v in completion)
    cross = [v for _m, v in series["cross_org_share"] if v is not None]
    assert cross and cross[-1] > 0


def test_the_full_demo_needs_no_synthetic_ties(world, db):
    """Real history fills every month, so the analytics demo adds no "demo:"
    ties; each past month has ties collected from the domain apps."""
    from kindred.analytics import demo as analytics_demo
    from kindred.analytics.models import Tie

    assert not Tie.objects.filter(origin__startswith="demo:").exists()
    first = timezone.localdate().replace(day=1)
    for _step in range(PAST_MONTHS):
        first = (first - timezone.timedelta(days=1)).replace(day=1)
    real = analytics_demo.real_ties_by_month(first)
    assert len(real) >= PAST_MONTHS


def test_nothing_in_the_history_happens_in_the_future(world, db):
    from kindred.collaboration.models import Partnership
    from kindred.learning.models import Enrolment
    from kindred.mentoring.models import Pair
    from kindred.networking.models import Introduction
    from kindred.peerhelp.models import Ask, Response, Thanks
    from kindred.referrals.models import Referral

    now = timezone.now()
    assert not Referral.objects.filter(finished_at__gt=now).exists()
    assert not Referral.objects.filter(first_response_at__gt=now).exists()
    assert not Referral.objects.filter(sent_at__gt=now).exists()
    assert not Ask.objects.filter(created_at__gt=now).exists()
    assert not Response.objects.filter(helped_at__gt=now).exists()
    assert not Thanks.objects.filter(created_at__gt=now).exists()
    assert not Pair.objects.filter(matched_at__gt=now).exists()
    assert not Pair.objects.filter(closed_at__gt=now).exists()
    assert not Enrolment.objects.filter(completed_at__gt=now).exists()
    assert not Introduction.objects.filter(met_at__gt=now).exists()
    assert not Partnership.objects.filter(answered_at__gt=now).exists()


def test_the_story_pieces_are_still_there(world, db):
    """The wellbeing programme's finished cohort with its evaluation, active
    mentoring pairs, solved and open asks, upcoming events, a networking
    programme with past rounds, partnerships and stories, the founder's
    referrals."""
    from kindred.accounts.models import User
    from kindred.collaboration.models import Partnership, SuccessStory
    from kindred.events.models import Event
    from kindred.mentoring.models import Pair
    from kindred.networking.models import Programme as Networking
    from kindred.peerhelp.models import Ask
    from kindred.programmes.models import Cohort
    from kindred.programmes.selectors import evaluation
    from kindred.referrals.models import Referral

    finished = Cohort.objects.filter(status="finished").order_by("starts_on")
    assert finished.count() >= 2
    assert all(evaluation(c).shown for c in finished)
    assert Cohort.objects.filter(status="planned").exists()
    assert Pair.objects.filter(status="active").exists()
    assert Ask.objects.filter(status="solved").exists()
    assert Ask.objects.filter(status="open").exists()
    assert Event.objects.filter(starts_at__gt=timezone.now()).exists()
    coffee = Networking.objects.get(name="Northshire random coffee")
    past = coffee.rounds.filter(round_on__lt=timezone.localdate())
    assert past.count() >= 10
    assert Partnership.objects.filter(status="active").count() >= 10
    assert SuccessStory.objects.filter(status="published").count() >= 4
    founder = User.objects.get(email="founder@example.org")
    assert Referral.objects.filter(entrepreneur=founder).count() == 3
