"""Moderation: reports, the stewards' queue and decisions, through the services
and the pages. Projects are the registered content used here."""

from __future__ import annotations

import pytest
from django.http import Http404

from kindred.core.errors import KindredError, NotAllowed
from kindred.core.models import AuditEntry
from kindred.moderation import permissions, registry, selectors, services
from kindred.moderation.errors import AlreadyReported
from kindred.moderation.models import Decision, Report
from kindred.notifications.models import Notification
from kindred.projects import services as project_services
from kindred.projects.models import Project

from .conftest import make_person


@pytest.fixture
def author(db):
    return make_person("author@example.com", "Ada Author")


@pytest.fixture
def reporter(db):
    return make_person("reporter@example.com", "Rita Reporter")


@pytest.fixture
def project(author):
    return project_services.create_project(
        by=author, title="Buy my course", description="Spam spam spam."
    )


def _report_url(project: Project) -> str:
    return f"/moderation/report/projects.project/{project.pk}/"


def test_projects_are_registered_with_the_registry():
    entry = registry.get("projects.project")
    assert entry.model is Project and str(entry.label) == "project"
    with pytest.raises(LookupError):
        registry.get("auth.user")


def test_a_member_reports_content_once(
    project, reporter, steward, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_content(project, by=reporter, reason="spam")
    assert report.status == Report.Status.OPEN
    assert Notification.objects.filter(
        recipient=steward, kind="moderation.reported"
    ).exists()
    with pytest.raises(AlreadyReported):
        services.report_content(project, by=reporter, reason="other")
    with pytest.raises(KindredError):
        services.report_content(project, by=reporter, reason="nonsense")
    assert Report.objects.count() == 1


def test_reporting_what_you_cannot_see_is_404(project, reporter, steward):
    project_services.hide_project(project, steward)
    with pytest.raises(Http404):
        permissions.get_reportable_for_user(reporter, "projects.project", project.pk)
    with pytest.raises(Http404):
        permissions.get_reportable_for_user(reporter, "auth.user", reporter.pk)
    with pytest.raises(Http404):
        permissions.get_reportable_for_user(reporter, "projects.project", 2**63)


def test_hiding_closes_reports_and_tells_reporter_and_author(
    project, author, reporter, steward, django_capture_on_commit_callbacks
):
    services.report_content(project, by=reporter, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.decide(project, by=steward, action="hide", note="Spam.")
    project.refresh_from_db()
    assert project.hidden
    assert Report.objects.get().status == Report.Status.ACTIONED
    assert Report.objects.get().decision == decision
    assert Notification.objects.filter(
        recipient=reporter, kind="moderation.outcome"
    ).exists()
    assert Notification.objects.filter(
        recipient=author, kind="moderation.hidden"
    ).exists()
    assert AuditEntry.objects.filter(action="moderation.hide").exists()
    services.decide(project, by=steward, action="restore")
    project.refresh_from_db()
    assert not project.hidden
    assert Decision.objects.count() == 2


def test_warn_needs_a_note_and_reaches_the_author(project, author, reporter, steward):
    services.report_content(project, by=reporter, reason="off-topic")
    with pytest.raises(KindredError):
        services.decide(project, by=steward, action="warn")
    assert Report.objects.get().status == Report.Status.OPEN
    services.decide(project, by=steward, action="warn", note="Please keep it useful.")
    note = Notification.objects.get(recipient=author, kind="moderation.warning")
    assert "Please keep it useful." in note.message


def test_suspend_uses_the_accounts_service(project, author, reporter, steward):
    services.report_content(project, by=reporter, reason="harassment")
    services.decide(project, by=steward, action="suspend", note="Repeated abuse.")
    author.refresh_from_db()
    assert author.suspended_at is not None and not author.is_active


def test_dismiss_needs_open_reports(project, reporter, steward):
    with pytest.raises(KindredError):
        services.decide(project, by=steward, action="dismiss")
    services.report_content(project, by=reporter, reason="other")
    services.decide(project, by=steward, action="dismiss")
    assert Report.objects.get().status == Report.Status.DISMISSED


def test_only_stewards_decide_and_nothing_changes_on_refusal(project, reporter):
    services.report_content(project, by=reporter, reason="spam")
    with pytest.raises(NotAllowed):
        services.decide(project, by=reporter, action="hide")
    project.refresh_from_db()
    assert not project.hidden and not Decision.objects.exists()
    assert Report.objects.get().status == Report.Status.OPEN


def test_decisions_are_append_only(project, reporter, steward):
    services.report_content(project, by=reporter, reason="spam")
    decision = services.decide(project, by=steward, action="dismiss")
    with pytest.raises(ValueError):
        decision.save()


def test_the_queue_groups_reports_by_content(project, author, steward):
    for n in range(3):
        person = make_person(f"r{n}@example.com", f"R {n}")
        services.report_content(project, by=person, reason="spam")
    page, items = selectors.queue_page(1)
    assert len(items) == 1
    assert items[0].report_count == 3 and items[0].title == "Buy my course"
    assert items[0].author == author


# --- pages ------------------------------------------------------------------------


def test_report_button_and_form(client, project, reporter):
    client.force_login(reporter)
    body = client.get(project.get_absolute_url()).content.decode()
    assert _report_url(project) in body
    response = client.post(_report_url(project), {"reason": "spam", "note": "Ads."})
    assert response.status_code == 302
    assert Report.objects.get().note == "Ads."
    response = client.post(_report_url(project), {"reason": "bad"})
    assert response.status_code == 400 and Report.objects.count() == 1


def test_report_form_for_hidden_or_unknown_content_is_404(
    client, project, reporter, steward
):
    project_services.hide_project(project, steward)
    client.force_login(reporter)
    assert client.get(_report_url(project)).status_code == 404
    assert client.get("/moderation/report/auth.user/1/").status_code == 404
    huge = "/moderation/report/projects.project/99999999999999999999/"
    assert client.get(huge).status_code == 404


def test_non_stewards_get_403_on_the_queue(client, project, reporter):
    client.force_login(reporter)
    assert client.get("/moderation/").status_code == 403
    url = f"/moderation/content/projects.project/{project.pk}/"
    assert client.post(url, {"action": "hide"}).status_code == 403
    project.refresh_from_db()
    assert not project.hidden


def test_steward_works_the_queue(
    client, project, reporter, steward, django_assert_max_num_queries
):
    services.report_content(project, by=reporter, reason="spam")
    for n in range(5):
        other = project_services.create_project(
            by=make_person(f"a{n}@example.com", f"A {n}"),
            title=f"P{n}",
            description="x",
        )
        services.report_content(other, by=reporter, reason="spam")
    client.force_login(steward)
    with django_assert_max_num_queries(20):
        body = client.get("/moderation/").content.decode()
    assert "Buy my course" in body and "P4" in body
    url = f"/moderation/content/projects.project/{project.pk}/"
    response = client.post(url, {"action": "warn", "note": ""})
    assert response.status_code == 400 and not Decision.objects.exists()
    response = client.post(url, {"action": "hide", "note": "Spam"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.hidden
    assert client.get(url).status_code == 200
