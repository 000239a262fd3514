"""Group pages: thin views over communities services and selectors.

Every page inside a group first asks the permissions module for the group: a
private group's content answers 404 to non-members, exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import User
from kindred.communities import permissions, selectors, services
from kindred.communities.forms import (
    DeclineForm,
    GroupFilterForm,
    InviteForm,
    JoinForm,
    LinkForm,
    ProposeForm,
    ReplyForm,
    RoleForm,
    ThreadForm,
    UploadForm,
)
from kindred.communities.models import Group, Membership, Reply, Thread
from kindred.communities.uploads import download_response
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, paginate

GROUPS_PER_PAGE = 20
MEMBERS_PER_PAGE = 50
REPLIES_PER_PAGE = 50
RESOURCES_PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


# --- the list, proposing and approving ----------------------------------------------


@require_GET
@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = GroupFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "topic": data["topic"].pk if data["topic"] else None,
            "mine": bool(data["mine"]) and user.is_authenticated,
        }
    page = paginate(
        request, selectors.group_list(user, **filters), per_page=GROUPS_PER_PAGE
    )
    member_of = selectors.member_group_ids(user)
    context = {
        "form": form,
        "page": page,
        "member_of": member_of,
        "filtered": any(filters.values()),
        "proposal_count": selectors.proposals().count()
        if permissions.can_decide_proposal(user)
        else 0,
    }
    if getattr(request, "htmx", None) and request.htmx.target == "group-results":  # type: ignore[attr-defined]
        return render(request, "communities/list.html#results", context)
    return render(request, "communities/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_propose(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProposeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                group = services.propose_group(
                    by=user,
                    name=data["name"],
                    purpose=data["purpose"],
                    joining=data["joining"],
                    visibility=data["visibility"],
                    topics=list(data["topics"]),
                    organisation=data["organisation"],
                )
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your group is active: invite people in.")
                    if group.status == Group.Status.ACTIVE
                    else _("Your group is proposed; a steward will review it soon."),
                )
                return redirect(group)
        return render(request, "communities/propose.html", {"form": form}, status=400)
    return render(request, "communities/propose.html", {"form": form})


@login_required
@require_GET
def group_proposals(request: HttpRequest) -> HttpResponse:
    if not permissions.can_decide_proposal(_user(request)):
        raise Http404(_("No such page."))
    return render(
        request,
        "communities/proposals.html",
        {"proposals": list(selectors.proposals()[:200]), "decline_form": DeclineForm()},
    )


@login_required
@require_POST
def group_approve(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_group_for_user(_user(request), slug)
    return act(
        request,
        lambda: services.approve_group(group, by=_user(request)),
        success=_("%(group)s is approved.") % {"group": group.name},
        then="communities:proposals",
    )


@login_required
@require_POST
def group_decline(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_group_for_user(_user(request), slug)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return act(
        request,
        lambda: services.decline_group(group, by=_user(request), reason=reason),
        success=_("%(group)s is declined.") % {"group": group.name},
        then="communities:proposals",
    )


# --- a group's page, joining and leaving ---------------------------------------------


def _group_context(request: HttpRequest, group: Group) -> dict[str, Any]:
    user = _user(request)
    membership = selectors.membership_of(user, group)
    return {
        "group": group,
        "membership": membership,
        "is_member": selectors.is_member(user, group),
        "can_read": selectors.can_read(user, group),
        "can_moderate": permissions.can_moderate(user, group),
        "can_post": permissions.can_post(user, group),
        "facilitators": selectors.facilitators(group),
    }


def _group_page(
    request: HttpRequest,
    group: Group,
    *,
    thread_form: ThreadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _group_context(request, group)
    if context["can_read"]:
        context["threads"] = selectors.thread_page(
            group, _user(request), _page_number(request)
        )
    if context["can_post"]:
        context["thread_form"] = thread_form or ThreadForm()
    if group.joining == Group.Joining.REQUEST:
        context["join_form"] = JoinForm()
    return render(request, "communities/detail.html", context, status=status)


@login_required
@require_GET
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_group_for_user(_user(request), slug)
    return _group_page(request, group)


@login_required
@require_POST
def group_join(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    group = permissions.get_group_for_user(user, slug)
    form = JoinForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        membership = services.join_group(group, by=user, message=message)
    except KindredError as error:
        messages.error(request, error.message)
        return redirect(group)
    if membership.status == Membership.Status.ACTIVE:
        messages.success(request, _("Welcome to %(group)s.") % {"group": group.name})
    else:
        messages.success(request, _("Your request is sent; the facilitators are told."))
    return redirect(group)


@login_required
@require_POST
def group_leave(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    group = permissions.get_group_for_user(user, slug)
    return act(
        request,
        lambda: services.leave_group(group, by=user),
        success=_("You are no longer in %(group)s.") % {"group": group.name},
        then=group.get_absolute_url(),
    )


@login_required
@require_GET
def group_members(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    context = _group_context(request, group)
    context["page"] = paginate(
        request, selectors.members(group), per_page=MEMBERS_PER_PAGE
    )
    return render(request, "communities/members.html", context)


# --- threads ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    group = permissions.get_readable_group_for_user(user, slug)
    if request.method == "GET":
        return redirect(f"{group.get_absolute_url()}#new-thread")
    form = ThreadForm(request.POST)
    if form.is_valid():
        try:
            thread = services.start_thread(group, by=user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your thread is posted."))
            return redirect(thread)
    return _group_page(request, group, thread_form=form, status=400)


def _thread_page(
    request: HttpRequest,
    group: Group,
    thread: Thread,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    context = _group_context(request, group)
    page = paginate(
        request, selectors.replies_shown(thread, user), per_page=REPLIES_PER_PAGE
    )
    context.update(
        {
            "thread": thread,
            "page": page,
            "following": selectors.is_following(user, thread),
            "can_edit_thread": permissions.can_edit_post(user, thread, group),
            "can_mark_answer": permissions.can_mark_answer(user, thread, group),
            "reply_form": (reply_form or ReplyForm())
            if context["can_post"] and not thread.hidden
            else None,
        }
    )
    return render(request, "communities/thread.html", context, status=status)


def _thread(request: HttpRequest, slug: str, pk: int) -> tuple[Group, Thread]:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    return group, permissions.get_thread_for_user(_user(request), group, pk)


@login_required
@require_GET
def thread_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, thread = _thread(request, slug, pk)
    return _thread_page(request, group, thread)


@login_required
@require_POST
def thread_reply(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, thread = _thread(request, slug, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = services.reply_to_thread(
                thread, by=_user(request), body=form.cleaned_data["body"]
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your reply is posted."))
            last = max(1, -(-thread.reply_count // REPLIES_PER_PAGE))
            return redirect(f"{thread.get_absolute_url()}?page={last}#reply-{reply.pk}")
    return _thread_page(request, group, thread, reply_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def thread_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, thread = _thread(request, slug, pk)
    user = _user(request)
    if not permissions.can_edit_post(user, thread, group):
        raise PermissionDenied(_("Only the author can edit this."))
    form = ThreadForm(
        request.POST or None, initial={"title": thread.title, "body": thread.body}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_thread(thread, by=user, **form.cleaned_data)
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(thread)
        status = 400
    return render(
        request,
        "communities/post_edit.html",
        {"group": group, "thread": thread, "form": form},
        status=status,
    )


def _reply(
    request: HttpRequest, slug: str, pk: int, reply_pk: int
) -> tuple[Group, Thread, Reply]:
    group, thread = _thread(request, slug, pk)
    return (
        group,
        thread,
        permissions.get_reply_for_user(_user(request), thread, reply_pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_edit(request: HttpRequest, slug: str, pk: int, reply: int) -> HttpResponse:
    group, thread, post = _reply(request, slug, pk, reply)
    user = _user(request)
    if not permissions.can_edit_post(user, post, group):
        raise PermissionDenied(_("Only the author can edit this."))
    form = ReplyForm(request.POST or None, initial={"body": post.body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_reply(post, by=user, body=form.cleaned_data["body"])
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(f"{thread.get_absolute_url()}#reply-{post.pk}")
        status = 400
    return render(
        request,
        "communities/post_edit.html",
        {"group": group, "thread": thread, "reply": post, "form": form},
        status=status,
    )


@login_required
@require_POST
def thread_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Mark a reply as the answer (`reply` = its id), or clear it (no `reply`)."""
    group, thread = _thread(request, slug, pk)
    raw = request.POST.get("reply", "")
    reply = (
        permissions.get_reply_for_user(_user(request), thread, int(raw))
        if raw.isdigit() and len(raw) < 19
        else None
    )
    if raw and reply is None:
        raise Http404(_("No such reply."))
    return act(
        request,
        lambda: services.mark_answer(thread, by=_user(request), reply=reply),
        success=_("Marked as the answer.")
        if reply
        else _("The answer mark is removed."),
        then=thread.get_absolute_url(),
    )


@login_required
@require_POST
def thread_follow(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, thread = _thread(request, slug, pk)
    user = _user(request)
    follow = request.POST.get("follow") == "1"
    try:
        if follow:
            services.follow_thread(thread, by=user)
        else:
            services.unfollow_thread(thread, by=user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    if getattr(request, "htmx", None):
        context = {"group": group, "thread": thread, "following": follow}
        return render(request, "communities/thread.html#follow", context)
    messages.success(
        request,
        _("You will hear of new replies.")
        if follow
        else _("You will no longer hear of new replies."),
    )
    return redirect(thread)


@login_required
@require_POST
def thread_pin(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, thread = _thread(request, slug, pk)
    pinned = request.POST.get("pinned") == "1"
    return act(
        request,
        lambda: services.pin_thread(thread, by=_user(request), pinned=pinned),
        success=_("The thread is pinned.") if pinned else _("The thread is unpinned."),
        then=thread.get_absolute_url(),
    )


@login_required
@require_POST
def thread_hide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, thread = _thread(request, slug, pk)
    hidden = request.POST.get("hidden") == "1"
    return act(
        request,
        lambda: services.set_hidden(thread, by=_user(request), hidden=hidden),
        success=_("The thread is hidden from members.")
        if hidden
        else _("The thread is visible again."),
        then=thread.get_absolute_url(),
    )


@login_required
@require_POST
def reply_hide(request: HttpRequest, slug: str, pk: int, reply: int) -> HttpResponse:
    group, thread, post = _reply(request, slug, pk, reply)
    hidden = request.POST.get("hidden") == "1"
    return act(
        request,
        lambda: services.set_hidden(post, by=_user(request), hidden=hidden),
        success=_("The reply is hidden from members.")
        if hidden
        else _("The reply is visible again."),
        then=f"{thread.get_absolute_url()}#reply-{post.pk}",
    )


# --- the resource library ---------------------------------------------------------


def _resources_page(
    request: HttpRequest,
    group: Group,
    *,
    link_form: LinkForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _group_context(request, group)
    context["page"] = paginate(
        request,
        selectors.resources_shown(group, _user(request)),
        per_page=RESOURCES_PER_PAGE,
    )
    if context["can_post"]:
        context["link_form"] = link_form or LinkForm(prefix="link")
        context["upload_form"] = upload_form or UploadForm(prefix="upload")
    return render(request, "communities/resources.html", context, status=status)


@login_required
@require_GET
def resource_list(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    return _resources_page(request, group)


@login_required
@require_POST
def resource_link(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    form = LinkForm(request.POST, prefix="link")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_link(
                group,
                by=_user(request),
                title=data["title"],
                url=data["url"],
                description=data["description"],
                topics=list(data["topics"]),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The link is added to the library."))
            return redirect("communities:resources", group.slug)
    return _resources_page(request, group, link_form=form, status=400)


@login_required
@require_POST
def resource_upload(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    form = UploadForm(request.POST, request.FILES, prefix="upload")
    if form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            services.upload_file(
                group,
                by=_user(request),
                title=data["title"],
                upload=upload,
                name=upload.name,
                size=upload.size,
                description=data["description"],
                topics=list(data["topics"]),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The file is added to the library."))
            return redirect("communities:resources", group.slug)
    return _resources_page(request, group, upload_form=form, status=400)


@login_required
@require_GET
def resource_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    resource = permissions.get_resource_for_user(_user(request), group, pk)
    if not resource.is_file:
        raise Http404(_("No such file."))
    return download_response(resource)


@login_required
@require_POST
def resource_useful(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    resource = permissions.get_resource_for_user(_user(request), group, pk)
    useful = request.POST.get("useful") == "1"
    try:
        services.set_useful(resource, by=_user(request), useful=useful)
    except KindredError as error:
        if getattr(request, "htmx", None):
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    else:
        resource.voted = useful  # type: ignore[attr-defined]
    if getattr(request, "htmx", None):
        context = {"group": group, "resource": resource, "can_post": True}
        return render(request, "communities/resources.html#useful", context)
    return redirect("communities:resources", group.slug)


@login_required
@require_POST
def resource_hide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    resource = permissions.get_resource_for_user(_user(request), group, pk)
    hidden = request.POST.get("hidden") == "1"
    return act(
        request,
        lambda: services.set_resource_hidden(
            resource, by=_user(request), hidden=hidden
        ),
        success=_("The resource is hidden from members.")
        if hidden
        else _("The resource is visible again."),
        then=reverse("communities:resources", args=[group.slug]),
    )


# --- facilitators' page -----------------------------------------------------------


def _manage_group(request: HttpRequest, slug: str) -> Group:
    group = permissions.get_readable_group_for_user(_user(request), slug)
    if not permissions.can_moderate(_user(request), group):
        raise PermissionDenied(_("Only the group's facilitators can manage it."))
    return group


def _manage_page(
    request: HttpRequest,
    group: Group,
    *,
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _group_context(request, group)
    context.update(
        {
            "requests": list(selectors.join_requests(group)[:200]),
            "invitations": list(selectors.invitations(group)[:200]),
            "members_page": paginate(
                request, selectors.members(group), per_page=MEMBERS_PER_PAGE
            ),
            "invite_form": invite_form or InviteForm(),
            "role_form": RoleForm(),
        }
    )
    return render(request, "communities/manage.html", context, status=status)


@login_required
@require_GET
def group_manage(request: HttpRequest, slug: str) -> HttpResponse:
    return _manage_page(request, _manage_group(request, slug))


@login_required
@require_POST
def manage_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group = _manage_group(request, slug)
    membership = permissions.get_membership_in(group, pk)
    accept = request.POST.get("accept") == "1"
    return act(
        request,
        lambda: services.answer_join_request(
            membership, by=_user(request), accept=accept
        ),
        success=(
            _("%(person)s is now a member.")
            if accept
            else _("The request of %(person)s is declined.")
        )
        % {"person": membership.user},
        then=reverse("communities:manage", args=[group.slug]),
    )


@login_required
@require_POST
def manage_invite(request: HttpRequest, slug: str) -> HttpResponse:
    group = _manage_group(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.invite_to_group(group, by=_user(request), user=person)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("%(person)s is invited.") % {"person": person})
            return redirect("communities:manage", group.slug)
    return _manage_page(request, group, invite_form=form, status=400)


@login_required
@require_POST
def manage_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group = _manage_group(request, slug)
    membership = permissions.get_membership_in(group, pk)
    return act(
        request,
        lambda: services.remove_member(membership, by=_user(request)),
        success=_("%(person)s is removed from the group.")
        % {"person": membership.user},
        then=reverse("communities:manage", args=[group.slug]),
    )


@login_required
@require_POST
def manage_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group = _manage_group(request, slug)
    membership = permissions.get_membership_in(group, pk)
    form = RoleForm(request.POST)
    role = form.cleaned_data["role"] if form.is_valid() else ""
    return act(
        request,
        lambda: services.set_role(membership, by=_user(request), role=role),
        success=_("The role of %(person)s is changed.") % {"person": membership.user},
        then=reverse("communities:manage", args=[group.slug]),
    )


@login_required
@require_POST
def group_archive(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_group_for_user(_user(request), slug)
    return act(
        request,
        lambda: services.archive_group(group, by=_user(request)),
        success=_("The group is archived: it is read-only now."),
        then=group.get_absolute_url(),
    )


@login_required
@require_POST
def group_reopen(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_group_for_user(_user(request), slug)
    return act(
        request,
        lambda: services.reopen_group(group, by=_user(request)),
        success=_("The group is active again."),
        then=group.get_absolute_url(),
    )
