"""Fixtures for programme tests: Mindful Founders runs its wellbeing service as a
programme led by `receiver` (a practitioner), with a two-scale survey and a
cohort that starts next week. Import with `from tests.test_programmes_fixtures
import *`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_person
from tests.referral_fixtures import *  # noqa: F403


@pytest.fixture
def lead(receiver):
    return receiver


@pytest.fixture
def programme(wellbeing_service, lead, receiver_admin):
    from kindred.programmes import services

    wellbeing_service.is_programme = True
    wellbeing_service.save(update_fields=["is_programme"])
    return services.create_programme(
        wellbeing_service, by=receiver_admin, lead=lead, summary="Eight weeks."
    )


@pytest.fixture
def instrument(programme, lead):
    from kindred.programmes import services
    from kindred.programmes.services import ItemInput, ScaleInput

    return services.create_instrument(
        programme,
        by=lead,
        name="Founder wellbeing check",
        scales=[ScaleInput("Wellbeing"), ScaleInput("Stress", higher_is_better=False)],
        items=[
            ItemInput("I feel calm most days.", "likert5", scale=0),
            ItemInput("I feel on edge.", "likert5", scale=0, reverse=True),
            ItemInput("I sleep well.", "likert5", scale=0),
            ItemInput("Work keeps me awake.", "likert7", scale=1, required=True),
            ItemInput("Hours worked last week", "number", minimum=0, maximum=120),
            ItemInput("Anything else?", "text"),
        ],
    )


def make_cohort(programme, by, *, instrument=None, capacity=10, days=7, **extra):
    from kindred.programmes import services
    from kindred.programmes.services import CohortInput

    today = timezone.localdate()
    return services.create_cohort(
        programme,
        by=by,
        data=CohortInput(
            name=extra.pop("name", "Spring cohort"),
            starts_on=today + timedelta(days=days),
            ends_on=today + timedelta(days=days + 56),
            capacity=capacity,
            instrument=instrument,
            **extra,
        ),
    )


@pytest.fixture
def cohort(programme, lead, instrument):
    return make_cohort(programme, lead, instrument=instrument)


@pytest.fixture
def participants(db):
    return [make_person(f"p{i}@founders.example", f"Participant {i}") for i in range(8)]


def answers_for(instrument, values):
    """Map the instrument's items in order to `values` (None to skip)."""
    items = list(instrument.items.order_by("position"))
    return {item.pk: value for item, value in zip(items, values, strict=False)}
