from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import LANGUAGE_CHOICES, Profile, Stage, Visibility
from kindred.core.models import Region, Sector, Topic


class ProfileForm(forms.ModelForm):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 2 MB. Location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "headline",
            "bio",
            "photo",
            "region",
            "sectors",
            "stage",
            "topics_offered",
            "topics_needed",
            "time_zone",
            "languages",
            *[f"{f}_visibility" for f in Profile.PERSONAL_FIELDS],
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 6}),
            "sectors": forms.SelectMultiple(attrs={"size": 6}),
            "topics_offered": forms.SelectMultiple(attrs={"size": 8}),
            "topics_needed": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active_topics = Topic.objects.filter(is_active=True)
        self.fields["topics_offered"].queryset = active_topics  # type: ignore[attr-defined]
        self.fields["topics_needed"].queryset = active_topics  # type: ignore[attr-defined]
        self.fields["region"].queryset = Region.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["sectors"].queryset = Sector.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["stage"].choices = [("", _("Not set"))] + list(Stage.choices)  # type: ignore[attr-defined]
        for field in Profile.PERSONAL_FIELDS:
            self.fields[f"{field}_visibility"].label = _("Who can see this")

    def field_pairs(self) -> list[tuple[Any, Any]]:
        """Each personal field with its visibility field, for the template."""
        pairs = [(self["display_name"], None)]
        for field in Profile.PERSONAL_FIELDS:
            pairs.append((self[field], self[f"{field}_visibility"]))
        return pairs

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        return photo if photo and hasattr(photo, "content_type") else None


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("Say what will use it, e.g. “CRM sync”."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_at"].help_text = _(
            "Leave empty for a token that lasts %(default)s days. No token lasts "
            "longer than %(longest)s days; you can revoke one at any time."
        ) % {
            "default": settings.KINDRED_API_TOKEN_DEFAULT_DAYS,
            "longest": settings.KINDRED_API_TOKEN_MAX_DAYS,
        }


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or headline"), required=False, max_length=100)
    topic_offered = forms.ModelChoiceField(
        label=_("Offers help with"),
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any topic"),
    )
    topic_needed = forms.ModelChoiceField(
        label=_("Wants help with"),
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any topic"),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Any region"),
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        queryset=Sector.objects.all(),
        required=False,
        empty_label=_("Any sector"),
    )
    stage = forms.ChoiceField(
        label=_("Business stage"),
        choices=[("", _("Any stage")), *Stage.choices],
        required=False,
    )
    organisation = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


VISIBILITY_HELP = {
    Visibility.MEMBERS: _("Everyone signed in to this ecosystem"),
    Visibility.ORGANISATIONS: _("People in your organisations"),
    Visibility.ONLY_ME: _("Only you"),
}
