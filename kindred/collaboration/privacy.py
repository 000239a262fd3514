"""Personal data of collaboration: success stories about or by a person, their
celebrations, the calls, interests and partnerships they handled for an
organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.collaboration.models import (
        CallForCollaboration,
        Celebration,
        Interest,
        Partnership,
        SuccessStory,
    )

    return {
        "stories_about_or_crediting_you": rows(
            SuccessStory.objects.filter(
                Q(entrepreneur=person) | Q(credited_people=person)
            ).distinct(),
            "id",
            "title",
            "body",
            "show_entrepreneur_name",
            "status",
            "published_at",
        ),
        "stories_you_wrote": rows(
            SuccessStory.objects.filter(created_by=person), "id", "title", "status"
        ),
        "celebrations": rows(
            Celebration.objects.filter(user=person), "story_id", "created_at"
        ),
        "calls_you_posted": rows(
            CallForCollaboration.objects.filter(created_by=person),
            "title",
            "created_at",
        ),
        "interests_you_expressed": rows(
            Interest.objects.filter(expressed_by=person),
            "call__title",
            "message",
            "created_at",
        ),
        "partnerships_you_handled": rows(
            Partnership.objects.filter(
                Q(proposed_by=person) | Q(answered_by=person) | Q(ended_by=person)
            ),
            "proposer__name",
            "partner__name",
            "status",
            "created_at",
        ),
    }


def _erase(person: Any) -> None:
    from kindred.collaboration.models import SuccessStory

    SuccessStory.objects.filter(entrepreneur=person).update(
        show_entrepreneur_name=False
    )
    for story in SuccessStory.objects.filter(credited_people=person):
        story.credited_people.remove(person)


register(
    Provider(
        key="collaboration.stories",
        label=_("Success stories, calls and partnerships"),
        models=(
            "collaboration.partnership",
            "collaboration.callforcollaboration",
            "collaboration.interest",
            "collaboration.successstory",
            "collaboration.celebration",
        ),
        export=_export,
        erase=_erase,
    )
)
