from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kindred.notifications.tasks import send_digests


class Command(BaseCommand):
    help = "Email the daily or weekly notification digests now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("frequency", choices=["daily", "weekly"])

    def handle(self, *args: Any, frequency: str, **options: Any) -> None:
        sent = send_digests.call(frequency)
        self.stdout.write(f"{sent} {frequency} digest(s) sent.")
