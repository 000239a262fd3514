"""Notifications: the outbox, email choices, digests, unsubscribing, the centre."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from kindred.notifications import services, tasks
from kindred.notifications.models import Delivery, Notification, Preference
from kindred.organisations.services import (
    decide_join_request,
    invite_member,
    request_to_join,
)


def test_notification_is_emailed_after_commit(
    owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            owner, kind="organisation.invited", message="Hello there", url="/x/"
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Hello there" in message.body
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert Notification.objects.get().emailed_at is not None


def test_rolled_back_action_notifies_no_one(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.notify(owner, kind="organisation.invited", message="Never")
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_delivery_runs_once_even_if_the_task_repeats(
    owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            owner, kind="organisation.invited", message="Once"
        )
    tasks.deliver_notifications.call([notification.pk])
    assert len(mail.outbox) == 1


def test_digest_collects_what_was_not_emailed(
    owner, django_capture_on_commit_callbacks
):
    services.set_preferences(
        by=owner, choices={"organisation.join_requested": Delivery.DAILY}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(owner, kind="organisation.join_requested", message="First ask")
        services.notify(owner, kind="organisation.join_requested", message="Second ask")
    assert mail.outbox == []  # not straight away
    assert tasks.send_digests.call("daily") == 1
    assert "First ask" in mail.outbox[0].body and "Second ask" in mail.outbox[0].body
    assert tasks.send_digests.call("daily") == 0  # nothing twice


def test_unsubscribe_link_works_without_login_and_for_one_kind_only(client, owner):
    token = services.unsubscribe_token(owner, "organisation.invited")
    url = reverse("notifications:unsubscribe", args=[token])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200  # one click, no session, no CSRF token
    assert (
        Preference.objects.get(user=owner, kind="organisation.invited").delivery
        == "none"
    )
    assert services.delivery_for(owner, "organisation.join_requested") == "immediate"


def test_forged_unsubscribe_token_is_refused(client, owner):
    response = client.post(reverse("notifications:unsubscribe", args=["forged:token"]))
    assert response.status_code == 400
    assert not Preference.objects.exists()


def test_people_cannot_mark_someone_elses_notification(client, owner, outsider):
    notification = services.notify(owner, kind="organisation.invited", message="Mine")
    client.force_login(outsider)
    response = client.post(reverse("notifications:read", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_notification_centre_lists_marks_and_counts(client, owner):
    services.notify(owner, kind="organisation.invited", message="First news")
    services.notify(owner, kind="organisation.invited", message="Second news")
    client.force_login(owner)
    page = client.get(reverse("notifications:list"))
    assert "First news" in page.content.decode()
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert "badge" in bell and ">2<" in bell
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.unread().count() == 0


def test_preferences_page_saves_and_rejects_nonsense(client, owner):
    client.force_login(owner)
    ok = client.post(
        reverse("notifications:preferences"), {"organisation.invited": "weekly"}
    )
    assert ok.status_code == 302
    assert services.delivery_for(owner, "organisation.invited") == "weekly"
    bad = client.post(
        reverse("notifications:preferences"), {"organisation.invited": "hourly"}
    )
    assert bad.status_code == 400
    assert services.delivery_for(owner, "organisation.invited") == "weekly"


def test_organisation_events_notify_the_right_people(owner, outsider, organisation):
    request = request_to_join(organisation, by=outsider, message="hi")
    assert Notification.objects.filter(
        recipient=owner, kind="organisation.join_requested"
    ).exists()
    decide_join_request(request, by=owner, approve=True)
    assert Notification.objects.filter(
        recipient=outsider, kind="organisation.join_decided"
    ).exists()


def test_inviting_an_existing_member_notifies_them_in_app(
    owner, outsider, organisation
):
    invite_member(organisation, by=owner, email=outsider.email)
    notification = Notification.objects.get(recipient=outsider)
    assert notification.kind == "organisation.invited"
    assert "/organisations/invitations/" in notification.url


def test_notifications_api(owner, outsider):
    from tests.test_api import api_for

    mine = services.notify(owner, kind="organisation.invited", message="API news")
    client = api_for(owner)
    listing = client.get("/api/v1/notifications").json()["results"]
    assert [n["message"] for n in listing] == ["API news"]
    assert (
        api_for(outsider).post(f"/api/v1/notifications/{mine.pk}/read").status_code
        == 404
    )
    assert client.post(f"/api/v1/notifications/{mine.pk}/read").json()["read_at"]
    assert client.post("/api/v1/notifications/read-all").json() == {"marked_read": 0}


@pytest.mark.parametrize("kind", ["organisation.nonsense"])
def test_unknown_kind_is_refused(owner, kind):
    with pytest.raises(LookupError):
        services.notify(owner, kind=kind, message="x")


def test_digest_has_one_click_unsubscribe_for_that_digest(
    client, owner, django_capture_on_commit_callbacks
):
    services.set_preferences(
        by=owner, choices={"organisation.join_requested": Delivery.DAILY}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(owner, kind="organisation.join_requested", message="An ask")
    tasks.send_digests.call("daily")
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    path = header.strip("<>").split("127.0.0.1:8000", 1)[-1]
    assert client.post(path).status_code == 200
    assert services.delivery_for(owner, "organisation.join_requested") == "none"
    assert services.delivery_for(owner, "organisation.invited") == "immediate"
