from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import LANGUAGE_CHOICES, Stage
from kindred.core.models import Region, Sector, Topic
from kindred.directory.models import WEEKDAYS, Service
from kindred.organisations.models import Organisation

MAX_UPLOAD = 50 * 1024 * 1024


class ServiceForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        label=_("Business stages"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked when every stage is welcome."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        initial=["en"],
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    opening_days = forms.MultipleChoiceField(
        label=_("Open on"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "alternate_name",
            "status",
            "is_programme",
            "description",
            "topics",
            "stages",
            "sectors",
            "regions",
            "min_employees",
            "max_employees",
            "eligibility_description",
            "cost",
            "fees_description",
            "delivery",
            "capacity",
            "wait_time",
            "response_days",
            "application_process",
            "url",
            "email",
            "phone",
            "contact_name",
            "languages",
            "opening_days",
            "opens_at",
            "closes_at",
            "schedule_notes",
            "co_delivered_by",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "eligibility_description": forms.Textarea(attrs={"rows": 3}),
            "application_process": forms.Textarea(attrs={"rows": 3}),
            "topics": forms.SelectMultiple(attrs={"size": 8}),
            "sectors": forms.SelectMultiple(attrs={"size": 6}),
            "regions": forms.SelectMultiple(attrs={"size": 6}),
            "co_delivered_by": forms.SelectMultiple(attrs={"size": 6}),
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    location_name = forms.CharField(
        label=_("Place name"),
        max_length=200,
        required=False,
        help_text=_("For in-person and hybrid services, e.g. Enterprise Centre."),
    )
    location_address_1 = forms.CharField(
        label=_("Street address"), max_length=200, required=False
    )
    location_city = forms.CharField(
        label=_("Town or city"), max_length=100, required=False
    )
    location_postal_code = forms.CharField(
        label=_("Postcode"), max_length=20, required=False
    )

    LOCATION_FIELDS = ("name", "address_1", "city", "postal_code")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        place = None
        if self.instance.pk:
            first = self.instance.service_at_locations.select_related(
                "location"
            ).first()
            place = first.location if first else None
        if place is not None:
            for key in self.LOCATION_FIELDS:
                self.fields[f"location_{key}"].initial = getattr(place, key)
        self.fields["description"].required = True
        self.fields["application_process"].required = True
        self.fields["topics"].required = True
        self.fields["response_days"].required = False  # left empty: the default
        self.fields["topics"].queryset = Topic.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["sectors"].queryset = Sector.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["regions"].queryset = Region.objects.filter(is_active=True)  # type: ignore[attr-defined]
        partners = Organisation.objects.filter(is_active=True)
        if self.instance.organisation_id:
            partners = partners.exclude(pk=self.instance.organisation_id)
        self.fields["co_delivered_by"].queryset = partners  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        """What the service layer takes: the model fields plus `location`."""
        data = dict(self.cleaned_data)
        if data.get("response_days") is None:
            data.pop("response_days", None)
        data["location"] = {
            key: data.pop(f"location_{key}") for key in self.LOCATION_FIELDS
        }
        return data


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. mentoring, cash flow")}
        ),
    )
    what = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Everything")),
            ("services", _("Services")),
            ("organisations", _("Organisations")),
            ("people", _("People")),
        ],
    )
    topic = forms.CharField(required=False, widget=forms.HiddenInput)
    organisation = forms.IntegerField(required=False, widget=forms.HiddenInput)
    stage = forms.ChoiceField(
        label=_("Business stage"),
        required=False,
        choices=[("", _("Any stage")), *Stage.choices],
    )
    # Facet values arrive from facet links as ids; an unknown id matches nothing,
    # so there is no need to look them up (search stays at one query).
    sector = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    region = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    delivery = forms.ChoiceField(
        label=_("Delivery"),
        required=False,
        choices=[("", _("Any")), *Service.Delivery.choices],
    )
    cost = forms.ChoiceField(
        label=_("Cost"), required=False, choices=[("", _("Any")), *Service.Cost.choices]
    )
    kind = forms.ChoiceField(
        label=_("Organisation type"),
        required=False,
        choices=[("", _("Any type")), *Organisation.Kind.choices],
    )


class NavigatorForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("What stage is the business at?"), choices=Stage.choices
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        required=False,
        queryset=Sector.objects.filter(is_active=True),
        empty_label=_("Not sure / several"),
    )
    region = forms.ModelChoiceField(
        label=_("Where is the business?"),
        required=False,
        queryset=Region.objects.filter(is_active=True),
        empty_label=_("Not sure / anywhere"),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("What do you need help with?"),
        required=False,
        queryset=Topic.objects.filter(is_active=True),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Choose up to five."),
    )
    urgency = forms.ChoiceField(
        label=_("How soon do you need help?"),
        choices=[
            ("now", _("Now: it is urgent")),
            ("soon", _("In the next few weeks")),
            ("exploring", _("I am exploring")),
        ],
        initial="soon",
        widget=forms.RadioSelect,
    )
    delivery = forms.ChoiceField(
        label=_("How would you like to get help?"),
        choices=[
            ("either", _("Either")),
            ("online", _("Online")),
            ("in_person", _("In person")),
        ],
        initial="either",
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Anything else? Describe your situation in your own words"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client = forms.EmailField(
        label=_("Preparing this for a client? Their email address"),
        required=False,
        help_text=_(
            "Advisers only. The plan will belong to your client and be shared with you."
        ),
    )

    def clean_topics(self) -> Any:
        topics = self.cleaned_data["topics"]
        if len(topics) > 5:
            raise forms.ValidationError(_("Choose at most five topics."))
        return topics

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("topics") and not (data.get("text") or "").strip():
            raise forms.ValidationError(
                _("Choose at least one topic or describe what you need.")
            )
        return data


class SavePlanForm(forms.Form):
    title = forms.CharField(label=_("Plan title"), max_length=120, required=False)


class ShareForm(forms.Form):
    adviser = forms.ModelChoiceField(label=_("Adviser"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, advisers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adviser"].queryset = advisers  # type: ignore[attr-defined]
        self.fields["adviser"].label_from_instance = lambda u: u.profile.display_name  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("HSDS file"),
        help_text=_(
            "A JSON file, or a zip of a tabular data package (datapackage.json and "
            "CSV files) or of JSON files. Up to 50 MB."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Only check: report what would change, import nothing"),
        required=False,
    )

    #: File name endings accepted, and what to say about any other.
    accepted: tuple[str, ...] = (".json", ".zip")
    wrong_kind = _("Upload a .json or a .zip file.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        if not upload.name.lower().endswith(self.accepted):
            raise forms.ValidationError(self.wrong_kind)
        return upload


class SettingsForm(forms.Form):
    public_search = forms.BooleanField(
        label=_("People who are not signed in may search the directory"),
        required=False,
    )
