"""Webhooks: signed deliveries to a real HTTP receiver, retries, switching off."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from kindred.core.errors import NotAllowed
from kindred.notifications.models import Notification
from kindred.organisations.services import decide_join_request, request_to_join
from kindred.webhooks import services
from kindred.webhooks.models import Delivery, Endpoint
from kindred.webhooks.signing import verify


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it receives."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status = status
        self.delay = delay
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def deliver_test_event_once(
    receiver: Receiver, owner, organisation, settings
) -> Delivery:
    """Register `receiver`, make one attempt at a test event, return the delivery."""
    from kindred.webhooks.tasks import deliver_webhook

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    try:
        endpoint = services.create_endpoint(
            organisation, by=owner, url=receiver.url, event_types=["webhook.test"]
        )
        delivery = services.send_test_event(endpoint, by=owner)
        deliver_webhook.call(delivery.pk)
    finally:
        receiver.close()
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(owner, organisation, receiver):
    return services.create_endpoint(
        organisation,
        by=owner,
        url=receiver.url,
        event_types=["organisation.member_joined", "webhook.test"],
    )


def test_member_joining_is_delivered_signed(
    endpoint,
    owner,
    outsider,
    organisation,
    receiver,
    django_capture_on_commit_callbacks,
):
    join_request = request_to_join(organisation, by=outsider)
    with django_capture_on_commit_callbacks(execute=True):
        decide_join_request(join_request, by=owner, approve=True)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    payload = json.loads(got["body"])
    assert payload["type"] == "organisation.member_joined"
    assert payload["data"]["display_name"] == "Oscar Outsider"
    assert verify(
        endpoint.secret,
        timestamp=got["headers"]["Kindred-Timestamp"],
        body=got["body"],
        header=got["headers"]["Kindred-Signature"],
    )
    assert not verify(
        "whsec_wrong",
        timestamp=got["headers"]["Kindred-Timestamp"],
        body=got["body"],
        header=got["headers"]["Kindred-Signature"],
    )
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 1


def test_unsubscribed_events_are_not_sent(
    endpoint, outsider, organisation, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_to_join(organisation, by=outsider)  # join_requested: not subscribed
    assert receiver.received == []
    assert not Delivery.objects.exists()


def test_failing_receiver_is_retried_without_losing_the_event(
    owner, organisation, settings
):
    delivery = deliver_test_event_once(
        Receiver(status=500), owner, organisation, settings
    )
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    from django_tasks_db.models import DBTaskResult

    retry = DBTaskResult.objects.get(task_path__endswith="deliver_webhook")
    assert retry.args_kwargs["kwargs"] == {"_attempt": 2} and retry.run_after


def test_hanging_receiver_times_out(owner, organisation, settings):
    settings.KINDRED_WEBHOOK_TIMEOUT = 1
    delivery = deliver_test_event_once(Receiver(delay=3), owner, organisation, settings)
    assert (
        delivery.status == Delivery.Status.PENDING
        and "timed out" in delivery.last_error
    )


def test_endpoint_failing_for_a_day_is_switched_off_and_admins_told(
    owner, organisation, settings
):
    closed = Receiver()
    url = closed.url
    closed.close()  # nothing listens there any more: connection refused
    endpoint = services.create_endpoint(
        organisation, by=owner, url=url, event_types=["webhook.test"]
    )
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=1, minutes=1)
    )
    delivery = services.send_test_event(endpoint, by=owner)
    from kindred.webhooks.tasks import deliver_webhook

    deliver_webhook.call(delivery.pk)
    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at
    assert delivery.status == Delivery.Status.FAILED
    assert Notification.objects.filter(
        recipient=owner, kind="webhook.disabled"
    ).exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/x",
        "ftp://x",
    ],
)
def test_unsafe_destinations_are_refused(owner, organisation, url, settings):
    settings.DEBUG = False
    with pytest.raises(services.WebhookError):
        services.create_endpoint(
            organisation, by=owner, url=url, event_types=["webhook.test"]
        )
    assert not Endpoint.objects.exists()


def test_only_admins_manage_webhooks(colleague, outsider, organisation, receiver):
    for person in (colleague, outsider):
        with pytest.raises(NotAllowed):
            services.create_endpoint(
                organisation, by=person, url=receiver.url, event_types=["webhook.test"]
            )
    assert not Endpoint.objects.exists()


def test_webhook_page_adds_tests_and_shows_the_log(
    client, owner, colleague, organisation, receiver, django_capture_on_commit_callbacks
):
    url = reverse("webhooks:list", args=[organisation.slug])
    client.force_login(colleague)
    assert client.get(url).status_code == 403
    client.force_login(owner)
    bad = client.post(url, {"url": "not a url", "event_types": ["webhook.test"]})
    assert bad.status_code == 400 and not Endpoint.objects.exists()
    client.post(url, {"url": receiver.url, "event_types": ["webhook.test"]})
    endpoint = Endpoint.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("webhooks:action", args=[organisation.slug, endpoint.pk, "test"])
        )
    assert json.loads(receiver.received[0]["body"])["type"] == "webhook.test"
    page = client.get(url).content.decode()
    assert "Delivered" in page and endpoint.secret in page


def test_webhooks_api(owner, outsider, organisation, receiver):
    from tests.test_api import api_for

    base = f"/api/v1/organisations/{organisation.slug}/webhooks"
    assert api_for(outsider).get(base).status_code == 403
    client = api_for(owner)
    created = client.post(
        base, {"url": receiver.url, "event_types": ["webhook.test"]}, format="json"
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    pk = created.json()["id"]
    assert client.post(f"{base}/{pk}/test").status_code == 202
    assert (
        client.get(f"{base}/{pk}/deliveries").json()["results"][0]["event_type"]
        == "webhook.test"
    )
    assert client.delete(f"{base}/{pk}").status_code == 204


def test_redirects_are_not_followed(owner, organisation, settings):
    """A receiver cannot bounce the delivery to a host nobody checked."""
    delivery = deliver_test_event_once(
        Receiver(status=302), owner, organisation, settings
    )
    assert (
        delivery.status == Delivery.Status.PENDING and delivery.last_status_code == 302
    )


def test_shared_address_space_is_refused(owner, organisation, settings):
    settings.DEBUG = False
    with pytest.raises(services.WebhookError):
        services.create_endpoint(
            organisation,
            by=owner,
            url="https://100.64.1.1/hook",
            event_types=["webhook.test"],
        )
