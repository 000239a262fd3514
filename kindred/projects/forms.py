"""Forms of the projects and business pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import User
from kindred.core.models import Region, Sector, Topic
from kindred.organisations.models import Organisation
from kindred.projects.models import Business, Project
from kindred.projects.permissions import ACTING_ROLES
from kindred.projects.services import MAX_PLACES, MAX_ROLES, RoleInput


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError(_("Remove the null character."))
    return value


def _topics_field(label: Any = None) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label or _("Topics"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text=_("Up to ten."),
    )


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search projects"), max_length=100, required=False)
    topic = forms.ModelChoiceField(
        label=_("Topic or skill"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Any topic"),
    )

    def clean_q(self) -> str:
        return self.cleaned_data["q"].replace("\x00", "").strip()


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, validators=[_no_nul])
    description = forms.CharField(
        label=_("What the project is"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Project._meta.get_field("description").help_text,
        validators=[_no_nul],
    )
    topics = _topics_field()
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Myself"),
        help_text=Project._meta.get_field("organisation").help_text,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True,
            memberships__user=user,
            memberships__role__in=ACTING_ROLES,
        ).order_by("name")


class ProjectEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, validators=[_no_nul])
    description = forms.CharField(
        label=_("What the project is"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Project._meta.get_field("description").help_text,
        validators=[_no_nul],
    )
    topics = _topics_field()


class RoleForm(forms.Form):
    title = forms.CharField(
        label=_("Role"),
        max_length=120,
        required=False,
        help_text=_("e.g. copywriter, tester."),
        validators=[_no_nul],
    )
    description = forms.CharField(
        label=_("What it involves"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[_no_nul],
    )
    places = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=MAX_PLACES, initial=1
    )
    topics = _topics_field(_("Skills or topics"))

    def to_input(self) -> RoleInput:
        data = self.cleaned_data
        return RoleInput(
            title=data["title"],
            description=data["description"],
            places=data["places"],
            topics=list(data["topics"]),
        )


class BaseRoleFormSet(forms.BaseFormSet):
    def roles(self) -> list[RoleInput]:
        """The filled-in roles; blank rows are skipped."""
        return [
            form.to_input()
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("title")
        ]


RoleFormSet = forms.formset_factory(
    RoleForm, formset=BaseRoleFormSet, extra=3, max_num=MAX_ROLES, validate_max=True
)


class VolunteerForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the people running the project (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[_no_nul],
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))]
    )


class UpdateForm(forms.Form):
    body = forms.CharField(
        label=_("Update for the team"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Markdown is allowed. Only the team and accepted volunteers see it."
        ),
        validators=[_no_nul],
    )


class BusinessFilterForm(forms.Form):
    q = forms.CharField(label=_("Search businesses"), max_length=100, required=False)
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        queryset=Sector.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Any sector"),
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Any topic"),
    )

    def clean_q(self) -> str:
        return self.cleaned_data["q"].replace("\x00", "").strip()


class BusinessForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160, validators=[_no_nul])
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        help_text=Business._meta.get_field("summary").help_text,
        validators=[_no_nul],
    )
    offers = forms.CharField(
        label=_("What it sells or provides"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Business._meta.get_field("offers").help_text,
        validators=[_no_nul],
    )
    member_offer = forms.CharField(
        label=_("Offer for ecosystem members"),
        max_length=300,
        required=False,
        help_text=Business._meta.get_field("member_offer").help_text,
        validators=[_no_nul],
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        queryset=Sector.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("No sector"),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("No region"),
    )
    website = forms.URLField(
        label=_("Website"), max_length=300, required=False, assume_scheme="https"
    )
    topics = _topics_field()
    is_active = forms.BooleanField(
        label=_("Listed in the directory"), required=False, initial=True
    )
