"""Forms of the ecosystem analytics pages: the month picker, the network filters,
taking a snapshot, the graph export and the public-page switch."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.analytics.models import Tie
from kindred.analytics.services import parse_month
from kindred.core.errors import KindredError

MAX_ID = 2**31 - 1


class MonthField(forms.Field):
    """A month written YYYY-MM (what `<input type="month">` sends)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> date | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return parse_month(text[:20])
        except KindredError as error:
            raise forms.ValidationError(error.message) from None


class MonthForm(forms.Form):
    """Which month's snapshot to show; empty means the latest."""

    month = MonthField(label=_("Month"), required=False)


class SnapshotForm(forms.Form):
    month = MonthField(
        label=_("Month"),
        help_text=_("A month that has begun; the current month counts ties so far."),
    )


class NetworkFilterForm(forms.Form):
    """Filters of the network view; every field is optional."""

    month = MonthField(label=_("Snapshot month"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of tie"),
        choices=Tie.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self, *args: Any, organisations: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]
            ("", _("All organisations")),
            *organisations,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("“From” must not be after “To”."))
        return data


class GraphExportForm(forms.Form):
    """Download the graph with people's names: a steward ticks twice."""

    month = MonthField(label=_("Month"), required=False)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("gexf", "GEXF"), ("graphml", "GraphML")],
        initial="gexf",
    )
    identifiable = forms.BooleanField(
        label=_("Include people's names (identifiable)"),
        required=True,
        help_text=_("Without it, people are numbered (“Person 17”)."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I need names for this purpose, will keep the file safe and delete it "
            "when done. The download is recorded in the audit log."
        ),
        required=True,
    )


class PublicPageForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("1", _("On")), ("0", _("Off"))],
        coerce=lambda value: value == "1",
    )
