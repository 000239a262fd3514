"""Deliver webhook events from the worker: signed, with retries, never twice."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core.tasks import retrying_task
from kindred.notifications.services import notify_many
from kindred.organisations.models import Role
from kindred.webhooks.models import Delivery, Endpoint
from kindred.webhooks.services import WebhookError, check_destination
from kindred.webhooks.signing import signature

GIVE_UP_AFTER = timedelta(days=1)


class DeliveryFailed(Exception):
    """The receiver did not accept the event; the task retries it later."""


def _post(endpoint: Endpoint, delivery: Delivery) -> int:
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - https, or loopback in tests only
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Kindred-Webhooks/1",
            "Kindred-Event": delivery.event_type,
            "Kindred-Delivery": str(delivery.event_id),
            "Kindred-Timestamp": str(timestamp),
            "Kindred-Signature": signature(endpoint.secret, timestamp, body),
        },
    )
    timeout = getattr(settings, "KINDRED_WEBHOOK_TIMEOUT", 10)
    with _OPENER.open(request, timeout=timeout) as response:
        return int(response.status)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead the request to a host that was never checked."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 3xx answer then counts as a failed delivery


_OPENER = urllib.request.build_opener(_RefuseRedirects)


@retrying_task(max_attempts=40, base_delay=60, max_delay=3600)
def deliver_webhook(delivery_id: int) -> None:
    """Send one delivery; retry on failure; switch the endpoint off after a day.

    A delivery that already succeeded or was given up is never sent again.
    """
    delivery = (
        Delivery.objects.select_related("endpoint__organisation")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        _give_up(delivery, _("The webhook is switched off."))
        return
    now = timezone.now()
    status_code = None
    try:
        check_destination(endpoint.url)
        status_code = _post(endpoint, delivery)
        error = "" if 200 <= status_code < 300 else f"HTTP {status_code}"
    except urllib.error.HTTPError as failure:
        status_code, error = failure.code, f"HTTP {failure.code}"
    except (OSError, WebhookError, ValueError) as failure:
        error = str(failure)[:300] or failure.__class__.__name__
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        last_attempt_at=now,
        last_status_code=status_code,
        last_error=error,
    )
    if not error:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SUCCEEDED, delivered_at=now
        )
        Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return
    failing_since = endpoint.failing_since or now
    if endpoint.failing_since is None:
        Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=now)
    if now - failing_since >= GIVE_UP_AFTER:
        _disable(endpoint, reason=error)
        _give_up(delivery, error)
        return
    raise DeliveryFailed(error)  # retried with backoff by retrying_task


def _give_up(delivery: Delivery, reason: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, last_error=reason[:300]
    )


@transaction.atomic
def _disable(endpoint: Endpoint, *, reason: str) -> None:
    updated = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=timezone.now()
    )
    if not updated:
        return  # another delivery switched it off already
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, last_error=_("The webhook was switched off.")
    )
    organisation = endpoint.organisation
    notify_many(
        User.objects.filter(
            memberships__organisation=organisation, memberships__role=Role.ADMIN
        ),
        kind="webhook.disabled",
        message=_(
            "The webhook to %(url)s of %(org)s failed for a day (%(reason)s) "
            "and is switched off."
        )
        % {"url": endpoint.url, "org": organisation, "reason": reason},
        url=f"/organisations/{organisation.slug}/webhooks/",
    )
