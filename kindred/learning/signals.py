"""Signals other apps listen to, so that learning never imports them."""

from django.dispatch import Signal

# Sent after a learner completes every required lesson of a course, inside the
# transaction that records it: sender=Course, enrolment=Enrolment, user=User.
course_completed = Signal()
