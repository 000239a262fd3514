"""Pages of data rights: Your data (download, delete) and the steward's subject
requests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.accounts.models import User
from kindred.accounts.permissions import require_admin_second_factor
from kindred.core.errors import KindredError, NotAllowed, SecondFactorRequired
from kindred.core.http import add_error, refuse
from kindred.core.personal_data import providers
from kindred.privacy import selectors, services
from kindred.privacy.forms import DeleteAccountForm, SubjectEraseForm, SubjectSearchForm


def _archive_response(request: HttpRequest, person: User) -> HttpResponse:
    try:
        archive = services.export_archive(person, by=request.user)
    except NotAllowed as error:
        return refuse(request, error)
    except KindredError as error:
        messages.error(request, error.message)
        return redirect(
            "privacy:index" if person == request.user else "privacy:requests"
        )
    stamp = timezone.now().strftime("%Y%m%d")
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"kindred-data-{person.pk}-{stamp}.zip",
        content_type="application/zip",
    )


@login_required
def your_data(request: HttpRequest) -> HttpResponse:
    context = {
        "providers": providers(),
        "delete_form": DeleteAccountForm(),
        "retention": services.retention_days(),
    }
    return render(request, "privacy/index.html", context)


@require_POST
@login_required
def export_download(request: HttpRequest) -> HttpResponse:
    return _archive_response(request, request.user)


@require_POST
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST)
    if form.is_valid():
        try:
            services.delete_own_account(
                request.user, password=form.cleaned_data["password"]
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            logout(request)
            return redirect("privacy:deleted")
    context = {
        "providers": providers(),
        "delete_form": form,
        "retention": services.retention_days(),
    }
    return render(request, "privacy/index.html", context, status=400)


def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/deleted.html")


def _steward(request: HttpRequest) -> HttpResponse | None:
    """404 for anyone but a steward; a steward without a second factor sets one up."""
    if not (request.user.is_authenticated and request.user.is_steward):
        raise Http404
    try:
        require_admin_second_factor(request.user)  # type: ignore[arg-type]
    except SecondFactorRequired as error:
        messages.warning(request, error.message)
        return redirect("mfa_index")
    return None


@login_required
def subject_requests(request: HttpRequest) -> HttpResponse:
    if (refusal := _steward(request)) is not None:
        return refusal
    form = SubjectSearchForm(request.GET or None)
    people = (
        selectors.subject_candidates(form.data.get("q", "")) if form.is_valid() else []
    )
    return render(
        request,
        "privacy/requests.html",
        {"form": form, "people": people, "erase_form": SubjectEraseForm()},
    )


@require_POST
@login_required
def subject_export(request: HttpRequest, pk: int) -> HttpResponse:
    if (refusal := _steward(request)) is not None:
        return refusal
    return _archive_response(request, get_object_or_404(User, pk=pk))


@require_POST
@login_required
def subject_erase(request: HttpRequest, pk: int) -> HttpResponse:
    if (refusal := _steward(request)) is not None:
        return refusal
    person = get_object_or_404(User, pk=pk)
    form = SubjectEraseForm(request.POST)
    if form.is_valid():
        try:
            services.erase_subject(
                person,
                by=request.user,
                confirm_email=form.cleaned_data["confirm_email"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The person's data has been erased everywhere.")
            )
    else:
        messages.error(request, _("Type the person's email address to confirm."))
    return redirect("privacy:requests")
