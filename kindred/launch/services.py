"""Writes of the launch: one function per step of the newcomer's first hour.

`by` is the steward at the wizard (a second factor required, as for every steward
power); `by=None` stands for the operator at the command line (`kindred setup`),
who already holds the server.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.core import audit
from kindred.core.errors import KindredError
from kindred.core.models import Region
from kindred.directory import importer, simple_csv
from kindred.launch import selectors
from kindred.launch.models import Launch
from kindred.organisations import services as organisation_services
from kindred.organisations.models import Organisation

# No 0/O or 1/I/L: the key is read off a console and typed in by hand.
KEY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
KEY_GROUPS = 4


class LaunchError(KindredError):
    pass


class AlreadyClaimed(LaunchError):
    """The ecosystem has a steward: the first-run page is gone."""

    status_code = 404
    code = "not_found"


def _check(by: User | None) -> None:
    if by is not None:
        require_steward(by)


def _launch_for_update() -> Launch:
    launch = Launch.objects.select_for_update().filter(pk=1).first()
    if launch is None:
        Launch.objects.get_or_create(pk=1)
        launch = Launch.objects.select_for_update().get(pk=1)
    return launch


def _changed() -> None:
    transaction.on_commit(selectors.forget_state)
    selectors.forget_state()


def normalise_key(key: str) -> str:
    return "".join(ch for ch in key.upper() if ch.isalnum())


def has_steward() -> bool:
    return User.objects.filter(is_steward=True).exists()


@transaction.atomic
def issue_setup_key() -> str:
    """Make a new one-time setup key for the first-run page and return it.

    Only its hash is kept; an earlier key stops working. Raise AlreadyClaimed once
    the ecosystem has a steward.
    """
    if has_steward():
        raise AlreadyClaimed(
            _("This ecosystem already has a steward; no setup key is needed.")
        )
    key = "-".join(
        "".join(secrets.choice(KEY_ALPHABET) for _ in range(4))
        for _ in range(KEY_GROUPS)
    )
    launch = _launch_for_update()
    launch.key_hash = make_password(normalise_key(key))
    launch.key_issued_at = timezone.now()
    launch.key_used_at = None
    launch.save(update_fields=["key_hash", "key_issued_at", "key_used_at"])
    audit.record("launch.key_issued", actor=None, target=launch)
    _changed()
    return key


def _new_steward(*, email: str, password: str, display_name: str) -> User:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise LaunchError(_("Enter a valid email address."), field="email") from None
    if User.objects.filter(email__iexact=email).exists():
        raise LaunchError(
            _("An account with this email address exists already."), field="email"
        )
    candidate = User(email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise LaunchError(" ".join(error.messages), field="password") from None
    user = User.objects.create_user(email=email, password=password, is_steward=True)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if display_name.strip():
        user.profile.display_name = display_name.strip()[:100]
        user.profile.save(update_fields=["display_name"])
    return user


@transaction.atomic
def claim_ecosystem(
    *, key: str, email: str, password: str, display_name: str = ""
) -> User:
    """Create the first steward on the first-run page, spending the setup key.

    Raise AlreadyClaimed if a steward exists, LaunchError for a wrong or spent key
    or a bad address or password (nothing is written then).
    """
    launch = _launch_for_update()
    if has_steward() or launch.steward_id is not None:
        raise AlreadyClaimed(_("This ecosystem already has a steward."))
    if not (
        launch.key_hash
        and launch.key_used_at is None
        and check_password(normalise_key(key), launch.key_hash)
    ):
        raise LaunchError(
            _(
                "That setup key is not right, or it was used already. Look for the "
                "latest key on the server's console, or run `kindred setup --key` "
                "for a new one."
            ),
            field="key",
        )
    steward = _new_steward(email=email, password=password, display_name=display_name)
    now = timezone.now()
    launch.steward = steward
    launch.started_at = now
    launch.key_used_at = now
    launch.key_hash = ""
    launch.save()
    audit.record("launch.steward_created", actor=steward, target=launch)
    _changed()
    return steward


@transaction.atomic
def create_steward_by_operator(
    *, email: str, password: str, display_name: str = ""
) -> User:
    """Create the first steward from the command line (no setup key needed).

    Raise AlreadyClaimed if a steward exists.
    """
    launch = _launch_for_update()
    if has_steward():
        raise AlreadyClaimed(_("This ecosystem already has a steward."))
    steward = _new_steward(email=email, password=password, display_name=display_name)
    now = timezone.now()
    launch.steward = steward
    launch.started_at = now
    launch.key_hash = ""
    launch.key_used_at = launch.key_used_at or now
    launch.save()
    audit.record("launch.steward_created", actor=None, target=launch, via="command")
    _changed()
    return steward


@transaction.atomic
def name_ecosystem(
    *, by: User | None, name: str, region: Region | None, tagline: str = ""
) -> Launch:
    """Name the ecosystem and its region; the header and emails follow the name."""
    _check(by)
    name = name.strip()
    if not name:
        raise LaunchError(_("Give the ecosystem a name."), field="name")
    if len(name) > 80:
        raise LaunchError(_("Keep the name to 80 characters."), field="name")
    if len(tagline.strip()) > 160:
        raise LaunchError(_("Keep the description to 160 characters."), field="tagline")
    launch = _launch_for_update()
    launch.ecosystem_name = name
    launch.region = region
    launch.tagline = tagline.strip()
    launch.named_at = timezone.now()
    launch.save()
    audit.record("launch.named", actor=by, target=launch)
    _changed()
    return launch


def import_directory(
    path: Path, *, by: User | None, dry_run: bool = False
) -> importer.Report:
    """Import a CSV template file or an HSDS 3.0 directory, all or nothing.

    A `.csv` file is read as Kindred's simple template; anything else goes to the
    HSDS importer. The import step counts as done when a real import succeeds.
    """
    _check(by)
    if path.suffix.lower() == ".csv":
        report = simple_csv.import_csv(path, by=by, dry_run=dry_run)
    else:
        report = importer.import_path(path, by=by, dry_run=dry_run)
    if report.ok and not dry_run:
        _mark(by, "imported_at", "launch.imported")
    return report


@transaction.atomic
def _mark(by: User | None, stamp: str, action: str, **detail: object) -> Launch:
    launch = _launch_for_update()
    setattr(launch, stamp, timezone.now())
    launch.save(update_fields=[stamp])
    audit.record(action, actor=by, target=launch, **detail)
    _changed()
    return launch


# --- inviting organisation admins ------------------------------------------------

INVITE_COLUMNS = ("organisation", "email", "name")
MAX_INVITE_ROWS = 2000


@dataclass
class InviteRow:
    row: int
    organisation: Organisation
    email: str
    name: str


@dataclass
class InviteReport:
    errors: list[str] = field(default_factory=list)
    invited: list[InviteRow] = field(default_factory=list)
    already_invited: list[InviteRow] = field(default_factory=list)
    already_members: list[InviteRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_invitations(text: str) -> tuple[list[InviteRow], list[str]]:
    """Every row of an invitation CSV, and every problem with its row number.

    Columns: organisation (name or slug), email, name (optional). Row 1 is the
    header; the first data row is row 2, as a spreadsheet numbers it.
    """
    errors: list[str] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("organisation", "email") if c not in header]
    if missing:
        return [], [
            _(
                "Row 1: the header must have the columns %(columns)s "
                "(missing: %(missing)s)."
            )
            % {"columns": ", ".join(INVITE_COLUMNS), "missing": ", ".join(missing)}
        ]
    reader.fieldnames = header
    raw = [(n, row) for n, row in enumerate(reader, start=2)]
    if not raw:
        return [], [_("The file has a header but no rows.")]
    if len(raw) > MAX_INVITE_ROWS:
        return [], [_("At most %(n)d rows at a time.") % {"n": MAX_INVITE_ROWS}]
    by_name = {o.name.lower(): o for o in Organisation.objects.filter(is_active=True)}
    by_slug = {o.slug: o for o in by_name.values()}
    seen: dict[tuple[int, str], int] = {}
    rows: list[InviteRow] = []
    for number, row in raw:
        label = str(row.get("organisation") or "").strip()
        email = str(row.get("email") or "").strip().lower()
        name = str(row.get("name") or "").strip()
        organisation = by_name.get(label.lower()) or by_slug.get(label.lower())
        if not label:
            errors.append(
                _("Row %(row)d: the organisation is missing.") % {"row": number}
            )
        elif organisation is None:
            errors.append(
                _(
                    "Row %(row)d: no organisation called “%(org)s” "
                    "(use its name or its slug)."
                )
                % {"row": number, "org": label}
            )
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                _("Row %(row)d: “%(email)s” is not an email address.")
                % {"row": number, "email": email}
            )
            continue
        if organisation is None:
            continue
        key = (organisation.pk, email)
        if key in seen:
            errors.append(
                _("Row %(row)d: the same person and organisation as row %(first)d.")
                % {"row": number, "first": seen[key]}
            )
            continue
        seen[key] = number
        rows.append(InviteRow(number, organisation, email, name))
    return rows, errors


@transaction.atomic
def invite_admins(text: str, *, by: User | None) -> InviteReport:
    """Invite the admins in an invitation CSV, all rows checked first.

    Any bad row means nobody is invited. Addresses already invited or already
    members are left alone, so running the same file again sends nothing twice.
    Emails go once the transaction commits.
    """
    _check(by)
    report = InviteReport()
    rows, report.errors = read_invitations(text)
    if report.errors:
        return report
    results = organisation_services.invite_admins(
        [(r.organisation, r.email) for r in rows], by=by
    )
    for row, outcome in zip(rows, results, strict=True):
        {
            "invited": report.invited,
            "pending": report.already_invited,
            "member": report.already_members,
        }[outcome].append(row)
    _mark(
        by,
        "invited_at",
        "launch.admins_invited",
        invited=len(report.invited),
        skipped=len(report.already_invited) + len(report.already_members),
    )
    return report


@transaction.atomic
def open_doors(*, by: User | None) -> Launch:
    """Open sign-up to everyone. Opening doors already open changes nothing."""
    _check(by)
    launch = _launch_for_update()
    if launch.doors_opened_at is None:
        launch.doors_opened_at = timezone.now()
        launch.save(update_fields=["doors_opened_at"])
        audit.record("launch.doors_opened", actor=by, target=launch)
    _changed()
    return launch


@transaction.atomic
def skip_step(*, by: User | None, step: str) -> Launch:
    """Leave a step for later; the steward account cannot be skipped."""
    _check(by)
    if step not in Launch.SKIPPABLE:
        raise LaunchError(_("This step cannot be skipped."))
    launch = _launch_for_update()
    if step not in launch.skipped:
        launch.skipped = [*launch.skipped, step]
        launch.save(update_fields=["skipped"])
        audit.record("launch.step_skipped", actor=by, target=launch, step=step)
    return launch
