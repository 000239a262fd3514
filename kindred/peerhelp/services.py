"""Writes for peer help: asks, responses, calls, thanks, offers and invitations.

Each function checks who may act, then the state, then writes in one transaction:
a refused change leaves the database as it was. Pages and the API both call these.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import Profile, User
from kindred.communities.models import Group
from kindred.communities.models import Membership as GroupMembership
from kindred.communities.selectors import member_group_ids
from kindred.core import audit
from kindred.core.errors import NotAllowed
from kindred.core.markdown import problems
from kindred.core.models import Topic
from kindred.core.video import room_url
from kindred.notifications.services import delivery_for, notify, notify_many
from kindred.organisations.models import Organisation
from kindred.peerhelp import permissions, selectors
from kindred.peerhelp.errors import PeerhelpError, StateConflict
from kindred.peerhelp.models import (
    DEFAULT_MONTHLY_LIMIT,
    Ask,
    HelpInvitation,
    Offer,
    Response,
    Thanks,
)

__all__ = ["PeerhelpError", "StateConflict"]

logger = logging.getLogger("kindred.peerhelp")

MAX_TOPICS = 8
#: People recommended for an ask, and how many of them are invited.
RECOMMENDED = 10
INVITED = 3
#: Notification deliveries that mean "do not ask me": the settings page offers
#: "none" (no email); "off" is accepted should it be added.
OPTED_OUT = frozenset({"off", "none"})


# --- helpers ----------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, missing: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise PeerhelpError(missing, field=field)
    if "\x00" in cleaned:
        raise PeerhelpError(_("The text contains a NUL character."), field=field)
    if len(cleaned) > limit:
        raise PeerhelpError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    return cleaned


def _markdown(
    value: str, *, field: str, limit: int, missing: str, optional: bool = False
) -> str:
    if optional and not (value or "").strip():
        return ""
    text = _text(value, field=field, limit=limit, missing=missing)
    found = problems(text)
    if found:
        raise PeerhelpError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def _topics(topics: Iterable[Topic]) -> list[Topic]:
    chosen = list({t.pk: t for t in topics}.values())
    if len(chosen) > MAX_TOPICS:
        raise PeerhelpError(
            _("Choose at most %(n)d topics.") % {"n": MAX_TOPICS}, field="topics"
        )
    if any(not t.is_active for t in chosen):
        raise PeerhelpError(_("Choose topics from the list."), field="topics")
    return chosen


def _choice(value: str, choices: Any, *, field: str) -> str:
    if value not in choices.values:
        raise PeerhelpError(_("Choose one of the options."), field=field)
    return value


def _audience(
    by: User, *, visibility: str, group: Group | None
) -> tuple[Group | None, list[int]]:
    """Check who an ask is for; return its group and organisation ids."""
    _choice(visibility, Ask.Visibility, field="visibility")
    if visibility == Ask.Visibility.GROUP:
        if group is None:
            raise PeerhelpError(_("Choose the group to ask."), field="group")
        if group.pk not in member_group_ids(by) or group.status != Group.Status.ACTIVE:
            raise PeerhelpError(
                _("You can ask only in active groups you are a member of."),
                field="group",
            )
        return group, []
    if visibility == Ask.Visibility.ORGANISATIONS:
        organisations = sorted(selectors.organisation_ids(by))
        if not organisations:
            raise PeerhelpError(
                _("You are not a member of an organisation; ask the ecosystem."),
                field="visibility",
            )
        return None, organisations
    return None, []


@dataclass
class AskDetails:
    """An ask's checked fields."""

    title: str
    details: str
    topics: list[Topic]
    urgency: str
    kind: str
    visibility: str
    group: Group | None
    organisation_ids: list[int] = field(default_factory=list)


def _clean_ask(
    by: User,
    *,
    title: str,
    details: str,
    topics: Iterable[Topic],
    urgency: str,
    kind: str,
    visibility: str,
    group: Group | None,
) -> AskDetails:
    title = _text(title, field="title", limit=160, missing=_("Give the ask a title."))
    details = _markdown(
        details,
        field="details",
        limit=10000,
        missing=_("Say what you need."),
        optional=True,
    )
    chosen = _topics(topics)
    _choice(urgency, Ask.Urgency, field="urgency")
    _choice(kind, Ask.Kind, field="kind")
    group, organisation_ids = _audience(by, visibility=visibility, group=group)
    return AskDetails(
        title, details, chosen, urgency, kind, visibility, group, organisation_ids
    )


# --- asks -------------------------------------------------------------------------


@transaction.atomic
def create_ask(
    *,
    by: User,
    title: str,
    details: str = "",
    topics: Iterable[Topic] = (),
    urgency: str = Ask.Urgency.NORMAL,
    kind: str = Ask.Kind.ADVICE,
    visibility: str = Ask.Visibility.ECOSYSTEM,
    group: Group | None = None,
    client_token: uuid.UUID | None = None,
) -> Ask:
    """Post an ask; recommended helpers are found and invited after commit.

    A group ask needs `by` to be an active member of that active group; an
    organisations ask is for the organisations `by` belongs to now.
    """
    if client_token is not None:
        earlier = Ask.objects.filter(author=by, client_token=client_token).first()
        if earlier is not None:
            return earlier  # a double-submitted form creates one ask
    cleaned = _clean_ask(
        by,
        title=title,
        details=details,
        topics=topics,
        urgency=urgency,
        kind=kind,
        visibility=visibility,
        group=group,
    )
    try:
        with transaction.atomic():
            ask = Ask.objects.create(
                author=by,
                title=cleaned.title,
                details=cleaned.details,
                urgency=cleaned.urgency,
                kind=cleaned.kind,
                visibility=cleaned.visibility,
                group=cleaned.group,
                client_token=client_token,
            )
    except IntegrityError:  # the same form, submitted twice at once
        earlier = Ask.objects.filter(author=by, client_token=client_token).first()
        if earlier is not None:
            return earlier
        raise
    ask.topics.set(cleaned.topics)
    ask.organisations.set(cleaned.organisation_ids)
    audit.record("peerhelp.ask_created", actor=by, target=ask)
    ask_id = ask.pk

    def enqueue() -> None:
        from kindred.peerhelp.tasks import invite_helpers_for_ask

        invite_helpers_for_ask.enqueue(ask_id)

    transaction.on_commit(enqueue)
    return ask


@transaction.atomic
def update_ask(
    ask: Ask,
    *,
    by: User,
    title: str,
    details: str = "",
    topics: Iterable[Topic] = (),
    urgency: str = Ask.Urgency.NORMAL,
    kind: str = Ask.Kind.ADVICE,
    visibility: str = Ask.Visibility.ECOSYSTEM,
    group: Group | None = None,
) -> Ask:
    """Change an ask (its author only). Narrowing who sees it also drops the
    recommendations of people who no longer could."""
    permissions.require_author(by, ask)
    if ask.hidden:
        raise StateConflict(_("A hidden ask cannot be edited."))
    cleaned = _clean_ask(
        by,
        title=title,
        details=details,
        topics=topics,
        urgency=urgency,
        kind=kind,
        visibility=visibility,
        group=group,
    )
    audience_changed = (cleaned.visibility, cleaned.group) != (
        ask.visibility,
        ask.group,
    )
    ask.title = cleaned.title
    ask.details = cleaned.details
    ask.urgency = cleaned.urgency
    ask.kind = cleaned.kind
    ask.visibility = cleaned.visibility
    ask.group = cleaned.group
    ask.save(
        update_fields=[
            "title",
            "details",
            "urgency",
            "kind",
            "visibility",
            "group",
            "updated_at",
        ]
    )
    ask.topics.set(cleaned.topics)
    if audience_changed or cleaned.visibility == Ask.Visibility.ORGANISATIONS:
        ask.organisations.set(cleaned.organisation_ids)
    if audience_changed:
        eligible = eligible_helpers(ask).values("pk")
        ask.invitations.exclude(user_id__in=eligible).delete()
    audit.record("peerhelp.ask_edited", actor=by, target=ask)
    return ask


def _locked_status(ask: Ask) -> str:
    """The ask's current status, with its row locked until the transaction ends."""
    return (
        Ask.objects.select_for_update()
        .filter(pk=ask.pk)
        .values_list("status", flat=True)
        .get()
    )


@transaction.atomic
def close_ask(ask: Ask, *, by: User, solved: bool) -> Ask:
    """Close an open ask as solved or unsolved (its author only)."""
    permissions.require_author(by, ask)
    ask.status = _locked_status(ask)
    if not ask.is_open:
        raise StateConflict(_("This ask is already closed."))
    ask.status = Ask.Status.SOLVED if solved else Ask.Status.UNSOLVED
    ask.closed_at = timezone.now()
    ask.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record("peerhelp.ask_closed", actor=by, target=ask, status=ask.status)
    if solved:
        _emit_solved(ask)
    return ask


@transaction.atomic
def reopen_ask(ask: Ask, *, by: User) -> Ask:
    """Open a closed ask again (its author only)."""
    permissions.require_author(by, ask)
    ask.status = _locked_status(ask)
    if ask.is_open:
        raise StateConflict(_("This ask is already open."))
    ask.status = Ask.Status.OPEN
    ask.closed_at = None
    ask.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record("peerhelp.ask_reopened", actor=by, target=ask)
    return ask


def _emit_solved(ask: Ask) -> None:
    """Tell the organisations concerned that an ask was solved. Group asks stay in
    their group: no webhook carries them out."""
    from kindred.webhooks.services import emit

    if ask.visibility == Ask.Visibility.GROUP:
        return
    if ask.visibility == Ask.Visibility.ORGANISATIONS:
        organisations = ask.organisations.all()
    else:
        organisations = Organisation.objects.filter(memberships__user=ask.author_id)
    data = {
        "ask": ask.pk,
        "title": ask.title,
        "kind": ask.kind,
        "topics": list(ask.topics.values_list("slug", flat=True)),
        "solved_at": ask.closed_at.isoformat() if ask.closed_at else None,
        "helpers": ask.responses.filter(helped=True, hidden=False)
        .values("author_id")
        .distinct()
        .count(),
    }
    for organisation in organisations.distinct():
        emit(organisation, "ask.solved", data)


def hide_ask(ask: Ask, by: User) -> None:
    """Hide an ask from everyone but its author (moderation)."""
    Ask.objects.filter(pk=ask.pk).update(hidden=True)
    ask.hidden = True
    audit.record("peerhelp.ask_hidden", actor=by, target=ask)


def restore_ask(ask: Ask, by: User) -> None:
    Ask.objects.filter(pk=ask.pk).update(hidden=False)
    ask.hidden = False
    audit.record("peerhelp.ask_restored", actor=by, target=ask)


# --- responses --------------------------------------------------------------------


def _check_can_respond(ask: Ask, by: User) -> None:
    permissions.require_visible(by, ask)
    if ask.hidden:
        raise StateConflict(_("This ask is hidden."))
    if not ask.is_open:
        raise StateConflict(_("This ask is closed; reopen it to take new responses."))


def _notify_response(response: Response, *, by: User) -> None:
    ask = response.ask
    url = response.get_absolute_url()
    recipients = []
    if ask.author_id != by.pk:
        recipients.append(ask.author)
    parent = response.parent
    if (
        parent is not None
        and parent.author_id not in (by.pk, ask.author_id)
        and selectors.can_see_ask(parent.author, ask)
    ):
        recipients.append(parent.author)
    if recipients:
        notify_many(
            recipients,
            kind="peerhelp.response",
            message=_("%(name)s responded to “%(title)s”")
            % {"name": by, "title": ask.title},
            url=url,
            actor=by,
        )


def _existing_response(by: User, client_token: uuid.UUID | None) -> Response | None:
    if client_token is None:
        return None
    return Response.objects.filter(author=by, client_token=client_token).first()


@transaction.atomic
def respond(
    ask: Ask,
    *,
    by: User,
    body: str,
    parent: Response | None = None,
    client_token: uuid.UUID | None = None,
) -> Response:
    """Reply in writing to an open ask, or to one of its responses."""
    earlier = _existing_response(by, client_token)
    if earlier is not None:
        return earlier
    _check_can_respond(ask, by)
    body = _markdown(body, field="body", limit=10000, missing=_("Write a reply."))
    if parent is not None and (parent.ask_id != ask.pk or parent.hidden):
        raise PeerhelpError(_("Reply to a response of this ask."), field="parent")
    response = Response.objects.create(
        ask=ask, author=by, parent=parent, body=body, client_token=client_token
    )
    response.ask = ask
    _notify_response(response, by=by)
    return response


@transaction.atomic
def offer_call(
    ask: Ask,
    *,
    by: User,
    body: str,
    call_at: datetime,
    minutes: int = 30,
    client_token: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Response:
    """Offer the asker a call at `call_at`, with a fresh video room that only the
    asker and `by` see."""
    earlier = _existing_response(by, client_token)
    if earlier is not None:
        return earlier
    now = now or timezone.now()
    _check_can_respond(ask, by)
    if ask.author_id == by.pk:
        raise PeerhelpError(_("Offer calls to other people's asks."))
    body = _markdown(
        body or _("I can talk this through on a call."),
        field="body",
        limit=2000,
        missing=_("Write a short note."),
    )
    if call_at is None or timezone.is_naive(call_at):
        raise PeerhelpError(_("Give a date and time."), field="call_at")
    if call_at <= now:
        raise PeerhelpError(_("Propose a time in the future."), field="call_at")
    if call_at > now + timedelta(days=365):
        raise PeerhelpError(_("Propose a time within a year."), field="call_at")
    if not (5 <= minutes <= 240):
        raise PeerhelpError(
            _("A call lasts from 5 to 240 minutes."), field="call_minutes"
        )
    response = Response.objects.create(
        ask=ask,
        author=by,
        kind=Response.Kind.CALL,
        body=body,
        call_at=call_at,
        call_minutes=minutes,
        room_url=room_url(_("help call")),
        client_token=client_token,
    )
    response.ask = ask
    _notify_response(response, by=by)
    return response


@transaction.atomic
def mark_helpful(
    response: Response,
    *,
    by: User,
    note: str = "",
    public: bool = False,
) -> Response:
    """Mark a response as helpful (the asker only), with an optional thank-you note
    that the helper sees, and that everyone sees if `public`."""
    ask = response.ask
    if not permissions.can_mark_helpful(by, ask):
        raise NotAllowed(_("Only the person who asked marks what helped."))
    if response.author_id == by.pk:
        raise PeerhelpError(_("Mark other people's responses as helpful."))
    if response.hidden:
        raise StateConflict(_("This response is hidden."))
    note = (note or "").strip()
    if note:
        note = _text(note, field="note", limit=2000, missing="")
    response = Response.objects.select_for_update().get(pk=response.pk)
    response.ask = ask
    already_thanked = Thanks.objects.filter(response=response).exists()
    if response.helped and (not note or already_thanked):
        raise StateConflict(_("You already marked this response as helpful."))
    if not response.helped:
        response.helped = True
        response.helped_at = timezone.now()
        response.save(update_fields=["helped", "helped_at"])
    thanks = None
    if note:
        thanks = Thanks.objects.create(
            response=response,
            ask=ask,
            sender=by,
            recipient_id=response.author_id,
            note=note,
            is_public=public,
        )
    audit.record(
        "peerhelp.marked_helpful", actor=by, target=response, thanked=bool(thanks)
    )
    helper = User.objects.get(pk=response.author_id)
    if thanks is not None:
        notify(
            helper,
            kind="peerhelp.thanked",
            message=_("%(name)s thanked you for your help with “%(title)s”")
            % {"name": by, "title": ask.title},
            url=response.get_absolute_url(),
            actor=by,
        )
    else:
        notify(
            helper,
            kind="peerhelp.marked_helpful",
            message=_("%(name)s found your response to “%(title)s” helpful")
            % {"name": by, "title": ask.title},
            url=response.get_absolute_url(),
            actor=by,
        )
    return response


def hide_response(response: Response, by: User) -> None:
    """Hide a response from everyone but its author (moderation)."""
    Response.objects.filter(pk=response.pk).update(hidden=True)
    response.hidden = True
    audit.record("peerhelp.response_hidden", actor=by, target=response)


def restore_response(response: Response, by: User) -> None:
    Response.objects.filter(pk=response.pk).update(hidden=False)
    response.hidden = False
    audit.record("peerhelp.response_restored", actor=by, target=response)


# --- offers -----------------------------------------------------------------------


def _clean_offer(
    *, title: str, details: str, topics: Iterable[Topic], format: str, limit: int
) -> tuple[str, str, list[Topic], str, int]:
    title = _text(
        title, field="title", limit=160, missing=_("Say what you offer in a line.")
    )
    details = _markdown(details, field="details", limit=4000, missing="", optional=True)
    chosen = _topics(topics)
    _choice(format, Offer.Format, field="format")
    if not isinstance(limit, int) or not (1 <= limit <= 20):
        raise PeerhelpError(
            _("Choose from 1 to 20 requests a month."), field="monthly_limit"
        )
    return title, details, chosen, format, limit


@transaction.atomic
def create_offer(
    *,
    by: User,
    title: str,
    details: str = "",
    topics: Iterable[Topic] = (),
    format: str = Offer.Format.WRITING,
    monthly_limit: int = DEFAULT_MONTHLY_LIMIT,
    client_token: uuid.UUID | None = None,
) -> Offer:
    """Make a standing offer of help."""
    if client_token is not None:
        earlier = Offer.objects.filter(helper=by, client_token=client_token).first()
        if earlier is not None:
            return earlier
    title, details, chosen, format, monthly_limit = _clean_offer(
        title=title, details=details, topics=topics, format=format, limit=monthly_limit
    )
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                helper=by,
                title=title,
                details=details,
                format=format,
                monthly_limit=monthly_limit,
                client_token=client_token,
            )
    except IntegrityError:
        earlier = Offer.objects.filter(helper=by, client_token=client_token).first()
        if earlier is not None:
            return earlier
        raise
    offer.topics.set(chosen)
    return offer


@transaction.atomic
def update_offer(
    offer: Offer,
    *,
    by: User,
    title: str,
    details: str = "",
    topics: Iterable[Topic] = (),
    format: str = Offer.Format.WRITING,
    monthly_limit: int = DEFAULT_MONTHLY_LIMIT,
    is_active: bool = True,
) -> Offer:
    """Change an offer (its helper only)."""
    if offer.helper_id != by.pk:
        raise NotAllowed(_("Only the helper changes their offer."))
    title, details, chosen, format, monthly_limit = _clean_offer(
        title=title, details=details, topics=topics, format=format, limit=monthly_limit
    )
    offer.title, offer.details, offer.format = title, details, format
    offer.monthly_limit, offer.is_active = monthly_limit, bool(is_active)
    offer.save(
        update_fields=[
            "title",
            "details",
            "format",
            "monthly_limit",
            "is_active",
            "updated_at",
        ]
    )
    offer.topics.set(chosen)
    return offer


@transaction.atomic
def set_offer_active(offer: Offer, *, by: User, active: bool) -> Offer:
    """Pause or resume an offer (its helper only)."""
    if offer.helper_id != by.pk:
        raise NotAllowed(_("Only the helper changes their offer."))
    offer.is_active = active
    offer.save(update_fields=["is_active", "updated_at"])
    return offer


@transaction.atomic
def delete_offer(offer: Offer, *, by: User) -> None:
    if offer.helper_id != by.pk:
        raise NotAllowed(_("Only the helper changes their offer."))
    offer.delete()


# --- recommended helpers ------------------------------------------------------------


@dataclass
class Candidate:
    """A recommended helper, from the ranking or from the topic-overlap fallback."""

    user_id: int
    score: float
    factors: dict[str, Any]
    reason: str


def eligible_helpers(ask: Ask) -> Any:
    """People who could be recommended for `ask`: active, not the asker, and able to
    see it (a group ask's members; an organisations ask's members)."""
    users = User.objects.filter(is_active=True).exclude(pk=ask.author_id)
    if ask.visibility == Ask.Visibility.GROUP:
        users = users.filter(
            pk__in=GroupMembership.objects.filter(
                group_id=ask.group_id, status=GroupMembership.Status.ACTIVE
            ).values("user_id")
        )
    elif ask.visibility == Ask.Visibility.ORGANISATIONS:
        users = users.filter(
            memberships__organisation__in=ask.organisations.values("pk")
        )
    return users


def topic_overlap_candidates(ask: Ask, *, limit: int) -> list[Candidate]:
    """The simple recommendation: people whose active offers (or, at half weight,
    profile) cover the ask's topics, most shared topics first."""
    topics = {t.pk: t.name for t in ask.topics.all()}
    if not topics:
        return []
    eligible = eligible_helpers(ask).values("pk")
    by_offer: dict[int, set[int]] = {}
    for user_id, topic_id in Offer.topics.through.objects.filter(
        topic_id__in=topics,
        offer__is_active=True,
        offer__helper_id__in=eligible,
    ).values_list("offer__helper_id", "topic_id"):
        by_offer.setdefault(user_id, set()).add(topic_id)
    by_profile: dict[int, set[int]] = {}
    for user_id, topic_id in Profile.topics_offered.through.objects.filter(
        topic_id__in=topics, profile__user_id__in=eligible
    ).values_list("profile__user_id", "topic_id"):
        by_profile.setdefault(user_id, set()).add(topic_id)
    candidates = []
    for user_id in by_offer.keys() | by_profile.keys():
        offered = by_offer.get(user_id, set())
        profiled = by_profile.get(user_id, set()) - offered
        score = len(offered) + 0.5 * len(profiled)
        names = ", ".join(sorted(topics[t] for t in offered | profiled))
        reason = (
            _("Offers help with %(topics)s") % {"topics": names}
            if offered
            else _("Lists %(topics)s among what they can help with") % {"topics": names}
        )
        candidates.append(
            Candidate(
                user_id,
                float(score),
                {"topic_overlap": len(offered | profiled)},
                reason,
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.user_id))
    return candidates[:limit]


def _recommendations(ask: Ask, *, limit: int) -> list[Candidate]:
    """The ranking's recommendations, or the topic-overlap fallback while the ranking
    is missing or failing."""
    try:
        from kindred.peerhelp import ranking  # type: ignore[attr-defined]

        found = ranking.recommend_for_ask(ask, limit=limit)
        return [
            Candidate(
                int(r.user_id),
                float(r.score),
                dict(r.factors or {}),
                str(r.reason or ""),
            )
            for r in found
        ]
    except Exception:  # the ranking is optional: never lose an ask over it
        logger.warning("Helper ranking unavailable; using topic overlap", exc_info=True)
        return topic_overlap_candidates(ask, limit=limit)


def month_start(now: datetime) -> datetime:
    """The start of `now`'s calendar month, in the current time zone."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def monthly_room(user_ids: Sequence[int], *, now: datetime) -> dict[int, int]:
    """How many more invitations each person accepts this calendar month."""
    limits = dict(
        Offer.objects.filter(helper_id__in=user_ids, is_active=True)
        .values("helper_id")
        .annotate(limit=Max("monthly_limit"))
        .values_list("helper_id", "limit")
    )
    used = dict(
        HelpInvitation.objects.filter(
            user_id__in=user_ids, invited=True, created_at__gte=month_start(now)
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    return {
        user_id: limits.get(user_id, DEFAULT_MONTHLY_LIMIT) - used.get(user_id, 0)
        for user_id in user_ids
    }


@transaction.atomic
def invite_helpers(
    ask: Ask, *, limit: int = RECOMMENDED, invite: int = INVITED
) -> list[HelpInvitation]:
    """Store up to `limit` recommended helpers for an open, shown ask and invite the
    best `invite` of them who have room in their monthly limit and want this kind
    of notification. Running it again adds no one twice and invites no one twice.
    """
    ask = Ask.objects.select_related("author").get(pk=ask.pk)
    if not ask.is_open or ask.hidden:
        return []
    now = timezone.now()
    eligible = set(
        eligible_helpers(ask).values_list("pk", flat=True)
    )  # never recommend someone who cannot see the ask
    candidates = [
        c for c in _recommendations(ask, limit=limit) if c.user_id in eligible
    ][:limit]
    existing = {i.user_id: i for i in ask.invitations.all()}
    new = [
        HelpInvitation(
            ask=ask,
            user_id=c.user_id,
            rank=rank,
            score=c.score,
            factors=c.factors,
            reason=c.reason[:500],
            created_at=now,
        )
        for rank, c in enumerate(candidates, start=1)
        if c.user_id not in existing
    ]
    HelpInvitation.objects.bulk_create(new, ignore_conflicts=True)
    invitations = list(ask.invitations.select_related("user").order_by("rank", "id"))
    already = sum(1 for i in invitations if i.invited)
    room = monthly_room([i.user_id for i in invitations], now=now)
    chosen = []
    for invitation in invitations:
        if already + len(chosen) >= invite:
            break
        if invitation.invited or room.get(invitation.user_id, 0) <= 0:
            continue
        if delivery_for(invitation.user, "peerhelp.asked_to_help") in OPTED_OUT:
            continue
        chosen.append(invitation)
    if chosen:
        HelpInvitation.objects.filter(pk__in=[i.pk for i in chosen]).update(
            invited=True, created_at=now
        )
        for invitation in chosen:
            invitation.invited = True
        notify_many(
            [i.user for i in chosen],
            kind="peerhelp.asked_to_help",
            message=_("You were asked to help: “%(title)s”") % {"title": ask.title},
            url=ask.get_absolute_url(),
            actor=ask.author,
        )
    return invitations
