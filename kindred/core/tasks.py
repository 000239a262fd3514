"""Background work: retries with capped exponential backoff, and recurring jobs.

Every recurring job is listed in SCHEDULE, the one place that says what runs when.
The worker ticks `run_due_jobs` every half minute; a row per (job, period) in
ScheduledRun makes sure that two workers never start the same run twice.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.exceptions import InvalidTaskError

logger = logging.getLogger("kindred.tasks")


def backoff_seconds(attempt: int, *, base: int = 30, cap: int = 3600) -> int:
    """Seconds to wait before attempt `attempt` + 1: 30 s, 1 min, 2 min ... 1 h."""
    return int(min(cap, base * 2 ** (attempt - 1)))


def retrying_task(
    *, max_attempts: int = 6, base_delay: int = 30, max_delay: int = 3600
) -> Callable[[Callable[..., Any]], Any]:
    """Make a background task that retries failures with capped exponential backoff.

    A failed attempt schedules the next one and ends quietly; the last attempt's
    failure is raised, so the task lands in the failed state a steward can retry.
    The task must be idempotent: it may run again after being killed halfway.
    """

    def decorate(func: Callable[..., Any]) -> Any:
        @functools.wraps(func)
        def attempt(*args: Any, _attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception:
                if _attempt >= max_attempts:
                    raise
                delay = backoff_seconds(_attempt, base=base_delay, cap=max_delay)
                run_after = timezone.now() + timedelta(seconds=delay)
                try:
                    the_task.using(run_after=run_after).enqueue(
                        *args, _attempt=_attempt + 1, **kwargs
                    )
                except InvalidTaskError:
                    raise  # a backend without deferral (tests): fail now
                logger.warning(
                    "%s failed (attempt %d of %d); retrying in %d s",
                    func.__name__,
                    _attempt,
                    max_attempts,
                    delay,
                    exc_info=True,
                )
                return None

        the_task = task()(attempt)
        return the_task

    return decorate


@retrying_task(max_attempts=10)
def send_email(message: dict[str, Any]) -> None:
    """Send one email built by kindred.core.email.send_in_background."""
    from django.core.mail import EmailMultiAlternatives

    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        to=message["to"],
        headers=message.get("headers") or {},
    )
    for content, mimetype in message.get("alternatives") or []:
        email.attach_alternative(content, mimetype)
    email.send()


@dataclass(frozen=True)
class Job:
    """A recurring job: which task, how often, and (for daily/weekly) when, in UTC."""

    name: str
    task_path: str
    cadence: str  # "every:<minutes>", "hourly", "daily" or "weekly"
    hour: int = 0
    weekday: int = 0  # Monday is 0
    args: tuple[Any, ...] = ()

    def period(self, now: datetime) -> str | None:
        """Return the key of the period now due, or None if not due yet."""
        if self.cadence.startswith("every:"):
            minutes = int(self.cadence.split(":", 1)[1])
            slot = (now.hour * 60 + now.minute) // minutes
            return f"{now:%Y-%m-%d}/{slot}"
        if self.cadence == "hourly":
            return f"{now:%Y-%m-%dT%H}"
        if self.cadence == "daily":
            return f"{now:%Y-%m-%d}" if now.hour >= self.hour else None
        if self.cadence == "weekly":
            year, week, weekday = now.isocalendar()
            due = (weekday - 1, now.hour) >= (self.weekday, self.hour)
            return f"{year}-W{week:02d}" if due else None
        raise ValueError(f"Unknown cadence {self.cadence!r}")


SCHEDULE: list[Job] = [
    Job(
        "notification outbox sweep",
        "kindred.notifications.tasks.sweep_outbox",
        "every:10",
    ),
    Job(
        "daily digests",
        "kindred.notifications.tasks.send_digests",
        "daily",
        hour=7,
        args=("daily",),
    ),
    Job(
        "weekly digests",
        "kindred.notifications.tasks.send_digests",
        "weekly",
        hour=7,
        weekday=0,
        args=("weekly",),
    ),
    Job(
        "expired idempotency keys", "kindred.api.tasks.prune_idempotency_keys", "hourly"
    ),
    Job(
        "services due for review",
        "kindred.directory.tasks.flag_stale_services",
        "weekly",
        hour=8,
        weekday=1,
    ),
    Job(
        "overdue referral reminders",
        "kindred.referrals.tasks.remind_overdue",
        "hourly",
    ),
    Job("event reminders", "kindred.events.tasks.send_reminders", "every:5"),
    Job(
        "expired mentoring requests",
        "kindred.mentoring.tasks.move_expired_requests",
        "hourly",
    ),
    Job(
        "mentoring check-ins",
        "kindred.mentoring.tasks.prompt_check_ins",
        "daily",
        hour=9,
    ),
    Job("networking rounds", "kindred.networking.tasks.run_due_rounds", "hourly"),
    Job(
        "networking: did you meet?",
        "kindred.networking.tasks.ask_did_you_meet",
        "daily",
        hour=10,
    ),
    Job(
        "ecosystem snapshot of last month",
        "kindred.analytics.tasks.take_monthly_snapshot",
        "daily",
        hour=2,
    ),
    Job(
        "retention: purge expired records",
        "kindred.privacy.tasks.purge_expired",
        "daily",
        hour=3,
    ),
    Job(
        "programme survey reminders",
        "kindred.programmes.tasks.send_survey_reminders",
        "daily",
        hour=9,
    ),
]


def run_due_jobs(
    now: datetime | None = None, schedule: list[Job] | None = None
) -> list[str]:
    """Enqueue every job whose period is due and not yet started; return their names."""
    from kindred.core.models import ScheduledRun

    now = now or timezone.now()
    started = []
    for job in SCHEDULE if schedule is None else schedule:
        period = job.period(now)
        if period is None:
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, period=period)
                import_string(job.task_path).enqueue(*job.args)
        except IntegrityError:
            continue  # this period's run is already started, by us or another worker
        started.append(job.name)
    return started


def start_scheduler(interval: float = 30.0) -> threading.Event:
    """Tick `run_due_jobs` in a daemon thread until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                started = run_due_jobs()
                if started:
                    logger.info("scheduled: %s", ", ".join(started))
            except Exception:
                logger.exception("the scheduler tick failed")
            finally:
                close_old_connections()
            stop.wait(interval)

    threading.Thread(target=loop, name="kindred-scheduler", daemon=True).start()
    return stop
