"""Peer-help pages: thin views over peerhelp services and selectors.

Every page about one ask first asks the permissions module for it: an ask in a
private group answers 404 to non-members, exactly like a missing one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import Profile, User
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, paginate
from kindred.core.ical import CalendarEntry, absolute_url, calendar_response, uid_for
from kindred.peerhelp import permissions, selectors, services
from kindred.peerhelp.forms import (
    AskFilterForm,
    AskForm,
    CallForm,
    CloseForm,
    HelpfulForm,
    OfferForm,
    ReplyForm,
)
from kindred.peerhelp.models import Ask, Offer, Response

ASKS_PER_PAGE = 20
OFFERS_PER_PAGE = 20
THANKS_PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the asks page ------------------------------------------------------------------


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AskFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "topic": data["topic"].pk if data["topic"] else None,
        }
    page = paginate(
        request, selectors.ask_list(user, **filters), per_page=ASKS_PER_PAGE
    )
    context = {
        "form": form,
        "page": page,
        "filtered": any(filters.values()),
        "my_asks": list(
            selectors.ask_list(user, mine=True, status=None).filter(
                status=Ask.Status.OPEN
            )[:10]
        ),
        "could_help": selectors.asks_you_could_help_with(user, limit=5),
        "give_get": selectors.give_get(user),
        "totals": selectors.ecosystem_totals(),
    }
    if getattr(request, "htmx", None) and request.htmx.target == "ask-results":  # type: ignore[attr-defined]
        return render(request, "peerhelp/index.html#results", context)
    return render(request, "peerhelp/index.html", context)


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """Every ask the person made, open or closed."""
    user = _user(request)
    page = paginate(
        request,
        selectors.ask_list(user, mine=True, status=None),
        per_page=ASKS_PER_PAGE,
    )
    return render(request, "peerhelp/mine.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def ask_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AskForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ask = services.create_ask(
                    by=user,
                    title=data["title"],
                    details=data["details"],
                    topics=list(data["topics"]),
                    urgency=data["urgency"],
                    kind=data["kind"],
                    visibility=data["visibility"],
                    group=data["group"],
                    client_token=data.get("client_token"),
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request, _("Your ask is posted. People who can help are told.")
                )
                return redirect(ask)
        return render(request, "peerhelp/ask_form.html", {"form": form}, status=400)
    return render(request, "peerhelp/ask_form.html", {"form": form})


# --- one ask ------------------------------------------------------------------------


def _ask_page(
    request: HttpRequest, ask: Ask, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = _user(request)
    responses = selectors.responses_shown(ask, user)
    children: dict[int | None, list[Response]] = {}
    for response in responses:
        children.setdefault(response.parent_id, []).append(response)
    shown_ids = {r.pk for r in responses}
    for response in responses:
        response.replies = children.get(response.pk, [])  # type: ignore[attr-defined]
    top = [r for r in responses if r.parent_id is None or r.parent_id not in shown_ids]
    is_author = permissions.can_edit_ask(user, ask)
    context = {
        "ask": ask,
        "top_responses": top,
        "response_count": len(responses),
        "is_author": is_author,
        "recommendations": selectors.recommendations_for(ask) if is_author else [],
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "call_form": forms.get("call_form") or CallForm(prefix="call"),
        "helpful_form": forms.get("helpful_form") or HelpfulForm(),
        "helpful_for": forms.get("helpful_for"),
        "close_form": CloseForm(),
    }
    return render(request, "peerhelp/detail.html", context, status=status)


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    ask = permissions.get_ask_for_user(_user(request), pk)
    return _ask_page(request, ask)


@login_required
@require_http_methods(["GET", "POST"])
def ask_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ask = permissions.get_ask_for_user(user, pk)
    if not permissions.can_edit_ask(user, ask):
        raise PermissionDenied(_("Only the person who asked can change this ask."))
    initial = {
        "title": ask.title,
        "details": ask.details,
        "topics": list(ask.topics.all()),
        "kind": ask.kind,
        "urgency": ask.urgency,
        "visibility": ask.visibility,
        "group": ask.group,
    }
    form = AskForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_ask(
                    ask,
                    by=user,
                    title=data["title"],
                    details=data["details"],
                    topics=list(data["topics"]),
                    urgency=data["urgency"],
                    kind=data["kind"],
                    visibility=data["visibility"],
                    group=data["group"],
                )
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your ask is saved."))
                return redirect(ask)
        status = 400
    else:
        status = 200
    return render(
        request, "peerhelp/ask_form.html", {"form": form, "ask": ask}, status=status
    )


@require_POST
@login_required
def ask_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ask = permissions.get_ask_for_user(user, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the ask was solved."))
        return redirect(ask)
    solved = form.cleaned_data["outcome"] == "solved"
    return act(
        request,
        lambda: services.close_ask(ask, by=user, solved=solved),
        success=_("The ask is closed as solved.")
        if solved
        else _("The ask is closed."),
        then=ask.get_absolute_url(),
    )


@require_POST
@login_required
def ask_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ask = permissions.get_ask_for_user(user, pk)
    return act(
        request,
        lambda: services.reopen_ask(ask, by=user),
        success=_("The ask is open again."),
        then=ask.get_absolute_url(),
    )


@require_POST
@login_required
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ask = permissions.get_ask_for_user(user, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        parent = (
            permissions.get_response_for_user(user, ask, data["parent"])
            if data.get("parent")
            else None
        )
        try:
            response = services.respond(
                ask,
                by=user,
                body=data["body"],
                parent=parent,
                client_token=data.get("client_token"),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your reply is posted."))
            return redirect(response)
    return _ask_page(request, ask, reply_form=form, status=400)


@require_POST
@login_required
def offer_call(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ask = permissions.get_ask_for_user(user, pk)
    form = CallForm(request.POST, prefix="call")
    if form.is_valid():
        data = form.cleaned_data
        try:
            response = services.offer_call(
                ask,
                by=user,
                body=data["body"],
                call_at=data["call_at"],
                minutes=data["minutes"],
                client_token=data.get("client_token"),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your offer of a call is posted."))
            return redirect(response)
    return _ask_page(request, ask, call_form=form, status=400)


@require_GET
@login_required
def call_ics(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    """The calendar file of an offered call, for the asker and the helper only."""
    user = _user(request)
    ask = permissions.get_ask_for_user(user, pk)
    response = permissions.get_response_for_user(user, ask, response_pk)
    if not response.is_call or not permissions.can_see_call_room(user, response):
        raise Http404(_("No such call."))
    assert response.call_at is not None
    entry = CalendarEntry(
        uid=uid_for("peerhelp-call", response.pk),
        summary=_("Call about “%(title)s”") % {"title": ask.title},
        starts_at=response.call_at,
        ends_at=response.call_at + timedelta(minutes=response.call_minutes),
        description=_("Video room: %(url)s") % {"url": response.room_url},
        url=absolute_url(response.get_absolute_url()),
        location=response.room_url,
    )
    return calendar_response([entry], filename=f"call-{response.pk}.ics")


@require_POST
@login_required
def mark_helpful(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    user = _user(request)
    ask = permissions.get_ask_for_user(user, pk)
    response = permissions.get_response_for_user(user, ask, response_pk)
    form = HelpfulForm(request.POST)
    if form.is_valid():
        try:
            services.mark_helpful(
                response,
                by=user,
                note=form.cleaned_data["note"],
                public=form.cleaned_data["public"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(
                request,
                _("Thank you for saying what helped. The helper is told.")
                if form.cleaned_data["note"]
                else _("Marked as helpful. The helper is told."),
            )
            return redirect(response)
    return _ask_page(
        request, ask, helpful_form=form, helpful_for=response.pk, status=400
    )


# --- offers -------------------------------------------------------------------------


@require_GET
@login_required
def offers(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AskFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "query": form.cleaned_data["q"],
            "topic": form.cleaned_data["topic"].pk
            if form.cleaned_data["topic"]
            else None,
        }
    page = paginate(
        request, selectors.active_offers(**filters), per_page=OFFERS_PER_PAGE
    )
    context = {
        "form": form,
        "page": page,
        "mine": list(selectors.own_offers(user)),
        "filtered": any(filters.values()),
    }
    return render(request, "peerhelp/offers.html", context)


def _save_offer(user: User, form: OfferForm, offer: Offer | None) -> Offer:
    data = form.cleaned_data
    fields = {
        "title": data["title"],
        "details": data["details"],
        "topics": list(data["topics"]),
        "format": data["format"],
        "monthly_limit": data["monthly_limit"],
    }
    if offer is None:
        created = services.create_offer(
            by=user, client_token=data.get("client_token"), **fields
        )
        if not data["is_active"]:
            services.set_offer_active(created, by=user, active=False)
        return created
    return services.update_offer(offer, by=user, is_active=data["is_active"], **fields)


@login_required
@require_http_methods(["GET", "POST"])
def offer_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    offer = permissions.get_own_offer_for_user(user, pk) if pk is not None else None
    initial: dict[str, Any] = {"is_active": True}
    if offer is not None:
        initial = {
            "title": offer.title,
            "details": offer.details,
            "topics": list(offer.topics.all()),
            "format": offer.format,
            "monthly_limit": offer.monthly_limit,
            "is_active": offer.is_active,
        }
    form = OfferForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _save_offer(user, form, offer)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your offer is saved."))
                return redirect("peerhelp:offers")
        status = 400
    return render(
        request,
        "peerhelp/offer_form.html",
        {"form": form, "offer": offer},
        status=status,
    )


@require_POST
@login_required
def offer_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    offer = permissions.get_own_offer_for_user(user, pk)
    active = not offer.is_active
    return act(
        request,
        lambda: services.set_offer_active(offer, by=user, active=active),
        success=_("Your offer is active again.")
        if active
        else _("Your offer is paused."),
        then="peerhelp:offers",
    )


# --- thanks -------------------------------------------------------------------------


@require_GET
@login_required
def thanks_mine(request: HttpRequest) -> HttpResponse:
    """The thank-yous the person received, public or not."""
    user = _user(request)
    page = paginate(request, selectors.thanks_received(user), per_page=THANKS_PER_PAGE)
    return render(
        request,
        "peerhelp/thanks.html",
        {
            "page": page,
            "person": user,
            "own": True,
            "give_get": selectors.give_get(user),
        },
    )


@require_GET
@login_required
def thanks_public(request: HttpRequest, profile_pk: int) -> HttpResponse:
    """The thank-yous a person received that their senders allowed to show."""
    if not (0 < profile_pk <= selectors.MAX_ID):
        raise Http404(_("No such person."))
    profile = (
        Profile.objects.filter(pk=profile_pk, user__is_active=True)
        .select_related("user")
        .first()
    )
    if profile is None:
        raise Http404(_("No such person."))
    viewer = _user(request)
    page = paginate(
        request,
        selectors.public_thanks(profile.user, viewer),
        per_page=THANKS_PER_PAGE,
    )
    return render(
        request,
        "peerhelp/thanks.html",
        {
            "page": page,
            "person": profile.user,
            "profile": profile,
            "own": profile.user_id == viewer.pk,
            "give_get": selectors.give_get(profile.user),
        },
    )
