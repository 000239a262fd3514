"""Who may see and change insights and comments.

`get_<thing>_for_user` hides whether an object exists: an insight shared with a
private group answers 404 to non-members, exactly like one that does not exist.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.communities import selectors as community_selectors
from kindred.communities.models import Group
from kindred.insights import selectors
from kindred.insights.models import Comment, Insight


def get_insight_for_user(user: User, pk: int) -> Insight:
    """The insight if `user` may read it; 404 otherwise."""
    insight = selectors.insight_for(user, pk)
    if insight is None:
        raise Http404(_("No such insight."))
    return insight


def get_comment_for_user(user: User, insight: Insight, pk: int) -> Comment:
    comment = selectors.comment_in(insight, user, pk)
    if comment is None:
        raise Http404(_("No such comment."))
    return comment


def can_edit_insight(user: User, insight: Insight) -> bool:
    return bool(user.is_authenticated and insight.author_id == user.pk)


def can_edit_comment(user: User, comment: Comment) -> bool:
    return bool(user.is_authenticated and comment.author_id == user.pk)


def can_share_with(user: User, group: Group) -> bool:
    """Members of an active group may share insights with it."""
    return group.status == Group.Status.ACTIVE and community_selectors.is_member(
        user, group
    )


def shareable_groups(user: User) -> list[Group]:
    """Groups `user` may share an insight with, by name."""
    return list(
        Group.objects.filter(
            pk__in=community_selectors.member_group_ids(user),
            status=Group.Status.ACTIVE,
        ).order_by("name", "pk")
    )
