"""Pages for cohort programmes: thin views over its services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kindred.accounts.models import User
from kindred.algorithms import outcomes
from kindred.consents import services as consent_ledger
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, refuse
from kindred.directory.models import Service
from kindred.organisations.models import Membership
from kindred.programmes import forms, permissions, selectors, services
from kindred.programmes.models import Place, SurveyWindow, WaitingEntry

NOTES = {
    outcomes.NOTE_TOO_FEW: gettext_lazy(
        "Fewer than %(n)d people answered both surveys: nothing is shown, to protect "
        "their privacy and because so few answers cannot say anything."
    ),
    outcomes.NOTE_SMALL_SAMPLE: gettext_lazy(
        "A small group: the interval is wide; read the change with caution."
    ),
    outcomes.NOTE_NO_VARIATION: gettext_lazy(
        "Everyone changed by the same amount, so no test or effect size applies."
    ),
}


def _staff(organisation_id: int) -> Any:
    return (
        User.objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__role__in=permissions.STAFF_ROLES,
            is_active=True,
        )
        .select_related("profile")
        .order_by("profile__display_name", "pk")
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "programmes/index.html",
        {
            "places": list(selectors.my_places(user)),
            "managed": list(selectors.managed_programmes(user)),
            "programmes": list(selectors.programmes()[:100]),
            "can_start": Membership.objects.filter(
                user=user, role__in=permissions.STAFF_ROLES
            ).exists(),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The participant's programme: cohort, next session, course, surveys."""
    user = request.user
    today = timezone.localdate()
    entries = []
    for place in selectors.my_places(user):
        cohort = place.cohort
        entries.append(
            {
                "place": place,
                "cohort": cohort,
                "next_session": selectors.next_session(cohort),
                "course": selectors.course_progress(cohort, user),
                "windows": selectors.survey_windows(cohort, user),
                "at_exit": cohort.is_over or today >= cohort.ends_on,
            }
        )
    return render(request, "programmes/mine.html", {"entries": entries})


@login_required
def programme_new(request: HttpRequest) -> HttpResponse:
    organisation_ids = Membership.objects.filter(
        user=request.user, role__in=permissions.STAFF_ROLES
    ).values("organisation_id")
    candidates = Service.objects.filter(
        organisation_id__in=organisation_ids, is_programme=True, programme__isnull=True
    ).order_by("name")
    staff = User.objects.filter(
        memberships__organisation_id__in=organisation_ids,
        memberships__role__in=permissions.STAFF_ROLES,
        is_active=True,
    ).distinct()
    form = forms.ProgrammeForm(
        request.POST or None,
        services=candidates,
        staff=staff,
        initial={"lead": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.create_programme(
                form.cleaned_data["service"],
                by=request.user,
                lead=form.cleaned_data["lead"],
                summary=form.cleaned_data["summary"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The programme is set up. Plan a cohort next."))
            return redirect(programme)
    status = 400 if form.errors else 200
    return render(
        request,
        "programmes/programme_new.html",
        {"form": form, "has_services": candidates.exists()},
        status=status,
    )


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_programme_for_user(request.user, pk)
    manages = permissions.can_manage(request.user, programme)
    cohorts = list(selectors.cohorts_of(programme))
    context: dict[str, Any] = {
        "programme": programme,
        "manages": manages,
        "cohorts": cohorts if manages else [c for c in cohorts if not c.is_over],
    }
    if manages:
        context["waiting"] = list(selectors.waiting_for(programme))
        context["instruments"] = list(programme.instruments.all())
        context["place_form"] = forms.PlaceWaitingForm(
            cohorts=programme.cohorts.taking_places()
        )
    return render(request, "programmes/programme.html", context)


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_managed_programme(request.user, pk)
    form = forms.ProgrammeEditForm(
        request.POST or None,
        staff=_staff(programme.service.organisation_id),
        initial={"lead": programme.lead_id, "summary": programme.summary},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_programme(
                programme,
                by=request.user,
                lead=form.cleaned_data["lead"],
                summary=form.cleaned_data["summary"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(programme)
    return render(
        request,
        "programmes/programme_edit.html",
        {"programme": programme, "form": form},
        status=400 if form.errors else 200,
    )


def _cohort_form(programme: Any, data: Any = None) -> forms.CohortForm:
    from kindred.learning.models import Course
    from kindred.mentoring.models import MentoringProgramme

    organisation_id = programme.service.organisation_id
    return forms.CohortForm(
        data,
        instruments=programme.instruments.all(),
        courses=Course.objects.filter(organisation_id=organisation_id),
        mentoring=MentoringProgramme.objects.filter(organisation_id=organisation_id),
    )


@login_required
def cohort_new(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_managed_programme(request.user, pk)
    form = _cohort_form(programme, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sessions = None
        if data["first_session"]:
            from kindred.algorithms import recurrence

            try:
                zone = recurrence.zone(data["time_zone"])
            except recurrence.RecurrenceError:
                form.add_error(
                    "time_zone", _("Choose a time zone, e.g. Europe/London.")
                )
                zone = None
            if zone is not None:
                sessions = services.SessionPlan(
                    first_starts_at=data["first_session"].replace(tzinfo=zone),
                    minutes=data["minutes"],
                    weeks=data["weeks"],
                    time_zone=data["time_zone"],
                    meeting_url=data["meeting_url"],
                )
        if not form.errors:
            try:
                cohort = services.create_cohort(
                    programme,
                    by=request.user,
                    data=services.CohortInput(
                        name=data["name"],
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                        capacity=data["capacity"],
                        instrument=data["instrument"],
                        course=data["course"],
                        mentoring=data["mentoring"],
                        next_steps=list(data["next_steps"]),
                        follow_up_on=data["follow_up_on"],
                        sessions=sessions,
                    ),
                )
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("The cohort is planned."))
                return redirect(cohort)
    return render(
        request,
        "programmes/cohort_new.html",
        {"programme": programme, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def instrument_new(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.get_managed_programme(request.user, pk)
    data = request.POST or None
    form = forms.InstrumentForm(data)
    scales = forms.ScaleFormSet(data, prefix="scales")
    items = forms.ItemFormSet(data, prefix="items")
    valid = request.method == "POST" and all(
        [form.is_valid(), scales.is_valid(), items.is_valid()]
    )
    if valid:
        scale_rows = [s for s in scales.cleaned_data if s.get("name")]
        # Row numbers as the person sees them, to positions among filled rows.
        filled = [i for i, s in enumerate(scales.cleaned_data) if s.get("name")]
        position = {row: index for index, row in enumerate(filled)}
        item_rows = [i for i in items.cleaned_data if i.get("text")]
        try:
            instrument = services.create_instrument(
                programme,
                by=request.user,
                name=form.cleaned_data["name"],
                introduction=form.cleaned_data["introduction"],
                scales=[
                    services.ScaleInput(s["name"], s["higher_is_better"])
                    for s in scale_rows
                ],
                items=[
                    services.ItemInput(
                        text=i["text"],
                        kind=i["kind"],
                        scale=None
                        if i["scale"] is None
                        else position.get(i["scale"], len(filled)),
                        reverse=i["reverse"],
                        required=i["required"],
                        minimum=i["minimum"],
                        maximum=i["maximum"],
                    )
                    for i in item_rows
                ],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            form.add_error(
                None,
                _("%(where)s: %(message)s")
                % {
                    "where": _where(error.field),
                    "message": error.message,
                },
            )
        else:
            messages.success(request, _("The survey is ready to use in a cohort."))
            return redirect("programmes:instrument", programme.pk, instrument.pk)
    invalid = bool(
        form.errors or scales.total_error_count() or items.total_error_count()
    )
    return render(
        request,
        "programmes/instrument_new.html",
        {"programme": programme, "form": form, "scales": scales, "items": items},
        status=400 if invalid and request.method == "POST" else 200,
    )


def _where(field: str | None) -> str:
    """Name a builder row for a message: items.2.text -> question 3."""
    if not field:
        return _("The survey")
    parts = field.split(".")
    if len(parts) >= 2 and parts[1].isdigit():
        number = int(parts[1]) + 1
        if parts[0] == "items":
            return _("Question %(n)d") % {"n": number}
        return _("Scale %(n)d") % {"n": number}
    return _("The survey")


@login_required
def instrument_detail(
    request: HttpRequest, pk: int, instrument_pk: int
) -> HttpResponse:
    programme = permissions.get_managed_programme(request.user, pk)
    instrument = selectors.instrument_with_items(instrument_pk)
    if instrument is None or instrument.programme_id != programme.pk:
        raise Http404(_("No such survey."))
    return render(
        request,
        "programmes/instrument.html",
        {"programme": programme, "instrument": instrument},
    )


@require_POST
@login_required
def waiting_place(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    programme = permissions.get_managed_programme(request.user, pk)
    entry = WaitingEntry.objects.filter(
        pk=entry_pk, programme=programme, placed_at__isnull=True
    ).first()
    if entry is None:
        raise Http404(_("No such person waiting."))
    form = forms.PlaceWaitingForm(
        request.POST, cohorts=programme.cohorts.taking_places()
    )
    if not form.is_valid():
        messages.error(request, _("Choose a cohort that is taking places."))
        return redirect(reverse("programmes:programme", args=[pk]) + "#waiting")
    return act(
        request,
        lambda: services.place_waiting(
            entry, cohort=form.cleaned_data["cohort"], by=request.user
        ),
        success=_("They have a place now."),
        then=reverse("programmes:programme", args=[pk]) + "#waiting",
    )


@login_required
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = permissions.get_cohort_for_user(request.user, pk)
    manages = permissions.can_manage(request.user, cohort.programme)
    context: dict[str, Any] = {
        "cohort": cohort,
        "programme": cohort.programme,
        "manages": manages,
        "next_session": selectors.next_session(cohort),
        "windows": list(cohort.windows.all()),
        "next_steps": list(cohort.next_steps.select_related("organisation")),
    }
    if manages:
        context["places"] = list(selectors.places_of(cohort))
        consent_ledger.places_seen(cohort, context["places"], by=request.user)
        context["taken"] = sum(
            1 for p in context["places"] if p.status != Place.Status.WITHDRAWN
        )
        context["add_form"] = forms.AddPlaceForm()
        context["status_form"] = forms.CohortStatusForm(
            initial={"status": cohort.status}
        )
    return render(request, "programmes/cohort.html", context)


@require_POST
@login_required
def place_add(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = permissions.get_managed_cohort(request.user, pk)
    form = forms.AddPlaceForm(request.POST)
    then = reverse("programmes:cohort", args=[pk]) + "#places"
    if not form.is_valid():
        messages.error(request, _("Give the participant's email address."))
        return redirect(then)
    person = User.objects.filter(
        email__iexact=form.cleaned_data["email"], is_active=True
    ).first()
    if person is None:
        messages.error(request, _("No one with that email address has an account."))
        return redirect(then)
    return act(
        request,
        lambda: services.add_place(cohort, participant=person, by=request.user),
        success=_("%(person)s has a place.") % {"person": person},
        then=then,
    )


@require_POST
@login_required
def place_withdraw(request: HttpRequest, pk: int, place_pk: int) -> HttpResponse:
    cohort = permissions.get_cohort_for_user(request.user, pk)
    place = Place.objects.filter(pk=place_pk, cohort=cohort).first()
    if place is None or not (
        place.participant_id == request.user.pk
        or permissions.can_manage(request.user, cohort.programme)
    ):
        raise Http404(_("No such place."))
    mine = place.participant_id == request.user.pk
    return act(
        request,
        lambda: services.withdraw_place(place, by=request.user),
        success=_("The place is withdrawn."),
        then=reverse("programmes:mine") if mine else cohort.get_absolute_url(),
    )


@require_POST
@login_required
def cohort_status(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = permissions.get_managed_cohort(request.user, pk)
    form = forms.CohortStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(cohort)
    return act(
        request,
        lambda: services.set_cohort_status(
            cohort, by=request.user, status=form.cleaned_data["status"]
        ),
        success=_("The cohort's status is changed."),
        then=cohort.get_absolute_url(),
    )


@login_required
def survey(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A participant answers (or changes) their survey in one window."""
    cohort = permissions.get_cohort_for_user(request.user, pk)
    window = cohort.windows.filter(kind=kind).first()
    if (
        window is None
        or cohort.instrument_id is None
        or not permissions.has_place(request.user, cohort)
    ):
        raise Http404(_("No such survey."))
    instrument = cohort.instrument
    items = list(instrument.items.all())
    earlier = selectors.responses_of(request.user, cohort).get(kind)
    initial = {}
    if earlier is not None:
        for item_id, answer in selectors.own_answers(earlier).items():
            value = answer.text if answer.number is None else f"{answer.number:g}"
            initial[f"item_{item_id}"] = value
    form = forms.SurveyForm(
        request.POST or None, items=items, window=window, initial=initial
    )
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_response(
                    window, by=request.user, answers=form.raw_answers()
                )
            except services.SurveyInvalid as error:
                for name, message in error.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you: your answers are saved. "
                        "You can change them until %(day)s."
                    )
                    % {"day": window.closes_on.isoformat()},
                )
                return redirect("programmes:mine")
        status = 400
    return render(
        request,
        "programmes/survey.html",
        {
            "cohort": cohort,
            "window": window,
            "instrument": instrument,
            "form": form,
            "earlier": earlier,
            "is_open": window.is_open(today),
            "not_yet": today < window.opens_on,
        },
        status=status,
    )


@login_required
def evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """Aggregated outcomes for the people running the programme."""
    cohort = permissions.get_managed_cohort(request.user, pk)
    later = request.GET.get("compare", SurveyWindow.Kind.EXIT)
    if later not in (SurveyWindow.Kind.EXIT, SurveyWindow.Kind.FOLLOW_UP):
        later = SurveyWindow.Kind.EXIT
    result = selectors.evaluation(cohort, later=later)
    rows = []
    for scale_result in result.scales:
        change = scale_result.change
        rows.append(
            {
                "scale": scale_result.scale,
                "change": change,
                "notes": [NOTES[n] % {"n": result.min_group} for n in change.notes]
                if outcomes.NOTE_TOO_FEW in change.notes
                else [NOTES[n] for n in change.notes],
            }
        )
    chart = {
        "labels": [r["scale"].name for r in rows if r["change"].shown],
        "before": [
            round(r["change"].mean_before, 2) for r in rows if r["change"].shown
        ],
        "after": [round(r["change"].mean_after, 2) for r in rows if r["change"].shown],
        "before_label": _("Entry"),
        "after_label": _("Exit") if later == "exit" else _("Follow-up"),
    }
    return render(
        request,
        "programmes/evaluation.html",
        {
            "cohort": cohort,
            "programme": cohort.programme,
            "result": result,
            "rows": rows,
            "chart": chart,
            "later": later,
            "has_follow_up": cohort.windows.filter(kind="follow_up").exists(),
        },
    )


@login_required
def evaluation_export(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = permissions.get_managed_cohort(request.user, pk)
    try:
        text = services.export_answers(cohort, by=request.user)
    except NotAllowed as error:
        return refuse(request, error)
    except KindredError as error:
        messages.error(request, error.message)
        return redirect("programmes:evaluation", pk)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cohort-{cohort.pk}-answers-pseudonymised.csv"'
    )
    return response
