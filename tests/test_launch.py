"""The newcomer's first hour: a steward launches a new ecosystem without the demo."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from kindred.accounts.models import User
from kindred.core.models import AuditEntry, Region
from kindred.directory import simple_csv
from kindred.directory.models import Service
from kindred.launch import selectors, services
from kindred.launch.models import Launch
from kindred.organisations.models import Invitation, Organisation, Role
from tests.conftest import make_person

STEWARD_PASSWORD = "a-Very-good-passphrase-42"


@pytest.fixture(autouse=True)
def launch_state():
    """Each test reads the launch from the database; later tests start launched."""
    selectors.forget_state()
    yield
    selectors.remember_state(selectors.LaunchState(), forever=True)


@pytest.fixture
def setup_key(db):
    return services.issue_setup_key()


@pytest.fixture
def claimed(setup_key):
    steward = services.claim_ecosystem(
        key=setup_key, email="first@example.org", password=STEWARD_PASSWORD
    )
    from tests.conftest import give_second_factor

    give_second_factor(steward)
    return steward


def _csv(tmp_path: Path, text: str, name: str = "directory.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the first-run page ---------------------------------------------------------


def test_a_database_without_a_launch_behaves_as_before(client, steward):
    """No launch row (the demo, an older instance): no redirect, doors open."""
    assert client.get("/").status_code == 200
    assert selectors.signup_open()
    assert client.get(reverse("account_signup")).status_code == 200


def test_every_page_goes_to_the_first_run_page_until_a_steward_exists(
    client, setup_key
):
    response = client.get("/directory/")
    assert response.status_code == 302
    assert response["Location"] == reverse("launch:first_run")
    page = client.get(reverse("launch:first_run"))
    assert page.status_code == 200
    assert b"kindred setup --key" in page.content
    assert client.get("/healthz").status_code == 200


def test_the_setup_key_creates_the_first_steward_and_signs_them_in(client, setup_key):
    response = client.post(
        reverse("launch:first_run"),
        {
            "key": setup_key.lower().replace("-", " "),
            "email": "First@Example.org",
            "password": STEWARD_PASSWORD,
            "display_name": "Fran First",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("launch:wizard")
    steward = User.objects.get(email="first@example.org")
    assert steward.is_steward
    assert steward.profile.display_name == "Fran First"
    launch = Launch.objects.get()
    assert launch.steward == steward and launch.key_hash == ""
    assert AuditEntry.objects.filter(action="launch.steward_created").exists()
    wizard = client.get(reverse("launch:wizard"))
    assert wizard.status_code == 200
    assert b"Turn on two-factor authentication" in wizard.content
    assert b"Step 1 of 5" in wizard.content
    # The site is no longer redirected; sign-up is closed until the doors open.
    assert client.get("/directory/").status_code == 200
    assert not selectors.signup_open()


def test_a_wrong_key_creates_nobody(client, setup_key):
    response = client.post(
        reverse("launch:first_run"),
        {"key": "AAAA-BBBB-CCCC-DDDD", "email": "x@example.org", "password": "x" * 12},
    )
    assert response.status_code == 400
    assert b"setup key is not right" in response.content
    assert not User.objects.exists()


def test_a_key_works_once_and_a_second_steward_gets_404(client, setup_key):
    services.claim_ecosystem(
        key=setup_key, email="first@example.org", password=STEWARD_PASSWORD
    )
    response = client.post(
        reverse("launch:first_run"),
        {"key": setup_key, "email": "second@example.org", "password": "y" * 14},
    )
    assert response.status_code == 404
    assert client.get(reverse("launch:first_run")).status_code == 404
    assert not User.objects.filter(email="second@example.org").exists()
    with pytest.raises(services.AlreadyClaimed):
        services.claim_ecosystem(
            key=setup_key, email="second@example.org", password=STEWARD_PASSWORD
        )


def test_a_new_key_replaces_the_old_one(setup_key):
    newer = services.issue_setup_key()
    with pytest.raises(services.LaunchError):
        services.claim_ecosystem(
            key=setup_key, email="a@example.org", password=STEWARD_PASSWORD
        )
    assert services.claim_ecosystem(
        key=newer, email="a@example.org", password=STEWARD_PASSWORD
    ).is_steward


def test_a_weak_password_or_bad_address_is_refused_with_nothing_written(
    client, setup_key
):
    response = client.post(
        reverse("launch:first_run"),
        {"key": setup_key, "email": "a@example.org", "password": "password"},
    )
    assert response.status_code == 400
    assert not User.objects.exists()
    assert Launch.objects.get().key_used_at is None
    with pytest.raises(services.LaunchError):
        services.claim_ecosystem(
            key=setup_key, email="not-an-address", password=STEWARD_PASSWORD
        )


def test_the_key_is_stored_hashed(setup_key):
    stored = Launch.objects.get().key_hash
    assert stored and services.normalise_key(setup_key) not in stored


# --- steps 2 to 5 -------------------------------------------------------------------


def test_naming_the_ecosystem_changes_the_site_name(client, claimed):
    client.force_login(claimed)
    north_west = Region.objects.get(slug="north-west")
    response = client.post(
        reverse("launch:name"),
        {
            "name": "Northshire Enterprise Network",
            "region": north_west.pk,
            "tagline": "Business support in Northshire, working together",
        },
    )
    assert response.status_code == 302
    launch = Launch.objects.get()
    assert launch.region == north_west and launch.named_at
    page = client.get(reverse("launch:wizard"))
    assert b"Northshire Enterprise Network" in page.content
    assert selectors.site_name() == "Northshire Enterprise Network"


def test_a_blank_name_is_refused(client, claimed):
    client.force_login(claimed)
    response = client.post(reverse("launch:name"), {"name": "  "})
    assert response.status_code == 400
    assert Launch.objects.get().named_at is None


@pytest.mark.parametrize(
    "route", ["launch:name", "launch:import", "launch:invite", "launch:open"]
)
def test_people_who_are_not_stewards_cannot_use_the_wizard(client, claimed, route):
    member = make_person("member@example.org", "Mo Member", mfa=True)
    client.force_login(member)
    assert client.get(reverse(route)).status_code == 403
    assert client.post(reverse(route), {"name": "Mine"}).status_code == 403
    assert client.post(reverse("launch:skip"), {"step": "name"}).status_code == 403
    launch = Launch.objects.get()
    assert launch.ecosystem_name == "" and launch.doors_opened_at is None
    assert launch.skipped == []


def test_a_steward_without_a_second_factor_is_sent_to_set_one_up(client, setup_key):
    steward = services.claim_ecosystem(
        key=setup_key, email="first@example.org", password=STEWARD_PASSWORD
    )
    client.force_login(steward)
    response = client.post(reverse("launch:open"))
    assert response.status_code == 302 and "/account/2fa/" in response["Location"]
    assert Launch.objects.get().doors_opened_at is None


def test_the_csv_template_imports_organisations_and_services(client, claimed, tmp_path):
    client.force_login(claimed)
    template = client.get(reverse("launch:directory_template"))
    assert template.status_code == 200
    lines = template.content.decode().strip().splitlines()
    assert lines[0].startswith("organisation_name,") and len(lines) == 3
    path = _csv(tmp_path, template.content.decode())
    with path.open("rb") as upload:
        response = client.post(reverse("launch:import"), {"file": upload})
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert b"created" in response.content
    agency = Organisation.objects.get(name="Riverside Enterprise Agency")
    assert agency.kind == "public_agency"
    clinic = Service.objects.get(name="Start-up clinic")
    assert clinic.organisation == agency
    assert {t.slug for t in clinic.topics.all()} == {
        "business-planning",
        "cash-flow-forecasting",
    }
    assert [r.slug for r in clinic.regions.all()] == ["north-west"]
    assert Launch.objects.get().imported_at is not None
    # Importing the same file again updates in place.
    report = services.import_directory(path, by=claimed)
    assert report.ok and Organisation.objects.count() == 2
    assert Service.objects.count() == 2


def test_bad_csv_rows_are_reported_by_row_and_nothing_is_imported(claimed, tmp_path):
    text = (
        "organisation_name,organisation_website,organisation_email,service_name,"
        "topics,region\n"
        "Good Org,https://good.example.org,hi@good.example.org,Clinic,"
        "business-planning,North West\n"
        ",https://x.example.org,,Orphan,,\n"
        "Bad Org,not a url,not-an-email,Help,astrology,Atlantis\n"
        "Good Org,,,Clinic,,\n"
    )
    report = services.import_directory(_csv(tmp_path, text), by=claimed)
    assert not report.ok
    messages = [str(p) for p in report.errors]
    assert any(m.startswith("row 3 (organisation_name)") for m in messages)
    assert any(m.startswith("row 4 (organisation_website)") for m in messages)
    assert any(m.startswith("row 4 (organisation_email)") for m in messages)
    assert any("row 4 (topics)" in m and "astrology" in m for m in messages)
    assert any("row 4 (region)" in m and "Atlantis" in m for m in messages)
    assert any(m.startswith("row 4 (region)") for m in messages)
    assert any("row 5 (service_name)" in m and "row 2" in m for m in messages)
    assert not Organisation.objects.exists() and not Service.objects.exists()
    assert Launch.objects.get().imported_at is None


def test_a_misspelt_topic_gets_the_closest_name(claimed, tmp_path):
    text = "organisation_name,service_name,topics\nA,B,Innovation and research\n"
    report = services.import_directory(_csv(tmp_path, text), by=claimed)
    assert [str(p) for p in report.errors] == [
        "row 2 (topics): no topic called “Innovation and research” "
        "(did you mean “Innovation and R&D”?)"
    ]


def test_a_csv_without_the_template_header_is_refused(claimed, tmp_path):
    report = services.import_directory(
        _csv(tmp_path, "name,email\nA,a@example.org\n"), by=claimed
    )
    assert not report.ok and str(report.errors[0]).startswith("row 1")


def test_an_hsds_file_goes_through_the_hsds_importer(claimed, tmp_path):
    import json

    from kindred.directory import hsds

    oid = hsds.stable_id("test", "org")
    record = {
        "id": oid,
        "name": "HSDS Org",
        "description": "From HSDS.",
        "services": [
            {
                "id": hsds.stable_id("test", "svc"),
                "name": "HSDS Service",
                "status": "active",
            }
        ],
    }
    path = tmp_path / "directory.json"
    path.write_text(json.dumps([record]))
    report = services.import_directory(path, by=claimed)
    assert report.ok, report.errors
    assert Service.objects.get(name="HSDS Service").organisation.name == "HSDS Org"


def test_a_dry_run_imports_nothing(claimed, tmp_path):
    path = _csv(tmp_path, simple_csv.template_csv())
    report = services.import_directory(path, by=claimed, dry_run=True)
    assert report.ok and report.created
    assert not Organisation.objects.exists()


@pytest.fixture
def two_organisations(db):
    a = Organisation.objects.create(name="Alpha Hub", slug="alpha-hub", kind="chamber")
    b = Organisation.objects.create(name="Beta Fund", slug="beta-fund", kind="funder")
    return a, b


def test_admins_are_invited_in_bulk_once(
    client, claimed, two_organisations, django_capture_on_commit_callbacks
):
    client.force_login(claimed)
    text = (
        "organisation,email,name\n"
        "Alpha Hub,ann@alpha.example.org,Ann\n"
        "beta-fund,bob@beta.example.org,\n"
    )
    upload = io.BytesIO(text.encode())
    upload.name = "invite.csv"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("launch:invite"), {"file": upload})
    assert response.status_code == 200
    assert b"2 people invited" in response.content
    invitations = Invitation.objects.order_by("email")
    assert [(i.email, i.role) for i in invitations] == [
        ("ann@alpha.example.org", Role.ADMIN),
        ("bob@beta.example.org", Role.ADMIN),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@alpha.example.org",
        "bob@beta.example.org",
    ]
    assert AuditEntry.objects.filter(action="invitation.sent").count() == 2
    # The same list again sends nothing and invites nobody twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.invite_admins(text, by=claimed)
    assert report.ok and not report.invited and len(report.already_invited) == 2
    assert Invitation.objects.count() == 2 and not mail.outbox


def test_bad_invitation_rows_invite_nobody(claimed, two_organisations):
    text = (
        "organisation,email,name\n"
        "Alpha Hub,ann@alpha.example.org,Ann\n"
        "Gamma Ltd,gus@gamma.example.org,\n"
        "Beta Fund,not-an-address,\n"
        "alpha-hub,ANN@alpha.example.org,\n"
    )
    report = services.invite_admins(text, by=claimed)
    assert not report.ok
    assert any(e.startswith("Row 3:") and "Gamma Ltd" in e for e in report.errors)
    assert any(e.startswith("Row 4:") for e in report.errors)
    assert any(e.startswith("Row 5:") and "row 2" in e for e in report.errors)
    assert not Invitation.objects.exists()
    assert Launch.objects.get().invited_at is None


def test_an_invitation_list_without_its_columns_is_refused(claimed):
    report = services.invite_admins("who,where\nx,y\n", by=claimed)
    assert report.errors and report.errors[0].startswith("Row 1:")


def test_opening_the_doors_opens_sign_up_and_is_audited(client, claimed):
    client.force_login(claimed)
    assert not selectors.signup_open()
    client.logout()
    assert b"password1" not in client.get(reverse("account_signup")).content
    client.force_login(claimed)
    response = client.post(reverse("launch:open"))
    assert response["Location"] == reverse("launch:done")
    assert selectors.signup_open()
    assert AuditEntry.objects.filter(action="launch.doors_opened").count() == 1
    done = client.get(reverse("launch:done"))
    assert b"Your ecosystem is open" in done.content
    client.logout()
    assert b"password1" in client.get(reverse("account_signup")).content


def test_steps_can_be_skipped_but_not_the_steward_account(client, claimed):
    client.force_login(claimed)
    response = client.post(reverse("launch:skip"), {"step": "name"})
    assert response["Location"] == reverse("launch:import")
    assert Launch.objects.get().skipped == ["name"]
    client.post(reverse("launch:skip"), {"step": "steward"})
    assert Launch.objects.get().skipped == ["name"]
    with pytest.raises(services.LaunchError):
        services.skip_step(by=claimed, step="steward")


def test_the_home_page_brings_a_launching_steward_back_to_the_wizard(client, claimed):
    client.force_login(claimed)
    client.get(reverse("launch:wizard"))
    assert client.get("/")["Location"] == reverse("launch:wizard")
    client.post(reverse("launch:leave"))
    assert client.get("/").status_code == 200


# --- kindred setup ------------------------------------------------------------------


def test_kindred_setup_launches_without_questions(db, tmp_path, monkeypatch):
    Organisation.objects.create(name="Alpha Hub", slug="alpha-hub", kind="chamber")
    directory = _csv(tmp_path, simple_csv.template_csv())
    invitations = _csv(
        tmp_path,
        "organisation,email\nRiverside Enterprise Agency,ria@example.org\n"
        "alpha-hub,al@example.org\n",
        name="invite.csv",
    )
    monkeypatch.setenv("STEWARD_PASSWORD", STEWARD_PASSWORD)
    out = io.StringIO()
    call_command(
        "setup",
        "--no-input",
        "--email=ops@example.org",
        "--password-from-env=STEWARD_PASSWORD",
        "--name=Northshire Enterprise Network",
        "--region=north-west",
        f"--import={directory}",
        f"--invite={invitations}",
        "--open",
        stdout=out,
    )
    steward = User.objects.get(email="ops@example.org")
    assert steward.is_steward and steward.check_password(STEWARD_PASSWORD)
    launch = Launch.objects.get()
    assert launch.ecosystem_name == "Northshire Enterprise Network"
    assert launch.imported_at and launch.invited_at and launch.doors_opened_at
    assert Invitation.objects.filter(role=Role.ADMIN).count() == 2
    assert selectors.signup_open()
    assert "Invited 2 admin(s)" in out.getvalue()
    # Running it again keeps the steward and invites nobody twice.
    call_command(
        "setup",
        "--no-input",
        "--email=ops@example.org",
        f"--invite={invitations}",
        stdout=out,
    )
    assert Invitation.objects.count() == 2


def test_kindred_setup_refuses_missing_or_bad_input(db, tmp_path, monkeypatch):
    with pytest.raises(CommandError, match="--email"):
        call_command("setup", "--no-input", stdout=io.StringIO())
    with pytest.raises(CommandError, match="password"):
        call_command(
            "setup", "--no-input", "--email=a@example.org", stdout=io.StringIO()
        )
    assert not User.objects.exists()
    monkeypatch.setenv("P", STEWARD_PASSWORD)
    bad = _csv(tmp_path, "organisation_name,region\nX,Atlantis\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "setup",
            "--no-input",
            "--email=a@example.org",
            "--password-from-env=P",
            f"--import={bad}",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Organisation.objects.exists()


def test_kindred_setup_key_prints_a_key_that_claims_the_ecosystem(db):
    out = io.StringIO()
    call_command("setup", "--key", stdout=out)
    key = next(
        line.strip()
        for line in out.getvalue().splitlines()
        if line.strip().count("-") == 3 and len(line.strip()) == 19
    )
    assert services.claim_ecosystem(
        key=key, email="a@example.org", password=STEWARD_PASSWORD
    ).is_steward
    with pytest.raises(CommandError, match="already has a steward"):
        call_command("setup", "--key", stdout=io.StringIO())


def test_migrate_prints_a_key_only_on_an_empty_database(db, monkeypatch, settings):
    from kindred.launch.signals import print_setup_key

    settings.TESTING = False
    monkeypatch.setenv("KINDRED_DEMO", "0")
    out = io.StringIO()
    print_setup_key(stdout=out)
    assert "setup key" in out.getvalue() and Launch.objects.get().key_hash
    monkeypatch.setenv("KINDRED_DEMO", "1")
    quiet = io.StringIO()
    print_setup_key(stdout=quiet)
    assert quiet.getvalue() == ""
    monkeypatch.setenv("KINDRED_DEMO", "0")
    make_person("someone@example.org", "Some One")
    print_setup_key(stdout=quiet)
    assert quiet.getvalue() == ""


def test_createsuperuser_still_makes_a_steward(db):
    call_command(
        "createsuperuser",
        "--noinput",
        "--email=root@example.org",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert User.objects.get(email="root@example.org").is_steward


def test_while_the_doors_are_closed_only_invitees_may_sign_up(
    client, claimed, two_organisations
):
    services.invite_admins(
        "organisation,email\nAlpha Hub,ann@alpha.example.org\n", by=claimed
    )
    invitation = Invitation.objects.get()
    signup = reverse("account_signup")
    login_page = client.get(reverse("account_login"))
    assert b"getting ready: sign-up opens soon" in login_page.content
    assert b"password1" not in client.get(signup).content
    path = reverse("organisations:invitation", args=[invitation.token])
    assert b"password1" in client.get(f"{signup}?next={path}").content
    stranger = reverse("organisations:invitation", args=["not-a-token"])
    assert b"password1" not in client.get(f"{signup}?next={stranger}").content
    invitation.status = Invitation.Status.REVOKED
    invitation.save()
    assert b"password1" not in client.get(f"{signup}?next={path}").content
