"""Reads about referrals: who is a party, what each party may see, lists, reports.

Only the parties see a referral: the entrepreneur, the referrer and the
practitioners and admins of the referring organisation, and — once it is sent —
the receiving person and the practitioners and admins of the receiving
organisation. Everyone else gets nothing, in lists, counts and exports alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import time_ns
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.algorithms import referral_flow as flow
from kindred.organisations.models import Membership, Organisation, Role
from kindred.referrals.models import (
    SHAREABLE,
    Consent,
    LogEntry,
    Message,
    Outcome,
    Referral,
)

STAFF_ROLES = (Role.ADMIN, Role.PRACTITIONER)


def staff_organisation_ids(user: User) -> list[int]:
    """Organisations `user` works for (as practitioner or admin)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_referral_staff_ids", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(
                user=user, role__in=STAFF_ROLES, organisation__is_active=True
            )
            .order_by("organisation__name")
            .values_list("organisation_id", flat=True)
        )
        user._referral_staff_ids = cached  # type: ignore[attr-defined]
    return cached


def staff_organisations(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=staff_organisation_ids(user)).order_by(
        "name"
    )


def admin_organisation_ids(user: User) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, role=Role.ADMIN).values_list(
            "organisation_id", flat=True
        )
    )


def is_practitioner(user: User) -> bool:
    return bool(staff_organisation_ids(user))


def _sent_by_organisations(user: User) -> Q:
    return Q(referring_organisation_id__in=staff_organisation_ids(user))


def _received_by_organisations(user: User) -> Q:
    return Q(
        receiving_organisation_id__in=staff_organisation_ids(user),
        sent_at__isnull=False,
    )


def visible_referrals(user: User) -> QuerySet[Referral]:
    """Every referral `user` is a party to, and nothing else: about them, or
    sent or received by an organisation they work for now."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(
        Q(entrepreneur=user)
        | _sent_by_organisations(user)
        | _received_by_organisations(user)
    )


def with_card_data(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Referrals with everything a list, page or API answer shows, in fixed queries."""
    return referrals.select_related(
        "entrepreneur__profile__region",
        "referrer__profile",
        "referring_organisation",
        "receiving_organisation",
        "receiving_person__profile",
        "consent",
    ).prefetch_related(
        "entrepreneur__profile__sectors", "entrepreneur__profile__topics_needed"
    )


def visible_referral(user: User, pk: int) -> Referral | None:
    return with_card_data(visible_referrals(user)).filter(pk=pk).first()


def parties_of(user: User, referral: Referral) -> set[str]:
    """The parties `user` acts as for `referral` (empty for an outsider)."""
    if not user.is_authenticated:
        return set()
    staff = set(staff_organisation_ids(user))
    parties = set()
    # Practitioners act for their organisations: someone who has left one is no
    # longer a party to its referrals.
    if referral.entrepreneur_id == user.pk:
        parties.add(flow.ENTREPRENEUR)
        if referral.referrer_id == user.pk:
            parties.add(flow.REFERRER)
    elif referral.referring_organisation_id in staff:
        parties.add(flow.REFERRER)
    if referral.sent_at is not None and referral.receiving_organisation_id in staff:
        parties.add(flow.RECEIVER)
    return parties


def acting_organisation(user: User, referral: Referral, party: str) -> int | None:
    """The organisation `user` acts for as `party` (None for the entrepreneur)."""
    if party == flow.RECEIVER:
        return referral.receiving_organisation_id
    if party == flow.REFERRER:
        return referral.referring_organisation_id
    return None


def main_party(parties: set[str]) -> str:
    """The party someone acts as when the action does not say (writing, viewing).

    Entrepreneurs who referred themselves act as the entrepreneur.
    """
    if flow.ENTREPRENEUR in parties and flow.RECEIVER not in parties:
        return flow.ENTREPRENEUR
    for party in (flow.RECEIVER, flow.REFERRER):
        if party in parties:
            return party
    return ""


def consent_of(referral: Referral) -> Consent | None:
    try:
        return referral.consent
    except Consent.DoesNotExist:
        return None


def receiver_may_see_details(referral: Referral) -> bool:
    return referral.consent_valid


@dataclass
class SharedDetails:
    """What the receiver may see about the entrepreneur, per the consent."""

    fields: list[tuple[str, str, str]] = field(default_factory=list)  # code,label,val


def shared_details(referral: Referral) -> SharedDetails | None:
    """The entrepreneur's details as the consent allows; None without consent."""
    consent = consent_of(referral)
    if consent is None or not consent.is_valid():
        return None
    profile = referral.entrepreneur.profile
    values: dict[str, str] = {
        "name": profile.display_name,
        "email": referral.entrepreneur.email,
        "headline": profile.headline,
        "region": str(profile.region or ""),
        "stage": profile.get_stage_display() if profile.stage else "",
        "sectors": ", ".join(s.name for s in profile.sectors.all()),
        "topics_needed": ", ".join(t.name for t in profile.topics_needed.all()),
        "note": referral.note,
        "wellbeing": referral.wellbeing_note,
    }
    return SharedDetails(
        [
            (code, str(label), values[code])
            for code, label in SHAREABLE
            if code in consent.fields and values.get(code)
        ]
    )


def thread_for(referral: Referral, parties: set[str]) -> QuerySet[Message]:
    """The messages `parties` may read: the entrepreneur sees only those for all."""
    messages = referral.messages.select_related("author__profile")
    if main_party(parties) == flow.ENTREPRENEUR:
        messages = messages.filter(audience=Message.Audience.EVERYONE)
    only_receiver = not (parties & {flow.REFERRER, flow.ENTREPRENEUR})
    if only_receiver and not receiver_may_see_details(referral):
        return messages.none()
    return messages


def log_for(referral: Referral) -> QuerySet[LogEntry]:
    return referral.log_entries.select_related("actor__profile", "organisation")


def organisation_log(organisation: Organisation) -> QuerySet[LogEntry]:
    """Everything done to the organisation's referrals: those it sent, and those
    it received (once they were sent to it)."""
    return LogEntry.objects.filter(
        Q(
            referral__receiving_organisation=organisation,
            referral__sent_at__isnull=False,
        )
        | Q(referral__referring_organisation=organisation)
    ).select_related("actor__profile", "organisation", "referral__consent")


def hides_entrepreneur(user: User, referral: Referral) -> bool:
    """Whether `user` sees `referral` only as its receiver, without the name."""
    return parties_of(user, referral) == {flow.RECEIVER} and not referral.name_shared


def mask_entrepreneur(
    rows: Any, user: User, *, field: str, referral: Referral | None = None
) -> list[Any]:
    """Set `shown_actor` on each log entry, event or message (`field` names its
    person: actor, by or author): None where that person is the entrepreneur and
    `user` may not see their name (a receiver without consent to share it)."""
    masked = list(rows)
    for row in masked:
        about = referral or row.referral
        person = getattr(row, field)
        hidden = person is not None and hides_entrepreneur(user, about)
        if hidden and person.pk != about.entrepreneur_id:
            # Once consent has ended, a receiver sees only its own people.
            own = (
                getattr(row, "organisation_id", None) == about.receiving_organisation_id
                or getattr(row, "party", "") == flow.RECEIVER
            )
            hidden = not about.consent_valid and not own
        row.shown_actor = None if hidden else person
    return masked


# --- lists ----------------------------------------------------------------------

BOXES = ("received", "sent", "mine")


def box_rows(user: User, name: str, *, status: str = "") -> QuerySet[Referral]:
    """One of the person's lists, newest first, without joins: received by their
    organisations, sent by their organisations, or about themselves.

    Each list filters on one indexed column, so the newest rows are read straight
    from an index however many referrals an organisation has.
    """
    if name == "received":
        referrals = Referral.objects.filter(_received_by_organisations(user))
    elif name == "sent":
        referrals = Referral.objects.filter(_sent_by_organisations(user))
    elif name == "mine":
        referrals = Referral.objects.filter(entrepreneur=user)
    else:
        return Referral.objects.none()
    if status == "open":
        referrals = referrals.filter(status__in=flow.OPEN)
    elif status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-created_at", "-id")


def box(user: User, name: str, *, status: str = "") -> QuerySet[Referral]:
    """One of the person's lists with everything a row shows."""
    return with_card_data(box_rows(user, name, status=status))


def rows_by_id(ids: list[int]) -> list[Referral]:
    """The referrals with these ids, in this order, with what a list row shows."""
    found = {
        r.pk: r
        for r in Referral.objects.filter(pk__in=ids).select_related(
            "entrepreneur__profile",
            "referring_organisation",
            "receiving_organisation",
            "consent",
        )
    }
    return [found[pk] for pk in ids if pk in found]


BADGE_CAP = 99


def box_counts(user: User) -> dict[str, int]:
    """How many open referrals wait in each list (three counts, one query each).

    Open referrals received are counted up to 100 (shown as "99+"): a busy
    organisation's badge costs no more than a small one's.
    """
    received = Referral.objects.filter(
        receiving_organisation_id__in=staff_organisation_ids(user),
        status__in=(flow.SENT, flow.ACCEPTED, flow.IN_PROGRESS, flow.ON_HOLD),
    )[: BADGE_CAP + 1].count()
    return {
        "received": min(received, BADGE_CAP),
        "received_more": int(received > BADGE_CAP),
        "mine": Referral.objects.filter(entrepreneur=user)
        .filter(status__in=flow.OPEN)
        .count(),
        "consents": Consent.objects.filter(
            referral__entrepreneur=user, status=Consent.Status.REQUESTED
        ).count(),
    }


def overdue(now: datetime | None = None) -> QuerySet[Referral]:
    """Sent referrals past the day they should have been answered."""
    now = now or timezone.now()
    return Referral.objects.filter(status=Referral.Status.SENT, due_at__lt=now)


# --- reports --------------------------------------------------------------------


@dataclass
class Funnel:
    start: date
    end: date
    sent: int
    received: int
    accepted: int
    declined: int
    completed: int
    open: int
    median_days_to_response: float | None
    completion_rate: float | None
    outcomes: list[tuple[str, str, int]]
    by_month: list[tuple[str, int, int]]  # month, sent, received


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


REPORT_CACHE_SECONDS = 600


def _version_key(organisation_id: int | None) -> str:
    return f"referrals:report-version:{organisation_id or 'all'}"


def invalidate_reports(*organisation_ids: int | None) -> None:
    """Say these organisations' referrals (and so the ecosystem's) changed."""
    stamp = time_ns()
    cache.set_many(
        {_version_key(o): stamp for o in {*organisation_ids, None}}, timeout=None
    )


def funnel(organisation: Organisation | None, start: date, end: date) -> Funnel:
    """The referral funnel of `organisation` (None: the whole ecosystem) in a period.

    A fixed number of queries whatever the number of referrals. The answer is
    cached until one of the organisation's referrals changes (services call
    `invalidate_reports`), or for ten minutes at most.
    """
    organisation_id = organisation.pk if organisation is not None else None
    version = cache.get(_version_key(organisation_id), 0)
    zone = timezone.get_current_timezone_name()
    key = f"referrals:report:{organisation_id or 'all'}:{version}:{start}:{end}:{zone}"
    found = cache.get(key)
    if found is None:
        found = _funnel(organisation, start, end)
        cache.set(key, found, REPORT_CACHE_SECONDS)
    return found


def _months(since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    """Each calendar month overlapping [since, until), clipped to it."""
    months = []
    cursor = since
    while cursor < until:
        following = (cursor.replace(day=1) + timedelta(days=32)).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )
        months.append((cursor.strftime("%Y-%m"), cursor, min(following, until)))
        cursor = following
    return months


def _funnel(organisation: Organisation | None, start: date, end: date) -> Funnel:
    since, until = _period(start, end)
    in_period = Q(sent_at__gte=since, sent_at__lt=until)
    if organisation is None:
        received_q = in_period
        sent_q = in_period & Q(referring_organisation__isnull=False)
    else:
        received_q = in_period & Q(receiving_organisation=organisation)
        sent_q = in_period & Q(referring_organisation=organisation)
    months = _months(since, until)
    # One pass each over the period's received and sent referrals; the months
    # are counted by comparing dates, which both databases do natively.
    per_month = {
        f"m{i}": Count("pk", filter=Q(sent_at__gte=a, sent_at__lt=b))
        for i, (_label, a, b) in enumerate(months)
    }
    counts = Referral.objects.filter(received_q).aggregate(
        received=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        declined=Count("pk", filter=Q(status=flow.DECLINED)),
        completed=Count("pk", filter=Q(status=flow.COMPLETED)),
        open=Count("pk", filter=Q(status__in=flow.OPEN)),
        **per_month,
    )
    sent_counts = Referral.objects.filter(sent_q).aggregate(
        sent=Count("pk"), **per_month
    )
    median_days = _median_response_days(Referral.objects.filter(received_q))
    outcome_rows = (
        Outcome.objects.filter(referral__in=Referral.objects.filter(received_q))
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind")
    )
    labels = dict(Outcome.Kind.choices)
    accepted = counts["accepted"]
    return Funnel(
        start=start,
        end=end,
        sent=sent_counts["sent"],
        received=counts["received"],
        accepted=accepted,
        declined=counts["declined"],
        completed=counts["completed"],
        open=counts["open"],
        median_days_to_response=(
            round(median_days, 1) if median_days is not None else None
        ),
        completion_rate=(
            round(counts["completed"] / accepted, 3) if accepted else None
        ),
        outcomes=[
            (row["kind"], str(labels.get(row["kind"], row["kind"])), row["n"])
            for row in outcome_rows
        ],
        by_month=[
            (label, sent_counts[f"m{i}"], counts[f"m{i}"])
            for i, (label, _a, _b) in enumerate(months)
        ],
    )


def _median_response_days(referrals: QuerySet[Referral]) -> float | None:
    """The median time to first response in days, read as at most two rows."""
    answered = referrals.filter(response_seconds__isnull=False)
    n = answered.count()
    if not n:
        return None
    middle = answered.order_by("response_seconds").values_list(
        "response_seconds", flat=True
    )[(n - 1) // 2 : n // 2 + 1]
    return flow.median([seconds / 86400 for seconds in middle])


def _blank_if_none(value: float | None) -> float | str:
    return "" if value is None else value


def report_rows(funnel_: Funnel) -> list[list[Any]]:
    """The funnel as CSV rows: measure, value."""
    rows: list[list[Any]] = [
        ["period_start", funnel_.start.isoformat()],
        ["period_end", funnel_.end.isoformat()],
        ["sent", funnel_.sent],
        ["received", funnel_.received],
        ["accepted", funnel_.accepted],
        ["declined", funnel_.declined],
        ["completed", funnel_.completed],
        ["open", funnel_.open],
        [
            "median_days_to_first_response",
            _blank_if_none(funnel_.median_days_to_response),
        ],
        ["completion_rate", _blank_if_none(funnel_.completion_rate)],
    ]
    rows += [[f"outcome:{code}", n] for code, _label, n in funnel_.outcomes]
    rows += [[f"month:{m}", f"sent={s} received={r}"] for m, s, r in funnel_.by_month]
    return rows


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_referral_rows(
    since: date | None = None,
) -> list[tuple[int, int | None, int, int | None, int, datetime]]:
    """(referral id, referring organisation id, receiving organisation id, referrer
    id, entrepreneur id, sent at) for every referral that was sent, oldest first;
    `since` keeps those sent on or after that day (UTC)."""
    rows = Referral.objects.filter(sent_at__isnull=False)
    if since is not None:
        rows = rows.filter(sent_at__date__gte=since)
    return list(
        rows.order_by("sent_at", "pk").values_list(
            "pk",
            "referring_organisation_id",
            "receiving_organisation_id",
            "referrer_id",
            "entrepreneur_id",
            "sent_at",
        )
    )


def analytics_referral_figures(start: datetime, end: datetime) -> dict[str, Any]:
    """Completion and first response of referrals in [start, end): the share of
    referrals finished in the period that were completed, and the median days from
    sending to the first response of those sent in the period."""
    finished = list(
        Referral.objects.filter(
            finished_at__gte=start, finished_at__lt=end
        ).values_list("status", flat=True)
    )
    completed = sum(1 for s in finished if s == Referral.Status.COMPLETED)
    waits = sorted(
        (first - sent).total_seconds() / 86400
        for sent, first in Referral.objects.filter(
            sent_at__gte=start, sent_at__lt=end, first_response_at__isnull=False
        ).values_list("sent_at", "first_response_at")
    )
    median = None
    if waits:
        mid = len(waits) // 2
        median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
    return {
        "finished": len(finished),
        "completed": completed,
        "completion_rate": completed / len(finished) if finished else None,
        "median_days_to_first_response": median,
    }


def analytics_referral_clients() -> list[tuple[int, int]]:
    """(organisation id, entrepreneur id) for every organisation that referred or
    received an entrepreneur in a sent referral."""
    rows = Referral.objects.filter(sent_at__isnull=False)
    pairs = set(rows.values_list("receiving_organisation_id", "entrepreneur_id"))
    pairs |= set(
        rows.filter(referring_organisation__isnull=False).values_list(
            "referring_organisation_id", "entrepreneur_id"
        )
    )
    return sorted(pairs)


def home_referrals_about(user: User, *, limit: int = 5) -> list[Referral]:
    """The newest referrals of `user` as the entrepreneur, drafts waiting for
    their consent included, with the receiving organisation (for the home page)."""
    if not user.is_authenticated:
        return []
    return list(
        Referral.objects.filter(entrepreneur_id=user.pk)
        .select_related("receiving_organisation")
        .order_by("-created_at", "-pk")[:limit]
    )


def home_referral_inbox(user: User, *, limit: int = 5) -> dict[str, Any]:
    """Open referrals received by the organisations `user` works for: how many in
    each open status, and the oldest still waiting for a first answer."""
    org_ids = staff_organisation_ids(user)
    if not org_ids:
        return {"counts": [], "total": 0, "waiting": []}
    received = Referral.objects.filter(
        receiving_organisation_id__in=org_ids,
        status__in=[flow.SENT, flow.ACCEPTED, flow.IN_PROGRESS, flow.ON_HOLD],
    )
    by_status = dict(received.values_list("status").annotate(n=Count("id")).order_by())
    labels = dict(Referral.Status.choices)
    counts = [
        (status, labels.get(status, status), by_status[status])
        for status in (flow.SENT, flow.ACCEPTED, flow.IN_PROGRESS, flow.ON_HOLD)
        if by_status.get(status)
    ]
    waiting = list(
        received.filter(status=flow.SENT)
        .select_related("referring_organisation", "receiving_organisation")
        .order_by("sent_at", "pk")[:limit]
    )
    return {"counts": counts, "total": sum(by_status.values()), "waiting": waiting}
