"""Pages of the directory, the navigator and support plans."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import User
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import add_error
from kindred.core.steward_views import steward_required
from kindred.directory import selectors, services, tasks
from kindred.directory.forms import (
    ImportForm,
    NavigatorForm,
    SavePlanForm,
    SearchForm,
    ServiceForm,
    SettingsForm,
    ShareForm,
)
from kindred.directory.models import DirectoryJob, DirectorySettings, PlanItem
from kindred.organisations.permissions import get_organisation_for_user, is_admin_of
from kindred.organisations.views import admin_or_refusal

FACET_TITLES = {
    "topic": gettext_lazy("Topics"),
    "stage": gettext_lazy("Open to business stage"),
    "sector": gettext_lazy("Open to sector"),
    "region": gettext_lazy("Open in region"),
    "delivery": gettext_lazy("Delivery"),
    "cost": gettext_lazy("Cost"),
    "kind": gettext_lazy("Organisation type"),
}
FACET_SIZES = {"topic": 15, "region": 15, "sector": 12}
PER_PAGE = 10
MAX_PAGES = 50


def _htmx_partial(request: HttpRequest, template: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


# --- search -------------------------------------------------------------------


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = _search_query(form)
    page = _page_number(request)
    try:
        results = selectors.search(
            request.user,  # type: ignore[arg-type]
            query,
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
        )
    except selectors.SearchClosed:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    current = {k: v for k, v in request.GET.items() if k != "page" and v}
    groups = []
    for facet, options in results.facets.items():
        shown = options[: FACET_SIZES.get(facet, 10)]
        for option in shown:
            params = {k: v for k, v in current.items() if k != facet}
            if not option.selected:
                params[facet] = option.value
            option.url = "?" + urlencode(params)
        groups.append({"title": FACET_TITLES[facet], "options": shown})
    template = _htmx_partial(request, "directory/search.html", "results")
    first = (page - 1) * PER_PAGE + 1
    return render(
        request,
        template,
        {
            "form": form,
            "found": results,
            "query": query,
            "facet_groups": groups,
            "page": page,
            "first": first,
            "last": first + len(results.results) - 1,
            "more": results.total > page * PER_PAGE,
            "next_query": urlencode({**current, "page": page + 1}),
            "previous_query": urlencode({**current, "page": page - 1}),
        },
    )


def _search_query(form: SearchForm) -> selectors.SearchQuery:
    if not form.is_valid():
        return selectors.SearchQuery()
    data = form.cleaned_data
    return selectors.SearchQuery(
        q=data["q"].strip(),
        what=data["what"],
        topic=data["topic"].strip(),
        stage=data["stage"],
        sector=str(data["sector"] or ""),
        region=str(data["region"] or ""),
        delivery=data["delivery"],
        cost=data["cost"],
        kind=data["kind"],
        organisation=str(data["organisation"] or ""),
    )


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """People who can help with what a directory search names (loaded after it)."""
    form = SearchForm(request.GET or None)
    query = _search_query(form)
    found = selectors.people_for_search(request.user, query)  # type: ignore[arg-type]
    template = _htmx_partial(request, "directory/people.html", "people")
    return render(request, template, {"people": found})


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(int(raw), MAX_PAGES) if raw.isdigit() and int(raw) > 0 else 1


@require_GET
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.visible_service(request.user, pk)  # type: ignore[arg-type]
    if service is None:
        raise Http404(_("No such service."))
    if not selectors.may_search(request.user):  # type: ignore[arg-type]
        return redirect(f"{reverse('account_login')}?next={request.path}")
    return render(
        request,
        "directory/service_detail.html",
        {
            "service": service,
            "can_edit": is_admin_of(request.user, service.organisation)  # type: ignore[arg-type]
            or getattr(request.user, "is_steward", False),
            "can_refer": selectors.is_adviser(request.user),  # type: ignore[arg-type]
        },
    )


# --- an organisation's services ------------------------------------------------


@login_required
@require_GET
def organisation_services(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    refusal = admin_or_refusal(request, organisation)
    if refusal:
        return refusal
    return render(
        request,
        "directory/organisation_services.html",
        {
            "organisation": organisation,
            "services": selectors.services_of(organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    refusal = admin_or_refusal(request, organisation)
    if refusal:
        return refusal
    form = ServiceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                service = services.create_service(
                    organisation,
                    by=request.user,
                    **form.service_fields(),  # type: ignore[arg-type]
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("The service is published."))
                return redirect(service)
        status = 400
    return render(
        request,
        "directory/service_form.html",
        {"form": form, "organisation": organisation},
        status=status,
    )


def _editable_service(request: HttpRequest, pk: int) -> Any:
    service = selectors.visible_service(request.user, pk)  # type: ignore[arg-type]
    if service is None:
        raise Http404(_("No such service."))
    return service


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = _editable_service(request, pk)
    refusal = admin_or_refusal(request, service.organisation)
    if refusal:
        return refusal
    form = ServiceForm(request.POST or None, instance=service)
    status = 200
    if request.method == "POST":
        # ModelForm validation wrote into `service`; the service layer starts afresh.
        if form.is_valid():
            try:
                services.update_service(
                    service,
                    by=request.user,
                    **form.service_fields(),  # type: ignore[arg-type]
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request, _("Changes saved; the service is marked as checked.")
                )
                return redirect(service)
        status = 400
    return render(
        request,
        "directory/service_form.html",
        {"form": form, "organisation": service.organisation, "service": service},
        status=status,
    )


@login_required
@require_POST
def service_review(request: HttpRequest, pk: int) -> HttpResponse:
    service = _editable_service(request, pk)
    refusal = admin_or_refusal(request, service.organisation)
    if refusal:
        return refusal
    services.mark_reviewed(service, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Marked as checked today."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = service.get_absolute_url()
    return redirect(target)


@login_required
@require_POST
def service_delete(request: HttpRequest, pk: int) -> HttpResponse:
    service = _editable_service(request, pk)
    refusal = admin_or_refusal(request, service.organisation)
    if refusal:
        return refusal
    organisation = service.organisation
    services.delete_service(service, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The service is removed from the directory."))
    return redirect("directory:organisation_services", organisation.slug)


# --- navigator and plans ---------------------------------------------------------


def _needs(form: NavigatorForm) -> selectors.Needs:
    data = form.cleaned_data
    return selectors.Needs(
        stage=data["stage"],
        sector=data["sector"].pk if data["sector"] else None,
        region=data["region"].pk if data["region"] else None,
        topics=tuple(t.pk for t in data["topics"]),
        urgency=data["urgency"],
        delivery=data["delivery"],
        text=data["text"].strip(),
    )


def _client(request: HttpRequest, form: NavigatorForm) -> User | None:
    email = form.cleaned_data.get("client") or ""
    if not email:
        return None
    if not selectors.is_adviser(request.user):  # type: ignore[arg-type]
        form.add_error(
            "client", _("Only advisers can prepare a plan for someone else.")
        )
        return None
    client = User.objects.filter(email__iexact=email, is_active=True).first()
    if client is None:
        form.add_error("client", _("Nobody with that email address is a member."))
    return client


@login_required
@require_GET
def navigator(request: HttpRequest) -> HttpResponse:
    form = NavigatorForm(request.GET or None)
    suggestions = None
    client = None
    if form.is_bound and form.is_valid():
        client = _client(request, form)
        if not form.errors:
            viewer = client or request.user
            suggestions = selectors.navigate(viewer, _needs(form))  # type: ignore[arg-type]
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "directory/navigator.html",
        {
            "form": form,
            "suggestions": suggestions,
            "client": client,
            "save_form": SavePlanForm(),
            "is_adviser": selectors.is_adviser(request.user),  # type: ignore[arg-type]
        },
        status=status,
    )


@login_required
@require_POST
def plan_save(request: HttpRequest) -> HttpResponse:
    form = NavigatorForm(request.POST)
    save_form = SavePlanForm(request.POST)
    if form.is_valid() and save_form.is_valid():
        client = _client(request, form)
        if not form.errors:
            try:
                plan = services.save_plan(
                    by=request.user,  # type: ignore[arg-type]
                    needs=_needs(form),
                    title=save_form.cleaned_data["title"],
                    owner=client,
                )
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except KindredError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Your support plan is saved."))
                return redirect(plan)
    return render(
        request,
        "directory/navigator.html",
        {"form": form, "save_form": save_form, "suggestions": None},
        status=400,
    )


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plans_for(request.user)  # type: ignore[arg-type]
    return render(request, "directory/plan_list.html", {"plans": plans})


def _plan(request: HttpRequest, pk: int) -> Any:
    plan = selectors.visible_plan(request.user, pk)  # type: ignore[arg-type]
    if plan is None:
        raise Http404(_("No such plan."))
    return plan


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    is_owner = plan.owner_id == request.user.pk
    return render(
        request,
        "directory/plan_detail.html",
        {
            "plan": plan,
            "is_owner": is_owner,
            "share_form": ShareForm(
                advisers=selectors.advisers().exclude(pk=request.user.pk)
            )
            if is_owner
            else None,
        },
    )


@login_required
@require_POST
def plan_item_toggle(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    plan = _plan(request, pk)
    entry = get_object_or_404(PlanItem, plan=plan, pk=item)
    try:
        entry = services.set_item_done(
            entry,
            by=request.user,
            done=request.POST.get("done") == "1",  # type: ignore[arg-type]
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    if getattr(request, "htmx", None):
        return render(
            request, "directory/plan_detail.html#item", {"item": entry, "plan": plan}
        )
    return redirect(plan)


@login_required
@require_POST
def plan_share(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if plan.owner_id != request.user.pk:
        raise PermissionDenied(_("Only the plan's owner can share it."))
    form = ShareForm(
        request.POST, advisers=selectors.advisers().exclude(pk=request.user.pk)
    )
    if form.is_valid():
        try:
            services.share_plan(
                plan, by=request.user, adviser=form.cleaned_data["adviser"]
            )  # type: ignore[arg-type]
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(
                request,
                _("Shared with %(name)s.")
                % {"name": form.cleaned_data["adviser"].profile.display_name},
            )
            return redirect(plan)
    return render(
        request,
        "directory/plan_detail.html",
        {"plan": plan, "is_owner": True, "share_form": form},
        status=400,
    )


@login_required
@require_POST
def plan_unshare(request: HttpRequest, pk: int, user: int) -> HttpResponse:
    plan = _plan(request, pk)
    adviser = get_object_or_404(plan.shared_with, pk=user)
    try:
        services.unshare_plan(plan, by=request.user, adviser=adviser)  # type: ignore[arg-type]
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    messages.success(
        request,
        _("No longer shared with %(name)s.") % {"name": adviser.profile.display_name},
    )
    if plan.owner_id != request.user.pk:
        return redirect("directory:plans")
    return redirect(plan)


@login_required
@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        services.delete_plan(plan, by=request.user)  # type: ignore[arg-type]
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("The plan is deleted."))
    return redirect("directory:plans")


# --- steward -----------------------------------------------------------------


@steward_required
@require_GET
def steward_directory(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "directory/steward.html",
        {
            "health": selectors.directory_health(),
            "import_form": ImportForm(),
            "settings_form": SettingsForm(
                initial={"public_search": DirectorySettings.current().public_search}
            ),
        },
    )


@steward_required
@require_POST
def steward_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "directory/steward.html",
            {
                "health": selectors.directory_health(),
                "import_form": form,
                "settings_form": SettingsForm(
                    initial={"public_search": DirectorySettings.current().public_search}
                ),
            },
            status=400,
        )
    upload = form.cleaned_data["file"]
    with transaction.atomic():
        job = DirectoryJob(
            kind=DirectoryJob.Kind.IMPORT,
            started_by=request.user,
            file_name=upload.name[:200],
            dry_run=form.cleaned_data["dry_run"],
        )
        job.file.save(upload.name, upload, save=False)
        job.save()
        transaction.on_commit(lambda: tasks.run_import.enqueue(job.pk))
    return redirect("directory:steward_job", job.pk)


@steward_required
@require_POST
def steward_export(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        job = DirectoryJob.objects.create(
            kind=DirectoryJob.Kind.EXPORT,
            started_by=request.user,
            file_name="kindred-hsds-export.zip",
        )
        transaction.on_commit(lambda: tasks.run_export.enqueue(job.pk))
    return redirect("directory:steward_job", job.pk)


@steward_required
@require_GET
def steward_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(DirectoryJob, pk=pk)
    template = _htmx_partial(request, "directory/job.html", "progress")
    return render(request, template, {"job": job})


@steward_required
@require_GET
def steward_job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(
        DirectoryJob,
        pk=pk,
        kind=DirectoryJob.Kind.EXPORT,
        status=DirectoryJob.Status.DONE,
    )
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)


@steward_required
@require_POST
def steward_settings(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST)
    if form.is_valid():
        services.update_settings(
            by=request.user,
            public_search=form.cleaned_data["public_search"],  # type: ignore[arg-type]
        )
        messages.success(request, _("Directory settings saved."))
    return redirect("directory:steward")
