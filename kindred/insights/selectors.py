"""Reads for insights and the feed.

An insight shared with a private group is for that group's active members only,
by every route: `visible_q` is the one filter every read goes through. A hidden
insight or comment is seen by its author alone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kindred.accounts.models import Profile, User
from kindred.accounts.selectors import MemberFilters, search_members
from kindred.communities import selectors as community_selectors
from kindred.communities.models import Membership as GroupMembership
from kindred.core.models import Topic
from kindred.insights.models import Comment, Follow, Insight, Reaction

logger = logging.getLogger(__name__)

#: The largest id a database stores; larger numbers name nothing.
MAX_ID = 2**63 - 1
FEED_PER_PAGE = 20
#: How far back the feed looks for solved asks, stories and new members.
FEED_WINDOW = timedelta(days=90)
NEW_MEMBER_WINDOW = timedelta(days=30)
STORIES_LOOKED_AT = 30
SOLVED_ASKS_LOOKED_AT = 100
HELPFUL_COUNT = 5

# Ties on the same instant are broken by kind, then id: a stable total order.
KIND_RANK = {"insight": 0, "ask": 1, "story": 2, "member": 3}


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_q(user: User) -> Q:
    """Insights `user` may read: ecosystem-wide ones and those of groups whose
    content they may read; hidden ones only for their author."""
    shared = Q(group__isnull=True) | community_selectors.content_visible_q(
        user, prefix="group__"
    )
    shown = Q(hidden=False)
    if _signed_in(user):
        shown |= Q(author_id=user.pk)
    return shared & shown


def with_card_data(insights: QuerySet[Insight]) -> QuerySet[Insight]:
    return insights.select_related("author__profile", "group").prefetch_related(
        "topics"
    )


def insights_visible_to(user: User) -> QuerySet[Insight]:
    return with_card_data(Insight.objects.filter(visible_q(user))).order_by(
        "-created_at", "-id"
    )


def insight_for(user: User, pk: int) -> Insight | None:
    """The insight if `user` may read it; None whether or not it exists."""
    if not (0 < pk <= MAX_ID):
        return None
    return insights_visible_to(user).filter(pk=pk).first()


def can_see_insight(user: User, insight: Insight) -> bool:
    if not _signed_in(user):
        return False
    return Insight.objects.filter(visible_q(user), pk=insight.pk).exists()


def can_see_comment(user: User, comment: Comment) -> bool:
    if not _signed_in(user):
        return False
    if comment.hidden and comment.author_id != user.pk:
        return False
    return can_see_insight(user, comment.insight)


def list_insights(
    user: User,
    *,
    topic: int | None = None,
    author: int | None = None,
    group: int | None = None,
) -> QuerySet[Insight]:
    """Insights `user` may read, filtered by topic, author (user id) or group."""
    insights = insights_visible_to(user)
    if topic:
        insights = insights.filter(
            pk__in=Insight.topics.through.objects.filter(topic_id=topic).values(
                "insight_id"
            )
        )
    if author:
        insights = insights.filter(author_id=author)
    if group:
        insights = insights.filter(group_id=group)
    return insights


def comments_shown(insight: Insight, user: User) -> QuerySet[Comment]:
    """Comments oldest first; hidden ones only for their author."""
    comments = Comment.objects.filter(insight=insight)
    shown = Q(hidden=False)
    if _signed_in(user):
        shown |= Q(author_id=user.pk)
    return (
        comments.filter(shown)
        .select_related("author__profile")
        .order_by("created_at", "id")
    )


def comment_in(insight: Insight, user: User, pk: int) -> Comment | None:
    if not (0 < pk <= MAX_ID):
        return None
    comment = comments_shown(insight, user).filter(pk=pk).first()
    if comment is not None:
        comment.insight = insight
    return comment


def my_reactions(user: User, insight_ids: Iterable[int]) -> dict[int, set[str]]:
    """The kinds of reaction `user` gave to each of the insights, in one query."""
    mine: dict[int, set[str]] = defaultdict(set)
    ids = list(insight_ids)
    if not _signed_in(user) or not ids:
        return mine
    for insight_id, kind in Reaction.objects.filter(
        user=user, insight_id__in=ids
    ).values_list("insight_id", "kind"):
        mine[insight_id].add(kind)
    return mine


def reaction_counts(insight_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """How many reactions of each kind each insight has, in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    ids = list(insight_ids)
    if not ids:
        return counts
    rows = (
        Reaction.objects.filter(insight_id__in=ids)
        .values("insight_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["insight_id"]][row["kind"]] = row["n"]
    return counts


def annotate_reactions(insights: list[Insight], user: User) -> list[Insight]:
    """Attach `reaction_summary` [(kind, label, count, mine)] to each insight."""
    ids = [i.pk for i in insights]
    counts = reaction_counts(ids)
    mine = my_reactions(user, ids)
    for insight in insights:
        insight.reaction_summary = [  # type: ignore[attr-defined]
            (
                kind.value,
                kind.label,
                counts[insight.pk].get(kind.value, 0),
                kind.value in mine[insight.pk],
            )
            for kind in Reaction.Kind
        ]
    return insights


# --- following ------------------------------------------------------------------


@dataclass(frozen=True)
class Following:
    topic_ids: frozenset[int]
    person_ids: frozenset[int]


def following(user: User) -> Following:
    """Who and what `user` follows, in one query."""
    if not _signed_in(user):
        return Following(frozenset(), frozenset())
    rows = list(
        Follow.objects.filter(follower=user).values_list("topic_id", "person_id")
    )
    return Following(
        topic_ids=frozenset(t for t, _p in rows if t),
        person_ids=frozenset(p for _t, p in rows if p),
    )


def followed_topics(user: User) -> QuerySet[Topic]:
    return Topic.objects.filter(
        pk__in=Follow.objects.filter(follower=user, topic__isnull=False).values(
            "topic_id"
        )
    ).order_by("name")


def followed_people(user: User) -> QuerySet[Profile]:
    return (
        Profile.objects.listed()
        .filter(
            user_id__in=Follow.objects.filter(
                follower=user, person__isnull=False
            ).values("person_id")
        )
        .order_by("display_name", "pk")
    )


def followers_of(person: User) -> QuerySet[User]:
    """Active people who follow `person`."""
    return User.objects.filter(
        pk__in=Follow.objects.filter(person=person).values("follower_id"),
        is_active=True,
        suspended_at__isnull=True,
    )


def topic_followers(topic_ids: Iterable[int]) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=Follow.objects.filter(topic_id__in=list(topic_ids)).values(
            "follower_id"
        ),
        is_active=True,
        suspended_at__isnull=True,
    )


# --- the feed -------------------------------------------------------------------


@dataclass
class FeedItem:
    """One entry of the feed: an insight, a solved ask, a story or a new member."""

    kind: str
    at: datetime
    pk: int
    obj: Any

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, -KIND_RANK[self.kind], -self.pk)


@dataclass
class Cursor:
    """Where the next page starts: entries strictly after this one, newest first."""

    at: datetime
    rank: int
    pk: int

    def encode(self) -> str:
        return f"{self.at.timestamp():.6f}_{self.rank}_{self.pk}"

    @classmethod
    def decode(cls, raw: str) -> Cursor | None:
        try:
            stamp, rank, pk = raw.split("_")
            at = datetime.fromtimestamp(float(stamp), tz=UTC)
            cursor = cls(at=at, rank=int(rank), pk=int(pk))
        except (ValueError, OverflowError, OSError):
            return None
        if not (0 <= cursor.rank <= 3 and 0 < cursor.pk <= MAX_ID):
            return None
        return cursor

    def older_q(self, kind: str, field_name: str) -> Q:
        """A filter for rows of `kind` that come after the cursor."""
        rank = KIND_RANK[kind]
        q = Q(**{f"{field_name}__lt": self.at})
        if rank > self.rank:
            q |= Q(**{field_name: self.at})
        elif rank == self.rank:
            q |= Q(**{field_name: self.at, "pk__lt": self.pk})
        return q

    def is_after(self, item: FeedItem) -> bool:
        return item.key < (self.at, -self.rank, -self.pk)


@dataclass
class FeedPage:
    items: list[FeedItem]
    next_cursor: str = ""
    following: Following = field(
        default_factory=lambda: Following(frozenset(), frozenset())
    )

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


def _feed_insights(
    user: User, follows: Following, groups: frozenset[int], everything: bool
) -> QuerySet[Insight]:
    insights = insights_visible_to(user)
    if everything:
        return insights
    topic_matches = Insight.topics.through.objects.filter(
        topic_id__in=follows.topic_ids
    ).values("insight_id")
    return insights.filter(
        Q(author_id__in=follows.person_ids)
        | Q(group_id__in=groups)
        | Q(author_id=user.pk)
        | Q(pk__in=topic_matches)
    )


def _feed_members(
    user: User, follows: Following, groups: frozenset[int], everything: bool
) -> QuerySet[Profile]:
    """Recent members shown to `user`, by the member directory's own rules."""
    since = timezone.now() - NEW_MEMBER_WINDOW
    profiles = search_members(user, MemberFilters()).filter(created_at__gte=since)
    profiles = profiles.exclude(user_id=user.pk)
    if not everything:
        offering = search_members(
            user, MemberFilters(topics_offered_any=tuple(follows.topic_ids))
        ).values("pk")
        group_members = GroupMembership.objects.filter(
            group_id__in=groups, status=GroupMembership.Status.ACTIVE
        ).values("user_id")
        chosen = Q(user_id__in=group_members)
        if follows.topic_ids:
            chosen |= Q(pk__in=offering)
        profiles = profiles.filter(chosen)
    return profiles.select_related("user").order_by("-created_at", "-pk")


def solved_asks(
    user: User, *, since: datetime, limit: int = SOLVED_ASKS_LOOKED_AT
) -> list[Any]:
    """Up to `limit` asks solved since `since` that `user` may see, newest first,
    from peer help; empty if it is not installed."""
    try:
        from kindred.peerhelp import selectors as peerhelp_selectors
    except ImportError:
        return []
    source = getattr(peerhelp_selectors, "solved_asks_for_feed", None)
    if source is None:
        return []
    try:
        return list(source(user, since=since)[:limit])
    except Exception:  # a broken neighbour must not take the feed down
        logger.exception("solved_asks_for_feed failed")
        return []


def _ask_followed(ask: Any, follows: Following, groups: frozenset[int]) -> bool:
    """Whether a solved ask comes from what the person follows."""
    if getattr(ask, "author_id", None) in follows.person_ids:
        return True
    if getattr(ask, "group_id", None) in groups:
        return True
    topics = getattr(ask, "topics", None)
    if topics is not None and follows.topic_ids:
        return any(t.pk in follows.topic_ids for t in topics.all())
    return False


def _ask_time(ask: Any) -> datetime:
    for name in ("solved_at", "closed_at", "updated_at", "created_at"):
        value = getattr(ask, name, None)
        if isinstance(value, datetime):
            return value
    return timezone.now()


def _stories() -> list[Any]:
    from kindred.collaboration.selectors import recent_stories

    return recent_stories(STORIES_LOOKED_AT)


def feed(
    user: User,
    *,
    cursor: str = "",
    per_page: int = FEED_PER_PAGE,
    everything: bool = False,
) -> FeedPage:
    """One page of `user`'s feed, newest first, without counting anything.

    From what the person follows (people, topics) and their groups: insights,
    solved asks and new members; plus the ecosystem's success stories. With
    `everything`, every insight and new member they may see. Each source is read
    once, at most `per_page` + 1 rows past the cursor, then merged.
    """
    per_page = max(1, min(per_page, 100))
    after = Cursor.decode(cursor) if cursor else None
    follows = following(user)
    groups = community_selectors.member_group_ids(user)
    since = timezone.now() - FEED_WINDOW
    take = per_page + 1

    insights = _feed_insights(user, follows, groups, everything)
    members = _feed_members(user, follows, groups, everything)
    if after is not None:
        insights = insights.filter(after.older_q("insight", "created_at"))
        members = members.filter(after.older_q("member", "created_at"))
    items = [FeedItem("insight", i.created_at, i.pk, i) for i in insights[:take]]
    items += [FeedItem("member", p.created_at, p.pk, p) for p in members[:take]]
    items += [
        FeedItem("ask", _ask_time(a), a.pk, a)
        for a in solved_asks(user, since=since)
        if everything or _ask_followed(a, follows, groups)
    ]
    items += [
        FeedItem("story", s.published_at, s.pk, s)
        for s in _stories()
        if s.published_at is not None and s.published_at >= since
    ]
    if after is not None:
        items = [item for item in items if after.is_after(item)]
    items.sort(key=lambda item: item.key, reverse=True)
    page, more = items[:per_page], len(items) > per_page
    annotate_reactions([i.obj for i in page if i.kind == "insight"], user)
    next_cursor = ""
    if more and page:
        last = page[-1]
        next_cursor = Cursor(last.at, KIND_RANK[last.kind], last.pk).encode()
    return FeedPage(items=page, next_cursor=next_cursor, following=follows)


@dataclass
class Helpful:
    """This week's most helpful contributions: insights and solved asks."""

    insights: list[Insight]
    asks: list[Any]


def most_helpful_this_week(user: User, *, limit: int = HELPFUL_COUNT) -> Helpful:
    """The insights with the most reactions this week, and asks solved this week.

    Contributions are shown, never people: no person is ranked against another.
    """
    since = timezone.now() - timedelta(days=7)
    insights = list(
        insights_visible_to(user)
        .filter(hidden=False, reactions__created_at__gte=since)
        .annotate(week_reactions=Count("reactions"))
        .order_by("-week_reactions", "-created_at", "-id")[:limit]
    )
    return Helpful(insights=insights, asks=solved_asks(user, since=since, limit=limit))
