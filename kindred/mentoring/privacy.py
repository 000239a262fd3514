"""Personal data of mentoring: applications (with answers), pairs, requests,
goals, sessions, private notes, check-ins and feedback.

Erasure keeps applications and pairs (programme statistics survive) without
answers or preferences; private notes are deleted; comments and agreements are
cleared; ratings stay.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kindred.core.personal_data import Provider, register, rows


def _pairs(person: Any) -> Any:
    from kindred.mentoring.models import Pair

    return Pair.objects.filter(Q(mentee__user=person) | Q(mentor__user=person))


def _export(person: Any) -> dict[str, Any]:
    from kindred.mentoring.models import (
        Application,
        CheckIn,
        Feedback,
        Goal,
        MentoringProgramme,
        MentorRequest,
        Milestone,
        Note,
        Session,
    )

    pairs = _pairs(person)
    return {
        "applications": rows(
            Application.objects.filter(user=person),
            "programme__title",
            "side",
            "status",
            "answers",
            "stages",
            "languages",
            "availability",
            "experience_years",
            "capacity",
            "preferences",
            "created_at",
        ),
        "pairs": rows(
            pairs,
            "id",
            "programme__title",
            "status",
            "agreement",
            "matched_at",
            "closed_at",
        ),
        "requests": rows(
            MentorRequest.objects.filter(
                Q(mentee__user=person) | Q(mentor__user=person)
            ),
            "programme__title",
            "status",
            "message",
            "created_at",
        ),
        "goals": rows(
            Goal.objects.filter(pair__in=pairs), "pair_id", "title", "done_at"
        ),
        "milestones": rows(
            Milestone.objects.filter(goal__pair__in=pairs),
            "goal__title",
            "title",
            "due_on",
            "done_at",
        ),
        "sessions": rows(
            Session.objects.filter(pair__in=pairs),
            "pair_id",
            "starts_at",
            "duration_minutes",
            "summary",
        ),
        "your_private_notes": rows(
            Note.objects.filter(author=person), "pair_id", "body", "created_at"
        ),
        "check_ins": rows(
            CheckIn.objects.filter(author=person),
            "pair_id",
            "still_meeting",
            "comment",
            "created_at",
        ),
        "feedback": rows(
            Feedback.objects.filter(author=person),
            "pair_id",
            "rating",
            "comment",
            "created_at",
        ),
        "programmes_you_created": rows(
            MentoringProgramme.objects.filter(created_by=person), "title", "status"
        ),
    }


def _erase(person: Any) -> None:
    from kindred.mentoring.models import (
        Application,
        CheckIn,
        Feedback,
        MentorRequest,
        Note,
    )

    Application.objects.filter(user=person).update(
        answers={}, preferences={}, availability=[], stages=[], languages=[]
    )
    MentorRequest.objects.filter(
        Q(mentee__user=person) | Q(mentor__user=person)
    ).update(message="")
    _pairs(person).update(agreement="")
    Note.objects.filter(author=person).delete()
    CheckIn.objects.filter(author=person).update(comment="")
    Feedback.objects.filter(author=person).update(comment="")


register(
    Provider(
        key="mentoring.mentoring",
        label=_("Mentoring"),
        models=(
            "mentoring.mentoringprogramme",
            "mentoring.application",
            "mentoring.forbiddenpair",
            "mentoring.pair",
            "mentoring.mentorrequest",
            "mentoring.goal",
            "mentoring.milestone",
            "mentoring.session",
            "mentoring.note",
            "mentoring.checkin",
            "mentoring.feedback",
        ),
        export=_export,
        erase=_erase,
    )
)
