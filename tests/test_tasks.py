"""Background work: retries with backoff, the schedule, and the outbox sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from kindred.core.models import ScheduledRun
from kindred.core.tasks import SCHEDULE, Job, backoff_seconds, run_due_jobs
from kindred.notifications import services
from kindred.notifications.models import Notification

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff_seconds(20) == 3600


@pytest.mark.django_db
def test_failed_delivery_is_retried_later_then_gives_up(owner, settings, monkeypatch):
    """A failing email schedules the next attempt instead of failing at once."""
    from kindred.notifications import tasks

    settings.TASKS = DB_TASKS
    notification = services.notify(owner, kind="organisation.invited", message="Hi")

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    tasks.deliver_notifications.call([notification.pk])  # attempt 1: retry queued
    retry = DBTaskResult.objects.get(task_path__endswith="deliver_notifications")
    assert retry.args_kwargs["kwargs"] == {"_attempt": 2}
    assert retry.run_after > retry.enqueued_at + timedelta(seconds=25)
    with pytest.raises(ConnectionRefusedError):
        tasks.deliver_notifications.call([notification.pk], _attempt=8)  # the last one
    notification.refresh_from_db()
    assert notification.emailed_at is None  # nothing marked sent that was not


def test_each_period_runs_once_even_with_two_workers(db, settings):
    settings.TASKS = DB_TASKS
    job = Job("test sweep", "kindred.notifications.tasks.sweep_outbox", "hourly")
    now = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)
    assert run_due_jobs(now, [job]) == ["test sweep"]
    assert run_due_jobs(now + timedelta(minutes=20), [job]) == []  # same hour: no
    assert run_due_jobs(now + timedelta(hours=1), [job]) == ["test sweep"]
    assert ScheduledRun.objects.count() == 2
    assert DBTaskResult.objects.filter(task_path__endswith="sweep_outbox").count() == 2


def test_daily_and_weekly_jobs_wait_for_their_hour():
    daily = Job("d", "x.y", "daily", hour=7)
    weekly = Job("w", "x.y", "weekly", hour=7, weekday=0)
    monday_early = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert daily.period(monday_early) is None
    assert weekly.period(monday_early) is None
    assert daily.period(monday_early.replace(hour=8)) == "2026-11-23"
    assert weekly.period(monday_early.replace(hour=8)) == "2026-W48"
    assert weekly.period(datetime(2026, 11, 26, 1, 0, tzinfo=UTC)) == "2026-W48"


def test_every_job_in_the_schedule_names_a_real_task():
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    for job in SCHEDULE:
        assert isinstance(import_string(job.task_path), Task), job.name
        job.period(datetime(2026, 11, 26, 12, tzinfo=UTC))


@pytest.mark.django_db
def test_outbox_sweep_delivers_what_a_crash_left_behind(owner):
    from kindred.notifications.tasks import sweep_outbox

    lost = Notification.objects.create(
        recipient=owner,
        kind="organisation.invited",
        message="Lost in a crash",
    )
    Notification.objects.filter(pk=lost.pk).update(
        created_at=lost.created_at - timedelta(minutes=15)
    )
    assert sweep_outbox.call() == 1
    assert "Lost in a crash" in mail.outbox[0].body
    assert sweep_outbox.call() == 0


@pytest.mark.django_db
def test_steward_sees_and_retries_a_failed_task(client, steward, outsider, settings):
    from django.urls import reverse
    from django.utils import timezone

    settings.TASKS = DB_TASKS
    failed = DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": [], "kwargs": {"_attempt": 8}},
        priority=0,
        task_path="kindred.notifications.tasks.sweep_outbox",
        queue_name="default",
        backend_name="default",
        enqueued_at=timezone.now(),
        finished_at=timezone.now(),
        exception_class_path="builtins.ConnectionRefusedError",
        traceback="Traceback: the mail server is down",
    )
    client.force_login(outsider)
    assert client.get(reverse("steward:tasks")).status_code == 403
    assert (
        client.post(reverse("steward:task_retry", args=[failed.pk])).status_code == 403
    )
    assert DBTaskResult.objects.filter(pk=failed.pk).exists()
    client.force_login(steward)
    page = client.get(reverse("steward:tasks")).content.decode()
    assert "ConnectionRefusedError" in page and "notification outbox sweep" in page
    client.post(reverse("steward:task_retry", args=[failed.pk]))
    assert not DBTaskResult.objects.filter(pk=failed.pk).exists()
    again = DBTaskResult.objects.get(task_path__endswith="sweep_outbox")
    assert again.status == "READY" and again.args_kwargs["kwargs"] == {}


@pytest.mark.django_db(transaction=True)
def test_sign_up_succeeds_while_the_mail_server_is_down(
    django_db_serialized_rollback, client, settings, monkeypatch
):
    """The verification email waits in the queue; the person is not shown an error."""
    settings.TASKS = DB_TASKS

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    response = client.post(
        "/account/signup/",
        {
            "email": "new@example.com",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    assert response.status_code == 302
    queued = DBTaskResult.objects.get(task_path__endswith="send_email")
    assert queued.args_kwargs["args"][0]["to"] == ["new@example.com"]
    assert "confirm" in queued.args_kwargs["args"][0]["body"].lower()


def test_worker_rides_out_a_database_outage(db, monkeypatch):
    """A db_worker that fails because the database went away starts again after a
    growing wait, instead of the worker process exiting (fault injected)."""
    from django.db import InterfaceError, OperationalError

    from kindred.core.management.commands import worker

    runs: list[str] = []
    waits: list[float] = []

    def db_worker(name, **options):
        runs.append(name)
        if len(runs) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        if len(runs) == 2:
            raise InterfaceError("connection already closed")

    monkeypatch.setattr(worker, "call_command", db_worker)
    monkeypatch.setattr(worker.time, "sleep", waits.append)
    worker.Command().run_db_worker(1.0)
    assert runs == ["db_worker"] * 3
    assert waits == [1, 2]


def test_worker_does_not_hide_other_errors(monkeypatch):
    from kindred.core.management.commands import worker

    def db_worker(name, **options):
        raise RuntimeError("a bug")

    monkeypatch.setattr(worker, "call_command", db_worker)
    with pytest.raises(RuntimeError):
        worker.Command().run_db_worker(1.0)
