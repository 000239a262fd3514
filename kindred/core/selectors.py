"""Reads for the landing page and the home dashboard."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from kindred.accounts.models import Profile, User
from kindred.accounts.selectors import (
    profile_completeness,
    visible_profiles,
    with_card_data,
)
from kindred.core.models import Topic
from kindred.organisations import selectors as organisation_selectors
from kindred.organisations.models import Organisation
from kindred.referrals import selectors as referral_selectors


def ecosystem_at_a_glance() -> dict[str, Any]:
    """Public figures for the landing page."""
    return {
        "organisations": Organisation.objects.filter(is_active=True).count(),
        "members": Profile.objects.listed().count(),
        "topics": Topic.objects.filter(is_active=True).count(),
        "organisation_kinds": list(
            Organisation.objects.filter(is_active=True)
            .values("kind")
            .annotate(n=Count("id"))
            .order_by("-n")[:6]
        ),
        "featured_organisations": list(
            Organisation.objects.filter(is_active=True)
            .exclude(summary="")
            .order_by("name")[:6]
        ),
    }


def home_dashboard(user: User) -> dict[str, Any]:
    """What a signed-in person sees first: their next steps and their ecosystem."""
    profile = (
        Profile.objects.select_related("region")
        .prefetch_related("topics_offered", "topics_needed", "sectors")
        .get(user=user)
    )
    memberships = list(organisation_selectors.memberships_of(user))
    admin_of = [m.organisation for m in memberships if m.role == "admin"]
    needed = [t.pk for t in profile.topics_needed.all()]
    helpers = Profile.objects.none()
    if needed:
        colleagues = organisation_selectors.colleague_ids_query(user)
        offering = Profile.topics_offered.through.objects.filter(
            topic_id__in=needed
        ).values("profile_id")
        helpers = (
            Profile.objects.listed()
            .exclude(user=user)
            .filter(
                Q(pk__in=offering)
                & Profile.objects.where_visible("topics_offered", user, colleagues)
            )
            .order_by("-updated_at", "-pk")[:4]
        )
    newest = Profile.objects.listed().exclude(user=user).order_by("-created_at", "-pk")
    return {
        "sections": role_sections(user, memberships),
        "profile": profile,
        "completeness": profile_completeness(profile),
        "memberships": memberships,
        "invitations": list(organisation_selectors.open_invitations_for(user)),
        "join_requests": list(
            organisation_selectors.pending_join_requests_for_admin_of(admin_of)
        ),
        "referrals": referral_selectors.box_counts(user),
        "helpers": visible_profiles(with_card_data(helpers), user) if needed else [],
        "newest": visible_profiles(with_card_data(newest[:4]), user),
    }


STAFF_ROLES = ("admin", "practitioner")


def role_sections(user: User, memberships: list[Any]) -> dict[str, Any]:
    """The home page's sections for each role `user` holds, None for the roles
    they do not: entrepreneur, practitioner, organisation admin, programme lead
    and steward. Each is read from the owning app's selectors, `user`'s own
    items only."""
    from kindred.accounts.permissions import is_steward
    from kindred.mentoring import selectors as mentoring

    pairs = mentoring.home_mentoring(user)
    staff = [m for m in memberships if m.role in STAFF_ROLES]
    admin_of = [m.organisation for m in memberships if m.role == "admin"]
    steward = is_steward(user)
    return {
        "entrepreneur": _entrepreneur_section(
            user, pairs["mentors"], expected=not staff and not steward
        ),
        "practitioner": _practitioner_section(user, pairs["mentees"])
        if staff
        else None,
        "organisation_admin": _admin_section(user, admin_of) if admin_of else None,
        "programme_lead": _lead_section(user),
        "steward": _steward_section() if steward else None,
    }


def _entrepreneur_section(
    user: User, mentors: list[Any], *, expected: bool
) -> dict[str, Any] | None:
    """Shown to people who are no organisation's staff, and to staff who are
    also on an entrepreneur's journey: a cohort place, a mentor or referrals
    about them (an ask alone does not make a practitioner an entrepreneur)."""
    from kindred.networking import selectors as networking
    from kindred.peerhelp import selectors as peerhelp
    from kindred.programmes import selectors as programmes

    section = {
        "cohorts": programmes.home_next_sessions(user),
        "mentors": mentors,
        "asks": peerhelp.home_open_asks(user),
        "referrals": referral_selectors.home_referrals_about(user),
        "networking": networking.home_next_introduction(user),
    }
    has_items = any(section[key] for key in ("cohorts", "mentors", "referrals"))
    return section if expected or has_items else None


def _practitioner_section(user: User, mentees: list[Any]) -> dict[str, Any]:
    from kindred.peerhelp import selectors as peerhelp

    return {
        "inbox": referral_selectors.home_referral_inbox(user),
        "asks": peerhelp.home_asks_on_my_topics(user),
        "mentees": mentees,
    }


def _admin_section(user: User, admin_of: list[Organisation]) -> dict[str, Any]:
    from kindred.collaboration import selectors as collaboration

    invitations = organisation_selectors.home_pending_invitation_counts(
        o.pk for o in admin_of
    )
    waiting = collaboration.home_waiting_for_admin(user)
    return {
        "organisations": [
            {"organisation": o, "invitations": invitations.get(o.pk, 0)}
            for o in admin_of
        ],
        "partnerships": waiting["partnerships"],
        "stories": waiting["stories"],
    }


def _lead_section(user: User) -> dict[str, Any] | None:
    from kindred.programmes import selectors as programmes

    led = list(programmes.managed_programmes(user)[:10])
    if not led:
        return None
    return {"programmes": led, "cohorts": programmes.home_led_cohorts(user)}


def _steward_section() -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    from kindred.analytics import selectors as analytics
    from kindred.moderation import selectors as moderation

    snapshot = analytics.latest_snapshot()
    return {
        "snapshot": snapshot,
        "story": analytics.month_story(snapshot)[:3] if snapshot else [],
        "reports": moderation.open_report_groups().count(),
        "failed_tasks": DBTaskResult.objects.failed().count(),
    }


def background_work() -> dict[str, Any]:
    """The queue as a steward sees it: counts, failures, what waits, the schedule."""
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    from kindred.core.models import ScheduledRun
    from kindred.core.tasks import SCHEDULE

    on_rq = settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"

    counts = dict(
        DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    latest: dict[str, Any] = {}
    for run in ScheduledRun.objects.filter(
        job__in=[job.name for job in SCHEDULE]
    ).order_by("-started_at")[:200]:
        latest.setdefault(run.job, run)
    if on_rq:
        counts = _rq_counts()
    return {
        "on_rq": on_rq,
        "counts": counts,
        "failed": DBTaskResult.objects.failed().order_by("-finished_at")[:50],
        "waiting": DBTaskResult.objects.filter(status="READY").order_by(
            "run_after", "enqueued_at"
        )[:20],
        "schedule": [(job, latest.get(job.name)) for job in SCHEDULE],
    }


def _rq_counts() -> dict[str, int]:
    """Queue counts from RQ's registries in scale-out mode."""
    import django_rq
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    queue = django_rq.get_queue("default")
    return {
        "READY": len(queue),
        "RUNNING": len(StartedJobRegistry(queue=queue)),
        "SUCCESSFUL": len(FinishedJobRegistry(queue=queue)),
        "FAILED": len(FailedJobRegistry(queue=queue)),
    }


def steward_overview() -> dict[str, Any]:
    """Counts and the latest audit entries for the steward console."""
    from kindred.core.models import AuditEntry

    return {
        "counts": {
            "people": User.objects.count(),
            "suspended": User.objects.filter(suspended_at__isnull=False).count(),
            "organisations": Organisation.objects.count(),
            "topics": Topic.objects.count(),
        },
        "recent": AuditEntry.objects.select_related("actor__profile")[:15],
    }


def people_for_stewards(*, q: str = "", suspended_only: bool = False) -> QuerySet[User]:
    """Every account, suspended ones included, by name; optionally searched."""
    users = User.objects.select_related("profile").order_by(
        "profile__display_name", "pk"
    )
    if q:
        users = users.filter(
            Q(email__icontains=q) | Q(profile__display_name__icontains=q)
        )
    if suspended_only:
        users = users.filter(suspended_at__isnull=False)
    return users


def organisations_for_stewards(*, q: str = "") -> QuerySet[Organisation]:
    """Every organisation, hidden ones included, by name; optionally searched."""
    organisations = Organisation.objects.order_by("name")
    if q:
        organisations = organisations.filter(name__icontains=q)
    return organisations
