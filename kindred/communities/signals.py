"""Signals other apps listen to, so they can act on their own tables."""

from django.dispatch import Signal

#: Someone stopped being an active member of a group (left or was removed).
#: Sent inside the transaction with `group` and `user`; the events app gives up
#: their places at the private group's upcoming events.
membership_ended = Signal()
