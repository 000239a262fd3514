"""Fixtures for referral tests: a referring and a receiving organisation, a
service, an entrepreneur, and helpers to make referrals in a given state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_person


@pytest.fixture
def receiver_admin(db):
    return make_person("rita@mindful.example", "Rita Receiver")


@pytest.fixture
def receiver(db):
    return make_person("ravi@mindful.example", "Ravi Practitioner")


@pytest.fixture
def entrepreneur(db):
    return make_person("erin@founder.example", "Erin Entrepreneur")


@pytest.fixture
def receiving_org(receiver_admin, receiver):
    from kindred.organisations.models import Membership, Organisation, Role

    org = Organisation.objects.create(
        name="Mindful Founders", slug="mindful-founders", kind="charity"
    )
    Membership.objects.create(organisation=org, user=receiver_admin, role=Role.ADMIN)
    Membership.objects.create(organisation=org, user=receiver, role=Role.PRACTITIONER)
    return org


@pytest.fixture
def wellbeing_service(receiving_org, topics):
    from kindred.directory.models import Service

    service = Service.objects.create(
        organisation=receiving_org,
        name="Founder wellbeing programme",
        description="Eight weeks of mindfulness for founders.",
        application_process="Ask for a place.",
        response_days=2,
    )
    service.topics.set([topics["mindfulness"]])
    return service


@pytest.fixture
def other_service(db, topics):
    from kindred.directory.models import Service
    from kindred.organisations.models import Organisation

    org = Organisation.objects.create(
        name="Cash Clinic", slug="cash-clinic", kind="business_adviser"
    )
    return Service.objects.create(
        organisation=org,
        name="Cash-flow clinic",
        description="Help with cash flow.",
        application_process="Book.",
    )


def consent(**overrides):
    from kindred.referrals.models import Consent
    from kindred.referrals.services import ConsentInput

    values = {
        "fields": ["name", "email", "note"],
        "purpose": "To offer a place on the programme.",
        "expires_on": timezone.localdate() + timedelta(days=90),
        "method": Consent.Method.VERBAL,
        "given_on": timezone.localdate(),
    }
    values.update(overrides)
    return ConsentInput(**values)


@pytest.fixture
def refer(colleague, organisation, entrepreneur, wellbeing_service):
    """Make a referral from `organisation` (by `colleague`) to the wellbeing service."""
    from kindred.referrals import services

    def make(**overrides):
        arguments = {
            "by": colleague,
            "entrepreneur": entrepreneur,
            "consent": consent(),
            "service": wellbeing_service,
            "from_organisation": organisation,
            "note": "Needs a calmer way to run the business.",
            "wellbeing_note": "Sleeps badly.",
        }
        arguments.update(overrides)
        return services.create_referral(**arguments)

    return make


@pytest.fixture
def unrelated_referral(db, topics):
    """A referral between two organisations none of the usual people belong to."""
    from kindred.directory.models import Service
    from kindred.organisations.models import Membership, Organisation, Role
    from kindred.referrals import services

    harbour = Organisation.objects.create(
        name="Harbour Traders", slug="harbour-traders", kind="charity"
    )
    lighthouse = Organisation.objects.create(
        name="Lighthouse Loans", slug="lighthouse-loans", kind="business_adviser"
    )
    hana = make_person("hana@harbour.example", "Hana Harbour")
    luca = make_person("luca@lighthouse.example", "Luca Lighthouse")
    Membership.objects.create(organisation=harbour, user=hana, role=Role.PRACTITIONER)
    Membership.objects.create(organisation=lighthouse, user=luca, role=Role.ADMIN)
    loans = Service.objects.create(
        organisation=lighthouse,
        name="Start-up loans desk",
        description="Loans for new businesses.",
        application_process="Apply online.",
    )
    stranger = make_person("zed@stranger.example", "Zed Stranger")
    return services.create_referral(
        by=hana,
        entrepreneur=stranger,
        consent=consent(),
        service=loans,
        from_organisation=harbour,
        note="Unrelated note about Zed.",
    )
