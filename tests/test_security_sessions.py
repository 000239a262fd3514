"""Sessions: a new key at login, every session ended on a password change or a
deactivation, idle and absolute timeouts, re-authentication before sensitive
changes, and a second factor for admin powers."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from kindred.accounts import services
from kindred.accounts.models import ApiToken
from kindred.core.errors import SecondFactorRequired
from kindred.core.middleware import SESSION_SEEN, SESSION_STARTED
from tests.conftest import PASSWORD, make_person

SETTINGS_PAGE = "accounts:settings"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse(SETTINGS_PAGE)).status_code == 200
    return client


def is_signed_out(client: Client) -> bool:
    response = client.get(reverse(SETTINGS_PAGE))
    return response.status_code == 302 and reverse("account_login") in response.url


def reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db
def test_signing_in_gives_a_new_session_key(client, colleague):
    session = client.session
    session["before_login"] = True
    session.save()
    before = client.cookies["sessionid"].value
    response = client.post(
        reverse("account_login"), {"login": colleague.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after and after != before
    assert client.get(reverse(SETTINGS_PAGE)).status_code == 200


@pytest.mark.django_db
def test_changing_the_password_ends_every_other_session(owner):
    here, elsewhere = signed_in(owner), signed_in(owner)
    response = here.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-passphrase-42",
            "password2": "a-new-long-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert is_signed_out(elsewhere)
    assert not is_signed_out(here)  # the session that changed it stays


@pytest.mark.django_db
def test_a_password_reset_ends_every_session(owner):
    first, second = signed_in(owner), signed_in(owner)
    owner.set_password("reset-by-email-passphrase-7")
    owner.save()
    assert is_signed_out(first) and is_signed_out(second)


@pytest.mark.django_db
def test_suspension_ends_every_session_even_after_reinstatement(steward, outsider):
    first, second = signed_in(outsider), signed_in(outsider)
    services.suspend_user(outsider, by=steward, reason="spam")
    services.reinstate_user(outsider, by=steward)
    # Reinstated, the person signs in again; the old sessions stay ended.
    assert is_signed_out(first) and is_signed_out(second)
    assert not is_signed_out(signed_in(outsider))


@pytest.mark.django_db
def test_ending_all_sessions_signs_out_every_device(owner):
    devices = [signed_in(owner) for _ in range(3)]
    services.end_all_sessions(owner, by=owner)
    assert all(is_signed_out(device) for device in devices)


def _age_session(client: Client, *, started: int = 0, seen: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED] = now - started
    session[SESSION_SEEN] = now - seen
    session.save()


@pytest.mark.django_db
def test_a_session_idle_longer_than_the_limit_is_ended(owner, settings):
    settings.KINDRED_SESSION_IDLE_SECONDS = 7200
    client = signed_in(owner)
    _age_session(client, started=7300, seen=7201)
    assert is_signed_out(client)


@pytest.mark.django_db
def test_a_session_in_use_stays_and_its_last_seen_time_moves(owner, settings):
    settings.KINDRED_SESSION_IDLE_SECONDS = 7200
    client = signed_in(owner)
    _age_session(client, started=7100, seen=7100)
    assert not is_signed_out(client)
    assert int(time.time()) - client.session[SESSION_SEEN] < 5


@pytest.mark.django_db
def test_a_session_older_than_the_absolute_limit_is_ended_however_active(
    owner, settings
):
    settings.KINDRED_SESSION_MAX_SECONDS = 12 * 3600
    client = signed_in(owner)
    _age_session(client, started=12 * 3600 + 1, seen=5)
    assert is_signed_out(client)


@pytest.mark.django_db
def test_the_timeouts_are_configurable(owner, settings):
    settings.KINDRED_SESSION_IDLE_SECONDS = 30
    client = signed_in(owner)
    _age_session(client, started=31, seen=31)
    assert is_signed_out(client)


@pytest.mark.django_db
def test_creating_a_token_asks_for_the_password_again(client, owner):
    client.force_login(owner)
    response = client.post(reverse("accounts:tokens"), {"name": "CRM"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not ApiToken.objects.filter(user=owner).exists()
    reauthenticate(client)
    response = client.post(reverse("accounts:tokens"), {"name": "CRM"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=owner, name="CRM").exists()


@pytest.mark.django_db
def test_the_token_list_needs_no_password(client, owner):
    client.force_login(owner)
    assert client.get(reverse("accounts:tokens")).status_code == 200


@pytest.mark.django_db
def test_adding_an_email_address_asks_for_the_password_again(client, colleague):
    """(People with a second factor cannot add addresses at all: allauth.)"""
    client.force_login(colleague)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "new@example.com"}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not colleague.emailaddress_set.filter(email="new@example.com").exists()
    reauthenticate(client)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "new@example.com"}
    )
    assert colleague.emailaddress_set.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_changing_the_second_factor_asks_for_the_password_again(client):
    person = make_person("nofactor@example.com", "Nia Nofactor")
    client.force_login(person)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


@pytest.mark.django_db
def test_changing_the_password_needs_the_current_one(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "not-the-password",
            "password1": "a-new-long-passphrase-42",
            "password2": "a-new-long-passphrase-42",
        },
    )
    assert response.status_code == 200  # the form again, with an error
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


@pytest.mark.django_db
def test_production_requires_a_second_factor_of_demo_stewards_too(settings):
    """The demo exemption is a development convenience: off, a steward without a
    second factor cannot use steward powers."""
    from kindred.accounts.permissions import require_steward

    person = make_person("demo.steward@example.com", "Demo Steward", steward=True)
    person.is_demo = True
    person.save()
    settings.KINDRED_DEMO_MFA_EXEMPT = False
    with pytest.raises(SecondFactorRequired):
        require_steward(person)
    settings.KINDRED_DEMO_MFA_EXEMPT = True
    require_steward(person)  # development only


@pytest.mark.django_db
def test_an_organisation_admin_without_a_second_factor_has_no_admin_powers(
    settings, organisation
):
    from kindred.organisations.models import Membership, Role
    from kindred.organisations.permissions import require_org_admin

    settings.KINDRED_DEMO_MFA_EXEMPT = False
    admin = make_person("plain.admin@example.com", "Pat Admin")
    Membership.objects.create(organisation=organisation, user=admin, role=Role.ADMIN)
    with pytest.raises(SecondFactorRequired):
        require_org_admin(admin, organisation)


@pytest.mark.django_db
def test_a_steward_without_a_second_factor_is_sent_to_set_one_up(client, settings):
    settings.KINDRED_DEMO_MFA_EXEMPT = False
    person = make_person("new.steward@example.com", "Ned Steward", steward=True)
    outsider = make_person("someone@example.com", "Sam Someone")
    client.force_login(person)
    response = client.post(
        reverse("steward:person_suspend", args=[outsider.pk]), {"reason": "spam"}
    )
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.suspended_at is None
