"""`kindred audit verify`: walk the audit hash chain and say whether it is intact."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kindred.core import audit


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (exit status 1 when broken)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument(
            "--chunk", type=int, default=5000, help="Entries read per query."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = audit.verify(chunk=options["chunk"])
        if verdict.ok:
            self.stdout.write(f"OK: {verdict.checked} audit entries, chain intact.")
            return
        raise CommandError(
            f"BROKEN at audit entry #{verdict.broken_id}: {verdict.reason} "
            f"({verdict.checked} entries before it are intact)."
        )
