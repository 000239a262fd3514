"""Forms of the moderation pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.moderation.models import Decision, Reason


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError(_("Remove the null character."))
    return value


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"),
        choices=Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything the stewards should know (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[_no_nul],
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=Decision.Action.choices)
    note = forms.CharField(
        label=_("Note"),
        help_text=_(
            "The author reads it when you warn them; it is the suspension reason "
            "when you suspend them."
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[_no_nul],
    )
