"""Reads for partnerships, calls for collaboration and success stories."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, When
from django.utils import timezone

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.collaboration.models import (
    CallForCollaboration,
    Celebration,
    Interest,
    Partnership,
    StoryCredit,
    SuccessStory,
)
from kindred.directory.models import Service
from kindred.directory.selectors import LISTED_STATUSES
from kindred.organisations.models import Membership, Organisation, Role

#: Roles that may act for an organisation in joint work (express interest, write).
ACTING_ROLES = (Role.ADMIN, Role.PRACTITIONER)


def admin_organisation_ids(user: User) -> set[int]:
    """Ids of the organisations `user` is an admin of."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, role=Role.ADMIN).values_list(
            "organisation_id", flat=True
        )
    )


def acting_organisations(user: User) -> QuerySet[Organisation]:
    """Active organisations where `user` is an admin or a practitioner."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__role__in=ACTING_ROLES,
    ).order_by("name")


def admin_organisations(user: User) -> QuerySet[Organisation]:
    """Active organisations `user` is an admin of."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        is_active=True, memberships__user=user, memberships__role=Role.ADMIN
    ).order_by("name")


# --- partnerships -----------------------------------------------------------------


def partnership_queryset() -> QuerySet[Partnership]:
    return Partnership.objects.select_related("proposer", "partner", "call")


def partnerships_for(user: User) -> QuerySet[Partnership]:
    """Every partnership of the organisations `user` runs, and the active ones of
    the organisations `user` belongs to; open ones first, newest first."""
    if not user.is_authenticated:
        return Partnership.objects.none()
    admin_of = Membership.objects.filter(user=user, role=Role.ADMIN).values(
        "organisation_id"
    )
    member_of = Membership.objects.filter(user=user).values("organisation_id")
    return (
        partnership_queryset()
        .filter(
            Q(proposer_id__in=admin_of)
            | Q(partner_id__in=admin_of)
            | Q(status=Partnership.Status.ACTIVE)
            & (Q(proposer_id__in=member_of) | Q(partner_id__in=member_of))
        )
        .annotate(
            rank=Case(
                When(status=Partnership.Status.PROPOSED, then=0),
                When(status=Partnership.Status.ACTIVE, then=1),
                default=2,
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "-created_at", "-pk")
    )


def visible_partnership(user: User, pk: int) -> Partnership | None:
    """An active partnership for any member; any other only for either side's admins
    (and stewards)."""
    partnership = partnership_queryset().filter(pk=pk).first()
    if partnership is None or not user.is_authenticated:
        return None
    if partnership.status == Partnership.Status.ACTIVE or is_steward(user):
        return partnership
    admin_of = admin_organisation_ids(user)
    if {partnership.proposer_id, partnership.partner_id} & admin_of:
        return partnership
    return None


def partners_of(organisation: Organisation) -> list[tuple[Partnership, Organisation]]:
    """The active partnerships of `organisation`, each with the other side."""
    partnerships = (
        partnership_queryset()
        .filter(status=Partnership.Status.ACTIVE)
        .filter(Q(proposer=organisation) | Q(partner=organisation))
        .order_by("-answered_at", "-pk")
    )
    found = []
    for partnership in partnerships:
        other = partnership.other_side(organisation.pk)
        if other.is_active:
            found.append((partnership, other))
    return found


def open_partnership_between(a: Organisation, b: Organisation) -> Partnership | None:
    """The proposed or active partnership of the pair, in either direction."""
    return (
        Partnership.objects.filter(status__in=Partnership.OPEN_STATUSES)
        .filter(
            Q(proposer=a, partner=b) | Q(proposer=b, partner=a),
        )
        .first()
    )


def co_delivered_services(organisation: Organisation) -> QuerySet[Service]:
    """Listed services another organisation delivers together with `organisation`."""
    return (
        organisation.co_delivered_services.filter(  # type: ignore[attr-defined]
            status__in=LISTED_STATUSES, organisation__is_active=True
        )
        .select_related("organisation")
        .order_by("name", "pk")
    )


# --- calls for collaboration -----------------------------------------------------


def _calls_visible_to(user: User) -> QuerySet[CallForCollaboration]:
    calls = CallForCollaboration.objects.all()
    if is_steward(user):
        return calls
    if not user.is_authenticated:
        return calls.filter(organisation__is_active=True)
    member_of = Membership.objects.filter(user=user).values("organisation_id")
    return calls.filter(
        Q(organisation__is_active=True) | Q(organisation_id__in=member_of)
    )


def calls_for(user: User) -> QuerySet[CallForCollaboration]:
    """Calls `user` may see: open ones first (soonest deadline first), then the
    rest, newest first. Each carries `interest_count` and `is_open`."""
    today = timezone.localdate()
    return (
        _calls_visible_to(user)
        .select_related("organisation")
        .annotate(
            interest_count=Count("interests"),
            is_open=Case(
                When(
                    status=CallForCollaboration.Status.OPEN,
                    deadline__gte=today,
                    then=1,
                ),
                default=0,
                output_field=IntegerField(),
            ),
        )
        .order_by(
            "-is_open",
            Case(When(is_open=1, then=F("deadline"))).asc(nulls_last=True),
            "-created_at",
            "-pk",
        )
    )


def visible_call(user: User, pk: int) -> CallForCollaboration | None:
    return calls_for(user).filter(pk=pk).first()


def interests_shown_to(user: User, call: CallForCollaboration) -> list[Interest]:
    """All interests for the caller's admins (and stewards); others see only those
    of their own organisations."""
    interests = call.interests.select_related(
        "organisation", "expressed_by__profile"
    ).order_by("created_at", "pk")
    if is_steward(user) or call.organisation_id in admin_organisation_ids(user):
        return list(interests)
    if not user.is_authenticated:
        return []
    member_of = Membership.objects.filter(user=user).values("organisation_id")
    return list(interests.filter(organisation_id__in=member_of))


def organisations_that_may_answer(
    user: User, call: CallForCollaboration
) -> list[Organisation]:
    """The caller's organisations that may still express interest in `call`."""
    if not call.accepts_interest:
        return []
    return list(
        acting_organisations(user)
        .exclude(pk=call.organisation_id)
        .exclude(collaboration_interests__call=call)
    )


# --- success stories -------------------------------------------------------------


def story_queryset() -> QuerySet[SuccessStory]:
    """Stories with their credits, people and celebration count in fixed queries."""
    return (
        SuccessStory.objects.select_related(
            "entrepreneur__profile", "author_organisation", "created_by__profile"
        )
        .prefetch_related(
            Prefetch(
                "credits",
                queryset=StoryCredit.objects.select_related("organisation").order_by(
                    "position", "pk"
                ),
            ),
            Prefetch(
                "credited_people",
                queryset=User.objects.select_related("profile").order_by("pk"),
            ),
        )
        .annotate(celebration_count=Count("celebrations", distinct=True))
    )


def published_stories() -> QuerySet[SuccessStory]:
    """Every published story, newest first."""
    return (
        story_queryset()
        .filter(status=SuccessStory.Status.PUBLISHED)
        .order_by("-published_at", "-pk")
    )


def recent_stories(limit: int = 5) -> list[SuccessStory]:
    """The newest published stories: the ecosystem feed."""
    return list(published_stories()[:limit])


def stories_of(organisation: Organisation, limit: int = 10) -> list[SuccessStory]:
    """Published stories that credit `organisation`, newest first."""
    return list(
        published_stories().filter(
            pk__in=StoryCredit.objects.filter(organisation=organisation).values(
                "story_id"
            )
        )[:limit]
    )


def _insider_filter(user: User) -> Q:
    """Stories `user` may see before (or after) publication."""
    admin_of = Membership.objects.filter(user=user, role=Role.ADMIN).values(
        "organisation_id"
    )
    # A story drafted from a referral names the entrepreneur and their outcome:
    # until they publish it, only they see it.
    return (
        Q(entrepreneur_id=user.pk)
        | Q(created_by_id=user.pk)
        | Q(
            pk__in=StoryCredit.objects.filter(organisation_id__in=admin_of).values(
                "story_id"
            ),
            source=SuccessStory.Source.MANUAL,
        )
    )


def visible_story(user: User, pk: int) -> SuccessStory | None:
    """A published story for anyone; any other only for the entrepreneur, its
    author and the admins of the organisations it credits."""
    stories = story_queryset().filter(pk=pk)
    if not user.is_authenticated:
        return stories.filter(status=SuccessStory.Status.PUBLISHED).first()
    return stories.filter(
        Q(status=SuccessStory.Status.PUBLISHED) | _insider_filter(user)
    ).first()


def unpublished_stories_for(user: User) -> QuerySet[SuccessStory]:
    """Drafts, declined and withdrawn stories `user` may see, newest first."""
    if not user.is_authenticated:
        return SuccessStory.objects.none()
    return (
        story_queryset()
        .exclude(status=SuccessStory.Status.PUBLISHED)
        .filter(_insider_filter(user))
        .order_by("-created_at", "-pk")
    )


def celebrated_ids(user: User, stories: Iterable[SuccessStory]) -> set[int]:
    """Which of `stories` `user` has celebrated, in one query."""
    if not user.is_authenticated:
        return set()
    ids = [story.pk for story in stories]
    return set(
        Celebration.objects.filter(user=user, story_id__in=ids).values_list(
            "story_id", flat=True
        )
    )


def celebration_count(story: SuccessStory) -> int:
    return Celebration.objects.filter(story=story).count()


# --- ecosystem analytics (issue 10): read-only rows for the relationship graph ---


def analytics_partnership_rows(
    since: datetime | None = None,
) -> list[tuple[int, int, int, datetime]]:
    """(partnership id, proposer id, partner id, agreed at) for partnerships that
    were agreed (active or ended), oldest first."""
    rows = Partnership.objects.filter(
        status__in=[Partnership.Status.ACTIVE, Partnership.Status.ENDED],
        answered_at__isnull=False,
    )
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    return list(
        rows.order_by("answered_at", "pk").values_list(
            "pk", "proposer_id", "partner_id", "answered_at"
        )
    )


def analytics_credit_rows(
    since: datetime | None = None,
) -> list[tuple[int, datetime, list[int]]]:
    """(story id, published at, credited organisation ids) for published stories
    that credit two or more organisations, oldest first."""
    rows = StoryCredit.objects.filter(
        story__status=SuccessStory.Status.PUBLISHED, story__published_at__isnull=False
    )
    if since is not None:
        rows = rows.filter(story__published_at__gte=since)
    stories: dict[int, tuple[datetime, list[int]]] = {}
    for story_id, published_at, organisation_id in rows.order_by(
        "story__published_at", "story_id", "organisation_id"
    ).values_list("story_id", "story__published_at", "organisation_id"):
        stories.setdefault(story_id, (published_at, []))[1].append(organisation_id)
    return [
        (story_id, at, sorted(set(orgs)))
        for story_id, (at, orgs) in stories.items()
        if len(set(orgs)) >= 2
    ]


def analytics_co_delivery_rows() -> list[tuple[int, int, int, datetime]]:
    """(service id, organisation id, co-delivering organisation id, service created
    at) for every listed service delivered together with another organisation."""
    return [
        (pk, owner, other, created)
        for pk, owner, other, created in Service.objects.filter(
            status__in=LISTED_STATUSES, co_delivered_by__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "organisation_id", "co_delivered_by", "created_at")
        if owner != other
    ]


def home_waiting_for_admin(user: User, *, limit: int = 5) -> dict[str, list]:
    """What waits for `user` as an organisation admin: partnerships proposed to
    their organisations and draft stories of their organisations that they may
    publish (none names an entrepreneur, who would decide instead)."""
    if not user.is_authenticated:
        return {"partnerships": [], "stories": []}
    admin_of = Membership.objects.filter(user=user, role=Role.ADMIN).values(
        "organisation_id"
    )
    return {
        "partnerships": list(
            partnership_queryset()
            .filter(status=Partnership.Status.PROPOSED, partner_id__in=admin_of)
            .order_by("created_at", "pk")[:limit]
        ),
        "stories": list(
            SuccessStory.objects.filter(
                status=SuccessStory.Status.DRAFT,
                entrepreneur__isnull=True,
                author_organisation_id__in=admin_of,
            )
            .select_related("author_organisation")
            .order_by("created_at", "pk")[:limit]
        ),
    }
