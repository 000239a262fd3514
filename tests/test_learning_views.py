# ruff: noqa: F401, F811 - fixtures imported from tests/test_learning.py
"""Course pages: what each person sees, refusals as 404, bad input kept, bounded
queries, the certificate PDF and the public verification page."""

from __future__ import annotations

import pytest

from kindred.learning import selectors, services
from kindred.learning.models import Course, Enrolment, Lesson, QuizAttempt

from .conftest import PASSWORD
from .test_learning import (
    complete_all,
    course,
    learner,
    lessons_of,
    right_answers,
    trainer,
)
from .test_learning_api import pdf_text


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_signed_out_visitors_are_sent_to_log_in(client, course):
    for url in ("/courses/", f"/courses/{course.slug}/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_course_list_shows_published_courses_with_bounded_queries(
    client, course, trainer, organisation, learner, django_assert_max_num_queries
):
    for n in range(5):
        extra = services.create_course(
            organisation, by=trainer, title=f"Extra {n}", summary="More."
        )
        module = services.add_module(extra, by=trainer, title="M")
        services.add_lesson(module, by=trainer, title="L")
        services.publish_course(extra, by=trainer)
        services.enrol(extra, learner, by=learner)
    login(client, learner)
    with django_assert_max_num_queries(15):
        response = client.get("/courses/")
    assert response.status_code == 200
    assert "Money basics" in response.content.decode()
    assert "Extra 4" in response.content.decode()


def test_draft_course_is_404_for_learners_but_shown_to_trainers(
    client, course, trainer, learner
):
    services.publish_course(course, by=trainer, published=False)
    login(client, learner)
    assert client.get(f"/courses/{course.slug}/").status_code == 404
    assert "Money basics" not in client.get("/courses/").content.decode()
    login(client, trainer)
    assert client.get(f"/courses/{course.slug}/").status_code == 200


def test_learner_enrols_completes_and_downloads_the_certificate(
    client, course, learner
):
    login(client, learner)
    response = client.post(f"/courses/{course.slug}/enrol/", follow=True)
    assert "You are enrolled" in response.content.decode()
    *plain, quizzed = lessons_of(course)
    for lesson in plain:
        page = client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/")
        assert page.status_code == 200
        client.post(f"/courses/{course.slug}/lessons/{lesson.pk}/complete/")
    data = {f"q{q}": c for q, c in right_answers(quizzed).items()}
    response = client.post(
        f"/courses/{course.slug}/lessons/{quizzed.pk}/attempts/", data, follow=True
    )
    assert "Your certificate is ready" in response.content.decode()
    certificate = selectors.certificate_for(course, learner)
    pdf = client.get(f"/courses/{course.slug}/certificate/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert certificate.code.encode() in pdf_text(pdf.content)


def test_lesson_body_is_sanitised_and_video_is_a_link(client, course, trainer, learner):
    module = course.modules.first()
    lesson = services.add_lesson(
        module,
        by=trainer,
        title="Watch",
        body="**Bold**",
        video_url="https://www.youtube.com/watch?v=abc",
    )
    services.enrol(course, learner, by=learner)
    login(client, learner)
    html = client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/").content.decode()
    assert "<strong>Bold</strong>" in html
    assert 'href="https://www.youtube.com/watch?v=abc"' in html
    assert "<iframe" not in html


def test_wrong_quiz_answers_show_the_score_and_keep_the_lesson_open(
    client, course, learner
):
    services.enrol(course, learner, by=learner)
    quizzed = lessons_of(course)[-1]
    quiz = selectors.quiz_of(quizzed)
    data = {
        f"q{q.pk}": [c.pk for c in q.choices.all() if not c.correct][:1]
        for q in quiz.questions.all()
    }
    login(client, learner)
    response = client.post(
        f"/courses/{course.slug}/lessons/{quizzed.pk}/attempts/", data, follow=True
    )
    assert "You scored 0%" in response.content.decode()
    assert QuizAttempt.objects.get().passed is False


def test_unanswered_quiz_shows_which_question(client, course, learner):
    services.enrol(course, learner, by=learner)
    quizzed = lessons_of(course)[-1]
    login(client, learner)
    response = client.post(f"/courses/{course.slug}/lessons/{quizzed.pk}/attempts/", {})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_not_enrolled_people_get_404_on_lessons_and_files(client, course, outsider):
    login(client, outsider)
    lesson = lessons_of(course)[0]
    assert client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/").status_code == 404
    assert client.get(f"/courses/{course.slug}/files/1/").status_code == 404
    assert client.get(f"/courses/{course.slug}/certificate/").status_code == 404


@pytest.mark.parametrize("subpage", ["manage/", "edit/", "enrolments/", "report/"])
def test_trainer_pages_are_404_for_learners_and_outsiders(
    client, course, learner, outsider, subpage
):
    services.enrol(course, learner, by=learner)
    for person in (learner, outsider):
        login(client, person)
        assert client.get(f"/courses/{course.slug}/{subpage}").status_code == 404


def test_trainer_builds_a_course_in_the_pages(client, organisation, trainer):
    login(client, trainer)
    response = client.post(
        "/courses/new/",
        {
            "organisation": organisation.pk,
            "title": "Bookkeeping",
            "summary": "Keep good books.",
            "description": "",
            "enrolment": "open",
        },
    )
    course = Course.objects.get(title="Bookkeeping")
    assert response["Location"] == f"/courses/{course.slug}/manage/"
    client.post(f"/courses/{course.slug}/modules/", {"title": "Basics"})
    module = course.modules.get()
    response = client.post(
        f"/courses/{course.slug}/modules/{module.pk}/lessons/",
        {"title": "Receipts", "body": "Keep them.", "video_url": ""},
    )
    lesson = Lesson.objects.get(title="Receipts")
    quiz = client.post(
        f"/courses/{course.slug}/lessons/{lesson.pk}/quiz/",
        {"pass_mark": 50, "questions": "? Keep receipts?\n* Yes\n- No"},
    )
    assert quiz.status_code == 302
    assert selectors.quiz_of(lesson).questions.count() == 1
    client.post(f"/courses/{course.slug}/publish/", {"publish": "1"})
    course.refresh_from_db()
    assert course.is_published


def test_bad_quiz_text_is_kept_with_the_error(client, course, trainer):
    login(client, trainer)
    lesson = lessons_of(course)[0]
    response = client.post(
        f"/courses/{course.slug}/lessons/{lesson.pk}/quiz/",
        {"pass_mark": 50, "questions": "? Only one answer\n* Yes"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "between 2" in html and "Only one answer" in html
    assert selectors.quiz_of(lesson) is None


def test_bad_video_link_is_kept_with_the_error(client, course, trainer):
    login(client, trainer)
    module = course.modules.first()
    response = client.post(
        f"/courses/{course.slug}/modules/{module.pk}/lessons/",
        {"title": "Clip", "body": "", "video_url": "https://evil.example.com/x"},
    )
    assert response.status_code == 400
    assert "evil.example.com" in response.content.decode()
    assert not Lesson.objects.filter(title="Clip").exists()


def test_trainer_approves_a_request(client, course, trainer, learner):
    course.enrolment = Course.Enrolment.APPROVAL
    course.save()
    enrolment = services.enrol(course, learner, by=learner)
    login(client, trainer)
    page = client.get(f"/courses/{course.slug}/enrolments/")
    assert "Lena Learner" in page.content.decode()
    client.post(
        f"/courses/{course.slug}/enrolments/{enrolment.pk}/decide/",
        {"decision": "approve"},
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE


def test_report_page_with_bounded_queries(
    client, course, trainer, learner, outsider, django_assert_max_num_queries
):
    complete_all(course, learner)
    services.enrol(course, outsider, by=outsider)
    login(client, trainer)
    with django_assert_max_num_queries(15):
        response = client.get(f"/courses/{course.slug}/report/")
    html = response.content.decode()
    assert "Drop-off by lesson" in html and "pass rate 100%" in html


def test_verification_page_for_valid_unknown_and_revoked(
    client, course, learner, trainer
):
    complete_all(course, learner)
    certificate = selectors.certificate_for(course, learner)
    url = f"/courses/certificates/{certificate.code}/"
    valid = client.get(url)
    html = valid.content.decode()
    assert valid.status_code == 200 and "Valid certificate" in html
    assert "Lena Learner" in html and "Money basics" in html
    assert learner.email not in html
    unknown = client.get("/courses/certificates/not-a-real-code/")
    assert unknown.status_code == 404 and "No certificate has this code" in (
        unknown.content.decode()
    )
    services.revoke_certificate(certificate, by=trainer, reason="Issued in error")
    revoked = client.get(url).content.decode()
    assert "Revoked." in revoked and "Valid certificate" not in revoked
    assert "Issued in error" not in revoked
