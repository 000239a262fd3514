from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kindred.core.tasks import start_scheduler


class Command(BaseCommand):
    help = "Run the background worker: the task queue plus the recurring-job scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="only run queued tasks (another worker runs the schedule)",
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        stop = None if options["no_scheduler"] else start_scheduler()
        try:
            call_command("db_worker", interval=interval, queue_name="*")
        finally:
            if stop is not None:
                stop.set()
