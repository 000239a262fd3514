"""Pages for networking rounds: thin views over its services and selectors."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import User
from kindred.core import ical
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, refuse
from kindred.networking import permissions, selectors, services
from kindred.networking.forms import (
    ChooseTimeForm,
    DoNotPairForm,
    FeedbackForm,
    ProgrammeForm,
    TopicLineForm,
)

MEETING_MINUTES = 30


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "programmes": selectors.programmes_for(user),
        "introductions": list(selectors.my_introductions(user)[:20]),
        "can_create": permissions.can_create_programme(user),
    }
    return render(request, "networking/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not permissions.can_create_programme(user):
        raise Http404(_("No such page."))
    form = ProgrammeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            try:
                programme = services.create_programme(by=user, **form.cleaned_data)
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("The programme is set up."))
                return redirect(programme)
        return render(request, "networking/form.html", {"form": form}, status=400)
    return render(request, "networking/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    if not permissions.can_manage(user, programme):
        raise Http404(_("No such networking programme."))
    form = ProgrammeForm(request.POST or None, instance=programme, user=user)
    context = {"form": form, "programme": programme}
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_programme(
                    programme,
                    by=user,
                    **{f: form.cleaned_data[f] for f in form.changed_data},
                )
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("The programme is saved."))
                return redirect(programme)
        return render(request, "networking/form.html", context, status=400)
    return render(request, "networking/form.html", context)


@require_GET
@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    participation = selectors.participation_of(user, programme)
    line = (
        participation.topic_line_for(programme.next_round_on) if participation else ""
    )
    context = {
        "programme": programme,
        "participation": participation,
        "snoozed": bool(
            participation and participation.snoozes(programme.next_round_on)
        ),
        "eligible": permissions.is_eligible(user, programme),
        "manages": permissions.can_manage(user, programme),
        "topic_form": TopicLineForm(initial={"topic_line": line}),
    }
    return render(request, "networking/detail.html", context)


@require_GET
@login_required
def programme_stats(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    if not permissions.can_manage(user, programme):
        raise Http404(_("No such networking programme."))
    context = {"programme": programme, "stats": selectors.programme_stats(programme)}
    return render(request, "networking/stats.html", context)


def _one_button(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    return act(
        request,
        lambda: action(programme, by=user),
        success=success,
        then=programme.get_absolute_url(),
    )


@require_POST
@login_required
def join(request: HttpRequest, pk: int) -> HttpResponse:
    return _one_button(
        request, pk, services.opt_in, _("You are in: watch for your introduction.")
    )


@require_POST
@login_required
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    return _one_button(
        request, pk, services.opt_out, _("You will not be in future rounds.")
    )


@require_POST
@login_required
def snooze(request: HttpRequest, pk: int) -> HttpResponse:
    return _one_button(request, pk, services.snooze, _("You skip the next round."))


@require_POST
@login_required
def unsnooze(request: HttpRequest, pk: int) -> HttpResponse:
    return _one_button(
        request,
        pk,
        lambda programme, by: services.snooze(programme, by=by, snoozed=False),
        _("You are back in the next round."),
    )


@require_POST
@login_required
def topic_line(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    form = TopicLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Keep it to 200 characters."))
        return redirect(programme)
    return act(
        request,
        lambda: services.set_topic_line(
            programme, by=user, line=form.cleaned_data["topic_line"]
        ),
        success=_("Saved for your next round."),
        then=programme.get_absolute_url(),
    )


@require_POST
@login_required
def run_now(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    return act(
        request,
        lambda: services.run_round(programme, by=user),
        success=_("The round ran and everyone was introduced."),
        then=reverse("networking:stats", args=[programme.pk]),
    )


# --- the do-not-pair list ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def do_not_pair(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    people = list(selectors.pairable_people(user))
    form = DoNotPairForm(request.POST or None, people=people)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_do_not_pair(by=user, other=form.cleaned_data["other"])
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("You will not be paired with them."))
                return redirect("networking:do_not_pair")
        status = 400
    else:
        status = 200
    context = {"form": form, "entries": list(selectors.do_not_pair_of(user))}
    return render(request, "networking/do_not_pair.html", context, status=status)


@require_POST
@login_required
def do_not_pair_remove(request: HttpRequest, user_pk: int) -> HttpResponse:
    user = _user(request)
    entry = selectors.do_not_pair_of(user).filter(other_id=user_pk).first()
    if entry is None:
        raise Http404(_("Not on your list."))
    return act(
        request,
        lambda: services.remove_do_not_pair(by=user, other=entry.other),
        success=_("Removed from your list."),
        then=reverse("networking:do_not_pair"),
    )


# --- introductions ----------------------------------------------------------------


@require_GET
@login_required
def introduction(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = permissions.get_introduction_for_user(user, pk)
    shown = selectors.introduction_view(found, user)
    context = {
        "shown": shown,
        "introduction": found,
        "time_form": ChooseTimeForm(),
        "feedback_form": FeedbackForm(
            initial={
                "did_meet": {True: "yes", False: "no"}.get(shown.me.did_meet),  # type: ignore[arg-type]
                "rating": shown.me.rating,
                "stay_in_touch": shown.me.stay_in_touch,
            }
        ),
    }
    return render(request, "networking/introduction.html", context)


@require_POST
@login_required
def choose_time(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = permissions.get_introduction_for_user(user, pk)
    form = ChooseTimeForm(request.POST)
    starts_at: datetime | None = None
    if form.is_valid():
        if form.cleaned_data["suggested"] in found.suggested_times:
            starts_at = datetime.fromisoformat(form.cleaned_data["suggested"])
        elif form.cleaned_data["starts_at"]:
            zone = ZoneInfo(user.profile.time_zone or "UTC")
            starts_at = form.cleaned_data["starts_at"].replace(tzinfo=None)
            starts_at = starts_at.replace(tzinfo=zone)
    if starts_at is None:
        messages.error(request, _("Choose one of the times or give another."))
        return redirect(found)
    return act(
        request,
        lambda: services.choose_time(found, by=user, starts_at=starts_at),
        success=_("The time is set; the others are told."),
        then=found.get_absolute_url(),
    )


@require_POST
@login_required
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = permissions.get_introduction_for_user(user, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether you met."))
        return redirect(found)
    data = form.cleaned_data
    return act(
        request,
        lambda: services.record_feedback(
            found,
            by=user,
            did_meet=data["did_meet"],
            rating=data["rating"] if data["did_meet"] else None,
            stay_in_touch=data["stay_in_touch"],
        ),
        success=_("Thank you: your answer is recorded."),
        then=found.get_absolute_url(),
    )


@require_GET
@login_required
def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = permissions.get_introduction_for_user(user, pk)
    if found.chosen_time is None:
        raise Http404(_("No time is chosen yet."))
    shown = selectors.introduction_view(found, user)
    entry = ical.CalendarEntry(
        uid=ical.uid_for("networking-introduction", found.pk),
        summary=_("Networking: %(names)s") % {"names": shown.names},
        starts_at=found.chosen_time,
        ends_at=found.chosen_time + timedelta(minutes=MEETING_MINUTES),
        time_zone=shown.time_zone or "UTC",
        description=_("Details and the video room: %(url)s")
        % {"url": ical.absolute_url(found.get_absolute_url())},
        url=ical.absolute_url(found.get_absolute_url()),
    )
    return ical.calendar_response([entry], filename=f"introduction-{found.pk}.ics")
