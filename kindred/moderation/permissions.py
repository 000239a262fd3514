"""Who may report what, and who may moderate.

`get_reportable_for_user` hides whether content exists (404): content a person
cannot see answers exactly like content that does not exist.
"""

from __future__ import annotations

from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.moderation import registry

MAX_ID = 2**63 - 1


def parse_key(key: str) -> registry.Moderated:
    """The registration for "app_label.modelname"; 404 when unknown."""
    if not isinstance(key, str) or len(key) > 100 or "\x00" in key:
        raise Http404(_("No such content."))
    try:
        return registry.get(key)
    except LookupError:
        raise Http404(_("No such content.")) from None


def get_content(key: str, pk: int) -> tuple[registry.Moderated, models.Model]:
    """The registration and object named by `key` and `pk`, seen or not; 404."""
    entry = parse_key(key)
    if not (0 < pk <= MAX_ID):
        raise Http404(_("No such content."))
    obj = entry.get_object(pk)
    if obj is None:
        raise Http404(_("No such content."))
    return entry, obj


def get_reportable_for_user(
    user: User, key: str, pk: int
) -> tuple[registry.Moderated, models.Model]:
    """The content if `user` may see it (and so report it); 404 otherwise."""
    entry, obj = get_content(key, pk)
    if not user.is_authenticated or not entry.can_see(user, obj):
        raise Http404(_("No such content."))
    return entry, obj


def can_moderate(user: User) -> bool:
    return bool(is_steward(user))
