"""Forms for networking programmes, a member's choices and their answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import User
from kindred.accounts.permissions import is_steward
from kindred.communities import selectors as community_selectors
from kindred.communities.models import Group
from kindred.networking.models import Programme
from kindred.organisations.models import Membership, Organisation, Role


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "name",
            "description",
            "audience",
            "group",
            "organisation",
            "cadence",
            "next_round_on",
            "size",
            "favour_different_organisations",
            "favour_different_sectors",
            "favour_shared_interests",
            "favour_newcomers",
            "repeat_block_rounds",
            "is_active",
        ]
        widgets = {
            "next_round_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = Group.objects.filter(status=Group.Status.ACTIVE).order_by("name")
        if not is_steward(user):
            groups = groups.filter(
                pk__in=community_selectors.facilitated_group_ids(user)
            )
        self.fields["group"].queryset = groups
        self.fields["group"].help_text = _("Only for a community group's programme.")
        organisations = Organisation.objects.filter(is_active=True)
        if not is_steward(user):
            organisations = organisations.filter(
                pk__in=Membership.objects.filter(user=user, role=Role.ADMIN).values(
                    "organisation_id"
                )
            )
        self.fields["organisation"].queryset = organisations.order_by("name")
        self.fields["organisation"].help_text = _(
            "Optional: it receives a webhook with counts after each round."
        )
        if self.instance.pk is None:
            del self.fields["is_active"]


class TopicLineForm(forms.Form):
    topic_line = forms.CharField(
        label=_("What would you like to talk about next round?"),
        max_length=200,
        required=False,
        help_text=_("One line, shown to the people you are introduced to."),
    )


class DoNotPairForm(forms.Form):
    other = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), to_field_name="pk"
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = User.objects.filter(
            pk__in=[p.user_id for p in people]
        )
        self.fields["other"].label_from_instance = lambda u: u.profile.display_name


class ChooseTimeForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Or another time (your time zone)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    suggested = forms.CharField(required=False, widget=forms.HiddenInput)


class FeedbackForm(forms.Form):
    did_meet = forms.TypedChoiceField(
        label=_("Did you meet?"),
        choices=[("yes", _("Yes, we met")), ("no", _("No, we did not meet"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=_("How useful was it? (optional)"),
        choices=[("", _("No rating"))] + [(str(i), str(i)) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 is not useful, 5 is very useful. Only totals are shown."),
    )
    stay_in_touch = forms.BooleanField(
        label=_("I would like to stay in touch"), required=False
    )
