"""Writes of the mentoring domain: one function per use case.

Each checks permission, changes the rows, writes the audit entry and tells the
people concerned (notifications and webhooks go out after the transaction commits).
Matching uses only the public interface of `kindred.algorithms.mentor_matching`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import Stage, User
from kindred.accounts.permissions import is_steward
from kindred.algorithms import mentor_matching
from kindred.core import audit
from kindred.core.errors import NotAllowed
from kindred.core.markdown import problems
from kindred.core.models import Region, Sector, Topic
from kindred.core.video import room_url
from kindred.mentoring import permissions, selectors
from kindred.mentoring.errors import MentoringError, PairRefused, StateConflict
from kindred.mentoring.models import (
    SLOTS,
    Access,
    Application,
    CheckIn,
    Feedback,
    ForbiddenPair,
    Goal,
    MentoringProgramme,
    MentorRequest,
    Milestone,
    Note,
    Pair,
    Session,
)
from kindred.notifications.services import notify, notify_many
from kindred.organisations.models import Organisation

MAX_QUESTIONS = 10
MAX_ITEMS = 10
MAX_CAPACITY = 5
MAX_REQUESTS = 5
MAX_EXPERIENCE = 80
MAX_SESSION_MINUTES = 600
Status = MentoringProgramme.Status
Mode = MentoringProgramme.Mode

#: Which state a programme may move to from each state.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.OPEN, Status.CLOSED),
    Status.OPEN: (Status.DRAFT, Status.MATCHING, Status.RUNNING, Status.CLOSED),
    Status.MATCHING: (Status.OPEN, Status.RUNNING, Status.CLOSED),
    Status.RUNNING: (Status.CLOSED,),
    Status.CLOSED: (),
}


# --- validation helpers ---------------------------------------------------------------


def _text(
    value: str | None,
    *,
    field: str,
    limit: int,
    missing: str = "",
    optional: bool = False,
) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        if optional:
            return ""
        raise MentoringError(missing or _("This is required."), field=field)
    if "\x00" in cleaned:
        raise MentoringError(_("The text contains a NUL character."), field=field)
    if len(cleaned) > limit:
        raise MentoringError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    return cleaned


def _markdown(value: str | None, *, field: str, limit: int, **kwargs: Any) -> str:
    text = _text(value, field=field, limit=limit, **kwargs)
    found = problems(text)
    if found:
        raise MentoringError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def _number(value: int, *, field: str, low: int, high: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise MentoringError(
            _("Choose a whole number from %(low)d to %(high)d.")
            % {"low": low, "high": high},
            field=field,
        )
    return value


def _require_member(by: User) -> None:
    if not by.is_authenticated or by.suspended_at is not None or not by.is_active:
        raise NotAllowed(_("Sign in to do this."))


def _questions(questions: Sequence[str]) -> list[str]:
    cleaned = [_text(q, field="questions", limit=300, optional=True) for q in questions]
    cleaned = [q for q in cleaned if q]
    if len(cleaned) > MAX_QUESTIONS:
        raise MentoringError(
            _("Ask at most %(n)d questions.") % {"n": MAX_QUESTIONS}, field="questions"
        )
    return cleaned


def _weights(weights: dict[str, Any] | None) -> dict[str, float]:
    chosen = dict(mentor_matching.DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in mentor_matching.CRITERIA:
            raise MentoringError(
                _("Unknown criterion “%(name)s”.") % {"name": key}, field="weights"
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= 10
        ):
            raise MentoringError(
                _("Each weight is a number from 0 to 10."), field="weights"
            )
        chosen[key] = float(value)
    if sum(chosen.values()) <= 0:
        raise MentoringError(
            _("Give at least one criterion a weight."), field="weights"
        )
    return chosen


def _dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise MentoringError(
            _("The programme cannot end before it starts."), field="ends_on"
        )


@dataclass
class ProgrammeInput:
    """A programme's settings as a form or the API gives them."""

    title: str
    purpose: str
    starts_on: date | None = None
    ends_on: date | None = None
    mode: str = Mode.PROGRAMME
    objective: str = MentoringProgramme.Objective.BEST_TOTAL
    mentor_access: str = Access.ANYONE
    mentee_access: str = Access.ANYONE
    mentor_organisations: Sequence[Organisation] = ()
    mentee_organisations: Sequence[Organisation] = ()
    mentor_group: Any = None
    mentee_group: Any = None
    questions: Sequence[str] = ()
    weights: dict[str, Any] | None = None
    allow_same_organisation: bool = False
    request_days: int = 7
    suggestions_shown: int = 3
    check_in_weeks: int = 4


def _apply_settings(programme: MentoringProgramme, data: ProgrammeInput) -> None:
    programme.title = _text(
        data.title, field="title", limit=160, missing=_("Give it a title.")
    )
    programme.purpose = _markdown(
        data.purpose,
        field="purpose",
        limit=8000,
        missing=_("Say what the programme is for and who it is for."),
    )
    _dates(data.starts_on, data.ends_on)
    programme.starts_on, programme.ends_on = data.starts_on, data.ends_on
    if data.mode not in Mode.values:
        raise MentoringError(_("Choose a matching mode."), field="mode")
    if data.objective not in MentoringProgramme.Objective.values:
        raise MentoringError(_("Choose an objective."), field="objective")
    programme.mode, programme.objective = data.mode, data.objective
    for side in ("mentor", "mentee"):
        access = getattr(data, f"{side}_access")
        if access not in Access.values:
            raise MentoringError(_("Choose who may apply."), field=f"{side}_access")
        if access == Access.ORGANISATIONS and not getattr(
            data, f"{side}_organisations"
        ):
            raise MentoringError(
                _("Choose at least one organisation."),
                field=f"{side}_organisations",
            )
        if access == Access.GROUP and getattr(data, f"{side}_group") is None:
            raise MentoringError(_("Choose a community group."), field=f"{side}_group")
        setattr(programme, f"{side}_access", access)
        setattr(
            programme,
            f"{side}_group",
            getattr(data, f"{side}_group") if access == Access.GROUP else None,
        )
    programme.questions = _questions(data.questions)
    programme.weights = _weights(data.weights)
    programme.allow_same_organisation = bool(data.allow_same_organisation)
    programme.request_days = _number(
        data.request_days, field="request_days", low=1, high=60
    )
    programme.suggestions_shown = _number(
        data.suggestions_shown, field="suggestions_shown", low=1, high=10
    )
    programme.check_in_weeks = _number(
        data.check_in_weeks, field="check_in_weeks", low=1, high=26
    )


def _set_organisations(programme: MentoringProgramme, data: ProgrammeInput) -> None:
    programme.mentor_organisations.set(
        data.mentor_organisations
        if programme.mentor_access == Access.ORGANISATIONS
        else []
    )
    programme.mentee_organisations.set(
        data.mentee_organisations
        if programme.mentee_access == Access.ORGANISATIONS
        else []
    )


def organisers(programme: MentoringProgramme) -> list[User]:
    """The people told about the programme: its organisation's staff, or its
    creator for a steward-run programme."""
    people: dict[int, User] = {}
    if programme.organisation_id:
        for user in User.objects.filter(
            memberships__organisation_id=programme.organisation_id,
            memberships__role__in=permissions.ACTING_ROLES,
            is_active=True,
        ):
            people[user.pk] = user
    elif programme.created_by_id:
        creator = programme.created_by
        if creator is not None and creator.is_active:
            people[creator.pk] = creator
    return list(people.values())


def _emit(programme: MentoringProgramme, name: str, data: dict[str, Any]) -> None:
    if programme.organisation_id is None:
        return
    from kindred.webhooks.services import emit

    emit(programme.organisation, name, data)  # type: ignore[arg-type]


def _pair_payload(pair: Pair) -> dict[str, Any]:
    """What a webhook says about a pair: no notes, answers or feedback text."""
    return {
        "programme": {"id": pair.programme_id, "title": pair.programme.title},
        "pair": pair.pk,
        "mentee": {
            "id": pair.mentee.user_id,
            "name": pair.mentee.user.profile.display_name,
        },
        "mentor": {
            "id": pair.mentor.user_id,
            "name": pair.mentor.user.profile.display_name,
        },
        "score": pair.score,
        "source": pair.source,
    }


# --- programmes -----------------------------------------------------------------------


@transaction.atomic
def create_programme(
    *, by: User, organisation: Organisation | None, settings: ProgrammeInput
) -> MentoringProgramme:
    """Create a draft programme run by `organisation` (its staff) or, with no
    organisation, by a steward."""
    _require_member(by)
    if organisation is None:
        if not is_steward(by):
            raise NotAllowed(
                _("Choose the organisation that runs the programme."),
                field="organisation",
            )
    elif not (permissions.can_act_for(by, organisation) or is_steward(by)):
        raise NotAllowed(
            _("Only admins and practitioners of %(org)s can run a programme for it.")
            % {"org": organisation}
        )
    programme = MentoringProgramme(organisation=organisation, created_by=by)
    _apply_settings(programme, settings)
    programme.save()
    _set_organisations(programme, settings)
    audit.record("mentoring.programme_created", actor=by, target=programme)
    return programme


@transaction.atomic
def update_programme(
    programme: MentoringProgramme, *, by: User, settings: ProgrammeInput
) -> MentoringProgramme:
    """Change a programme's settings (its organisers); closed ones stay as they are."""
    permissions.require_runner(by, programme)
    if programme.status == Status.CLOSED:
        raise MentoringError(_("This programme is closed; its settings stay."))
    _apply_settings(programme, settings)
    programme.updated_at = timezone.now()
    programme.save()
    _set_organisations(programme, settings)
    audit.record("mentoring.programme_changed", actor=by, target=programme)
    return programme


@transaction.atomic
def set_programme_status(
    programme: MentoringProgramme, *, by: User, status: str
) -> MentoringProgramme:
    """Move the programme to another state, as TRANSITIONS allow."""
    permissions.require_runner(by, programme)
    locked = MentoringProgramme.objects.select_for_update().get(pk=programme.pk)
    if status not in Status.values:
        raise MentoringError(_("Choose a state."), field="status")
    if status not in TRANSITIONS[locked.status]:
        raise StateConflict(
            _("A programme that is “%(now)s” cannot become “%(next)s”.")
            % {"now": locked.get_status_display(), "next": Status(status).label}
        )
    if status == Status.MATCHING and locked.mode != Mode.PROGRAMME:
        raise StateConflict(
            _("Only programme-wide matching has a matching stage."), field="status"
        )
    if (
        status == Status.RUNNING
        and locked.pairs.filter(status=Pair.Status.PROPOSED).exists()
    ):
        raise StateConflict(
            _("Publish or remove the proposed pairs first."), field="status"
        )
    programme.status = status
    programme.updated_at = timezone.now()
    programme.save(update_fields=["status", "updated_at"])
    if status == Status.CLOSED:
        _withdraw_requests(
            MentorRequest.objects.filter(
                programme=programme,
                status__in=[MentorRequest.Status.QUEUED, MentorRequest.Status.WAITING],
            )
        )
    audit.record("mentoring.programme_status", actor=by, target=programme, to=status)
    return programme


# --- applications ---------------------------------------------------------------------


@dataclass
class ApplicationInput:
    side: str
    answers: Sequence[str] = ()
    topics: Sequence[Topic] = ()
    sectors: Sequence[Sector] = ()
    stages: Sequence[str] = ()
    regions: Sequence[Region] = ()
    languages: Sequence[str] = ()
    availability: Sequence[str] = ()
    experience_years: int = 0
    capacity: int = 1


def _clean_application(
    programme: MentoringProgramme, data: ApplicationInput
) -> dict[str, Any]:
    if data.side not in Application.Side.values:
        raise MentoringError(_("Apply as a mentor or as a mentee."), field="side")
    mentor = data.side == Application.Side.MENTOR
    answers = list(data.answers)
    if len(answers) > len(programme.questions):
        raise MentoringError(
            _("There are more answers than questions."), field="answers"
        )
    answers += [""] * (len(programme.questions) - len(answers))
    answers = [
        _text(a, field=f"answers.{i}", limit=2000, optional=True)
        for i, a in enumerate(answers)
    ]
    for name in ("topics", "sectors", "regions"):
        values = list(dict.fromkeys(getattr(data, name)))
        if len(values) > MAX_ITEMS:
            raise MentoringError(
                _("Choose at most %(n)d.") % {"n": MAX_ITEMS}, field=name
            )
    if not data.topics:
        raise MentoringError(
            _("Choose at least one topic or goal you want to work on.")
            if not mentor
            else _("Choose at least one topic you can mentor on."),
            field="topics",
        )
    stages = list(dict.fromkeys(data.stages))
    if any(s not in Stage.values for s in stages):
        raise MentoringError(_("Choose stages from the list."), field="stages")
    if not mentor and len(stages) > 1:
        raise MentoringError(_("Choose your business's one stage."), field="stages")
    languages = [
        _text(lang, field="languages", limit=20)
        for lang in dict.fromkeys(data.languages)
    ]
    if len(languages) > MAX_ITEMS:
        raise MentoringError(
            _("Choose at most %(n)d languages.") % {"n": MAX_ITEMS}, field="languages"
        )
    availability = list(dict.fromkeys(data.availability))
    if any(slot not in SLOTS for slot in availability):
        raise MentoringError(
            _("Choose times from the list (e.g. “mon-am”)."), field="availability"
        )
    return {
        "side": data.side,
        "answers": answers,
        "stages": stages,
        "languages": [lang.lower() for lang in languages],
        "availability": availability,
        "experience_years": _number(
            data.experience_years if mentor else 0,
            field="experience_years",
            low=0,
            high=MAX_EXPERIENCE,
        ),
        "capacity": _number(
            data.capacity if mentor else 1,
            field="capacity",
            low=1,
            high=MAX_CAPACITY,
        )
        if mentor
        else 1,
    }


@transaction.atomic
def apply(
    programme: MentoringProgramme, *, by: User, data: ApplicationInput
) -> Application:
    """Apply to an open programme as mentor or mentee, as its rules allow."""
    _require_member(by)
    if programme.status != Status.OPEN and not (
        programme.status == Status.RUNNING and programme.mode != Mode.PROGRAMME
    ):
        raise StateConflict(_("This programme is not taking applications."))
    fields = _clean_application(programme, data)
    if not permissions.may_apply(by, programme, data.side):
        raise NotAllowed(
            _("This programme does not take %(side)s applications from you.")
            % {"side": Application.Side(data.side).label.lower()}
        )
    if Application.objects.filter(programme=programme, user=by).exists():
        raise StateConflict(_("You have already applied to this programme."))
    try:
        with transaction.atomic():
            application = Application.objects.create(
                programme=programme, user=by, **fields
            )
    except IntegrityError:
        raise StateConflict(_("You have already applied to this programme.")) from None
    application.topics.set(list(dict.fromkeys(data.topics)))
    application.sectors.set(list(dict.fromkeys(data.sectors)))
    application.regions.set(list(dict.fromkeys(data.regions)))
    audit.record(
        "mentoring.applied", actor=by, target=application, side=application.side
    )
    return application


@transaction.atomic
def withdraw_application(application: Application, *, by: User) -> Application:
    """The applicant withdraws; open requests go, an active pair stays to close."""
    if application.user_id != by.pk:
        raise NotAllowed(_("Only the applicant can withdraw an application."))
    if application.status == Application.Status.WITHDRAWN:
        raise StateConflict(_("This application is already withdrawn."))
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status"])
    Pair.objects.filter(status=Pair.Status.PROPOSED).filter(mentee=application).delete()
    Pair.objects.filter(status=Pair.Status.PROPOSED, mentor=application).delete()
    _withdraw_requests(
        MentorRequest.objects.filter(
            status__in=[MentorRequest.Status.QUEUED, MentorRequest.Status.WAITING],
            mentee=application,
        )
    )
    for waiting in MentorRequest.objects.filter(
        mentor=application, status=MentorRequest.Status.WAITING
    ).select_related("mentee__user", "programme", "mentor__user__profile"):
        waiting.status = MentorRequest.Status.DECLINED
        waiting.decided_at = timezone.now()
        waiting.save(update_fields=["status", "decided_at"])
        _advance(waiting.mentee, reason="declined")
    MentorRequest.objects.filter(
        mentor=application, status=MentorRequest.Status.QUEUED
    ).update(status=MentorRequest.Status.WITHDRAWN)
    audit.record("mentoring.application_withdrawn", actor=by, target=application)
    return application


@transaction.atomic
def forbid_pair(
    programme: MentoringProgramme,
    *,
    by: User,
    mentee: Application,
    mentor: Application,
) -> ForbiddenPair:
    """Record a pair that must not be made; a proposed pair like it goes."""
    permissions.require_runner(by, programme)
    _check_sides(programme, mentee, mentor)
    forbidden, _created = ForbiddenPair.objects.get_or_create(
        programme=programme, mentee=mentee, mentor=mentor
    )
    Pair.objects.filter(
        programme=programme, mentee=mentee, mentor=mentor, status=Pair.Status.PROPOSED
    ).delete()
    audit.record(
        "mentoring.pair_forbidden", actor=by, target=programme, mentee=mentee.pk
    )
    return forbidden


@transaction.atomic
def allow_pair(forbidden: ForbiddenPair, *, by: User) -> None:
    permissions.require_runner(by, forbidden.programme)
    forbidden.delete()


# --- programme-wide matching ----------------------------------------------------------


def _check_sides(
    programme: MentoringProgramme, mentee: Application, mentor: Application
) -> None:
    if (
        mentee.programme_id != programme.pk
        or mentor.programme_id != programme.pk
        or mentee.side != Application.Side.MENTEE
        or mentor.side != Application.Side.MENTOR
    ):
        raise MentoringError(
            _("Choose a mentee and a mentor who applied to this programme.")
        )
    if Application.Status.WITHDRAWN in (mentee.status, mentor.status):
        raise PairRefused(_("One of them has withdrawn their application."))


def _require_programme_mode(programme: MentoringProgramme) -> None:
    if programme.mode != Mode.PROGRAMME:
        raise StateConflict(
            _("This programme's mentees choose their mentors themselves.")
        )
    if programme.status not in (Status.OPEN, Status.MATCHING, Status.RUNNING):
        raise StateConflict(_("Open the programme for applications first."))


@transaction.atomic
def run_matching(
    programme: MentoringProgramme, *, by: User, objective: str | None = None
) -> mentor_matching.Matching:
    """Run the optimiser over everyone not yet matched; its pairs become proposals
    (earlier proposals are replaced). The programme moves to "matching"."""
    permissions.require_runner(by, programme)
    _require_programme_mode(programme)
    programme = MentoringProgramme.objects.select_for_update().get(pk=programme.pk)
    if objective is not None:
        if objective not in MentoringProgramme.Objective.values:
            raise MentoringError(_("Choose an objective."), field="objective")
        programme.objective = objective
    programme.pairs.filter(status=Pair.Status.PROPOSED).delete()
    data = selectors.matching_input(programme)
    result = mentor_matching.match(
        data.mentees,
        data.mentors,
        programme.weights or mentor_matching.DEFAULT_WEIGHTS,
        data.rules,
        mode=programme.objective,
        seed=programme.pk,
    )
    Pair.objects.bulk_create(
        [
            Pair(
                programme=programme,
                mentee_id=p.mentee,
                mentor_id=p.mentor,
                source=Pair.Source.OPTIMISER,
                score=p.total,
                score_parts=p.parts,
            )
            for p in result.pairs
        ]
    )
    programme.last_run = {
        "at": timezone.now().isoformat(),
        "objective": programme.objective,
        "pairs": len(result.pairs),
        "unmatched": len(result.unmatched),
        "total": result.total,
        "gap": result.gap,
        "optimal": result.optimal,
    }
    if programme.status == Status.OPEN:
        programme.status = Status.MATCHING
    programme.updated_at = timezone.now()
    programme.save(update_fields=["last_run", "objective", "status", "updated_at"])
    audit.record(
        "mentoring.matching_run",
        actor=by,
        target=programme,
        pairs=len(result.pairs),
        unmatched=len(result.unmatched),
    )
    return result


def _refusal_reason(
    programme: MentoringProgramme, mentee: Application, mentor: Application
) -> str | None:
    """Why the rules refuse this pair, in words, or None."""
    data = selectors.candidates_for(programme, [mentee, mentor])
    rules = selectors.rules_of(programme)
    reason = mentor_matching.refusal(data[mentee.pk], data[mentor.pk], rules)
    return {
        None: None,
        "forbidden": _("The organiser has said this pair must not be made."),
        "same_organisation": _(
            "They belong to the same organisation, and this programme does not "
            "pair people within one organisation."
        ),
        "same_person": _("A person cannot mentor themselves."),
    }.get(reason, _("The programme's rules do not allow this pair."))


def _check_room(mentor: Application, *, ignoring: Pair | None = None) -> None:
    taken = Pair.objects.filter(
        mentor=mentor, status__in=[Pair.Status.PROPOSED, Pair.Status.ACTIVE]
    )
    if ignoring is not None:
        taken = taken.exclude(pk=ignoring.pk)
    if taken.count() >= mentor.capacity:
        raise PairRefused(
            _(
                "%(mentor)s is at capacity: they take at most %(n)d mentee(s) "
                "in this programme."
            )
            % {"mentor": mentor.user.profile.display_name, "n": mentor.capacity},
            field="mentor",
        )


def _check_pair(
    programme: MentoringProgramme,
    mentee: Application,
    mentor: Application,
    *,
    ignoring: Pair | None = None,
) -> None:
    _check_sides(programme, mentee, mentor)
    reason = _refusal_reason(programme, mentee, mentor)
    if reason:
        raise PairRefused(reason)
    _check_room(mentor, ignoring=ignoring)


@transaction.atomic
def add_pair(
    programme: MentoringProgramme,
    *,
    by: User,
    mentee: Application,
    mentor: Application,
) -> Pair:
    """The organiser proposes a pair by hand, within the rules and capacities."""
    permissions.require_runner(by, programme)
    _require_programme_mode(programme)
    MentoringProgramme.objects.select_for_update().get(pk=programme.pk)
    _check_pair(programme, mentee, mentor)
    if Pair.objects.filter(
        mentee=mentee, status__in=[Pair.Status.PROPOSED, Pair.Status.ACTIVE]
    ).exists():
        raise PairRefused(
            _("%(mentee)s already has a mentor in this programme.")
            % {"mentee": mentee.user.profile.display_name},
            field="mentee",
        )
    weights = programme.weights or mentor_matching.DEFAULT_WEIGHTS
    data = selectors.candidates_for(programme, [mentee, mentor])
    score = mentor_matching.score_pair(data[mentee.pk], data[mentor.pk], weights)
    pair = Pair.objects.create(
        programme=programme,
        mentee=mentee,
        mentor=mentor,
        source=Pair.Source.ORGANISER,
        score=score.total,
        score_parts=score.parts,
    )
    audit.record("mentoring.pair_added", actor=by, target=pair)
    return pair


@transaction.atomic
def remove_pair(pair: Pair, *, by: User) -> None:
    """The organiser removes a proposed pair before publishing."""
    permissions.require_runner(by, pair.programme)
    if pair.status != Pair.Status.PROPOSED:
        raise StateConflict(
            _("Only proposed pairs can be removed; close a running pair instead.")
        )
    audit.record("mentoring.pair_removed", actor=by, target=pair)
    pair.delete()


@transaction.atomic
def swap_mentors(first: Pair, second: Pair, *, by: User) -> tuple[Pair, Pair]:
    """Exchange the mentors of two proposed pairs, if the rules allow both."""
    programme = first.programme
    permissions.require_runner(by, programme)
    if first.programme_id != second.programme_id or first.pk == second.pk:
        raise MentoringError(_("Choose two different pairs of this programme."))
    if first.status != Pair.Status.PROPOSED or second.status != Pair.Status.PROPOSED:
        raise StateConflict(_("Only proposed pairs can be swapped."))
    for mentee, mentor in (
        (first.mentee, second.mentor),
        (second.mentee, first.mentor),
    ):
        reason = _refusal_reason(programme, mentee, mentor)
        if reason:
            raise PairRefused(reason)
    weights = programme.weights or mentor_matching.DEFAULT_WEIGHTS
    first.mentor, second.mentor = second.mentor, first.mentor
    data = selectors.candidates_for(
        programme, [first.mentee, first.mentor, second.mentee, second.mentor]
    )
    for pair in (first, second):
        score = mentor_matching.score_pair(
            data[pair.mentee_id], data[pair.mentor_id], weights
        )
        pair.score, pair.score_parts = score.total, score.parts
        pair.source = Pair.Source.ORGANISER
        pair.save(update_fields=["mentor", "score", "score_parts", "source"])
    audit.record("mentoring.pairs_swapped", actor=by, target=first, other=second.pk)
    return first, second


def _activate(pair: Pair, *, now: datetime) -> None:
    pair.status = Pair.Status.ACTIVE
    pair.matched_at = now
    pair.next_check_in_at = now + timedelta(weeks=pair.programme.check_in_weeks)
    pair.save(update_fields=["status", "matched_at", "next_check_in_at"])


def _tell_matched(pairs: Sequence[Pair]) -> None:
    for pair in pairs:
        programme = pair.programme
        notify(
            pair.mentee.user,
            kind="mentoring.matched",
            message=_(
                "You have been matched: %(mentor)s is your mentor in %(programme)s."
            )
            % {
                "mentor": pair.mentor.user.profile.display_name,
                "programme": programme.title,
            },
            url=pair.get_absolute_url(),
        )
        notify(
            pair.mentor.user,
            kind="mentoring.matched",
            message=_(
                "You have been matched: you are mentoring %(mentee)s in %(programme)s."
            )
            % {
                "mentee": pair.mentee.user.profile.display_name,
                "programme": programme.title,
            },
            url=pair.get_absolute_url(),
        )
        _emit(programme, "mentoring.matched", _pair_payload(pair))


@transaction.atomic
def publish_matching(programme: MentoringProgramme, *, by: User) -> list[Pair]:
    """Publish the proposed pairs: each side hears "You have been matched" and
    the programme runs."""
    permissions.require_runner(by, programme)
    _require_programme_mode(programme)
    locked = MentoringProgramme.objects.select_for_update().get(pk=programme.pk)
    pairs = list(
        selectors.pairs_with_people()
        .filter(programme=programme, status=Pair.Status.PROPOSED)
        .order_by("id")
    )
    if not pairs:
        raise StateConflict(_("There are no proposed pairs to publish."))
    now = timezone.now()
    for pair in pairs:
        pair.programme = locked
        _activate(pair, now=now)
    locked.status = Status.RUNNING
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    programme.status = locked.status
    _tell_matched(pairs)
    audit.record(
        "mentoring.matching_published", actor=by, target=locked, pairs=len(pairs)
    )
    return pairs


# --- suggested and self-match: requests -----------------------------------------------


def _withdraw_requests(requests: Iterable[MentorRequest]) -> None:
    ids = [r.pk for r in requests]
    MentorRequest.objects.filter(pk__in=ids).update(
        status=MentorRequest.Status.WITHDRAWN, decided_at=timezone.now()
    )


def _make_waiting(request: MentorRequest, *, now: datetime) -> None:
    request.status = MentorRequest.Status.WAITING
    request.expires_at = now + timedelta(days=request.programme.request_days)
    request.save(update_fields=["status", "expires_at"])
    notify(
        request.mentor.user,
        kind="mentoring.request_waiting",
        message=_(
            "%(mentee)s asks you to be their mentor in %(programme)s. "
            "Please answer within %(days)d days."
        )
        % {
            "mentee": request.mentee.user.profile.display_name,
            "programme": request.programme.title,
            "days": request.programme.request_days,
        },
        url=selectors.requests_url(),
    )


def _advance(mentee: Application, *, reason: str) -> MentorRequest | None:
    """Move the mentee's list on to their next choice that still has room."""
    now = timezone.now()
    for following in (
        MentorRequest.objects.filter(mentee=mentee, status=MentorRequest.Status.QUEUED)
        .select_related("programme", "mentor__user__profile", "mentee__user__profile")
        .order_by("rank", "id")
    ):
        if following.mentor.status == Application.Status.WITHDRAWN or (
            selectors.open_load(following.mentor) >= following.mentor.capacity
        ):
            following.status = MentorRequest.Status.WITHDRAWN
            following.save(update_fields=["status"])
            continue
        _make_waiting(following, now=now)
        notify(
            mentee.user,
            kind="mentoring.request_moved",
            message=(
                _("Your request expired; it has moved to your next choice, %(mentor)s.")
                if reason == "expired"
                else _("Your request was declined; it has moved to %(mentor)s.")
            )
            % {"mentor": following.mentor.user.profile.display_name},
            url=selectors.requests_url(),
        )
        return following
    notify(
        mentee.user,
        kind="mentoring.request_moved",
        message=_(
            "None of the mentors you asked could take you on. Browse the mentors "
            "again and send a new request."
        ),
        url=mentee.programme.get_absolute_url(),
    )
    return None


@transaction.atomic
def request_mentors(
    programme: MentoringProgramme,
    *,
    by: User,
    mentors: Sequence[Application],
    message: str = "",
) -> list[MentorRequest]:
    """A mentee asks mentors, best first: the first is asked now, the next only if
    the earlier one declines or does not answer within the programme's days.

    Suggested mode takes one of the mentee's suggestions; self-match up to five.
    """
    _require_member(by)
    if programme.mode == Mode.PROGRAMME:
        raise StateConflict(_("In this programme the organiser matches everyone."))
    if programme.status not in (Status.OPEN, Status.RUNNING):
        raise StateConflict(_("This programme is not taking requests."))
    mentee = Application.objects.filter(
        programme=programme,
        user=by,
        side=Application.Side.MENTEE,
        status=Application.Status.SUBMITTED,
    ).first()
    if mentee is None:
        raise NotAllowed(_("Apply as a mentee first."))
    message = _text(message, field="message", limit=1000, optional=True)
    chosen = list(dict.fromkeys(mentors))
    limit = 1 if programme.mode == Mode.SUGGESTED else MAX_REQUESTS
    if not chosen:
        raise MentoringError(_("Choose a mentor."), field="mentors")
    if len(chosen) > limit:
        raise MentoringError(
            _("Choose at most %(n)d mentor(s).") % {"n": limit}, field="mentors"
        )
    if Pair.objects.filter(
        mentee=mentee, status__in=[Pair.Status.PROPOSED, Pair.Status.ACTIVE]
    ).exists():
        raise StateConflict(_("You already have a mentor in this programme."))
    if MentorRequest.objects.filter(
        mentee=mentee,
        status__in=[MentorRequest.Status.QUEUED, MentorRequest.Status.WAITING],
    ).exists():
        raise StateConflict(
            _("You are already waiting for an answer; withdraw that request first.")
        )
    if programme.mode == Mode.SUGGESTED:
        allowed = {s.mentor.pk for s in selectors.suggestions_for(mentee)}
        if chosen[0].pk not in allowed:
            raise PairRefused(
                _("Choose one of the mentors suggested to you."), field="mentors"
            )
    for mentor in chosen:
        _check_pair(programme, mentee, mentor)
    now = timezone.now()
    requests = MentorRequest.objects.bulk_create(
        [
            MentorRequest(
                programme=programme,
                mentee=mentee,
                mentor=mentor,
                rank=rank,
                message=message,
            )
            for rank, mentor in enumerate(chosen, start=1)
        ]
    )
    for request in requests:
        request.programme = programme
    _make_waiting(requests[0], now=now)
    audit.record(
        "mentoring.mentors_requested", actor=by, target=mentee, mentors=len(chosen)
    )
    return requests


@transaction.atomic
def withdraw_requests(programme: MentoringProgramme, *, by: User) -> int:
    """The mentee withdraws their open requests to start a new list."""
    requests = list(
        MentorRequest.objects.filter(
            programme=programme,
            mentee__user=by,
            status__in=[MentorRequest.Status.QUEUED, MentorRequest.Status.WAITING],
        )
    )
    if not requests:
        raise StateConflict(_("You have no open requests."))
    _withdraw_requests(requests)
    return len(requests)


@transaction.atomic
def decide_request(request: MentorRequest, *, by: User, accept: bool) -> MentorRequest:
    """The mentor accepts (a pair starts) or declines (the request moves on).

    An expired request, or one beyond the mentor's capacity, is refused.
    """
    if request.mentor.user_id != by.pk:
        raise NotAllowed(_("Only the mentor asked can answer this request."))
    request = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("programme", "mentee__user__profile", "mentor__user__profile")
        .get(pk=request.pk)
    )
    now = timezone.now()
    if request.status == MentorRequest.Status.EXPIRED or (
        request.status == MentorRequest.Status.WAITING
        and request.expires_at is not None
        and request.expires_at <= now
    ):
        raise StateConflict(
            _(
                "This request expired: you had %(days)d days to answer, and it has "
                "moved to the mentee's next choice."
            )
            % {"days": request.programme.request_days}
        )
    if request.status != MentorRequest.Status.WAITING:
        raise StateConflict(_("This request has already been answered or withdrawn."))
    request.decided_at = now
    if not accept:
        request.status = MentorRequest.Status.DECLINED
        request.save(update_fields=["status", "decided_at"])
        _advance(request.mentee, reason="declined")
        audit.record("mentoring.request_declined", actor=by, target=request)
        return request
    _check_room(request.mentor)
    if request.programme.status == Status.CLOSED:
        raise StateConflict(_("This programme is closed."))
    score = mentor_matching.score_pair(
        *(
            selectors.candidates_for(
                request.programme, [request.mentee, request.mentor]
            )[a.pk]
            for a in (request.mentee, request.mentor)
        ),
        request.programme.weights or mentor_matching.DEFAULT_WEIGHTS,
    )
    try:
        with transaction.atomic():
            pair = Pair.objects.create(
                programme=request.programme,
                mentee=request.mentee,
                mentor=request.mentor,
                source=Pair.Source.REQUEST,
                score=score.total,
                score_parts=score.parts,
            )
    except IntegrityError:
        raise StateConflict(_("This mentee already has a mentor.")) from None
    _activate(pair, now=now)
    request.status = MentorRequest.Status.ACCEPTED
    request.save(update_fields=["status", "decided_at"])
    _withdraw_requests(
        MentorRequest.objects.filter(
            mentee=request.mentee, status=MentorRequest.Status.QUEUED
        )
    )
    _tell_matched([pair])
    audit.record("mentoring.request_accepted", actor=by, target=request)
    return request


def move_expired_requests(*, now: datetime | None = None) -> int:
    """Expire waiting requests past their time and move each mentee on to their
    next choice; return how many expired."""
    now = now or timezone.now()
    moved = 0
    due = MentorRequest.objects.filter(
        status=MentorRequest.Status.WAITING, expires_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due[:1000]):
        with transaction.atomic():
            request = (
                MentorRequest.objects.select_for_update(of=("self",))
                .select_related("programme", "mentee__user", "mentor__user__profile")
                .get(pk=pk)
            )
            if request.status != MentorRequest.Status.WAITING:
                continue
            request.status = MentorRequest.Status.EXPIRED
            request.decided_at = now
            request.save(update_fields=["status", "decided_at"])
            notify(
                request.mentor.user,
                kind="mentoring.request_moved",
                message=_(
                    "A mentoring request in %(programme)s expired before you "
                    "answered; it has moved on."
                )
                % {"programme": request.programme.title},
                url=selectors.requests_url(),
            )
            _advance(request.mentee, reason="expired")
            moved += 1
    return moved


# --- the pair's workspace -------------------------------------------------------------


def _require_open_workspace(pair: Pair, by: User) -> None:
    permissions.require_party(by, pair)
    if pair.status != Pair.Status.ACTIVE:
        raise StateConflict(_("This mentoring pair is closed."))


@transaction.atomic
def update_agreement(pair: Pair, *, by: User, text: str) -> Pair:
    """Write down the pair's mentoring agreement (either side)."""
    _require_open_workspace(pair, by)
    pair.agreement = _markdown(
        text,
        field="agreement",
        limit=8000,
        missing=_("Write down what you agree: how often you meet, how, and goals."),
    )
    pair.agreement_updated_at = timezone.now()
    pair.save(update_fields=["agreement", "agreement_updated_at"])
    return pair


@transaction.atomic
def add_goal(
    pair: Pair,
    *,
    by: User,
    title: str,
    milestones: Sequence[tuple[str, date | None]] = (),
) -> Goal:
    _require_open_workspace(pair, by)
    title = _text(title, field="title", limit=200, missing=_("Name the goal."))
    if pair.goals.count() >= 20:
        raise MentoringError(_("A pair has at most 20 goals."), field="title")
    if len(milestones) > 10:
        raise MentoringError(_("A goal has at most 10 milestones."), field="milestones")
    rows = [
        (_text(m, field="milestones", limit=200, optional=True), due)
        for m, due in milestones
    ]
    goal = Goal.objects.create(pair=pair, title=title)
    Milestone.objects.bulk_create(
        [Milestone(goal=goal, title=t, due_on=due) for t, due in rows if t]
    )
    return goal


@transaction.atomic
def add_milestone(
    goal: Goal, *, by: User, title: str, due_on: date | None
) -> Milestone:
    _require_open_workspace(goal.pair, by)
    if goal.milestones.count() >= 10:
        raise MentoringError(_("A goal has at most 10 milestones."), field="title")
    return Milestone.objects.create(
        goal=goal,
        title=_text(title, field="title", limit=200, missing=_("Name the milestone.")),
        due_on=due_on,
    )


@transaction.atomic
def mark_done(
    item: Goal | Milestone, *, by: User, done: bool = True
) -> Goal | Milestone:
    """Tick a goal or a milestone done (or not done again)."""
    pair = item.pair if isinstance(item, Goal) else item.goal.pair
    _require_open_workspace(pair, by)
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done_at"])
    return item


@transaction.atomic
def log_session(
    pair: Pair,
    *,
    by: User,
    starts_at: datetime,
    duration_minutes: int = 60,
    summary: str = "",
) -> Session:
    """Log a session (held or planned), with a fresh video room for it."""
    _require_open_workspace(pair, by)
    if starts_at is None or timezone.is_naive(starts_at):
        raise MentoringError(_("Give the date and time."), field="starts_at")
    if abs(starts_at - timezone.now()) > timedelta(days=366 * 2):
        raise MentoringError(
            _("Choose a date within two years from today."), field="starts_at"
        )
    session = Session.objects.create(
        pair=pair,
        starts_at=starts_at,
        duration_minutes=_number(
            duration_minutes, field="duration_minutes", low=5, high=MAX_SESSION_MINUTES
        ),
        summary=_text(summary, field="summary", limit=2000, optional=True),
        room_url=room_url("mentoring"),
        logged_by=by,
    )
    if pair.quiet_since is not None and starts_at <= timezone.now():
        pair.quiet_since = None
        pair.save(update_fields=["quiet_since"])
    return session


@transaction.atomic
def add_note(pair: Pair, *, by: User, body: str) -> Note:
    """A private note: only `by` will ever see it."""
    permissions.require_party(by, pair)
    return Note.objects.create(
        pair=pair,
        author=by,
        body=_text(body, field="body", limit=8000, missing=_("Write the note.")),
    )


@transaction.atomic
def delete_note(note: Note, *, by: User) -> None:
    if note.author_id != by.pk:
        raise NotAllowed(_("Only the author can delete a note."))
    note.delete()


@transaction.atomic
def check_in(
    pair: Pair, *, by: User, still_meeting: bool, comment: str = ""
) -> CheckIn:
    """Answer "still meeting?"; a no tells the organisers."""
    _require_open_workspace(pair, by)
    if not isinstance(still_meeting, bool):
        raise MentoringError(_("Answer yes or no."), field="still_meeting")
    answer = CheckIn.objects.create(
        pair=pair,
        author=by,
        still_meeting=still_meeting,
        comment=_text(comment, field="comment", limit=1000, optional=True),
    )
    now = timezone.now()
    pair.next_check_in_at = now + timedelta(weeks=pair.programme.check_in_weeks)
    if still_meeting:
        pair.quiet_since = None
    elif pair.quiet_since is None:
        pair.quiet_since = now
        _tell_quiet(pair)
    pair.save(update_fields=["next_check_in_at", "quiet_since"])
    return answer


def _tell_quiet(pair: Pair) -> None:
    notify_many(
        organisers(pair.programme),
        kind="mentoring.pair_quiet",
        message=_("A pair in %(programme)s seems to have stopped meeting.")
        % {"programme": pair.programme.title},
        url=selectors.dashboard_url(pair.programme),
    )


@transaction.atomic
def close_out(pair: Pair, *, by: User, rating: int, comment: str = "") -> Feedback:
    """Close the pair with feedback; the other side can still add theirs."""
    permissions.require_party(by, pair)
    rating = _number(rating, field="rating", low=1, high=5)
    comment = _text(comment, field="comment", limit=4000, optional=True)
    if Feedback.objects.filter(pair=pair, author=by).exists():
        raise StateConflict(_("You have already given your feedback."))
    feedback = Feedback.objects.create(
        pair=pair, author=by, rating=rating, comment=comment
    )
    if pair.status == Pair.Status.ACTIVE:
        pair.status = Pair.Status.CLOSED
        pair.closed_at = timezone.now()
        pair.save(update_fields=["status", "closed_at"])
        other = pair.mentor.user if by.pk == pair.mentee.user_id else pair.mentee.user
        notify(
            other,
            kind="mentoring.closed",
            message=_(
                "Your mentoring pair in %(programme)s is closed. Add your feedback "
                "when you can."
            )
            % {"programme": pair.programme.title},
            url=pair.get_absolute_url(),
            actor=by,
        )
        _emit(pair.programme, "mentoring.pair_closed", _pair_payload(pair))
        audit.record("mentoring.pair_closed", actor=by, target=pair)
    return feedback


def prompt_check_ins(*, now: datetime | None = None) -> tuple[int, int]:
    """Ask each due pair "still meeting?" and tell organisers about pairs without a
    session for a whole check-in period. Return (prompted, went quiet)."""
    now = now or timezone.now()
    prompted = quiet = 0
    due = (
        selectors.pairs_with_people()
        .filter(status=Pair.Status.ACTIVE, next_check_in_at__lte=now)
        .order_by("id")
    )
    for pair in list(due[:1000]):
        with transaction.atomic():
            weeks = pair.programme.check_in_weeks
            notify_many(
                [pair.mentee.user, pair.mentor.user],
                kind="mentoring.check_in_due",
                message=_("Still meeting? Check in on your mentoring in %(programme)s.")
                % {"programme": pair.programme.title},
                url=pair.get_absolute_url() + "#check-in",
            )
            prompted += 1
            since = now - timedelta(weeks=weeks)
            met = pair.sessions.filter(
                starts_at__gte=since, starts_at__lte=now
            ).exists()
            if (
                not met
                and pair.quiet_since is None
                and pair.matched_at is not None
                and pair.matched_at <= since
            ):
                pair.quiet_since = now
                _tell_quiet(pair)
                quiet += 1
            pair.next_check_in_at = now + timedelta(weeks=weeks)
            pair.save(update_fields=["next_check_in_at", "quiet_since"])
    return prompted, quiet
