from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.core.errors import KindredError, NotAllowed, SecondFactorRequired
from kindred.core.http import add_error, paginate
from kindred.organisations import selectors, services
from kindred.organisations.forms import (
    InviteForm,
    JoinRequestForm,
    OrganisationForm,
    OrganisationSearchForm,
    RoleForm,
)
from kindred.organisations.models import Invitation, JoinRequest, Membership
from kindred.organisations.permissions import (
    get_organisation_for_user,
    is_admin_of,
    require_org_admin,
    role_in,
)


def admin_or_refusal(request: HttpRequest, organisation: object) -> HttpResponse | None:
    """Return a redirect to two-factor set-up or raise 403 when not an admin."""
    try:
        require_org_admin(request.user, organisation)  # type: ignore[arg-type]
    except SecondFactorRequired as error:
        messages.warning(request, error.message)
        return redirect("mfa_index")
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    return None


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationSearchForm(request.GET or None)
    q, kind, region = "", "", None
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        kind = form.cleaned_data["kind"]
        region = form.cleaned_data["region"].pk if form.cleaned_data["region"] else None
    organisations = selectors.list_organisations(q=q, kind=kind, region=region)
    page = paginate(request, organisations, per_page=24)
    return render(request, "organisations/list.html", {"form": form, "page": page})


def _is_adviser(user: object) -> bool:
    from kindred.directory.selectors import is_adviser

    return is_adviser(user)  # type: ignore[arg-type]


@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    role = role_in(request.user, organisation)  # type: ignore[arg-type]
    members = (
        selectors.organisation_members(organisation)
        if request.user.is_authenticated
        else []
    )
    pending = (
        request.user.is_authenticated
        and not role
        and JoinRequest.objects.filter(
            organisation=organisation,
            user=request.user,
            status=JoinRequest.Status.PENDING,
        ).exists()
    )
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "role": role,
            "members": members,
            "join_pending": pending,
            "join_form": JoinRequestForm(),
            "can_refer": organisation.is_active
            and role not in ("admin", "practitioner")
            and _is_adviser(request.user),  # type: ignore[arg-type]
        },
    )


@require_GET
def organisation_logo(request: HttpRequest, slug: str) -> FileResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if not organisation.logo:
        raise Http404(_("No logo."))
    response = FileResponse(organisation.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                organisation = services.create_organisation(
                    by=request.user,
                    regions=data.pop("regions"),
                    **data,  # type: ignore[arg-type]
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(org)s is created and you are its admin.")
                    % {"org": organisation},
                )
                return redirect(organisation)
        return render(request, "organisations/form.html", {"form": form}, status=400)
    return render(request, "organisations/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return refusal
    form = OrganisationForm(
        request.POST or None, request.FILES or None, instance=organisation
    )
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            fresh = selectors.organisation_with_people(slug)
            try:
                services.update_organisation(
                    fresh,
                    by=request.user,
                    regions=data.pop("regions"),
                    **data,  # type: ignore[arg-type]
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("The organisation page is saved."))
                return redirect(fresh)
        return render(
            request,
            "organisations/form.html",
            {"form": form, "organisation": organisation},
            status=400,
        )
    return render(
        request, "organisations/form.html", {"form": form, "organisation": organisation}
    )


@login_required
@require_GET
def organisation_manage(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return refusal
    return _manage_page(request, organisation, InviteForm())


def _manage_page(
    request: HttpRequest,
    organisation: object,
    invite_form: InviteForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "organisations/manage.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(organisation),  # type: ignore[arg-type]
            "invitations": selectors.pending_invitations(organisation),  # type: ignore[arg-type]
            "join_requests": selectors.pending_join_requests(organisation),  # type: ignore[arg-type]
            "invite_form": invite_form,
            "role_choices": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        },
        status=status,
    )


@login_required
@require_POST
def organisation_invite(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return refusal
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite_member(
                organisation,
                by=request.user,  # type: ignore[arg-type]
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(
                request,
                _("An invitation is on its way to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("organisations:manage", slug=slug)
    return _manage_page(request, organisation, form, status=400)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return refusal
    invitation = get_object_or_404(Invitation, pk=pk, organisation=organisation)
    try:
        services.revoke_invitation(invitation, by=request.user)  # type: ignore[arg-type]
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect("organisations:manage", slug=slug)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return refusal
    membership = get_object_or_404(Membership, pk=pk, organisation=organisation)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin, practitioner or member."))
    else:
        try:
            services.set_member_role(
                membership, by=request.user, role=form.cleaned_data["role"]
            )  # type: ignore[arg-type]
        except KindredError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": membership.user, "role": membership.get_role_display()},
            )
    return redirect("organisations:manage", slug=slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    membership = get_object_or_404(Membership, pk=pk, organisation=organisation)
    leaving = membership.user_id == request.user.pk
    if not leaving and (refusal := admin_or_refusal(request, organisation)):
        return refusal
    try:
        services.remove_member(membership, by=request.user)  # type: ignore[arg-type]
    except KindredError as error:
        messages.error(request, error.message)
        if leaving:
            return redirect(organisation)
        return redirect("organisations:manage", slug=slug)
    if leaving:
        messages.success(request, _("You have left %(org)s.") % {"org": organisation})
        return redirect(organisation)
    messages.success(request, _("%(person)s is removed.") % {"person": membership.user})
    return redirect("organisations:manage", slug=slug)


@login_required
@require_POST
def join_request_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_to_join(
                organisation,
                by=request.user,
                message=form.cleaned_data["message"],  # type: ignore[arg-type]
            )
        except KindredError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your request is sent to the admins of %(org)s.")
                % {"org": organisation},
            )
    else:
        messages.error(request, _("The message is too long (500 characters at most)."))
    return redirect(organisation)


@login_required
@require_POST
def join_request_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = get_organisation_for_user(request.user, slug)  # type: ignore[arg-type]
    if refusal := admin_or_refusal(request, organisation):
        return refusal
    join_request = get_object_or_404(JoinRequest, pk=pk, organisation=organisation)
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_join_request(join_request, by=request.user, approve=approve)  # type: ignore[arg-type]
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (
                _("%(person)s has joined.")
                if approve
                else _("The request from %(person)s is declined.")
            )
            % {"person": join_request.user},
        )
    return redirect("organisations:manage", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_respond(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("organisation").filter(token=token).first()
    )
    if invitation is None:
        raise Http404(_("No such invitation."))
    if request.method == "POST":
        try:
            services.accept_invitation(invitation, by=request.user)  # type: ignore[arg-type]
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Welcome to %(org)s.") % {"org": invitation.organisation}
            )
            return redirect(invitation.organisation)
    mismatch = invitation.email.lower() != request.user.email.lower()  # type: ignore[union-attr]
    return render(
        request,
        "organisations/invitation.html",
        {"invitation": invitation, "mismatch": mismatch},
        status=403 if mismatch else 200,
    )


__all__ = ["is_admin_of"]
