"""Moderation pages: the report form for members and the stewards' queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kindred.accounts.models import User
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import add_error
from kindred.core.steward_views import steward_required
from kindred.moderation import permissions, selectors, services
from kindred.moderation.forms import DecisionForm, ReportForm

QUEUE_PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@steward_required
def index(request: HttpRequest) -> HttpResponse:
    page, items = selectors.queue_page(request.GET.get("page"), per_page=QUEUE_PER_PAGE)
    context = {
        "page": page,
        "items": items,
        "form": DecisionForm(),
        "recent": selectors.recent_decisions(),
    }
    return render(request, "moderation/index.html", context)


@steward_required
@require_http_methods(["GET", "POST"])
def content(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """One piece of content: its open reports, its history and the actions."""
    entry, obj = permissions.get_content(key, pk)
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                decision = services.decide(
                    obj,
                    by=_user(request),
                    action=form.cleaned_data["action"],
                    note=form.cleaned_data["note"],
                )
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request,
                    _("Done: %(action)s.")
                    % {"action": decision.get_action_display().lower()},
                )
                return redirect("moderation:index")
        status = 400
    context = {
        "item": selectors.queue_item(obj),
        "decisions": selectors.decisions_about(obj),
        "form": form,
    }
    return render(request, "moderation/content.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """Report content the person can see; anything else is 404."""
    user = _user(request)
    entry, obj = permissions.get_reportable_for_user(user, key, pk)
    form = ReportForm(request.POST or None)
    back = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    back = back or entry.url(obj)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_content(
                    obj,
                    by=user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request,
                    _("Thank you. A steward will look at it and tell you the outcome."),
                )
                return redirect(back)
        status = 400
    context = {
        "form": form,
        "obj": obj,
        "label": entry.label,
        "title": entry.title(obj),
        "url": entry.url(obj),
        "back": back,
    }
    return render(request, "moderation/report.html", context, status=status)
