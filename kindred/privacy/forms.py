"""Forms of data rights."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("We ask for it so that no one else can delete your account."),
    )


class SubjectSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Email address or name"),
        max_length=254,
        required=False,
    )


class SubjectEraseForm(forms.Form):
    confirm_email = forms.CharField(
        label=_("Type the person's email address to confirm"),
        max_length=254,
    )
