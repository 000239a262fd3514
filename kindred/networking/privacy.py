"""Personal data of networking rounds: participation, do-not-pair choices and the
introductions a person was part of.

Erasure ends participation and deletes do-not-pair choices in both directions;
introductions stay (round statistics survive) without topic lines.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.networking.models import (
        DoNotPair,
        Member,
        Participation,
        Programme,
        Round,
    )

    return {
        "participation": rows(
            Participation.objects.filter(user=person),
            "programme__name",
            "opted_in",
            "snoozed_round_on",
            "topic_line",
            "created_at",
        ),
        "do_not_pair": rows(
            DoNotPair.objects.filter(owner=person), "other_id", "created_at"
        ),
        "introductions": rows(
            Member.objects.filter(user=person),
            "introduction_id",
            "introduction__round__round_on",
            "topic_line",
            "did_meet",
            "rating",
            "stay_in_touch",
            "answered_at",
        ),
        "programmes_you_created": rows(
            Programme.objects.filter(created_by=person), "name", "created_at"
        ),
        "rounds_you_ran": rows(
            Round.objects.filter(ran_by=person), "programme__name", "round_on"
        ),
    }


def _erase(person: Any) -> None:
    from kindred.networking.models import DoNotPair, Member, Participation

    Participation.objects.filter(user=person).delete()
    DoNotPair.objects.filter(Q(owner=person) | Q(other=person)).delete()
    Member.objects.filter(user=person).update(topic_line="")


register(
    Provider(
        key="networking.rounds",
        label=_("Networking rounds"),
        models=(
            "networking.programme",
            "networking.participation",
            "networking.donotpair",
            "networking.round",
            "networking.introduction",
            "networking.member",
        ),
        export=_export,
        erase=_erase,
    )
)
