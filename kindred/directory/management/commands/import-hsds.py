from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kindred.directory import importer


class Command(BaseCommand):
    help = (
        "Import an Open Referral HSDS 3.0 directory (JSON, a folder of JSON files, "
        "a tabular data package or a zip of either). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would change, write nothing",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the report as JSON"
        )

    def handle(self, *args: Any, path: str, dry_run: bool, **options: Any) -> None:
        with tqdm(unit="services", disable=None, desc="Importing") as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            report = importer.import_path(
                path, by=None, dry_run=dry_run, progress=progress
            )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=1))
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"error: {error}")
            count = len(report.errors)
            problems = "1 problem" if count == 1 else f"{count} problems"
            raise CommandError(f"{problems} found; nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        created = ", ".join(f"{n} {k}" for k, n in report.created.items()) or "nothing"
        updated = ", ".join(f"{n} {k}" for k, n in report.updated.items()) or "nothing"
        same = ", ".join(f"{n} {k}" for k, n in report.unchanged.items()) or "nothing"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: new {created}; updated {updated}; unchanged {same}."
            )
        )
