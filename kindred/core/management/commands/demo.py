from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kindred.accounts.models import User
from kindred.core import demo


class Command(BaseCommand):
    help = "Load the demo ecosystem (demo data only; never in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=150, help="number of people")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if anyone exists"
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="load even with KINDRED_DEBUG off (benchmarks only)",
        )

    def handle(self, *args: Any, scale: int, seed: int, **options: Any) -> None:
        if not (settings.DEBUG or settings.TESTING or options["allow_production"]):
            raise CommandError(
                "Refusing to load demo data with KINDRED_DEBUG off: demo logins must "
                "never reach a production database."
            )
        if User.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has people; demo not loaded.")
                return
            raise CommandError(
                "The database is not empty; demo data needs an empty one."
            )
        if scale < 0:
            raise CommandError("--scale must be zero or more.")
        started = time.perf_counter()
        with tqdm(
            total=scale * 3 + scale // 25 + 10 + demo.service_count(scale),
            unit="rows",
            disable=None,
            desc="Loading demo ecosystem",
        ) as bar:
            result = demo.build(scale=scale, seed=seed, progress=bar.update)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ecosystem loaded in {elapsed:.1f} s: {result.organisations} "
                f"organisations, {result.people} people."
            )
        )
        self.stdout.write(
            "Demo logins (password kindred-demo): " + ", ".join(result.logins)
        )
