from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kindred.core.tasks import start_scheduler


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
                call_command("db_worker", interval=interval, queue_name="*")
        finally:
            if stop is not None:
                stop.set()
