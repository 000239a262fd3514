"""Networking rounds: services and selectors, and every hard rule of a round on
random populations (property tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import combinations

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kindred.algorithms import pairing
from kindred.core.errors import NotAllowed
from kindred.networking import selectors, services
from kindred.networking.errors import NetworkingError, RoundConflict
from kindred.networking.models import (
    DoNotPair,
    Introduction,
    Member,
    Participation,
    Programme,
    Round,
)
from kindred.networking.times import suggest_times
from kindred.notifications.models import Notification
from tests.conftest import make_person


def _programme(steward, **extra):
    fields = {
        "name": "Random coffee",
        "audience": Programme.Audience.EVERYONE,
        "cadence": Programme.Cadence.MONTHLY,
        "next_round_on": timezone.localdate(),
        "repeat_block_rounds": 3,
    }
    fields.update(extra)
    return services.create_programme(by=steward, **fields)


def _people(n, prefix="p"):
    return [
        make_person(f"{prefix}{i}@example.com", f"Person {prefix}{i}") for i in range(n)
    ]


def _assert_nobody_left_out(ids, groups, banned):
    """Anyone left out has no allowed partner who is free or whose group could
    take them (below four and nobody in it on a list with them)."""

    def ok(a, b):
        return (min(a, b), max(a, b)) not in banned

    placed = {u for g in groups for u in g}
    for uid in set(ids) - placed:
        free = [o for o in set(ids) - placed if o != uid and ok(uid, o)]
        assert not free, f"{uid} and {free} were both left out"
        homes = [g for g in groups if len(g) < 4 and all(ok(uid, x) for x in g)]
        assert not homes, f"{uid} could have joined {homes}"


def _pairs(groups):
    return {(min(a, b), max(a, b)) for g in groups for a, b in combinations(g, 2)}


@pytest.fixture
def programme(steward):
    return _programme(steward)


# --- planning on random populations (no database) ---------------------------------


@st.composite
def populations(draw):
    n = draw(st.integers(min_value=0, max_value=24))
    organisation = draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n))
    sector = draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    topics = draw(
        st.lists(
            st.lists(st.booleans(), min_size=4, max_size=4), min_size=n, max_size=n
        )
    )
    new = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    all_pairs = list(combinations(range(n), 2))
    banned = (
        draw(st.sets(st.sampled_from(all_pairs), max_size=3 * n))
        if all_pairs
        else set()
    )
    size = draw(st.sampled_from(list(Programme.Size)))
    seed = draw(st.integers(0, 1000))
    user_ids = [100 + 7 * i for i in range(n)]
    people = pairing.People(
        organisation=np.array(organisation, np.int64),
        sector=np.array(sector, np.int64),
        topics=np.array(topics, bool).reshape(n, 4),
        new=np.array(new, bool),
    )
    population = services.Population(
        user_ids=user_ids,
        people=people,
        topic_ids=[1, 2, 3, 4],
        organisation_of={},
        sectors_of={},
        topics_of={},
        new_ids=set(),
        practitioner_ids=set(),
    )
    banned_ids = {(user_ids[a], user_ids[b]) for a, b in banned}
    return population, banned_ids, size, seed


@settings(max_examples=150, deadline=None)
@given(populations())
def test_planned_groups_keep_every_hard_rule(case):
    """On any population: nobody meets a banned partner (repeats and do-not-pair),
    nobody is in two groups, groups have 2-4 people, and everyone with an allowed
    partner is placed."""
    population, banned, size, seed = case
    programme = Programme(name="x", size=size, next_round_on=date(2030, 1, 1))
    groups, _method = services.plan_groups(programme, population, banned, seed=seed)
    placed = [uid for g in groups for uid in g]
    assert len(placed) == len(set(placed))
    assert all(2 <= len(g) <= 4 for g in groups)
    assert not _pairs(groups) & banned
    _assert_nobody_left_out(population.user_ids, groups, banned)


@settings(max_examples=50, deadline=None)
@given(populations())
def test_planning_is_reproducible(case):
    """The same population and seed give the same groups."""
    population, banned, size, seed = case
    programme = Programme(name="x", size=size, next_round_on=date(2030, 1, 1))
    first = services.plan_groups(programme, population, banned, seed=seed)
    assert services.plan_groups(programme, population, banned, seed=seed) == first


def test_repair_splits_a_trio_with_a_banned_pair():
    """A person added to a pair next to them never meets the other on their list."""
    groups = services.repair_groups([(1, 2, 3), (4, 5)], {(2, 3)}, max_size=4)
    assert not _pairs(groups) & {(2, 3)}
    assert sorted(u for g in groups for u in g) == [1, 2, 3, 4, 5]


# --- rounds in the database -------------------------------------------------------


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    n=st.integers(2, 9),
    opted_out=st.sets(st.integers(0, 8), max_size=3),
    snoozed=st.sets(st.integers(0, 8), max_size=3),
    blocks=st.sets(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=5),
    rounds=st.integers(1, 4),
)
def test_rounds_keep_every_hard_rule(steward, n, opted_out, snoozed, blocks, rounds):
    """Across several rounds: opted-out and snoozed people are never included,
    do-not-pair lists hold both ways, nobody meets again within N rounds, and
    everyone with an allowed partner is placed."""
    with transaction.atomic():
        people = _people(n, prefix=f"h{n}r{rounds}x")
        programme = _programme(steward, repeat_block_rounds=2)
        for i, person in enumerate(people):
            services.opt_in(programme, by=person)
            if i in opted_out:
                services.opt_out(programme, by=person)
        banned_people = set()
        for a, b in blocks:
            if a < n and b < n and a != b:
                services.add_do_not_pair(by=people[a], other=people[b])
                banned_people.add(
                    (min(people[a].pk, people[b].pk), max(people[a].pk, people[b].pk))
                )
        history = []
        for _round in range(rounds):
            programme.refresh_from_db()
            day = programme.next_round_on
            sleepers = {people[i].pk for i in snoozed if i < n}
            for person in people:
                if person.pk not in {people[i].pk for i in opted_out if i < n}:
                    services.snooze(programme, by=person, snoozed=person.pk in sleepers)
            round_ = services.run_round(programme, on=day)
            groups = [
                tuple(sorted(i.members.values_list("user_id", flat=True)))
                for i in round_.introductions.all()
            ]
            placed = {u for g in groups for u in g}
            excluded = {people[i].pk for i in opted_out if i < n} | sleepers
            assert not placed & excluded
            assert not _pairs(groups) & banned_people
            recent = set().union(*history[-2:]) if history else set()
            assert not _pairs(groups) & recent
            eligible = {p.pk for p in people} - excluded
            _assert_nobody_left_out(eligible, groups, banned_people | recent)
            history.append(_pairs(groups))
        transaction.set_rollback(True)


def test_a_round_cannot_run_twice_for_a_date(programme, steward):
    """The second run for the same date is refused and changes nothing."""
    for person in _people(4):
        services.opt_in(programme, by=person)
    day = programme.next_round_on
    services.run_round(programme, on=day, by=steward)
    count = Introduction.objects.count()
    with pytest.raises(RoundConflict):
        services.run_round(programme, on=day, by=steward)
    assert Round.objects.filter(programme=programme).count() == 1
    assert Introduction.objects.count() == count


def test_due_rounds_run_once_and_move_the_date_on(programme):
    people = _people(5)
    for person in people:
        services.opt_in(programme, by=person)
    today = programme.next_round_on
    ran = services.run_due_rounds(today=today)
    assert [r.round_on for r in ran] == [today]
    programme.refresh_from_db()
    assert programme.next_round_on > today
    assert services.run_due_rounds(today=today) == []
    round_ = ran[0]
    assert round_.participants == 5
    placed = Member.objects.filter(introduction__round=round_).count()
    assert placed == 5  # a trio takes the odd one out


def test_opting_out_keeps_past_introductions(programme, steward):
    people = _people(4)
    for person in people:
        services.opt_in(programme, by=person)
    services.run_round(programme, on=programme.next_round_on, by=steward)
    services.opt_out(programme, by=people[0])
    assert Member.objects.filter(user=people[0]).count() == 1
    programme.refresh_from_db()
    second = services.run_round(programme, on=programme.next_round_on, by=steward)
    assert not Member.objects.filter(
        introduction__round=second, user=people[0]
    ).exists()


def test_introductions_notify_with_reason_and_nothing_about_lists(programme, steward):
    """Each person hears whom they meet and why; nobody hears who listed them."""
    a, b, c = _people(3)
    for person in (a, b, c):
        services.opt_in(programme, by=person)
    services.add_do_not_pair(by=a, other=b)
    services.run_round(programme, on=programme.next_round_on, by=steward)
    notes = Notification.objects.filter(kind="networking.introduced")
    assert notes.count() == 2  # a and b may not share a trio: one waits
    for note in Notification.objects.filter(recipient=b):
        assert "list" not in note.message.lower()
        assert "Person p0" not in note.message
    note = notes.filter(recipient=c).first()
    assert note is not None and "meet" in note.message


def test_only_organisers_run_rounds(programme, outsider):
    with pytest.raises(NotAllowed):
        services.run_round(programme, by=outsider)
    assert not Round.objects.exists()


def test_outsider_cannot_create_a_programme(outsider):
    with pytest.raises(NotAllowed):
        _programme(outsider)
    assert not Programme.objects.exists()


def test_a_past_next_round_is_refused(steward):
    with pytest.raises(NetworkingError):
        _programme(steward, next_round_on=timezone.localdate() - timedelta(days=1))
    assert not Programme.objects.exists()


def test_group_programme_needs_group_membership(steward, outsider):
    from kindred.communities.models import Group
    from kindred.communities.models import Membership as GroupMembership

    group = Group.objects.create(name="Makers", slug="makers", status="active")
    GroupMembership.objects.create(group=group, user=steward, role="facilitator")
    programme = _programme(steward, audience=Programme.Audience.GROUP, group=group)
    with pytest.raises(NotAllowed):
        services.opt_in(programme, by=outsider)
    assert not Participation.objects.filter(user=outsider).exists()


def test_feedback_moves_matched_scheduled_met(programme, steward):
    a, b = _people(2)
    for person in (a, b):
        services.opt_in(programme, by=person)
    round_ = services.run_round(programme, on=programme.next_round_on, by=steward)
    introduction = round_.introductions.get()
    assert introduction.status == Introduction.Status.MATCHED
    when = timezone.now() + timedelta(days=2)
    services.choose_time(introduction, by=a, starts_at=when)
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.SCHEDULED
    assert Notification.objects.filter(
        recipient=b, kind="networking.time_chosen"
    ).exists()
    services.record_feedback(
        introduction, by=a, did_meet=True, rating=5, stay_in_touch=True
    )
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.MET
    ties = selectors.met_ties()
    assert ties == [(min(a.pk, b.pk), max(a.pk, b.pk), round_.round_on)]
    assert selectors.met_ties(since=round_.round_on + timedelta(days=1)) == []


def test_feedback_rejects_bad_rating_and_strangers(programme, steward, outsider):
    a, b = _people(2)
    for person in (a, b):
        services.opt_in(programme, by=person)
    round_ = services.run_round(programme, on=programme.next_round_on, by=steward)
    introduction = round_.introductions.get()
    with pytest.raises(NetworkingError):
        services.record_feedback(introduction, by=a, did_meet=True, rating=9)
    with pytest.raises(NotAllowed):
        services.record_feedback(introduction, by=outsider, did_meet=True)
    assert not Member.objects.filter(answered_at__isnull=False).exists()


def test_ask_did_you_meet_once_per_round(programme, steward):
    a, b = _people(2)
    for person in (a, b):
        services.opt_in(programme, by=person)
    services.run_round(programme, on=programme.next_round_on, by=steward)
    later = timezone.now() + timedelta(days=10)
    assert services.ask_did_you_meet(now=later) == 2
    assert services.ask_did_you_meet(now=later) == 0
    assert Notification.objects.filter(kind="networking.did_you_meet").count() == 2


def test_stats_are_aggregates(programme, steward):
    people = _people(6)
    for person in people:
        services.opt_in(programme, by=person)
    round_ = services.run_round(programme, on=programme.next_round_on, by=steward)
    first = round_.introductions.first()
    member = first.members.first()
    services.record_feedback(first, by=member.user, did_meet=True, rating=4)
    stats = selectors.programme_stats(programme)
    assert stats.opted_in == 6
    assert stats.introductions == 3
    assert stats.met == 1
    assert stats.average_rating is None  # fewer than three ratings stay hidden


def test_topic_line_reaches_the_partner(programme, steward):
    a, b = _people(2)
    for person in (a, b):
        services.opt_in(programme, by=person)
    services.set_topic_line(programme, by=a, line="Selling to Germany")
    round_ = services.run_round(programme, on=programme.next_round_on, by=steward)
    introduction = round_.introductions.get()
    shown = selectors.introduction_view(introduction, b)
    assert any("Selling to Germany" in line for line in shown.icebreakers)


def test_reason_names_shared_visible_topics_only(programme, steward, topics):
    a, b = _people(2)
    topic = next(iter(topics.values()))
    for person in (a, b):
        person.profile.topics_needed.add(topic)
        services.opt_in(programme, by=person)
    b.profile.topics_needed_visibility = "only_me"
    b.profile.save()
    round_ = services.run_round(programme, on=programme.next_round_on, by=steward)
    introduction = round_.introductions.get()
    assert topic.pk in introduction.features["shared_topic_ids"]
    assert topic.name not in selectors.introduction_view(introduction, a).reason
    assert topic.name in selectors.introduction_view(introduction, b).reason


def test_suggested_times_fall_in_both_working_hours():
    times = suggest_times(date(2030, 3, 4), ["Europe/London", "America/New_York"])
    assert len(times) == 3
    for moment in times:
        for zone in ("Europe/London", "America/New_York"):
            from zoneinfo import ZoneInfo

            local = moment.astimezone(ZoneInfo(zone))
            assert local.weekday() < 5 and 9 <= local.hour <= 16
    assert all(t.tzinfo is not None for t in times)
    assert times[0] > datetime(2030, 3, 4, tzinfo=UTC)


def test_do_not_pair_list_is_own_only(outsider, steward):
    services.add_do_not_pair(by=outsider, other=steward)
    assert list(selectors.do_not_pair_of(steward)) == []
    assert [e.other for e in selectors.do_not_pair_of(outsider)] == [steward]
    with pytest.raises(NetworkingError):
        services.add_do_not_pair(by=outsider, other=outsider)
    assert DoNotPair.objects.count() == 1


def test_round_webhook_has_counts_only(steward, owner, organisation):
    from kindred.webhooks.models import Endpoint

    Endpoint.objects.create(
        organisation=organisation,
        url="https://example.org/hook",
        event_types=["networking.round_ran"],
        secret="s" * 32,
    )
    programme = _programme(steward, organisation=organisation)
    for person in _people(3):
        services.opt_in(programme, by=person)
    services.run_round(programme, by=steward)
    from kindred.webhooks.models import Delivery

    delivery = Delivery.objects.get(event_type="networking.round_ran")
    data = delivery.payload.get("data", delivery.payload)
    assert data["participants"] == 3
    assert set(data) == {
        "programme",
        "round_on",
        "participants",
        "introductions",
        "unplaced",
    }
