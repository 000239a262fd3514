"""Pages of partnerships, calls for collaboration and success stories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.collaboration import permissions, selectors, services
from kindred.collaboration.forms import (
    CallForm,
    ChoosePartnersForm,
    InterestForm,
    ProposeForm,
    PublishForm,
    StoryEditForm,
    StoryForm,
    story_edit_initial,
)
from kindred.collaboration.models import CallForCollaboration, SuccessStory
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, paginate, refuse

STORIES_PER_PAGE = 10
CALLS_PER_PAGE = 20


# --- partnerships -----------------------------------------------------------------


def _partnerships_page(
    request: HttpRequest, form: ProposeForm | None, status: int = 200
) -> HttpResponse:
    user = request.user
    partnerships = list(selectors.partnerships_for(user))  # type: ignore[arg-type]
    admin_of = selectors.admin_organisation_ids(user)  # type: ignore[arg-type]
    return render(
        request,
        "collaboration/partnerships.html",
        {
            "partnerships": partnerships,
            "admin_of": admin_of,
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def partnerships(request: HttpRequest) -> HttpResponse:
    proposers = selectors.admin_organisations(request.user)  # type: ignore[arg-type]
    form = ProposeForm(proposers=proposers) if proposers.exists() else None
    return _partnerships_page(request, form)


@login_required
@require_POST
def partnership_propose(request: HttpRequest) -> HttpResponse:
    proposers = selectors.admin_organisations(request.user)  # type: ignore[arg-type]
    if not proposers.exists():
        raise PermissionDenied(_("Only organisation admins can propose partnerships."))
    form = ProposeForm(request.POST, proposers=proposers)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.propose_partnership(
                data["proposer"],
                by=request.user,  # type: ignore[arg-type]
                partner=data["partner"],
                description=data["description"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(
                request,
                _("Partnership proposed to %(org)s; their admins are told.")
                % {"org": data["partner"].name},
            )
            return redirect("collaboration:partnerships")
    return _partnerships_page(request, form, status=400)


def _partnership_action(
    request: HttpRequest, pk: int, action: Callable[..., Any], success: str
) -> HttpResponse:
    partnership = permissions.get_partnership_for_user(request.user, pk)  # type: ignore[arg-type]
    return act(
        request,
        lambda: action(partnership, by=request.user),
        success=success,
        then="collaboration:partnerships",
    )


@login_required
@require_POST
def partnership_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _partnership_action(
        request, pk, services.accept_partnership, _("You are partners now.")
    )


@login_required
@require_POST
def partnership_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _partnership_action(
        request, pk, services.decline_partnership, _("The proposal is declined.")
    )


@login_required
@require_POST
def partnership_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _partnership_action(
        request, pk, services.end_partnership, _("The partnership has ended.")
    )


# --- calls for collaboration -----------------------------------------------------


@login_required
@require_GET
def calls(request: HttpRequest) -> HttpResponse:
    page = paginate(
        request,
        selectors.calls_for(request.user),  # type: ignore[arg-type]
        per_page=CALLS_PER_PAGE,
    )
    can_post = selectors.admin_organisations(request.user).exists()  # type: ignore[arg-type]
    return render(
        request, "collaboration/calls.html", {"page": page, "can_post": can_post}
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request: HttpRequest) -> HttpResponse:
    organisations = selectors.admin_organisations(request.user)  # type: ignore[arg-type]
    if not organisations.exists():
        if request.method == "POST":
            raise PermissionDenied(_("Only organisation admins can post a call."))
        return render(request, "collaboration/call_form.html", {"form": None})
    form = CallForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                call = services.post_call(
                    data.pop("organisation"),
                    by=request.user,  # type: ignore[arg-type]
                    **data,
                )
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your call for collaboration is posted."))
                return redirect(call)
        return render(
            request, "collaboration/call_form.html", {"form": form}, status=400
        )
    return render(request, "collaboration/call_form.html", {"form": form})


def _call_page(
    request: HttpRequest,
    call: CallForCollaboration,
    *,
    interest_form: InterestForm | None = None,
    choose_form: ChoosePartnersForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    interests = selectors.interests_shown_to(user, call)  # type: ignore[arg-type]
    can_decide = permissions.can_decide_call(user, call)  # type: ignore[arg-type]
    answerable = selectors.organisations_that_may_answer(user, call)  # type: ignore[arg-type]
    if interest_form is None and answerable:
        interest_form = InterestForm(organisations=answerable)
    if choose_form is None and can_decide and interests:
        choose_form = ChoosePartnersForm(interested=[i.organisation for i in interests])
    return render(
        request,
        "collaboration/call_detail.html",
        {
            "call": call,
            "interests": interests,
            "can_decide": can_decide,
            "interest_form": interest_form,
            "choose_form": choose_form if can_decide else None,
            "partnerships": list(call.partnerships.select_related("partner")),
        },
        status=status,
    )


@login_required
@require_GET
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = permissions.get_call_for_user(request.user, pk)  # type: ignore[arg-type]
    return _call_page(request, call)


@login_required
@require_POST
def call_interest(request: HttpRequest, pk: int) -> HttpResponse:
    call = permissions.get_call_for_user(request.user, pk)  # type: ignore[arg-type]
    mine = list(selectors.acting_organisations(request.user))  # type: ignore[arg-type]
    if not mine:
        raise PermissionDenied(
            _("Only admins and practitioners of an organisation can take part.")
        )
    form = InterestForm(request.POST, organisations=mine)
    if form.is_valid():
        try:
            services.express_interest(
                call,
                by=request.user,  # type: ignore[arg-type]
                organisation=form.cleaned_data["organisation"],
                message=form.cleaned_data["message"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(
                request, _("Your interest is sent; the call's organisers are told.")
            )
            return redirect(call)
    return _call_page(request, call, interest_form=form, status=400)


@login_required
@require_POST
def call_choose(request: HttpRequest, pk: int) -> HttpResponse:
    call = permissions.get_call_for_user(request.user, pk)  # type: ignore[arg-type]
    interested = [i.organisation for i in call.interests.select_related("organisation")]
    form = ChoosePartnersForm(request.POST, interested=interested)
    if form.is_valid():
        try:
            services.choose_partners(
                call,
                by=request.user,  # type: ignore[arg-type]
                organisations=list(form.cleaned_data["organisations"]),
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(
                request, _("Partners chosen: the call is closed and you are partners.")
            )
            return redirect(call)
    elif not permissions.can_decide_call(request.user, call):  # type: ignore[arg-type]
        raise PermissionDenied(_("Only the call's organisers can choose partners."))
    return _call_page(request, call, choose_form=form, status=400)


@login_required
@require_POST
def call_close(request: HttpRequest, pk: int) -> HttpResponse:
    call = permissions.get_call_for_user(request.user, pk)  # type: ignore[arg-type]
    return act(
        request,
        lambda: services.close_call(call, by=request.user),  # type: ignore[arg-type]
        success=_("The call is closed."),
        then=call.get_absolute_url(),
    )


# --- success stories -------------------------------------------------------------


@require_GET
def stories(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.published_stories(), per_page=STORIES_PER_PAGE)
    user = request.user
    return render(
        request,
        "collaboration/stories.html",
        {
            "page": page,
            "celebrated": selectors.celebrated_ids(user, page.object_list),  # type: ignore[arg-type]
            "unpublished": list(selectors.unpublished_stories_for(user)[:20])  # type: ignore[arg-type]
            if page.number == 1
            else [],
            "can_write": selectors.acting_organisations(user).exists(),  # type: ignore[arg-type]
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_create(request: HttpRequest) -> HttpResponse:
    organisations = selectors.acting_organisations(request.user)  # type: ignore[arg-type]
    if not organisations.exists():
        if request.method == "POST":
            raise PermissionDenied(
                _("Only admins and practitioners of an organisation can write stories.")
            )
        return render(request, "collaboration/story_form.html", {"form": None})
    form = StoryForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                story = services.write_story(
                    data["organisation"],
                    by=request.user,  # type: ignore[arg-type]
                    title=data["title"],
                    body=data["body"],
                    role=data["role"],
                    credits=form.credits(),
                    people=data["people"],
                    entrepreneur=data["entrepreneur"],
                )
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your story is saved as a draft and sent for approval.")
                    if story.entrepreneur_id
                    else _("Your story is saved as a draft for an admin to publish."),
                )
                return redirect(story)
        return render(
            request, "collaboration/story_form.html", {"form": form}, status=400
        )
    return render(request, "collaboration/story_form.html", {"form": form})


def _story_context(request: HttpRequest, story: SuccessStory) -> dict[str, Any]:
    user = request.user
    is_entrepreneur = user.is_authenticated and story.entrepreneur_id == user.pk
    return {
        "story": story,
        "is_entrepreneur": is_entrepreneur,
        "show_name": story.show_entrepreneur_name
        or is_entrepreneur
        or not story.is_published,
        "can_approve": permissions.can_approve_story(user, story)  # type: ignore[arg-type]
        and story.status in (SuccessStory.Status.DRAFT, SuccessStory.Status.WITHDRAWN),
        "can_decline": permissions.can_approve_story(user, story)  # type: ignore[arg-type]
        and story.status == SuccessStory.Status.DRAFT,
        "can_edit": permissions.can_edit_story(user, story),  # type: ignore[arg-type]
        "can_withdraw": permissions.can_withdraw_story(user, story),  # type: ignore[arg-type]
        "celebrated": story.pk in selectors.celebrated_ids(user, [story]),  # type: ignore[arg-type]
        "publish_form": PublishForm(
            initial={"show_entrepreneur_name": story.show_entrepreneur_name}
        )
        if is_entrepreneur
        else None,
    }


@require_GET
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    story = permissions.get_story_for_user(request.user, pk)  # type: ignore[arg-type]
    return render(
        request, "collaboration/story_detail.html", _story_context(request, story)
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_edit(request: HttpRequest, pk: int) -> HttpResponse:
    story = permissions.get_story_for_user(request.user, pk)  # type: ignore[arg-type]
    if not (
        story.entrepreneur_id == request.user.pk
        or permissions.is_story_author(request.user, story)  # type: ignore[arg-type]
    ):
        raise PermissionDenied(_("Only the entrepreneur and the authors can edit it."))
    form = StoryEditForm(request.POST or None, initial=story_edit_initial(story))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_story(
                    story,
                    by=request.user,  # type: ignore[arg-type]
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(story)
        status = 400
    return render(
        request,
        "collaboration/story_edit.html",
        {"form": form, "story": story},
        status=status,
    )


@login_required
@require_POST
def story_publish(request: HttpRequest, pk: int) -> HttpResponse:
    story = permissions.get_story_for_user(request.user, pk)  # type: ignore[arg-type]
    show = None
    if story.entrepreneur_id == request.user.pk:
        form = PublishForm(request.POST)
        show = form.is_valid() and form.cleaned_data["show_entrepreneur_name"]
    return act(
        request,
        lambda: services.publish_story(
            story,
            by=request.user,  # type: ignore[arg-type]
            show_entrepreneur_name=show,
        ),
        success=_("The story is published. Thank you for sharing the credit."),
        then=story.get_absolute_url(),
    )


@login_required
@require_POST
def story_decline(request: HttpRequest, pk: int) -> HttpResponse:
    story = permissions.get_story_for_user(request.user, pk)  # type: ignore[arg-type]
    return act(
        request,
        lambda: services.decline_story(story, by=request.user),  # type: ignore[arg-type]
        success=_("The story is declined; it will not be published."),
        then=story.get_absolute_url(),
    )


@login_required
@require_POST
def story_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    story = permissions.get_story_for_user(request.user, pk)  # type: ignore[arg-type]
    return act(
        request,
        lambda: services.withdraw_story(story, by=request.user),  # type: ignore[arg-type]
        success=_("The story is withdrawn: only its authors and you can see it now."),
        then=story.get_absolute_url(),
    )


@login_required
@require_POST
def story_name(request: HttpRequest, pk: int) -> HttpResponse:
    story = permissions.get_story_for_user(request.user, pk)  # type: ignore[arg-type]
    form = PublishForm(request.POST)
    show = form.is_valid() and form.cleaned_data["show_entrepreneur_name"]
    return act(
        request,
        lambda: services.show_entrepreneur_name(
            story,
            by=request.user,  # type: ignore[arg-type]
            show=show,
        ),
        success=_("The story shows your name.")
        if show
        else _("The story no longer shows your name."),
        then=story.get_absolute_url(),
    )


@login_required
@require_POST
def story_celebrate(request: HttpRequest, pk: int) -> HttpResponse:
    """Celebrate a story, or take the celebration back (a toggle)."""
    story = permissions.get_story_for_user(request.user, pk)  # type: ignore[arg-type]
    celebrate = request.POST.get("celebrate") == "1"
    try:
        if celebrate:
            services.celebrate_story(story, by=request.user)  # type: ignore[arg-type]
        else:
            services.uncelebrate_story(story, by=request.user)  # type: ignore[arg-type]
    except NotAllowed as error:
        return refuse(request, error)
    except KindredError as error:
        messages.error(request, error.message)
        return redirect(story)
    if getattr(request, "htmx", None):
        return render(
            request,
            "collaboration/_celebrate.html",
            {
                "story": story,
                "celebrated": celebrate,
                "count": selectors.celebration_count(story),
            },
        )
    return redirect(story)
