"""Signals other apps listen to, so that referrals never imports them."""

from django.dispatch import Signal

# Sent when a referral moves to a new status, inside the transaction that moves it:
# sender=Referral, referral=Referral, before=str, to=str, by=User. The programmes
# app turns an accepted referral to a programme's service into a cohort place.
referral_moved = Signal()
