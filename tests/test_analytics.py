"""Ecosystem analytics' data layer: collecting ties from the domain apps, monthly
snapshots, the selectors the pages use, privacy of counts and ties, the command
and the monthly task."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kindred.analytics import selectors, services
from kindred.analytics.models import (
    EcosystemSettings,
    NodeSnapshot,
    OrganisationSnapshot,
    Snapshot,
    Tie,
)
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.models import AuditEntry
from kindred.organisations.models import Membership, Organisation, Role

from .conftest import make_person

P, O = "p", "o"  # noqa: E741
LAST_MONTH = services.previous_month(timezone.localdate())


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def second_org(outsider):
    org = Organisation.objects.create(
        name="Northshire Finance", slug="northshire-finance", kind="funder"
    )
    Membership.objects.create(organisation=org, user=outsider, role=Role.ADMIN)
    return org


@pytest.fixture
def graph(organisation, second_org, owner, colleague, outsider):
    """Ties last month: the two organisations partnered, owner helped outsider,
    colleague and owner met; an older tie two months ago."""
    day = LAST_MONTH + timedelta(days=3)
    older = services.previous_month(LAST_MONTH) + timedelta(days=1)
    ties = [
        Tie(kind="partnership", source_type=O, source_id=organisation.pk,
            target_type=O, target_id=second_org.pk, on=day, origin="t:1"),
        Tie(kind="help", source_type=P, source_id=owner.pk, target_type=P,
            target_id=outsider.pk, on=day, origin="t:2"),
        Tie(kind="meeting", source_type=P, source_id=colleague.pk, target_type=P,
            target_id=owner.pk, on=older, origin="t:3"),
    ]  # fmt: skip
    Tie.objects.bulk_create(ties)
    return ties


# --- collecting ties ---------------------------------------------------------------


def test_partnerships_become_ties_once(organisation, second_org, owner):
    """An agreed partnership is one tie, dated when it was agreed; collecting again
    adds nothing."""
    from kindred.collaboration.models import Partnership

    agreed = at(date(2026, 3, 4))
    Partnership.objects.create(
        proposer=organisation,
        partner=second_org,
        description="Joint clinic",
        status=Partnership.Status.ACTIVE,
        answered_at=agreed,
    )
    Partnership.objects.create(
        proposer=second_org,
        partner=organisation,
        description="Never agreed",
        status=Partnership.Status.DECLINED,
    )
    assert services.collect_ties() == 1
    tie = Tie.objects.get()
    assert (tie.kind, tie.source_type, tie.source_id, tie.target_id, tie.on) == (
        "partnership",
        O,
        organisation.pk,
        second_org.pk,
        date(2026, 3, 4),
    )
    assert tie.weight == services.WEIGHTS["partnership"]
    assert services.collect_ties() == 0
    assert Tie.objects.count() == 1


def test_event_attendance_ties_only_people_who_came(organisation, owner):
    """People marked as attended are tied to each other; no-shows are not; a big
    event is capped to a ring of neighbours."""
    from kindred.events.models import Event, Registration

    start = at(date(2026, 2, 10))
    event = Event.objects.create(
        title="Pitch night",
        format="online",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        created_by=owner,
    )
    people = [make_person(f"p{i}@example.com", f"Person {i}") for i in range(40)]
    for i, person in enumerate(people):
        Registration.objects.create(
            event=event,
            user=person,
            status="registered",
            attendance="no_show" if i == 0 else "attended",
        )
    added = services.collect_ties()
    # 39 attended, more than CROWD: each tied to its next NEIGHBOURS in a ring.
    assert added == 39 * services.NEIGHBOURS
    assert not Tie.objects.filter(source_id=people[0].pk).exists()
    assert not Tie.objects.filter(target_id=people[0].pk).exists()
    assert set(Tie.objects.values_list("kind", "on")) == {
        ("co_attendance", date(2026, 2, 10))
    }
    assert services.collect_ties() == 0


def test_small_crowd_is_fully_tied():
    assert list(services.crowd_pairs([1, 2, 3])) == [(1, 2), (1, 3), (2, 3)]
    ring = list(services.crowd_pairs(list(range(100))))
    assert len(ring) == 100 * services.NEIGHBOURS
    assert len({frozenset(p) for p in ring}) == len(ring)


def test_networking_meetings_become_ties(monkeypatch, owner, outsider):
    """Meetings that happened (networking's met_ties) are person-person ties."""
    from kindred.networking import selectors as networking

    monkeypatch.setattr(
        networking,
        "met_ties",
        lambda since=None: [(owner.pk, outsider.pk, date(2026, 1, 5))],
    )
    assert services.collect_ties() == 1
    tie = Tie.objects.get()
    assert (tie.kind, tie.source_id, tie.target_id) == (
        "meeting",
        owner.pk,
        outsider.pk,
    )


def test_group_members_are_weakly_tied(organisation, owner, colleague, outsider):
    from kindred.communities.models import Group
    from kindred.communities.models import Membership as GroupMembership

    group = Group.objects.create(
        name="Founders' circle",
        slug="founders-circle",
        status=Group.Status.ACTIVE,
        created_by=owner,
    )
    for i, person in enumerate([owner, colleague, outsider]):
        GroupMembership.objects.create(
            group=group,
            user=person,
            status="active",
            joined_at=at(date(2026, 1, 1 + i)),
        )
    assert services.collect_ties() == 3
    assert set(Tie.objects.values_list("kind", flat=True)) == {"shared_group"}
    assert Tie.objects.get(source_id=owner.pk, target_id=outsider.pk).on == date(
        2026, 1, 3
    )
    assert Tie.objects.first().weight < 1


# --- snapshots --------------------------------------------------------------------


def test_snapshot_stores_metrics_organisations_and_nodes(
    graph, organisation, second_org, owner, colleague, outsider
):
    snapshot = services.take_snapshot(LAST_MONTH)
    assert snapshot.month == LAST_MONTH
    metrics = snapshot.metrics
    assert metrics["nodes"] == 5  # three people, two organisations
    assert metrics["ties"] == 3
    assert metrics["new_ties"] == 2  # the meeting was the month before
    assert metrics["isolates"] == 0
    assert 0 < metrics["cross_org_share"] <= 1
    for key in ("referral_completion_rate", "help_response_rate", "programme_outcomes"):
        assert key in metrics
    assert OrganisationSnapshot.objects.filter(snapshot=snapshot).count() == 2
    assert NodeSnapshot.objects.filter(snapshot=snapshot).count() == 5
    node = NodeSnapshot.objects.get(snapshot=snapshot, node_type=P, node_id=owner.pk)
    assert node.degree == 2


def test_snapshot_of_an_earlier_month_leaves_later_ties_out(graph):
    earlier = services.previous_month(LAST_MONTH)
    snapshot = services.take_snapshot(earlier)
    assert snapshot.metrics["ties"] == 1
    assert snapshot.metrics["new_ties"] == 1


def test_snapshot_again_replaces_the_month(graph):
    first = services.take_snapshot(LAST_MONTH)
    second = services.take_snapshot(LAST_MONTH)
    assert Snapshot.objects.get().pk == second.pk != first.pk
    assert NodeSnapshot.objects.filter(snapshot=second).count() == 5


def test_future_month_is_refused_and_nothing_written(graph):
    next_month = services.next_month(timezone.localdate())
    with pytest.raises(KindredError) as error:
        services.take_snapshot(next_month)
    assert error.value.field == "month"
    assert not Snapshot.objects.exists()


def test_only_stewards_take_snapshots_by_hand(graph, owner, steward):
    with pytest.raises(NotAllowed):
        services.take_snapshot(LAST_MONTH, by=owner)
    assert not Snapshot.objects.exists()
    snapshot = services.take_snapshot(LAST_MONTH, by=steward)
    assert AuditEntry.objects.filter(
        action="analytics.snapshot_taken", object_id=str(snapshot.pk)
    ).exists()


def test_snapshot_now_counts_ties_recorded_since_the_last_daily_run(
    organisation, second_org, owner, steward
):
    """A steward's "Take a snapshot now" collects first: a partnership agreed last
    month that no daily run has collected yet is in the snapshot."""
    from kindred.collaboration.models import Partnership

    Partnership.objects.create(
        proposer=organisation,
        partner=second_org,
        description="Joint clinic",
        status=Partnership.Status.ACTIVE,
        answered_at=at(LAST_MONTH + timedelta(days=2)),
    )
    assert not Tie.objects.exists()
    with pytest.raises(NotAllowed):
        services.snapshot_now(LAST_MONTH, by=owner)
    assert not Tie.objects.exists()  # refused: nothing collected either
    assert not Snapshot.objects.exists()

    snapshot = services.snapshot_now(LAST_MONTH, by=steward)
    assert Tie.objects.filter(kind="partnership").count() == 1
    assert snapshot.metrics["new_ties"] == 1


def test_bad_month_text_is_a_clear_error():
    with pytest.raises(KindredError, match="YYYY-MM"):
        services.parse_month("March")
    assert services.parse_month("2026-03") == date(2026, 3, 1)


# --- selectors --------------------------------------------------------------------


def test_series_and_story(graph, django_assert_max_num_queries):
    earlier = services.take_snapshot(services.previous_month(LAST_MONTH))
    latest = services.take_snapshot(LAST_MONTH)
    with django_assert_max_num_queries(1):
        values = selectors.series()
    assert values["ties"] == [(earlier.month, 1), (latest.month, 3)]
    assert set(values) == {m.key for m in selectors.METRICS}
    sentences = selectors.story(latest, earlier)
    assert any("new ties this month" in s for s in sentences)
    first = selectors.story(earlier, None)
    assert first[0].startswith("This is the first snapshot")


def test_story_tells_rises_and_merges():
    before = Snapshot(
        month=date(2026, 1, 1), metrics={"cross_org_share": 0.31, "communities": 4}
    )
    after = Snapshot(
        month=date(2026, 2, 1),
        metrics={"cross_org_share": 0.36, "communities": 3, "new_ties": 4,
                 "new_bridging_ties": 1},
    )  # fmt: skip
    sentences = selectors.story(after, before)
    assert "Cross-organisation ties rose from 31% to 36%." in sentences
    assert "Communities merged: 4 became 3." in sentences
    assert "4 new ties this month, 1 of them bridging communities." in sentences


def test_network_is_filtered_and_capped(
    graph, organisation, owner, django_assert_max_num_queries
):
    snapshot = services.take_snapshot(LAST_MONTH)
    with django_assert_max_num_queries(6):
        elements = selectors.network(snapshot)
    assert len(elements["nodes"]) == 5
    assert len(elements["edges"]) == 3
    assert elements["truncated"] is False
    helps = selectors.network(snapshot, kinds=["help"])
    assert {e["data"]["kind"] for e in helps["edges"]} == {"help"}
    capped = selectors.network(snapshot, max_nodes=2)
    assert capped["truncated"] is True and len(capped["nodes"]) == 2
    anonymous = selectors.network(snapshot, identifiable=False)
    labels = {n["data"]["label"] for n in anonymous["nodes"]}
    assert "Olive Owner" not in labels
    assert "Olive Owner" in {n["data"]["label"] for n in elements["nodes"]}


def test_organisation_view_suppresses_small_counts_beyond_stewards(
    graph, organisation, second_org, django_assert_max_num_queries
):
    snapshot = services.take_snapshot(LAST_MONTH)
    with django_assert_max_num_queries(12):
        view = selectors.organisation_view(organisation, snapshot)
    partner = view["partners"][0]
    assert partner["organisation"]["id"] == second_org.pk
    assert partner["ties"] is None  # two ties: below five
    steward_view = selectors.organisation_view(organisation, snapshot, for_steward=True)
    assert steward_view["partners"][0]["ties"] == 2
    assert steward_view["partners"][0]["kinds"] == {"partnership": 1, "help": 1}
    assert steward_view["bridging"]["rank"] >= 1


def test_public_figures_only_when_switched_on(graph, steward, owner):
    services.take_snapshot(LAST_MONTH)
    assert selectors.public_figures() is None
    with pytest.raises(NotAllowed):
        services.set_public_page(True, by=owner)
    assert selectors.public_figures() is None
    services.set_public_page(True, by=steward)
    figures = selectors.public_figures()
    assert figures["figures"]["ties"] is None  # three: below five
    assert figures["figures"]["cross_org_share"] is not None
    assert EcosystemSettings.load().updated_by == steward
    assert AuditEntry.objects.filter(action="analytics.public_page").count() == 1


def test_members_see_only_their_own_ties(
    graph, owner, colleague, outsider, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        mine = selectors.my_ties(outsider)
    assert [(t["kind"], t["other"]) for t in mine] == [("help", "Olive Owner")]
    assert all(t["other"] != "Colin Colleague" for t in mine)
    assert len(selectors.my_ties(owner)) == 2


# --- command and task ---------------------------------------------------------------


def test_command_collects_and_snapshots(graph, capsys):
    call_command("analytics", "collect")
    assert "new ties collected" in capsys.readouterr().out
    call_command("analytics", "snapshot", "--month", LAST_MONTH.strftime("%Y-%m"))
    assert "Snapshot of" in capsys.readouterr().out
    assert Snapshot.objects.filter(month=LAST_MONTH).exists()


def test_command_refuses_a_bad_month(graph):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("analytics", "snapshot", "--month", "2026-13")
    assert not Snapshot.objects.exists()


def test_monthly_task_snapshots_last_month_once(graph):
    from kindred.analytics.tasks import take_monthly_snapshot

    take_monthly_snapshot.call()
    snapshot = Snapshot.objects.get()
    assert snapshot.month == LAST_MONTH
    take_monthly_snapshot.call()
    assert Snapshot.objects.get().pk == snapshot.pk


def test_demo_builds_a_year_of_snapshots(organisation, second_org, steward):
    """The demo adds backdated demo ties, takes twelve snapshots and turns the
    public page on."""
    import random

    from kindred.analytics import demo

    demo.build(
        [organisation, second_org], {"steward@example.org": steward}, random.Random(1)
    )
    assert Snapshot.objects.count() == demo.MONTHS
    assert Tie.objects.filter(origin__startswith="demo:").exists()
    assert selectors.public_figures() is not None
    taken = selectors.snapshots()
    assert taken[-1].month == LAST_MONTH
    assert all(s.metrics["ties"] >= 1 for s in taken)
