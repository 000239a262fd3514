"""Reads about members: the directory, what a viewer may see, completeness."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import Profile, User, Visibility
from kindred.algorithms.completeness import completeness
from kindred.core.markdown import render
from kindred.organisations import selectors as organisation_selectors


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    topic_offered: int | None = None
    topic_needed: int | None = None
    region: int | None = None
    sector: int | None = None
    stage: str = ""
    organisation: int | None = None
    # Offers help with at least one of these topics (an OR, unlike the filters above).
    topics_offered_any: tuple[int, ...] = ()

    @property
    def active(self) -> bool:
        return any(
            (
                self.q,
                self.topic_offered,
                self.topic_needed,
                self.region,
                self.sector,
                self.stage,
                self.organisation,
                self.topics_offered_any,
            )
        )


def search_members(viewer: User, filters: MemberFilters) -> QuerySet[Profile]:
    """Return listed profiles matching `filters`, judged only on what `viewer` may see.

    A hidden field never makes a profile match: filtering by region finds only
    people whose region the viewer is allowed to see.
    """
    colleagues = organisation_selectors.colleague_ids_query(viewer)
    visible = Profile.objects.where_visible
    profiles = Profile.objects.listed()
    if filters.q:
        words = Q(display_name__icontains=filters.q) | (
            Q(headline__icontains=filters.q) & visible("headline", viewer, colleagues)
        )
        profiles = profiles.filter(words)
    if filters.stage:
        profiles = profiles.filter(
            Q(stage=filters.stage) & visible("stage", viewer, colleagues)
        )
    if filters.region:
        profiles = profiles.filter(
            Q(region_id=filters.region) & visible("region", viewer, colleagues)
        )
    for field, value in (
        ("sectors", filters.sector),
        ("topics_offered", filters.topic_offered),
        ("topics_needed", filters.topic_needed),
    ):
        if value:
            # One profile links to a given term at most once: no duplicate rows.
            profiles = profiles.filter(
                Q(**{f"{field}__id": value}) & visible(field, viewer, colleagues)
            )
    if filters.topics_offered_any:
        offering = Profile.topics_offered.through.objects.filter(
            topic_id__in=filters.topics_offered_any
        ).values("profile_id")
        profiles = profiles.filter(
            Q(pk__in=offering) & visible("topics_offered", viewer, colleagues)
        )
    if filters.organisation:
        profiles = profiles.filter(
            user_id__in=organisation_selectors.member_ids_query(filters.organisation)
        )
    return profiles.order_by("display_name", "pk")


def with_card_data(profiles: QuerySet[Profile]) -> QuerySet[Profile]:
    """Prefetch what a member card shows, in a fixed number of queries."""
    return profiles.select_related("user", "region").prefetch_related(
        "sectors",
        "topics_offered",
        "topics_needed",
        Prefetch(
            "user__memberships",
            queryset=organisation_selectors.memberships_with_organisation(),
        ),
    )


class VisibleProfile:
    """A profile as one viewer may see it: hidden fields read as empty."""

    def __init__(self, profile: Profile, viewer: User, colleague_ids: set[int]):
        self.profile = profile
        self.viewer = viewer
        self._colleague_ids = colleague_ids

    def can_see(self, field: str) -> bool:
        level = getattr(self.profile, f"{field}_visibility")
        if self.viewer.pk == self.profile.user_id or level == Visibility.MEMBERS:
            return True
        if level == Visibility.ORGANISATIONS:
            return self.profile.user_id in self._colleague_ids
        return False

    def _field(self, field: str, empty: Any = "") -> Any:
        return getattr(self.profile, field) if self.can_see(field) else empty

    @property
    def pk(self) -> int:
        return self.profile.pk

    @property
    def user_id(self) -> int:
        return self.profile.user_id

    @property
    def display_name(self) -> str:
        return self.profile.display_name

    @property
    def is_self(self) -> bool:
        return self.viewer.pk == self.profile.user_id

    def get_absolute_url(self) -> str:
        return self.profile.get_absolute_url()

    @property
    def headline(self) -> str:
        return self._field("headline")

    @property
    def bio(self) -> str:
        return self._field("bio")

    @cached_property
    def bio_html(self) -> SafeString:
        return render(self.bio)

    @property
    def photo(self) -> Any:
        return self._field("photo", None) or None

    @property
    def region(self) -> Any:
        return self._field("region", None)

    @property
    def stage(self) -> str:
        return self._field("stage")

    @property
    def stage_label(self) -> str:
        return str(self.profile.get_stage_display()) if self.stage else ""

    @property
    def time_zone(self) -> str:
        return self._field("time_zone")

    @property
    def sectors(self) -> list[Any]:
        return list(self.profile.sectors.all()) if self.can_see("sectors") else []

    @property
    def topics_offered(self) -> list[Any]:
        if not self.can_see("topics_offered"):
            return []
        return list(self.profile.topics_offered.all())

    @property
    def topics_needed(self) -> list[Any]:
        if not self.can_see("topics_needed"):
            return []
        return list(self.profile.topics_needed.all())

    @property
    def languages(self) -> list[str]:
        return self.profile.language_names() if self.can_see("languages") else []

    @property
    def language_codes(self) -> list[str]:
        return list(self.profile.languages) if self.can_see("languages") else []

    @property
    def organisations(self) -> list[Any]:
        return [m.organisation for m in self.profile.user.memberships.all()]

    @property
    def memberships(self) -> list[Any]:
        return list(self.profile.user.memberships.all())


def visible_profiles(profiles: Iterable[Profile], viewer: User) -> list[VisibleProfile]:
    colleagues = organisation_selectors.colleague_ids(viewer)
    return [VisibleProfile(p, viewer, colleagues) for p in profiles]


def visible_profile(profile: Profile, viewer: User) -> VisibleProfile:
    return visible_profiles([profile], viewer)[0]


@dataclass(frozen=True)
class Completeness:
    percent: int
    missing: list[tuple[str, str]]  # (field label, why it matters)


_COMPLETENESS = (
    ("headline", _("Headline"), _("People scan headlines to decide whom to contact.")),
    ("bio", _("About you"), _("A few lines help others know how you can help.")),
    ("photo", _("Photo"), _("A face makes it easier to say yes to a coffee.")),
    ("region", _("Region"), _("Services and events near you can be suggested.")),
    ("sectors", _("Sectors"), _("You can be introduced to people in your field.")),
    ("stage", _("Business stage"), _("Support is often only for certain stages.")),
    (
        "topics_offered",
        _("Topics you can help with"),
        _("Others who need that help can find you."),
    ),
    (
        "topics_needed",
        _("Topics you want help with"),
        _("Kindred can recommend people and services."),
    ),
    ("languages", _("Languages"), _("You can be matched with people you can talk to.")),
)


def profile_completeness(profile: Profile) -> Completeness:
    """Say how complete `profile` is and what is missing, with why it matters."""
    filled = {}
    for field, _label, _why in _COMPLETENESS:
        value = getattr(profile, field)
        filled[field] = value.exists() if hasattr(value, "exists") else bool(value)
    percent, missing = completeness(filled, [field for field, *_ in _COMPLETENESS])
    reasons = {field: (str(label), str(why)) for field, label, why in _COMPLETENESS}
    return Completeness(percent=percent, missing=[reasons[f] for f in missing])
