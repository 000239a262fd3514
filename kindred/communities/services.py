"""Writes for groups: proposals, membership, discussions, the resource library.

Each function checks who may act, then the state: an archived group is read-only
(StateConflict, 409) and a refused change leaves the database as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.communities import permissions, selectors, signals
from kindred.communities.errors import CommunityError, StateConflict
from kindred.communities.models import (
    Group,
    Membership,
    Reply,
    Resource,
    Thread,
    ThreadFollow,
    UsefulVote,
)
from kindred.communities.uploads import check_upload
from kindred.core import audit
from kindred.core.errors import NotAllowed
from kindred.core.markdown import problems
from kindred.core.models import Topic
from kindred.core.slugs import unique_slug
from kindred.notifications.services import notify, notify_many
from kindred.organisations.models import Organisation

__all__ = ["CommunityError", "StateConflict"]

MAX_TOPICS = 8
#: Reserved slugs: they are pages under /groups/.
RESERVED_SLUGS = ("propose", "proposals", "mine")


# --- helpers ----------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, missing: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise CommunityError(missing, field=field)
    if "\x00" in cleaned:
        raise CommunityError(_("The text contains a NUL character."), field=field)
    if len(cleaned) > limit:
        raise CommunityError(
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
        raise CommunityError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def _topics(topics: Iterable[Topic]) -> list[Topic]:
    chosen = list(dict.fromkeys(topics))
    if len(chosen) > MAX_TOPICS:
        raise CommunityError(
            _("Choose at most %(n)d topics.") % {"n": MAX_TOPICS}, field="topics"
        )
    if any(not t.is_active for t in chosen):
        raise CommunityError(_("Choose only active topics."), field="topics")
    return chosen


def _lock_group(group: Group) -> Group:
    locked = Group.objects.select_for_update().get(pk=group.pk)
    group.status = locked.status
    return locked


def _facilitator_users(group: Group, *, besides: User | None = None) -> list[User]:
    return [
        m.user
        for m in selectors.facilitators(group)
        if m.user.is_active and (besides is None or m.user_id != besides.pk)
    ]


def _changed(*people: User | None) -> None:
    for person in people:
        if person is not None:
            selectors.forget_memberships(person)


# --- proposing and approving groups ---------------------------------------------


@transaction.atomic
def propose_group(
    *,
    by: User,
    name: str,
    purpose: str,
    joining: str = Group.Joining.OPEN,
    visibility: str = Group.Visibility.PUBLIC,
    topics: Sequence[Topic] = (),
    organisation: Organisation | None = None,
) -> Group:
    """Propose a community of practice; `by` becomes its first facilitator.

    With KINDRED_GROUPS_NEED_APPROVAL (the default) it waits for a steward;
    otherwise it is active at once.
    """
    if not by.is_authenticated or by.suspended_at is not None:
        raise NotAllowed(_("Sign in to propose a group."))
    name = _text(name, field="name", limit=120, missing=_("Give the group a name."))
    purpose = _markdown(
        purpose,
        field="purpose",
        limit=4000,
        missing=_("Say what the group is for and who it is for."),
    )
    if joining not in Group.Joining.values:
        raise CommunityError(_("Choose who can join."), field="joining")
    if visibility not in Group.Visibility.values:
        raise CommunityError(_("Choose who can read it."), field="visibility")
    chosen = _topics(topics)
    if Group.objects.filter(
        name__iexact=name, status__in=[Group.Status.PROPOSED, Group.Status.ACTIVE]
    ).exists():
        raise CommunityError(
            _("A group called “%(name)s” already exists.") % {"name": name},
            field="name",
        )
    approve_now = not settings.KINDRED_GROUPS_NEED_APPROVAL
    now = timezone.now()
    group = Group.objects.create(
        name=name,
        slug=unique_slug(Group, name, fallback="group", reserved=RESERVED_SLUGS),
        purpose=purpose,
        joining=joining,
        visibility=visibility,
        organisation=organisation,
        created_by=by,
        status=Group.Status.ACTIVE if approve_now else Group.Status.PROPOSED,
        approved_at=now if approve_now else None,
    )
    group.topics.set(chosen)
    Membership.objects.create(
        group=group,
        user=by,
        role=Membership.Role.FACILITATOR,
        status=Membership.Status.ACTIVE,
        joined_at=now,
    )
    _changed(by)
    audit.record("group.proposed", actor=by, target=group, approved=approve_now)
    if not approve_now:
        stewards = list(
            User.objects.filter(is_steward=True, is_active=True).exclude(pk=by.pk)
        )
        if stewards:
            notify_many(
                stewards,
                kind="communities.group_to_approve",
                message=_("%(person)s proposes a new group: %(group)s.")
                % {"person": by, "group": group.name},
                url=reverse("communities:proposals"),
                actor=by,
            )
    return group


def _answer_proposal(
    group: Group, *, by: User, approve: bool, reason: str = ""
) -> Group:
    require_steward(by)
    locked = _lock_group(group)
    if locked.status != Group.Status.PROPOSED:
        raise StateConflict(_("This group is not waiting for approval."))
    reason = (reason or "").strip()[:500]
    locked.status = Group.Status.ACTIVE if approve else Group.Status.DECLINED
    locked.approved_at = timezone.now() if approve else None
    locked.decline_reason = "" if approve else reason
    locked.save(update_fields=["status", "approved_at", "decline_reason"])
    group.status = locked.status
    audit.record(
        "group.approved" if approve else "group.declined",
        actor=by,
        target=locked,
        reason=reason,
    )
    if locked.created_by_id and locked.created_by_id != by.pk:
        message = (
            _("Your group %(group)s is approved: invite people in.")
            if approve
            else _("Your proposed group %(group)s was declined.")
        ) % {"group": locked.name}
        if reason and not approve:
            message += " " + reason
        notify(
            locked.created_by,  # type: ignore[arg-type]
            kind="communities.group_answered",
            message=message,
            url=locked.get_absolute_url(),
            actor=by,
        )
    return locked


@transaction.atomic
def approve_group(group: Group, *, by: User) -> Group:
    """Make a proposed group active (stewards)."""
    return _answer_proposal(group, by=by, approve=True)


@transaction.atomic
def decline_group(group: Group, *, by: User, reason: str = "") -> Group:
    """Decline a proposed group (stewards); the proposer is told why."""
    return _answer_proposal(group, by=by, approve=False, reason=reason)


@transaction.atomic
def create_cohort_group(
    *,
    name: str,
    purpose: str,
    facilitators: Sequence[User],
    members: Sequence[User] = (),
    organisation: Organisation | None = None,
    topics: Sequence[Topic] = (),
    by: User | None = None,
) -> Group:
    """Create a programme cohort's group: private, by invitation, active at once.

    For programmes (their services check who may run them). `facilitators` run
    it; `members` are enrolled participants and join straight away.
    """
    if not facilitators:
        raise CommunityError(_("A cohort group needs a facilitator."))
    name = _text(name, field="name", limit=120, missing=_("Give the group a name."))
    purpose = _markdown(
        purpose, field="purpose", limit=4000, missing=_("Say what the cohort is for.")
    )
    now = timezone.now()
    group = Group.objects.create(
        name=name,
        slug=unique_slug(Group, name, fallback="cohort", reserved=RESERVED_SLUGS),
        purpose=purpose,
        kind=Group.Kind.COHORT,
        joining=Group.Joining.INVITATION,
        visibility=Group.Visibility.PRIVATE,
        status=Group.Status.ACTIVE,
        organisation=organisation,
        created_by=by or facilitators[0],
        approved_at=now,
    )
    group.topics.set(_topics(topics))
    roles = {u.pk: (u, Membership.Role.MEMBER) for u in members}
    roles.update({u.pk: (u, Membership.Role.FACILITATOR) for u in facilitators})
    Membership.objects.bulk_create(
        [
            Membership(
                group=group,
                user=user,
                role=role,
                status=Membership.Status.ACTIVE,
                joined_at=now,
                invited_by=by,
            )
            for user, role in roles.values()
        ]
    )
    _changed(*(u for u, _r in roles.values()))
    audit.record("group.cohort_created", actor=by, target=group, people=len(roles))
    return group


@transaction.atomic
def add_to_cohort(group: Group, *, user: User, by: User | None = None) -> Membership:
    """Enrol `user` in a cohort group as an active member (programmes call this)."""
    if group.kind != Group.Kind.COHORT:
        raise CommunityError(_("Only cohort groups enrol people directly."))
    permissions.require_active(group)
    membership, _created = Membership.objects.update_or_create(
        group=group,
        user=user,
        defaults={
            "status": Membership.Status.ACTIVE,
            "joined_at": timezone.now(),
            "left_at": None,
            "invited_by": by,
        },
    )
    _changed(user)
    return membership


# --- membership -------------------------------------------------------------------


def _lock_membership(group: Group, user: User) -> Membership | None:
    return Membership.objects.select_for_update().filter(group=group, user=user).first()


@transaction.atomic
def join_group(group: Group, *, by: User, message: str = "") -> Membership:
    """Join an open group, ask to join a request-only one, or accept an invitation.

    Return the membership: active, or requested (the facilitators are told).
    """
    if not by.is_authenticated:
        raise NotAllowed(_("Sign in to join a group."))
    group = _lock_group(group)
    permissions.require_active(group)
    message = (message or "").strip()
    if len(message) > 500:
        raise CommunityError(_("Keep this under 500 characters."), field="message")
    if "\x00" in message:
        raise CommunityError(_("The text contains a NUL character."), field="message")
    membership = _lock_membership(group, by)
    now = timezone.now()
    if membership is not None:
        if membership.status == Membership.Status.ACTIVE:
            raise StateConflict(_("You are already a member of this group."))
        if membership.status == Membership.Status.REQUESTED:
            raise StateConflict(_("You have already asked to join this group."))
        if membership.status == Membership.Status.REMOVED:
            raise NotAllowed(
                _("A facilitator removed you from this group; ask them to invite you.")
            )
        if membership.status == Membership.Status.INVITED:
            membership.status = Membership.Status.ACTIVE
            membership.joined_at = now
            membership.left_at = None
            membership.save(update_fields=["status", "joined_at", "left_at"])
            _changed(by)
            audit.record("group.invitation_accepted", actor=by, target=group)
            return membership
    if group.joining == Group.Joining.INVITATION:
        raise NotAllowed(_("This group is by invitation only."))
    status = (
        Membership.Status.ACTIVE
        if group.joining == Group.Joining.OPEN
        else Membership.Status.REQUESTED
    )
    if membership is None:
        membership = Membership(group=group, user=by)
    membership.role = Membership.Role.MEMBER
    membership.status = status
    membership.message = message if status == Membership.Status.REQUESTED else ""
    membership.joined_at = now if status == Membership.Status.ACTIVE else None
    membership.left_at = None
    membership.save()
    _changed(by)
    if status == Membership.Status.REQUESTED:
        recipients = _facilitator_users(group, besides=by)
        if recipients:
            notify_many(
                recipients,
                kind="communities.join_requested",
                message=_("%(person)s asks to join %(group)s.")
                % {"person": by, "group": group.name},
                url=reverse("communities:manage", args=[group.slug]),
                actor=by,
            )
    return membership


@transaction.atomic
def leave_group(group: Group, *, by: User) -> Membership:
    """Leave a group, withdraw a request or decline an invitation.

    The last facilitator of a group with other members names another first.
    """
    group = _lock_group(group)
    membership = _lock_membership(group, by)
    if membership is None or membership.status not in (
        Membership.Status.ACTIVE,
        Membership.Status.REQUESTED,
        Membership.Status.INVITED,
    ):
        raise StateConflict(_("You are not a member of this group."))
    if (
        membership.status == Membership.Status.ACTIVE
        and membership.role == Membership.Role.FACILITATOR
    ):
        others = group.memberships.filter(status=Membership.Status.ACTIVE).exclude(
            pk=membership.pk
        )
        if (
            others.exists()
            and not others.filter(role=Membership.Role.FACILITATOR).exists()
        ):
            raise StateConflict(
                _(
                    "You are the group's only facilitator: make another member a "
                    "facilitator before you leave."
                )
            )
    was_active = membership.status == Membership.Status.ACTIVE
    membership.status = Membership.Status.LEFT
    membership.role = Membership.Role.MEMBER
    membership.left_at = timezone.now()
    membership.save(update_fields=["status", "role", "left_at"])
    _changed(by)
    if was_active:
        signals.membership_ended.send(sender=Membership, group=group, user=by)
    return membership


@transaction.atomic
def answer_join_request(
    membership: Membership, *, by: User, accept: bool
) -> Membership:
    """Accept or decline a request to join (the group's facilitators)."""
    group = membership.group
    permissions.require_facilitator(by, group)
    permissions.require_active(group)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status != Membership.Status.REQUESTED:
        raise StateConflict(_("This request has already been answered."))
    now = timezone.now()
    locked.status = Membership.Status.ACTIVE if accept else Membership.Status.LEFT
    locked.joined_at = now if accept else None
    locked.left_at = None if accept else now
    locked.save(update_fields=["status", "joined_at", "left_at"])
    _changed(locked.user)
    audit.record(
        "group.join_accepted" if accept else "group.join_declined",
        actor=by,
        target=group,
        member=locked.user_id,
    )
    notify(
        locked.user,
        kind="communities.join_answered",
        message=(
            _("Welcome: you are now a member of %(group)s.")
            if accept
            else _("Your request to join %(group)s was declined.")
        )
        % {"group": group.name},
        url=group.get_absolute_url(),
        actor=by,
    )
    return locked


@transaction.atomic
def invite_to_group(group: Group, *, by: User, user: User) -> Membership:
    """Invite a member of Kindred into the group (its facilitators).

    Inviting someone who asked to join accepts their request.
    """
    permissions.require_facilitator(by, group)
    group = _lock_group(group)
    permissions.require_active(group)
    if not user.is_active or user.suspended_at is not None:
        raise CommunityError(_("This person cannot be invited."), field="person")
    membership = _lock_membership(group, user)
    if membership is not None and membership.status == Membership.Status.ACTIVE:
        raise StateConflict(_("%(person)s is already a member.") % {"person": user})
    if membership is not None and membership.status == Membership.Status.INVITED:
        raise StateConflict(_("%(person)s is already invited.") % {"person": user})
    now = timezone.now()
    if membership is None:
        membership = Membership(group=group, user=user)
    accepted = membership.status == Membership.Status.REQUESTED and membership.pk
    membership.role = Membership.Role.MEMBER
    membership.status = (
        Membership.Status.ACTIVE if accepted else Membership.Status.INVITED
    )
    membership.invited_by = by
    membership.joined_at = now if accepted else None
    membership.left_at = None
    membership.save()
    _changed(user)
    audit.record("group.invited", actor=by, target=group, member=user.pk)
    notify(
        user,
        kind="communities.join_answered" if accepted else "communities.invited",
        message=(
            _("Welcome: you are now a member of %(group)s.")
            if accepted
            else _("%(person)s invites you to join %(group)s.")
        )
        % {"person": by, "group": group.name},
        url=group.get_absolute_url(),
        actor=by,
    )
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, by: User) -> Membership:
    """Remove a member (facilitators); they cannot rejoin unless invited again."""
    group = membership.group
    permissions.require_facilitator(by, group)
    if membership.user_id == by.pk:
        raise CommunityError(_("To leave the group yourself, use Leave."))
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status not in (
        Membership.Status.ACTIVE,
        Membership.Status.INVITED,
        Membership.Status.REQUESTED,
    ):
        raise StateConflict(_("This person is not a member."))
    was_active = locked.status == Membership.Status.ACTIVE
    locked.status = Membership.Status.REMOVED
    locked.role = Membership.Role.MEMBER
    locked.left_at = timezone.now()
    locked.save(update_fields=["status", "role", "left_at"])
    _changed(locked.user)
    if was_active:
        signals.membership_ended.send(sender=Membership, group=group, user=locked.user)
    audit.record("group.member_removed", actor=by, target=group, member=locked.user_id)
    return locked


@transaction.atomic
def set_role(membership: Membership, *, by: User, role: str) -> Membership:
    """Make an active member a facilitator, or a facilitator a member again."""
    group = membership.group
    permissions.require_facilitator(by, group)
    if role not in Membership.Role.values:
        raise CommunityError(_("Choose a role."), field="role")
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status != Membership.Status.ACTIVE:
        raise StateConflict(_("Only active members can be facilitators."))
    if (
        role == Membership.Role.MEMBER
        and locked.role == Membership.Role.FACILITATOR
        and not group.memberships.filter(
            status=Membership.Status.ACTIVE, role=Membership.Role.FACILITATOR
        )
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise StateConflict(_("A group needs at least one facilitator."))
    locked.role = role
    locked.save(update_fields=["role"])
    _changed(locked.user)
    audit.record(
        "group.role_changed", actor=by, target=group, member=locked.user_id, role=role
    )
    return locked


def _require_facilitator_or_steward(by: User, group: Group, refusal: str) -> None:
    """Facilitators act for their group; anyone else must be a steward with a
    second factor, as for every steward power."""
    if selectors.is_facilitator(by, group):
        return
    if not (by.is_authenticated and by.is_steward):
        raise NotAllowed(refusal)
    require_steward(by)


@transaction.atomic
def archive_group(group: Group, *, by: User) -> Group:
    """Make an active group read-only (its facilitators, or a steward)."""
    _require_facilitator_or_steward(
        by, group, _("Only the group's facilitators can archive it.")
    )
    locked = _lock_group(group)
    if locked.status != Group.Status.ACTIVE:
        raise StateConflict(_("Only an active group can be archived."))
    locked.status = Group.Status.ARCHIVED
    locked.archived_at = timezone.now()
    locked.save(update_fields=["status", "archived_at"])
    group.status, group.archived_at = locked.status, locked.archived_at
    audit.record("group.archived", actor=by, target=locked)
    return locked


@transaction.atomic
def reopen_group(group: Group, *, by: User) -> Group:
    """Make an archived group active again (its facilitators, or a steward)."""
    _require_facilitator_or_steward(
        by, group, _("Only the group's facilitators can reopen it.")
    )
    locked = _lock_group(group)
    if locked.status != Group.Status.ARCHIVED:
        raise StateConflict(_("Only an archived group can be reopened."))
    locked.status = Group.Status.ACTIVE
    locked.archived_at = None
    locked.save(update_fields=["status", "archived_at"])
    group.status, group.archived_at = locked.status, None
    audit.record("group.reopened", actor=by, target=locked)
    return locked


# --- discussions ------------------------------------------------------------------

_MENTION_START = re.compile(r"(?:^|(?<=[\s(]))@")


def mentioned_members(group: Group, text: str, *, besides: User) -> list[User]:
    """Active members named in `text` as "@" + their display name.

    Names are matched case-insensitively, the longest name first, and must end at
    a word boundary ("@Aisha Khan," names Aisha Khan).
    """
    starts = [m.end() for m in _MENTION_START.finditer(text or "")]
    if not starts:
        return []
    lowered = text.lower()
    people = sorted(
        (
            (m.user.profile.display_name.strip().lower(), m.user)
            for m in selectors.mentionable(group)[:5000]
            if m.user.profile.display_name.strip()
        ),
        key=lambda pair: -len(pair[0]),
    )
    found: dict[int, User] = {}
    for start in starts:
        for name, user in people:
            end = start + len(name)
            if lowered.startswith(name, start) and (
                end == len(lowered)
                or not (lowered[end].isalnum() or lowered[end] == "_")
            ):
                found.setdefault(user.pk, user)
                break
    found.pop(besides.pk, None)
    return list(found.values())


def _follow(thread: Thread, user: User, *, explicit: bool = False) -> None:
    """Follow `user` to `thread`: automatically unless they chose to stop, or
    explicitly (always)."""
    if explicit:
        ThreadFollow.objects.update_or_create(
            thread=thread, user=user, defaults={"following": True}
        )
    else:
        ThreadFollow.objects.get_or_create(thread=thread, user=user)


def _tell_mentioned(
    group: Group, thread: Thread, text: str, *, by: User, url: str
) -> set[int]:
    mentioned = mentioned_members(group, text, besides=by)
    if mentioned:
        notify_many(
            mentioned,
            kind="communities.mentioned",
            message=_("%(person)s mentioned you in “%(thread)s” (%(group)s).")
            % {"person": by, "thread": thread.title, "group": group.name},
            url=url,
            actor=by,
        )
    return {u.pk for u in mentioned}


@transaction.atomic
def start_thread(group: Group, *, by: User, title: str, body: str) -> Thread:
    """Start a discussion (active members of an active group); the author follows
    it and mentioned members are told."""
    permissions.require_member(by, group)
    title = _text(
        title, field="title", limit=200, missing=_("Give the thread a title.")
    )
    body = _markdown(body, field="body", limit=10000, missing=_("Write your message."))
    now = timezone.now()
    thread = Thread.objects.create(
        group=group,
        author=by,
        title=title,
        body=body,
        created_at=now,
        last_activity_at=now,
    )
    _follow(thread, by)
    _tell_mentioned(group, thread, body, by=by, url=thread.get_absolute_url())
    return thread


@transaction.atomic
def reply_to_thread(thread: Thread, *, by: User, body: str) -> Reply:
    """Reply in a thread (active members); followers and mentioned members are
    told, and the replier follows the thread."""
    group = thread.group
    permissions.require_member(by, group)
    body = _markdown(body, field="body", limit=10000, missing=_("Write your reply."))
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    if locked.hidden:
        raise StateConflict(_("This thread is hidden; it takes no replies."))
    now = timezone.now()
    reply = Reply.objects.create(thread=locked, author=by, body=body, created_at=now)
    Thread.objects.filter(pk=thread.pk).update(
        reply_count=F("reply_count") + 1, last_activity_at=now
    )
    thread.reply_count = locked.reply_count + 1
    thread.last_activity_at = now
    _follow(thread, by)
    url = f"{thread.get_absolute_url()}#reply-{reply.pk}"
    told = _tell_mentioned(group, thread, body, by=by, url=url)
    told.add(by.pk)
    recipients = [u for u in selectors.followers(thread) if u.pk not in told]
    if recipients:
        notify_many(
            recipients,
            kind="communities.reply",
            message=_("%(person)s replied in “%(thread)s”.")
            % {"person": by, "thread": thread.title},
            url=url,
            actor=by,
        )
    return reply


@transaction.atomic
def edit_thread(thread: Thread, *, by: User, title: str, body: str) -> Thread:
    """Change a thread's title and text (its author, while a member); marked edited.

    Mentions added by an edit do not notify anyone.
    """
    if not permissions.can_edit_post(by, thread, thread.group):
        permissions.require_active(thread.group)
        raise NotAllowed(_("Only the author can edit this."))
    title = _text(
        title, field="title", limit=200, missing=_("Give the thread a title.")
    )
    body = _markdown(body, field="body", limit=10000, missing=_("Write your message."))
    if (title, body) == (thread.title, thread.body):
        return thread
    thread.title, thread.body, thread.edited_at = title, body, timezone.now()
    thread.save(update_fields=["title", "body", "edited_at"])
    return thread


@transaction.atomic
def edit_reply(reply: Reply, *, by: User, body: str) -> Reply:
    """Change a reply's text (its author, while a member); marked edited."""
    if not permissions.can_edit_post(by, reply, reply.thread.group):
        permissions.require_active(reply.thread.group)
        raise NotAllowed(_("Only the author can edit this."))
    body = _markdown(body, field="body", limit=10000, missing=_("Write your reply."))
    if body == reply.body:
        return reply
    reply.body, reply.edited_at = body, timezone.now()
    reply.save(update_fields=["body", "edited_at"])
    return reply


@transaction.atomic
def mark_answer(thread: Thread, *, by: User, reply: Reply | None) -> Thread:
    """Mark `reply` as the thread's answer, or clear it with None (the thread's
    author or a facilitator)."""
    group = thread.group
    permissions.require_active(group)
    if not permissions.can_mark_answer(by, thread, group):
        raise NotAllowed(
            _("Only the person who asked or a facilitator can mark the answer.")
        )
    if reply is not None and (reply.thread_id != thread.pk or reply.hidden):
        raise CommunityError(_("Choose a visible reply in this thread."), field="reply")
    thread.answer = reply
    thread.save(update_fields=["answer"])
    audit.record(
        "thread.answer_marked",
        actor=by,
        target=thread,
        reply=reply.pk if reply else None,
    )
    return thread


@transaction.atomic
def pin_thread(thread: Thread, *, by: User, pinned: bool) -> Thread:
    """Pin a thread to the top of the list, or unpin it (facilitators)."""
    permissions.require_facilitator(by, thread.group)
    permissions.require_active(thread.group)
    if thread.pinned != pinned:
        thread.pinned = pinned
        thread.save(update_fields=["pinned"])
        audit.record(
            "thread.pinned" if pinned else "thread.unpinned", actor=by, target=thread
        )
    return thread


@transaction.atomic
def set_hidden(post: Thread | Reply, *, by: User, hidden: bool) -> Thread | Reply:
    """Hide a thread or reply from members, or restore it (facilitators)."""
    group = post.group if isinstance(post, Thread) else post.thread.group
    permissions.require_facilitator(by, group)
    return _set_hidden(post, by=by, hidden=hidden)


def hide_reported(post: Thread | Reply, by: User) -> None:
    """Hide a reported post: the moderation queue has checked `by` is a steward."""
    _set_hidden(post, by=by, hidden=True)


def restore_reported(post: Thread | Reply, by: User) -> None:
    _set_hidden(post, by=by, hidden=False)


def _set_hidden(post: Thread | Reply, *, by: User, hidden: bool) -> Thread | Reply:
    if post.hidden == hidden:
        return post
    post.hidden = hidden
    post.hidden_by = by if hidden else None
    post.save(update_fields=["hidden", "hidden_by"])
    if isinstance(post, Reply):
        Thread.objects.filter(pk=post.thread_id).update(
            reply_count=F("reply_count") + (-1 if hidden else 1)
        )
        if hidden:
            Thread.objects.filter(pk=post.thread_id, answer=post).update(answer=None)
    kind = "thread" if isinstance(post, Thread) else "reply"
    audit.record(
        f"{kind}.hidden" if hidden else f"{kind}.restored", actor=by, target=post
    )
    return post


@transaction.atomic
def follow_thread(thread: Thread, *, by: User) -> None:
    """Hear of new replies (anyone who may read the thread and is a member)."""
    if not selectors.is_member(by, thread.group):
        raise NotAllowed(_("Join the group to follow its threads."))
    _follow(thread, by, explicit=True)


@transaction.atomic
def unfollow_thread(thread: Thread, *, by: User) -> None:
    """Stop hearing of new replies; replying again does not follow again."""
    if not by.is_authenticated:
        raise NotAllowed(_("Sign in first."))
    ThreadFollow.objects.update_or_create(
        thread=thread, user=by, defaults={"following": False}
    )


# --- the resource library ---------------------------------------------------------


def _resource_fields(
    title: str, description: str, topics: Sequence[Topic]
) -> tuple[str, str, list[Topic]]:
    title = _text(title, field="title", limit=200, missing=_("Give it a title."))
    description = _markdown(
        description,
        field="description",
        limit=4000,
        missing="",
        optional=True,
    )
    return title, description, _topics(topics)


@transaction.atomic
def add_link(
    group: Group,
    *,
    by: User,
    title: str,
    url: str,
    description: str = "",
    topics: Sequence[Topic] = (),
) -> Resource:
    """Add a link to the group's library (active members)."""
    permissions.require_member(by, group)
    title, description, chosen = _resource_fields(title, description, topics)
    url = (url or "").strip()
    if (
        not re.match(r"https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE)
        or len(url) > 500
    ):
        raise CommunityError(
            _("Enter a web address starting with https:// or http://."), field="url"
        )
    resource = Resource.objects.create(
        group=group,
        kind=Resource.Kind.LINK,
        title=title,
        url=url,
        description=description,
        added_by=by,
    )
    resource.topics.set(chosen)
    return resource


@transaction.atomic
def upload_file(
    group: Group,
    *,
    by: User,
    title: str,
    upload: IO[bytes],
    name: str,
    size: int,
    description: str = "",
    topics: Sequence[Topic] = (),
) -> Resource:
    """Add a file to the group's library (active members).

    The file must be on the allow-list and its content must match its
    extension; it is stored in the private storage, never under MEDIA_ROOT.
    """
    permissions.require_member(by, group)
    title, description, chosen = _resource_fields(title, description, topics)
    original = (name or "").replace("\x00", "").strip()[-200:] or "file"
    file_type = check_upload(upload, name=original, size=size, field="file")
    storage = storages["private"]
    stored = storage.save(
        f"groups/{group.pk}/{timezone.now():%Y/%m}/resource.{file_type.extension}",
        File(upload),
    )
    try:
        resource = Resource.objects.create(
            group=group,
            kind=Resource.Kind.FILE,
            title=title,
            description=description,
            file_name=stored,
            original_name=original,
            content_type=file_type.content_type,
            size=size,
            added_by=by,
        )
        resource.topics.set(chosen)
    except Exception:
        storage.delete(stored)
        raise
    return resource


@transaction.atomic
def set_useful(resource: Resource, *, by: User, useful: bool) -> Resource:
    """Say a resource is useful, or take it back; once per person (members)."""
    permissions.require_member(by, resource.group)
    if useful:
        try:
            with transaction.atomic():
                UsefulVote.objects.create(resource=resource, user=by)
        except IntegrityError:
            return resource  # already counted
        Resource.objects.filter(pk=resource.pk).update(
            useful_count=F("useful_count") + 1
        )
    else:
        deleted, _d = UsefulVote.objects.filter(resource=resource, user=by).delete()
        if deleted:
            Resource.objects.filter(pk=resource.pk).update(
                useful_count=F("useful_count") - 1
            )
    resource.refresh_from_db(fields=["useful_count"])
    return resource


@transaction.atomic
def set_resource_hidden(resource: Resource, *, by: User, hidden: bool) -> Resource:
    """Hide a resource from members, or restore it (facilitators)."""
    permissions.require_facilitator(by, resource.group)
    if resource.hidden != hidden:
        resource.hidden = hidden
        resource.save(update_fields=["hidden"])
        audit.record(
            "resource.hidden" if hidden else "resource.restored",
            actor=by,
            target=resource,
        )
    return resource
