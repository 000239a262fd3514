"""Personal data of insights: posts, comments, reactions and follows."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.insights.models import Comment, Follow, Insight, Reaction

    return {
        "insights": rows(
            Insight.objects.filter(author=person), "title", "body", "link", "created_at"
        ),
        "comments": rows(
            Comment.objects.filter(author=person),
            "insight__title",
            "body",
            "created_at",
        ),
        "reactions": rows(
            Reaction.objects.filter(user=person), "insight__title", "kind", "created_at"
        ),
        "follows": rows(
            Follow.objects.filter(follower=person),
            "topic__name",
            "person_id",
            "created_at",
        ),
        "followed_by": Follow.objects.filter(person=person).count(),
    }


def _erase(person: Any) -> None:
    from kindred.insights.models import Follow

    Follow.objects.filter(Q(follower=person) | Q(person=person)).delete()


register(
    Provider(
        key="insights.insights",
        label=_("Insights, comments and follows"),
        models=(
            "insights.insight",
            "insights.reaction",
            "insights.comment",
            "insights.follow",
        ),
        export=_export,
        erase=_erase,
    )
)
