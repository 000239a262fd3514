from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.organisations.models import Organisation
from kindred.referrals.models import (
    DEFAULT_SHARED,
    NOTICE_VERSION,
    SHAREABLE,
    Consent,
    Message,
    Outcome,
    Referral,
)
from kindred.referrals.services import CLOSE_REASONS, DECLINE_REASONS, ConsentInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _default_expiry() -> Any:
    return timezone.localdate() + timedelta(days=180)


class ConsentFields(forms.Form):
    """What is shared, why and until when: part of every referral form."""

    fields = forms.MultipleChoiceField(
        label=_("What the receiving organisation may see"),
        choices=SHAREABLE,
        initial=DEFAULT_SHARED,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Wellbeing answers are never shared unless you tick them explicitly."
        ),
    )
    purpose = forms.CharField(
        label=_("What for"),
        max_length=300,
        initial=_("So that they can offer the support asked for."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        initial=_default_expiry,
        widget=DATE,
        help_text=_("After this date the receiver sees only that a referral existed."),
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def consent(self) -> ConsentInput:
        data = self.cleaned_data
        method = data.get("method") or Consent.Method.IN_APP
        return ConsentInput(
            fields=list(data["fields"]),
            purpose=data["purpose"],
            expires_on=data["expires_on"],
            method=method,
            given_on=data.get("given_on"),
            # Recorded consent names the notice shown; asking in Kindred shows ours.
            notice_version=NOTICE_VERSION
            if method == Consent.Method.IN_APP
            else data.get("notice_version", ""),
        )


class SelfReferralForm(ConsentFields):
    note = forms.CharField(
        label=_("What you would like help with"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    field_order = ["note", "fields", "purpose", "expires_on"]


class ReferralForm(ConsentFields):
    entrepreneur_email = forms.EmailField(
        label=_("Email address of the person you refer"),
        help_text=_("They must have a Kindred account."),
    )
    from_organisation = forms.ModelChoiceField(
        label=_("Referring for"), queryset=Organisation.objects.none(), empty_label=None
    )
    note = forms.CharField(
        label=_("Note for the receiver"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What they need; shared only if the entrepreneur agrees."),
    )
    wellbeing_note = forms.CharField(
        label=_("Wellbeing answers"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shared only if “Wellbeing answers” is ticked below."),
    )
    method = forms.ChoiceField(
        label=_("Consent"),
        choices=Consent.Method.choices,
        initial=Consent.Method.IN_APP,
        widget=forms.RadioSelect,
        help_text=_(
            "Ask in Kindred (the referral waits until they agree), or record the "
            "consent they already gave you."
        ),
    )
    given_on = forms.DateField(label=_("Date they agreed"), required=False, widget=DATE)
    notice_version = forms.CharField(
        label=_("Privacy notice version shown"),
        max_length=20,
        initial=NOTICE_VERSION,
        required=False,
    )
    field_order = [
        "entrepreneur_email",
        "from_organisation",
        "note",
        "wellbeing_note",
        "fields",
        "purpose",
        "expires_on",
        "method",
        "given_on",
        "notice_version",
    ]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_organisation"].queryset = organisations  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=Referral.Status.choices, widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", _("Choose a reason"))]
        + [
            (r.value, r.label)
            for r in Referral.Reason
            if r in set(DECLINE_REASONS) | set(CLOSE_REASONS)
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    redirect_to = forms.IntegerField(required=False, min_value=1)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "—"), *Outcome.Kind.choices]
    )
    amount = forms.DecimalField(
        label=_("Amount (£)"), required=False, min_value=0, max_digits=12
    )
    number = forms.IntegerField(label=_("How many"), required=False, min_value=1)


class MessageForm(forms.ModelForm):
    class Meta:
        model = Message
        fields = ["body", "audience"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["kind", "amount", "number", "note"]


class ConsentAnswerForm(forms.Form):
    fields = forms.MultipleChoiceField(
        label=_("What they may see"),
        choices=SHAREABLE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ReportForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or data["end"] - timedelta(days=365)
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("The start must come before the end."))
        if (data["end"] - data["start"]).days > 3660:
            raise forms.ValidationError(_("Choose a period of at most ten years."))
        return data
