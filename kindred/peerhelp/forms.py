from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import User
from kindred.communities.models import Group
from kindred.communities.selectors import member_group_ids
from kindred.core.models import Topic
from kindred.peerhelp.models import Ask, Offer


def _topics_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text=_("Up to eight; they help the right people find your ask."),
    )


def _no_nul(value: str) -> str:
    return value.replace("\x00", "")


class AskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search asks"), max_length=100, required=False)
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Any topic"),
    )

    def clean_q(self) -> str:
        return _no_nul(self.cleaned_data["q"]).strip()


class AskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    details = forms.CharField(
        label=_("Details"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Ask._meta.get_field("details").help_text,
    )
    topics = _topics_field()
    kind = forms.ChoiceField(
        label=_("Help wanted"),
        choices=Ask.Kind.choices,
        initial=Ask.Kind.ADVICE,
        widget=forms.RadioSelect,
    )
    urgency = forms.ChoiceField(
        label=_("How urgent"),
        choices=Ask.Urgency.choices,
        initial=Ask.Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Ask.Visibility.choices,
        initial=Ask.Visibility.ECOSYSTEM,
        widget=forms.RadioSelect,
    )
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("Choose a group"),
        help_text=_("Only for asks to one of your groups: its members see it."),
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(  # type: ignore[attr-defined]
            pk__in=member_group_ids(user), status=Group.Status.ACTIVE
        ).order_by("name")
        self.fields["client_token"].initial = uuid.uuid4()

    def clean_title(self) -> str:
        return _no_nul(self.cleaned_data["title"])


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown is allowed."),
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_token"].initial = uuid.uuid4()


class CallForm(forms.Form):
    call_at = forms.DateTimeField(
        label=_("Proposed time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In your time zone. The asker can suggest another in a reply."),
    )
    minutes = forms.IntegerField(
        label=_("Length in minutes"), min_value=5, max_value=240, initial=30
    )
    body = forms.CharField(
        label=_("Note to the asker"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_token"].initial = uuid.uuid4()


class HelpfulForm(forms.Form):
    note = forms.CharField(
        label=_("Thank-you note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    public = forms.BooleanField(
        label=_("Show this thank-you publicly on the helper's thanks page"),
        required=False,
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("solved", _("Solved")), ("unsolved", _("Not solved"))],
        widget=forms.RadioSelect,
    )


class OfferForm(forms.Form):
    title = forms.CharField(
        label=_("What you offer"),
        max_length=160,
        help_text=_("For example: “I review pitch decks”."),
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=Offer._meta.get_field("details").help_text,
    )
    topics = _topics_field()
    format = forms.ChoiceField(
        label=_("Format"), choices=Offer.Format.choices, initial=Offer.Format.WRITING
    )
    monthly_limit = forms.IntegerField(
        label=_("Requests per month"),
        min_value=1,
        max_value=20,
        initial=4,
        help_text=Offer._meta.get_field("monthly_limit").help_text,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_token"].initial = uuid.uuid4()

    def clean_title(self) -> str:
        return _no_nul(self.cleaned_data["title"])
