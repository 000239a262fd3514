"""Writes of ecosystem analytics: collecting ties, taking snapshots, settings.

Ties are copied from the domain apps' selectors (never their tables). A snapshot
reads the ties up to the end of a month as arrays, hands them to
`kindred.algorithms.ecosystem` and stores the result in one transaction.
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from itertools import combinations
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.algorithms import ecosystem
from kindred.analytics import selectors as analytics_selectors
from kindred.analytics.models import (
    EcosystemSettings,
    NodeSnapshot,
    NodeType,
    OrganisationSnapshot,
    Snapshot,
    Tie,
)
from kindred.analytics.permissions import can_change_settings, can_take_snapshot
from kindred.collaboration import selectors as collaboration
from kindred.communities import selectors as communities
from kindred.core.audit import record
from kindred.core.errors import KindredError, NotAllowed
from kindred.events import selectors as events
from kindred.learning import selectors as learning
from kindred.mentoring import selectors as mentoring
from kindred.networking import selectors as networking
from kindred.organisations import selectors as organisations
from kindred.peerhelp import selectors as peerhelp
from kindred.programmes import selectors as programmes
from kindred.referrals import selectors as referrals

K = Tie.Kind
P = NodeType.PERSON
O = NodeType.ORGANISATION  # noqa: E741

#: How much one tie of each kind counts; weak ties (a shared event or group) less.
WEIGHTS: dict[str, float] = {
    K.REFERRAL_ORG: 1.0,
    K.REFERRAL_PERSON: 1.0,
    K.MENTORING: 2.0,
    K.HELP: 1.0,
    K.MEETING: 1.0,
    K.CO_ATTENDANCE: 0.25,
    K.SHARED_GROUP: 0.1,
    K.PARTNERSHIP: 2.0,
    K.CO_DELIVERY: 2.0,
    K.CO_CREDIT: 1.0,
}
#: Up to this many people, everyone at an event (or in a group) is tied to everyone
#: else; beyond it each person is tied to the next NEIGHBOURS people in a ring, so a
#: 300-person event makes 1,500 ties, not 45,000.
CROWD = 25
NEIGHBOURS = 5
BATCH = 5000


def _day(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return (
            timezone.localtime(moment).date()
            if timezone.is_aware(moment)
            else (moment.date())
        )
    return moment


def _since_moment(since: date | None) -> datetime | None:
    if since is None:
        return None
    return timezone.make_aware(datetime.combine(since, time.min))


def crowd_pairs(people: list[int]) -> Iterator[tuple[int, int]]:
    """Pairs of a crowd: all of them when small, a ring of neighbours when large."""
    if len(people) <= CROWD:
        yield from combinations(people, 2)
        return
    n = len(people)
    for i in range(n):
        for step in range(1, NEIGHBOURS + 1):
            yield people[i], people[(i + step) % n]


def _tie(
    kind: str, source: tuple[str, int], target: tuple[str, int], on: Any, origin: str
) -> Tie:
    return Tie(
        kind=kind,
        source_type=source[0],
        source_id=source[1],
        target_type=target[0],
        target_id=target[1],
        on=_day(on),
        weight=WEIGHTS[kind],
        origin=origin,
    )


def _gather(since: date | None) -> Iterator[Tie]:
    moment = _since_moment(since)
    for (
        pk,
        from_org,
        to_org,
        referrer,
        entrepreneur,
        sent,
    ) in referrals.analytics_referral_rows(since):
        origin = f"referrals.referral:{pk}"
        if from_org and from_org != to_org:
            yield _tie(K.REFERRAL_ORG, (O, from_org), (O, to_org), sent, origin)
        if referrer and referrer != entrepreneur:
            yield _tie(
                K.REFERRAL_PERSON, (P, referrer), (P, entrepreneur), sent, origin
            )
    for pk, mentor, mentee, matched in mentoring.analytics_pair_rows(moment):
        if mentor != mentee:
            yield _tie(
                K.MENTORING, (P, mentor), (P, mentee), matched, f"mentoring.pair:{pk}"
            )
    for origin, helper, asker, at in peerhelp.analytics_help_rows(moment):
        yield _tie(K.HELP, (P, helper), (P, asker), at, origin)
    for a, b, day in networking.met_ties(since):
        yield _tie(K.MEETING, (P, a), (P, b), day, f"networking.met:{day:%Y%m%d}")
    for event_id, starts_at, people in events.analytics_attendance_rows(moment):
        for a, b in crowd_pairs(people):
            yield _tie(
                K.CO_ATTENDANCE, (P, a), (P, b), starts_at, f"events.event:{event_id}"
            )
    for group_id, members in communities.analytics_group_rows(moment):
        joined = dict(members)
        for a, b in crowd_pairs([user for user, _at in members]):
            yield _tie(
                K.SHARED_GROUP,
                (P, a),
                (P, b),
                max(joined[a], joined[b]),
                f"communities.group:{group_id}",
            )
    for pk, proposer, partner, agreed in collaboration.analytics_partnership_rows(
        moment
    ):
        if proposer != partner:
            yield _tie(
                K.PARTNERSHIP,
                (O, proposer),
                (O, partner),
                agreed,
                f"collaboration.partnership:{pk}",
            )
    for pk, owner, other, created in collaboration.analytics_co_delivery_rows():
        if moment is None or created >= moment:
            yield _tie(
                K.CO_DELIVERY,
                (O, owner),
                (O, other),
                created,
                f"directory.service:{pk}",
            )
    for story_id, published, credited in collaboration.analytics_credit_rows(moment):
        for a, b in combinations(credited, 2):
            yield _tie(
                K.CO_CREDIT,
                (O, a),
                (O, b),
                published,
                f"collaboration.story:{story_id}",
            )


def _batches(items: Iterable[Tie], size: int) -> Iterator[list[Tie]]:
    batch: list[Tie] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def collect_ties(*, since: date | None = None) -> int:
    """Copy the ties the domain apps recorded (on or after `since`) into the graph.

    Idempotent: a tie already collected (same kind, origin and ends) is skipped.
    Return how many ties were added.
    """
    before = Tie.objects.count()
    for batch in _batches(_gather(since), BATCH):
        Tie.objects.bulk_create(batch, ignore_conflicts=True)
    return Tie.objects.count() - before


# --- snapshots ----------------------------------------------------------------------


def month_start(month: date) -> date:
    return month.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def parse_month(text: str) -> date:
    """Return the first day of the month written as YYYY-MM; KindredError if not."""
    try:
        month = datetime.strptime(text.strip(), "%Y-%m").date()  # noqa: DTZ007
    except (ValueError, AttributeError):
        raise KindredError(
            _("Write the month as YYYY-MM, for example 2026-03."), field="month"
        ) from None
    return month


def _check_month(month: date) -> date:
    month = month_start(month)
    if month > timezone.localdate().replace(day=1):
        raise KindredError(_("That month has not begun yet."), field="month")
    if month.year < 2000:
        raise KindredError(_("That month is too long ago."), field="month")
    return month


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _read_ties(end: date) -> tuple[np.ndarray, ...]:
    """Ties on or before `end` as arrays: source key, target key, kind, weight, day.

    A node key is 2 * id for a person and 2 * id + 1 for an organisation.
    """
    kind_index = {kind: i for i, kind in enumerate(ecosystem.KINDS)}
    src: list[int] = []
    dst: list[int] = []
    kinds: list[int] = []
    weights: list[float] = []
    days: list[int] = []
    rows = (
        Tie.objects.filter(on__lte=end)
        .order_by()
        .values_list(
            "kind",
            "source_type",
            "source_id",
            "target_type",
            "target_id",
            "on",
            "weight",
        )
        .iterator(chunk_size=50000)
    )
    for kind, s_type, s_id, t_type, t_id, on, weight in rows:
        src.append(2 * s_id + (s_type == O))
        dst.append(2 * t_id + (t_type == O))
        kinds.append(kind_index[kind])
        weights.append(weight)
        days.append(on.toordinal())
    return (
        np.asarray(src, dtype=np.int64),
        np.asarray(dst, dtype=np.int64),
        np.asarray(kinds, dtype=np.int8),
        np.asarray(weights, dtype=np.float32),
        np.asarray(days, dtype=np.int32),
    )


def build_graph(end: date) -> tuple[ecosystem.Graph, np.ndarray]:
    """The graph of every tie up to `end`, and each node's key (see `_read_ties`).

    Nodes are the people and organisations in a tie plus every member of an
    active organisation, so people without ties count as isolates.
    """
    src, dst, kinds, weights, days = _read_ties(end)
    primary = organisations.primary_organisations()
    people = np.fromiter(primary.keys(), dtype=np.int64, count=len(primary))
    their_orgs = np.fromiter(primary.values(), dtype=np.int64, count=len(primary))
    keys = np.unique(
        np.concatenate([src, dst, 2 * people, 2 * np.unique(their_orgs) + 1])
    )
    n = len(keys)
    is_org = (keys % 2) == 1
    org_of = np.full(n, -1, dtype=np.int32)
    org_of[is_org] = np.nonzero(is_org)[0]
    if len(people):
        person_index = np.searchsorted(keys, 2 * people)
        org_index = np.searchsorted(keys, 2 * their_orgs + 1)
        org_of[person_index] = org_index
    graph = ecosystem.Graph(
        n=n,
        is_org=is_org,
        org_of=org_of,
        src=np.searchsorted(keys, src).astype(np.int32),
        dst=np.searchsorted(keys, dst).astype(np.int32),
        kind=kinds,
        weight=weights,
        day=days,
    )
    return graph, keys


def _period(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month, time.min))
    end = timezone.make_aware(datetime.combine(next_month(month), time.min))
    return start, end


def domain_metrics(month: date) -> dict[str, Any]:
    """The month's figures from the domain apps (referrals, help, mentoring,
    courses, programme outcomes)."""
    start, end = _period(month)
    referral = referrals.analytics_referral_figures(start, end)
    help_figures = peerhelp.analytics_help_figures(start, end)
    mentoring_figures = mentoring.analytics_mentoring_figures(start, end)
    return {
        "referral_completion_rate": referral["completion_rate"],
        "referral_median_days_to_first_response": referral[
            "median_days_to_first_response"
        ],
        "help_response_rate": help_figures["response_rate"],
        "mentoring_match_rate": mentoring_figures["match_rate"],
        "mentoring_meeting_rate": mentoring_figures["meeting_rate"],
        "training_completions": learning.analytics_completions(start, end),
        "programme_outcomes": programmes.analytics_outcome_summaries(end),
    }


#: How far back collecting looks again for ties recorded late (attendance marked
#: after the event, a reply marked as helpful weeks later).
LOOK_BACK_DAYS = 90


def snapshot_now(month: date, *, by: Any) -> Snapshot:
    """A steward's "Take a snapshot now": first collect the ties recorded lately,
    so what happened since the last daily run counts, then take the snapshot."""
    if not can_take_snapshot(by):
        raise NotAllowed(_("Only stewards can take snapshots."))
    month = _check_month(month)
    collect_ties(since=month - timedelta(days=LOOK_BACK_DAYS))
    return take_snapshot(month, by=by)


def take_snapshot(month: date, *, by: Any = None) -> Snapshot:
    """Compute and store the snapshot of `month`, replacing an earlier one.

    `by` None means the system (the monthly task, the command); a person must be
    a steward. Raise KindredError for a month that has not begun.
    """
    if by is not None and not can_take_snapshot(by):
        raise NotAllowed(_("Only stewards can take snapshots."))
    month = _check_month(month)
    started = clock.perf_counter()
    end = next_month(month) - timedelta(days=1)
    graph, keys = build_graph(end)
    result = ecosystem.snapshot_metrics(graph, new_since_day=month.toordinal())
    metrics = {key: _plain(value) for key, value in result.metrics.items()}
    metrics.update(domain_metrics(month))
    ids = keys // 2
    # Ties outlive a deleted organisation; its figures are not stored.
    known = set(
        organisations.organisation_names(
            int(ids[index]) for index in result.organisations
        )
    )
    with transaction.atomic():
        Snapshot.objects.filter(month=month).delete()
        snapshot = Snapshot.objects.create(
            month=month, taken_at=timezone.now(), metrics=metrics
        )
        OrganisationSnapshot.objects.bulk_create(
            [
                OrganisationSnapshot(
                    snapshot=snapshot,
                    organisation_id=int(ids[index]),
                    metrics={k: _plain(v) for k, v in figures.items()},
                )
                for index, figures in result.organisations.items()
                if int(ids[index]) in known
            ],
            batch_size=BATCH,
        )
        NodeSnapshot.objects.bulk_create(
            (
                NodeSnapshot(
                    snapshot=snapshot,
                    node_type=O if org else P,
                    node_id=node_id,
                    community=community,
                    betweenness=betweenness,
                    degree=degree,
                )
                for org, node_id, community, betweenness, degree in zip(
                    graph.is_org.tolist(),
                    ids.tolist(),
                    result.community.tolist(),
                    result.betweenness.tolist(),
                    result.degree.tolist(),
                    strict=True,
                )
            ),
            batch_size=BATCH,
        )
        snapshot.took_seconds = round(clock.perf_counter() - started, 3)
        snapshot.save(update_fields=["took_seconds"])
        if by is not None:
            record("analytics.snapshot_taken", actor=by, target=snapshot)
    return snapshot


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def snapshot_due() -> date | None:
    """The month that just ended, if it has no snapshot yet."""
    previous = previous_month(timezone.localdate())
    if Snapshot.objects.filter(month=previous).exists():
        return None
    return previous


@transaction.atomic
def set_public_page(enabled: bool, *, by: Any) -> None:
    """Switch the public ecosystem page on or off; stewards only, audited."""
    if not can_change_settings(by):
        raise NotAllowed(_("Only stewards can change the public ecosystem page."))
    settings = EcosystemSettings.load()
    settings.public_page = enabled
    settings.updated_by = by
    settings.save()
    record("analytics.public_page", actor=by, target=settings, enabled=enabled)
    analytics_selectors.forget_public_page()
