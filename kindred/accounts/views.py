from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from kindred.accounts import selectors, services
from kindred.accounts.forms import ApiTokenForm, MemberSearchForm, ProfileForm
from kindred.accounts.models import ApiToken, Profile
from kindred.accounts.permissions import get_profile_for_user, has_second_factor
from kindred.core.errors import KindredError
from kindred.core.http import add_error, paginate
from kindred.organisations import selectors as organisation_selectors


@login_required
@require_GET
def settings_home(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile  # type: ignore[union-attr]
    return render(
        request,
        "accounts/settings.html",
        {
            "profile": profile,
            "completeness": selectors.profile_completeness(profile),
            "has_second_factor": has_second_factor(request.user),  # type: ignore[arg-type]
            "memberships": organisation_selectors.memberships_of(request.user),  # type: ignore[arg-type]
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile  # type: ignore[union-attr]
    if request.method == "POST":
        form = ProfileForm(
            request.POST, request.FILES, instance=Profile.objects.get(pk=profile.pk)
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.update_profile(
                    profile,
                    by=request.user,  # type: ignore[arg-type]
                    photo=data.pop("photo", None),
                    remove_photo=request.POST.get("photo-clear") == "on",
                    sectors=data.pop("sectors"),
                    topics_offered=data.pop("topics_offered"),
                    topics_needed=data.pop("topics_needed"),
                    languages=data.pop("languages"),
                    **data,
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("accounts:profile_edit")
        return render(
            request,
            "accounts/profile_form.html",
            {"form": form, "completeness": selectors.profile_completeness(profile)},
            status=400,
        )
    form = ProfileForm(instance=profile, initial={"languages": profile.languages})
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "completeness": selectors.profile_completeness(profile)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def tokens(request: HttpRequest) -> HttpResponse:
    """List the person's tokens; creating one asks for the password again unless
    it was given in the last few minutes (allauth's re-authentication)."""
    new_key = None
    form = ApiTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, new_key = services.create_api_token(
                    by=request.user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    expires_at=form.cleaned_data["expires_at"],
                )
            except KindredError as error:
                add_error(form, error)
                status = 400
            else:
                form = ApiTokenForm()
        else:
            status = 400
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": request.user.api_tokens.all(),  # type: ignore[union-attr]
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(token, by=request.user)  # type: ignore[arg-type]
    messages.success(
        request, _("The token “%(name)s” is revoked.") % {"name": token.name}
    )
    return redirect("accounts:tokens")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def member_directory(request: HttpRequest) -> HttpResponse:
    form = MemberSearchForm(request.GET or None)
    filters = selectors.MemberFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.MemberFilters(
            q=data["q"].strip(),
            topic_offered=data["topic_offered"].pk if data["topic_offered"] else None,
            topic_needed=data["topic_needed"].pk if data["topic_needed"] else None,
            region=data["region"].pk if data["region"] else None,
            sector=data["sector"].pk if data["sector"] else None,
            stage=data["stage"],
            organisation=data["organisation"],
        )
    profiles = selectors.search_members(request.user, filters)  # type: ignore[arg-type]
    # Cards never show the bio: leave it out of the sorted rows.
    cards_query = selectors.with_card_data(profiles).defer("bio")
    page = paginate(request, cards_query, per_page=20, cap=1000)
    cards = selectors.visible_profiles(page.object_list, request.user)  # type: ignore[arg-type]
    context = {"form": form, "page": page, "cards": cards, "filters": filters}
    template = "accounts/members.html"
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and not htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_profile_for_user(request.user, pk)  # type: ignore[arg-type]
    profile = selectors.with_card_data(Profile.objects.filter(pk=profile.pk)).get()
    member = selectors.visible_profile(profile, request.user)  # type: ignore[arg-type]
    from kindred.directory.selectors import is_adviser

    practitioner = any(m.role in ("admin", "practitioner") for m in member.memberships)
    can_refer = (
        practitioner and profile.user_id != request.user.pk and is_adviser(request.user)  # type: ignore[arg-type]
    )
    return render(
        request,
        "accounts/member_detail.html",
        {"member": member, "can_refer": can_refer},
    )


@login_required
@require_GET
def member_photo(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a photo only to people allowed to see it."""
    profile = get_profile_for_user(request.user, pk)  # type: ignore[arg-type]
    member = selectors.visible_profile(profile, request.user)  # type: ignore[arg-type]
    if not member.photo:
        raise Http404(_("No photo."))
    response = FileResponse(member.photo.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    # Re-encoded at upload; should anything else ever get here, a browser that
    # opens it directly runs nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
