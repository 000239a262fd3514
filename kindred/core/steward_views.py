"""The steward console: taxonomy, organisations and people."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts import services as account_services
from kindred.accounts.forms import SuspendForm
from kindred.accounts.models import User
from kindred.accounts.permissions import require_steward
from kindred.core import selectors, services
from kindred.core.errors import KindredError, SecondFactorRequired
from kindred.core.http import add_error, paginate
from kindred.core.models import Topic
from kindred.organisations import services as organisation_services
from kindred.organisations.models import Organisation


def steward_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            require_steward(request.user)  # type: ignore[arg-type]
        except SecondFactorRequired as error:
            messages.warning(request, error.message)
            return redirect("mfa_index")
        except KindredError as error:
            raise PermissionDenied(error.message) from None
        return view(request, *args, **kwargs)

    return wrapper


class TopicForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=300, required=False
    )
    parent = forms.ModelChoiceField(
        label=gettext_lazy("Broader topic"),
        queryset=Topic.objects.filter(parent__isnull=True),
        required=False,
        empty_label=gettext_lazy("None"),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active (can be chosen)"), required=False, initial=True
    )


@steward_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "steward/console.html",
        selectors.steward_overview(),
    )


@steward_required
@require_http_methods(["GET", "POST"])
def topics(request: HttpRequest) -> HttpResponse:
    form = TopicForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                topic = services.save_topic(None, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except KindredError as error:
                add_error(form, error)
                status = 400
            else:
                messages.success(
                    request, _("Topic “%(name)s” added.") % {"name": topic}
                )
                return redirect("steward:topics")
        else:
            status = 400
    all_topics = Topic.objects.select_related("parent").order_by("name")
    return render(
        request,
        "steward/topics.html",
        {"form": form, "topics": all_topics},
        status=status,
    )


@steward_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    initial = {
        "name": topic.name,
        "description": topic.description,
        "parent": topic.parent,
        "is_active": topic.is_active,
    }
    form = TopicForm(request.POST or None, initial=initial)
    form.fields["parent"].queryset = Topic.objects.filter(parent__isnull=True).exclude(
        pk=pk
    )  # type: ignore[attr-defined]
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_topic(topic, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Topic saved."))
                return redirect("steward:topics")
        return render(
            request,
            "steward/topic_form.html",
            {"form": form, "topic": topic},
            status=400,
        )
    return render(request, "steward/topic_form.html", {"form": form, "topic": topic})


@steward_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    users = selectors.people_for_stewards(
        q=q, suspended_only=request.GET.get("suspended") == "1"
    )
    return render(
        request,
        "steward/people.html",
        {
            "page": paginate(request, users, per_page=30),
            "q": q,
            "suspend_form": SuspendForm(),
        },
    )


@steward_required
@require_POST
def person_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the account is suspended."))
        return redirect("steward:people")
    try:
        account_services.suspend_user(
            person, by=request.user, reason=form.cleaned_data["reason"]
        )  # type: ignore[arg-type]
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(person)s is suspended.") % {"person": person})
    return redirect("steward:people")


@steward_required
@require_POST
def person_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    account_services.reinstate_user(person, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("%(person)s is reinstated.") % {"person": person})
    return redirect("steward:people")


@steward_required
@require_GET
def organisations(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    orgs = selectors.organisations_for_stewards(q=q)
    return render(
        request,
        "steward/organisations.html",
        {"page": paginate(request, orgs, per_page=30), "q": q},
    )


@steward_required
@require_POST
def organisation_active(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    active = request.POST.get("active") == "1"
    organisation_services.set_organisation_active(
        organisation, by=request.user, active=active
    )  # type: ignore[arg-type]
    messages.success(
        request,
        (_("%(org)s is visible again.") if active else _("%(org)s is hidden."))
        % {"org": organisation},
    )
    return redirect("steward:organisations")


@steward_required
@require_POST
def person_steward(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    make = request.POST.get("steward") == "1"
    try:
        account_services.set_steward(person, by=request.user, is_steward=make)  # type: ignore[arg-type]
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (
                _("%(person)s is now a steward.")
                if make
                else _("%(person)s is no longer a steward.")
            )
            % {"person": person},
        )
    return redirect("steward:people")


@steward_required
@require_GET
def background_work(request: HttpRequest) -> HttpResponse:
    return render(request, "steward/tasks.html", selectors.background_work())


@steward_required
@require_POST
def task_retry(request: HttpRequest, pk: str) -> HttpResponse:
    try:
        services.retry_failed_task(pk, by=request.user)  # type: ignore[arg-type]
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The task is queued again."))
    return redirect("steward:tasks")
