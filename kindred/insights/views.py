"""Pages for insights and the feed: thin views over its services and selectors.

Every page about one insight first asks the permissions module for it: an insight
shared with a private group answers 404 to non-members, like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import User
from kindred.accounts.permissions import get_profile_for_user
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import add_error, paginate
from kindred.core.models import Topic
from kindred.insights import permissions, selectors, services
from kindred.insights.forms import CommentForm, FollowTopicForm, InsightForm
from kindred.insights.models import Insight, Reaction

COMMENTS_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the page the form came from, if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _share(request: HttpRequest, form: InsightForm) -> Insight | None:
    data = form.cleaned_data
    try:
        return services.share_insight(
            by=_user(request),
            title=data["title"],
            body=data["body"],
            topics=list(data["topics"]),
            group=data.get("group"),
            link=data["link"],
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except KindredError as error:
        add_error(form, error)
    return None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The feed: what the person follows, newest first, and this week's most
    helpful contributions; a composer on top."""
    user = _user(request)
    everything = request.GET.get("view") == "all"
    page = selectors.feed(
        user, cursor=request.GET.get("after", "")[:80], everything=everything
    )
    context = {
        "page": page,
        "everything": everything,
        "helpful": selectors.most_helpful_this_week(user),
        "form": InsightForm(user=user),
        "first_page": not request.GET.get("after"),
    }
    return render(request, "insights/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = InsightForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid() and (insight := _share(request, form)) is not None:
            messages.success(request, _("Your insight is shared. Thank you."))
            return redirect(insight)
        return render(request, "insights/form.html", {"form": form}, status=400)
    return render(request, "insights/form.html", {"form": form})


def _detail_context(request: HttpRequest, insight: Insight) -> dict[str, Any]:
    user = _user(request)
    selectors.annotate_reactions([insight], user)
    follows = selectors.following(user)
    comments = paginate(
        request, selectors.comments_shown(insight, user), per_page=COMMENTS_PER_PAGE
    )
    return {
        "insight": insight,
        "comments": comments,
        "comment_form": CommentForm(),
        "can_edit": permissions.can_edit_insight(user, insight),
        "follows_author": insight.author_id in follows.person_ids,
        "followed_topic_ids": follows.topic_ids,
        "topics": list(insight.topics.all()),
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    insight = permissions.get_insight_for_user(_user(request), pk)
    return render(request, "insights/detail.html", _detail_context(request, insight))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    insight = permissions.get_insight_for_user(user, pk)
    if not permissions.can_edit_insight(user, insight):
        raise PermissionDenied(_("Only the author can edit this insight."))
    initial = {
        "title": insight.title,
        "body": insight.body,
        "link": insight.link,
        "topics": list(insight.topics.all()),
    }
    form = InsightForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_insight(
                insight,
                by=user,
                title=data["title"],
                body=data["body"],
                topics=list(data["topics"]),
                link=data["link"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your insight is updated."))
            return redirect(insight)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "insights/form.html",
        {"form": form, "insight": insight},
        status=status,
    )


@login_required
@require_POST
def react(request: HttpRequest, pk: int) -> HttpResponse:
    insight = permissions.get_insight_for_user(_user(request), pk)
    kind = request.POST.get("kind", "")
    try:
        on = services.toggle_reaction(insight, by=_user(request), kind=kind)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except KindredError as error:
        messages.error(request, error.message)
    else:
        label = Reaction.Kind(kind).label
        messages.success(
            request,
            _("You reacted “%(reaction)s”.") % {"reaction": label}
            if on
            else _("Your “%(reaction)s” is taken back.") % {"reaction": label},
        )
    return _back(request, insight.get_absolute_url())


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    insight = permissions.get_insight_for_user(_user(request), pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            created = services.add_comment(
                insight, by=_user(request), body=form.cleaned_data["body"]
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your comment is posted."))
            return redirect(created.get_absolute_url())
    context = _detail_context(request, insight)
    context["comment_form"] = form
    return render(request, "insights/detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    user = _user(request)
    insight = permissions.get_insight_for_user(user, pk)
    target = permissions.get_comment_for_user(user, insight, comment_pk)
    if not permissions.can_edit_comment(user, target):
        raise PermissionDenied(_("Only the author can edit this comment."))
    form = CommentForm(request.POST or None, initial={"body": target.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(target, by=user, body=form.cleaned_data["body"])
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your comment is updated."))
            return redirect(target.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "insight": insight, "comment": target}
    return render(request, "insights/comment_edit.html", context, status=status)


@login_required
@require_POST
def follow_person(request: HttpRequest, profile_pk: int) -> HttpResponse:
    user = _user(request)
    profile = get_profile_for_user(user, profile_pk)
    following = request.POST.get("follow", "1") == "1"
    try:
        if following:
            services.follow_person(profile.user, by=user)
        else:
            services.unfollow_person(profile.user, by=user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (
                _("You follow %(name)s.")
                if following
                else _("You no longer follow %(name)s.")
            )
            % {"name": profile.display_name},
        )
    return _back(request, reverse("insights:following"))


@login_required
@require_POST
def follow_topic(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = FollowTopicForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a topic to follow."))
        return _back(request, reverse("insights:following"))
    topic: Topic = form.cleaned_data["topic"]
    following = request.POST.get("follow", "1") == "1"
    try:
        if following:
            services.follow_topic(topic, by=user)
        else:
            services.unfollow_topic(topic, by=user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except KindredError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (
                _("You follow the topic %(name)s.")
                if following
                else _("You no longer follow the topic %(name)s.")
            )
            % {"name": topic.name},
        )
    return _back(request, reverse("insights:following"))


@login_required
@require_GET
def following(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    topics = list(selectors.followed_topics(user))
    context = {
        "topics": topics,
        "people": list(selectors.followed_people(user)[:500]),
        "topic_form": FollowTopicForm(),
    }
    return render(request, "insights/following.html", context)
