"""Retention: moving the clock forward purges what has expired, keeps the rest."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kindred.notifications.models import Notification
from kindred.privacy import services


def test_old_notifications_go_fresh_ones_stay(owner, colleague):
    now = timezone.now()
    old = Notification.objects.create(recipient=owner, kind="x", message="old")
    Notification.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=400))
    fresh = Notification.objects.create(recipient=owner, kind="x", message="fresh")
    done = services.purge_expired(now=now)
    assert done["notifications"] == 1
    assert not Notification.objects.filter(pk=old.pk).exists()
    assert Notification.objects.filter(pk=fresh.pk).exists()


def test_moving_the_clock_forward_purges_more(owner, colleague):
    Notification.objects.create(recipient=owner, kind="x", message="today")
    later = timezone.now() + timedelta(days=366)
    assert services.purge_expired(now=later)["notifications"] == 1
    assert not Notification.objects.exists()


def test_retention_is_configurable(settings, owner, colleague):
    settings.KINDRED_RETENTION_DAYS = {"notifications": None, "dormant_accounts": None}
    Notification.objects.create(recipient=owner, kind="x", message="kept")
    services.purge_expired(now=timezone.now() + timedelta(days=5000))
    assert Notification.objects.count() == 1


def test_dormant_accounts_are_erased(owner, colleague, steward):
    later = timezone.now() + timedelta(days=3 * 365 + 1)
    colleague.last_login = timezone.now()
    colleague.save()
    settings_days = services.retention_days()["dormant_accounts"]
    assert settings_days == 3 * 365
    done = services.purge_expired(now=later)
    assert done["dormant_accounts"] >= 1
    colleague.refresh_from_db()
    steward.refresh_from_db()
    assert not colleague.is_active and colleague.email.endswith("@erased.invalid")
    assert steward.is_active  # stewards are never purged as dormant


def test_closed_referral_notes_cleared_after_retention(
    settings, owner, colleague, organisation
):
    settings.KINDRED_RETENTION_DAYS = {"dormant_accounts": None}
    from kindred.referrals.models import Referral

    referral = Referral.objects.create(
        entrepreneur=colleague,
        referrer=owner,
        referring_organisation=organisation,
        receiving_organisation=organisation,
        service_name="Wellbeing",
        status="completed",
        note="Private note",
        wellbeing_note="Tired",
        finished_at=timezone.now(),
    )
    open_one = Referral.objects.create(
        entrepreneur=colleague,
        referrer=owner,
        referring_organisation=organisation,
        receiving_organisation=organisation,
        service_name="Finance",
        status="sent",
        note="Still open",
    )
    services.purge_expired(now=timezone.now() + timedelta(days=6 * 365 + 1))
    referral.refresh_from_db()
    open_one.refresh_from_db()
    assert referral.note == "" and referral.wellbeing_note == ""
    assert open_one.note == "Still open"
    assert Referral.objects.count() == 2  # the referral still counts


def test_purge_task_runs(owner):
    from kindred.privacy.tasks import purge_expired

    Notification.objects.create(recipient=owner, kind="x", message="fresh")
    purge_expired.call()
    assert Notification.objects.count() == 1
