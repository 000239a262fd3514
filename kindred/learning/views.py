"""Course pages: thin views over the learning services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import User
from kindred.communities.uploads import download_response
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, refuse
from kindred.learning import permissions, selectors, services
from kindred.learning.forms import (
    AttemptForm,
    CourseForm,
    LessonForm,
    ModuleForm,
    NewCourseForm,
    QuizForm,
    ResourceForm,
    RevokeForm,
)
from kindred.learning.models import Certificate, Course, Enrolment, Lesson
from kindred.learning.pdf import render_certificate


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _manage_url(course: Course) -> str:
    return reverse("learning:manage", args=[course.slug])


# --- courses ----------------------------------------------------------------------


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "courses": list(selectors.published_courses()[:100]),
        "mine": list(selectors.enrolments_of_user(user)[:50]),
        "training": list(selectors.trained_by(user)[:50]),
        "may_create": bool(permissions.organisations_for_new_course(user)),
    }
    return render(request, "learning/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def course_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisations = permissions.organisations_for_new_course(user)
    if not organisations:
        raise Http404(_("You cannot create courses."))
    form = NewCourseForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = services.create_course(
                data["organisation"],
                by=user,
                title=data["title"],
                summary=data["summary"],
                description=data["description"],
                enrolment=data["enrolment"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Course created. Add modules and lessons."))
            return redirect(_manage_url(course))
    status = 400 if request.method == "POST" else 200
    return render(request, "learning/course_form.html", {"form": form}, status=status)


@require_GET
@login_required
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_user(user, slug)
    enrolment = selectors.enrolment_for(course, user)
    active = enrolment if enrolment is not None and enrolment.is_active else None
    context = {
        "course": course,
        "enrolment": enrolment,
        "trainer": permissions.is_trainer(user, course),
        "outline": selectors.outline(course, active),
        "progress": selectors.progress_of(active) if active else None,
        "certificate": selectors.certificate_for(course, user) if active else None,
    }
    return render(request, "learning/course.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    initial = {
        "title": course.title,
        "summary": course.summary,
        "description": course.description,
        "enrolment": course.enrolment,
    }
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(course, by=user, **form.cleaned_data)
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Course saved."))
            return redirect(_manage_url(course))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "learning/course_form.html",
        {"form": form, "course": course},
        status=status,
    )


@require_POST
@login_required
def course_publish(request: HttpRequest, slug: str) -> HttpResponse:
    course = permissions.get_course_for_trainer(_user(request), slug)
    publish = request.POST.get("publish") == "1"
    return act(
        request,
        lambda: services.publish_course(course, by=_user(request), published=publish),
        success=_("Course published.") if publish else _("Course back in draft."),
        then=_manage_url(course),
    )


@require_GET
@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    course = permissions.get_course_for_trainer(_user(request), slug)
    return render(request, "learning/manage.html", _manage_context(course))


def _manage_context(course: Course, **extra: Any) -> dict[str, Any]:
    return {
        "course": course,
        "outline": selectors.outline(course),
        "module_form": ModuleForm(),
        "trainers": list(course.trainers.select_related("profile")),
        **extra,
    }


@require_POST
@login_required
def module_add(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    form = ModuleForm(request.POST)
    if form.is_valid():
        try:
            services.add_module(course, by=user, title=form.cleaned_data["title"])
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Module added."))
            return redirect(_manage_url(course))
    context = _manage_context(course, module_form=form)
    return render(request, "learning/manage.html", context, status=400)


@require_POST
@login_required
def module_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    module = permissions.get_module_in(course, pk)
    up = request.POST.get("direction") == "up"
    return act(
        request,
        lambda: services.move_module(module, by=user, up=up),
        success=_("Module moved."),
        then=_manage_url(course),
    )


@login_required
@require_http_methods(["GET", "POST"])
def lesson_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    module = permissions.get_module_in(course, pk)
    form = LessonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.add_lesson(module, by=user, **form.cleaned_data)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Lesson added."))
            return redirect("learning:lesson_edit", course.slug, lesson.pk)
    status = 400 if request.method == "POST" else 200
    context = {"course": course, "module": module, "form": form}
    return render(request, "learning/lesson_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    lesson = permissions.get_lesson_in(course, pk)
    initial = {
        "title": lesson.title,
        "body": lesson.body,
        "video_url": lesson.video_url,
    }
    form = LessonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lesson(lesson, by=user, **form.cleaned_data)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Lesson saved."))
            return redirect("learning:lesson_edit", course.slug, lesson.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "learning/lesson_form.html",
        _lesson_edit_context(course, lesson, form=form),
        status=status,
    )


def _lesson_edit_context(course: Course, lesson: Lesson, **forms: Any) -> dict:
    quiz = selectors.quiz_of(lesson)
    quiz_initial = (
        {"pass_mark": quiz.pass_mark, "questions": QuizForm.as_text(quiz)}
        if quiz
        else None
    )
    return {
        "course": course,
        "module": lesson.module,
        "lesson": lesson,
        "quiz": quiz,
        "resources": list(lesson.resources.all()),
        "form": forms.get("form") or LessonForm(initial={"title": lesson.title}),
        "resource_form": forms.get("resource_form") or ResourceForm(),
        "quiz_form": forms.get("quiz_form") or QuizForm(initial=quiz_initial),
    }


@require_POST
@login_required
def lesson_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    lesson = permissions.get_lesson_in(course, pk)
    up = request.POST.get("direction") == "up"
    return act(
        request,
        lambda: services.move_lesson(lesson, by=user, up=up),
        success=_("Lesson moved."),
        then=_manage_url(course),
    )


@require_POST
@login_required
def resource_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    lesson = permissions.get_lesson_in(course, pk)
    form = ResourceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_resource(
                lesson,
                by=user,
                title=form.cleaned_data["title"],
                upload=upload,
                name=upload.name,
                size=upload.size,
            )
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("File added."))
            return redirect("learning:lesson_edit", course.slug, lesson.pk)
    context = _lesson_edit_context(course, lesson, resource_form=form)
    return render(request, "learning/lesson_form.html", context, status=400)


@require_POST
@login_required
def quiz_set(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    lesson = permissions.get_lesson_in(course, pk)
    form = QuizForm(request.POST)
    if form.is_valid():
        try:
            services.set_quiz(
                lesson,
                by=user,
                pass_mark=form.cleaned_data["pass_mark"],
                questions=form.cleaned_data["questions"],
            )
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Quiz saved."))
            return redirect("learning:lesson_edit", course.slug, lesson.pk)
    context = _lesson_edit_context(course, lesson, quiz_form=form)
    return render(request, "learning/lesson_form.html", context, status=400)


# --- learners ---------------------------------------------------------------------


@require_POST
@login_required
def enrol(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_user(user, slug)
    try:
        enrolment = services.enrol(course, user, by=user)
    except NotAllowed as error:
        return refuse(request, error)
    except KindredError as error:
        messages.error(request, error.message)
    else:
        if enrolment.is_active:
            messages.success(
                request, _("You are enrolled. Start with the first lesson.")
            )
        else:
            messages.info(request, _("Your request is with the trainers."))
    return redirect(course)


@require_GET
@login_required
def lesson_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_user(user, slug)
    if not permissions.can_study(user, course):
        raise Http404(_("No such lesson."))
    lesson = permissions.get_lesson_in(course, pk)
    progress = services.open_lesson(lesson, by=user)
    return render(
        request,
        "learning/lesson.html",
        _lesson_context(user, course, lesson, progress=progress),
    )


def _lesson_context(
    user: User, course: Course, lesson: Lesson, **extra: Any
) -> dict[str, Any]:
    enrolment = selectors.enrolment_for(course, user)
    quiz = selectors.quiz_of(lesson)
    lessons = selectors.ordered_lessons(course)
    at = [item.pk for item in lessons].index(lesson.pk)
    attempts = (
        list(selectors.attempts_of(enrolment, quiz)[:5]) if quiz and enrolment else []
    )
    context = {
        "course": course,
        "lesson": lesson,
        "enrolment": enrolment,
        "trainer": permissions.is_trainer(user, course),
        "quiz": quiz,
        "attempts": attempts,
        "passed": any(a.passed for a in attempts),
        "attempt_form": AttemptForm(quiz=quiz) if quiz else None,
        "resources": list(lesson.resources.all()),
        "previous": lessons[at - 1] if at > 0 else None,
        "next": lessons[at + 1] if at + 1 < len(lessons) else None,
        "number": at + 1,
        "total": len(lessons),
    }
    context.update(extra)
    return context


@require_POST
@login_required
def lesson_complete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_user(user, slug)
    lesson = permissions.get_lesson_in(course, pk)
    before = selectors.enrolment_for(course, user)
    result = act(
        request,
        lambda: services.complete_lesson(lesson, by=user),
        success=_("Lesson completed."),
        then=reverse("learning:lesson", args=[course.slug, lesson.pk]),
    )
    return _after_progress(request, course, before, result)


def _after_progress(
    request: HttpRequest,
    course: Course,
    before: Enrolment | None,
    default: HttpResponse,
) -> HttpResponse:
    after = selectors.enrolment_for(course, _user(request))
    if before and after and not before.is_complete and after.is_complete:
        messages.success(
            request, _("You completed the course. Your certificate is ready.")
        )
        return redirect(course)
    return default


@require_POST
@login_required
def quiz_attempt(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_user(user, slug)
    lesson = permissions.get_lesson_in(course, pk)
    quiz = selectors.quiz_of(lesson)
    if quiz is None or not permissions.can_study(user, course):
        raise Http404(_("No such quiz."))
    before = selectors.enrolment_for(course, user)
    form = AttemptForm(request.POST, quiz=quiz)
    if form.is_valid():
        try:
            attempt = services.attempt_quiz(quiz, by=user, answers=form.answers())
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            if attempt.passed:
                messages.success(
                    request,
                    _("You scored %(score)d%% and passed.") % {"score": attempt.score},
                )
            else:
                messages.warning(
                    request,
                    _("You scored %(score)d%%; %(mark)d%% passes. Try again.")
                    % {"score": attempt.score, "mark": quiz.pass_mark},
                )
            then = redirect("learning:lesson", course.slug, lesson.pk)
            return _after_progress(request, course, before, then)
    context = _lesson_context(user, course, lesson, attempt_form=form)
    return render(request, "learning/lesson.html", context, status=400)


@require_GET
@login_required
def resource_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_user(user, slug)
    resource = permissions.get_resource_for_user(user, course, pk)
    return download_response(resource)  # type: ignore[arg-type]


def certificate_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(
        render_certificate(certificate), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.enrolment.course.slug}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def certificate_download(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_user(user, slug)
    certificate = selectors.certificate_for(course, user)
    if certificate is None:
        raise Http404(_("No certificate."))
    return certificate_response(certificate)


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: say whether a certificate is valid, with only what it states."""
    certificate = selectors.certificate_by_code(code)
    status = 200 if certificate is not None else 404
    return render(
        request,
        "learning/verify.html",
        {"certificate": certificate, "code": code[:40]},
        status=status,
    )


# --- trainers ---------------------------------------------------------------------


@require_GET
@login_required
def enrolments(request: HttpRequest, slug: str) -> HttpResponse:
    course = permissions.get_course_for_trainer(_user(request), slug)
    rows = list(selectors.enrolments_of_course(course)[:500])
    total = len(selectors.ordered_lessons(course))
    context = {
        "course": course,
        "rows": rows,
        "total": total,
        "revoke_form": RevokeForm(),
    }
    return render(request, "learning/enrolments.html", context)


@require_POST
@login_required
def enrolment_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    enrolment = permissions.get_enrolment_in(course, pk)
    approve = request.POST.get("decision") == "approve"
    return act(
        request,
        lambda: services.decide_enrolment(enrolment, by=user, approve=approve),
        success=_("Approved.") if approve else _("Declined."),
        then=reverse("learning:enrolments", args=[course.slug]),
    )


@require_POST
@login_required
def certificate_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _user(request)
    course = permissions.get_course_for_trainer(user, slug)
    enrolment = permissions.get_enrolment_in(course, pk)
    certificate = Certificate.objects.filter(enrolment=enrolment).first()
    if certificate is None:
        raise Http404(_("No certificate."))
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the certificate is revoked."))
        return redirect("learning:enrolments", course.slug)
    return act(
        request,
        lambda: services.revoke_certificate(
            certificate, by=user, reason=form.cleaned_data["reason"]
        ),
        success=_("Certificate revoked."),
        then=reverse("learning:enrolments", args=[course.slug]),
    )


@require_GET
@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    course = permissions.get_course_for_trainer(_user(request), slug)
    figures = selectors.course_report(course)
    return render(
        request,
        "learning/report.html",
        {"course": course, "report": figures, "chart": figures.chart()},
    )
