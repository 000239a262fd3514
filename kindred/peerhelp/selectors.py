"""Reads about peer help. `visible_asks` is the one visibility rule every route
(pages, API, search, feeds, recommendations, notifications) goes through."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from kindred.accounts.models import Profile, User
from kindred.communities.selectors import member_group_ids
from kindred.organisations.models import Membership as OrganisationMembership
from kindred.peerhelp.models import Ask, HelpInvitation, Offer, Response, Thanks

logger = logging.getLogger("kindred.peerhelp")

#: The largest id a database stores; larger numbers name nothing.
MAX_ID = 2**63 - 1


def organisation_ids(user: User) -> frozenset[int]:
    """Organisations `user` is currently staff or a member of; cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_peerhelp_organisation_ids", None)
    if cached is None:
        cached = frozenset(
            OrganisationMembership.objects.filter(user=user).values_list(
                "organisation_id", flat=True
            )
        )
        user._peerhelp_organisation_ids = cached  # type: ignore[attr-defined]
    return cached


def ask_visible_q(user: User, prefix: str = "") -> Q:
    """A filter for asks `user` may see (`prefix` is the path to the ask).

    Ecosystem asks: every signed-in member. Group asks: active members of that
    group. Organisation asks: current members of one of its organisations, and the
    asker. Hidden asks: the asker only. Anonymous people see nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    p = prefix
    ecosystem = Q(**{f"{p}visibility": Ask.Visibility.ECOSYSTEM})
    group = Q(
        **{
            f"{p}visibility": Ask.Visibility.GROUP,
            f"{p}group_id__in": member_group_ids(user),
        }
    )
    organisations = Q(**{f"{p}visibility": Ask.Visibility.ORGANISATIONS}) & Q(
        Exists(
            Ask.organisations.through.objects.filter(
                ask_id=OuterRef(f"{p}pk" if p else "pk"),
                organisation_id__in=organisation_ids(user),
            )
        )
    )
    mine = Q(**{f"{p}author_id": user.pk})
    shown = (ecosystem | group | organisations) & Q(**{f"{p}hidden": False})
    return shown | mine


def visible_asks(user: User) -> QuerySet[Ask]:
    """Every ask `user` may see, in any status."""
    return Ask.objects.filter(ask_visible_q(user))


def can_see_ask(user: User, ask: Ask) -> bool:
    """May `user` see this (already loaded) ask?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if ask.author_id == user.pk:
        return True
    if ask.hidden:
        return False
    if ask.visibility == Ask.Visibility.ECOSYSTEM:
        return True
    if ask.visibility == Ask.Visibility.GROUP:
        return ask.group_id in member_group_ids(user)
    return Ask.organisations.through.objects.filter(
        ask_id=ask.pk, organisation_id__in=organisation_ids(user)
    ).exists()


def ask_for(user: User, pk: int) -> Ask | None:
    """The ask if `user` may see it, with what the ask page needs; else None."""
    if not (0 < pk <= MAX_ID):
        return None
    return (
        visible_asks(user)
        .filter(pk=pk)
        .select_related("author__profile", "group")
        .prefetch_related("topics", "organisations")
        .first()
    )


def ask_list(
    user: User,
    *,
    query: str = "",
    topic: int | None = None,
    status: str | None = Ask.Status.OPEN,
    kind: str = "",
    mine: bool = False,
) -> QuerySet[Ask]:
    """Asks listed to `user`, newest first, with their response counts."""
    asks = visible_asks(user)
    if status:
        asks = asks.filter(status=status)
    if mine:
        asks = asks.filter(author=user)
    if kind:
        asks = asks.filter(kind=kind)
    if query:
        asks = asks.filter(Q(title__icontains=query) | Q(details__icontains=query))
    if topic:
        asks = asks.filter(topics__pk=topic)
    return (
        asks.annotate(
            response_count=Count(
                "responses", filter=Q(responses__hidden=False), distinct=True
            )
        )
        .select_related("author__profile", "group")
        .prefetch_related("topics")
        .order_by("-created_at", "-id")
    )


def solved_asks_for_feed(user: User, *, since: datetime) -> QuerySet[Ask]:
    """Asks solved since `since` that `user` may see, newest solved first."""
    return (
        visible_asks(user)
        .filter(status=Ask.Status.SOLVED, closed_at__gte=since)
        .select_related("author__profile")
        .prefetch_related("topics")
        .order_by("-closed_at", "-id")
    )


def responses_shown(ask: Ask, user: User) -> list[Response]:
    """The ask's responses oldest first. Hidden ones are shown to their author only;
    the caller has checked the ask is visible."""
    responses = (
        Response.objects.filter(ask=ask)
        .filter(Q(hidden=False) | Q(author_id=user.pk))
        .select_related("author__profile", "thanks")
        .order_by("created_at", "id")
    )
    return list(responses)


def response_in(ask: Ask, pk: int) -> Response | None:
    if not (0 < pk <= MAX_ID):
        return None
    return Response.objects.filter(ask=ask, pk=pk, hidden=False).first()


def give_get(user: User) -> dict[str, int]:
    """How many distinct people `user` helped, and was helped by."""
    helpful = Response.objects.filter(helped=True, hidden=False).exclude(
        author_id=F("ask__author_id")
    )
    helped = (
        helpful.filter(author_id=user.pk).values("ask__author_id").distinct().count()
    )
    helped_by = (
        helpful.filter(ask__author_id=user.pk).values("author_id").distinct().count()
    )
    return {"helped": helped, "helped_by": helped_by}


def ecosystem_totals() -> dict[str, int]:
    """Ecosystem-wide figures: asks, solved asks, helpful responses, thank-yous,
    and distinct people who helped someone. Never per person."""
    asks = Ask.objects.filter(hidden=False).aggregate(
        asks=Count("id"),
        open=Count("id", filter=Q(status=Ask.Status.OPEN)),
        solved=Count("id", filter=Q(status=Ask.Status.SOLVED)),
    )
    helpful = Response.objects.filter(helped=True, hidden=False, ask__hidden=False)
    return {
        "asks": asks["asks"],
        "open": asks["open"],
        "solved": asks["solved"],
        "helpful_responses": helpful.count(),
        "helpers": helpful.values("author_id").distinct().count(),
        "thanks": Thanks.objects.count(),
        "active_offers": Offer.objects.filter(is_active=True).count(),
    }


# --- recommendations, offers and thanks ---------------------------------------------


def recommendations_for(ask: Ask) -> list[HelpInvitation]:
    """The stored recommended helpers of an ask, best first (for its asker)."""
    return list(
        HelpInvitation.objects.filter(ask=ask)
        .select_related("user__profile")
        .order_by("rank", "id")
    )


def _fallback_asks_for(user: User, *, limit: int) -> list[int]:
    """Open asks by others on topics `user` offers help with, or was invited to."""
    topic_ids = set(
        Offer.topics.through.objects.filter(
            offer__helper_id=user.pk, offer__is_active=True
        ).values_list("topic_id", flat=True)
    )
    topic_ids |= set(
        Profile.topics_offered.through.objects.filter(
            profile__user_id=user.pk
        ).values_list("topic_id", flat=True)
    )
    invited = HelpInvitation.objects.filter(user_id=user.pk).values("ask_id")
    return list(
        visible_asks(user)
        .filter(status=Ask.Status.OPEN, hidden=False)
        .exclude(author_id=user.pk)
        .filter(Q(topics__in=topic_ids) | Q(pk__in=invited))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )


def asks_you_could_help_with(user: User, *, limit: int = 10) -> list[Ask]:
    """Open asks `user` could help with: the ranking's choice, or topic overlap while
    the ranking is missing; always within what `user` may see."""
    if not getattr(user, "is_authenticated", False):
        return []
    try:
        from kindred.peerhelp import ranking  # type: ignore[attr-defined]

        ids = [a.pk for a in ranking.asks_you_could_help_with(user, limit=limit)]
    except Exception:
        logger.warning("Helper ranking unavailable; using topic overlap", exc_info=True)
        ids = _fallback_asks_for(user, limit=limit)
    shown = {
        ask.pk: ask
        for ask in visible_asks(user)
        .filter(pk__in=ids, status=Ask.Status.OPEN, hidden=False)
        .exclude(author_id=user.pk)
        .select_related("author__profile")
        .prefetch_related("topics")
    }
    return [shown[pk] for pk in ids if pk in shown][:limit]


def own_offers(user: User) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(helper_id=user.pk)
        .prefetch_related("topics")
        .order_by("-is_active", "-created_at", "-id")
    )


def active_offers(*, query: str = "", topic: int | None = None) -> QuerySet[Offer]:
    """Every active offer of an active member, newest first."""
    offers = Offer.objects.filter(is_active=True, helper__is_active=True)
    if query:
        offers = offers.filter(Q(title__icontains=query) | Q(details__icontains=query))
    if topic:
        offers = offers.filter(topics__pk=topic)
    return (
        offers.select_related("helper__profile")
        .prefetch_related("topics")
        .order_by("-created_at", "-id")
    )


def thanks_received(user: User) -> QuerySet[Thanks]:
    """Every thank-you `user` received (for themselves), newest first."""
    return (
        Thanks.objects.filter(recipient_id=user.pk)
        .filter(ask__in=visible_asks(user))
        .select_related("sender__profile", "ask")
        .order_by("-created_at", "-id")
    )


def public_thanks(recipient: User, viewer: User) -> QuerySet[Thanks]:
    """Thank-yous the sender allowed to show publicly, for asks `viewer` may see
    (a private group's ask never shows through its thanks)."""
    return (
        Thanks.objects.filter(recipient_id=recipient.pk, is_public=True)
        .filter(ask__in=visible_asks(viewer))
        .select_related("sender__profile", "ask")
        .order_by("-created_at", "-id")
    )


def invited_ask_ids(user: User, asks: list[Ask]) -> set[int]:
    return set(
        HelpInvitation.objects.filter(
            user_id=user.pk, invited=True, ask__in=[a.pk for a in asks]
        ).values_list("ask_id", flat=True)
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_help_rows(
    since: datetime | None = None,
) -> list[tuple[str, int, int, datetime]]:
    """(origin, helper id, asker id, when) for help given: replies marked as having
    helped and thanks sent (the helper is the one thanked), oldest first."""
    helped = Response.objects.filter(helped=True, helped_at__isnull=False)
    thanks = Thanks.objects.all()
    if since is not None:
        helped = helped.filter(helped_at__gte=since)
        thanks = thanks.filter(created_at__gte=since)
    rows: list[tuple[str, int, int, datetime]] = [
        (f"peerhelp.response:{pk}", helper, asker, at)
        for pk, helper, asker, at in helped.values_list(
            "pk", "author_id", "ask__author_id", "helped_at"
        )
        if helper != asker
    ]
    rows += [
        (f"peerhelp.thanks:{pk}", helper, asker, at)
        for pk, helper, asker, at in thanks.values_list(
            "pk", "recipient_id", "sender_id", "created_at"
        )
        if helper != asker
    ]
    return sorted(rows, key=lambda row: row[3])


def analytics_help_figures(start: datetime, end: datetime) -> dict[str, Any]:
    """Of the asks posted in [start, end), how many got a reply from someone else."""
    asks = Ask.objects.filter(created_at__gte=start, created_at__lt=end)
    total = asks.count()
    answered = (
        asks.filter(responses__isnull=False)
        .exclude(responses__author_id=F("author_id"))
        .distinct()
        .count()
    )
    return {
        "asks": total,
        "answered": answered,
        "response_rate": answered / total if total else None,
    }


def home_open_asks(user: User, *, limit: int = 5) -> list[Ask]:
    """`user`'s open asks, newest first, each annotated with `answer_count`: the
    visible replies from other people."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Ask.objects.filter(author_id=user.pk, status=Ask.Status.OPEN)
        .annotate(
            answer_count=Count(
                "responses",
                filter=Q(responses__hidden=False) & ~Q(responses__author_id=user.pk),
            )
        )
        .order_by("-created_at", "-pk")[:limit]
    )


def home_asks_on_my_topics(user: User, *, limit: int = 5) -> list[Ask]:
    """Open asks by others that `user` may see, on the topics `user` offers help
    with (profile or active offers), newest first, with their authors."""
    if not getattr(user, "is_authenticated", False):
        return []
    offered = Offer.topics.through.objects.filter(
        offer__helper_id=user.pk, offer__is_active=True
    ).values("topic_id")
    on_profile = Profile.topics_offered.through.objects.filter(
        profile__user_id=user.pk
    ).values("topic_id")
    matching = Ask.topics.through.objects.filter(
        Q(topic_id__in=offered) | Q(topic_id__in=on_profile)
    ).values("ask_id")
    return list(
        visible_asks(user)
        .filter(status=Ask.Status.OPEN, hidden=False, pk__in=matching)
        .exclude(author_id=user.pk)
        .select_related("author__profile")
        .order_by("-created_at", "-pk")[:limit]
    )
