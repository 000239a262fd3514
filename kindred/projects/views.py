"""Project and business pages: thin views over projects services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import User
from kindred.core.errors import KindredError
from kindred.core.http import act, add_error, paginate
from kindred.projects import permissions, selectors, services
from kindred.projects.forms import (
    BusinessFilterForm,
    BusinessForm,
    DecideForm,
    ProjectEditForm,
    ProjectFilterForm,
    ProjectForm,
    RoleFormSet,
    UpdateForm,
    VolunteerForm,
)
from kindred.projects.models import Business, Project

PROJECTS_PER_PAGE = 20
BUSINESSES_PER_PAGE = 20
UPDATES_PER_PAGE = 20
MINE_SHOWN = 10


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- projects ---------------------------------------------------------------------


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProjectFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        topic = form.cleaned_data["topic"]
        filters = {
            "query": form.cleaned_data["q"],
            "topic": topic.pk if topic else None,
        }
    page = paginate(
        request, selectors.open_projects(user, **filters), per_page=PROJECTS_PER_PAGE
    )
    context = {
        "form": form,
        "page": page,
        "filtered": any(filters.values()),
        "mine": list(selectors.managed_projects(user)[:MINE_SHOWN]),
        "volunteering": list(selectors.volunteering_of(user)[:MINE_SHOWN]),
    }
    return render(request, "projects/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProjectForm(request.POST or None, user=user)
    roles = RoleFormSet(request.POST or None, prefix="roles")
    if request.method == "POST":
        if form.is_valid() and roles.is_valid():
            data = form.cleaned_data
            try:
                project = services.create_project(
                    by=user,
                    title=data["title"],
                    description=data["description"],
                    topics=list(data["topics"]),
                    organisation=data["organisation"],
                    roles=roles.roles(),
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your project is posted."))
                return redirect(project)
        status = 400
    else:
        status = 200
    return render(
        request, "projects/new.html", {"form": form, "roles": roles}, status=status
    )


@require_GET
@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_project_for_user(user, pk)
    return render(request, "projects/detail.html", _detail_context(user, project))


def _detail_context(user: User, project: Project, **extra: Any) -> dict[str, Any]:
    manages = permissions.can_manage(user, project)
    sees_updates = manages or permissions.is_accepted_volunteer(user, project)
    roles = list(selectors.roles_with_counts().filter(project=project))
    offers = selectors.my_offers_on(user, project)
    for role in roles:
        role.my_offer = offers.get(role.pk)  # type: ignore[attr-defined]
    context = {
        "project": project,
        "roles": roles,
        "manages": manages,
        "sees_updates": sees_updates,
        "volunteers": list(selectors.volunteers_of(project)) if manages else [],
        "updates": list(selectors.updates_of(project)[:5]) if sees_updates else [],
        "update_form": UpdateForm() if manages else None,
        "volunteer_form": VolunteerForm(),
    }
    context.update(extra)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_project_for_user(user, pk)
    if not permissions.can_manage(user, project):
        raise PermissionDenied(_("Only the people running this project can edit it."))
    initial = {
        "title": project.title,
        "description": project.description,
        "topics": list(project.topics.all()),
    }
    form = ProjectEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_project(
                    project,
                    by=user,
                    title=data["title"],
                    description=data["description"],
                    topics=list(data["topics"]),
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(project)
        status = 400
    context = {"form": form, "project": project}
    return render(request, "projects/edit.html", context, status=status)


@require_POST
@login_required
def volunteer(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_project_for_user(user, pk)
    role = permissions.get_role_in(project, role_pk)
    form = VolunteerForm(request.POST)
    if form.is_valid():
        return act(
            request,
            lambda: services.volunteer_for(
                role, by=user, message=form.cleaned_data["message"]
            ),
            success=_("Thank you for offering to help. You will hear back."),
            then=project.get_absolute_url(),
        )
    context = _detail_context(user, project, volunteer_form=form)
    return render(request, "projects/detail.html", context, status=400)


@require_POST
@login_required
def decide(request: HttpRequest, pk: int, volunteer_pk: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_project_for_user(user, pk)
    offer = permissions.get_volunteer_in(project, volunteer_pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or decline."))
        return redirect(project)
    accept = form.cleaned_data["decision"] == "accept"
    return act(
        request,
        lambda: services.decide_volunteer(offer, by=user, accept=accept),
        success=_("%(person)s is on the team.") % {"person": offer.user}
        if accept
        else _("Declined. %(person)s is told, with thanks.") % {"person": offer.user},
        then=project.get_absolute_url(),
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int, volunteer_pk: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_project_for_user(user, pk)
    offer = permissions.get_volunteer_in(project, volunteer_pk)
    return act(
        request,
        lambda: services.withdraw_volunteer(offer, by=user),
        success=_("You stepped back from this role."),
        then=project.get_absolute_url(),
    )


@require_POST
@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_project_for_user(user, pk)
    return act(
        request,
        lambda: services.close_project(project, by=user),
        success=_("The project is closed."),
        then=project.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def updates(request: HttpRequest, pk: int) -> HttpResponse:
    """The team's updates: 404 for anyone not on the team."""
    user = _user(request)
    project = permissions.get_project_for_updates(user, pk)
    manages = permissions.can_manage(user, project)
    form = UpdateForm(request.POST or None) if manages else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Only the people running the project post updates.")
            )
        if form.is_valid():
            try:
                services.post_update(project, by=user, body=form.cleaned_data["body"])
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Update posted; the team is told."))
                return redirect("projects:updates", pk=project.pk)
        status = 400
    page = paginate(request, selectors.updates_of(project), per_page=UPDATES_PER_PAGE)
    context = {"project": project, "page": page, "form": form, "manages": manages}
    return render(request, "projects/updates.html", context, status=status)


# --- businesses -------------------------------------------------------------------


@require_GET
@login_required
def business_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BusinessFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "sector": data["sector"].pk if data["sector"] else None,
            "topic": data["topic"].pk if data["topic"] else None,
        }
    page = paginate(
        request, selectors.businesses(**filters), per_page=BUSINESSES_PER_PAGE
    )
    context = {
        "form": form,
        "page": page,
        "filtered": any(filters.values()),
        "mine": list(selectors.businesses_of(user)),
    }
    return render(request, "projects/businesses.html", context)


def _business_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "summary": data["summary"],
        "offers": data["offers"],
        "member_offer": data["member_offer"],
        "sector": data["sector"],
        "region": data["region"],
        "website": data["website"],
        "topics": list(data["topics"]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def business_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BusinessForm(request.POST or None)
    del form.fields["is_active"]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                business = services.create_business(
                    by=user, **_business_kwargs(form.cleaned_data)
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your business page is published."))
                return redirect(business)
        status = 400
    return render(request, "projects/business_form.html", {"form": form}, status=status)


@require_GET
@login_required
def business_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    business = permissions.get_business_for_user(user, slug)
    context = {
        "business": business,
        "topics": list(business.topics.all()),
        "owns": business.owner_id == user.pk,
    }
    return render(request, "projects/business.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def business_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    business: Business = permissions.get_business_for_user(user, slug)
    if business.owner_id != user.pk:
        raise PermissionDenied(_("Only the owner can edit this page."))
    initial = {
        "name": business.name,
        "summary": business.summary,
        "offers": business.offers,
        "member_offer": business.member_offer,
        "sector": business.sector,
        "region": business.region,
        "website": business.website,
        "topics": list(business.topics.all()),
        "is_active": business.is_active,
    }
    form = BusinessForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_business(
                    business,
                    by=user,
                    is_active=form.cleaned_data["is_active"],
                    **_business_kwargs(form.cleaned_data),
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(business)
        status = 400
    context = {"form": form, "business": business}
    return render(request, "projects/business_form.html", context, status=status)
