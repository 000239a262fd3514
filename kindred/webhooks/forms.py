from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.webhooks import events


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Address (https://…)"), max_length=500, assume_scheme="https"
    )
    description = forms.CharField(
        label=_("Description"), max_length=200, required=False
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events to send"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [  # type: ignore[attr-defined]
            (key, f"{label} ({key})") for key, label in events.all_types()
        ]
