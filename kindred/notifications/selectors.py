"""Reads for the notification centre."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.notifications import kinds
from kindred.notifications.models import Notification, Preference


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user).unread().count()


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor__profile")


def group_by_day(
    notifications: list[Notification],
) -> OrderedDict[date, list[Notification]]:
    """Group notifications by the day they happened, in the current time zone."""
    days: OrderedDict[date, list[Notification]] = OrderedDict()
    for notification in notifications:
        day = timezone.localtime(notification.created_at).date()
        days.setdefault(day, []).append(notification)
    return days


def preferences_of(user: User) -> list[tuple[kinds.Kind, str]]:
    """Every registered kind with the delivery `user` has (or the default)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return [
        (kind, chosen.get(kind.key, kind.default_delivery))
        for kind in kinds.all_kinds()
    ]
