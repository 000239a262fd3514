from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import InterfaceError, OperationalError, close_old_connections

from kindred.core.tasks import backoff_seconds, start_scheduler

logger = logging.getLogger("kindred.worker")


class Command(BaseCommand):
    help = (
        "Run the background worker: the task queue (database, or RQ on Redis when "
        "KINDRED_REDIS_URL is set) plus the recurring-job scheduler."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="only run queued tasks; the schedule still runs once per period "
            "however many workers tick it",
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        stop = None if options["no_scheduler"] else start_scheduler()
        try:
            if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
                # --with-scheduler moves deferred retries (run_after) onto the queue.
                call_command(
                    "rqworker",
                    "default",
                    with_scheduler=True,
                    job_class="django_tasks_rq.backend.Job",
                )
            else:
                self.run_db_worker(interval)
        finally:
            if stop is not None:
                stop.set()

    def run_db_worker(self, interval: float) -> None:
        """Run the database queue; ride out a database outage instead of exiting.

        A restarted or failed-over database makes the worker's queries fail; it
        waits (1 s, 2 s ... at most 30 s) and starts again, so the tasks wait in
        the queue rather than the worker needing a supervisor to come back.
        """
        attempt = 0
        while True:
            try:
                call_command("db_worker", interval=interval, queue_name="*")
                return
            except (OperationalError, InterfaceError) as error:
                attempt += 1
                wait = backoff_seconds(attempt, base=1, cap=30)
                logger.warning(
                    "worker.database_unavailable",
                    extra={
                        "attempt": attempt,
                        "retry_in": wait,
                        "error": type(error).__name__,
                    },
                )
                close_old_connections()
                time.sleep(wait)
