from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import User
from kindred.collaboration.models import CallForCollaboration, Partnership, SuccessStory
from kindred.organisations.models import Organisation

#: How many other organisations the story form offers to credit.
CREDIT_ROWS = 4


def _mine(field: forms.Field, organisations: QuerySet[Organisation]) -> None:
    """Offer the person's own organisations; with only one, it is chosen already."""
    field.queryset = organisations  # type: ignore[attr-defined]
    only = list(organisations[:2])
    if len(only) == 1:
        field.initial = only[0].pk
        field.empty_label = None  # type: ignore[attr-defined]


def _organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_active=True).order_by("name")


class ProposeForm(forms.Form):
    proposer = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none()
    )
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=Organisation.objects.none()
    )
    description = forms.CharField(
        label=Partnership._meta.get_field("description").verbose_name.capitalize(),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Partnership._meta.get_field("description").help_text,
    )

    def __init__(
        self, *args: Any, proposers: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _mine(self.fields["proposer"], proposers)
        self.fields["partner"].queryset = _organisations()  # type: ignore[attr-defined]


class CallForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Posted by"), queryset=Organisation.objects.none()
    )
    kind = forms.ChoiceField(
        label=_("Kind of work"), choices=CallForCollaboration.Kind.choices
    )
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the work is and what partners would bring. Markdown is allowed."
        ),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day organisations can express interest."),
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _mine(self.fields["organisation"], organisations)

    def clean_deadline(self) -> Any:
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.localdate():
            raise forms.ValidationError(_("The deadline must be a day in the future."))
        return deadline


class InterestForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none()
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What your organisation would bring, in a few sentences."),
    )

    def __init__(
        self, *args: Any, organisations: list[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _mine(
            self.fields["organisation"],
            Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by(
                "name"
            ),
        )


class ChoosePartnersForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Partners"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each becomes an active partner of your organisation."),
        error_messages={"required": _("Choose at least one interested organisation.")},
    )

    def __init__(
        self, *args: Any, interested: list[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o.pk for o in interested]
        ).order_by("name")


_EMAILS = re.compile(r"[\s,;]+")


def _member(email: str) -> User | None:
    return User.objects.filter(
        email__iexact=email, is_active=True, suspended_at__isnull=True
    ).first()


class StoryForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Written for"), queryset=Organisation.objects.none()
    )
    role = forms.CharField(
        label=_("What your organisation did"),
        max_length=120,
        help_text=_("e.g. referred, delivered the service, mentored"),
    )
    title = forms.CharField(label=_("Title"), max_length=160)
    body = forms.CharField(
        label=_("The story"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown is allowed."),
    )
    entrepreneur = forms.EmailField(
        label=_("The entrepreneur's email address"),
        required=False,
        help_text=_(
            "If the story is about a member, name them: they approve it before "
            "anyone else sees it. Otherwise an admin of your organisation publishes it."
        ),
    )
    people = forms.CharField(
        label=_("People to credit"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Their email addresses, separated by commas or new lines."),
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _mine(self.fields["organisation"], organisations)
        for i in range(1, CREDIT_ROWS + 1):
            self.fields[f"credit_{i}_organisation"] = forms.ModelChoiceField(
                label=_("Also credit (%(n)d)") % {"n": i},
                queryset=_organisations(),
                required=False,
            )
            self.fields[f"credit_{i}_role"] = forms.CharField(
                label=_("What they did (%(n)d)") % {"n": i},
                max_length=120,
                required=False,
            )

    @property
    def credit_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"credit_{i}_organisation"], self[f"credit_{i}_role"])
            for i in range(1, CREDIT_ROWS + 1)
        ]

    def clean_entrepreneur(self) -> User | None:
        email = self.cleaned_data["entrepreneur"]
        if not email:
            return None
        person = _member(email)
        if person is None:
            raise forms.ValidationError(
                _("Nobody with that email address is a member.")
            )
        return person

    def clean_people(self) -> list[User]:
        found = []
        for email in _EMAILS.split(self.cleaned_data["people"] or ""):
            if not email:
                continue
            person = _member(email)
            if person is None:
                raise forms.ValidationError(
                    _("Nobody with the address %(email)s is a member.")
                    % {"email": email}
                )
            found.append(person)
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, CREDIT_ROWS + 1):
            organisation = data.get(f"credit_{i}_organisation")
            role = (data.get(f"credit_{i}_role") or "").strip()
            if organisation and not role:
                self.add_error(f"credit_{i}_role", _("Say what this organisation did."))
            if role and not organisation:
                self.add_error(
                    f"credit_{i}_organisation", _("Choose the organisation to credit.")
                )
        return data

    def credits(self) -> list[tuple[Organisation, str]]:
        data = self.cleaned_data
        return [
            (data[f"credit_{i}_organisation"], data[f"credit_{i}_role"])
            for i in range(1, CREDIT_ROWS + 1)
            if data.get(f"credit_{i}_organisation")
        ]


class StoryEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    body = forms.CharField(
        label=_("The story"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown is allowed."),
    )


class PublishForm(forms.Form):
    show_entrepreneur_name = forms.BooleanField(
        label=_("Show my name with the story"),
        required=False,
        help_text=_("Leave unticked to stay anonymous: the story says “a founder”."),
    )


def story_edit_initial(story: SuccessStory) -> dict[str, str]:
    return {"title": story.title, "body": story.body}
