from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kindred.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore the database and the uploaded files from an archive made by "
        "`kindred backup`. Refuses a target that holds people or files unless "
        "--force; checks the whole archive before changing anything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive written by `kindred backup`")
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the data of an instance that is not empty",
        )

    def handle(self, *args: Any, file: str, database: str, **options: Any) -> None:
        try:
            manifest = restore_backup(
                Path(file),
                using=database,
                force=options["force"],
                progress=self.stderr.write,
            )
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup made {manifest.get('created_at')}. Run "
                "`kindred migrate` if this Kindred is newer than the backup."
            )
        )
