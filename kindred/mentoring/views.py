"""Pages for Mentoring programmes: thin views over its services and selectors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.accounts.models import User
from kindred.core import ical
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, refuse
from kindred.mentoring import permissions, selectors, services
from kindred.mentoring.forms import (
    AgreementForm,
    ApplicationForm,
    CheckInForm,
    CloseOutForm,
    GoalForm,
    MilestoneForm,
    NoteForm,
    PairForm,
    ProgrammeForm,
    RequestForm,
    SessionForm,
    StatusForm,
    SwapForm,
    programme_initial,
)
from kindred.mentoring.models import (
    Application,
    Goal,
    MentoringProgramme,
    Milestone,
    Note,
    Pair,
)

SHOWN = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _check_id(number: int) -> int:
    """Ids beyond what a database stores name nothing (and overflow SQLite)."""
    if not 0 < number <= permissions.MAX_ID:
        raise Http404
    return number


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "open": list(selectors.open_programmes()[:SHOWN]),
        "running": list(selectors.run_programmes(user)[:SHOWN]),
        "applications": list(selectors.my_applications(user)[:SHOWN]),
        "pairs": list(selectors.my_pairs(user)[:SHOWN]),
        "waiting": selectors.requests_to_me(user).filter(status="waiting").count(),
        "can_create": permissions.can_act_for_any(user),
    }
    return render(request, "mentoring/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProgrammeForm(
        request.POST or None, user=user, initial=programme_initial(None)
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.create_programme(
                by=user,
                organisation=form.cleaned_data["organisation"],
                settings=form.settings(),
            )
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The programme is saved as a draft."))
            return redirect(programme)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "mentoring/programme_form.html", {"form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    form = ProgrammeForm(
        request.POST or None, user=user, initial=programme_initial(programme)
    )
    form.fields["organisation"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_programme(programme, by=user, settings=form.settings())
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect(programme)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "mentoring/programme_form.html",
        {"form": form, "programme": programme},
        status=status,
    )


@require_GET
@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    mine = selectors.application_of(user, programme)
    runs = permissions.can_run(user, programme)
    context: dict[str, Any] = {
        "programme": programme,
        "runs": runs,
        "mine": mine,
        "may_mentor": permissions.may_apply(user, programme, "mentor"),
        "may_mentee": permissions.may_apply(user, programme, "mentee"),
        "status_form": StatusForm() if runs else None,
        "next_states": services.TRANSITIONS[programme.status] if runs else (),
    }
    if (
        mine
        and mine.side == Application.Side.MENTEE
        and mine.status == Application.Status.SUBMITTED
        and programme.mode != MentoringProgramme.Mode.PROGRAMME
    ):
        context["requests"] = list(
            selectors.requests_by_me(user).filter(programme=programme)
        )
        has_pair = selectors.my_pairs(user).filter(
            programme=programme, status=Pair.Status.ACTIVE
        )
        context["my_pair"] = has_pair.first()
        if programme.mode == MentoringProgramme.Mode.SUGGESTED:
            context["choices"] = selectors.suggestions_for(mine)
        else:
            context["choices"] = selectors.browsable_mentors(mine)
        context["request_form"] = RequestForm(
            mentors=[c.mentor for c in context["choices"]]
        )
    elif mine:
        context["my_pairs"] = list(selectors.my_pairs(user).filter(programme=programme))
    return render(request, "mentoring/programme.html", context)


@require_POST
@login_required
def programme_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a state."))
        return redirect(programme)
    return act(
        request,
        lambda: services.set_programme_status(
            programme, by=user, status=form.cleaned_data["status"]
        ),
        success=_("The programme's state has changed."),
        then=programme.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    if side not in Application.Side.values:
        raise Http404
    form = ApplicationForm(request.POST or None, programme=programme, side=side)
    if request.method == "POST" and form.is_valid():
        try:
            services.apply(programme, by=user, data=form.data_for_service())
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Thank you: your application is in."))
            return redirect(programme)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "mentoring/apply.html",
        {"programme": programme, "form": form, "side": side},
        status=status,
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    mine = selectors.application_of(user, programme)
    if mine is None:
        raise Http404
    return act(
        request,
        lambda: services.withdraw_application(mine, by=user),
        success=_("Your application is withdrawn."),
        then=programme.get_absolute_url(),
    )


@require_GET
@login_required
def applications(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_to_run(_user(request), pk)
    rows = list(selectors.applications_of(programme))
    return render(
        request,
        "mentoring/applications.html",
        {
            "programme": programme,
            "mentors": [a for a in rows if a.side == Application.Side.MENTOR],
            "mentees": [a for a in rows if a.side == Application.Side.MENTEE],
            "forbidden": list(selectors.forbidden_pairs_of(programme)),
            "forbid_form": PairForm(programme=programme),
        },
    )


def _matching_context(programme: MentoringProgramme, **extra: Any) -> dict[str, Any]:
    proposed = list(selectors.proposed_pairs(programme).order_by("-score", "id"))
    for pair in proposed:
        pair.explained = selectors.explain(pair.score_parts)  # type: ignore[attr-defined]
    context = {
        "programme": programme,
        "proposed": proposed,
        "running": list(
            selectors.pairs_with_people()
            .filter(programme=programme, status=Pair.Status.ACTIVE)
            .order_by("id")[:200]
        ),
        "add_form": PairForm(programme=programme),
        "unmatched": selectors.matching_input(programme).mentees
        if programme.mode == MentoringProgramme.Mode.PROGRAMME
        else [],
    }
    context.update(extra)
    return context


@require_GET
@login_required
def matching(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_to_run(_user(request), pk)
    return render(request, "mentoring/matching.html", _matching_context(programme))


@require_POST
@login_required
def matching_run(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    objective = request.POST.get("objective") or None
    return act(
        request,
        lambda: services.run_matching(programme, by=user, objective=objective),
        success=_("Matching done: review the proposed pairs below."),
        then=_matching_url(programme),
    )


def _matching_url(programme: MentoringProgramme) -> str:
    from django.urls import reverse

    return reverse("mentoring:matching", args=[programme.pk])


@require_POST
@login_required
def pair_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    form = PairForm(request.POST, programme=programme)
    if form.is_valid():
        try:
            services.add_pair(
                programme,
                by=user,
                mentee=form.cleaned_data["mentee"],
                mentor=form.cleaned_data["mentor"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Pair added."))
            return redirect(_matching_url(programme))
    return render(
        request,
        "mentoring/matching.html",
        _matching_context(programme, add_form=form),
        status=400,
    )


def _proposed_pair(user: User, programme: MentoringProgramme, pair_pk: int) -> Pair:
    pair = (
        selectors.proposed_pairs(programme).filter(pk=pair_pk).first()
        if 0 < pair_pk <= permissions.MAX_ID
        else None
    )
    if pair is None:
        raise Http404(_("No such pair."))
    return pair


@require_POST
@login_required
def pair_remove(request: HttpRequest, pk: int, pair_pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    pair = _proposed_pair(user, programme, pair_pk)
    return act(
        request,
        lambda: services.remove_pair(pair, by=user),
        success=_("Pair removed."),
        then=_matching_url(programme),
    )


@require_POST
@login_required
def pair_swap(request: HttpRequest, pk: int, pair_pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    pair = _proposed_pair(user, programme, pair_pk)
    form = SwapForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the pair to swap mentors with."))
        return redirect(_matching_url(programme))
    other = _proposed_pair(user, programme, form.cleaned_data["other"])
    return act(
        request,
        lambda: services.swap_mentors(pair, other, by=user),
        success=_("Mentors swapped."),
        then=_matching_url(programme),
    )


@require_POST
@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    return act(
        request,
        lambda: services.publish_matching(programme, by=user),
        success=_("Published: everyone matched has been told."),
        then=_matching_url(programme),
    )


@require_POST
@login_required
def forbid(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_to_run(user, pk)
    form = PairForm(request.POST, programme=programme)
    if not form.is_valid():
        messages.error(request, _("Choose a mentee and a mentor."))
    else:
        return act(
            request,
            lambda: services.forbid_pair(
                programme,
                by=user,
                mentee=form.cleaned_data["mentee"],
                mentor=form.cleaned_data["mentor"],
            ),
            success=_("That pair will not be made."),
            then=_applications_url(programme),
        )
    return redirect(_applications_url(programme))


def _applications_url(programme: MentoringProgramme) -> str:
    from django.urls import reverse

    return reverse("mentoring:applications", args=[programme.pk])


@require_GET
@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_to_run(_user(request), pk)
    figures = selectors.dashboard(programme)
    chart = {
        "funnel": {
            "labels": [_("Running pairs"), _("Meeting regularly"), _("Gone quiet")],
            "values": [figures.active, figures.meeting, len(figures.quiet)],
        }
    }
    pairs = list(selectors.programme_pairs(programme)[:200])
    return render(
        request,
        "mentoring/dashboard.html",
        {"programme": programme, "figures": figures, "chart": chart, "pairs": pairs},
    )


@require_POST
@login_required
def request_mentors(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    mine = selectors.application_of(user, programme)
    if mine is None or mine.side != Application.Side.MENTEE:
        messages.error(request, _("Apply as a mentee first."))
        return redirect(programme)
    choices = (
        selectors.suggestions_for(mine)
        if programme.mode == MentoringProgramme.Mode.SUGGESTED
        else selectors.browsable_mentors(mine)
    )
    form = RequestForm(request.POST, mentors=[c.mentor for c in choices])
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Check the ranks you gave.")]:
            messages.error(request, error)
        return redirect(programme)
    return act(
        request,
        lambda: services.request_mentors(
            programme,
            by=user,
            mentors=form.cleaned_data["ranked"],
            message=form.cleaned_data["message"],
        ),
        success=_("Your request is sent to your first choice."),
        then=programme.get_absolute_url(),
    )


@require_POST
@login_required
def withdraw_requests(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = permissions.get_programme_for_user(user, pk)
    return act(
        request,
        lambda: services.withdraw_requests(programme, by=user),
        success=_("Your requests are withdrawn."),
        then=programme.get_absolute_url(),
    )


@require_GET
@login_required
def requests(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "mentoring/requests.html",
        {
            "to_me": list(selectors.requests_to_me(user)[:50]),
            "by_me": list(selectors.requests_by_me(user)[:50]),
        },
    )


@require_POST
@login_required
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    mentor_request = permissions.get_request_for_user(user, pk)
    accept = request.POST.get("decision") == "accept"
    return act(
        request,
        lambda: services.decide_request(mentor_request, by=user, accept=accept),
        success=_("You are now their mentor.") if accept else _("Request declined."),
        then=selectors.requests_url(),
    )


# --- the pair's workspace -------------------------------------------------------------


def _workspace(
    request: HttpRequest, pair: Pair, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = _user(request)
    party = permissions.is_party(user, pair)
    context: dict[str, Any] = {
        "pair": pair,
        "party": party,
        "ws": selectors.workspace(pair, user),
        "explained": selectors.explain(pair.score_parts),
        "agreement_form": AgreementForm(initial={"agreement": pair.agreement}),
        "goal_form": GoalForm(),
        "milestone_form": MilestoneForm(),
        "session_form": SessionForm(),
        "note_form": NoteForm(),
        "check_in_form": CheckInForm(),
        "close_form": CloseOutForm(),
        "mentee_view": party and pair.mentee.user_id == user.pk,
    }
    context.update(forms)
    return render(request, "mentoring/pair.html", context, status=status)


@require_GET
@login_required
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _workspace(request, permissions.get_pair_for_user(_user(request), pk))


def _pair_post(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    name: str,
    action: Any,
    success: str,
) -> HttpResponse:
    """Validate `form_class`, run `action(pair, user, cleaned_data)` and answer."""
    user = _user(request)
    pair = permissions.get_pair_for_user(user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(pair, user, form.cleaned_data)
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, success)
            return redirect(pair)
    return _workspace(request, pair, status=400, **{name: form})


@require_POST
@login_required
def pair_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    return _pair_post(
        request,
        pk,
        AgreementForm,
        "agreement_form",
        lambda pair, user, d: services.update_agreement(
            pair, by=user, text=d["agreement"]
        ),
        _("Agreement saved."),
    )


@require_POST
@login_required
def pair_goal(request: HttpRequest, pk: int) -> HttpResponse:
    return _pair_post(
        request,
        pk,
        GoalForm,
        "goal_form",
        lambda pair, user, d: services.add_goal(pair, by=user, title=d["title"]),
        _("Goal added."),
    )


def _goal_in(pair: Pair, goal_pk: int) -> Goal:
    goal = Goal.objects.filter(pair=pair, pk=_check_id(goal_pk)).first()
    if goal is None:
        raise Http404
    goal.pair = pair
    return goal


@require_POST
@login_required
def pair_milestone(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    def add(pair: Pair, user: User, data: dict[str, Any]) -> None:
        services.add_milestone(
            _goal_in(pair, goal_pk), by=user, title=data["title"], due_on=data["due_on"]
        )

    return _pair_post(
        request, pk, MilestoneForm, "milestone_form", add, _("Milestone added.")
    )


@require_POST
@login_required
def pair_done(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    user = _user(request)
    pair = permissions.get_pair_for_user(user, pk)
    _check_id(item_pk)
    item: Goal | Milestone | None
    if kind == "goal":
        item = Goal.objects.filter(pair=pair, pk=item_pk).first()
    else:
        item = (
            Milestone.objects.select_related("goal")
            .filter(goal__pair=pair, pk=item_pk)
            .first()
        )
    if item is None:
        raise Http404
    if isinstance(item, Milestone):
        item.goal.pair = pair
    else:
        item.pair = pair
    done = request.POST.get("done") != "0"
    return act(
        request,
        lambda: services.mark_done(item, by=user, done=done),
        success=_("Marked done.") if done else _("Marked not done."),
        then=pair.get_absolute_url() + "#goals",
    )


@require_POST
@login_required
def pair_session(request: HttpRequest, pk: int) -> HttpResponse:
    return _pair_post(
        request,
        pk,
        SessionForm,
        "session_form",
        lambda pair, user, d: services.log_session(
            pair,
            by=user,
            starts_at=d["starts_at"],
            duration_minutes=d["duration_minutes"],
            summary=d["summary"],
        ),
        _("Session logged."),
    )


@require_GET
@login_required
def session_calendar(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    user = _user(request)
    pair = permissions.get_pair_for_user(user, pk)
    if not permissions.is_party(user, pair):
        raise Http404
    session = pair.sessions.filter(pk=_check_id(session_pk)).first()
    if session is None:
        raise Http404
    other = pair.mentor if pair.mentee.user_id == user.pk else pair.mentee
    entry = ical.CalendarEntry(
        uid=ical.uid_for("mentoring-session", session.pk),
        summary=_("Mentoring with %(name)s")
        % {"name": other.user.profile.display_name},
        starts_at=session.starts_at,
        ends_at=session.starts_at + timedelta(minutes=session.duration_minutes),
        time_zone=user.profile.time_zone or "UTC",
        description=_("Video room: %(url)s") % {"url": session.room_url},
        url=ical.absolute_url(pair.get_absolute_url()),
        location=session.room_url,
    )
    return ical.calendar_response(
        [entry], filename=f"mentoring-session-{session.pk}.ics"
    )


@require_POST
@login_required
def pair_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _pair_post(
        request,
        pk,
        NoteForm,
        "note_form",
        lambda pair, user, d: services.add_note(pair, by=user, body=d["body"]),
        _("Note saved: only you can see it."),
    )


@require_POST
@login_required
def pair_note_delete(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    user = _user(request)
    pair = permissions.get_pair_for_user(user, pk)
    note = Note.objects.filter(
        pair=pair, pk=_check_id(note_pk), author_id=user.pk
    ).first()
    if note is None:
        raise Http404
    return act(
        request,
        lambda: services.delete_note(note, by=user),
        success=_("Note deleted."),
        then=pair.get_absolute_url() + "#notes",
    )


@require_POST
@login_required
def pair_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _pair_post(
        request,
        pk,
        CheckInForm,
        "check_in_form",
        lambda pair, user, d: services.check_in(
            pair, by=user, still_meeting=d["still_meeting"], comment=d["comment"]
        ),
        _("Thank you for checking in."),
    )


@require_POST
@login_required
def pair_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _pair_post(
        request,
        pk,
        CloseOutForm,
        "close_form",
        lambda pair, user, d: services.close_out(
            pair, by=user, rating=d["rating"], comment=d["comment"]
        ),
        _("Thank you for your feedback."),
    )
