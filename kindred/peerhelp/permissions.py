"""Who may see and change asks, responses and offers.

`get_<thing>_for_user` hides whether an object exists (404): an ask in a private
group answers a non-member exactly like an ask that does not exist. Services call
`require_*`, which raise NotAllowed.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core.errors import NotAllowed
from kindred.peerhelp import selectors
from kindred.peerhelp.models import Ask, Offer, Response

MAX_ID = selectors.MAX_ID


def get_ask_for_user(user: User, pk: int) -> Ask:
    """The ask if `user` may see it; 404 otherwise."""
    ask = selectors.ask_for(user, pk)
    if ask is None:
        raise Http404(_("No such ask."))
    return ask


def get_response_for_user(user: User, ask: Ask, pk: int) -> Response:
    """A shown response of a visible ask; 404 otherwise."""
    response = selectors.response_in(ask, pk)
    if response is None:
        raise Http404(_("No such response."))
    response.ask = ask
    return response


def get_own_offer_for_user(user: User, pk: int) -> Offer:
    """The offer if `user` made it (to edit it); 404 otherwise."""
    if not (0 < pk <= MAX_ID) or not getattr(user, "is_authenticated", False):
        raise Http404(_("No such offer."))
    offer = Offer.objects.filter(pk=pk, helper=user).prefetch_related("topics").first()
    if offer is None:
        raise Http404(_("No such offer."))
    return offer


def can_see_ask(user: User, ask: Ask) -> bool:
    return selectors.can_see_ask(user, ask)


def can_see_response(user: User, response: Response) -> bool:
    """May `user` see the response: its ask is visible and it is shown (or theirs)."""
    if response.hidden and response.author_id != getattr(user, "pk", None):
        return False
    return selectors.can_see_ask(user, response.ask)


def can_edit_ask(user: User, ask: Ask) -> bool:
    return getattr(user, "pk", None) == ask.author_id


def can_mark_helpful(user: User, ask: Ask) -> bool:
    return getattr(user, "pk", None) == ask.author_id


def can_see_call_room(user: User, response: Response) -> bool:
    """The room link of an offered call is for the asker and the helper only."""
    return getattr(user, "pk", None) in (response.author_id, response.ask.author_id)


def require_author(user: User, ask: Ask) -> None:
    if not can_edit_ask(user, ask):
        raise NotAllowed(_("Only the person who asked can change this ask."))


def require_visible(user: User, ask: Ask) -> None:
    if not selectors.can_see_ask(user, ask):
        raise NotAllowed(_("You cannot see this ask."))
