"""Reads of the launch: what every request needs to know, memoised per process."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from kindred.accounts.models import User
from kindred.launch.models import Launch


@dataclass(frozen=True)
class LaunchState:
    """What pages need from the launch on every request."""

    needs_steward: bool = False
    doors_open: bool = True
    ecosystem_name: str = ""
    tagline: str = ""
    region_name: str = ""


#: A settled state is read from the database at most this often (seconds) per
#: process; a first run waiting for its steward is read on every request, so the
#: page that claims the ecosystem is left the moment any process has a steward.
STATE_SECONDS = 30
_memo: dict[str, Any] = {}


def state() -> LaunchState:
    """The launch state; a database without a launch row is launched already."""
    now = time.monotonic()
    if _memo.get("until", 0.0) > now:
        return _memo["state"]  # type: ignore[no-any-return]
    launch = Launch.current()
    found = _state_of(launch)
    if not found.needs_steward:
        remember_state(found, now=now)
    return found


def _state_of(launch: Launch | None) -> LaunchState:
    if launch is None:
        return LaunchState()
    needs_steward = (
        launch.steward_id is None
        and launch.started_at is None
        and not User.objects.filter(is_steward=True).exists()
    )
    return LaunchState(
        needs_steward=needs_steward,
        doors_open=launch.doors_open,
        ecosystem_name=launch.ecosystem_name,
        tagline=launch.tagline,
        region_name=launch.region.name if launch.region else "",
    )


def remember_state(
    found: LaunchState, *, now: float | None = None, forever: bool = False
) -> None:
    """Set this process's memo (tests start launched, without a query)."""
    start = time.monotonic() if now is None else now
    until = float("inf") if forever else start + STATE_SECONDS
    _memo.update(state=found, until=until)


def forget_state() -> None:
    """Drop this process's memo (the launch just changed)."""
    _memo.clear()


def site_name() -> str:
    """The ecosystem's name, or KINDRED_SITE_NAME until the steward names it."""
    return state().ecosystem_name or settings.KINDRED_SITE_NAME


def signup_open() -> bool:
    return bool(settings.KINDRED_SIGNUP_OPEN) and state().doors_open


def invited_signup(next_url: str) -> bool:
    """Whether `next_url` is the page of an open invitation to an organisation:
    its invitee may sign up while the doors are still closed."""
    from django.urls import Resolver404, resolve

    from kindred.organisations.models import Invitation

    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return False
    if match.view_name != "organisations:invitation":
        return False
    invitation = Invitation.objects.filter(token=match.kwargs.get("token")).first()
    return bool(invitation and invitation.is_open)


@dataclass(frozen=True)
class StepProgress:
    key: str
    number: int
    label: str
    done: bool
    skipped: bool
    url_name: str


STEP_URLS = {
    "steward": "launch:wizard",
    "name": "launch:name",
    "import": "launch:import",
    "invite": "launch:invite",
    "open": "launch:open",
}


def progress(launch: Launch | None, *, steward: User) -> list[StepProgress]:
    """The five steps, each done, skipped or still to do."""
    from kindred.accounts.permissions import has_second_factor

    done = {
        "steward": has_second_factor(steward),
        "name": bool(launch and launch.named_at),
        "import": bool(launch and launch.imported_at),
        "invite": bool(launch and launch.invited_at),
        "open": launch is None or launch.doors_open,
    }
    skipped = set(launch.skipped) if launch else set()
    return [
        StepProgress(
            key=key,
            number=number,
            label=str(label),
            done=done[key],
            skipped=key in skipped and not done[key],
            url_name=STEP_URLS[key],
        )
        for number, (key, label) in enumerate(Launch.Step.choices, start=1)
    ]


def next_step(steps: list[StepProgress]) -> StepProgress | None:
    """The first step neither done nor skipped."""
    return next((s for s in steps if not (s.done or s.skipped)), None)
