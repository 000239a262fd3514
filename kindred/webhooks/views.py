from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kindred.core.errors import KindredError
from kindred.core.http import add_error
from kindred.organisations.permissions import get_organisation_for_user
from kindred.organisations.views import admin_or_refusal
from kindred.webhooks import services
from kindred.webhooks.forms import EndpointForm
from kindred.webhooks.models import Endpoint


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_list(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return refusal
    form = EndpointForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.create_endpoint(
                    organisation,
                    by=request.user,
                    **form.cleaned_data,  # type: ignore[arg-type]
                )
            except KindredError as error:
                add_error(form, error)
                status = 400
            else:
                messages.success(
                    request, _("The webhook is added. Send it a test event.")
                )
                return redirect("webhooks:list", slug=slug)
        else:
            status = 400
    endpoints = organisation.webhook_endpoints.prefetch_related("deliveries")
    return render(
        request,
        "webhooks/list.html",
        {"organisation": organisation, "endpoints": endpoints, "form": form},
        status=status,
    )


def _endpoint(
    request: HttpRequest, slug: str, pk: int
) -> tuple[object, Endpoint | HttpResponse]:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return organisation, refusal
    return organisation, get_object_or_404(Endpoint, pk=pk, organisation=organisation)


@login_required
@require_POST
def endpoint_action(
    request: HttpRequest, slug: str, pk: int, action: str
) -> HttpResponse:
    if action not in ("test", "delete", "reactivate"):
        raise Http404(_("No such action."))
    _organisation, endpoint = _endpoint(request, slug, pk)
    if isinstance(endpoint, HttpResponse):
        return endpoint
    try:
        if action == "test":
            services.send_test_event(endpoint, by=request.user)  # type: ignore[arg-type]
            messages.success(
                request, _("A test event is on its way; see the log below.")
            )
        elif action == "delete":
            services.delete_endpoint(endpoint, by=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The webhook is removed."))
        elif action == "reactivate":
            services.reactivate_endpoint(endpoint, by=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The webhook is switched on again."))
    except KindredError as error:
        messages.error(request, error.message)
    return redirect("webhooks:list", slug=slug)
