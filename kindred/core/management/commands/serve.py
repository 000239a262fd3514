from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Kindred with gunicorn (static files through WhiteNoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", 8000))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("KINDRED_WEB_WORKERS", 2))
        )
        parser.add_argument("--threads", type=int, default=4)

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        **options: Any,
    ) -> None:
        manifest = settings.STATIC_ROOT / "staticfiles.json"
        if not settings.DEBUG and not manifest.exists():
            # First start only; deployments run `kindred collectstatic` themselves.
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            "gunicorn",
            "kindred.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("KINDRED_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if settings.DEBUG:
            argv.append("--reload")
        from gunicorn.app.wsgiapp import run

        sys.argv = argv
        run()
