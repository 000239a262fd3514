"""Writes for partnerships, calls for collaboration and success stories.

Each function checks who may act, then the state: an illegal change of state
raises StateConflict (409) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.collaboration import permissions, selectors
from kindred.collaboration.models import (
    CallForCollaboration,
    Celebration,
    Interest,
    Partnership,
    StoryCredit,
    SuccessStory,
)
from kindred.core import audit
from kindred.core.errors import KindredError, NotAllowed
from kindred.core.markdown import problems
from kindred.notifications.services import notify, notify_many
from kindred.organisations import selectors as organisation_selectors
from kindred.organisations.models import Organisation
from kindred.organisations.permissions import require_org_admin
from kindred.webhooks.services import emit

MAX_CREDITS = 12
MAX_PEOPLE = 20


class CollaborationError(KindredError):
    pass


class StateConflict(CollaborationError):
    """The object is not in a state that allows this change."""

    status_code = 409
    code = "conflict"


# --- helpers ----------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, missing: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise CollaborationError(missing, field=field)
    if len(cleaned) > limit:
        raise CollaborationError(
            _("Keep this under %(n)d characters.") % {"n": limit}, field=field
        )
    return cleaned


def _markdown(value: str, *, field: str, missing: str) -> str:
    text = _text(value, field=field, limit=10000, missing=missing)
    found = problems(text)
    if found:
        raise CollaborationError(
            _("The text contains %(what)s, which is not allowed.")
            % {"what": ", ".join(found)},
            field=field,
        )
    return text


def _tell_admins(
    organisations: Iterable[Organisation],
    *,
    kind: str,
    message: str,
    url: str,
    actor: User | None,
    also: Iterable[User | None] = (),
) -> None:
    """Notify every admin of `organisations` (and `also`), once each, not `actor`."""
    recipients: dict[int, User] = {}
    for organisation in organisations:
        for admin in organisation_selectors.admins_of(organisation):
            recipients[admin.pk] = admin
    for person in also:
        if person is not None and person.is_active:
            recipients[person.pk] = person
    if actor is not None:
        recipients.pop(actor.pk, None)
    if recipients:
        notify_many(
            list(recipients.values()), kind=kind, message=message, url=url, actor=actor
        )


# --- partnerships -----------------------------------------------------------------

PARTNERSHIPS_URL = "collaboration:partnerships"


def _lock_partnership(partnership: Partnership) -> Partnership:
    return (
        Partnership.objects.select_for_update(of=("self",))
        .select_related("proposer", "partner")
        .get(pk=partnership.pk)
    )


@transaction.atomic
def propose_partnership(
    proposer: Organisation, *, by: User, partner: Organisation, description: str
) -> Partnership:
    """Propose joint work from `proposer` (whose admin `by` is) to `partner`.

    Raise StateConflict if the pair already has a proposed or active partnership.
    """
    require_org_admin(by, proposer)
    if partner.pk == proposer.pk:
        raise CollaborationError(
            _("Choose another organisation than your own."), field="partner"
        )
    if not partner.is_active or not proposer.is_active:
        raise CollaborationError(
            _("A hidden organisation cannot take part in a partnership."),
            field="partner",
        )
    description = _text(
        description,
        field="description",
        limit=500,
        missing=_("Say in a sentence or two what you will do together."),
    )
    _refuse_second_open(proposer, partner)
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                proposer=proposer,
                partner=partner,
                description=description,
                proposed_by=by,
            )
    except IntegrityError:  # a simultaneous proposal for the same pair won
        _refuse_second_open(proposer, partner)
        raise
    audit.record(
        "partnership.proposed", actor=by, target=partnership, partner=partner.pk
    )
    _tell_admins(
        [partner],
        kind="collaboration.partnership_proposed",
        message=_("%(org)s proposes a partnership with %(partner)s.")
        % {"org": proposer.name, "partner": partner.name},
        url=reverse(PARTNERSHIPS_URL),
        actor=by,
    )
    return partnership


def _refuse_second_open(a: Organisation, b: Organisation) -> None:
    existing = selectors.open_partnership_between(a, b)
    if existing is None:
        return
    if existing.status == Partnership.Status.ACTIVE:
        message = _("%(a)s and %(b)s are already partners.")
    else:
        message = _(
            "A partnership of %(a)s and %(b)s is already waiting for an answer."
        )
    raise StateConflict(message % {"a": a.name, "b": b.name})


def _answer(partnership: Partnership, *, by: User, accept: bool) -> Partnership:
    require_org_admin(by, partnership.partner)
    partnership = _lock_partnership(partnership)
    if partnership.status != Partnership.Status.PROPOSED:
        raise StateConflict(
            _("This partnership is %(status)s; only a proposal can be answered.")
            % {"status": partnership.get_status_display().lower()}
        )
    partnership.status = (
        Partnership.Status.ACTIVE if accept else Partnership.Status.DECLINED
    )
    partnership.answered_by = by
    partnership.answered_at = timezone.now()
    partnership.save(update_fields=["status", "answered_by", "answered_at"])
    audit.record(
        "partnership.accepted" if accept else "partnership.declined",
        actor=by,
        target=partnership,
    )
    message = (
        _("%(partner)s accepted the partnership with %(org)s.")
        if accept
        else _("%(partner)s declined the partnership with %(org)s.")
    )
    _tell_admins(
        [partnership.proposer],
        kind="collaboration.partnership_answered",
        message=message
        % {"partner": partnership.partner.name, "org": partnership.proposer.name},
        url=reverse(PARTNERSHIPS_URL),
        actor=by,
    )
    return partnership


@transaction.atomic
def accept_partnership(partnership: Partnership, *, by: User) -> Partnership:
    """Accept a proposal on behalf of the proposed partner (its admins)."""
    return _answer(partnership, by=by, accept=True)


@transaction.atomic
def decline_partnership(partnership: Partnership, *, by: User) -> Partnership:
    """Decline a proposal on behalf of the proposed partner (its admins)."""
    return _answer(partnership, by=by, accept=False)


@transaction.atomic
def end_partnership(partnership: Partnership, *, by: User) -> Partnership:
    """End an active partnership (either side's admins), or withdraw a proposal
    (the proposer's admins)."""
    side = permissions.require_partnership_side(by, partnership)
    partnership = _lock_partnership(partnership)
    if partnership.status == Partnership.Status.PROPOSED:
        if side.pk != partnership.proposer_id:
            raise StateConflict(
                _("This is still a proposal: accept or decline it instead.")
            )
    elif partnership.status != Partnership.Status.ACTIVE:
        raise StateConflict(
            _("This partnership is %(status)s already.")
            % {"status": partnership.get_status_display().lower()}
        )
    partnership.status = Partnership.Status.ENDED
    partnership.ended_by = by
    partnership.ended_at = timezone.now()
    partnership.save(update_fields=["status", "ended_by", "ended_at"])
    audit.record("partnership.ended", actor=by, target=partnership, side=side.pk)
    other = partnership.other_side(side.pk)
    _tell_admins(
        [other],
        kind="collaboration.partnership_ended",
        message=_("%(org)s ended the partnership with %(other)s.")
        % {"org": side.name, "other": other.name},
        url=reverse(PARTNERSHIPS_URL),
        actor=by,
    )
    return partnership


# --- calls for collaboration -----------------------------------------------------


def _lock_call(call: CallForCollaboration) -> CallForCollaboration:
    return (
        CallForCollaboration.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=call.pk)
    )


@transaction.atomic
def post_call(
    organisation: Organisation,
    *,
    by: User,
    kind: str,
    title: str,
    description: str,
    deadline: date,
) -> CallForCollaboration:
    """Post a call for collaboration for `organisation` (its admins).

    The deadline is the last day to express interest; it must lie in the future.
    """
    require_org_admin(by, organisation)
    if not organisation.is_active:
        raise CollaborationError(_("A hidden organisation cannot post a call."))
    if kind not in CallForCollaboration.Kind.values:
        raise CollaborationError(_("Choose what kind of work it is."), field="kind")
    title = _text(title, field="title", limit=160, missing=_("Give the call a title."))
    description = _markdown(
        description,
        field="description",
        missing=_("Describe the work and who you are looking for."),
    )
    if deadline <= timezone.localdate():
        raise CollaborationError(
            _("The deadline must be a day in the future."), field="deadline"
        )
    if CallForCollaboration.objects.filter(
        organisation=organisation,
        title__iexact=title,
        status=CallForCollaboration.Status.OPEN,
    ).exists():
        raise CollaborationError(
            _("%(org)s already has an open call with this title.")
            % {"org": organisation.name},
            field="title",
        )
    call = CallForCollaboration.objects.create(
        organisation=organisation,
        kind=kind,
        title=title,
        description=description,
        deadline=deadline,
        created_by=by,
    )
    audit.record("call.posted", actor=by, target=call, organisation=organisation.pk)
    return call


@transaction.atomic
def express_interest(
    call: CallForCollaboration, *, by: User, organisation: Organisation, message: str
) -> Interest:
    """Say `organisation` (whose admin or practitioner `by` is) would take part.

    Once per organisation, never for the caller's own, and only while the call is
    open and its deadline has not passed.
    """
    permissions.require_acting_member(by, organisation)
    if organisation.pk == call.organisation_id:
        raise CollaborationError(
            _("Your organisation posted this call; choose another one."),
            field="organisation",
        )
    if not organisation.is_active:
        raise CollaborationError(
            _("A hidden organisation cannot take part."), field="organisation"
        )
    message = _text(
        message,
        field="message",
        limit=500,
        missing=_("Say briefly what your organisation would bring."),
    )
    call = _lock_call(call)
    if call.status != CallForCollaboration.Status.OPEN:
        raise StateConflict(_("This call is closed."))
    if call.deadline_passed:
        raise StateConflict(_("The deadline of this call has passed."))
    if call.interests.filter(organisation=organisation).exists():
        raise StateConflict(
            _("%(org)s has already expressed interest in this call.")
            % {"org": organisation.name}
        )
    interest = Interest.objects.create(
        call=call, organisation=organisation, message=message, expressed_by=by
    )
    audit.record(
        "call.interest_expressed", actor=by, target=call, organisation=organisation.pk
    )
    _tell_admins(
        [call.organisation],
        kind="collaboration.call_interest",
        message=_("%(org)s is interested in your call “%(title)s”.")
        % {"org": organisation.name, "title": call.title},
        url=call.get_absolute_url(),
        actor=by,
    )
    return interest


@transaction.atomic
def choose_partners(
    call: CallForCollaboration, *, by: User, organisations: Sequence[Organisation]
) -> list[Partnership]:
    """Choose partners among the interested organisations and close the call.

    Each chosen organisation becomes an active partner of the caller's
    organisation; a pending proposal between them is taken as accepted, and an
    existing partnership is kept.
    """
    require_org_admin(by, call.organisation)
    call = _lock_call(call)
    if call.status != CallForCollaboration.Status.OPEN:
        raise StateConflict(_("This call is closed; its partners cannot change."))
    chosen_ids = {o.pk for o in organisations}
    if not chosen_ids:
        raise CollaborationError(
            _("Choose at least one interested organisation."), field="organisations"
        )
    interests = {
        i.organisation_id: i
        for i in call.interests.select_related("organisation").order_by("pk")
    }
    if chosen_ids - interests.keys():
        raise CollaborationError(
            _("Choose only organisations that expressed interest."),
            field="organisations",
        )
    now = timezone.now()
    partnerships = []
    for organisation_id in sorted(chosen_ids):
        interest = interests[organisation_id]
        partnerships.append(_partner_from_call(call, interest.organisation, by, now))
        interest.chosen = True
        interest.save(update_fields=["chosen"])
    call.status = CallForCollaboration.Status.PARTNERS_CHOSEN
    call.closed_by = by
    call.closed_at = now
    call.save(update_fields=["status", "closed_by", "closed_at"])
    audit.record(
        "call.partners_chosen", actor=by, target=call, organisations=sorted(chosen_ids)
    )
    chosen = [interests[pk].organisation for pk in sorted(chosen_ids)]
    others = [i.organisation for pk, i in interests.items() if pk not in chosen_ids]
    _tell_admins(
        chosen,
        kind="collaboration.call_decided",
        message=_("%(org)s chose you as a partner for “%(title)s”.")
        % {"org": call.organisation.name, "title": call.title},
        url=call.get_absolute_url(),
        actor=by,
    )
    _tell_others_call_closed(call, others, by)
    return partnerships


def _partner_from_call(
    call: CallForCollaboration, organisation: Organisation, by: User, now: datetime
) -> Partnership:
    existing = selectors.open_partnership_between(call.organisation, organisation)
    if existing is not None and existing.status == Partnership.Status.ACTIVE:
        return existing
    if existing is not None:  # a proposal: answering the call counts as agreeing
        existing.status = Partnership.Status.ACTIVE
        existing.answered_by = by
        existing.answered_at = now
        existing.call = call
        existing.save(update_fields=["status", "answered_by", "answered_at", "call"])
        audit.record("partnership.accepted", actor=by, target=existing, call=call.pk)
        return existing
    partnership = Partnership.objects.create(
        proposer=call.organisation,
        partner=organisation,
        description=call.title[:500],
        status=Partnership.Status.ACTIVE,
        call=call,
        proposed_by=by,
        answered_by=by,
        answered_at=now,
    )
    audit.record(
        "partnership.formed_from_call", actor=by, target=partnership, call=call.pk
    )
    return partnership


def _tell_others_call_closed(
    call: CallForCollaboration, organisations: list[Organisation], by: User
) -> None:
    if organisations:
        _tell_admins(
            organisations,
            kind="collaboration.call_decided",
            message=_(
                "%(org)s closed the call “%(title)s”; thank you for your interest."
            )
            % {"org": call.organisation.name, "title": call.title},
            url=call.get_absolute_url(),
            actor=by,
        )


@transaction.atomic
def close_call(call: CallForCollaboration, *, by: User) -> CallForCollaboration:
    """Close an open call without choosing partners (the caller's admins)."""
    require_org_admin(by, call.organisation)
    call = _lock_call(call)
    if call.status != CallForCollaboration.Status.OPEN:
        raise StateConflict(_("This call is closed already."))
    call.status = CallForCollaboration.Status.CLOSED
    call.closed_by = by
    call.closed_at = timezone.now()
    call.save(update_fields=["status", "closed_by", "closed_at"])
    audit.record("call.closed", actor=by, target=call)
    interested = [i.organisation for i in call.interests.select_related("organisation")]
    _tell_others_call_closed(call, interested, by)
    return call


# --- success stories -------------------------------------------------------------


def _lock_story(story: SuccessStory) -> SuccessStory:
    return (
        SuccessStory.objects.select_for_update(of=("self",))
        .select_related("author_organisation", "entrepreneur")
        .get(pk=story.pk)
    )


def _shorten(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _check_credits(
    credits: Sequence[tuple[Organisation, str]],
) -> list[tuple[Organisation, str]]:
    if not credits:
        raise CollaborationError(
            _("Credit at least one organisation."), field="credits"
        )
    if len(credits) > MAX_CREDITS:
        raise CollaborationError(
            _("Credit at most %(n)d organisations.") % {"n": MAX_CREDITS},
            field="credits",
        )
    seen: set[int] = set()
    checked = []
    for organisation, role in credits:
        if organisation.pk in seen:
            raise CollaborationError(
                _("%(org)s is credited twice.") % {"org": organisation.name},
                field="credits",
            )
        seen.add(organisation.pk)
        if not organisation.is_active:
            raise CollaborationError(
                _("A hidden organisation cannot be credited."), field="credits"
            )
        role = _text(
            role,
            field="credits",
            limit=120,
            missing=_("Say what %(org)s did.") % {"org": organisation.name},
        )
        checked.append((organisation, role))
    return checked


def _check_people(people: Sequence[User]) -> list[User]:
    unique = list({person.pk: person for person in people}.values())
    if len(unique) > MAX_PEOPLE:
        raise CollaborationError(
            _("Credit at most %(n)d people.") % {"n": MAX_PEOPLE}, field="people"
        )
    if any(not person.is_active for person in unique):
        raise CollaborationError(
            _("Someone you credited no longer has an account."), field="people"
        )
    return unique


def _save_credits(
    story: SuccessStory, credits: list[tuple[Organisation, str]], people: list[User]
) -> None:
    StoryCredit.objects.bulk_create(
        StoryCredit(story=story, organisation=organisation, role=role, position=i)
        for i, (organisation, role) in enumerate(credits)
    )
    story.credited_people.set(people)


@transaction.atomic
def draft_story_from_referral(
    *,
    entrepreneur: User,
    title: str,
    body: str,
    credits: list[tuple[Organisation, str]],
    people: list[User],
    referral_id: int,
) -> SuccessStory:
    """Draft a success story from a closed referral and ask the entrepreneur to
    approve, edit or decline it.

    Idempotent per `referral_id`: a second call returns the first story unchanged.
    `credits` are (organisation, role) pairs, e.g. (B, "delivered the service").
    The text is generated, so it is made to fit rather than refused: a long title
    or role is shortened, HTML in the body is shown as text, and hidden
    organisations and closed accounts are left out. Raise CollaborationError only
    for an empty title or body, or when no organisation is left to credit.
    """
    existing = SuccessStory.objects.filter(source_referral_id=referral_id).first()
    if existing is not None:
        return existing
    title = _text(
        _shorten(title, 160),
        field="title",
        limit=160,
        missing=_("Give the story a title."),
    )
    if problems(body):
        body = (body or "").replace("<", "&lt;")
    body = _markdown(_shorten(body, 10000), field="body", missing=_("Tell the story."))
    checked = _check_credits(
        [(o, _shorten(role, 120)) for o, role in credits if o.is_active]
    )
    unique_people = _check_people([p for p in people if p.is_active])
    try:
        with transaction.atomic():
            story = SuccessStory.objects.create(
                title=title,
                body=body,
                entrepreneur=entrepreneur,
                source=SuccessStory.Source.REFERRAL,
                source_referral_id=referral_id,
            )
    except IntegrityError:  # the same referral, drafted at the same moment
        return SuccessStory.objects.get(source_referral_id=referral_id)
    _save_credits(story, checked, unique_people)
    audit.record("story.drafted", actor=None, target=story, referral=referral_id)
    notify(
        entrepreneur,
        kind="collaboration.story_to_approve",
        message=_(
            "A success story about your business is ready: approve, edit or decline it."
        ),
        url=story.get_absolute_url(),
    )
    return story


@transaction.atomic
def write_story(
    organisation: Organisation,
    *,
    by: User,
    title: str,
    body: str,
    role: str,
    credits: Sequence[tuple[Organisation, str]] = (),
    people: Sequence[User] = (),
    entrepreneur: User | None = None,
) -> SuccessStory:
    """Write a story by hand for `organisation` (its admins and practitioners).

    `organisation` is credited first with `role`; `credits` adds others. With an
    `entrepreneur` named, it waits for their approval; otherwise for an admin of
    `organisation`.
    """
    permissions.require_acting_member(by, organisation)
    title = _text(title, field="title", limit=160, missing=_("Give the story a title."))
    body = _markdown(body, field="body", missing=_("Tell the story."))
    checked = _check_credits([(organisation, role), *credits])
    unique_people = _check_people(people)
    if entrepreneur is not None and not entrepreneur.is_active:
        raise CollaborationError(
            _("That person cannot approve a story."), field="entrepreneur"
        )
    if SuccessStory.objects.filter(
        created_by=by, title__iexact=title, status=SuccessStory.Status.DRAFT
    ).exists():
        raise CollaborationError(
            _("You already have a draft with this title."), field="title"
        )
    story = SuccessStory.objects.create(
        title=title,
        body=body,
        entrepreneur=entrepreneur,
        source=SuccessStory.Source.MANUAL,
        author_organisation=organisation,
        created_by=by,
    )
    _save_credits(story, checked, unique_people)
    audit.record("story.written", actor=by, target=story, organisation=organisation.pk)
    if entrepreneur is not None:
        if entrepreneur.pk != by.pk:
            notify(
                entrepreneur,
                kind="collaboration.story_to_approve",
                message=_(
                    "%(org)s wrote a success story about your business: approve, "
                    "edit or decline it."
                )
                % {"org": organisation.name},
                url=story.get_absolute_url(),
                actor=by,
            )
    else:
        _tell_admins(
            [organisation],
            kind="collaboration.story_to_approve",
            message=_("A success story of %(org)s waits for an admin to publish it.")
            % {"org": organisation.name},
            url=story.get_absolute_url(),
            actor=by,
        )
    return story


@transaction.atomic
def edit_story(story: SuccessStory, *, by: User, title: str, body: str) -> SuccessStory:
    """Change the title and text of a story that is not published (the
    entrepreneur and the authors)."""
    if not (story.entrepreneur_id == by.pk or permissions.is_story_author(by, story)):
        raise NotAllowed(_("Only the entrepreneur and the authors can edit the story."))
    title = _text(title, field="title", limit=160, missing=_("Give the story a title."))
    body = _markdown(body, field="body", missing=_("Tell the story."))
    story = _lock_story(story)
    if story.status not in (SuccessStory.Status.DRAFT, SuccessStory.Status.WITHDRAWN):
        raise StateConflict(
            _("A %(status)s story cannot be edited.")
            % {"status": story.get_status_display().lower()}
        )
    story.title = title
    story.body = body
    story.save(update_fields=["title", "body", "updated_at"])
    audit.record("story.edited", actor=by, target=story)
    return story


@transaction.atomic
def publish_story(
    story: SuccessStory, *, by: User, show_entrepreneur_name: bool | None = None
) -> SuccessStory:
    """Publish a draft (or withdrawn) story: the entrepreneur approves it, or, when
    none is named, an admin of the author's organisation.

    Only the entrepreneur may choose `show_entrepreneur_name`.
    """
    permissions.require_story_approver(by, story)
    story = _lock_story(story)
    if story.status not in (SuccessStory.Status.DRAFT, SuccessStory.Status.WITHDRAWN):
        raise StateConflict(
            _("A %(status)s story cannot be published.")
            % {"status": story.get_status_display().lower()}
        )
    fields = ["status", "published_at", "updated_at"]
    if show_entrepreneur_name is not None:
        if story.entrepreneur_id != by.pk:
            raise NotAllowed(
                _("Only the entrepreneur chooses whether to show their name.")
            )
        story.show_entrepreneur_name = show_entrepreneur_name
        fields.append("show_entrepreneur_name")
    story.status = SuccessStory.Status.PUBLISHED
    story.published_at = timezone.now()
    story.save(update_fields=fields)
    audit.record("story.published", actor=by, target=story)
    credited = [
        credit.organisation
        for credit in story.credits.select_related("organisation").order_by("position")
    ]
    _tell_admins(
        credited,
        kind="collaboration.story_published",
        message=_(
            "A success story that credits your organisation is published: %(title)s"
        )
        % {"title": story.title},
        url=story.get_absolute_url(),
        actor=by,
        also=[story.created_by],
    )
    payload = _story_event(story, credited)
    for organisation in credited:
        emit(organisation, "story.published", payload)
    return story


def _story_event(
    story: SuccessStory, credited: list[Organisation]
) -> dict[str, object]:
    roles = dict(story.credits.values_list("organisation_id", "role"))
    return {
        "story": {
            "id": story.pk,
            "title": story.title,
            "url": story.get_absolute_url(),
            "source": story.source,
            "published_at": story.published_at.isoformat()
            if story.published_at
            else None,
            "credits": [
                {
                    "organisation": {"id": o.pk, "slug": o.slug, "name": o.name},
                    "role": roles[o.pk],
                }
                for o in credited
            ],
        }
    }


@transaction.atomic
def decline_story(story: SuccessStory, *, by: User) -> SuccessStory:
    """Decline a draft: it is never published (whoever would approve it)."""
    permissions.require_story_approver(by, story)
    story = _lock_story(story)
    if story.status != SuccessStory.Status.DRAFT:
        raise StateConflict(
            _("A %(status)s story cannot be declined.")
            % {"status": story.get_status_display().lower()}
        )
    story.status = SuccessStory.Status.DECLINED
    story.save(update_fields=["status", "updated_at"])
    audit.record("story.declined", actor=by, target=story)
    author = story.created_by
    if author is not None and author.pk != by.pk and author.is_active:
        notify(
            author,
            kind="collaboration.story_answered",
            message=_("The success story “%(title)s” was declined.")
            % {"title": story.title},
            url=story.get_absolute_url(),
            actor=by,
        )
    return story


@transaction.atomic
def withdraw_story(story: SuccessStory, *, by: User) -> SuccessStory:
    """Take a published story down (the entrepreneur, the authors or a steward)."""
    if not (
        story.entrepreneur_id == by.pk
        or permissions.is_story_author(by, story)
        or is_steward(by)
    ):
        raise NotAllowed(
            _("Only the entrepreneur and the authors can withdraw the story.")
        )
    story = _lock_story(story)
    if story.status != SuccessStory.Status.PUBLISHED:
        raise StateConflict(_("Only a published story can be withdrawn."))
    story.status = SuccessStory.Status.WITHDRAWN
    story.save(update_fields=["status", "updated_at"])
    audit.record("story.withdrawn", actor=by, target=story)
    return story


@transaction.atomic
def show_entrepreneur_name(
    story: SuccessStory, *, by: User, show: bool
) -> SuccessStory:
    """Let the entrepreneur choose whether the story shows their name."""
    if story.entrepreneur_id is None or story.entrepreneur_id != by.pk:
        raise NotAllowed(_("Only the entrepreneur chooses whether to show their name."))
    story = _lock_story(story)
    story.show_entrepreneur_name = show
    story.save(update_fields=["show_entrepreneur_name", "updated_at"])
    audit.record("story.name_choice", actor=by, target=story, show=show)
    return story


@transaction.atomic
def celebrate_story(story: SuccessStory, *, by: User) -> bool:
    """Celebrate a published story (once per person); return True if new."""
    if not by.is_authenticated or not by.is_active:
        raise NotAllowed(_("Log in to celebrate a story."))
    if story.status != SuccessStory.Status.PUBLISHED:
        raise StateConflict(_("Only a published story can be celebrated."))
    _celebration, created = Celebration.objects.get_or_create(story=story, user=by)
    return created


@transaction.atomic
def uncelebrate_story(story: SuccessStory, *, by: User) -> bool:
    """Take back a celebration; return True if there was one."""
    if not by.is_authenticated:
        raise NotAllowed(_("Log in to celebrate a story."))
    deleted, _detail = Celebration.objects.filter(story=story, user=by).delete()
    return bool(deleted)
