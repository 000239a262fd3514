"""Who may see and run events.

`get_event_for_user` hides whether an event exists (404): a private group's events
are for its members only, and anyone else gets the same answer as for an id that
was never used. `can_*` answer yes or no for pages; services raise NotAllowed.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core.errors import NotAllowed
from kindred.events import selectors
from kindred.events.models import Event, Registration


def get_event_for_user(user: User, pk: int) -> Event:
    """Return the event if `user` may see it; raise Http404 otherwise."""
    event = selectors.visible_event(user, pk)
    if event is None:
        raise Http404(_("No such event."))
    return event


def can_manage_event(user: User, event: Event) -> bool:
    return selectors.is_host(user, event)


def require_host(user: User, event: Event) -> None:
    if not selectors.is_host(user, event):
        raise NotAllowed(_("Only the event's hosts can do this."))


def can_see_room(
    user: User,
    event: Event,
    registration: Registration | None,
    *,
    now: datetime | None = None,
) -> bool:
    """The room link: hosts always; registered people from 15 minutes before the
    start until the end; nobody once the event is cancelled."""
    if not event.meeting_url or event.is_cancelled:
        return False
    if selectors.is_host(user, event):
        return True
    if registration is None or registration.status != Registration.Status.REGISTERED:
        return False
    now = now or timezone.now()
    return event.room_opens_at() <= now < event.ends_at
