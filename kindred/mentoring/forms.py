"""Forms of the mentoring pages; the services check the rules again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import Stage, User
from kindred.algorithms import mentor_matching
from kindred.communities.models import Group
from kindred.core.models import Region, Sector, Topic
from kindred.mentoring.models import (
    DAYS,
    PARTS,
    SLOTS,
    Access,
    Application,
    MentoringProgramme,
)
from kindred.mentoring.services import ApplicationInput, ProgrammeInput
from kindred.organisations.models import Organisation

CRITERION_LABELS: dict[str, Any] = {
    mentor_matching.GOALS: _("Shared goals and topics"),
    mentor_matching.SECTOR: _("Sector"),
    mentor_matching.STAGE: _("Business stage"),
    mentor_matching.REGION: _("Region"),
    mentor_matching.LANGUAGE: _("Language"),
    mentor_matching.AVAILABILITY: _("Availability"),
    mentor_matching.EXPERIENCE: _("Mentor's experience"),
    mentor_matching.PREFERENCE: _("Preferences"),
}
DAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
PART_LABELS = {"am": _("morning"), "pm": _("afternoon"), "eve": _("evening")}
SLOT_CHOICES = [
    (f"{d}-{p}", f"{DAY_LABELS[d]} {PART_LABELS[p]}") for d in DAYS for p in PARTS
]
assert [s for s, _label in SLOT_CHOICES] == list(SLOTS)
LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("cy", _("Welsh")),
    ("pl", _("Polish")),
    ("ur", _("Urdu")),
    ("pa", _("Punjabi")),
    ("ar", _("Arabic")),
    ("fr", _("French")),
    ("es", _("Spanish")),
]


def _terms(model: Any) -> Any:
    return model.objects.filter(is_active=True).order_by("name")


class ProgrammeForm(forms.Form):
    organisation = forms.ModelChoiceField(
        Organisation.objects.none(),
        label=_("Run by"),
        required=False,
        help_text=_("An organisation you are an admin or practitioner of."),
    )
    title = forms.CharField(label=_("Title"), max_length=160)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What it is for and who it is for. Markdown is allowed."),
    )
    starts_on = forms.DateField(
        label=_("Starts on"), required=False, widget=forms.DateInput({"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput({"type": "date"})
    )
    mode = forms.ChoiceField(
        label=_("Matching mode"),
        choices=MentoringProgramme.Mode.choices,
        widget=forms.RadioSelect,
    )
    objective = forms.ChoiceField(
        label=_("When matching everyone, aim for"),
        choices=MentoringProgramme.Objective.choices,
        widget=forms.RadioSelect,
    )
    mentor_access = forms.ChoiceField(
        label=_("Who may apply as mentor"), choices=Access.choices
    )
    mentor_organisations = forms.ModelMultipleChoiceField(
        Organisation.objects.filter(is_active=True).order_by("name"),
        label=_("Mentors' organisations"),
        required=False,
    )
    mentor_group = forms.ModelChoiceField(
        Group.objects.filter(status=Group.Status.ACTIVE).order_by("name"),
        label=_("Mentors' community group"),
        required=False,
    )
    mentee_access = forms.ChoiceField(
        label=_("Who may apply as mentee"), choices=Access.choices
    )
    mentee_organisations = forms.ModelMultipleChoiceField(
        Organisation.objects.filter(is_active=True).order_by("name"),
        label=_("Mentees' organisations"),
        required=False,
    )
    mentee_group = forms.ModelChoiceField(
        Group.objects.filter(status=Group.Status.ACTIVE).order_by("name"),
        label=_("Mentees' community group"),
        required=False,
        help_text=_("For example a cohort's group, to keep mentoring to the cohort."),
    )
    questions = forms.CharField(
        label=_("Application questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One question a line, at most 10."),
    )
    allow_same_organisation = forms.BooleanField(
        label=_("Allow pairs within the same organisation"), required=False
    )
    request_days = forms.IntegerField(
        label=_("Days a mentor has to answer a request"), min_value=1, max_value=60
    )
    suggestions_shown = forms.IntegerField(
        label=_("Mentors suggested to each mentee"), min_value=1, max_value=10
    )
    check_in_weeks = forms.IntegerField(
        label=_("Weeks between check-ins"), min_value=1, max_value=26
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True,
            memberships__user=user,
            memberships__role__in=["admin", "practitioner"],
        ).distinct()
        for criterion in mentor_matching.CRITERIA:
            self.fields[f"weight_{criterion}"] = forms.IntegerField(
                label=CRITERION_LABELS[criterion],
                min_value=0,
                max_value=10,
                initial=int(mentor_matching.DEFAULT_WEIGHTS[criterion]),
                help_text=_("Weight from 0 (ignore) to 10."),
            )

    def settings(self) -> ProgrammeInput:
        data = self.cleaned_data
        return ProgrammeInput(
            title=data["title"],
            purpose=data["purpose"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            mode=data["mode"],
            objective=data["objective"],
            mentor_access=data["mentor_access"],
            mentee_access=data["mentee_access"],
            mentor_organisations=list(data["mentor_organisations"]),
            mentee_organisations=list(data["mentee_organisations"]),
            mentor_group=data["mentor_group"],
            mentee_group=data["mentee_group"],
            questions=[q for q in data["questions"].splitlines() if q.strip()],
            weights={
                c: data[f"weight_{c}"]
                for c in mentor_matching.CRITERIA
                if data.get(f"weight_{c}") is not None
            },
            allow_same_organisation=data["allow_same_organisation"],
            request_days=data["request_days"],
            suggestions_shown=data["suggestions_shown"],
            check_in_weeks=data["check_in_weeks"],
        )


def programme_initial(programme: MentoringProgramme | None) -> dict[str, Any]:
    if programme is None:
        return {
            "mode": MentoringProgramme.Mode.PROGRAMME,
            "objective": MentoringProgramme.Objective.BEST_TOTAL,
            "mentor_access": Access.ANYONE,
            "mentee_access": Access.ANYONE,
            "request_days": 7,
            "suggestions_shown": 3,
            "check_in_weeks": 4,
        }
    initial = {
        name: getattr(programme, name)
        for name in (
            "title",
            "purpose",
            "starts_on",
            "ends_on",
            "mode",
            "objective",
            "mentor_access",
            "mentee_access",
            "mentor_group",
            "mentee_group",
            "allow_same_organisation",
            "request_days",
            "suggestions_shown",
            "check_in_weeks",
        )
    }
    initial["organisation"] = programme.organisation
    initial["mentor_organisations"] = list(programme.mentor_organisations.all())
    initial["mentee_organisations"] = list(programme.mentee_organisations.all())
    initial["questions"] = "\n".join(programme.questions)
    for criterion, weight in (programme.weights or {}).items():
        initial[f"weight_{criterion}"] = int(weight)
    return initial


class ApplicationForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        Topic.objects.none(), label=_("Topics and goals")
    )
    sectors = forms.ModelMultipleChoiceField(
        Sector.objects.none(), label=_("Sectors"), required=False
    )
    stages = forms.MultipleChoiceField(
        label=_("Business stage"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.ModelMultipleChoiceField(
        Region.objects.none(), label=_("Regions"), required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you can mentor or be mentored in"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.MultipleChoiceField(
        label=_("When you are usually free"),
        choices=SLOT_CHOICES,
        required=False,
    )
    experience_years = forms.IntegerField(
        label=_("Years of experience"), min_value=0, max_value=80, required=False
    )
    capacity = forms.IntegerField(
        label=_("How many mentees you can take (1 to 5)"),
        min_value=1,
        max_value=5,
        required=False,
    )

    def __init__(
        self, *args: Any, programme: MentoringProgramme, side: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.side = side
        self.fields["topics"].queryset = _terms(Topic)  # type: ignore[attr-defined]
        self.fields["sectors"].queryset = _terms(Sector)  # type: ignore[attr-defined]
        self.fields["regions"].queryset = _terms(Region)  # type: ignore[attr-defined]
        if side == Application.Side.MENTEE:
            del self.fields["experience_years"]
            del self.fields["capacity"]
            self.fields["stages"].label = _("Your business's stage (choose one)")
            self.fields["topics"].help_text = _("What you want help with.")
        else:
            self.fields["stages"].label = _("Stages you like to work with")
            self.fields["topics"].help_text = _("What you can mentor on.")
        self.questions = list(programme.questions)
        for i, question in enumerate(self.questions):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=question,
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def data_for_service(self) -> ApplicationInput:
        data = self.cleaned_data
        return ApplicationInput(
            side=self.side,
            answers=[data.get(f"answer_{i}", "") for i in range(len(self.questions))],
            topics=list(data["topics"]),
            sectors=list(data["sectors"]),
            stages=data["stages"],
            regions=list(data["regions"]),
            languages=data["languages"],
            availability=data["availability"],
            experience_years=data.get("experience_years") or 0,
            capacity=data.get("capacity") or 1,
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=MentoringProgramme.Status.choices)


class PairForm(forms.Form):
    mentee = forms.ModelChoiceField(Application.objects.none(), label=_("Mentee"))
    mentor = forms.ModelChoiceField(Application.objects.none(), label=_("Mentor"))

    def __init__(self, *args: Any, programme: MentoringProgramme, **kwargs: Any):
        super().__init__(*args, **kwargs)
        people = Application.objects.filter(
            programme=programme, status=Application.Status.SUBMITTED
        ).select_related("user__profile")
        self.fields["mentee"].queryset = people.filter(side="mentee")  # type: ignore[attr-defined]
        self.fields["mentor"].queryset = people.filter(side="mentor")  # type: ignore[attr-defined]
        self.fields["mentee"].label_from_instance = _person  # type: ignore[attr-defined]
        self.fields["mentor"].label_from_instance = _person  # type: ignore[attr-defined]


def _person(application: Application) -> str:
    return application.user.profile.display_name


class SwapForm(forms.Form):
    other = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class RequestForm(forms.Form):
    """A ranked list of mentors: rank_<application id> = 1, 2, 3..."""

    message = forms.CharField(
        label=_("A few words to your mentor (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, mentors: list[Application], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mentors = mentors
        for mentor in mentors:
            self.fields[f"rank_{mentor.pk}"] = forms.IntegerField(
                label=mentor.user.profile.display_name,
                min_value=1,
                max_value=5,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ranked = sorted(
            (data[f"rank_{m.pk}"], m.pk, m)
            for m in self.mentors
            if data.get(f"rank_{m.pk}")
        )
        if not ranked:
            raise forms.ValidationError(_("Give at least one mentor a rank (1 first)."))
        ranks = [r for r, _pk, _m in ranked]
        if len(set(ranks)) != len(ranks):
            raise forms.ValidationError(_("Give each mentor a different rank."))
        data["ranked"] = [m for _r, _pk, m in ranked]
        return data


class AgreementForm(forms.Form):
    agreement = forms.CharField(
        label=_("Mentoring agreement"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How often you meet, how, and what stays confidential."),
    )


class GoalForm(forms.Form):
    title = forms.CharField(label=_("New goal"), max_length=200)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput({"type": "date"})
    )


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput({"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"), min_value=5, max_value=600, initial=60
    )
    summary = forms.CharField(
        label=_("What you talked about (both of you see this)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Private note (only you see it)"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CheckInForm(forms.Form):
    still_meeting = forms.TypedChoiceField(
        label=_("Are you still meeting?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add (the organisers see it)"),
        max_length=1000,
        required=False,
    )


class CloseOutForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the mentoring?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 not useful, 5 very useful."),
    )
    comment = forms.CharField(
        label=_("Feedback for the organisers"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
