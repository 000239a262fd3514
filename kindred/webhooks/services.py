"""Webhooks: register endpoints, emit events, and keep the destination safe."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.core import audit
from kindred.core.errors import KindredError
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import require_org_admin
from kindred.webhooks import events
from kindred.webhooks.models import Delivery, Endpoint

MAX_ENDPOINTS = 10


class WebhookError(KindredError):
    pass


def _loopback_allowed() -> bool:
    return bool(settings.DEBUG or settings.TESTING)


def check_destination(url: str) -> None:
    """Refuse addresses a webhook must not reach: not HTTPS, or inside our network.

    Plain http is allowed only to this machine's loopback, in development and tests.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise WebhookError(_("Give a full https:// address."), field="url")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise WebhookError(_("This host name cannot be found."), field="url") from None
    ips = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    loopback_only = all(ip.is_loopback for ip in ips)
    if parts.scheme == "http" and not (loopback_only and _loopback_allowed()):
        raise WebhookError(_("Webhooks are sent over HTTPS only."), field="url")
    if loopback_only and _loopback_allowed():
        return
    # Only globally routable unicast addresses: no private, loopback, link-local,
    # shared (100.64/10), reserved or multicast ranges.
    if any(not ip.is_global or ip.is_multicast for ip in ips):
        raise WebhookError(
            _("This address is inside a private network; webhooks go to public hosts."),
            field="url",
        )


def _check_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    if not chosen:
        raise WebhookError(_("Choose at least one event."), field="event_types")
    unknown = [e for e in chosen if not events.exists(e)]
    if unknown:
        raise WebhookError(
            _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)},
            field="event_types",
        )
    return chosen


@transaction.atomic
def create_endpoint(
    organisation: Organisation,
    *,
    by: User,
    url: str,
    event_types: Iterable[str],
    description: str = "",
) -> Endpoint:
    """Register an endpoint for `organisation` (admins)."""
    require_org_admin(by, organisation)
    if organisation.webhook_endpoints.count() >= MAX_ENDPOINTS:
        raise WebhookError(_("An organisation can have at most 10 webhooks."))
    chosen = _check_event_types(event_types)
    check_destination(url)
    endpoint = Endpoint.objects.create(
        organisation=organisation,
        url=url,
        event_types=chosen,
        description=description.strip(),
        created_by=by,
    )
    audit.record("webhook.created", actor=by, target=endpoint, url=url)
    return endpoint


@transaction.atomic
def delete_endpoint(endpoint: Endpoint, *, by: User) -> None:
    require_org_admin(by, endpoint.organisation)
    audit.record("webhook.deleted", actor=by, target=endpoint, url=endpoint.url)
    endpoint.delete()


@transaction.atomic
def reactivate_endpoint(endpoint: Endpoint, *, by: User) -> Endpoint:
    require_org_admin(by, endpoint.organisation)
    endpoint.is_active = True
    endpoint.failing_since = None
    endpoint.disabled_at = None
    endpoint.save(update_fields=["is_active", "failing_since", "disabled_at"])
    audit.record("webhook.reactivated", actor=by, target=endpoint)
    return endpoint


def _queue(endpoint: Endpoint, event_type: str, data: dict[str, Any]) -> Delivery:
    """Store one delivery and queue it for the worker once the transaction commits."""
    delivery = Delivery(endpoint=endpoint, event_type=event_type)
    delivery.payload = {
        "id": str(delivery.event_id),
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "organisation": {
            "id": endpoint.organisation_id,
            "slug": endpoint.organisation.slug,
        },
        "data": data,
    }
    delivery.save()

    def enqueue() -> None:
        from kindred.webhooks.tasks import deliver_webhook

        deliver_webhook.enqueue(delivery.pk)

    transaction.on_commit(enqueue)
    return delivery


def emit(
    organisation: Organisation, event_type: str, data: dict[str, Any]
) -> list[Delivery]:
    """Queue `event_type` with `data` for every active endpoint that subscribed.

    Called inside the action's transaction; nothing is sent if it rolls back, and
    the worker sends after commit, so a slow receiver never slows the request.
    """
    if not events.exists(event_type):
        raise LookupError(f"Unknown webhook event {event_type!r}; register it first.")
    return [
        _queue(endpoint, event_type, data)
        for endpoint in organisation.webhook_endpoints.filter(
            is_active=True
        ).select_related("organisation")
        if event_type in endpoint.event_types
    ]


@transaction.atomic
def send_test_event(endpoint: Endpoint, *, by: User) -> Delivery:
    """Send a harmless event so an admin can check their receiver (admins)."""
    require_org_admin(by, endpoint.organisation)
    if not endpoint.is_active:
        raise WebhookError(_("Switch the webhook on again before testing it."))
    return _queue(
        endpoint, "webhook.test", {"message": "Hello from Kindred", "sent_by": by.pk}
    )
