"""Writes of the programmes domain: one function per use case.

Each checks permission, changes the rows, writes the audit entry and tells the
people concerned. Survey answers never leave this app except to the person who
gave them, as aggregates, or in the pseudonymised export.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.algorithms import outcomes
from kindred.communities import services as community_services
from kindred.core import audit
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.markdown import problems
from kindred.directory.models import Service
from kindred.notifications.services import notify, notify_many
from kindred.programmes import permissions
from kindred.programmes.models import (
    Answer,
    Cohort,
    Instrument,
    Item,
    Place,
    Programme,
    Reminder,
    Response,
    Scale,
    SurveyWindow,
    WaitingEntry,
)
from kindred.webhooks.services import emit

MAX_CAPACITY = 500
MAX_ITEMS = 60
MAX_SCALES = 12
MAX_SESSIONS = 52
MAX_NEXT_STEPS = 10
ENTRY_OPENS_BEFORE = timedelta(days=14)
ENTRY_CLOSES_AFTER = timedelta(days=14)
EXIT_OPENS_BEFORE = timedelta(days=7)
EXIT_CLOSES_AFTER = timedelta(days=28)
FOLLOW_UP_OPEN_FOR = timedelta(days=28)


class ProgrammeError(KindredError):
    pass


class StateConflict(ProgrammeError):
    status_code = 409
    code = "conflict"


class TooFewAnswers(StateConflict):
    """Too few people answered for their answers to leave the app, even
    pseudonymised."""

    code = "too_few_answers"


class SurveyInvalid(ProgrammeError):
    """Some answers are not acceptable; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field=field_name)
        self.errors = errors


# --- helpers --------------------------------------------------------------------------


def _text(
    value: str, *, field: str, limit: int, missing: str = "", optional: bool = False
) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        if optional:
            return ""
        raise ProgrammeError(missing, field=field)
    if "\x00" in cleaned:
        raise ProgrammeError(_("The text contains a NUL character."), field=field)
    if len(cleaned) > limit:
        raise ProgrammeError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    return cleaned


def _markdown(value: str, *, field: str, limit: int) -> str:
    text = _text(value, field=field, limit=limit, optional=True)
    found = problems(text)
    if found:
        raise ProgrammeError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def _require_member(by: User) -> None:
    if not by.is_authenticated or not by.is_active:
        raise NotAllowed(_("Sign in to do this."))


def _managers(programme: Programme) -> list[User]:
    people = {}
    if programme.lead_id and programme.lead and programme.lead.is_active:
        people[programme.lead_id] = programme.lead
    for user in User.objects.filter(
        memberships__organisation_id=programme.service.organisation_id,
        memberships__role=permissions.Role.ADMIN,
        is_active=True,
    ):
        people[user.pk] = user
    return list(people.values())


# --- programmes -----------------------------------------------------------------------


@transaction.atomic
def create_programme(
    service: Service, *, by: User, lead: User, summary: str = ""
) -> Programme:
    """Run a directory service as a cohort programme, led by one of its staff."""
    _require_member(by)
    organisation_id = service.organisation_id
    if not permissions.is_staff_of(by, organisation_id):
        raise NotAllowed(
            _("Only admins and practitioners of the organisation can do this.")
        )
    if not service.is_programme:
        raise ProgrammeError(
            _("Mark the service as a programme in the directory first."),
            field="service",
        )
    if not permissions.is_staff_of(lead, organisation_id):
        raise ProgrammeError(
            _("The programme lead must be staff of the organisation."), field="lead"
        )
    if Programme.objects.filter(service=service).exists():
        raise StateConflict(_("This service is already run as a programme."))
    programme = Programme.objects.create(
        service=service,
        lead=lead,
        summary=_markdown(summary, field="summary", limit=4000),
    )
    audit.record("programme.created", actor=by, target=programme, lead=lead.pk)
    return programme


@transaction.atomic
def update_programme(
    programme: Programme, *, by: User, lead: User | None = None, summary: str = ""
) -> Programme:
    """Change the lead or the description (the people running the programme)."""
    permissions.require_manager(by, programme)
    if lead is not None and lead.pk != programme.lead_id:
        if not permissions.is_staff_of(lead, programme.service.organisation_id):
            raise ProgrammeError(
                _("The programme lead must be staff of the organisation."),
                field="lead",
            )
        programme.lead = lead
    programme.summary = _markdown(summary, field="summary", limit=4000)
    programme.save(update_fields=["lead", "summary"])
    audit.record("programme.updated", actor=by, target=programme)
    return programme


# --- survey instruments ---------------------------------------------------------------


@dataclass
class ScaleInput:
    name: str
    higher_is_better: bool = True
    min_share: float = 0.5


@dataclass
class ItemInput:
    """A question; `scale` is the index of its scale in the list, or None."""

    text: str
    kind: str
    scale: int | None = None
    reverse: bool = False
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None


@transaction.atomic
def create_instrument(
    programme: Programme,
    *,
    by: User,
    name: str,
    introduction: str = "",
    scales: Sequence[ScaleInput] = (),
    items: Sequence[ItemInput],
) -> Instrument:
    """Build a survey from scored scales and items (the people running it).

    Instruments are not changed once built: answers given at entry and exit
    must be to the same questions.
    """
    permissions.require_manager(by, programme)
    name = _text(name, field="name", limit=160, missing=_("Give the survey a name."))
    introduction = _markdown(introduction, field="introduction", limit=2000)
    if len(scales) > MAX_SCALES:
        raise ProgrammeError(
            _("Use at most %(n)d scales.") % {"n": MAX_SCALES}, field="scales"
        )
    if not items:
        raise ProgrammeError(_("Add at least one question."), field="items")
    if len(items) > MAX_ITEMS:
        raise ProgrammeError(
            _("Use at most %(n)d questions.") % {"n": MAX_ITEMS}, field="items"
        )
    checked_scales = []
    for index, scale in enumerate(scales):
        scale_name = _text(
            scale.name,
            field=f"scales.{index}.name",
            limit=120,
            missing=_("Give each scale a name."),
        )
        if not 0 < scale.min_share <= 1:
            raise ProgrammeError(
                _("The share of items needed is between 0 and 1."),
                field=f"scales.{index}.min_share",
            )
        checked_scales.append(
            Scale(
                name=scale_name,
                higher_is_better=scale.higher_is_better,
                min_share=scale.min_share,
                position=index,
            )
        )
    checked_items = []
    for index, item in enumerate(items):
        where = f"items.{index}"
        text = _text(
            item.text,
            field=f"{where}.text",
            limit=300,
            missing=_("Write the question."),
        )
        if item.kind not in Item.Kind.values:
            raise ProgrammeError(_("Choose the kind of answer."), field=f"{where}.kind")
        minimum = maximum = None
        if item.kind == Item.Kind.NUMBER:
            if item.minimum is None or item.maximum is None:
                raise ProgrammeError(
                    _("Give the lowest and highest number allowed."),
                    field=f"{where}.minimum",
                )
            if item.minimum >= item.maximum:
                raise ProgrammeError(
                    _("The highest number must be above the lowest."),
                    field=f"{where}.maximum",
                )
            minimum, maximum = float(item.minimum), float(item.maximum)
        scale = None
        if item.scale is not None:
            if not 0 <= item.scale < len(checked_scales):
                raise ProgrammeError(
                    _("Choose one of the survey's scales."), field=f"{where}.scale"
                )
            if item.kind == Item.Kind.TEXT:
                raise ProgrammeError(
                    _("Free-text questions cannot be scored in a scale."),
                    field=f"{where}.scale",
                )
            scale = item.scale
        if item.reverse and (scale is None):
            raise ProgrammeError(
                _("Only questions in a scale can be reverse-scored."),
                field=f"{where}.reverse",
            )
        checked_items.append(
            (
                scale,
                Item(
                    text=text,
                    kind=item.kind,
                    minimum=minimum,
                    maximum=maximum,
                    reverse=item.reverse,
                    required=item.required,
                    position=index,
                ),
            )
        )
    instrument = Instrument.objects.create(
        programme=programme, name=name, introduction=introduction
    )
    for scale in checked_scales:
        scale.instrument = instrument
        scale.save()
    for scale_index, item in checked_items:
        item.instrument = instrument
        item.scale = checked_scales[scale_index] if scale_index is not None else None
        item.save()
    audit.record(
        "programme.instrument_created",
        actor=by,
        target=instrument,
        items=len(checked_items),
    )
    return instrument


# --- cohorts --------------------------------------------------------------------------


@dataclass
class SessionPlan:
    """Weekly online sessions: the first start (aware), length and how many."""

    first_starts_at: datetime
    minutes: int = 90
    weeks: int = 8
    time_zone: str = "Europe/London"
    meeting_url: str = ""


@dataclass
class CohortInput:
    name: str
    starts_on: date
    ends_on: date
    capacity: int
    instrument: Instrument | None = None
    course: Any = None
    mentoring: Any = None
    next_steps: Sequence[Service] = field(default_factory=list)
    follow_up_on: date | None = None
    sessions: SessionPlan | None = None


def _check_cohort(programme: Programme, data: CohortInput) -> None:
    if not isinstance(data.capacity, int) or not 1 <= data.capacity <= MAX_CAPACITY:
        raise ProgrammeError(
            _("Give a number of places from 1 to %(n)d.") % {"n": MAX_CAPACITY},
            field="capacity",
        )
    if data.ends_on < data.starts_on:
        raise ProgrammeError(
            _("The end must be on or after the start."), field="ends_on"
        )
    if data.follow_up_on is not None and data.follow_up_on <= data.ends_on:
        raise ProgrammeError(
            _("The follow-up must be after the end."), field="follow_up_on"
        )
    if data.instrument is not None and data.instrument.programme_id != programme.pk:
        raise ProgrammeError(_("Choose one of this programme's surveys."), "instrument")
    if len(data.next_steps) > MAX_NEXT_STEPS:
        raise ProgrammeError(
            _("Suggest at most %(n)d services.") % {"n": MAX_NEXT_STEPS},
            field="next_steps",
        )


def _windows(cohort: Cohort, follow_up_on: date | None) -> None:
    windows = [
        SurveyWindow(
            cohort=cohort,
            kind=SurveyWindow.Kind.ENTRY,
            opens_on=cohort.starts_on - ENTRY_OPENS_BEFORE,
            closes_on=cohort.starts_on + ENTRY_CLOSES_AFTER,
        ),
        SurveyWindow(
            cohort=cohort,
            kind=SurveyWindow.Kind.EXIT,
            opens_on=cohort.ends_on - EXIT_OPENS_BEFORE,
            closes_on=cohort.ends_on + EXIT_CLOSES_AFTER,
        ),
    ]
    if follow_up_on is not None:
        windows.append(
            SurveyWindow(
                cohort=cohort,
                kind=SurveyWindow.Kind.FOLLOW_UP,
                opens_on=follow_up_on,
                closes_on=follow_up_on + FOLLOW_UP_OPEN_FOR,
            )
        )
    SurveyWindow.objects.bulk_create(windows)


def _schedule_sessions(cohort: Cohort, plan: SessionPlan, *, by: User) -> None:
    from kindred.events import services as event_services

    if not 1 <= plan.weeks <= MAX_SESSIONS:
        raise ProgrammeError(
            _("Plan from 1 to %(n)d weekly sessions.") % {"n": MAX_SESSIONS},
            field="weeks",
        )
    if not 15 <= plan.minutes <= 480:
        raise ProgrammeError(
            _("A session lasts from 15 minutes to 8 hours."), field="minutes"
        )
    details = event_services.EventDetails(
        title=_("%(cohort)s: session") % {"cohort": cohort.name},
        description=_("A weekly session of %(programme)s for its cohort: %(cohort)s.")
        % {"programme": cohort.programme.name, "cohort": cohort.name},
        format="online",
        starts_at=plan.first_starts_at,
        ends_at=plan.first_starts_at + timedelta(minutes=plan.minutes),
        time_zone=plan.time_zone,
        meeting_url=plan.meeting_url,
        generate_room=not plan.meeting_url,
    )
    try:
        first = event_services.create_event(
            details,
            by=by,
            host_kind="group",
            group=cohort.group,
            rule=f"FREQ=WEEKLY;COUNT={plan.weeks}" if plan.weeks > 1 else "",
        )
    except KindredError as error:
        field_name = {
            "starts_at": "first_session",
            "time_zone": "time_zone",
            "meeting_url": "meeting_url",
        }.get(error.field or "")
        raise ProgrammeError(error.message, field=field_name) from None
    cohort.first_session = first
    cohort.session_series_id = first.series_id
    cohort.save(update_fields=["first_session", "session_series"])


@transaction.atomic
def create_cohort(programme: Programme, *, by: User, data: CohortInput) -> Cohort:
    """Start a cohort: its group, survey windows and (optionally) weekly sessions.

    The programme lead facilitates the cohort group (and so hosts its sessions).
    """
    permissions.require_manager(by, programme)
    _check_cohort(programme, data)
    name = _text(data.name, field="name", limit=120, missing=_("Name the cohort."))
    cohort = Cohort.objects.create(
        programme=programme,
        name=name,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        capacity=data.capacity,
        instrument=data.instrument,
        course=data.course,
        mentoring=data.mentoring,
    )
    cohort.next_steps.set(data.next_steps)
    facilitators = [programme.lead] if programme.lead else []
    if by.pk not in {f.pk for f in facilitators}:
        facilitators.append(by)
    cohort.group = community_services.create_cohort_group(
        name=f"{programme.name}: {name}"[:120],
        purpose=_("The group of a cohort of %(programme)s: %(cohort)s.")
        % {"cohort": name, "programme": programme.name},
        facilitators=facilitators,
        organisation=programme.service.organisation,
        by=by,
    )
    cohort.save(update_fields=["group"])
    _windows(cohort, data.follow_up_on)
    if data.sessions is not None:
        _schedule_sessions(cohort, data.sessions, by=by)
    audit.record("cohort.created", actor=by, target=cohort, programme=programme.pk)
    return cohort


@transaction.atomic
def set_cohort_status(cohort: Cohort, *, by: User, status: str) -> Cohort:
    """Move a cohort on; finishing it completes the places still taking part."""
    permissions.require_manager(by, cohort.programme)
    if status not in Cohort.Status.values:
        raise ProgrammeError(_("Choose a status."), field="status")
    if cohort.is_over:
        raise StateConflict(_("This cohort has already ended."))
    cohort.status = status
    cohort.save(update_fields=["status"])
    if status == Cohort.Status.FINISHED:
        cohort.places.filter(status=Place.Status.ACTIVE).update(
            status=Place.Status.COMPLETED
        )
    audit.record("cohort.status_changed", actor=by, target=cohort, to=status)
    return cohort


# --- places ---------------------------------------------------------------------------


def _enrol_in_course(cohort: Cohort, participant: User, *, by: User | None) -> None:
    if cohort.course_id is None:
        return
    from kindred.learning import services as learning_services

    learning_services.enrol(
        cohort.course, participant, by=by or participant, via_cohort=True
    )


def _survey_url(window: SurveyWindow) -> str:
    return reverse("programmes:survey", args=[window.cohort_id, window.kind])


def _tell_survey_due(cohort: Cohort, participant: User) -> None:
    if cohort.instrument_id is None:
        return
    today = timezone.localdate()
    for window in cohort.windows.all():
        if window.is_open(today):
            notify(
                participant,
                kind="programmes.survey_due",
                message=_("Your %(when)s survey for %(cohort)s is open until %(day)s.")
                % {
                    "when": window.get_kind_display().lower(),
                    "cohort": cohort.name,
                    "day": window.closes_on.isoformat(),
                },
                url=_survey_url(window),
            )
            Reminder.objects.get_or_create(window=window, participant=participant)


def _welcome(place: Place, *, by: User | None) -> None:
    """Enrol, add to the group, tell the participant and the organisation."""
    cohort = place.cohort
    participant = place.participant
    _enrol_in_course(cohort, participant, by=by)
    if cohort.group_id is not None:
        community_services.add_to_cohort(cohort.group, user=participant, by=by)
    notify(
        participant,
        kind="programmes.place_added",
        message=_("You have a place in %(cohort)s of %(programme)s.")
        % {"cohort": cohort.name, "programme": cohort.programme.name},
        url=reverse("programmes:mine"),
        actor=by,
    )
    _tell_survey_due(cohort, participant)
    emit(
        cohort.programme.service.organisation,
        "programme.place_added",
        {
            "programme": {"id": cohort.programme_id, "name": cohort.programme.name},
            "cohort": {
                "id": cohort.pk,
                "name": cohort.name,
                "starts_on": cohort.starts_on.isoformat(),
            },
            "place": {"id": place.pk, "source": place.source},
        },
    )


def _active_count(cohort: Cohort) -> int:
    return cohort.places.exclude(status=Place.Status.WITHDRAWN).count()


def _place(
    cohort: Cohort,
    *,
    participant: User,
    by: User | None,
    source: str,
    referral: Any = None,
) -> Place:
    """Give `participant` a place (checks done by the caller, cohort locked)."""
    if cohort.is_over:
        raise StateConflict(_("This cohort has ended and takes no more people."))
    if not participant.is_active:
        raise ProgrammeError(_("This person's account is not active."), "participant")
    existing = Place.objects.filter(cohort=cohort, participant=participant).first()
    if existing is not None and existing.status != Place.Status.WITHDRAWN:
        return existing
    if _active_count(cohort) >= cohort.capacity:
        raise StateConflict(_("The cohort is full."))
    if existing is not None:
        existing.status = Place.Status.ACTIVE
        existing.source = source
        existing.added_by = by
        existing.referral = referral or existing.referral
        existing.save(update_fields=["status", "source", "added_by", "referral"])
        place = existing
    else:
        place = Place.objects.create(
            cohort=cohort,
            participant=participant,
            source=source,
            referral=referral,
            added_by=by,
        )
    WaitingEntry.objects.filter(
        programme_id=cohort.programme_id, person=participant, placed_at__isnull=True
    ).update(placed_at=timezone.now())
    audit.record(
        "cohort.place_added", actor=by, target=cohort, place=place.pk, source=source
    )
    _welcome(place, by=by)
    return place


def _lock_cohort(cohort: Cohort) -> Cohort:
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    cohort.refresh_from_db(fields=["status", "capacity"])
    return cohort


@transaction.atomic
def add_place(cohort: Cohort, *, participant: User, by: User) -> Place:
    """Give someone a place (the people running the programme); again: no change."""
    permissions.require_manager(by, cohort.programme)
    _lock_cohort(cohort)
    return _place(cohort, participant=participant, by=by, source=Place.Source.LEAD)


@transaction.atomic
def withdraw_place(place: Place, *, by: User) -> Place:
    """Withdraw a place: the participant themselves or the people running it."""
    cohort = place.cohort
    if place.participant_id != by.pk:
        permissions.require_manager(by, cohort.programme)
    if place.status == Place.Status.WITHDRAWN:
        return place
    place.status = Place.Status.WITHDRAWN
    place.save(update_fields=["status"])
    audit.record("cohort.place_withdrawn", actor=by, target=cohort, place=place.pk)
    return place


def next_cohort_with_room(programme: Programme) -> Cohort | None:
    """The soonest cohort still taking places that has a free place."""
    return (
        programme.cohorts.taking_places()
        .annotate(
            taken=Count("places", filter=~Q(places__status=Place.Status.WITHDRAWN))
        )
        .filter(taken__lt=F("capacity"))
        .order_by("starts_on", "pk")
        .first()
    )


@transaction.atomic
def place_from_referral(referral: Any, *, by: User | None) -> Place | WaitingEntry:
    """Turn an accepted referral to a programme into a place in the next cohort
    with room, or put the person on the programme's to-be-placed list.

    Idempotent: a person with a place in a cohort still running, or already
    waiting, is left as they are.
    """
    programme = (
        Programme.objects.select_for_update(of=("self",))
        .select_related("service__organisation", "lead")
        .get(service_id=referral.service_id)
    )
    person = referral.entrepreneur
    current = (
        Place.objects.filter(
            cohort__in=programme.cohorts.taking_places(), participant=person
        )
        .exclude(status=Place.Status.WITHDRAWN)
        .first()
    )
    if current is not None:
        return current
    waiting = WaitingEntry.objects.filter(
        programme=programme, person=person, placed_at__isnull=True
    ).first()
    if waiting is not None:
        return waiting
    cohort = next_cohort_with_room(programme)
    if cohort is not None:
        return _place(
            cohort,
            participant=person,
            by=by,
            source=Place.Source.REFERRAL,
            referral=referral,
        )
    try:
        with transaction.atomic():
            waiting = WaitingEntry.objects.create(
                programme=programme, person=person, referral=referral
            )
    except IntegrityError:
        return WaitingEntry.objects.get(
            programme=programme, person=person, placed_at__isnull=True
        )
    audit.record(
        "programme.waiting_added", actor=by, target=programme, entry=waiting.pk
    )
    managers = _managers(programme)
    if managers:
        notify_many(
            managers,
            kind="programmes.to_be_placed",
            message=_("%(person)s was accepted onto %(programme)s: no cohort has room.")
            % {"person": person, "programme": programme.name},
            url=reverse("programmes:programme", args=[programme.pk]) + "#waiting",
            actor=by,
        )
    return waiting


@transaction.atomic
def place_waiting(entry: WaitingEntry, *, cohort: Cohort, by: User) -> Place:
    """Give a person on the to-be-placed list a place in `cohort`."""
    permissions.require_manager(by, entry.programme)
    if cohort.programme_id != entry.programme_id:
        raise ProgrammeError(_("Choose one of this programme's cohorts."), "cohort")
    if entry.placed_at is not None:
        raise StateConflict(_("This person already has a place."))
    _lock_cohort(cohort)
    return _place(
        cohort,
        participant=entry.person,
        by=by,
        source=Place.Source.REFERRAL if entry.referral_id else Place.Source.LEAD,
        referral=entry.referral,
    )


def on_referral_moved(
    sender: Any, referral: Any, to: str, by: Any, **kwargs: Any
) -> None:
    """Receiver of referrals.signals.referral_moved (connected in apps.py)."""
    if to != "accepted" or referral.service_id is None:
        return
    if not Programme.objects.filter(service_id=referral.service_id).exists():
        return
    place_from_referral(referral, by=by)


# --- surveys --------------------------------------------------------------------------


def _check_answer(item: Item, raw: Any) -> tuple[float | None, str]:
    """Return (number, text) for one answer; raise ValueError(message) if wrong."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if item.required:
            raise ValueError(_("Answer this question."))
        return None, ""
    if item.kind == Item.Kind.TEXT:
        text = str(raw).strip()
        if "\x00" in text:
            raise ValueError(_("The text contains a NUL character."))
        if len(text) > 2000:
            raise ValueError(_("Keep this under 2000 characters."))
        return None, text
    if isinstance(raw, bool):
        raise ValueError(_("Give a number."))
    try:
        number = float(str(raw).strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ValueError(_("Give a number.")) from None
    low, high = item.low, item.high
    if number != number or low is None or high is None:  # NaN, or a broken item
        raise ValueError(_("Give a number."))
    if item.kind in (Item.Kind.LIKERT5, Item.Kind.LIKERT7) and not number.is_integer():
        raise ValueError(_("Choose one of the options."))
    if not low <= number <= high:
        raise ValueError(
            _("Give a number from %(low)s to %(high)s.")
            % {"low": f"{low:g}", "high": f"{high:g}"}
        )
    return number, ""


def check_answers(
    items: Sequence[Item], raw: Mapping[int, Any]
) -> tuple[dict[int, tuple[float | None, str]], dict[str, str]]:
    """Check every answer; return the clean ones and errors keyed `item_<id>`."""
    clean: dict[int, tuple[float | None, str]] = {}
    errors: dict[str, str] = {}
    for item in items:
        try:
            clean[item.pk] = _check_answer(item, raw.get(item.pk))
        except ValueError as error:
            errors[f"item_{item.pk}"] = str(error)
    unknown = set(raw) - {item.pk for item in items}
    if unknown:
        errors["answers"] = _("Answer only this survey's questions.")
    return clean, errors


def can_answer(user: User, window: SurveyWindow) -> bool:
    return bool(
        user.is_authenticated
        and Place.objects.filter(cohort_id=window.cohort_id, participant=user)
        .exclude(status=Place.Status.WITHDRAWN)
        .exists()
    )


@transaction.atomic
def submit_response(
    window: SurveyWindow, *, by: User, answers: Mapping[int, Any]
) -> Response:
    """Record (or, while the window is open, change) `by`'s answers.

    Raise SurveyInvalid naming every wrong answer; nothing is saved then.
    """
    _require_member(by)
    if not can_answer(by, window):
        raise NotAllowed(_("Only the cohort's participants answer its survey."))
    cohort = window.cohort
    if cohort.instrument_id is None:
        raise StateConflict(_("This cohort has no survey."))
    today = timezone.localdate()
    if today < window.opens_on:
        raise StateConflict(_("This survey is not open yet."))
    if today > window.closes_on:
        raise StateConflict(_("This survey has closed; answers can no longer change."))
    items = list(cohort.instrument.items.all())
    clean, errors = check_answers(items, answers)
    if errors:
        raise SurveyInvalid(errors)
    now = timezone.now()
    response, created = Response.objects.select_for_update().get_or_create(
        window=window, participant=by, defaults={"submitted_at": now, "updated_at": now}
    )
    if not created:
        response.updated_at = now
        response.save(update_fields=["updated_at"])
        response.answers.all().delete()
    Answer.objects.bulk_create(
        [
            Answer(response=response, item_id=item_id, number=number, text=text)
            for item_id, (number, text) in clean.items()
            if number is not None or text
        ]
    )
    # Only that an answer was given is logged, never what it was.
    audit.record(
        "survey.answered" if created else "survey.changed",
        actor=by,
        target=window,
    )
    return response


def send_survey_reminders(today: date | None = None) -> int:
    """Remind each participant once per open window they have not answered."""
    today = today or timezone.localdate()
    sent = 0
    windows = SurveyWindow.objects.filter(
        opens_on__lte=today,
        closes_on__gte=today,
        cohort__instrument__isnull=False,
    ).exclude(cohort__status=Cohort.Status.CANCELLED)
    for window in windows.select_related("cohort"):
        due = (
            User.objects.filter(
                programme_places__cohort_id=window.cohort_id, is_active=True
            )
            .exclude(programme_places__status=Place.Status.WITHDRAWN)
            .exclude(programme_survey_responses__window=window)
            .exclude(pk__in=window.reminders.values("participant_id"))
            .distinct()
        )
        for person in due:
            with transaction.atomic():
                _reminder, created = Reminder.objects.get_or_create(
                    window=window, participant=person
                )
                if not created:
                    continue
                notify(
                    person,
                    kind="programmes.survey_due",
                    message=_(
                        "Your %(when)s survey for %(cohort)s is open until %(day)s."
                    )
                    % {
                        "when": window.get_kind_display().lower(),
                        "cohort": window.cohort.name,
                        "day": window.closes_on.isoformat(),
                    },
                    url=_survey_url(window),
                )
                sent += 1
    return sent


# --- export ---------------------------------------------------------------------------


def _pseudonym(salt: bytes, user_id: int) -> str:
    digest = hmac.new(salt, str(user_id).encode(), hashlib.sha256).hexdigest()
    return "P-" + digest[:12]


def export_answers(cohort: Cohort, *, by: User) -> str:
    """Return the cohort's scored answers as CSV for researchers (the people
    running it): a pseudonym per person (stable within this export, a fresh salt
    each time), no names or emails, one row per person and window; free-text
    answers are left out as they may identify someone. Rows are sorted by
    pseudonym, so their order says nothing about who is who. The export is
    audited.

    Raise StateConflict when fewer than outcomes.MIN_GROUP people answered, as
    the evaluation shows nothing then; a window that fewer than MIN_GROUP people
    answered is left out of the file.
    """
    permissions.require_manager(by, cohort.programme)
    if cohort.instrument_id is None:
        raise StateConflict(_("This cohort has no survey."))
    responses = list(
        Response.objects.filter(window__cohort=cohort)
        .select_related("window")
        .prefetch_related("answers")
    )
    people = {r.participant_id for r in responses}
    if len(people) < outcomes.MIN_GROUP:
        raise TooFewAnswers(
            _(
                "Fewer than %(n)d people have answered the survey: the answers "
                "cannot be exported yet, as they could identify someone."
            )
            % {"n": outcomes.MIN_GROUP}
        )
    per_window = Counter(r.window_id for r in responses)
    responses = [r for r in responses if per_window[r.window_id] >= outcomes.MIN_GROUP]
    items = [i for i in cohort.instrument.items.all() if i.is_scored]
    salt = secrets.token_bytes(32)
    rows = []
    for response in responses:
        by_item = {a.item_id: a.number for a in response.answers.all()}
        rows.append(
            (
                _pseudonym(salt, response.participant_id),
                response.window.opens_on,
                response.window.kind,
                [
                    "" if by_item.get(i.pk) is None else f"{by_item[i.pk]:g}"
                    for i in items
                ],
            )
        )
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["participant", "cohort", "window"] + [f"item_{i.position + 1}" for i in items]
    )
    for pseudonym, _opens_on, kind, values in rows:
        writer.writerow([pseudonym, cohort.pk, kind, *values])
    audit.record("cohort.answers_exported", actor=by, target=cohort, rows=len(rows))
    return out.getvalue()
