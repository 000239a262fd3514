"""Who may see and change partnerships, calls and stories.

`get_<thing>_for_user` hides whether an object exists (404); `can_*` answer
yes or no for pages; services call `require_*`, which raise NotAllowed.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.collaboration import selectors
from kindred.collaboration.models import (
    CallForCollaboration,
    Partnership,
    SuccessStory,
)
from kindred.core.errors import NotAllowed
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import is_admin_of, require_org_admin, role_in


def get_partnership_for_user(user: User, pk: int) -> Partnership:
    partnership = selectors.visible_partnership(user, pk)
    if partnership is None:
        raise Http404(_("No such partnership."))
    return partnership


def get_call_for_user(user: User, pk: int) -> CallForCollaboration:
    call = selectors.visible_call(user, pk)
    if call is None:
        raise Http404(_("No such call for collaboration."))
    return call


def get_story_for_user(user: User, pk: int) -> SuccessStory:
    story = selectors.visible_story(user, pk)
    if story is None:
        raise Http404(_("No such story."))
    return story


def _admin_or_steward(user: User, organisation: Organisation) -> bool:
    return bool(
        user.is_authenticated and (is_steward(user) or is_admin_of(user, organisation))
    )


# --- partnerships -----------------------------------------------------------------


def can_answer_partnership(user: User, partnership: Partnership) -> bool:
    return partnership.status == Partnership.Status.PROPOSED and _admin_or_steward(
        user, partnership.partner
    )


def can_end_partnership(user: User, partnership: Partnership) -> bool:
    if partnership.status == Partnership.Status.ACTIVE:
        return _admin_or_steward(user, partnership.proposer) or _admin_or_steward(
            user, partnership.partner
        )
    if partnership.status == Partnership.Status.PROPOSED:
        return _admin_or_steward(user, partnership.proposer)
    return False


def require_partnership_side(user: User, partnership: Partnership) -> Organisation:
    """Return the side `user` acts for; raise NotAllowed if neither.

    A steward who runs neither side acts for the proposer.
    """
    for side in (partnership.proposer, partnership.partner):
        if user.is_authenticated and is_admin_of(user, side):
            require_org_admin(user, side)
            return side
    require_org_admin(user, partnership.proposer)  # stewards pass, others refused
    return partnership.proposer


# --- calls ------------------------------------------------------------------------


def can_decide_call(user: User, call: CallForCollaboration) -> bool:
    return call.status == CallForCollaboration.Status.OPEN and _admin_or_steward(
        user, call.organisation
    )


def require_acting_member(user: User, organisation: Organisation) -> None:
    """Raise NotAllowed unless `user` is an admin or practitioner of `organisation`."""
    if role_in(user, organisation) not in selectors.ACTING_ROLES:
        raise NotAllowed(
            _("Only admins and practitioners of %(org)s can do this.")
            % {"org": organisation}
        )


# --- stories ----------------------------------------------------------------------


def is_story_author(user: User, story: SuccessStory) -> bool:
    """The person who wrote it and the admins of their organisation; for a story
    drafted from a referral, the admins of the organisations it credits."""
    if not user.is_authenticated:
        return False
    if story.created_by_id == user.pk:
        return True
    admin_of = selectors.admin_organisation_ids(user)
    if story.author_organisation_id is not None:
        return story.author_organisation_id in admin_of
    if story.source == SuccessStory.Source.REFERRAL:
        credited = {credit.organisation_id for credit in story.credits.all()}
        return bool(credited & admin_of)
    return False


def can_approve_story(user: User, story: SuccessStory) -> bool:
    """Publishing (and declining) is the entrepreneur's choice when one is named;
    otherwise the author's organisation's admins decide."""
    if not user.is_authenticated:
        return False
    if story.entrepreneur_id is not None:
        return story.entrepreneur_id == user.pk
    organisation = story.author_organisation
    return organisation is not None and _admin_or_steward(user, organisation)


def require_story_approver(user: User, story: SuccessStory) -> None:
    if story.entrepreneur_id is not None:
        if story.entrepreneur_id != user.pk:
            raise NotAllowed(
                _("Only the entrepreneur the story is about can approve or decline it.")
            )
        return
    if story.author_organisation is None:
        raise NotAllowed(_("Nobody can publish this story."))
    require_org_admin(user, story.author_organisation)


def can_edit_story(user: User, story: SuccessStory) -> bool:
    return story.status in (
        SuccessStory.Status.DRAFT,
        SuccessStory.Status.WITHDRAWN,
    ) and (story.entrepreneur_id == user.pk or is_story_author(user, story))


def can_withdraw_story(user: User, story: SuccessStory) -> bool:
    return story.status == SuccessStory.Status.PUBLISHED and (
        (user.is_authenticated and story.entrepreneur_id == user.pk)
        or is_story_author(user, story)
        or is_steward(user)
    )
