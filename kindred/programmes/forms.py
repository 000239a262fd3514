"""Forms of the programmes pages; the rules themselves live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import User
from kindred.directory.models import Service
from kindred.programmes.models import Cohort, Item, SurveyWindow


class ProgrammeForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        help_text=_("A service of your organisation marked as a programme."),
    )
    lead = forms.ModelChoiceField(
        label=_("Programme lead"),
        queryset=User.objects.none(),
        help_text=_("An admin or practitioner of the organisation."),
    )
    summary = forms.CharField(
        label=_("About the programme"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who it is for and what happens. Markdown is allowed."),
    )

    def __init__(self, *args: Any, services: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["lead"].queryset = staff


class ProgrammeEditForm(forms.Form):
    lead = forms.ModelChoiceField(
        label=_("Programme lead"), queryset=User.objects.none()
    )
    summary = ProgrammeForm.base_fields["summary"]

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = staff


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=500, initial=12
    )
    instrument = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=None,
        required=False,
        help_text=_("Asked at entry, exit and (if you set a date) follow-up."),
    )
    follow_up_on = forms.DateField(
        label=_("Follow-up survey on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=None,
        required=False,
        help_text=_("Participants are enrolled in it when they get a place."),
    )
    mentoring = forms.ModelChoiceField(
        label=_("Mentoring programme (optional)"), queryset=None, required=False
    )
    next_steps = forms.ModelMultipleChoiceField(
        label=_("Suggested next steps"),
        queryset=Service.objects.none(),
        required=False,
        help_text=_("Services to refer participants on to at the end."),
    )
    first_session = forms.DateTimeField(
        label=_("First weekly session (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty to plan sessions later on the events page."),
    )
    time_zone = forms.CharField(
        label=_("Time zone of the sessions"), max_length=64, initial="Europe/London"
    )
    weeks = forms.IntegerField(
        label=_("Number of weekly sessions"), min_value=1, max_value=52, initial=8
    )
    minutes = forms.IntegerField(
        label=_("Length of a session in minutes"),
        min_value=15,
        max_value=480,
        initial=90,
    )
    meeting_url = forms.URLField(
        label=_("Meeting link (optional)"),
        required=False,
        max_length=500,
        help_text=_("Leave empty and Kindred creates a video room."),
    )

    def __init__(
        self,
        *args: Any,
        instruments: Any,
        courses: Any,
        mentoring: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments
        self.fields["course"].queryset = courses
        self.fields["mentoring"].queryset = mentoring
        self.fields["next_steps"].queryset = Service.objects.filter(
            status=Service.Status.ACTIVE
        ).order_by("name")


class ScaleRowForm(forms.Form):
    name = forms.CharField(label=_("Scale name"), max_length=120, required=False)
    higher_is_better = forms.BooleanField(
        label=_("A higher score is better"), required=False, initial=True
    )


class ItemRowForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Answer"), choices=Item.Kind.choices)
    scale = forms.TypedChoiceField(
        label=_("Scale"),
        choices=[("", _("Not scored"))] + [(str(i), str(i + 1)) for i in range(5)],
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("The number of the scale above it counts towards."),
    )
    reverse = forms.BooleanField(label=_("Reverse-scored"), required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    minimum = forms.FloatField(label=_("Lowest number"), required=False)
    maximum = forms.FloatField(label=_("Highest number"), required=False)


class InstrumentForm(forms.Form):
    name = forms.CharField(label=_("Name of the survey"), max_length=160)
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the questions. Markdown is allowed."),
    )


ScaleFormSet = forms.formset_factory(ScaleRowForm, extra=3, max_num=5)
ItemFormSet = forms.formset_factory(ItemRowForm, extra=10, max_num=60)


class AddPlaceForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the participant"),
        help_text=_("They need a Kindred account."),
    )


class PlaceWaitingForm(forms.Form):
    cohort = forms.ModelChoiceField(label=_("Cohort"), queryset=Cohort.objects.none())

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts


class CohortStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Cohort.Status.choices)


LIKERT_LABELS = {
    5: [
        _("1 – strongly disagree"),
        _("2 – disagree"),
        _("3 – neither"),
        _("4 – agree"),
        _("5 – strongly agree"),
    ],
    7: [
        _("1 – strongly disagree"),
        "2",
        "3",
        _("4 – neither"),
        "5",
        "6",
        _("7 – strongly agree"),
    ],
}


class SurveyForm(forms.Form):
    """One field per item, named item_<id>; answers are checked by the service."""

    def __init__(
        self, *args: Any, items: list[Item], window: SurveyWindow, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            name = f"item_{item.pk}"
            label = item.text
            if item.kind in (Item.Kind.LIKERT5, Item.Kind.LIKERT7):
                points = 5 if item.kind == Item.Kind.LIKERT5 else 7
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[
                        (str(i + 1), LIKERT_LABELS[points][i]) for i in range(points)
                    ],
                    widget=forms.RadioSelect,
                )
            elif item.kind == Item.Kind.NUMBER:
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=30,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                    help_text=_("A number from %(low)s to %(high)s.")
                    % {"low": f"{item.low:g}", "high": f"{item.high:g}"},
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            if item.required:
                self.fields[name].label = f"{label} ({_('required')})"

    def raw_answers(self) -> dict[int, str]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {item.pk: data.get(f"item_{item.pk}") or "" for item in self.items}
