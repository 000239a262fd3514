# ruff: noqa: F401, F811 - fixtures imported from tests/test_learning.py
"""The courses API: building, enrolling, progress, quizzes, certificates; refusals as
problem+json and private things as 404."""

from __future__ import annotations

import re
import zlib

import pytest

from kindred.learning import selectors, services
from kindred.learning.models import Course, Enrolment, QuizAttempt

from .test_directory_api import api_for, assert_problem
from .test_learning import (  # noqa: F401 - fixtures
    complete_all,
    course,
    learner,
    lessons_of,
    right_answers,
    trainer,
)


def pdf_text(pdf: bytes) -> bytes:
    """The PDF's bytes with its compressed streams inflated."""
    out = pdf
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out += zlib.decompress(match.group(1))
        except zlib.error:
            continue
    return out


def test_a_trainer_builds_and_publishes_a_course(organisation, trainer):
    api = api_for(trainer)
    created = api.post(
        "/api/v1/courses",
        {
            "organisation": organisation.slug,
            "title": "Tax made simple",
            "summary": "Self-assessment without fear.",
            "enrolment": "approval",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    assert created.json()["status"] == "draft"
    module = api.post(
        f"/api/v1/courses/{slug}/modules", {"title": "Basics"}, format="json"
    )
    assert module.status_code == 201
    lesson = api.post(
        f"/api/v1/courses/{slug}/modules/{module.json()['id']}/lessons",
        {"title": "Deadlines", "body": "31 January.", "video_url": ""},
        format="json",
    )
    assert lesson.status_code == 201
    quiz = api.put(
        f"/api/v1/courses/{slug}/lessons/{lesson.json()['id']}/quiz",
        {
            "pass_mark": 50,
            "questions": [
                {
                    "text": "When?",
                    "choices": [
                        {"text": "31 January", "correct": True},
                        {"text": "1 April"},
                    ],
                }
            ],
        },
        format="json",
    )
    assert quiz.status_code == 200, quiz.content
    assert "correct" not in str(quiz.json())
    published = api.post(
        f"/api/v1/courses/{slug}/publish", {"published": True}, format="json"
    )
    assert published.json()["status"] == "published"
    assert published.json()["modules"][0]["lessons"][0]["has_quiz"] is True


def test_outsider_cannot_create_a_course_for_an_organisation(organisation, outsider):
    response = api_for(outsider).post(
        "/api/v1/courses",
        {"organisation": organisation.slug, "title": "X", "summary": "Y"},
        format="json",
    )
    assert_problem(response, 403)
    assert not Course.objects.exists()


def test_bad_video_link_is_a_problem_naming_the_field(course, trainer):
    module = course.modules.first()
    response = api_for(trainer).post(
        f"/api/v1/courses/{course.slug}/modules/{module.pk}/lessons",
        {"title": "Video", "video_url": "http://example.com/v"},
        format="json",
    )
    assert_problem(response, 400)
    assert "video" in response.json()["detail"].lower() or response.json()["errors"]


def test_draft_course_is_404_for_learners(course, trainer, learner):
    services.publish_course(course, by=trainer, published=False)
    response = api_for(learner).get(f"/api/v1/courses/{course.slug}")
    assert_problem(response, 404)
    listed = api_for(learner).get("/api/v1/courses").json()
    assert course.slug not in [c["slug"] for c in listed]
    assert api_for(trainer).get(f"/api/v1/courses/{course.slug}").status_code == 200


def test_learner_enrols_reads_passes_and_downloads_the_certificate(course, learner):
    api = api_for(learner)
    first = api.post(f"/api/v1/courses/{course.slug}/enrolment")
    again = api.post(f"/api/v1/courses/{course.slug}/enrolment")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    *plain, quizzed = lessons_of(course)
    for lesson in plain:
        read = api.get(f"/api/v1/courses/{course.slug}/lessons/{lesson.pk}")
        assert read.status_code == 200
        done = api.post(f"/api/v1/courses/{course.slug}/lessons/{lesson.pk}/complete")
        assert done.status_code == 200
    refused = api.post(f"/api/v1/courses/{course.slug}/lessons/{quizzed.pk}/complete")
    assert_problem(refused, 409)
    answers = [{"question": q, "choices": c} for q, c in right_answers(quizzed).items()]
    attempt = api.post(
        f"/api/v1/courses/{course.slug}/lessons/{quizzed.pk}/quiz/attempts",
        {"answers": answers},
        format="json",
    )
    assert attempt.status_code == 201 and attempt.json()["passed"] is True
    progress = api.get(f"/api/v1/courses/{course.slug}/progress").json()
    assert (progress["done"], progress["total"]) == (3, 3)
    code = progress["certificate_code"]
    pdf = api.get(f"/api/v1/courses/{course.slug}/certificate")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert body.startswith(b"%PDF")
    assert code.encode() in pdf_text(body)


def test_quiz_answers_for_another_question_are_refused(course, learner):
    services.enrol(course, learner, by=learner)
    quizzed = lessons_of(course)[-1]
    response = api_for(learner).post(
        f"/api/v1/courses/{course.slug}/lessons/{quizzed.pk}/quiz/attempts",
        {"answers": [{"question": 999999, "choices": [1]}]},
        format="json",
    )
    assert_problem(response, 400)
    assert not QuizAttempt.objects.exists()


def test_not_enrolled_people_cannot_read_lessons_or_quizzes(course, outsider):
    api = api_for(outsider)
    lesson = lessons_of(course)[-1]
    assert_problem(api.get(f"/api/v1/courses/{course.slug}/lessons/{lesson.pk}"), 404)
    assert_problem(
        api.get(f"/api/v1/courses/{course.slug}/lessons/{lesson.pk}/quiz"), 404
    )
    assert_problem(api.get(f"/api/v1/courses/{course.slug}/progress"), 404)
    assert_problem(api.get(f"/api/v1/courses/{course.slug}/certificate"), 404)


def test_only_trainers_see_enrolments_and_the_report(course, learner, outsider):
    services.enrol(course, learner, by=learner)
    for person in (learner, outsider):
        api = api_for(person)
        assert_problem(api.get(f"/api/v1/courses/{course.slug}/enrolments"), 404)
        assert_problem(api.get(f"/api/v1/courses/{course.slug}/report"), 404)


def test_trainer_approves_an_enrolment(course, trainer, learner):
    course.enrolment = Course.Enrolment.APPROVAL
    course.save()
    pending = api_for(learner).post(f"/api/v1/courses/{course.slug}/enrolment")
    assert pending.json()["status"] == "pending"
    api = api_for(trainer)
    rows = api.get(f"/api/v1/courses/{course.slug}/enrolments").json()
    assert [row["status"] for row in rows] == ["pending"]
    decided = api.post(
        f"/api/v1/courses/{course.slug}/enrolments/{rows[0]['id']}/decision",
        {"approve": True},
        format="json",
    )
    assert decided.json()["status"] == "active"
    assert Enrolment.objects.get().status == Enrolment.Status.ACTIVE


def test_learner_cannot_decide_their_own_enrolment(course, learner):
    course.enrolment = Course.Enrolment.APPROVAL
    course.save()
    enrolment = services.enrol(course, learner, by=learner)
    response = api_for(learner).post(
        f"/api/v1/courses/{course.slug}/enrolments/{enrolment.pk}/decision",
        {"approve": True},
        format="json",
    )
    assert_problem(response, 404)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_report_shows_drop_off_and_quiz_results(course, trainer, learner):
    complete_all(course, learner)
    report = api_for(trainer).get(f"/api/v1/courses/{course.slug}/report").json()
    assert report["completed"] == 1
    assert [row["reached"] for row in report["lessons"]] == [1, 1, 1]
    assert report["quizzes"][0]["pass_rate"] == 100


def test_certificate_verification_is_public(client, course, learner, trainer):
    complete_all(course, learner)
    certificate = selectors.certificate_for(course, learner)
    response = client.get(f"/api/v1/courses/certificates/{certificate.code}")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["name"] == "Lena Learner"
    assert set(body) == {
        "valid",
        "revoked_at",
        "name",
        "course",
        "organisation",
        "issued_at",
    }
    services.revoke_certificate(certificate, by=trainer, reason="Error")
    assert (
        client.get(f"/api/v1/courses/certificates/{certificate.code}").json()["valid"]
        is False
    )
    unknown = client.get("/api/v1/courses/certificates/not-a-code")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/courses/nope",
        "/api/v1/courses/{slug}/lessons/999999",
        "/api/v1/courses/{slug}/modules/999999/move",
    ],
)
def test_unknown_things_are_404(course, trainer, path):
    api = api_for(trainer)
    url = path.format(slug=course.slug)
    response = (
        api.post(url, {"direction": "up"}, format="json")
        if "move" in url
        else api.get(url)
    )
    assert_problem(response, 404)
