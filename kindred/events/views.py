"""Event pages: thin views over events services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kindred.communities.models import Group
from kindred.communities.selectors import facilitated_group_ids
from kindred.core import ical
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.http import act, add_error, refuse
from kindred.events import calendars, permissions, selectors, services
from kindred.events.forms import (
    AttendanceForm,
    CalendarFilterForm,
    CancelEventForm,
    ChangeForm,
    EventForm,
    FeedbackForm,
    RegisterForm,
)
from kindred.events.models import Event, EventHost, Registration
from kindred.organisations.models import Organisation

FILTER_CHOICES_SECONDS = 60


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and 0 < len(value) < 6 else 1


# --- the calendar -----------------------------------------------------------------


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    # The filter's choices change slowly; reading them costs more as events grow.
    topics = cache.get_or_set(
        "events:calendar-topics",
        lambda: [(t.slug, t.name) for t in selectors.calendar_topics()],
        FILTER_CHOICES_SECONDS,
    )
    organisations = cache.get_or_set(
        "events:calendar-organisations",
        lambda: [(o.slug, o.name) for o in selectors.calendar_organisations()],
        FILTER_CHOICES_SECONDS,
    )
    form = CalendarFilterForm(
        request.GET or None, topics=topics, organisations=organisations
    )
    form.is_valid()  # an unknown choice drops that filter only, not the others
    data = getattr(form, "cleaned_data", {})
    filters = selectors.CalendarFilters(
        topic=data.get("topic", ""),
        organisation=data.get("organisation", ""),
        format=data.get("format", ""),
        past=data.get("when") == "past",
    )
    page = selectors.calendar_page(request.user, filters, _page_number(request))  # type: ignore[arg-type]
    return render(
        request,
        "events/calendar.html",
        {
            "form": form,
            "page": page,
            "months": page.months(timezone.get_current_timezone_name()),
            "filters": filters,
            "filtered": any([filters.topic, filters.organisation, filters.format]),
        },
    )


# --- hosting ----------------------------------------------------------------------


def _host_options(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "user": user,
        "organisations": selectors.hosting_organisations(user),  # type: ignore[arg-type]
        "groups": Group.objects.filter(
            pk__in=facilitated_group_ids(user),  # type: ignore[arg-type]
            status=Group.Status.ACTIVE,
        ).order_by("name"),
    }


def _clashes(form: EventForm | ChangeForm, exclude: int | None = None) -> Any:
    data = form.cleaned_data
    if "starts_at" not in data:
        return None
    topics = data.get("topics")
    topic_ids = [t.pk for t in topics] if topics is not None else []
    if exclude is not None and topics is None:
        topic_ids = list(
            Event.topics.through.objects.filter(event_id=exclude).values_list(
                "topic_id", flat=True
            )
        )
    total, events = selectors.same_day_events(
        starts_at=data["starts_at"],
        time_zone=data["time_zone"],
        topic_ids=topic_ids,
        exclude_event=exclude,
    )
    return {"total": total, "events": events} if total else None


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    options = _host_options(request)
    form = EventForm(request.POST or None, **options)
    clashes = None
    if request.method == "POST" and form.is_valid():
        clashes = _clashes(form)
        if "check" not in request.POST:
            try:
                event = services.create_event(
                    form.details(),
                    by=request.user,  # type: ignore[arg-type]
                    host_kind=form.cleaned_data["host_kind"],
                    group=form.cleaned_data["group"],
                    organisations=form.cleaned_data["organisations"],
                    rule=form.rule(),
                    client_token=form.cleaned_data.get("client_token"),
                )
            except NotAllowed as error:
                return refuse(request, error)
            except KindredError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Your event is on the calendar."))
                if clashes:
                    messages.warning(request, _clash_message(clashes))
                return redirect(event)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "events/form.html",
        {"form": form, "clashes": clashes, "checked": "check" in request.POST},
        status=status,
    )


def _clash_message(clashes: dict[str, Any]) -> str:
    names = ", ".join(e.title for e in clashes["events"])
    return ngettext(
        "%(n)d other event with shared topics that day: %(names)s",
        "%(n)d other events with shared topics that day: %(names)s",
        clashes["total"],
    ) % {"n": clashes["total"], "names": names}


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.get_event_for_user(request.user, pk)  # type: ignore[arg-type]
    if not permissions.can_manage_event(request.user, event):  # type: ignore[arg-type]
        raise PermissionDenied(_("Only the event's hosts can change it."))
    form = ChangeForm(request.POST or None, initial=ChangeForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_event(event, form.details(), by=request.user)  # type: ignore[arg-type]
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The event is updated."))
            return redirect(event)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "events/edit.html", {"form": form, "event": event}, status=status
    )


# --- one event --------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    event: Event,
    *,
    register_form: RegisterForm | None = None,
    feedback_form: FeedbackForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    registration = selectors.registration_of(user, event)  # type: ignore[arg-type]
    now = timezone.now()
    is_host = permissions.can_manage_event(user, event)  # type: ignore[arg-type]
    active = registration is not None and registration.is_active
    questions = list(event.questions.all())
    if register_form is None and not active:
        register_form = RegisterForm(
            questions=questions, series=event.series_id is not None
        )
    can_give_feedback = (
        registration is not None
        and registration.status == Registration.Status.REGISTERED
        and registration.attendance != Registration.Attendance.NO_SHOW
        and event.has_ended(now)
    )
    if feedback_form is None and can_give_feedback:
        existing = getattr(registration, "feedback", None)
        feedback_form = FeedbackForm(
            initial={"rating": existing.rating, "comment": existing.comment}
            if existing
            else None
        )
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "hosts": getattr(event, "confirmed_hosts", []),
            "topics": list(event.topics.all()),
            "counts": selectors.counts(event),
            "registration": registration,
            "active": active,
            "position": selectors.waitlist_position(registration)
            if registration
            else None,
            "register_form": register_form,
            "can_register": not event.is_cancelled and not event.has_started(now),
            "show_room": permissions.can_see_room(
                user,  # type: ignore[arg-type]
                event,
                registration,
                now=now,
            ),
            "is_host": is_host,
            "feedback_form": feedback_form if can_give_feedback else None,
            "has_feedback": can_give_feedback
            and getattr(registration, "feedback", None) is not None,
            "sessions": list(selectors.series_events(event).only("pk", "starts_at"))
            if event.series_id
            else [],
            "ended": event.has_ended(now),
            "started": event.has_started(now),
        },
        status=status,
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.get_event_for_user(request.user, pk)  # type: ignore[arg-type]
    return _detail_page(request, event)


@login_required
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.get_event_for_user(request.user, pk)  # type: ignore[arg-type]
    form = RegisterForm(
        request.POST,
        questions=list(event.questions.all()),
        series=event.series_id is not None,
    )
    if form.is_valid():
        try:
            registration = services.register(
                event,
                by=request.user,  # type: ignore[arg-type]
                answers=form.answers(),
                whole_series=form.cleaned_data.get("whole_series", False),
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            if registration.status == Registration.Status.WAITLISTED:
                messages.info(
                    request,
                    _(
                        "The event is full: you are on the waiting list. If a "
                        "place comes free, it is yours and we tell you."
                    ),
                )
            else:
                messages.success(request, _("You are registered."))
            return redirect(event)
    return _detail_page(request, event, register_form=form, status=400)


@login_required
@require_POST
def unregister(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.get_event_for_user(request.user, pk)  # type: ignore[arg-type]
    whole = request.POST.get("whole_series") == "1"
    return act(
        request,
        lambda: services.cancel_registration(
            event,
            by=request.user,  # type: ignore[arg-type]
            whole_series=whole,
        ),
        success=_("Your registration is cancelled."),
        then=event.get_absolute_url(),
    )


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.get_event_for_user(request.user, pk)  # type: ignore[arg-type]
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.give_feedback(
                event,
                by=request.user,  # type: ignore[arg-type]
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except NotAllowed as error:
            return refuse(request, error)
        except KindredError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect(event)
    return _detail_page(request, event, feedback_form=form, status=400)


@login_required
@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.get_event_for_user(request.user, pk)  # type: ignore[arg-type]
    registration = selectors.registration_of(request.user, event)  # type: ignore[arg-type]
    return ical.calendar_response(
        [calendars.entry(event, registration=registration)],
        filename=f"event-{event.pk}.ics",
    )


# --- running an event -------------------------------------------------------------


def _managed(request: HttpRequest, pk: int) -> Event:
    event = permissions.get_event_for_user(request.user, pk)  # type: ignore[arg-type]
    if not permissions.can_manage_event(request.user, event):  # type: ignore[arg-type]
        invited = EventHost.objects.filter(
            event=event,
            status=EventHost.Status.INVITED,
            organisation_id__in=selectors.admin_organisation_ids(request.user),  # type: ignore[arg-type]
        ).exists()
        if not invited:
            raise PermissionDenied(_("Only the event's hosts can manage it."))
    return event


@login_required
@require_GET
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed(request, pk)
    is_host = permissions.can_manage_event(request.user, event)  # type: ignore[arg-type]
    invitations = list(
        EventHost.objects.filter(
            event=event,
            status=EventHost.Status.INVITED,
            organisation_id__in=selectors.admin_organisation_ids(request.user),  # type: ignore[arg-type]
        ).select_related("organisation")
    )
    context: dict[str, Any] = {
        "event": event,
        "is_host": is_host,
        "invitations": invitations,
        "pending_hosts": list(
            event.hosts.filter(status=EventHost.Status.INVITED).select_related(
                "organisation"
            )
        )
        if is_host
        else [],
    }
    if is_host:
        context.update(
            registrations=list(selectors.registrations_for_hosts(event)),
            counts=selectors.counts(event),
            attendance=selectors.attendance_summary(event),
            summary=selectors.feedback_summary(event),
            cancel_form=CancelEventForm(),
            started=event.has_started(),
            ended=event.has_ended(),
            attendance_choices=Registration.Attendance.choices,
        )
    return render(request, "events/manage.html", context)


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = _managed(request, pk)
    registration = event.registrations.filter(pk=registration_pk).first()
    if registration is None:
        raise Http404(_("No such registration."))
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose attended or did not come."))
        return redirect("events:manage", pk=event.pk)
    return act(
        request,
        lambda: services.mark_attendance(
            event,
            registration,
            by=request.user,  # type: ignore[arg-type]
            attendance=form.cleaned_data["attendance"],
        ),
        success=_("Attendance saved for %(name)s.") % {"name": registration.user},
        then=reverse("events:manage", args=[event.pk]),
    )


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed(request, pk)
    form = CancelEventForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return act(
        request,
        lambda: services.cancel_event(event, by=request.user, reason=reason),  # type: ignore[arg-type]
        success=_("The event is cancelled; everyone registered is told."),
        then=reverse("events:manage", args=[event.pk]),
    )


@login_required
@require_POST
def cohost(request: HttpRequest, pk: int, organisation_pk: int) -> HttpResponse:
    event = _managed(request, pk)
    organisation = Organisation.objects.filter(pk=organisation_pk).first()
    if organisation is None:
        raise Http404(_("No such organisation."))
    accept = request.POST.get("answer") == "accept"
    return act(
        request,
        lambda: services.answer_cohosting(
            event,
            organisation,
            by=request.user,  # type: ignore[arg-type]
            accept=accept,
        ),
        success=_("%(org)s co-hosts this event now.") % {"org": organisation.name}
        if accept
        else _("You declined to co-host."),
        then=event.get_absolute_url(),
    )


# --- my events and the personal feed ----------------------------------------------


def _mine_page(request: HttpRequest, *, new_feed_url: str = "") -> HttpResponse:
    user = request.user
    now = timezone.now()
    registrations = list(selectors.my_registrations(user, now=now))  # type: ignore[arg-type]
    upcoming = [r for r in registrations if r.event.ends_at > now]
    past = [r for r in registrations if r.event.ends_at <= now][::-1]
    feed = user.event_feeds.filter(revoked_at__isnull=True).first()  # type: ignore[union-attr]
    return render(
        request,
        "events/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "feed": feed,
            "new_feed_url": new_feed_url,
            "invitations": list(selectors.pending_cohost_invitations(user)),  # type: ignore[arg-type]
        },
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return _mine_page(request)


@login_required
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    _feed, raw = services.create_feed(by=request.user)  # type: ignore[arg-type]
    url = ical.absolute_url(reverse("events:feed", args=[raw]))
    messages.success(
        request,
        _("Your new calendar address is ready. Copy it now: it is shown only once."),
    )
    return _mine_page(request, new_feed_url=url)


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    if services.revoke_feed(by=request.user):  # type: ignore[arg-type]
        messages.success(request, _("Your calendar address no longer works."))
    return redirect("events:mine")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no session, the secret in the address is the key."""
    owner = services.feed_owner(token)
    if owner is None:
        raise Http404(_("No such calendar."))
    registrations = selectors.feed_registrations(owner)
    return ical.calendar_response(
        calendars.entries(registrations),
        name=_("My Kindred events"),
        refresh_hours=1,
    )
