"""Background delivery of notification emails: one at a time, or as digests."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from kindred.core.email import build_email
from kindred.core.tasks import retrying_task
from kindred.notifications import kinds
from kindred.notifications.models import Delivery, Notification
from kindred.notifications.services import delivery_for, unsubscribe_token


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 8058: mail clients may POST to this URL to unsubscribe in one click.
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@retrying_task(max_attempts=8)
def deliver_notifications(notification_ids: list[int]) -> None:
    """Email each notification whose recipient wants it straight away.

    Running twice sends once: `emailed_at` is checked under a row lock, and a
    retry after a partial failure skips what already went out.
    """
    for notification_id in notification_ids:
        _deliver(notification_id)


def _deliver(notification_id: int) -> None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return
        recipient = notification.recipient
        if not recipient.is_active:
            return
        if delivery_for(recipient, notification.kind) != Delivery.IMMEDIATE:
            return
        path = reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(recipient, notification.kind)],
        )
        unsubscribe_url = settings.KINDRED_BASE_URL + path
        build_email(
            to=recipient.email,
            subject=notification.message[:120],
            template="notifications/email/notification",
            context={
                "notification": notification,
                "kind": kinds.get(notification.kind),
                "link": settings.KINDRED_BASE_URL + notification.url
                if notification.url.startswith("/")
                else notification.url,
                "unsubscribe_url": unsubscribe_url,
            },
            headers=_unsubscribe_headers(unsubscribe_url),
        ).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])


@task()
def send_digests(frequency: str) -> int:
    """Email each person one digest of what they chose to receive `frequency`.

    Only notifications not yet read, emailed or digested are included; each is
    marked so that a second run sends nothing new. Return the emails sent.
    """
    if frequency not in (Delivery.DAILY, Delivery.WEEKLY):
        raise ValueError(f"Unknown digest frequency {frequency!r}")
    since = timezone.now() - timedelta(days=1 if frequency == Delivery.DAILY else 7)
    pending = (
        Notification.objects.filter(
            read_at__isnull=True,
            emailed_at__isnull=True,
            digested_at__isnull=True,
            created_at__gte=since - timedelta(days=1),
            recipient__is_active=True,
        )
        .select_related("recipient")
        .order_by("recipient_id", "created_at")
    )
    by_person: dict[int, list[Notification]] = {}
    for notification in pending:
        if delivery_for(notification.recipient, notification.kind) == frequency:
            by_person.setdefault(notification.recipient_id, []).append(notification)
    sent = 0
    for items in by_person.values():
        recipient = items[0].recipient
        with transaction.atomic():
            ids = [n.pk for n in items]
            claimed = Notification.objects.filter(
                pk__in=ids, digested_at__isnull=True
            ).update(digested_at=timezone.now())
            if claimed == 0:
                continue  # another worker sent this digest
            unsubscribe_url = settings.KINDRED_BASE_URL + reverse(
                "notifications:unsubscribe",
                args=[unsubscribe_token(recipient, f"digest:{frequency}")],
            )
            build_email(
                to=recipient.email,
                headers=_unsubscribe_headers(unsubscribe_url),
                subject=_("Your %(frequency)s digest: %(count)d new")
                % {"frequency": Delivery(frequency).label, "count": len(items)},
                template="notifications/email/digest",
                context={
                    "notifications": items,
                    "base_url": settings.KINDRED_BASE_URL,
                    "settings_url": settings.KINDRED_BASE_URL
                    + reverse("notifications:preferences"),
                    "unsubscribe_url": unsubscribe_url,
                },
            ).send()
            sent += 1
    return sent


@task()
def sweep_outbox() -> int:
    """Queue delivery again for emails that should have gone out but did not.

    Covers a process that died between committing a notification and queueing
    its delivery. Delivery is idempotent, so a duplicate costs nothing.
    """
    now = timezone.now()
    stale = Notification.objects.filter(
        emailed_at__isnull=True,
        digested_at__isnull=True,
        read_at__isnull=True,
        recipient__is_active=True,
        # Queued deliveries are rows too; only a crash between commit and queueing
        # loses one, and that shows within minutes.
        created_at__lt=now - timedelta(minutes=10),
        created_at__gt=now - timedelta(hours=1),
    ).select_related("recipient")
    ids = [
        notification.pk
        for notification in stale.iterator()
        if delivery_for(notification.recipient, notification.kind) == Delivery.IMMEDIATE
    ]
    if ids:
        deliver_notifications.enqueue(ids)
    return len(ids)
