from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import User
from kindred.communities.models import Group
from kindred.core.models import Topic
from kindred.insights import permissions
from kindred.insights.models import BODY_LIMIT, COMMENT_LIMIT, TITLE_LIMIT


class InsightForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_LIMIT,
        help_text=_("The lesson in one line, e.g. “Invoice on day one, not day 30”."),
    )
    body = forms.CharField(
        label=_("What you learnt"),
        max_length=BODY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "A few short paragraphs; at most %(n)d characters. Markdown is allowed."
        )
        % {"n": BODY_LIMIT},
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text=_("Up to five: people who follow them see your insight."),
    )
    link = forms.CharField(
        label=_("Link (optional)"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Kindred shows the page's title and summary when it can."),
    )
    group = forms.ModelChoiceField(
        label=_("Share with"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("The whole ecosystem"),
        help_text=_("Shared with a private group, only its members see it."),
    )

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["group"]
        else:
            self.fields["group"].queryset = Group.objects.filter(  # type: ignore[attr-defined]
                pk__in=[g.pk for g in permissions.shareable_groups(user)]
            ).order_by("name")

    def clean_title(self) -> str:
        return self.cleaned_data["title"].replace("\x00", "")


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown is allowed."),
    )


class FollowTopicForm(forms.Form):
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        empty_label=_("Choose a topic"),
    )
