"""Writes for insights: sharing, editing, reactions, comments, following, moderation.

Each function checks who may act and what they wrote, then changes the database in
one transaction; a refused change leaves everything as it was. Link previews are
fetched after the commit, in a background task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.communities.models import Group
from kindred.communities.models import Membership as GroupMembership
from kindred.core import audit
from kindred.core.errors import NotAllowed
from kindred.core.markdown import problems
from kindred.core.models import Topic
from kindred.insights import permissions, previews, selectors
from kindred.insights.errors import InsightError
from kindred.insights.models import (
    BODY_LIMIT,
    COMMENT_LIMIT,
    TITLE_LIMIT,
    Comment,
    Follow,
    Insight,
    Reaction,
)
from kindred.notifications.services import notify, notify_many

logger = logging.getLogger(__name__)

MAX_TOPICS = 5
#: The same text from the same person within this time is one submission.
DOUBLE_SUBMIT = timedelta(seconds=30)


# --- checks -----------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, missing: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InsightError(missing, field=field)
    if "\x00" in cleaned:
        raise InsightError(_("The text contains a NUL character."), field=field)
    if len(cleaned) > limit:
        raise InsightError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    return cleaned


def _markdown(value: str, *, field: str, limit: int, missing: str) -> str:
    text = _text(value, field=field, limit=limit, missing=missing)
    found = problems(text)
    if found:
        raise InsightError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def _topics(topics: Iterable[Topic]) -> list[Topic]:
    chosen = list(dict.fromkeys(topics))
    if len(chosen) > MAX_TOPICS:
        raise InsightError(
            _("Choose at most %(n)d topics.") % {"n": MAX_TOPICS}, field="topics"
        )
    if any(not t.is_active for t in chosen):
        raise InsightError(_("Choose only active topics."), field="topics")
    return chosen


def _link(value: str) -> str:
    link = (value or "").strip()
    if not link:
        return ""
    try:
        return previews.check_link(link)
    except ValueError:
        raise InsightError(
            _("Give a web address starting with https:// or http://."), field="link"
        ) from None


def _require_member(by: User) -> None:
    if not by.is_authenticated or not by.is_active or by.suspended_at is not None:
        raise NotAllowed(_("Sign in as an active member to do this."))


def _require_steward(by: User) -> None:
    # The moderation app asks for the second factor before it calls in here.
    if not is_steward(by):
        raise NotAllowed(_("Only stewards can do this."))


def _require_visible(insight: Insight, by: User) -> None:
    """Refuse to act on an insight `by` may not read, or on a hidden one."""
    if not selectors.can_see_insight(by, insight):
        raise NotAllowed(_("You cannot see this insight."))
    if insight.hidden:
        raise InsightError(_("This insight is hidden; it cannot be changed now."))


def _readers(people: QuerySet[User], insight: Insight) -> QuerySet[User]:
    """Narrow `people` to those who may read `insight` (a private group's members)."""
    group = insight.group
    if group is None:
        return people
    if group.visibility == Group.Visibility.PUBLIC and group.status in (
        Group.Status.ACTIVE,
        Group.Status.ARCHIVED,
    ):
        return people
    return people.filter(
        pk__in=GroupMembership.objects.filter(
            group=group, status=GroupMembership.Status.ACTIVE
        ).values("user_id")
    )


def _fetch_preview_later(insight: Insight) -> None:
    from kindred.insights.tasks import fetch_link_preview

    insight_id = insight.pk
    transaction.on_commit(lambda: fetch_link_preview.enqueue(insight_id))


# --- insights -----------------------------------------------------------------------


@transaction.atomic
def share_insight(
    *,
    by: User,
    title: str,
    body: str,
    topics: Iterable[Topic] = (),
    group: Group | None = None,
    link: str = "",
) -> Insight:
    """Share a lesson with the ecosystem, or with `group` when given.

    Raise NotAllowed unless `by` is an active member (and a member of `group`);
    InsightError for a missing or unsafe text, a bad link or too many topics.
    A second identical submission within seconds returns the first insight.
    """
    _require_member(by)
    if group is not None and not permissions.can_share_with(by, group):
        raise NotAllowed(
            _("Only members of %(group)s can share with it.") % {"group": group}
        )
    title = _text(
        title, field="title", limit=TITLE_LIMIT, missing=_("Give the insight a title.")
    )
    body = _markdown(
        body, field="body", limit=BODY_LIMIT, missing=_("Write the lesson you learnt.")
    )
    chosen = _topics(topics)
    link = _link(link)
    earlier = Insight.objects.filter(
        author=by,
        title=title,
        body=body,
        group=group,
        created_at__gte=timezone.now() - DOUBLE_SUBMIT,
    ).first()
    if earlier is not None:
        return earlier
    insight = Insight.objects.create(
        author=by,
        title=title,
        body=body,
        group=group,
        link=link,
        preview_status=Insight.Preview.PENDING if link else Insight.Preview.NONE,
    )
    insight.topics.set(chosen)
    audit.record("insight.shared", actor=by, target=insight)
    _tell_followers(insight, chosen)
    if link:
        _fetch_preview_later(insight)
    return insight


def _tell_followers(insight: Insight, topics: list[Topic]) -> None:
    author = insight.author
    assert author is not None
    people = selectors.followers_of(author) | selectors.topic_followers(
        t.pk for t in topics
    )
    recipients = list(_readers(people.exclude(pk=author.pk).distinct(), insight))
    if recipients:
        notify_many(
            recipients,
            kind="insights.followed_post",
            message=_("%(person)s shared an insight: %(title)s")
            % {"person": author, "title": insight.title},
            url=insight.get_absolute_url(),
            actor=author,
        )


@transaction.atomic
def edit_insight(
    insight: Insight,
    *,
    by: User,
    title: str,
    body: str,
    topics: Iterable[Topic] = (),
    link: str = "",
) -> Insight:
    """Change an insight's text, topics or link; only its author may.

    A changed link is fetched again; the group it is shared with stays the same.
    """
    if not permissions.can_edit_insight(by, insight):
        raise NotAllowed(_("Only the author can edit this insight."))
    _require_member(by)
    title = _text(
        title, field="title", limit=TITLE_LIMIT, missing=_("Give the insight a title.")
    )
    body = _markdown(
        body, field="body", limit=BODY_LIMIT, missing=_("Write the lesson you learnt.")
    )
    chosen = _topics(topics)
    link = _link(link)
    changed_link = link != insight.link
    insight.title, insight.body, insight.link = title, body, link
    insight.edited_at = timezone.now()
    fields = ["title", "body", "link", "edited_at"]
    if changed_link:
        insight.preview_status = (
            Insight.Preview.PENDING if link else Insight.Preview.NONE
        )
        insight.preview_title = insight.preview_description = ""
        insight.preview_site_name = ""
        insight.preview_fetched_at = None
        fields += [
            "preview_status",
            "preview_title",
            "preview_description",
            "preview_site_name",
            "preview_fetched_at",
        ]
    insight.save(update_fields=fields)
    insight.topics.set(chosen)
    audit.record("insight.edited", actor=by, target=insight)
    if changed_link and link:
        _fetch_preview_later(insight)
    return insight


def refresh_preview(insight_id: int) -> Insight | None:
    """Fetch the preview of an insight's link and store it as plain text.

    Any failure (a refused address, a timeout, a page too large or not HTML)
    stores "unavailable"; the insight itself is never affected.
    """
    insight = Insight.objects.filter(pk=insight_id).first()
    if insight is None or not insight.link:
        return insight
    link = insight.link
    try:
        preview = previews.fetch(link)
    except previews.PreviewUnavailable as error:
        logger.info("No preview for insight %s: %s", insight_id, error)
        Insight.objects.filter(pk=insight_id, link=link).update(
            preview_status=Insight.Preview.UNAVAILABLE,
            preview_fetched_at=timezone.now(),
        )
    else:
        Insight.objects.filter(pk=insight_id, link=link).update(
            preview_status=Insight.Preview.READY,
            preview_title=preview.title,
            preview_description=preview.description,
            preview_site_name=preview.site_name,
            preview_fetched_at=timezone.now(),
        )
    insight.refresh_from_db()
    return insight


# --- reactions and comments ---------------------------------------------------------


@transaction.atomic
def toggle_reaction(insight: Insight, *, by: User, kind: str) -> bool:
    """Add `by`'s reaction of `kind`, or take it back; return whether it is on."""
    _require_member(by)
    if kind not in Reaction.Kind.values:
        raise InsightError(_("Choose insightful, thanks or celebrate."), field="kind")
    _require_visible(insight, by)
    deleted, _rows = Reaction.objects.filter(
        insight=insight, user=by, kind=kind
    ).delete()
    if deleted:
        Insight.objects.filter(pk=insight.pk).update(
            reaction_count=F("reaction_count") - 1
        )
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(insight=insight, user=by, kind=kind)
    except IntegrityError:  # a double click raced us: it is on
        return True
    Insight.objects.filter(pk=insight.pk).update(reaction_count=F("reaction_count") + 1)
    author = insight.author
    if (
        author is not None
        and author.pk != by.pk
        and author.is_active
        and selectors.can_see_insight(author, insight)
    ):
        notify(
            author,
            kind="insights.reaction",
            message=_("%(person)s reacted “%(reaction)s” to %(title)s")
            % {
                "person": by,
                "reaction": Reaction.Kind(kind).label,
                "title": insight.title,
            },
            url=insight.get_absolute_url(),
            actor=by,
        )
    return True


def set_reaction(insight: Insight, *, by: User, kind: str, on: bool) -> bool:
    """Make `by`'s reaction of `kind` on or off, whatever it was (for the API)."""
    current = Reaction.objects.filter(insight=insight, user=by, kind=kind).exists()
    if current == on:
        _require_member(by)
        _require_visible(insight, by)
        return on
    return toggle_reaction(insight, by=by, kind=kind)


@transaction.atomic
def add_comment(insight: Insight, *, by: User, body: str) -> Comment:
    """Comment on an insight `by` may read; its author hears of it."""
    _require_member(by)
    _require_visible(insight, by)
    body = _markdown(
        body, field="body", limit=COMMENT_LIMIT, missing=_("Write a comment.")
    )
    earlier = Comment.objects.filter(
        insight=insight,
        author=by,
        body=body,
        created_at__gte=timezone.now() - DOUBLE_SUBMIT,
    ).first()
    if earlier is not None:
        return earlier
    comment = Comment.objects.create(insight=insight, author=by, body=body)
    Insight.objects.filter(pk=insight.pk).update(comment_count=F("comment_count") + 1)
    author = insight.author
    if (
        author is not None
        and author.pk != by.pk
        and author.is_active
        and selectors.can_see_insight(author, insight)
    ):
        notify(
            author,
            kind="insights.comment",
            message=_("%(person)s commented on %(title)s")
            % {"person": by, "title": insight.title},
            url=comment.get_absolute_url(),
            actor=by,
        )
    return comment


@transaction.atomic
def edit_comment(comment: Comment, *, by: User, body: str) -> Comment:
    """Change a comment's text; only its author may. It shows as edited."""
    if not permissions.can_edit_comment(by, comment):
        raise NotAllowed(_("Only the author can edit this comment."))
    _require_member(by)
    if comment.hidden:
        raise InsightError(_("This comment is hidden; it cannot be changed now."))
    comment.body = _markdown(
        body, field="body", limit=COMMENT_LIMIT, missing=_("Write a comment.")
    )
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


# --- following ------------------------------------------------------------------------


@transaction.atomic
def follow_topic(topic: Topic, *, by: User) -> Follow:
    _require_member(by)
    if not topic.is_active:
        raise InsightError(_("Choose an active topic."), field="topic")
    follow, _created = Follow.objects.get_or_create(follower=by, topic=topic)
    return follow


@transaction.atomic
def unfollow_topic(topic: Topic, *, by: User) -> None:
    Follow.objects.filter(follower=by, topic=topic).delete()


@transaction.atomic
def follow_person(person: User, *, by: User) -> Follow:
    _require_member(by)
    if person.pk == by.pk:
        raise InsightError(_("You cannot follow yourself."), field="person")
    if not person.is_active or person.suspended_at is not None:
        raise InsightError(_("No such member."), field="person")
    follow, _created = Follow.objects.get_or_create(follower=by, person=person)
    return follow


@transaction.atomic
def unfollow_person(person: User, *, by: User) -> None:
    Follow.objects.filter(follower=by, person=person).delete()


# --- moderation (called by kindred.moderation through its registry) -------------------


@transaction.atomic
def hide_insight(insight: Insight, by: User) -> None:
    _require_steward(by)
    Insight.objects.filter(pk=insight.pk).update(hidden=True)
    insight.hidden = True
    audit.record("insight.hidden", actor=by, target=insight)


@transaction.atomic
def restore_insight(insight: Insight, by: User) -> None:
    _require_steward(by)
    Insight.objects.filter(pk=insight.pk).update(hidden=False)
    insight.hidden = False
    audit.record("insight.restored", actor=by, target=insight)


@transaction.atomic
def hide_comment(comment: Comment, by: User) -> None:
    _require_steward(by)
    Comment.objects.filter(pk=comment.pk).update(hidden=True)
    comment.hidden = True
    audit.record("insight.comment_hidden", actor=by, target=comment)


@transaction.atomic
def restore_comment(comment: Comment, by: User) -> None:
    _require_steward(by)
    Comment.objects.filter(pk=comment.pk).update(hidden=False)
    comment.hidden = False
    audit.record("insight.comment_restored", actor=by, target=comment)
