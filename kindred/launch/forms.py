from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Region
from kindred.directory.forms import ImportForm

MAX_INVITE_UPLOAD = 2 * 1024 * 1024


class FirstStewardForm(forms.Form):
    key = forms.CharField(
        label=_("Setup key"),
        max_length=40,
        help_text=_(
            "Printed on the server's console by `kindred migrate` or `make run`, "
            "like ABCD-EFGH-JKLM-NPQR."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    display_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("Your email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        help_text=_("At least 10 characters, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class NameForm(forms.Form):
    name = forms.CharField(
        label=_("Ecosystem name"),
        max_length=80,
        help_text=_("Shown in the header of every page and in every email."),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label=_("Not one region"),
    )
    tagline = forms.CharField(
        label=_("One-line description"),
        max_length=160,
        required=False,
        help_text=_(
            "Shown on the landing page, for example “Business support "
            "in the North West, working together”."
        ),
    )


class DirectoryImportForm(ImportForm):
    """The directory step: the CSV template too, besides HSDS."""

    accepted = (".csv", ".json", ".zip")
    wrong_kind = _("Upload a .csv, .json or .zip file.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Directory file")
        self.fields["file"].help_text = _(
            "The CSV template filled in (.csv), or an Open Referral HSDS 3.0 "
            "directory: a JSON file or a zip of a tabular data package. Up to 50 MB."
        )


class InviteForm(forms.Form):
    file = forms.FileField(
        label=_("Invitation list (CSV)"),
        help_text=_("Columns: organisation (its name or slug), email, name."),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_INVITE_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text: save the sheet as “CSV UTF-8”.")
            ) from None


class SkipForm(forms.Form):
    step = forms.ChoiceField(
        choices=[(s, s) for s in ("name", "import", "invite", "open")]
    )
