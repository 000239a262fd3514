"""Courses: building, enrolment, progress, quizzes, completion and certificates."""

from __future__ import annotations

import io

import pytest

from kindred.core.errors import KindredError, NotAllowed
from kindred.learning import selectors, services
from kindred.learning.errors import StateConflict
from kindred.learning.models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    QuizAttempt,
)
from kindred.learning.services import QuestionInput
from kindred.learning.signals import course_completed
from kindred.notifications.models import Notification
from tests.conftest import make_person

QUESTIONS = [
    QuestionInput("Pick A", [("A", True), ("B", False)]),
    QuestionInput("Pick A and C", [("A", True), ("B", False), ("C", True)], True),
]


@pytest.fixture
def trainer(organisation, colleague):
    """The colleague, a practitioner of the organisation, trains its course."""
    return colleague


@pytest.fixture
def learner(db):
    return make_person("learner@example.com", "Lena Learner")


@pytest.fixture
def course(organisation, trainer):
    """A published open course: two modules, three lessons, the last with a quiz."""
    course = services.create_course(
        organisation, by=trainer, title="Money basics", summary="Cash flow first."
    )
    first = services.add_module(course, by=trainer, title="Start")
    second = services.add_module(course, by=trainer, title="Next")
    services.add_lesson(first, by=trainer, title="One", body="**Hello**")
    services.add_lesson(first, by=trainer, title="Two")
    quizzed = services.add_lesson(second, by=trainer, title="Three")
    services.set_quiz(quizzed, by=trainer, pass_mark=100, questions=QUESTIONS)
    services.publish_course(course, by=trainer)
    return course


def lessons_of(course: Course) -> list[Lesson]:
    return selectors.ordered_lessons(course)


def right_answers(lesson: Lesson) -> dict[int, list[int]]:
    quiz = selectors.quiz_of(lesson)
    return {
        q.pk: [c.pk for c in q.choices.all() if c.correct] for q in quiz.questions.all()
    }


def complete_all(course: Course, learner) -> Enrolment:
    enrolment = services.enrol(course, learner, by=learner)
    *plain, quizzed = lessons_of(course)
    for lesson in plain:
        services.complete_lesson(lesson, by=learner)
    services.attempt_quiz(
        selectors.quiz_of(quizzed), by=learner, answers=right_answers(quizzed)
    )
    enrolment.refresh_from_db()
    return enrolment


def test_staff_create_a_draft_course_and_become_its_trainer(organisation, trainer):
    """A practitioner creates a draft course; they are its first named trainer."""
    course = services.create_course(
        organisation, by=trainer, title="Pitching", summary="Tell it well."
    )
    assert course.status == Course.Status.DRAFT
    assert list(course.trainers.all()) == [trainer]
    assert course.slug == "pitching"


def test_outsider_cannot_create_a_course_for_an_organisation(organisation, outsider):
    with pytest.raises(NotAllowed):
        services.create_course(organisation, by=outsider, title="X", summary="Y")
    assert not Course.objects.exists()


def test_steward_may_create_a_course_for_any_organisation(organisation, steward):
    course = services.create_course(
        organisation, by=steward, title="Ecosystem 101", summary="How it works."
    )
    assert course.trainers.filter(pk=steward.pk).exists()


def test_scripts_in_lesson_text_are_refused(course, trainer):
    """Markdown with a script is refused with a clear message; nothing is saved."""
    module = course.modules.first()
    before = Lesson.objects.count()
    with pytest.raises(KindredError) as error:
        services.add_lesson(
            module, by=trainer, title="Bad", body="<script>alert(1)</script>"
        )
    assert error.value.field == "body"
    assert "script" in error.value.message
    assert Lesson.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "http://www.youtube.com/watch?v=1",
        "https://evil.example.com/video",
        "javascript:alert(1)",
        "https://user:pw@vimeo.com/1",
    ],
)
def test_video_links_must_be_https_on_an_allowed_site(course, trainer, url):
    module = course.modules.first()
    with pytest.raises(KindredError) as error:
        services.add_lesson(module, by=trainer, title="Video", video_url=url)
    assert error.value.field == "video_url"


def test_allowed_video_link_is_kept(course, trainer):
    module = course.modules.first()
    lesson = services.add_lesson(
        module, by=trainer, title="Video", video_url="https://vimeo.com/123"
    )
    assert lesson.video_url == "https://vimeo.com/123"


def test_lessons_are_reordered(course, trainer):
    one, two, _three = lessons_of(course)
    services.move_lesson(two, by=trainer, up=True)
    assert [lesson.title for lesson in lessons_of(course)] == ["Two", "One", "Three"]
    services.move_lesson(two, by=trainer, up=True)  # already first: no change
    assert [lesson.title for lesson in lessons_of(course)][0] == "Two"


def test_modules_are_reordered(course, trainer):
    first, second = course.modules.order_by("position")
    services.move_module(second, by=trainer, up=True)
    assert [m.title for m in course.modules.order_by("position")] == ["Next", "Start"]


def test_outsider_cannot_change_a_course(course, outsider):
    with pytest.raises(NotAllowed):
        services.update_course(course, by=outsider, title="Mine now")
    course.refresh_from_db()
    assert course.title == "Money basics"


def test_an_empty_course_cannot_be_published(organisation, trainer):
    course = services.create_course(
        organisation, by=trainer, title="Empty", summary="Nothing yet."
    )
    with pytest.raises(StateConflict):
        services.publish_course(course, by=trainer)


@pytest.mark.parametrize(
    "questions,message",
    [
        ([], "at least one question"),
        ([QuestionInput("Q", [("A", True)])], "between 2"),
        ([QuestionInput("Q", [("A", False), ("B", False)])], "correct answer"),
        ([QuestionInput("Q", [("A", True), ("B", True)])], "exactly one"),
    ],
)
def test_bad_quizzes_are_refused(course, trainer, questions, message):
    lesson = lessons_of(course)[0]
    with pytest.raises(KindredError) as error:
        services.set_quiz(lesson, by=trainer, pass_mark=50, questions=questions)
    assert message in error.value.message
    assert selectors.quiz_of(lesson) is None


def test_resource_upload_checks_the_content(course, trainer, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    lesson = lessons_of(course)[0]
    fake = io.BytesIO(b"not a pdf")
    with pytest.raises(KindredError):
        services.add_resource(
            lesson, by=trainer, title="Fake", upload=fake, name="x.pdf", size=9
        )
    real = io.BytesIO(b"%PDF-1.4 real enough")
    resource = services.add_resource(
        lesson, by=trainer, title="Workbook", upload=real, name="w.pdf", size=20
    )
    assert resource.content_type == "application/pdf"
    assert list(tmp_path.rglob("*.pdf"))


# --- enrolment --------------------------------------------------------------------


def test_open_course_enrols_at_once_and_twice_returns_the_same(course, learner):
    first = services.enrol(course, learner, by=learner)
    again = services.enrol(course, learner, by=learner)
    assert first.pk == again.pk
    assert first.status == Enrolment.Status.ACTIVE
    assert selectors.enrolment_for(course, learner) == first
    assert selectors.progress_of(first) == (0, 3)


def test_approval_course_waits_for_a_trainer(course, trainer, learner):
    course.enrolment = Course.Enrolment.APPROVAL
    course.save()
    enrolment = services.enrol(course, learner, by=learner)
    assert enrolment.status == Enrolment.Status.PENDING
    assert Notification.objects.filter(
        recipient=trainer, kind="learning.enrolment_requested"
    ).exists()
    with pytest.raises(NotAllowed):
        services.complete_lesson(lessons_of(course)[0], by=learner)
    services.decide_enrolment(enrolment, by=trainer, approve=True)
    assert enrolment.status == Enrolment.Status.ACTIVE
    with pytest.raises(StateConflict):
        services.decide_enrolment(enrolment, by=trainer, approve=False)


def test_learner_cannot_approve_themselves(course, learner):
    course.enrolment = Course.Enrolment.APPROVAL
    course.save()
    enrolment = services.enrol(course, learner, by=learner)
    with pytest.raises(NotAllowed):
        services.decide_enrolment(enrolment, by=learner, approve=True)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_cohort_enrolment_skips_approval_and_is_idempotent(course, owner, learner):
    """The programmes app enrols cohort members directly, once."""
    course.enrolment = Course.Enrolment.COHORT
    course.save()
    with pytest.raises(StateConflict):
        services.enrol(course, learner, by=learner)
    enrolment = services.enrol(course, learner, by=owner, via_cohort=True)
    again = services.enrol(course, learner, by=owner, via_cohort=True)
    assert enrolment.pk == again.pk
    assert enrolment.status == Enrolment.Status.ACTIVE and enrolment.via_cohort


def test_cohort_enrolment_activates_a_pending_request(course, owner, learner):
    course.enrolment = Course.Enrolment.APPROVAL
    course.save()
    pending = services.enrol(course, learner, by=learner)
    placed = services.enrol(course, learner, by=owner, via_cohort=True)
    assert placed.pk == pending.pk and placed.status == Enrolment.Status.ACTIVE


def test_nobody_enrols_someone_else_without_a_cohort(course, outsider, learner):
    with pytest.raises(NotAllowed):
        services.enrol(course, learner, by=outsider)
    assert not Enrolment.objects.exists()


def test_draft_course_cannot_be_joined(course, trainer, learner):
    services.publish_course(course, by=trainer, published=False)
    with pytest.raises(StateConflict):
        services.enrol(course, learner, by=learner)


# --- progress, quizzes, completion --------------------------------------------------


def test_a_lesson_with_a_quiz_completes_only_when_passed(course, learner):
    services.enrol(course, learner, by=learner)
    quizzed = lessons_of(course)[-1]
    with pytest.raises(StateConflict):
        services.complete_lesson(quizzed, by=learner)
    quiz = selectors.quiz_of(quizzed)
    answers = right_answers(quizzed)
    first_question = next(iter(answers))
    wrong = dict(answers)
    wrong[first_question] = [
        c.pk
        for c in quiz.questions.get(pk=first_question).choices.filter(correct=False)
    ]
    attempt = services.attempt_quiz(quiz, by=learner, answers=wrong)
    assert attempt.score == 50 and not attempt.passed
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()
    attempt = services.attempt_quiz(quiz, by=learner, answers=answers)
    assert attempt.score == 100 and attempt.passed
    assert QuizAttempt.objects.count() == 2


@pytest.mark.parametrize("problem", ["missing", "two_for_single", "foreign"])
def test_bad_quiz_answers_are_refused_and_not_recorded(course, learner, problem):
    services.enrol(course, learner, by=learner)
    quizzed = lessons_of(course)[-1]
    quiz = selectors.quiz_of(quizzed)
    answers = right_answers(quizzed)
    single = quiz.questions.get(multiple=False)
    if problem == "missing":
        del answers[single.pk]
    elif problem == "two_for_single":
        answers[single.pk] = [c.pk for c in single.choices.all()]
    else:
        answers[single.pk] = [999_999]
    with pytest.raises(KindredError):
        services.attempt_quiz(quiz, by=learner, answers=answers)
    assert not QuizAttempt.objects.exists()


def test_completing_every_lesson_completes_the_course(
    course, learner, django_capture_on_commit_callbacks
):
    """Completion is recorded, the signal sent, a certificate issued, the learner
    told and the organisation's webhook queued without quiz answers."""
    received = []

    def listener(sender, enrolment, user, **kwargs):
        received.append((sender, enrolment.pk, user.pk))

    course_completed.connect(listener)
    try:
        with django_capture_on_commit_callbacks():
            enrolment = complete_all(course, learner)
    finally:
        course_completed.disconnect(listener)
    assert enrolment.completed_at is not None
    assert received == [(Course, enrolment.pk, learner.pk)]
    certificate = selectors.certificate_for(course, learner)
    assert certificate is not None and certificate.is_valid
    assert certificate.learner_name == "Lena Learner"
    assert certificate.organisation_name == course.organisation.name
    assert len(certificate.code) >= 20
    assert selectors.progress_of(enrolment) == (3, 3)
    assert Notification.objects.filter(
        recipient=learner, kind="learning.certificate_issued"
    ).exists()


def test_course_completed_webhook_has_no_quiz_answers(course, learner, owner):
    from kindred.webhooks.models import Delivery, Endpoint

    Endpoint.objects.create(
        organisation=course.organisation,
        url="https://hooks.example.com/kindred",
        event_types=["course.completed"],
        secret="s" * 32,
        created_by=owner,
    )
    complete_all(course, learner)
    delivery = Delivery.objects.get(event_type="course.completed")
    body = str(delivery.payload)
    assert "Lena Learner" in body
    assert "answers" not in body and "score" not in body


def test_completion_happens_once(course, learner):
    enrolment = complete_all(course, learner)
    first = enrolment.completed_at
    services.complete_lesson(lessons_of(course)[0], by=learner)
    enrolment.refresh_from_db()
    assert enrolment.completed_at == first
    assert Certificate.objects.count() == 1


def test_outsider_cannot_record_progress(course, outsider):
    with pytest.raises(NotAllowed):
        services.complete_lesson(lessons_of(course)[0], by=outsider)
    assert not LessonProgress.objects.exists()


def test_revoked_certificate_stays_but_is_invalid(course, learner, trainer, outsider):
    complete_all(course, learner)
    certificate = selectors.certificate_for(course, learner)
    with pytest.raises(NotAllowed):
        services.revoke_certificate(certificate, by=outsider, reason="No")
    services.revoke_certificate(certificate, by=trainer, reason="Issued in error")
    certificate.refresh_from_db()
    assert not certificate.is_valid


def test_report_counts_drop_off_and_quiz_results(
    course, learner, outsider, django_assert_max_num_queries
):
    complete_all(course, learner)
    services.enrol(course, outsider, by=outsider)
    services.open_lesson(lessons_of(course)[0], by=outsider)
    with django_assert_max_num_queries(6):
        report = selectors.course_report(course)
    assert (report.enrolled, report.completed) == (2, 1)
    assert [row.reached for row in report.lessons] == [2, 1, 1]
    assert [row.completed for row in report.lessons] == [1, 1, 1]
    assert report.lessons[0].reached_share == 100
    (quiz,) = report.quizzes
    assert (quiz.attempts, quiz.pass_rate, quiz.average_score) == (1, 100, 100)
    assert [q.correct_rate for q in quiz.questions] == [100, 100]


def test_demo_builds_the_courses(db):
    """The demo founder has started Resilience for founders but not finished it;
    Selling with confidence has a certified learner."""
    from kindred.core import demo

    demo.build(scale=30, seed=7)
    resilience = Course.objects.get(title="Resilience for founders")
    assert resilience.organisation.name == "Mindful Founders CIC"
    assert resilience.trainers.filter(email="programme.lead@example.org").exists()
    founder = resilience.enrolments.get(user__email="founder@example.org")
    done, total = selectors.progress_of(founder)
    assert 0 < done < total and founder.completed_at is None
    selling = Course.objects.get(title="Selling with confidence")
    assert selling.enrolments.count() >= 3
    assert Certificate.objects.filter(enrolment__course=selling).count() == 1
