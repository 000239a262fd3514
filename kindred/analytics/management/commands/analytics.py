"""`kindred analytics collect` and `kindred analytics snapshot [--month YYYY-MM]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kindred.analytics import services
from kindred.core.errors import KindredError


class Command(BaseCommand):
    help = (
        "Ecosystem analytics: `collect` copies new ties from the domain apps into "
        "the relationship graph; `snapshot` collects and takes the snapshot of a "
        "month (the last complete month unless --month YYYY-MM)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        collect = actions.add_parser("collect", help="collect new ties")
        collect.add_argument(
            "--since", help="only ties on or after this day (YYYY-MM-DD)"
        )
        snapshot = actions.add_parser("snapshot", help="take a monthly snapshot")
        snapshot.add_argument("--month", help="the month, as YYYY-MM")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "collect":
            since = None
            if options.get("since"):
                try:
                    since = timezone.datetime.strptime(  # noqa: DTZ007
                        options["since"], "%Y-%m-%d"
                    ).date()
                except ValueError:
                    raise CommandError(
                        "Write --since as YYYY-MM-DD, for example 2026-03-01."
                    ) from None
            added = services.collect_ties(since=since)
            self.stdout.write(self.style.SUCCESS(f"{added} new ties collected."))
            return
        try:
            if options.get("month"):
                month = services.parse_month(options["month"])
            else:
                today = timezone.localdate()
                month = services.previous_month(today)
            added = services.collect_ties()
            snapshot = services.take_snapshot(month)
        except KindredError as error:
            raise CommandError(error.message) from error
        metrics = snapshot.metrics
        self.stdout.write(
            self.style.SUCCESS(
                f"Snapshot of {snapshot} taken in {snapshot.took_seconds:.1f} s "
                f"({added} new ties collected): {metrics.get('nodes')} nodes, "
                f"{metrics.get('ties')} ties, {metrics.get('communities')} communities."
            )
        )
