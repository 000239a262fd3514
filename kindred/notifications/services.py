"""Notify people; the one place every domain calls."""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core.errors import KindredError, NotAllowed
from kindred.notifications import kinds
from kindred.notifications.models import Delivery, Notification, Preference

UNSUBSCRIBE_SALT = "kindred.notifications.unsubscribe"


def notify(
    recipient: User,
    *,
    kind: str,
    message: str,
    url: str = "",
    actor: User | None = None,
) -> Notification:
    """Tell `recipient` that something happened, within the caller's transaction.

    Email follows only after the transaction commits (the row is the outbox).
    """
    return notify_many([recipient], kind=kind, message=message, url=url, actor=actor)[0]


def notify_many(
    recipients: Iterable[User],
    *,
    kind: str,
    message: str,
    url: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """Tell several people the same thing: one insert, and one delivery task."""
    kinds.get(kind)  # refuse unregistered kinds early
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=recipient,
                kind=kind,
                actor=actor if actor is not None and actor.pk else None,
                message=message[:300],
                url=url,
            )
            for recipient in recipients
        ]
    )
    ids = [n.pk for n in notifications]

    def enqueue() -> None:
        from kindred.notifications.tasks import deliver_notifications

        deliver_notifications.enqueue(ids)

    if ids:
        transaction.on_commit(enqueue)
    return notifications


def delivery_for(user: User, kind: str) -> str:
    chosen = (
        Preference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or kinds.get(kind).default_delivery


def mark_read(notification: Notification, *, by: User) -> Notification:
    if notification.recipient_id != by.pk:
        raise NotAllowed(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, by: User) -> int:
    """Mark every unread notification of `by` read; return how many."""
    return (
        Notification.objects.filter(recipient=by)
        .unread()
        .update(read_at=timezone.now())
    )


@transaction.atomic
def set_preferences(*, by: User, choices: dict[str, str]) -> None:
    """Store how `by` wants each kind of notification delivered."""
    for kind, delivery in choices.items():
        kinds.get(kind)
        if delivery not in Delivery.values:
            raise KindredError(_("Choose how to deliver %(kind)s.") % {"kind": kind})
        Preference.objects.update_or_create(
            user=by, kind=kind, defaults={"delivery": delivery}
        )


def unsubscribe_token(user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


DIGESTS = {"digest:daily": Delivery.DAILY, "digest:weekly": Delivery.WEEKLY}


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """Return the person and kind (or digest) a token names; raise if forged."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=data["u"])
        if data["k"] not in DIGESTS:
            kinds.get(data["k"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, LookupError, TypeError):
        raise KindredError(_("This unsubscribe link is not valid.")) from None
    return user, data["k"]


@transaction.atomic
def unsubscribe(token: str) -> tuple[User, str]:
    """Stop one kind of email (or one digest) for the person the token names.

    No login needed. Unsubscribing from a digest stops email for every kind that
    was going into it; each still appears in the notification centre.
    """
    user, key = read_unsubscribe_token(token)
    if key in DIGESTS:
        frequency = DIGESTS[key]
        for kind in kinds.all_kinds():
            if delivery_for(user, kind.key) == frequency:
                Preference.objects.update_or_create(
                    user=user, kind=kind.key, defaults={"delivery": Delivery.NONE}
                )
        return user, key
    Preference.objects.update_or_create(
        user=user, kind=key, defaults={"delivery": Delivery.NONE}
    )
    return user, key
