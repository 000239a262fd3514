"""Recommended helpers for an ask, and asks a member could help with.

The ranking itself is `kindred.algorithms.helper_ranking`; this module feeds it.
One index over every person who can be recommended (and every listed member
business, for supplier asks) is built per process and reused while a cheap version
stamp of its sources is unchanged; the stamp is kept in the cache for a minute, so
an edit reaches the recommendations within about a minute. A request then costs a
few small queries: the ask's topics, the asker's organisations, who may see the
ask (group and organisation asks), recent invitations of the best candidates, and
the names of the results.

What goes into a person's document is what every member may see: a profile field
only when its visibility is "signed-in members", active offers, and helpful answers
on asks the whole ecosystem can read. Private group and organisation asks never
feed the index, so a recommendation cannot leak them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kindred.accounts.models import Profile, User, Visibility
from kindred.algorithms import helper_ranking as hr
from kindred.communities.models import Membership as GroupMembership
from kindred.core.models import Topic
from kindred.organisations.models import Membership
from kindred.peerhelp import selectors
from kindred.peerhelp.models import (
    DEFAULT_MONTHLY_LIMIT,
    Ask,
    HelpInvitation,
    Offer,
    Response,
)

logger = logging.getLogger("kindred.peerhelp")

STAMP_CACHE_KEY = "peerhelp:helper-index-stamp"
STAMP_SECONDS = 60
LOAD_DAYS = 30
#: Recent helpful answers (and characters of each) that go into a person's document.
ANSWERS_PER_PERSON = 5
ANSWER_CHARS = 1000
#: Open asks considered for "asks you could help with", newest first.
ASKS_CONSIDERED = 300
#: Extra results ranked in case some turn out no longer listed.
SPARE = 5

try:  # the projects app owns member businesses
    from kindred.projects.models import Business
except ImportError:  # pragma: no cover - projects is part of the same release
    Business = None  # type: ignore[assignment,misc]


@dataclass(frozen=True)
class Recommendation:
    user_id: int
    score: float
    factors: dict[str, float]
    reason: str
    name: str = ""
    business_id: int | None = None
    business_name: str = ""


@dataclass
class _OfferSummary:
    title: str
    topics: frozenset[int]


@dataclass
class HelperIndexState:
    """One built index and what the reasons need, for one version stamp."""

    stamp: tuple
    index: hr.HelperIndex
    topic_names: dict[int, str]
    topic_parent: dict[int, int | None]
    offers: dict[int, list[_OfferSummary]]
    business_names: dict[int, str]
    built_seconds: float
    people: int
    businesses: int
    built_at: float = field(default_factory=time.time)


_lock = threading.Lock()
_state: HelperIndexState | None = None


# --- the index ---------------------------------------------------------------------


def _helpful_responses() -> Any:
    """Helpful answers that may feed the index: shown, on shown ecosystem asks, and
    not the asker answering themselves."""
    return Response.objects.filter(
        helped=True,
        hidden=False,
        ask__hidden=False,
        ask__visibility=Ask.Visibility.ECOSYSTEM,
    ).exclude(author_id=F("ask__author_id"))


def version_stamp() -> tuple:
    """Counts and latest changes of everything the index is built from (cached)."""
    stamp = cache.get(STAMP_CACHE_KEY)
    if stamp is None:
        stamp = _compute_stamp()
        cache.set(STAMP_CACHE_KEY, stamp, STAMP_SECONDS)
    return tuple(stamp)


def _compute_stamp() -> tuple:
    def both(queryset: Any, latest: str) -> tuple:
        row = queryset.aggregate(n=Count("pk"), latest=Max(latest))
        value = row["latest"]
        return (row["n"], value.isoformat() if hasattr(value, "isoformat") else value)

    parts: list[Any] = [
        both(Profile.objects.all(), "updated_at"),
        Profile.objects.listed().count(),
        both(Profile.topics_offered.through.objects.all(), "pk"),
        both(Offer.objects.all(), "updated_at"),
        both(Offer.topics.through.objects.all(), "pk"),
        both(_helpful_responses(), "helped_at"),
        both(Membership.objects.all(), "pk"),
        both(Topic.objects.all(), "pk"),
    ]
    if Business is not None:
        parts.append(both(Business.objects.all(), "updated_at"))
    return tuple(str(p) for p in parts)


def _text(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _documents(
    user_ids: Sequence[int] | None = None,
) -> tuple[list[hr.Candidate], dict[int, list[_OfferSummary]], dict[int, str]]:
    """Candidates for every listed person (or only `user_ids`) and listed business,
    their active offers and the businesses' names."""
    profiles = Profile.objects.listed()
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
    topic_names = dict(Topic.objects.values_list("pk", "name"))
    members = Visibility.MEMBERS
    rows = list(
        profiles.values_list(
            "pk",
            "user_id",
            "headline",
            "bio",
            "headline_visibility",
            "bio_visibility",
            "topics_offered_visibility",
        )
    )
    people = {row[1] for row in rows}
    profile_user = {row[0]: row[1] for row in rows if row[6] == members}
    profile_topics: dict[int, set[int]] = defaultdict(set)
    links = Profile.topics_offered.through.objects.filter(
        profile_id__in=profiles.filter(topics_offered_visibility=members).values("pk")
    ).values_list("profile_id", "topic_id")
    for profile_id, topic_id in links:
        if profile_id in profile_user:
            profile_topics[profile_user[profile_id]].add(topic_id)

    listed_users = profiles.values("user_id")
    offers: dict[int, list[_OfferSummary]] = defaultdict(list)
    offer_text: dict[int, list[str]] = defaultdict(list)
    limits: dict[int, int] = {}
    active = Offer.objects.filter(is_active=True, helper_id__in=listed_users)
    offer_topics: dict[int, set[int]] = defaultdict(set)
    for offer_id, topic_id in Offer.topics.through.objects.filter(
        offer_id__in=active.values("pk")
    ).values_list("offer_id", "topic_id"):
        offer_topics[offer_id].add(topic_id)
    for offer_id, helper_id, title, details, limit in active.order_by(
        "-created_at", "-pk"
    ).values_list("pk", "helper_id", "title", "details", "monthly_limit"):
        topics = frozenset(offer_topics.get(offer_id, ()))
        offers[helper_id].append(_OfferSummary(title, topics))
        offer_text[helper_id].append(
            _text(title, details, *(topic_names.get(t, "") for t in topics))
        )
        limits[helper_id] = max(limits.get(helper_id, 0), limit)

    helpful = _helpful_responses().filter(author_id__in=listed_users)
    ask_topics: dict[int, set[int]] = defaultdict(set)
    for ask_id, topic_id in Ask.topics.through.objects.filter(
        ask_id__in=helpful.values("ask_id")
    ).values_list("ask_id", "topic_id"):
        ask_topics[ask_id].add(topic_id)
    helped_people: dict[int, dict[int, set[int]]] = defaultdict(
        lambda: defaultdict(set)
    )
    answers: dict[int, list[str]] = defaultdict(list)
    for author_id, ask_id, asker_id, body in helpful.order_by(
        "-helped_at", "-pk"
    ).values_list("author_id", "ask_id", "ask__author_id", "body"):
        for topic_id in ask_topics.get(ask_id, ()):
            helped_people[author_id][topic_id].add(asker_id)
        if len(answers[author_id]) < ANSWERS_PER_PERSON:
            answers[author_id].append(body[:ANSWER_CHARS])

    organisations: dict[int, set[int]] = defaultdict(set)
    for user_id, organisation_id in Membership.objects.filter(
        user_id__in=listed_users
    ).values_list("user_id", "organisation_id"):
        organisations[user_id].add(organisation_id)

    candidates = []
    for _pk, user_id, headline, bio, headline_vis, bio_vis, _topics_vis in rows:
        offered: set[int] = profile_topics.get(user_id, set()) | {
            t for offer in offers.get(user_id, ()) for t in offer.topics
        }
        candidates.append(
            hr.Candidate(
                person=user_id,
                text=_text(
                    headline if headline_vis == members else "",
                    bio if bio_vis == members else "",
                    *(topic_names.get(t, "") for t in profile_topics.get(user_id, ())),
                    *offer_text.get(user_id, ()),
                    *answers.get(user_id, ()),
                ),
                topics=frozenset(offered),
                helped={t: len(a) for t, a in helped_people.get(user_id, {}).items()},
                organisations=frozenset(organisations.get(user_id, ())),
                monthly_limit=limits.get(user_id, DEFAULT_MONTHLY_LIMIT),
                has_offer=user_id in offers,
            )
        )

    business_names: dict[int, str] = {}
    if Business is not None and user_ids is None:
        businesses = Business.objects.filter(is_active=True, owner_id__in=people)
        business_topics: dict[int, set[int]] = defaultdict(set)
        for business_id, topic_id in Business.topics.through.objects.filter(
            business_id__in=businesses.values("pk")
        ).values_list("business_id", "topic_id"):
            business_topics[business_id].add(topic_id)
        for pk, owner_id, name, summary, sells, member_offer in businesses.values_list(
            "pk", "owner_id", "name", "summary", "offers", "member_offer"
        ):
            topics = frozenset(business_topics.get(pk, ()))
            business_names[pk] = name
            candidates.append(
                hr.Candidate(
                    person=owner_id,
                    business=pk,
                    text=_text(
                        name,
                        summary,
                        sells,
                        member_offer,
                        *(topic_names.get(t, "") for t in topics),
                    ),
                    topics=topics,
                    organisations=frozenset(organisations.get(owner_id, ())),
                    monthly_limit=limits.get(owner_id, DEFAULT_MONTHLY_LIMIT),
                    has_offer=True,
                )
            )
    return candidates, dict(offers), business_names


def build_index(stamp: tuple = ()) -> HelperIndexState:
    """Build the index from the database (a few seconds for 50,000 people)."""
    started = time.perf_counter()
    topics = list(Topic.objects.values_list("pk", "name", "parent_id"))
    topic_parent: dict[int, int | None] = {pk: parent for pk, _n, parent in topics}
    candidates, offers, business_names = _documents()
    index = hr.HelperIndex(candidates, topic_parent=topic_parent)
    return HelperIndexState(
        stamp=stamp,
        index=index,
        topic_names={pk: name for pk, name, _parent in topics},
        topic_parent=topic_parent,
        offers=offers,
        business_names=business_names,
        built_seconds=round(time.perf_counter() - started, 3),
        people=sum(1 for c in candidates if c.business is None),
        businesses=len(business_names),
    )


def current_index() -> HelperIndexState:
    """The process's index, rebuilt when its sources changed.

    The first index of a process is built in the request. After that, a change is
    picked up by a rebuild in a background thread while requests keep using the
    previous index (a rebuild takes seconds at tens of thousands of people), unless
    KINDRED_HELPER_INDEX_BACKGROUND is off (tests), when the request rebuilds it.
    """
    global _state
    stamp = version_stamp()
    state = _state
    if state is not None and state.stamp == stamp:
        return state
    if state is not None and settings.KINDRED_HELPER_INDEX_BACKGROUND:
        _rebuild_in_background(stamp)
        return state
    with _lock:
        if _state is None or _state.stamp != stamp:
            _state = build_index(stamp)
            logger.info(
                "Helper index built: %d people, %d businesses in %.1f s",
                _state.people,
                _state.businesses,
                _state.built_seconds,
            )
        return _state


_rebuilding = False


def _rebuild_in_background(stamp: tuple) -> None:
    """Start one rebuild thread for `stamp` unless one is already running."""
    global _rebuilding
    with _lock:
        if _rebuilding:
            return
        _rebuilding = True

    def run() -> None:
        global _state, _rebuilding
        try:
            built = build_index(stamp)
            with _lock:
                _state = built
            logger.info(
                "Helper index rebuilt: %d people, %d businesses in %.1f s",
                built.people,
                built.businesses,
                built.built_seconds,
            )
        except Exception:
            logger.exception("rebuilding the helper index failed")
        finally:
            _rebuilding = False
            close_old_connections()

    threading.Thread(target=run, name="kindred-helper-index", daemon=True).start()


def reset_index() -> None:
    """Forget the built index and its stamp (tests; after bulk imports)."""
    global _state
    with _lock:
        _state = None
    cache.delete(STAMP_CACHE_KEY)


# --- recommendations ---------------------------------------------------------------


def _recent_invitations(people: np.ndarray) -> dict[int, int]:
    since = timezone.now() - timedelta(days=LOAD_DAYS)
    return dict(
        HelpInvitation.objects.filter(
            user_id__in=[int(p) for p in people], invited=True, created_at__gte=since
        )
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )


def _audience(ask: Ask) -> list[int] | None:
    """The people who may see `ask` when it is not for the whole ecosystem."""
    if ask.visibility == Ask.Visibility.GROUP:
        if ask.group_id is None:
            return []
        return list(
            GroupMembership.objects.filter(
                group_id=ask.group_id, status=GroupMembership.Status.ACTIVE
            ).values_list("user_id", flat=True)
        )
    if ask.visibility == Ask.Visibility.ORGANISATIONS:
        return list(
            Membership.objects.filter(
                organisation_id__in=ask.organisations.values("pk")
            ).values_list("user_id", flat=True)
        )
    return None


def _names(topic_ids: Iterable[int], state: HelperIndexState) -> str:
    return ", ".join(sorted(state.topic_names.get(t, "") for t in topic_ids))


def reason_for(
    found: hr.Recommendation, ask_topics: set[int], state: HelperIndexState
) -> str:
    """A human sentence from the factors, e.g. "offers help with cash-flow
    forecasting; helped 3 people on finance; outside your organisations"."""
    parts: list[str] = []
    if found.business is not None:
        parts.append(
            _("runs %(business)s, a member business")
            % {"business": state.business_names.get(found.business, "")}
        )
    offers = state.offers.get(found.person, [])
    matching = sorted(offers, key=lambda o: -len(o.topics & ask_topics))
    if found.business is None and matching and matching[0].topics & ask_topics:
        parts.append(_("offers help with “%(offer)s”") % {"offer": matching[0].title})
    elif found.matched_topics:
        parts.append(
            _("can help with %(topics)s")
            % {"topics": _names(found.matched_topics, state)}
        )
    if found.factors[hr.TEXT] >= 0.5 * hr.DEFAULT_WEIGHTS.text:
        parts.append(_("writes about what you asked"))
    if found.helped_on_topics:
        parts.append(
            ngettext(
                "helped %(count)d person on %(topics)s",
                "helped %(count)d people on %(topics)s",
                found.helped_on_topics,
            )
            % {
                "count": found.helped_on_topics,
                "topics": _names(ask_topics & set(state.topic_names), state),
            }
        )
    elif found.helped_on_related:
        parts.append(
            ngettext(
                "helped %(count)d person on related topics",
                "helped %(count)d people on related topics",
                found.helped_on_related,
            )
            % {"count": found.helped_on_related}
        )
    if found.recent_invitations >= found.monthly_limit:
        parts.append(_("already asked often this month"))
    elif found.recent_invitations == 0:
        parts.append(_("not asked to help recently"))
    if found.outside_organisations:
        parts.append(_("outside your organisations"))
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:]


def recommend_for_ask(
    ask: Ask, *, limit: int = 10, exclude: Iterable[int] = ()
) -> list[Recommendation]:
    """Up to `limit` people likely to help with `ask`, best first, each with the
    contribution of every factor and a reason.

    Only listed people (active, not suspended) who can see the ask are recommended:
    a group ask's active members, an organisations ask's members. Never the asker or
    anyone in `exclude`. Supplier asks include member businesses (their owner is
    the person recommended and invited).
    """
    state = current_index()
    ask_topics = {t.pk for t in ask.topics.all()}
    # The index knows the memberships of everyone listed (as of its stamp).
    asker_organisations = state.index.organisations_of(ask.author_id)
    if asker_organisations is None:
        asker_organisations = frozenset(
            Membership.objects.filter(user_id=ask.author_id).values_list(
                "organisation_id", flat=True
            )
        )
    audience = _audience(ask)
    query = hr.Query(
        text=f"{ask.title}\n{ask.details}",
        topics=ask_topics,
        asker=ask.author_id,
        asker_organisations=asker_organisations,
        exclude=set(exclude),
        only=audience,
        businesses=ask.kind == Ask.Kind.SUPPLIER and Business is not None,
    )
    found = state.index.rank(
        query, k=limit + SPARE, recent_invitations=_recent_invitations
    )
    names = dict(
        Profile.objects.listed()
        .filter(user_id__in=[f.person for f in found])
        .values_list("user_id", "display_name")
    )
    results = []
    for f in found:
        if f.person not in names:  # suspended or left since the index was built
            continue
        results.append(
            Recommendation(
                user_id=f.person,
                score=f.score,
                factors=dict(f.factors),
                reason=reason_for(f, ask_topics, state),
                name=names[f.person],
                business_id=f.business,
                business_name=state.business_names.get(f.business, "")
                if f.business is not None
                else "",
            )
        )
        if len(results) == limit:
            break
    return results


def asks_you_could_help_with(user: User, *, limit: int = 10) -> list[Ask]:
    """Open asks `user` may see, not their own and not yet answered by them, that
    match their profile, offers and past helpful answers best first."""
    if not user.is_active or user.suspended_at is not None:
        return []
    documents, _offers, _names_ = _documents([user.pk])
    if not documents:
        return []
    answered = Response.objects.filter(author_id=user.pk).values("ask_id")
    rows = list(
        selectors.visible_asks(user)
        .filter(status=Ask.Status.OPEN, hidden=False)
        .exclude(author_id=user.pk)
        .exclude(pk__in=answered)
        .order_by("-created_at", "-pk")
        .values_list("pk", "title", "details")[:ASKS_CONSIDERED]
    )
    if not rows:
        return []
    topics: dict[int, set[int]] = defaultdict(set)
    for ask_id, topic_id in Ask.topics.through.objects.filter(
        ask_id__in=[r[0] for r in rows]
    ).values_list("ask_id", "topic_id"):
        topics[ask_id].add(topic_id)
    ranked = hr.rank_asks(
        documents[0],
        [
            hr.AskDocument(pk, f"{title}\n{details}", topics.get(pk, set()))
            for pk, title, details in rows
        ],
        topic_parent=dict(Topic.objects.values_list("pk", "parent_id")),
        limit=limit,
    )
    order = [pk for pk, _score in ranked]
    asks = Ask.objects.filter(pk__in=order).select_related("author__profile")
    by_pk = {a.pk: a for a in asks.prefetch_related("topics")}
    return [by_pk[pk] for pk in order if pk in by_pk]
