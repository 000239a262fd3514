"""Projects and businesses: the services, their rules and who may do what.

Each refusal is checked twice: the error and the database (nothing changed).
"""

from __future__ import annotations

import pytest
from django.http import Http404

from kindred.core.errors import KindredError, NotAllowed
from kindred.core.models import AuditEntry
from kindred.notifications.models import Notification
from kindred.projects import permissions, selectors, services
from kindred.projects.errors import StateConflict
from kindred.projects.models import Business, Project, Volunteer
from kindred.projects.services import RoleInput

from .conftest import make_person


@pytest.fixture
def founder(db):
    return make_person("founder@example.com", "Fran Founder")


@pytest.fixture
def helper(db):
    return make_person("helper@example.com", "Hal Helper")


@pytest.fixture
def project(founder, topics):
    return services.create_project(
        by=founder,
        title="New product launch",
        description="We launch **oat milk** in spring.",
        topics=[topics["marketing"]] if "marketing" in topics else [],
        roles=[
            RoleInput(title="Copywriter", places=1),
            RoleInput(title="Tester", description="Try it out.", places=2),
        ],
    )


def _role(project, title):
    return project.roles.get(title=title)


def test_posting_a_project_creates_its_roles_and_an_audit_entry(project, founder):
    """A posted project is open, owned by its author, with each role's places."""
    assert project.status == Project.Status.OPEN and project.owner == founder
    assert [(r.title, r.places) for r in project.roles.order_by("id")] == [
        ("Copywriter", 1),
        ("Tester", 2),
    ]
    assert AuditEntry.objects.filter(action="project.created").exists()


def test_bad_input_is_refused_and_nothing_is_created(founder):
    """A missing title, script in Markdown, a bad role or a NUL byte create nothing."""
    cases = [
        {"title": "", "description": "x"},
        {"title": "T", "description": "<script>alert(1)</script>"},
        {"title": "T\x00", "description": "x"},
        {"title": "T", "description": "x", "roles": [RoleInput(title="R", places=0)]},
        {"title": "T", "description": "x", "roles": [RoleInput(title="", places=1)]},
    ]
    for case in cases:
        with pytest.raises(KindredError):
            services.create_project(by=founder, **case)
    assert not Project.objects.exists()


def test_posting_for_an_organisation_needs_admin_or_practitioner(
    organisation, owner, colleague, outsider
):
    """Admins and practitioners post for their organisation; others may not."""
    project = services.create_project(
        by=colleague, title="Hub fair", description="x", organisation=organisation
    )
    assert permissions.can_manage(owner, project)
    with pytest.raises(NotAllowed):
        services.create_project(
            by=outsider, title="Sneaky", description="x", organisation=organisation
        )
    assert Project.objects.count() == 1


def test_volunteering_notifies_the_owner(
    project, founder, helper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.volunteer_for(
            _role(project, "Copywriter"), by=helper, message="I write."
        )
    assert offer.status == Volunteer.Status.PENDING
    assert Notification.objects.filter(
        recipient=founder, kind="projects.volunteered"
    ).exists()


def test_volunteering_twice_or_for_ones_own_project_is_refused(
    project, founder, helper
):
    role = _role(project, "Copywriter")
    services.volunteer_for(role, by=helper)
    with pytest.raises(StateConflict):
        services.volunteer_for(role, by=helper)
    with pytest.raises(KindredError):
        services.volunteer_for(role, by=founder)
    assert Volunteer.objects.count() == 1


def test_only_the_owner_decides_and_places_are_respected(project, founder, helper):
    """A stranger cannot accept; a full role refuses more; declines are told."""
    role = _role(project, "Copywriter")
    first = services.volunteer_for(role, by=helper)
    other = make_person("other@example.com", "Ola Other")
    second = services.volunteer_for(role, by=other)
    with pytest.raises(NotAllowed):
        services.decide_volunteer(first, by=other, accept=True)
    first.refresh_from_db()
    assert first.status == Volunteer.Status.PENDING
    services.decide_volunteer(first, by=founder, accept=True)
    with pytest.raises(StateConflict):
        services.decide_volunteer(second, by=founder, accept=True)
    second.refresh_from_db()
    assert second.status == Volunteer.Status.PENDING
    services.decide_volunteer(second, by=founder, accept=False)
    second.refresh_from_db()
    assert second.status == Volunteer.Status.DECLINED
    assert Notification.objects.filter(
        recipient=other, kind="projects.decided"
    ).exists()
    with pytest.raises(StateConflict):
        services.decide_volunteer(second, by=founder, accept=True)


def test_updates_are_private_to_the_team(project, founder, helper, outsider):
    """Accepted volunteers see updates; outsiders and pending volunteers get 404."""
    role = _role(project, "Tester")
    offer = services.volunteer_for(role, by=helper)
    services.post_update(project, by=founder, body="Samples ship Monday.")
    with pytest.raises(Http404):
        permissions.get_project_for_updates(helper, project.pk)
    services.decide_volunteer(offer, by=founder, accept=True)
    assert permissions.get_project_for_updates(helper, project.pk) == project
    with pytest.raises(Http404):
        permissions.get_project_for_updates(outsider, project.pk)
    with pytest.raises(NotAllowed):
        services.post_update(project, by=helper, body="Hi")
    assert project.updates.count() == 1


def test_closing_stops_volunteering_and_declines_pending_offers(
    project, founder, helper, outsider
):
    pending = services.volunteer_for(_role(project, "Tester"), by=helper)
    with pytest.raises(NotAllowed):
        services.close_project(project, by=outsider)
    services.close_project(project, by=founder)
    pending.refresh_from_db()
    assert pending.status == Volunteer.Status.DECLINED
    with pytest.raises(StateConflict):
        services.volunteer_for(_role(project, "Copywriter"), by=outsider)
    with pytest.raises(StateConflict):
        services.close_project(project, by=founder)


def test_a_hidden_project_is_seen_only_by_its_team_and_stewards(
    project, founder, outsider, steward
):
    services.hide_project(project, steward)
    with pytest.raises(Http404):
        permissions.get_project_for_user(outsider, project.pk)
    assert permissions.get_project_for_user(founder, project.pk) == project
    assert permissions.get_project_for_user(steward, project.pk) == project
    assert project not in selectors.open_projects(outsider)


def test_huge_ids_are_404_not_errors(outsider):
    for pk in (0, 2**63, 10**30):
        with pytest.raises(Http404):
            permissions.get_project_for_user(outsider, pk)


def test_a_member_lists_a_business_and_only_the_owner_edits_it(
    founder, outsider, topics
):
    business = services.create_business(
        by=founder,
        name="Oat & Co",
        summary="Oat milk for cafes.",
        offers="* Oat milk\n* Barista training",
        member_offer="10% off for members",
        website="https://oat.example.org",
        topics=list(topics.values())[:2],
    )
    assert business.slug == "oat-co" and business.is_active
    with pytest.raises(NotAllowed):
        services.update_business(business, by=outsider, name="Mine", summary="x")
    business.refresh_from_db()
    assert business.name == "Oat & Co"
    with pytest.raises(KindredError):
        services.create_business(by=founder, name="X", summary="y", website="ftp://x")
    with pytest.raises(KindredError):
        services.create_business(
            by=founder, name="X", summary="y", offers="<img src=x onerror=alert(1)>"
        )
    assert Business.objects.count() == 1
    services.update_business(
        business, by=founder, name="Oat & Co", summary="x", is_active=False
    )
    with pytest.raises(Http404):
        permissions.get_business_for_user(outsider, business.slug)
    assert permissions.get_business_for_user(founder, business.slug) == business
