from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kindred.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write one archive (tar.gz) with the database, the uploaded files and a "
        "manifest. Safe while Kindred runs. The archive holds personal data: "
        "encrypt it and keep it out of reach."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to write, e.g. kindred.tar.gz")
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--overwrite", action="store_true", help="replace an existing file"
        )

    def handle(self, *args: Any, file: str, database: str, **options: Any) -> None:
        path = Path(file)
        if path.exists() and not options["overwrite"]:
            raise CommandError(
                f"{path} exists already; pass --overwrite to replace it."
            )
        try:
            manifest = create_backup(path, using=database, progress=self.stderr.write)
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup of {sum(manifest['counts'].values())} rows and "
                f"{len(manifest['checksums']) - 1} files written to {path}."
            )
        )
