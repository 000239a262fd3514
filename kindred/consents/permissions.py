"""Access helpers: a person's consents are theirs alone."""

from __future__ import annotations

from django.http import Http404

from kindred.accounts.models import User
from kindred.consents import selectors
from kindred.consents.models import ConsentRecord


def get_consent_for_user(user: User, pk: int) -> ConsentRecord:
    """Return the consent `user` gave; raise Http404 for anyone else's."""
    record = selectors.consents_given(user).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record
