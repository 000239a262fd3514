"""What networking rounds tell people: introductions, chosen times, "did you
meet?", and the organiser's round summary (counts only, also as a webhook)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.networking import selectors
from kindred.networking.models import Introduction, Member, Round
from kindred.notifications.services import notify
from kindred.webhooks.services import emit


def _members(introduction: Introduction) -> list[Member]:
    return list(introduction.members.select_related("user__profile").order_by("pk"))


def introductions_made(round_: Round, introductions: list[Introduction]) -> None:
    programme = round_.programme
    for introduction in introductions:
        introduction = Introduction.objects.prefetch_related("members").get(
            pk=introduction.pk
        )
        for member in _members(introduction):
            shown = selectors.introduction_view(introduction, member.user)
            notify(
                member.user,
                kind="networking.introduced",
                message=_("%(programme)s: meet %(names)s — %(reason)s.")
                % {
                    "programme": programme.name,
                    "names": shown.names,
                    "reason": shown.reason,
                },
                url=introduction.get_absolute_url(),
            )
    summary = _(
        "%(programme)s: the round of %(date)s made %(introductions)s introductions "
        "among %(participants)s people."
    ) % {
        "programme": programme.name,
        "date": round_.round_on.isoformat(),
        "introductions": round_.introductions_made,
        "participants": round_.participants,
    }
    organiser = programme.created_by
    if organiser is not None and organiser.is_active:
        notify(
            organiser,
            kind="networking.round_ran",
            message=summary,
            url=programme.get_absolute_url(),
        )
    from kindred.networking.services import organising_organisation

    organisation = organising_organisation(programme)
    if organisation is not None:
        emit(
            organisation,
            "networking.round_ran",
            {
                "programme": programme.pk,
                "round_on": round_.round_on.isoformat(),
                "participants": round_.participants,
                "introductions": round_.introductions_made,
                "unplaced": round_.unplaced,
            },
        )


def time_chosen(introduction: Introduction, *, by: User) -> None:
    for member in _members(introduction):
        if member.user_id == by.pk:
            continue
        notify(
            member.user,
            kind="networking.time_chosen",
            message=_("A time is set for your networking introduction."),
            url=introduction.get_absolute_url(),
            actor=by,
        )


def ask_did_you_meet(round_: Round) -> int:
    asked = 0
    waiting = (
        Member.objects.filter(introduction__round=round_, answered_at__isnull=True)
        .select_related("user", "introduction")
        .order_by("pk")
    )
    for member in waiting:
        if not member.user.is_active:
            continue
        notify(
            member.user,
            kind="networking.did_you_meet",
            message=_("Did you meet? Tell us how your networking introduction went."),
            url=member.introduction.get_absolute_url(),
        )
        asked += 1
    return asked
