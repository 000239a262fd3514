"""The dashboard shows a person's cohort, mentoring pair and courses under way —
only their own, and in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kindred.core import demo
from kindred.programmes import services as programme_services
from kindred.programmes.models import Programme


@pytest.fixture
def ecosystem(db):
    return demo.build(scale=30, seed=3)


def page(client, email):
    client.logout()
    assert client.login(email=email, password=demo.DEMO_PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_founder_sees_their_mentor_and_course_and_others_see_only_theirs(
    client, ecosystem
):
    founder, queries = page(client, "founder@example.org")
    assert "Your mentoring" in founder
    assert "Mentored by Priya Patel" in founder
    assert "Your courses" in founder
    assert "Resilience for founders" in founder
    assert "3 of 6 lessons done" in founder

    mentor, _ = page(client, "mentor@example.org")
    assert "Mentoring Jamal Campbell" in mentor or "Your mentoring" in mentor
    assert "Resilience for founders" not in mentor

    adviser, _ = page(client, "adviser@example.org")
    assert "Mentored by Priya Patel" not in adviser
    assert "Your courses" not in adviser
    assert "Your programme" not in adviser


def test_a_place_shows_the_programme_and_the_survey_due(client, ecosystem):
    from kindred.accounts.models import User

    founder = User.objects.get(email="founder@example.org")
    before, queries_before = page(client, "founder@example.org")
    assert "Your programme" not in before
    programme = Programme.objects.get(service__name__icontains="wellbeing")
    lead = programme.lead
    cohort = programme.cohorts.filter(status="planned").order_by("starts_on").first()
    programme_services.add_place(cohort, participant=founder, by=lead)
    after, queries_after = page(client, "founder@example.org")
    assert "Your programme" in after
    assert programme.service.name in after
    today = timezone.localdate()
    due = cohort.instrument_id and any(w.is_open(today) for w in cohort.windows.all())
    assert ("A survey is waiting for your answers." in after) == bool(due)
    # One place adds a handful of queries, not one per lesson, pair or window.
    assert queries_after - queries_before <= 6
