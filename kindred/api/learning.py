"""REST API of courses: building them, enrolling, progress, quizzes, certificates.
Its urlpatterns are appended in kindred/api/urls.py.

Unpublished courses, other people's progress and quiz answers, and anything a
caller may not see answer 404, exactly like something that does not exist. The
certificate check is public.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kindred.api.collaboration import MAX_ID, codes
from kindred.api.directory import PersonRefSerializer
from kindred.api.idempotency import idempotent
from kindred.api.serializers import (
    OrganisationRefSerializer,
    StrictBooleanField,
    StrictCharField,
)
from kindred.communities import uploads
from kindred.communities.uploads import download_response
from kindred.learning import permissions, selectors, services
from kindred.learning.models import Course, Enrolment, Lesson
from kindred.learning.pdf import render_certificate
from kindred.learning.services import QuestionInput
from kindred.organisations.models import Organisation

# --- serializers ------------------------------------------------------------------


class LearningLessonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    has_quiz = serializers.BooleanField()
    completed = serializers.BooleanField(help_text="For the caller's enrolment.")


class LearningModuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="module.pk")
    title = serializers.CharField(source="module.title")
    position = serializers.IntegerField(source="module.position")
    lessons = LearningLessonRefSerializer(many=True)


class LearningCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    organisation = OrganisationRefSerializer(read_only=True)
    status = codes(Course.Status, "LearningCourseStatusEnum", read_only=True)
    enrolment = codes(Course.Enrolment, "LearningEnrolmentModeEnum", read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)


class LearningCourseDetailSerializer(LearningCourseSerializer):
    modules = LearningModuleSerializer(
        source="modules_outline", many=True, read_only=True
    )


class LearningCourseInSerializer(serializers.Serializer):
    organisation = StrictCharField(
        max_length=80, help_text="Slug of an organisation you are staff of."
    )
    title = StrictCharField(max_length=160)
    summary = StrictCharField(max_length=300)
    description = StrictCharField(
        max_length=8000, required=False, allow_blank=True, help_text="Markdown."
    )
    enrolment = serializers.ChoiceField(
        choices=Course.Enrolment.choices, default=Course.Enrolment.OPEN
    )


class LearningCourseChangeSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160, required=False)
    summary = StrictCharField(max_length=300, required=False)
    description = StrictCharField(max_length=8000, required=False, allow_blank=True)
    enrolment = serializers.ChoiceField(
        choices=Course.Enrolment.choices, required=False
    )


class LearningPublishSerializer(serializers.Serializer):
    published = StrictBooleanField(help_text="true to publish, false for draft.")


class LearningTitleSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160)


class LearningMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")])


class LearningModuleOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    position = serializers.IntegerField(read_only=True)


class LearningResourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    original_name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)


class LearningLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    module = serializers.IntegerField(source="module_id", read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True, help_text="Markdown.")
    video_url = serializers.CharField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    resources = LearningResourceSerializer(many=True, read_only=True)


class LearningLessonInSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160)
    body = StrictCharField(max_length=20000, required=False, allow_blank=True)
    video_url = StrictCharField(max_length=300, required=False, allow_blank=True)


class LearningLessonChangeSerializer(serializers.Serializer):
    title = StrictCharField(max_length=160, required=False)
    body = StrictCharField(max_length=20000, required=False, allow_blank=True)
    video_url = StrictCharField(max_length=300, required=False, allow_blank=True)


class LearningChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)


class LearningQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    multiple = serializers.BooleanField(read_only=True)
    choices = LearningChoiceSerializer(many=True, read_only=True)


class LearningQuizSerializer(serializers.Serializer):
    pass_mark = serializers.IntegerField(read_only=True)
    questions = LearningQuestionSerializer(many=True, read_only=True)


class LearningChoiceInSerializer(serializers.Serializer):
    text = StrictCharField(max_length=300)
    correct = StrictBooleanField(default=False)


class LearningQuestionInSerializer(serializers.Serializer):
    text = StrictCharField(max_length=500)
    multiple = StrictBooleanField(default=False)
    choices = LearningChoiceInSerializer(many=True, max_length=10)


class LearningQuizInSerializer(serializers.Serializer):
    pass_mark = serializers.IntegerField(min_value=1, max_value=100)
    questions = LearningQuestionInSerializer(many=True, max_length=30)


class LearningAnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    choices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=10,
    )


class LearningAttemptInSerializer(serializers.Serializer):
    answers = LearningAnswerSerializer(many=True, max_length=30)


class LearningAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    score = serializers.IntegerField(read_only=True, help_text="Percent.")
    passed = serializers.BooleanField(read_only=True)
    correct = serializers.DictField(
        child=serializers.BooleanField(),
        read_only=True,
        help_text="Question id to whether it was answered correctly.",
    )
    created_at = serializers.DateTimeField(read_only=True)


class LearningEnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    course = serializers.CharField(source="course.slug", read_only=True)
    person = PersonRefSerializer(source="user", read_only=True)
    status = codes(Enrolment.Status, "LearningEnrolmentStatusEnum", read_only=True)
    via_cohort = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class LearningEnrolmentRowSerializer(LearningEnrolmentSerializer):
    lessons_done = serializers.IntegerField(source="done", read_only=True)


class LearningDecisionSerializer(serializers.Serializer):
    approve = StrictBooleanField(help_text="true to approve, false to decline.")


class LearningProgressSerializer(serializers.Serializer):
    enrolment = LearningEnrolmentSerializer()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    completed_lessons = serializers.ListField(child=serializers.IntegerField())
    certificate_code = serializers.CharField(allow_null=True)


class LearningLessonFiguresSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    module = serializers.CharField(source="module_title")
    reached = serializers.IntegerField()
    completed = serializers.IntegerField()
    reached_share = serializers.IntegerField(help_text="Percent of enrolled.")


class LearningQuestionFiguresSerializer(serializers.Serializer):
    text = serializers.CharField()
    answered = serializers.IntegerField()
    correct_rate = serializers.IntegerField(allow_null=True)


class LearningQuizFiguresSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson.pk")
    pass_mark = serializers.IntegerField()
    attempts = serializers.IntegerField()
    pass_rate = serializers.IntegerField(allow_null=True)
    average_score = serializers.IntegerField(allow_null=True)
    questions = LearningQuestionFiguresSerializer(many=True)


class LearningReportSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField()
    pending = serializers.IntegerField()
    declined = serializers.IntegerField()
    completed = serializers.IntegerField()
    lessons = LearningLessonFiguresSerializer(many=True)
    quizzes = LearningQuizFiguresSerializer(many=True)


class LearningVerificationSerializer(serializers.Serializer):
    valid = serializers.BooleanField(source="is_valid")
    revoked_at = serializers.DateTimeField(allow_null=True)
    name = serializers.CharField(source="learner_name")
    course = serializers.CharField(source="course_title")
    organisation = serializers.CharField(source="organisation_name")
    issued_at = serializers.DateTimeField()


class LearningResourceInSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = StrictCharField(max_length=160, required=False, allow_blank=True)


# --- helpers ----------------------------------------------------------------------


def _course(request: Request, slug: str) -> Course:
    return permissions.get_course_for_user(request.user, slug)


def _trained(request: Request, slug: str) -> Course:
    return permissions.get_course_for_trainer(request.user, slug)


def _course_data(course: Course, user: Any) -> Any:
    enrolment = selectors.enrolment_for(course, user)
    active = enrolment if enrolment is not None and enrolment.is_active else None
    course.modules_outline = selectors.outline(course, active)  # type: ignore[attr-defined]
    return LearningCourseDetailSerializer(course).data


def _lesson_data(lesson: Lesson) -> Any:
    return LearningLessonSerializer(lesson).data


def _studied_lesson(request: Request, slug: str, pk: int) -> tuple[Course, Lesson]:
    course = _course(request, slug)
    if not permissions.can_study(request.user, course):
        raise Http404("No such lesson.")
    return course, permissions.get_lesson_in(course, pk)


def _quiz_or_404(lesson: Lesson) -> Any:
    quiz = selectors.quiz_of(lesson)
    if quiz is None:
        raise Http404("This lesson has no quiz.")
    return quiz


# --- courses ----------------------------------------------------------------------


class CourseList(APIView):
    @extend_schema(
        responses=LearningCourseSerializer(many=True),
        summary="Published courses, and the ones you train (up to 200)",
    )
    def get(self, request: Request) -> Response:
        shown = {c.pk: c for c in selectors.trained_by(request.user)[:100]}
        for course in selectors.published_courses()[:100]:
            shown.setdefault(course.pk, course)
        return Response(LearningCourseSerializer(list(shown.values()), many=True).data)

    @extend_schema(
        request=LearningCourseInSerializer,
        responses={201: LearningCourseDetailSerializer},
        summary="Create a draft course for an organisation you are staff of",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = LearningCourseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = Organisation.objects.filter(
            slug=data["organisation"], is_active=True
        ).first()
        if organisation is None:
            raise serializers.ValidationError(
                {"organisation": ["No such organisation."]}
            )
        course = services.create_course(
            organisation,
            by=request.user,
            title=data["title"],
            summary=data["summary"],
            description=data.get("description", ""),
            enrolment=data["enrolment"],
        )
        return Response(_course_data(course, request.user), status=201)


class CourseDetail(APIView):
    @extend_schema(
        responses=LearningCourseDetailSerializer,
        summary="One course with its modules and lessons (and your completion)",
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(_course_data(_course(request, slug), request.user))

    @extend_schema(
        request=LearningCourseChangeSerializer,
        responses=LearningCourseDetailSerializer,
        summary="Change a course's text or enrolment mode (trainers)",
    )
    def patch(self, request: Request, slug: str) -> Response:
        course = _trained(request, slug)
        serializer = LearningCourseChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_course(course, by=request.user, **serializer.validated_data)
        return Response(_course_data(course, request.user))


class CoursePublish(APIView):
    @extend_schema(
        request=LearningPublishSerializer,
        responses=LearningCourseDetailSerializer,
        summary="Publish a course or take it back to draft (trainers)",
    )
    def post(self, request: Request, slug: str) -> Response:
        course = _trained(request, slug)
        serializer = LearningPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.publish_course(
            course, by=request.user, published=serializer.validated_data["published"]
        )
        return Response(_course_data(course, request.user))


class ModuleList(APIView):
    @extend_schema(
        request=LearningTitleSerializer,
        responses={201: LearningModuleOutSerializer},
        summary="Add a module at the end of a course (trainers)",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        course = _trained(request, slug)
        serializer = LearningTitleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        module = services.add_module(
            course, by=request.user, title=serializer.validated_data["title"]
        )
        return Response(LearningModuleOutSerializer(module).data, status=201)


class ModuleDetail(APIView):
    @extend_schema(
        request=LearningTitleSerializer,
        responses=LearningModuleOutSerializer,
        summary="Rename a module (trainers)",
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        module = permissions.get_module_in(course, pk)
        serializer = LearningTitleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.rename_module(
            module, by=request.user, title=serializer.validated_data["title"]
        )
        return Response(LearningModuleOutSerializer(module).data)

    @extend_schema(
        responses={204: None},
        summary="Delete a module and its lessons, if no learner has started them",
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        services.delete_module(permissions.get_module_in(course, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModuleMove(APIView):
    @extend_schema(
        request=LearningMoveSerializer,
        responses=LearningModuleOutSerializer,
        summary="Move a module one place up or down (trainers)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        module = permissions.get_module_in(course, pk)
        serializer = LearningMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        up = serializer.validated_data["direction"] == "up"
        services.move_module(module, by=request.user, up=up)
        return Response(LearningModuleOutSerializer(module).data)


class LessonList(APIView):
    @extend_schema(
        request=LearningLessonInSerializer,
        responses={201: LearningLessonSerializer},
        summary="Add a lesson at the end of a module (trainers); video links must "
        "be https on an allowed site",
    )
    @idempotent
    def post(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        module = permissions.get_module_in(course, pk)
        serializer = LearningLessonInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lesson = services.add_lesson(
            module, by=request.user, **serializer.validated_data
        )
        return Response(_lesson_data(lesson), status=201)


class LessonDetail(APIView):
    @extend_schema(
        responses=LearningLessonSerializer,
        summary="One lesson (enrolled learners and trainers); opening it records "
        "that you reached it",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        _course_obj, lesson = _studied_lesson(request, slug, pk)
        services.open_lesson(lesson, by=request.user)
        return Response(_lesson_data(lesson))

    @extend_schema(
        request=LearningLessonChangeSerializer,
        responses=LearningLessonSerializer,
        summary="Change a lesson (trainers)",
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        lesson = permissions.get_lesson_in(course, pk)
        serializer = LearningLessonChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_lesson(lesson, by=request.user, **serializer.validated_data)
        return Response(_lesson_data(lesson))

    @extend_schema(
        responses={204: None},
        summary="Delete a lesson, if no learner has started it (trainers)",
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        services.delete_lesson(permissions.get_lesson_in(course, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LessonMove(APIView):
    @extend_schema(
        request=LearningMoveSerializer,
        responses=LearningLessonSerializer,
        summary="Move a lesson one place up or down in its module (trainers)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        lesson = permissions.get_lesson_in(course, pk)
        serializer = LearningMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        up = serializer.validated_data["direction"] == "up"
        services.move_lesson(lesson, by=request.user, up=up)
        return Response(_lesson_data(lesson))


class LessonResources(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": LearningResourceInSerializer},
        responses={201: LearningResourceSerializer},
        summary="Attach a downloadable file to a lesson (trainers)",
    )
    @idempotent
    def post(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        lesson = permissions.get_lesson_in(course, pk)
        serializer = LearningResourceInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        resource = services.add_resource(
            lesson,
            by=request.user,
            title=serializer.validated_data.get("title", ""),
            upload=upload,
            name=upload.name,
            size=upload.size,
        )
        return Response(LearningResourceSerializer(resource).data, status=201)


_DOWNLOAD_TYPES = sorted(
    {t.content_type.split(";")[0] for t in uploads.ALLOWED.values()}
)


class ResourceDownload(APIView):
    @extend_schema(
        responses={
            (200, media): OpenApiResponse(OpenApiTypes.BINARY)
            for media in _DOWNLOAD_TYPES
        },
        summary="Download a lesson file (enrolled learners and trainers)",
    )
    def get(self, request: Request, slug: str, pk: int) -> Any:
        course = _course(request, slug)
        resource = permissions.get_resource_for_user(request.user, course, pk)
        return download_response(resource)  # type: ignore[arg-type]


class LessonQuiz(APIView):
    @extend_schema(
        responses=LearningQuizSerializer,
        summary="A lesson's quiz, without the right answers (learners and trainers)",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        _course_obj, lesson = _studied_lesson(request, slug, pk)
        return Response(LearningQuizSerializer(_quiz_or_404(lesson)).data)

    @extend_schema(
        request=LearningQuizInSerializer,
        responses=LearningQuizSerializer,
        summary="Set a lesson's quiz, replacing its questions (trainers)",
    )
    def put(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        lesson = permissions.get_lesson_in(course, pk)
        serializer = LearningQuizInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.set_quiz(
            lesson,
            by=request.user,
            pass_mark=data["pass_mark"],
            questions=[
                QuestionInput(
                    q["text"],
                    [(c["text"], c["correct"]) for c in q["choices"]],
                    multiple=q["multiple"],
                )
                for q in data["questions"]
            ],
        )
        return Response(LearningQuizSerializer(selectors.quiz_of(lesson)).data)


class QuizAttempts(APIView):
    @extend_schema(
        request=LearningAttemptInSerializer,
        responses={201: LearningAttemptSerializer},
        summary="Submit answers to a lesson's quiz (enrolled learners); a pass "
        "completes the lesson",
    )
    @idempotent
    def post(self, request: Request, slug: str, pk: int) -> Response:
        _course_obj, lesson = _studied_lesson(request, slug, pk)
        quiz = _quiz_or_404(lesson)
        serializer = LearningAttemptInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers: dict[int, list[int]] = {}
        for answer in serializer.validated_data["answers"]:
            answers.setdefault(answer["question"], []).extend(answer["choices"])
        attempt = services.attempt_quiz(quiz, by=request.user, answers=answers)
        return Response(LearningAttemptSerializer(attempt).data, status=201)


class LessonComplete(APIView):
    @extend_schema(
        request=None,
        responses=LearningProgressSerializer,
        summary="Mark a lesson complete (enrolled learners; lessons with a quiz "
        "complete when it is passed)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        course, lesson = _studied_lesson(request, slug, pk)
        services.complete_lesson(lesson, by=request.user)
        return Response(_progress(course, request.user))


# --- enrolment and progress -------------------------------------------------------


def _progress(course: Course, user: Any) -> dict[str, Any]:
    enrolment = selectors.enrolment_for(course, user)
    if enrolment is None:
        raise Http404("You are not enrolled.")
    done, total = selectors.progress_of(enrolment)
    certificate = selectors.certificate_for(course, user)
    return LearningProgressSerializer(
        {
            "enrolment": enrolment,
            "done": done,
            "total": total,
            "completed_lessons": list(
                enrolment.progress.filter(completed_at__isnull=False)
                .order_by("lesson_id")
                .values_list("lesson_id", flat=True)
            ),
            "certificate_code": certificate.code if certificate else None,
        }
    ).data


class CourseEnrolment(APIView):
    @extend_schema(
        request=None,
        responses={201: LearningEnrolmentSerializer, 200: LearningEnrolmentSerializer},
        summary="Enrol yourself (open courses at once, others wait for approval); "
        "enrolling again returns the same enrolment",
    )
    def post(self, request: Request, slug: str) -> Response:
        course = _course(request, slug)
        existed = selectors.enrolment_for(course, request.user) is not None
        enrolment = services.enrol(course, request.user, by=request.user)
        return Response(
            LearningEnrolmentSerializer(enrolment).data,
            status=200 if existed else 201,
        )


class CourseProgress(APIView):
    @extend_schema(
        responses=LearningProgressSerializer,
        summary="Your enrolment and progress in a course (404 if not enrolled)",
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(_progress(_course(request, slug), request.user))


class CourseEnrolments(APIView):
    @extend_schema(
        responses=LearningEnrolmentRowSerializer(many=True),
        summary="A course's learners and their progress (trainers; up to 500)",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = _trained(request, slug)
        rows = selectors.enrolments_of_course(course)[:500]
        return Response(LearningEnrolmentRowSerializer(rows, many=True).data)


class EnrolmentDecision(APIView):
    @extend_schema(
        request=LearningDecisionSerializer,
        responses=LearningEnrolmentSerializer,
        summary="Approve or decline a pending enrolment (trainers)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        course = _trained(request, slug)
        enrolment = permissions.get_enrolment_in(course, pk)
        serializer = LearningDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.decide_enrolment(
            enrolment, by=request.user, approve=serializer.validated_data["approve"]
        )
        return Response(LearningEnrolmentSerializer(enrolment).data)


class CourseReport(APIView):
    @extend_schema(
        responses=LearningReportSerializer,
        summary="Enrolments, drop-off by lesson and quiz results (trainers)",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = _trained(request, slug)
        return Response(LearningReportSerializer(selectors.course_report(course)).data)


# --- certificates -----------------------------------------------------------------


class CertificateDownload(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
        summary="Your certificate for a completed course, as PDF",
    )
    def get(self, request: Request, slug: str) -> Any:
        course = _course(request, slug)
        certificate = selectors.certificate_for(course, request.user)
        if certificate is None:
            raise Http404("No certificate.")
        response = HttpResponse(
            render_certificate(certificate), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="certificate-{course.slug}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class CertificateVerification(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=LearningVerificationSerializer,
        summary="Check a certificate by its code (public): valid or revoked, with "
        "the name, course, organisation and date only",
    )
    def get(self, request: Request, code: str) -> Response:
        certificate = selectors.certificate_by_code(code)
        if certificate is None:
            raise Http404("No certificate has this code.")
        return Response(LearningVerificationSerializer(certificate).data)


C = "courses/<slug:slug>"
urlpatterns = [
    path("courses", CourseList.as_view(), name="courses"),
    path(
        "courses/certificates/<str:code>",
        CertificateVerification.as_view(),
        name="course-certificate-verification",
    ),
    path(C, CourseDetail.as_view(), name="course"),
    path(f"{C}/publish", CoursePublish.as_view(), name="course-publish"),
    path(f"{C}/modules", ModuleList.as_view(), name="course-modules"),
    path(f"{C}/modules/<int:pk>", ModuleDetail.as_view(), name="course-module"),
    path(f"{C}/modules/<int:pk>/move", ModuleMove.as_view(), name="course-module-move"),
    path(
        f"{C}/modules/<int:pk>/lessons",
        LessonList.as_view(),
        name="course-module-lessons",
    ),
    path(f"{C}/lessons/<int:pk>", LessonDetail.as_view(), name="course-lesson"),
    path(f"{C}/lessons/<int:pk>/move", LessonMove.as_view(), name="course-lesson-move"),
    path(
        f"{C}/lessons/<int:pk>/resources",
        LessonResources.as_view(),
        name="course-lesson-resources",
    ),
    path(
        f"{C}/lessons/<int:pk>/complete",
        LessonComplete.as_view(),
        name="course-lesson-complete",
    ),
    path(f"{C}/lessons/<int:pk>/quiz", LessonQuiz.as_view(), name="course-quiz"),
    path(
        f"{C}/lessons/<int:pk>/quiz/attempts",
        QuizAttempts.as_view(),
        name="course-quiz-attempts",
    ),
    path(
        f"{C}/resources/<int:pk>/download",
        ResourceDownload.as_view(),
        name="course-resource-download",
    ),
    path(f"{C}/enrolment", CourseEnrolment.as_view(), name="course-enrolment"),
    path(f"{C}/progress", CourseProgress.as_view(), name="course-progress"),
    path(f"{C}/enrolments", CourseEnrolments.as_view(), name="course-enrolments"),
    path(
        f"{C}/enrolments/<int:pk>/decision",
        EnrolmentDecision.as_view(),
        name="course-enrolment-decision",
    ),
    path(f"{C}/report", CourseReport.as_view(), name="course-report"),
    path(f"{C}/certificate", CertificateDownload.as_view(), name="course-certificate"),
]
