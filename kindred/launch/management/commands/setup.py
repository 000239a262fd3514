from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from kindred.accounts.models import User
from kindred.core.errors import KindredError
from kindred.core.models import Region
from kindred.launch import selectors, services
from kindred.launch.signals import setup_key_banner


class Command(BaseCommand):
    help = (
        "Launch a new ecosystem without the demo: the first steward, the name and "
        "region, a directory import, admin invitations and opening the doors. "
        "Asks for what is missing when run in a terminal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--key",
            action="store_true",
            help="only print a new one-time setup key for the first-run page "
            "(/launch/); an earlier key stops working",
        )
        parser.add_argument("--email", help="the first steward's email address")
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            help="read the steward's password from this environment variable",
        )
        parser.add_argument("--steward-name", default="", help="the steward's name")
        parser.add_argument("--name", help="the ecosystem's name")
        parser.add_argument("--region", help="its region (name or slug)")
        parser.add_argument(
            "--description", default="", help="one line for the landing page"
        )
        parser.add_argument(
            "--import",
            dest="import_file",
            metavar="FILE",
            help="a directory to import: the CSV template (.csv) or HSDS 3.0",
        )
        parser.add_argument(
            "--invite",
            metavar="CSV",
            help="invite organisation admins (columns organisation, email, name)",
        )
        parser.add_argument(
            "--open", action="store_true", help="open sign-up to everyone"
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="never ask; fail when something needed is missing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["key"]:
            self._print_key()
            return
        interactive = options["interactive"] and sys.stdin.isatty()
        self._steward(options, interactive)
        name = options["name"]
        if name is None and interactive:
            name = input("Ecosystem name (Enter to skip): ").strip() or None
        region_name = options["region"]
        if name is not None and region_name is None and interactive:
            region_name = input("Region (Enter for none): ").strip() or None
        if name is not None:
            region = self._region(region_name)
            self._run(
                services.name_ecosystem,
                by=None,
                name=name,
                region=region,
                tagline=options["description"],
            )
            self.stdout.write(f"Named the ecosystem “{name}”.")
        if options["import_file"]:
            self._import(Path(options["import_file"]))
        if options["invite"]:
            self._invite(Path(options["invite"]))
        if options["open"]:
            self._run(services.open_doors, by=None)
            self.stdout.write(self.style.SUCCESS("The doors are open: sign-up works."))
        elif not selectors.signup_open():
            self.stdout.write(
                "Sign-up stays closed until you open the doors "
                "(`kindred setup --open`, or the last step at /launch/wizard/)."
            )

    def _print_key(self) -> None:
        try:
            key = services.issue_setup_key()
        except services.AlreadyClaimed as error:
            raise CommandError(error.message) from None
        self.stdout.write(setup_key_banner(key))

    def _steward(self, options: dict[str, Any], interactive: bool) -> None:
        email = options["email"]
        existing = User.objects.filter(is_steward=True)
        if email:
            existing = existing.filter(email__iexact=email)
        if existing.exists():
            self.stdout.write("The ecosystem has a steward already; keeping it.")
            return
        if services.has_steward():
            raise CommandError("The ecosystem has a steward already.")
        if not email and interactive:
            email = input("The first steward's email address: ").strip()
        if not email:
            raise CommandError("Give the first steward's address with --email.")
        variable = options["password_from_env"]
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(f"The environment variable {variable} is empty.")
        elif interactive:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        else:
            raise CommandError(
                "Give the password through an environment variable: "
                "--password-from-env VARIABLE."
            )
        self._run(
            services.create_steward_by_operator,
            email=email,
            password=password,
            display_name=options["steward_name"],
        )
        self.stdout.write(
            self.style.SUCCESS(f"Created the steward {email}.")
            + " Log in and turn on two-factor authentication (Account settings → "
            "Two-factor authentication): stewards' powers need it."
        )

    def _region(self, value: str | None) -> Region | None:
        if not value:
            return None
        region = Region.objects.filter(
            Q(slug__iexact=value) | Q(name__iexact=value)
        ).first()
        if region is None:
            names = ", ".join(Region.objects.values_list("name", flat=True))
            raise CommandError(f"No region called “{value}”. Regions: {names}.")
        return region

    def _import(self, path: Path) -> None:
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        report = services.import_directory(path, by=None)
        if not report.ok:
            for problem in report.errors:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"Nothing was imported: {len(report.errors)} problem(s) in {path}."
            )
        for problem in report.warnings:
            self.stdout.write(f"  note: {problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name}: created {report.created or 'nothing'}, "
                f"updated {report.updated or 'nothing'}."
            )
        )

    def _invite(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        report = self._run(services.invite_admins, text, by=None)
        if not report.ok:
            for problem in report.errors:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"Nobody was invited: {len(report.errors)} problem(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Invited {len(report.invited)} admin(s); "
                f"{len(report.already_invited)} already invited, "
                f"{len(report.already_members)} already members."
            )
        )

    def _run(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        except KindredError as error:
            raise CommandError(error.message) from None
