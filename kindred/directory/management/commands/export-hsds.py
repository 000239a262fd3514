from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from kindred.directory import exporter


class Command(BaseCommand):
    help = "Export the directory as HSDS 3.0 JSON and as the tabular data package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder")

    def handle(self, *args: Any, folder: str, **options: Any) -> None:
        with tqdm(unit="services", disable=None, desc="Exporting") as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            written = exporter.export(Path(folder), progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {len(written)} files to {Path(folder).resolve()}."
            )
        )
