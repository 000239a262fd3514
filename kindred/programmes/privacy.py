"""Personal data of programmes: places, waiting-list entries, survey answers and
reminders, programmes a person leads.

Erasure keeps places and numeric survey answers (outcome evaluation counts
everyone) but clears written answers and deletes reminders.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _export(person: Any) -> dict[str, Any]:
    from kindred.programmes.models import (
        Answer,
        Place,
        Programme,
        Reminder,
        Response,
        WaitingEntry,
    )

    return {
        "places": rows(
            Place.objects.filter(participant=person),
            "cohort__name",
            "status",
            "source",
            "referral_id",
            "created_at",
        ),
        "waiting_lists": rows(
            WaitingEntry.objects.filter(person=person),
            "programme_id",
            "created_at",
            "placed_at",
        ),
        "survey_responses": rows(
            Response.objects.filter(participant=person),
            "id",
            "window__kind",
            "window__cohort__name",
            "submitted_at",
        ),
        "survey_answers": rows(
            Answer.objects.filter(response__participant=person),
            "response_id",
            "item__text",
            "number",
            "text",
        ),
        "reminders": rows(
            Reminder.objects.filter(participant=person), "window__kind", "sent_at"
        ),
        "programmes_you_lead": rows(
            Programme.objects.filter(lead=person), "service__name", "created_at"
        ),
        "places_you_added": rows(
            Place.objects.filter(added_by=person), "cohort__name", "participant_id"
        ),
    }


def _erase(person: Any) -> None:
    from kindred.programmes.models import Answer, Reminder

    Answer.objects.filter(response__participant=person).exclude(text="").update(text="")
    Reminder.objects.filter(participant=person).delete()


register(
    Provider(
        key="programmes.places",
        label=_("Programme places and surveys"),
        models=(
            "programmes.programme",
            "programmes.place",
            "programmes.waitingentry",
            "programmes.response",
            "programmes.answer",
            "programmes.reminder",
        ),
        export=_export,
        erase=_erase,
    )
)
