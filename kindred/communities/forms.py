from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import Profile, User
from kindred.communities import uploads
from kindred.communities.models import Group, Membership
from kindred.core.models import Topic
from kindred.organisations.models import Organisation


def _topics_field(help_text: Any = "") -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text=help_text or _("Up to eight."),
    )


class GroupFilterForm(forms.Form):
    q = forms.CharField(label=_("Search groups"), max_length=100, required=False)
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Any topic"),
    )
    mine = forms.BooleanField(label=_("Only my groups"), required=False)

    def clean_q(self) -> str:
        return self.cleaned_data["q"].replace("\x00", "").strip()


class ProposeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Group._meta.get_field("purpose").help_text,
    )
    topics = _topics_field()
    joining = forms.ChoiceField(
        label=_("Who can join"),
        choices=Group.Joining.choices,
        initial=Group.Joining.OPEN,
        widget=forms.RadioSelect,
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=Group.Visibility.choices,
        initial=Group.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Run by organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("No organisation: a peer group"),
        help_text=Group._meta.get_field("organisation").help_text,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True, memberships__user=user
        ).order_by("name")


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the facilitators (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Markdown is allowed. Mention a member with @ and their name, "
            "e.g. @Aisha Khan: they are told."
        ),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Markdown is allowed. Mention a member with @ and their name: they are "
            "told."
        ),
    )


class LinkForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.CharField(
        label=_("Web address"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why it is useful. Markdown is allowed."),
    )
    topics = _topics_field()


class UploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(
        label=_("File"),
        help_text=_("%(types)s; at most %(mb)s MB.")
        % {
            "types": ", ".join(t.upper() for t in uploads.allowed_extensions()),
            "mb": "10",
        },
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why it is useful. Markdown is allowed."),
    )
    topics = _topics_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(types)s; at most %(mb)s MB.") % {
            "types": ", ".join(t.upper() for t in uploads.allowed_extensions()),
            "mb": round(uploads.max_bytes() / 1024 / 1024, 1),
        }
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{ext}" for ext in uploads.allowed_extensions()
        )


class InviteForm(forms.Form):
    person = forms.CharField(
        label=_("Person to invite"),
        max_length=254,
        help_text=_("Their name as it shows in Kindred, or their email address."),
    )

    def clean_person(self) -> User:
        wanted = self.cleaned_data["person"].replace("\x00", "").strip()
        listed = Profile.objects.listed().select_related("user")
        if "@" in wanted:
            matches = list(listed.filter(user__email__iexact=wanted)[:2])
        else:
            matches = list(listed.filter(display_name__iexact=wanted)[:2])
        if not matches:
            raise forms.ValidationError(
                _("No member of Kindred uses this email address.")
                if "@" in wanted
                else _("No member of Kindred has this name.")
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Several members have this name: use their email address.")
            )
        return matches[0].user


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the proposer)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
