"""Writes for referrals: create with consent, move through the lifecycle, talk,
record outcomes, and log every view, change, export and share.

Every rule lives here once; pages and the API call these functions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.algorithms import referral_flow as flow
from kindred.consents import services as consent_ledger
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.markdown import problems
from kindred.directory.models import Service
from kindred.notifications.services import notify_many
from kindred.organisations import selectors as organisation_selectors
from kindred.organisations.models import Organisation
from kindred.referrals import selectors, signals
from kindred.referrals.models import (
    NOTICE_VERSION,
    SHAREABLE_CODES,
    Consent,
    Event,
    LogEntry,
    Message,
    Outcome,
    Referral,
)
from kindred.webhooks.services import emit

DECLINE_REASONS = (
    Referral.Reason.NOT_ELIGIBLE,
    Referral.Reason.NO_CAPACITY,
    Referral.Reason.COULD_NOT_CONTACT,
    Referral.Reason.OTHER,
)
CLOSE_REASONS = (
    Referral.Reason.COULD_NOT_CONTACT,
    Referral.Reason.NO_LONGER_NEEDED,
    Referral.Reason.OTHER,
)
MAX_CONSENT_DAYS = 730


class ReferralError(KindredError):
    pass


class IllegalMove(KindredError):
    """The lifecycle does not allow this change now (HTTP 409)."""

    status_code = 409
    code = "illegal_transition"


class ConsentMissing(NotAllowed):
    """The entrepreneur's consent is missing, expired or withdrawn (HTTP 403)."""

    code = "consent_required"


# --- logging ----------------------------------------------------------------------


def log(
    referral: Referral,
    *,
    actor: User | None,
    action: str,
    party: str = "",
    **detail: Any,
) -> LogEntry:
    """Append one entry to the referral's log."""
    organisation_id = (
        selectors.acting_organisation(actor, referral, party)
        if actor is not None and party
        else None
    )
    entry = LogEntry.objects.create(
        referral=referral,
        actor=actor if actor is not None and actor.is_authenticated else None,
        party=party,
        organisation_id=organisation_id,
        action=action,
        detail=detail,
    )
    consent_ledger.referral_accessed([entry])
    return entry


def record_view(referral: Referral, *, by: User) -> None:
    """Log that `by` looked at the referral (and saw the shared details or not)."""
    parties = selectors.parties_of(by, referral)
    party = selectors.main_party(parties)
    shared = party == flow.RECEIVER and selectors.receiver_may_see_details(referral)
    log(
        referral,
        actor=by,
        action=LogEntry.Action.SHARED if shared else LogEntry.Action.VIEWED,
        party=party,
    )


def record_list_shares(referrals: list[Referral], *, by: User) -> None:
    """Log a share for each listed referral whose shared details `by` received."""
    now = timezone.now()
    shares = LogEntry.objects.bulk_create(
        [
            LogEntry(
                referral=r,
                actor=by,
                party=flow.RECEIVER,
                organisation_id=r.receiving_organisation_id,
                action=LogEntry.Action.SHARED,
                at=now,
                detail={"via": "list"},
            )
            for r in referrals
            if selectors.parties_of(by, r) == {flow.RECEIVER} and r.consent_valid
        ]
    )
    consent_ledger.referral_accessed(shares)


def record_export(referrals: list[Referral], *, by: User, party: str) -> None:
    """Log one export entry per referral exported, in one insert."""
    now = timezone.now()
    exports = LogEntry.objects.bulk_create(
        [
            LogEntry(
                referral=r,
                actor=by,
                party=party,
                organisation_id=selectors.acting_organisation(by, r, party),
                action=LogEntry.Action.EXPORTED,
                at=now,
            )
            for r in referrals
        ],
        batch_size=1000,
    )
    consent_ledger.referral_accessed(exports)


# --- creating ---------------------------------------------------------------------


@dataclass
class ConsentInput:
    """What the entrepreneur agrees to share, why and until when, and how."""

    fields: list[str]
    purpose: str
    expires_on: date
    method: str = Consent.Method.IN_APP
    given_on: date | None = None
    notice_version: str = NOTICE_VERSION


def _check_consent_input(consent: ConsentInput, *, self_referral: bool) -> None:
    unknown = set(consent.fields) - set(SHAREABLE_CODES)
    if unknown:
        raise ReferralError(
            _("Unknown detail to share: %(what)s.")
            % {"what": ", ".join(sorted(unknown))},
            field="fields",
        )
    if not consent.fields:
        raise ReferralError(
            _("Choose at least one detail the receiver may see."), field="fields"
        )
    if not consent.purpose.strip():
        raise ReferralError(
            _("Say what the details will be used for."), field="purpose"
        )
    today = timezone.localdate()
    if consent.expires_on < today:
        raise ReferralError(
            _("The consent must be valid until today or later."), field="expires_on"
        )
    if consent.expires_on > today + timedelta(days=MAX_CONSENT_DAYS):
        raise ReferralError(
            _("Consent can be given for at most two years."), field="expires_on"
        )
    if consent.method not in Consent.Method.values:
        raise ReferralError(_("Choose how consent was given."), field="method")
    if self_referral and consent.method != Consent.Method.IN_APP:
        raise ReferralError(
            _("When you refer yourself, you give consent here."), field="method"
        )
    if consent.method != Consent.Method.IN_APP:
        if consent.given_on is None:
            raise ReferralError(
                _("Give the date the entrepreneur agreed."), field="given_on"
            )
        if consent.given_on > today:
            raise ReferralError(
                _("The date consent was given cannot be in the future."),
                field="given_on",
            )
        if not consent.notice_version.strip():
            raise ReferralError(
                _("Say which version of the privacy notice they were shown."),
                field="notice_version",
            )


def _check_text(text: str, field: str) -> None:
    found = problems(text)
    if found:
        raise ReferralError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )


@transaction.atomic
def create_referral(
    *,
    by: User,
    entrepreneur: User,
    consent: ConsentInput,
    service: Service | None = None,
    organisation: Organisation | None = None,
    person: User | None = None,
    from_organisation: Organisation | None = None,
    note: str = "",
    wellbeing_note: str = "",
    client_token: uuid.UUID | None = None,
    redirected_from: Referral | None = None,
) -> Referral:
    """Refer `entrepreneur` to a service, an organisation or a practitioner.

    Entrepreneurs may refer themselves to a service: their consent is given as
    they send. A practitioner refers on behalf of one of their organisations,
    either recording the consent the entrepreneur gave them (method, date and
    notice version), and then the referral is sent at once, or asking for it in
    Kindred, and then it waits as a draft until the entrepreneur agrees.

    The same `client_token` from the same person returns the first referral, so a
    double-clicked Send creates one.
    """
    if client_token is not None:
        existing = Referral.objects.filter(
            referrer=by, client_token=client_token
        ).first()
        if existing is not None:
            return existing
    self_referral = by.pk == entrepreneur.pk
    receiving = _receiver(service, organisation, person)
    if self_referral:
        if service is None:
            raise ReferralError(
                _("Choose the service you want to ask for."), field="service"
            )
        from_organisation = None
    else:
        if from_organisation is None:
            staff = selectors.staff_organisation_ids(by)
            if not staff:
                raise NotAllowed(
                    _("Only practitioners of an organisation can refer others.")
                )
            from_organisation = Organisation.objects.get(pk=staff[0])
        elif from_organisation.pk not in selectors.staff_organisation_ids(by):
            raise NotAllowed(_("You can refer only for an organisation you work for."))
        if from_organisation.pk == receiving.pk:
            raise ReferralError(
                _("Refer to another organisation; this one is your own."),
                field="service",
            )
        if not entrepreneur.is_active or entrepreneur.suspended_at:
            raise ReferralError(
                _("That person cannot be referred."), field="entrepreneur"
            )
    if person is not None and person.pk == entrepreneur.pk:
        raise ReferralError(_("Choose someone else to refer to."), field="person")
    if receiving.pk in selectors.staff_organisation_ids(entrepreneur):
        raise ReferralError(
            _(
                "%(person)s works for %(org)s; referrals are for the businesses "
                "it helps."
            )
            % {"person": entrepreneur.profile.display_name, "org": receiving.name},
            field="entrepreneur" if not self_referral else "service",
        )
    _check_consent_input(consent, self_referral=self_referral)
    _check_text(note, "note")
    if len(note) > 4000 or len(wellbeing_note) > 2000:
        raise ReferralError(_("Keep the note shorter."), field="note")
    referral = Referral(
        entrepreneur=entrepreneur,
        referrer=by,
        referring_organisation=from_organisation,
        service=service,
        service_name=service.name if service is not None else "",
        receiving_organisation=receiving,
        receiving_person=person,
        note=note.strip(),
        wellbeing_note=wellbeing_note.strip(),
        client_token=client_token,
        redirected_from=redirected_from,
    )
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        return Referral.objects.get(referrer=by, client_token=client_token)
    recorded = consent.method != Consent.Method.IN_APP
    given = self_referral or recorded
    new_consent = Consent.objects.create(
        referral=referral,
        receiving_organisation=receiving,
        fields=sorted(set(consent.fields), key=SHAREABLE_CODES.index),
        purpose=consent.purpose.strip()[:300],
        expires_on=consent.expires_on,
        method=consent.method,
        notice_version=consent.notice_version.strip()[:20],
        given_on=(consent.given_on if recorded else timezone.localdate())
        if given
        else None,
        recorded_by=by if recorded else None,
        status=Consent.Status.GIVEN if given else Consent.Status.REQUESTED,
        answered_at=timezone.now() if given else None,
    )
    if given:
        consent_ledger.referral_consent_given(new_consent, by=by)
    party = flow.ENTREPRENEUR if self_referral else flow.REFERRER
    Event.objects.create(referral=referral, to_status=flow.DRAFT, by=by, party=party)
    log(referral, actor=by, action=LogEntry.Action.CREATED, party=party)
    if given:
        if recorded:
            log(
                referral,
                actor=by,
                action=LogEntry.Action.CONSENT,
                party=party,
                recorded=consent.method,
            )
        _send(referral, by=by, party=flow.REFERRER)
        if recorded:
            notify_many(
                [entrepreneur],
                kind="referrals.updated",
                message=_(
                    "%(person)s referred you to %(target)s with the consent you gave. "
                    "See what is shared, or withdraw, at any time."
                )
                % {"person": by.profile.display_name, "target": referral.target_name},
                url=referral.get_absolute_url(),
                actor=by,
            )
    else:
        notify_many(
            [entrepreneur],
            kind="referrals.consent_requested",
            message=_(
                "%(person)s would like to refer you to %(target)s. "
                "Nothing is shared until you agree."
            )
            % {"person": by.profile.display_name, "target": referral.target_name},
            url=referral.get_absolute_url(),
            actor=by,
        )
    return referral


def _receiver(
    service: Service | None, organisation: Organisation | None, person: User | None
) -> Organisation:
    chosen = [x for x in (service, organisation, person) if x is not None]
    if len(chosen) != 1:
        raise ReferralError(
            _("Choose one service, organisation or practitioner to refer to."),
            field="service",
        )
    if service is not None:
        if service.status != Service.Status.ACTIVE:
            raise ReferralError(
                _("This service is not taking referrals at the moment."),
                field="service",
            )
        return service.organisation
    if organisation is not None:
        if not organisation.is_active:
            raise ReferralError(_("No such organisation."), field="organisation")
        return organisation
    assert person is not None
    staff = selectors.staff_organisation_ids(person)
    if not staff or not person.is_active:
        raise ReferralError(
            _("You can refer only to a practitioner of an organisation."),
            field="person",
        )
    return Organisation.objects.get(pk=staff[0])


def _send(referral: Referral, *, by: User, party: str) -> None:
    flow.check(referral.status, flow.SENT, party)
    now = timezone.now()
    days = referral.service.response_days if referral.service is not None else 3
    referral.status = flow.SENT
    referral.sent_at = now
    referral.due_at = flow.add_working_days(now, days)
    referral.save(update_fields=["status", "sent_at", "due_at", "updated_at"])
    _reports_changed(referral)
    Event.objects.create(
        referral=referral,
        from_status=flow.DRAFT,
        to_status=flow.SENT,
        by=by,
        party=party,
    )
    log(referral, actor=by, action=LogEntry.Action.CHANGED, party=party, to=flow.SENT)
    receivers = _receiver_people(referral)
    notify_many(
        receivers,
        kind="referrals.received",
        message=_("A new referral for %(target)s, from %(source)s.")
        % {"target": referral.target_name, "source": _source_name(referral)},
        url=referral.get_absolute_url(),
        actor=by,
    )
    emit(
        referral.receiving_organisation,
        "referral.received",
        _webhook_data(referral),
    )


def _reports_changed(referral: Referral) -> None:
    """Once committed, the two organisations' cached reports are out of date."""
    organisations = (
        referral.receiving_organisation_id,
        referral.referring_organisation_id,
    )
    transaction.on_commit(lambda: selectors.invalidate_reports(*organisations))


def _source_name(referral: Referral) -> str:
    if referral.referring_organisation is not None:
        return referral.referring_organisation.name
    return _("the entrepreneur themselves")


def _receiver_people(referral: Referral) -> list[User]:
    if referral.receiving_person is not None:
        return [referral.receiving_person]
    return organisation_selectors.admins_of(referral.receiving_organisation)


def _referrer_people(referral: Referral) -> list[User]:
    people = [referral.referrer] if referral.referrer is not None else []
    return [p for p in people if p.pk != referral.entrepreneur_id]


def _webhook_data(referral: Referral) -> dict[str, Any]:
    """What a webhook says about a referral: codes and ids, never personal details."""
    return {
        "referral": {
            "id": referral.pk,
            "status": referral.status,
            "service_id": referral.service_id,
            "receiving_organisation": referral.receiving_organisation.slug,
            "referring_organisation": (
                referral.referring_organisation.slug
                if referral.referring_organisation is not None
                else None
            ),
            "sent_at": referral.sent_at.isoformat() if referral.sent_at else None,
            "updated_at": timezone.now().isoformat(),
        }
    }


# --- consent ----------------------------------------------------------------------


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related(
            "receiving_organisation",
            "referring_organisation",
            "service",
            "entrepreneur__profile",
            "referrer__profile",
        )
        .get(pk=referral.pk)
    )


@transaction.atomic
def answer_consent(
    referral: Referral, *, by: User, give: bool, fields: list[str] | None = None
) -> Referral:
    """The entrepreneur agrees (the referral is sent) or says no (it is withdrawn).

    Agreeing, they may narrow what is shared to `fields`.
    """
    referral = _lock(referral)
    if referral.entrepreneur_id != by.pk:
        raise NotAllowed(_("Only the person referred can answer this."))
    consent = Consent.objects.select_for_update().get(referral=referral)
    if consent.status != Consent.Status.REQUESTED:
        raise IllegalMove(_("This consent request has already been answered."))
    now = timezone.now()
    consent.answered_at = now
    if give:
        if fields is not None:
            chosen = [f for f in consent.fields if f in set(fields)]
            if not chosen:
                raise ReferralError(
                    _("Choose at least one detail the receiver may see."),
                    field="fields",
                )
            consent.fields = chosen
        if consent.expires_on < timezone.localdate():
            raise ConsentMissing(_("This consent request has expired."))
        consent.status = Consent.Status.GIVEN
        consent.given_on = timezone.localdate()
        consent.save()
        consent_ledger.referral_consent_given(consent, by=by)
        log(
            referral,
            actor=by,
            action=LogEntry.Action.CONSENT,
            party=flow.ENTREPRENEUR,
            given=True,
            fields=consent.fields,
        )
        _send(referral, by=by, party=flow.REFERRER)
        _tell(
            _referrer_people(referral),
            referral,
            _("%(person)s agreed: your referral to %(target)s is sent.")
            % {"person": by.profile.display_name, "target": referral.target_name},
            by,
        )
        return referral
    consent.status = Consent.Status.DECLINED
    consent.save()
    log(
        referral,
        actor=by,
        action=LogEntry.Action.CONSENT,
        party=flow.ENTREPRENEUR,
        given=False,
    )
    _move(
        referral,
        by=by,
        party=flow.ENTREPRENEUR,
        to=flow.WITHDRAWN,
        reason=Referral.Reason.CONSENT_DECLINED,
    )
    return referral


@transaction.atomic
def withdraw_consent(referral: Referral, *, by: User) -> Referral:
    """Stop sharing with the receiver, in one step; an open referral is withdrawn.

    From the next request on, the receiver sees only that a referral existed.
    """
    referral = _lock(referral)
    if referral.entrepreneur_id != by.pk:
        raise NotAllowed(_("Only the person referred can withdraw their consent."))
    consent = Consent.objects.select_for_update().get(referral=referral)
    if consent.status not in (Consent.Status.GIVEN, Consent.Status.REQUESTED):
        raise IllegalMove(_("There is no consent to withdraw."))
    consent.status = Consent.Status.WITHDRAWN
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["status", "withdrawn_at"])
    consent_ledger.referral_consent_withdrawn(referral, by=by)
    log(
        referral,
        actor=by,
        action=LogEntry.Action.CONSENT,
        party=flow.ENTREPRENEUR,
        withdrawn=True,
    )
    if referral.status in flow.OPEN:
        _move(
            referral,
            by=by,
            party=flow.ENTREPRENEUR,
            to=flow.WITHDRAWN,
            reason=Referral.Reason.CONSENT_WITHDRAWN,
        )
    elif referral.sent_at is not None:
        _tell(
            _receiver_people(referral) + _referrer_people(referral),
            referral,
            _("The entrepreneur withdrew their consent on a referral to %(target)s.")
            % {"target": referral.target_name},
            by,
        )
    return referral


# --- the lifecycle ----------------------------------------------------------------


def _tell(people: list[User], referral: Referral, message: str, by: User) -> None:
    recipients = {p.pk: p for p in people if p is not None and p.pk != by.pk}
    if recipients:
        notify_many(
            list(recipients.values()),
            kind="referrals.updated",
            message=message,
            url=referral.get_absolute_url(),
            actor=by,
        )


def _move(
    referral: Referral,
    *,
    by: User,
    party: str,
    to: str,
    reason: str = "",
    note: str = "",
) -> Referral:
    before = referral.status
    now = timezone.now()
    referral.status = to
    fields = ["status", "updated_at"]
    if party == flow.RECEIVER and before == flow.SENT:
        referral.first_response_at = now
        referral.response_seconds = max(
            0, int((now - (referral.sent_at or now)).total_seconds())
        )
        fields += ["first_response_at", "response_seconds"]
    if to == flow.ACCEPTED:
        referral.accepted_at = now
        fields.append("accepted_at")
    if to in flow.FINAL:
        referral.finished_at = now
        fields.append("finished_at")
    if reason:
        referral.reason, referral.reason_note = reason, note[:500]
        fields += ["reason", "reason_note"]
    referral.save(update_fields=fields)
    _reports_changed(referral)
    Event.objects.create(
        referral=referral,
        from_status=before,
        to_status=to,
        by=by,
        party=party,
        reason=reason,
        note=note[:500],
    )
    log(referral, actor=by, action=LogEntry.Action.CHANGED, party=party, to=to)
    signals.referral_moved.send(
        sender=Referral, referral=referral, before=before, to=to, by=by
    )
    label = Referral.Status(to).label
    message = _("Referral to %(target)s: %(status)s.") % {
        "target": referral.target_name,
        "status": label,
    }
    people = [referral.entrepreneur] + _referrer_people(referral)
    if referral.sent_at is not None:
        people += _receiver_people(referral)
    _tell(people, referral, message, by)
    if referral.sent_at is not None:
        data = _webhook_data(referral)
        data["referral"]["previous_status"] = before
        organisations = {
            referral.receiving_organisation_id: referral.receiving_organisation
        }
        if referral.referring_organisation is not None:
            organisations[referral.referring_organisation_id] = (
                referral.referring_organisation
            )
        for organisation in organisations.values():
            emit(organisation, "referral.updated", data)
    return referral


def _party_for(user: User, referral: Referral, to: str) -> str:
    """The party `user` may act as to move `referral` to `to`, or raise."""
    parties = selectors.parties_of(user, referral)
    if not parties:
        raise NotAllowed(_("You are not part of this referral."))
    allowed = flow.parties_for(referral.status, to) & parties
    if allowed:
        return sorted(allowed)[0]
    try:
        flow.check(referral.status, to, selectors.main_party(parties))
    except flow.IllegalTransition as error:
        raise _illegal(referral, to, error.why) from None
    raise _illegal(referral, to, "wrong_party")  # pragma: no cover


def _illegal(referral: Referral, to: str, why: str) -> IllegalMove:
    status = Referral.Status(referral.status).label
    target = Referral.Status(to).label if to in Referral.Status.values else to
    if why == "final":
        return IllegalMove(
            _("This referral is already finished (%(status)s); it cannot change.")
            % {"status": status}
        )
    if why == "wrong_party":
        return IllegalMove(
            _("You cannot move this referral to “%(to)s”; another party does that.")
            % {"to": target}
        )
    return IllegalMove(
        _("A referral that is “%(status)s” cannot become “%(to)s”.")
        % {"status": status, "to": target}
    )


@dataclass
class OutcomeInput:
    kind: str
    amount: Decimal | None = None
    number: int | None = None
    note: str = ""


@transaction.atomic
def transition(
    referral: Referral,
    *,
    by: User,
    to: str,
    reason: str = "",
    note: str = "",
    redirect_to: Service | None = None,
    outcome: OutcomeInput | None = None,
) -> Referral:
    """Move the referral to `to`, if the lifecycle and `by`'s part in it allow.

    Declining needs a reason (and a note for "other"); closing without an outcome
    needs a reason; completing needs an outcome; redirecting names the service it
    goes to instead, which starts a linked referral needing fresh consent.
    """
    referral = _lock(referral)
    if to not in flow.STATES:
        raise ReferralError(_("Unknown status."), field="to")
    if to == flow.SENT:
        consent = selectors.consent_of(referral)
        if consent is None or not consent.is_valid():
            raise ConsentMissing(
                _("The entrepreneur has not given consent; nothing can be sent.")
            )
    party = _party_for(by, referral, to)
    note = note.strip()
    if to == flow.DECLINED:
        if reason not in DECLINE_REASONS:
            raise ReferralError(_("Choose why you decline."), field="reason")
        if reason == Referral.Reason.OTHER and not note:
            raise ReferralError(_("Say why you decline."), field="note")
    elif to == flow.CLOSED:
        if reason not in CLOSE_REASONS:
            raise ReferralError(
                _("Choose why it closes without an outcome."), field="reason"
            )
        if reason == Referral.Reason.OTHER and not note:
            raise ReferralError(_("Say why it closes."), field="note")
    elif to == flow.WITHDRAWN:
        reason = Referral.Reason.OTHER if note else ""
    else:
        reason = ""
    if to == flow.REDIRECTED:
        if redirect_to is None:
            raise ReferralError(
                _("Choose the service to pass the referral on to."),
                field="redirect_to",
            )
        if redirect_to.organisation_id in (
            referral.receiving_organisation_id,
            referral.referring_organisation_id,
        ):
            raise ReferralError(
                _("Choose a service of an organisation not yet in this referral."),
                field="redirect_to",
            )
        if redirect_to.status != Service.Status.ACTIVE:
            raise ReferralError(
                _("This service is not taking referrals at the moment."),
                field="redirect_to",
            )
        if not selectors.receiver_may_see_details(referral):
            raise ConsentMissing(
                _("The entrepreneur's consent has ended; it cannot be passed on.")
            )
    if to == flow.COMPLETED and outcome is None:
        raise ReferralError(
            _("Say what the outcome was to complete the referral."), field="outcome"
        )
    if to == flow.SENT:
        _send(referral, by=by, party=party)
        return referral
    _move(referral, by=by, party=party, to=to, reason=reason, note=note)
    if to == flow.WITHDRAWN and by.pk == referral.entrepreneur_id:
        # Entrepreneurs who withdraw a referral stop sharing with the receiver too.
        Consent.objects.filter(
            referral=referral,
            status__in=(Consent.Status.GIVEN, Consent.Status.REQUESTED),
        ).update(status=Consent.Status.WITHDRAWN, withdrawn_at=timezone.now())
        consent_ledger.referral_consent_withdrawn(referral, by=by)
        log(
            referral,
            actor=by,
            action=LogEntry.Action.CONSENT,
            party=flow.ENTREPRENEUR,
            withdrawn=True,
        )
    if to == flow.COMPLETED and outcome is not None:
        _record_outcome(referral, by=by, party=party, outcome=outcome)
    if to == flow.REDIRECTED and redirect_to is not None:
        _redirect(referral, by=by, service=redirect_to)
    return referral


def _redirect(referral: Referral, *, by: User, service: Service) -> Referral:
    """Start a linked referral to `service`, asking the entrepreneur's consent anew.

    The passed-on referral belongs to the original referrer (or the entrepreneur,
    for a self-referral), not to the organisation that passed it on: that one
    learns nothing more than its consent allowed. Notes travel only if the
    consent covered them; wellbeing answers are never pre-ticked.
    """
    old = selectors.consent_of(referral)
    covered = set(old.fields) if old is not None else set()
    fields = [f for f in (old.fields if old else ["name"]) if f != "wellbeing"]
    linked = Referral.objects.create(
        entrepreneur=referral.entrepreneur,
        referrer=referral.referrer,
        referring_organisation=referral.referring_organisation,
        service=service,
        service_name=service.name,
        receiving_organisation=service.organisation,
        note=referral.note if "note" in covered else "",
        wellbeing_note=referral.wellbeing_note if "wellbeing" in covered else "",
        redirected_from=referral,
    )
    Consent.objects.create(
        referral=linked,
        receiving_organisation=service.organisation,
        fields=fields or ["name"],
        purpose=(old.purpose if old is not None else "")
        or _("To offer the support asked for."),
        expires_on=timezone.localdate() + timedelta(days=180),
    )
    Event.objects.create(referral=linked, to_status=flow.DRAFT, by=by, party="")
    log(linked, actor=by, action=LogEntry.Action.CREATED)
    notify_many(
        [referral.entrepreneur],
        kind="referrals.consent_requested",
        message=_(
            "%(org)s suggests %(target)s for you instead. "
            "Nothing is shared until you agree."
        )
        % {"org": referral.receiving_organisation.name, "target": service.name},
        url=linked.get_absolute_url(),
        actor=by,
    )
    return linked


def allowed_moves(user: User, referral: Referral) -> list[str]:
    """The states `user` may move the referral to now (for buttons)."""
    moves = flow.next_states(referral.status, selectors.parties_of(user, referral))
    if flow.SENT in moves and not selectors.receiver_may_see_details(referral):
        moves.remove(flow.SENT)
    return moves


# --- the thread -------------------------------------------------------------------


@transaction.atomic
def post_message(
    referral: Referral,
    *,
    by: User,
    body: str,
    audience: str = Message.Audience.EVERYONE,
) -> Message:
    parties = selectors.parties_of(by, referral)
    if not parties:
        raise NotAllowed(_("You are not part of this referral."))
    party = selectors.main_party(parties)
    if audience not in Message.Audience.values:
        raise ReferralError(_("Choose who sees the message."), field="audience")
    if party == flow.ENTREPRENEUR:
        audience = Message.Audience.EVERYONE
    if party == flow.RECEIVER and not selectors.receiver_may_see_details(referral):
        raise ConsentMissing(
            _("The entrepreneur's consent has ended; the thread is closed to you.")
        )
    body = body.strip()
    if not body:
        raise ReferralError(_("Write a message."), field="body")
    if len(body) > 4000:
        raise ReferralError(_("Keep the message under 4,000 characters."), field="body")
    _check_text(body, "body")
    message = Message.objects.create(
        referral=referral, author=by, party=party, audience=audience, body=body
    )
    log(referral, actor=by, action=LogEntry.Action.MESSAGED, party=party)
    people = _referrer_people(referral)
    if referral.sent_at is not None:
        people += _receiver_people(referral)
    if audience == Message.Audience.EVERYONE:
        people.append(referral.entrepreneur)
    recipients = {p.pk: p for p in people if p.pk != by.pk}
    # Receivers who may not see the entrepreneur's name are told without it.
    masked = by.pk == referral.entrepreneur_id and not referral.name_shared
    named = [
        p
        for p in recipients.values()
        if not (masked and selectors.parties_of(p, referral) == {flow.RECEIVER})
    ]
    anonymous = [p for p in recipients.values() if p not in named]
    for group, person in (
        (named, by.profile.display_name),
        (anonymous, _("The entrepreneur")),
    ):
        if group:
            notify_many(
                group,
                kind="referrals.message",
                message=_("%(person)s wrote on the referral to %(target)s.")
                % {"person": person, "target": referral.target_name},
                url=referral.get_absolute_url() + "#thread",
                actor=by if person != _("The entrepreneur") else None,
            )
    return message


# --- outcomes ---------------------------------------------------------------------


def _check_outcome(outcome: OutcomeInput) -> None:
    if outcome.kind not in Outcome.Kind.values:
        raise ReferralError(_("Choose an outcome."), field="kind")
    if outcome.kind == Outcome.Kind.FUNDING and not outcome.amount:
        raise ReferralError(_("Say how much funding was secured."), field="amount")
    if outcome.amount is not None and outcome.amount < 0:
        raise ReferralError(_("The amount cannot be negative."), field="amount")
    if outcome.kind == Outcome.Kind.JOBS and not outcome.number:
        raise ReferralError(_("Say how many jobs were created."), field="number")


def _record_outcome(
    referral: Referral, *, by: User, party: str, outcome: OutcomeInput
) -> Outcome:
    _check_outcome(outcome)
    row, _created = Outcome.objects.update_or_create(
        referral=referral,
        kind=outcome.kind,
        defaults={
            "amount": outcome.amount,
            "number": outcome.number,
            "note": outcome.note.strip()[:500],
            "recorded_by": by,
            "recorded_for_id": selectors.acting_organisation(by, referral, party),
            "recorded_at": timezone.now(),
            "confirmed_at": None,
        },
    )
    _reports_changed(referral)
    log(
        referral,
        actor=by,
        action=LogEntry.Action.OUTCOME,
        party=party,
        kind=outcome.kind,
    )
    notify_many(
        [referral.entrepreneur],
        kind="referrals.outcome",
        message=_(
            "Please confirm the outcome of your referral to %(target)s: %(what)s."
        )
        % {"target": referral.target_name, "what": Outcome.Kind(outcome.kind).label},
        url=referral.get_absolute_url() + "#outcomes",
        actor=by,
    )
    return row


@transaction.atomic
def record_outcome(referral: Referral, *, by: User, outcome: OutcomeInput) -> Outcome:
    """Either organisation records an outcome of a completed referral."""
    referral = _lock(referral)
    parties = selectors.parties_of(by, referral) & {flow.REFERRER, flow.RECEIVER}
    if not parties or (
        flow.REFERRER in parties
        and flow.RECEIVER not in parties
        and referral.is_self_referral
    ):
        raise NotAllowed(_("Only the two organisations record outcomes."))
    if referral.status != flow.COMPLETED:
        raise IllegalMove(_("Outcomes are recorded when the referral is completed."))
    party = flow.RECEIVER if flow.RECEIVER in parties else flow.REFERRER
    return _record_outcome(referral, by=by, party=party, outcome=outcome)


@transaction.atomic
def confirm_outcome(outcome: Outcome, *, by: User) -> Outcome:
    """The entrepreneur confirms an outcome; a good one drafts a success story."""
    referral = _lock(outcome.referral)
    if referral.entrepreneur_id != by.pk:
        raise NotAllowed(_("Only the person referred confirms outcomes."))
    outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
    if outcome.confirmed_at is not None:
        return outcome
    outcome.confirmed_at = timezone.now()
    outcome.save(update_fields=["confirmed_at"])
    log(
        referral,
        actor=by,
        action=LogEntry.Action.OUTCOME,
        party=flow.ENTREPRENEUR,
        confirmed=outcome.kind,
    )
    if outcome.is_positive:
        outcome.drafted_story = _draft_story(referral, outcome)  # type: ignore[attr-defined]
    return outcome


def chain(referral: Referral) -> list[Referral]:
    """The referral and every referral it was passed on from, oldest first."""
    links = [referral]
    seen = {referral.pk}
    current = referral
    while current.redirected_from_id and current.redirected_from_id not in seen:
        current = Referral.objects.select_related(
            "referring_organisation",
            "receiving_organisation",
            "referrer",
            "receiving_person",
        ).get(pk=current.redirected_from_id)
        seen.add(current.pk)
        links.append(current)
    return list(reversed(links))


def _draft_story(referral: Referral, outcome: Outcome) -> Any:
    from kindred.collaboration.services import draft_story_from_referral

    credits: dict[int, tuple[Organisation, str]] = {}
    people: dict[int, User] = {}
    for link in chain(referral):
        if link.referring_organisation is not None:
            credits.setdefault(
                link.referring_organisation_id,
                (link.referring_organisation, _("referred")),
            )
        credits[link.receiving_organisation_id] = (
            link.receiving_organisation,
            _("delivered the support")
            if link.pk == referral.pk
            else _("passed the referral on"),
        )
        if link.referrer is not None and link.referrer_id != referral.entrepreneur_id:
            people[link.referrer_id] = link.referrer
        if link.receiving_person is not None:
            people[link.receiving_person_id] = link.receiving_person
    helpers = Event.objects.filter(
        referral__in=[link.pk for link in chain(referral)],
        party=flow.RECEIVER,
        by__isnull=False,
    ).select_related("by")
    for event in helpers:
        people.setdefault(event.by_id, event.by)
    what = Outcome.Kind(outcome.kind).label
    names = ", ".join(org.name for org, _role in credits.values())
    return draft_story_from_referral(
        entrepreneur=referral.entrepreneur,
        title=_("%(what)s with help from %(names)s") % {"what": what, "names": names},
        body=_(
            "%(what)s after support from %(target)s. "
            "Organisations that helped along the way: %(names)s."
        )
        % {"what": what, "target": referral.target_name, "names": names},
        credits=list(credits.values()),
        people=list(people.values()),
        referral_id=referral.pk,
    )


# --- reminders --------------------------------------------------------------------


def remind_overdue(now: datetime | None = None) -> int:
    """Remind receivers of unanswered referrals, then their organisation's admins.

    The first reminder goes out once the response time has passed; the second,
    to the admins, one working day later. Returns how many referrals were chased.
    """
    now = now or timezone.now()
    chased = 0
    rows = (
        selectors.overdue(now)
        .filter(reminders_sent__lt=2)
        .select_related("receiving_organisation", "receiving_person", "service")
    )
    for referral in rows:
        with transaction.atomic():
            if referral.reminders_sent == 0:
                people = _receiver_people(referral)
            else:
                second_due = flow.add_working_days(referral.due_at, 1)
                if now < second_due:
                    continue
                people = organisation_selectors.admins_of(
                    referral.receiving_organisation
                )
            updated = Referral.objects.filter(
                pk=referral.pk,
                status=flow.SENT,
                reminders_sent=referral.reminders_sent,
            ).update(reminders_sent=referral.reminders_sent + 1)
            if not updated:
                continue  # answered or chased by another worker meanwhile
            if people:
                notify_many(
                    people,
                    kind="referrals.overdue",
                    message=_(
                        "A referral to %(target)s is waiting for an answer "
                        "past its response time."
                    )
                    % {"target": referral.target_name},
                    url=referral.get_absolute_url(),
                )
            chased += 1
    return chased
