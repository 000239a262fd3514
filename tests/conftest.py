"""Shared fixtures: three people every feature has — the owner, a colleague and an
outsider — plus an organisation they (do not) belong to."""

from __future__ import annotations

import os

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and cached values never leak from one test to the next."""
    from django.core.cache import cache

    from kindred.analytics.selectors import remember_public_page
    from kindred.directory.selectors import reset_index
    from kindred.launch.selectors import LaunchState, remember_state

    cache.clear()
    reset_index()
    # Every test starts with the public ecosystem page off, as a fresh database has
    # it, without each page's footer asking the database.
    remember_public_page(False)
    # Every test starts in a launched ecosystem (no first-run redirect), without
    # each page asking the database; the launch tests set the state they need.
    remember_state(LaunchState(), forever=True)
    yield


def make_person(email: str, name: str, *, steward: bool = False, mfa: bool = False):
    from kindred.accounts.models import User

    user = User.objects.create_user(email=email, password=PASSWORD, is_steward=steward)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user.profile.display_name = name
    user.profile.save()
    if mfa:
        give_second_factor(user)
    return user


def give_second_factor(user) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    assert Authenticator.objects.filter(user=user, type="totp").exists()


@pytest.fixture
def owner(db):
    """An admin of `organisation`, with two-factor authentication on."""
    return make_person("owner@example.com", "Olive Owner", mfa=True)


@pytest.fixture
def colleague(db):
    """A practitioner in the same organisation as `owner`."""
    return make_person("colleague@example.com", "Colin Colleague")


@pytest.fixture
def outsider(db):
    """A signed-in member of the ecosystem with no tie to `organisation`."""
    return make_person("outsider@example.com", "Oscar Outsider", mfa=True)


@pytest.fixture
def steward(db):
    return make_person("steward@example.com", "Stella Steward", steward=True, mfa=True)


@pytest.fixture
def organisation(owner, colleague):
    from kindred.organisations.models import Membership, Organisation, Role

    org = Organisation.objects.create(
        name="Riverside Growth Hub",
        slug="riverside-growth-hub",
        kind="public_agency",
        summary="Free business support.",
    )
    Membership.objects.create(organisation=org, user=owner, role=Role.ADMIN)
    Membership.objects.create(organisation=org, user=colleague, role=Role.PRACTITIONER)
    return org


@pytest.fixture
def topics(db):
    from kindred.core.models import Topic

    return {t.slug: t for t in Topic.objects.all()}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Make sure the seeded vocabularies exist, even in a reused database that a
    transactional test flushed at the end of an earlier run."""
    from kindred.core import vocabulary
    from kindred.core.models import Region, Sector, Topic

    with django_db_blocker.unblock():
        vocabulary.seed(Topic, Region, Sector)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Refuse an order in which a database test runs after a transactional one.

    Transactional tests (the browser tests' live server) empty every table when
    they end, the seeded vocabularies included, so pytest-django runs them after
    the others. A test that parametrizes an argument named like a session-scoped
    fixture (`page`, say) can make pytest regroup the browser tests in the middle
    of the run: fail at collection with the reason rather than with hundreds of
    errors later.
    """
    seen_transactional = None
    for item in items:
        names = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        marked = marker is not None and (
            marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
        )
        if marked or "live_server" in names or "transactional_db" in names:
            seen_transactional = seen_transactional or item.nodeid
        elif seen_transactional and ("db" in names or marker is not None):
            raise pytest.UsageError(
                f"{item.nodeid} uses the database but runs after the transactional "
                f"test {seen_transactional}, which empties it. Does it parametrize "
                "an argument named like a fixture (such as `page`)?"
            )
