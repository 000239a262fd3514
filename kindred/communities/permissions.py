"""Who may see and change groups, threads and resources.

`get_<thing>_for_user` hides whether an object exists (404): a private group's
threads, files and members answer exactly like something that does not exist.
`can_*` answer yes or no for pages; services call `require_*`, which raise
NotAllowed.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.communities import selectors
from kindred.communities.errors import StateConflict
from kindred.communities.models import Group, Membership, Reply, Resource, Thread
from kindred.core.errors import NotAllowed


def get_group_for_user(user: User, slug: str) -> Group:
    """The group if `user` may know of it (its name and purpose); 404 otherwise."""
    group = selectors.group_for(user, slug)
    if group is None:
        raise Http404(_("No such group."))
    return group


def get_readable_group_for_user(user: User, slug: str) -> Group:
    """The group if `user` may read its content; 404 otherwise."""
    group = selectors.group_for(user, slug)
    if group is None or not selectors.can_read(user, group):
        raise Http404(_("No such group."))
    return group


def get_thread_for_user(user: User, group: Group, pk: int) -> Thread:
    thread = selectors.thread_in(group, user, pk)
    if thread is None:
        raise Http404(_("No such thread."))
    return thread


def get_reply_for_user(user: User, thread: Thread, pk: int) -> Reply:
    reply = selectors.reply_in(thread, pk)
    if reply is None:
        raise Http404(_("No such reply."))
    reply.thread = thread
    return reply


def get_resource_for_user(user: User, group: Group, pk: int) -> Resource:
    resource = selectors.resource_in(group, user, pk)
    if resource is None:
        raise Http404(_("No such resource."))
    resource.group = group
    return resource


def get_membership_in(group: Group, pk: int) -> Membership:
    """A membership row of `group` by id (for facilitators' decisions)."""
    if not (0 < pk <= selectors.MAX_ID):
        raise Http404(_("No such member."))
    membership = group.memberships.filter(pk=pk).select_related("user__profile").first()
    if membership is None:
        raise Http404(_("No such member."))
    membership.group = group
    return membership


# --- yes/no for pages ---------------------------------------------------------------


def can_moderate(user: User, group: Group) -> bool:
    return selectors.is_facilitator(user, group)


def can_post(user: User, group: Group) -> bool:
    return group.status == Group.Status.ACTIVE and selectors.is_member(user, group)


def can_edit_post(user: User, post: Thread | Reply, group: Group) -> bool:
    return (
        group.status == Group.Status.ACTIVE
        and user.is_authenticated
        and post.author_id == user.pk
        and selectors.is_member(user, group)
    )


def can_mark_answer(user: User, thread: Thread, group: Group) -> bool:
    return group.status == Group.Status.ACTIVE and (
        (
            user.is_authenticated
            and thread.author_id == user.pk
            and selectors.is_member(user, group)
        )
        or selectors.is_facilitator(user, group)
    )


def can_decide_proposal(user: User) -> bool:
    return bool(is_steward(user))


# --- refusals for services ----------------------------------------------------------


def require_active(group: Group) -> None:
    """Raise a clear error unless the group takes part in anything new."""
    if group.status == Group.Status.ARCHIVED:
        raise StateConflict(_("This group is archived: it is read-only."))
    if group.status != Group.Status.ACTIVE:
        raise StateConflict(_("This group is not active."))


def require_member(user: User, group: Group) -> None:
    require_active(group)
    if not selectors.is_member(user, group):
        raise NotAllowed(_("Only members of %(group)s can do this.") % {"group": group})


def require_facilitator(user: User, group: Group) -> None:
    if not selectors.is_facilitator(user, group):
        raise NotAllowed(
            _("Only the facilitators of %(group)s can do this.") % {"group": group}
        )


def can_report(user: User, post: Thread | Reply) -> bool:
    """Whether `user` may see (and so report) a thread or reply."""
    thread = post if isinstance(post, Thread) else post.thread
    return bool(
        user.is_authenticated
        and not post.hidden
        and not thread.hidden
        and selectors.can_read(user, thread.group)
    )
