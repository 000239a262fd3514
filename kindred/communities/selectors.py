"""Reads about groups. Other apps (events, peer help, mentoring) ask here who may see
what: a private group's content is for its active members only, by every route."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from kindred.accounts.models import User
from kindred.communities.models import (
    Group,
    Membership,
    Reply,
    Resource,
    Thread,
    ThreadFollow,
    UsefulVote,
)

#: The largest id a database stores; larger numbers name nothing (and overflow
#: SQLite's integers).
MAX_ID = 2**63 - 1
THREADS_PER_PAGE = 20

LISTED_STATUSES = (Group.Status.ACTIVE, Group.Status.ARCHIVED)


def member_group_ids(user: User) -> frozenset[int]:
    """Groups `user` is an active member (or facilitator) of; cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_member_group_ids", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(
                user=user, status=Membership.Status.ACTIVE
            ).values_list("group_id", flat=True)
        )
        user._member_group_ids = cached  # type: ignore[attr-defined]
    return cached


def forget_memberships(user: User) -> None:
    """Drop the cached group ids after the person's memberships changed."""
    if hasattr(user, "_member_group_ids"):
        del user._member_group_ids


def facilitated_group_ids(user: User) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            user=user,
            status=Membership.Status.ACTIVE,
            role=Membership.Role.FACILITATOR,
        ).values_list("group_id", flat=True)
    )


def content_visible_q(user: User, prefix: str = "") -> Q:
    """A filter for rows whose group content `user` may read.

    `prefix` is the path to the group from the filtered model, e.g. "group__";
    an empty prefix filters Group itself. Public groups (active or archived) are
    readable by everyone (pages may still ask people to sign in); private ones by
    their active members only - not by stewards, who moderate what is reported.
    """
    public = Q(
        **{
            f"{prefix}visibility": Group.Visibility.PUBLIC,
            f"{prefix}status__in": LISTED_STATUSES,
        }
    )
    if not getattr(user, "is_authenticated", False):
        return public
    return public | Q(**{f"{prefix}pk__in": member_group_ids(user)})


def can_read(user: User, group: Group) -> bool:
    """May `user` read the group's threads, files, members and events?"""
    if group.visibility == Group.Visibility.PUBLIC and group.status in LISTED_STATUSES:
        return True
    return group.pk in member_group_ids(user)


def readable_group_ids(user: User) -> QuerySet[Group]:
    """Ids of every group whose content `user` may read, as a subquery."""
    return Group.objects.filter(content_visible_q(user)).values("pk")


def listed_groups(user: User) -> QuerySet[Group]:
    """Groups shown in the groups list: every active or archived group, plus proposals
    the person made. Private groups are listed (name, purpose, joining rule) so people
    can ask to join; their content stays behind `can_read`."""
    shown = Q(status__in=LISTED_STATUSES)
    if getattr(user, "is_authenticated", False):
        shown |= Q(created_by=user) | Q(pk__in=member_group_ids(user))
    return Group.objects.filter(shown)


# --- beyond the shared visibility rules: reads for the groups pages and API -------


def membership_of(user: User, group: Group) -> Membership | None:
    """The person's membership row in `group` in any status, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(group=group, user=user).first()


def is_facilitator(user: User, group: Group) -> bool:
    return group.pk in facilitated_group_ids(user)


def is_member(user: User, group: Group) -> bool:
    return group.pk in member_group_ids(user)


def group_list(
    user: User,
    *,
    query: str = "",
    topic: int | None = None,
    mine: bool = False,
) -> QuerySet[Group]:
    """Groups listed to `user`, filtered, with their active member counts."""
    groups = listed_groups(user)
    if mine:
        groups = groups.filter(pk__in=member_group_ids(user))
    if query:
        groups = groups.filter(Q(name__icontains=query) | Q(purpose__icontains=query))
    if topic:
        groups = groups.filter(topics__pk=topic)
    return (
        groups.annotate(
            member_count=Count(
                "memberships",
                filter=Q(memberships__status=Membership.Status.ACTIVE),
                distinct=True,
            )
        )
        .prefetch_related("topics")
        .order_by("name", "pk")
    )


def group_for(user: User, slug: str) -> Group | None:
    """The group if `user` may know it exists: listed, or a steward looking at a
    proposal."""
    if len(slug) > 80:
        return None
    shown = listed_groups(user)
    if getattr(user, "is_authenticated", False) and user.is_steward:
        shown = shown | Group.objects.filter(status=Group.Status.PROPOSED)
    return (
        shown.filter(slug=slug)
        .select_related("organisation")
        .prefetch_related("topics")
        .first()
    )


def proposals() -> QuerySet[Group]:
    """Groups waiting for a steward's approval, oldest first."""
    return (
        Group.objects.filter(status=Group.Status.PROPOSED)
        .select_related("created_by__profile")
        .prefetch_related("topics")
        .order_by("created_at", "pk")
    )


def facilitators(group: Group) -> list[Membership]:
    return list(
        group.memberships.filter(
            status=Membership.Status.ACTIVE, role=Membership.Role.FACILITATOR
        )
        .select_related("user__profile")
        .order_by("user__profile__display_name", "pk")
    )


def members(group: Group) -> QuerySet[Membership]:
    """Active memberships, facilitators first, then by name."""
    return (
        group.memberships.filter(status=Membership.Status.ACTIVE)
        .select_related("user__profile")
        .order_by("-role", "user__profile__display_name", "pk")
    )


def join_requests(group: Group) -> QuerySet[Membership]:
    return (
        group.memberships.filter(status=Membership.Status.REQUESTED)
        .select_related("user__profile")
        .order_by("created_at", "pk")
    )


def invitations(group: Group) -> QuerySet[Membership]:
    return (
        group.memberships.filter(status=Membership.Status.INVITED)
        .select_related("user__profile")
        .order_by("created_at", "pk")
    )


def member_count(group: Group) -> int:
    return group.memberships.filter(status=Membership.Status.ACTIVE).count()


# --- threads ----------------------------------------------------------------------


def threads_shown(group: Group, user: User) -> QuerySet[Thread]:
    """The group's threads in list order: pinned first, then newest activity.

    Facilitators also see hidden threads. The caller has checked `can_read`.
    """
    threads = Thread.objects.filter(group=group)
    if not is_facilitator(user, group):
        threads = threads.filter(hidden=False)
    return threads.select_related("author__profile").order_by(
        "-pinned", "-last_activity_at", "-id"
    )


@dataclass
class ThreadPage:
    """One page of a group's threads, without counting them all."""

    threads: list[Thread]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def thread_page(
    group: Group, user: User, page: int = 1, *, per_page: int = THREADS_PER_PAGE
) -> ThreadPage:
    """Page `page` (from 1) of the group's thread list in one query, whatever the
    number of threads: an index range scan on (group, -pinned, -last_activity_at,
    -id), one extra row telling whether a next page exists, no count.

    The caller has checked `can_read(user, group)`.
    """
    page = max(1, min(int(page), 100_000))
    start = (page - 1) * per_page
    rows = list(threads_shown(group, user)[start : start + per_page + 1])
    return ThreadPage(
        threads=rows[:per_page], number=page, has_next=len(rows) > per_page
    )


def thread_in(group: Group, user: User, pk: int) -> Thread | None:
    """A thread of `group` that `user` may read: hidden ones only for facilitators."""
    if not (0 < pk <= MAX_ID) or not can_read(user, group):
        return None
    thread = (
        Thread.objects.filter(group=group, pk=pk)
        .select_related("author__profile", "answer")
        .first()
    )
    if thread is None or (thread.hidden and not is_facilitator(user, group)):
        return None
    thread.group = group
    return thread


def replies_shown(thread: Thread, user: User) -> QuerySet[Reply]:
    """Replies oldest first. Hidden replies are kept in place (their text is shown
    only to facilitators) so the conversation still makes sense."""
    return (
        Reply.objects.filter(thread=thread)
        .select_related("author__profile")
        .order_by("created_at", "id")
    )


def reply_in(thread: Thread, pk: int) -> Reply | None:
    if not (0 < pk <= MAX_ID):
        return None
    return Reply.objects.filter(thread=thread, pk=pk).select_related("thread").first()


def is_following(user: User, thread: Thread) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return ThreadFollow.objects.filter(
        thread=thread, user=user, following=True
    ).exists()


def followers(thread: Thread) -> QuerySet[User]:
    """Active members of the group who follow the thread."""
    return User.objects.filter(
        pk__in=ThreadFollow.objects.filter(thread=thread, following=True).values(
            "user_id"
        ),
        is_active=True,
        group_memberships__group_id=thread.group_id,
        group_memberships__status=Membership.Status.ACTIVE,
    )


def mentionable(group: Group) -> QuerySet[Membership]:
    """Active members who can be mentioned with @ and their name."""
    return members(group).filter(user__is_active=True)


# --- resources --------------------------------------------------------------------


def resources_shown(group: Group, user: User) -> QuerySet[Resource]:
    """The library, newest first, with `voted` (the person found it useful).

    Facilitators also see hidden resources. The caller has checked `can_read`.
    """
    resources = Resource.objects.filter(group=group)
    if not is_facilitator(user, group):
        resources = resources.filter(hidden=False)
    voted = (
        Exists(UsefulVote.objects.filter(resource=OuterRef("pk"), user_id=user.pk))
        if getattr(user, "is_authenticated", False)
        else Value(False)
    )
    return (
        resources.annotate(voted=voted)
        .select_related("added_by__profile")
        .prefetch_related("topics")
        .order_by("-created_at", "-id")
    )


def resource_in(group: Group, user: User, pk: int) -> Resource | None:
    if not (0 < pk <= MAX_ID) or not can_read(user, group):
        return None
    resource = resources_shown(group, user).filter(pk=pk).first()
    return resource


def active_member_ids(group: Group, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` are active members of `group` now."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        Membership.objects.filter(
            group=group, status=Membership.Status.ACTIVE, user_id__in=ids
        ).values_list("user_id", flat=True)
    )


def open_to_all(group: Group) -> bool:
    """Whether everyone may read `group`'s content (a public, listed group)."""
    return group.visibility == Group.Visibility.PUBLIC and group.status in (
        LISTED_STATUSES
    )


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_group_rows(
    since: datetime | None = None,
) -> list[tuple[int, list[tuple[int, datetime]]]]:
    """(group id, [(member id, joined at)]) for every active group with at least two
    active members, members in joining order; `since` keeps the groups someone
    joined on or after it (with all their members)."""
    rows = Membership.objects.filter(
        status=Membership.Status.ACTIVE,
        group__status=Group.Status.ACTIVE,
        joined_at__isnull=False,
    )
    if since is not None:
        rows = rows.filter(
            group_id__in=rows.filter(joined_at__gte=since).values("group_id")
        )
    groups: dict[int, list[tuple[int, datetime]]] = {}
    for group_id, user_id, joined_at in rows.order_by(
        "group_id", "joined_at", "user_id"
    ).values_list("group_id", "user_id", "joined_at"):
        groups.setdefault(group_id, []).append((user_id, joined_at))
    return [(g, people) for g, people in groups.items() if len(people) >= 2]
