"""The first-run page and the steward's launch wizard."""

from __future__ import annotations

import tempfile
from pathlib import Path

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.permissions import has_second_factor, is_steward
from kindred.core.errors import KindredError
from kindred.core.http import add_error
from kindred.core.steward_views import steward_required
from kindred.directory import simple_csv
from kindred.launch import selectors, services
from kindred.launch.forms import (
    DirectoryImportForm,
    FirstStewardForm,
    InviteForm,
    NameForm,
    SkipForm,
)
from kindred.launch.middleware import RESUME
from kindred.launch.models import Launch

INVITE_TEMPLATE = (
    "organisation,email,name\r\n"
    "Riverside Enterprise Agency,alex@riverside-enterprise.example.org,Alex Morgan\r\n"
    "calm-founders-cic,sam@calm-founders.example.org,\r\n"
)


def _page(
    request: HttpRequest, step: str, template: str, status: int = 200, **context: object
) -> HttpResponse:
    launch = Launch.current()
    steps = selectors.progress(launch, steward=request.user)  # type: ignore[arg-type]
    current = next(s for s in steps if s.key == step)
    request.session[RESUME] = True
    return render(
        request,
        template,
        {
            "launch": launch,
            "steps": steps,
            "current": current,
            "next_step": selectors.next_step(steps),
            **context,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def first_run(request: HttpRequest) -> HttpResponse:
    if services.has_steward():
        raise Http404(_("This ecosystem already has a steward."))
    form = FirstStewardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            steward = services.claim_ecosystem(**form.cleaned_data)
        except services.AlreadyClaimed:
            raise Http404(_("This ecosystem already has a steward.")) from None
        except KindredError as error:
            add_error(form, error)
        else:
            login(request, steward, backend="kindred.accounts.backends.ModelBackend")
            # The password was typed a moment ago: turning on two-factor next
            # needs no second prompt for it.
            record_authentication(
                request,
                steward,
                method="password",
                email=steward.email,
                reauthenticated=True,
            )
            request.session[RESUME] = True
            messages.success(request, _("Your steward account is ready."))
            return redirect("launch:wizard")
    status = 400 if request.method == "POST" else 200
    return render(request, "launch/first_run.html", {"form": form}, status=status)


@login_required
@require_GET
def wizard(request: HttpRequest) -> HttpResponse:
    """Step 1 and the overview: a steward without a second factor starts here."""
    if not is_steward(request.user):
        raise PermissionDenied(_("Only stewards can do this."))
    return _page(
        request,
        "steward",
        "launch/wizard.html",
        has_mfa=has_second_factor(request.user),  # type: ignore[arg-type]
    )


@steward_required
@require_http_methods(["GET", "POST"])
def name(request: HttpRequest) -> HttpResponse:
    launch = Launch.current()
    initial = {}
    if launch is not None:
        initial = {
            "name": launch.ecosystem_name,
            "region": launch.region,
            "tagline": launch.tagline,
        }
    form = NameForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.name_ecosystem(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The ecosystem is named."))
            return redirect("launch:import")
    status = 400 if request.method == "POST" else 200
    return _page(request, "name", "launch/name.html", status, form=form)


@steward_required
@require_http_methods(["GET", "POST"])
def import_directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / get_valid_filename(Path(upload.name).name)
                with path.open("wb") as target:
                    for chunk in upload.chunks():
                        target.write(chunk)
                try:
                    report = services.import_directory(
                        path,
                        by=request.user,  # type: ignore[arg-type]
                        dry_run=form.cleaned_data["dry_run"],
                    )
                except KindredError as error:
                    add_error(form, error)
            if report is not None and report.ok:
                status = 200
    return _page(
        request, "import", "launch/import.html", status, form=form, report=report
    )


def _csv_download(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@steward_required
@require_GET
def directory_template(request: HttpRequest) -> HttpResponse:
    return _csv_download(simple_csv.template_csv(), "kindred-directory-template.csv")


@steward_required
@require_GET
def invite_template(request: HttpRequest) -> HttpResponse:
    return _csv_download(INVITE_TEMPLATE, "kindred-invitations-template.csv")


@steward_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report = services.invite_admins(
                    form.cleaned_data["file"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except KindredError as error:
                add_error(form, error)
            if report is not None and report.ok:
                status = 200
    return _page(
        request, "invite", "launch/invite.html", status, form=form, report=report
    )


@steward_required
@require_http_methods(["GET", "POST"])
def open_doors(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.open_doors(by=request.user)  # type: ignore[arg-type]
        return redirect("launch:done")
    return _page(
        request, "open", "launch/open.html", signup_open=selectors.signup_open()
    )


@steward_required
@require_POST
def skip(request: HttpRequest) -> HttpResponse:
    form = SkipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This step cannot be skipped."))
        return redirect("launch:wizard")
    step = form.cleaned_data["step"]
    services.skip_step(by=request.user, step=step)  # type: ignore[arg-type]
    steps = selectors.progress(Launch.current(), steward=request.user)  # type: ignore[arg-type]
    following = selectors.next_step(steps)
    if following is None:
        return redirect("launch:done")
    return redirect(following.url_name)


@steward_required
@require_GET
def done(request: HttpRequest) -> HttpResponse:
    response = _page(
        request, "open", "launch/done.html", signup_open=selectors.signup_open()
    )
    # The launch is over: the home page is the home page again.
    request.session.pop(RESUME, None)
    return response


@login_required
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Stop coming back to the wizard from the home page (resume any time)."""
    if not is_steward(request.user):
        raise PermissionDenied(_("Only stewards can do this."))
    request.session.pop(RESUME, None)
    messages.info(
        request, _("You can come back to the launch at any time from /launch/wizard/.")
    )
    return redirect("core:home")
