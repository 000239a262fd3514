"""Forms of the event pages: hosting, registering, attendance and feedback."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import TIME_ZONE_CHOICES, User
from kindred.algorithms import recurrence
from kindred.communities.models import Group
from kindred.core.models import Topic
from kindred.events.models import Event, Question, Registration
from kindred.events.services import EventDetails, QuestionInput
from kindred.organisations.models import Organisation

QUESTION_ROWS = 3

REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("weekly", _("Every week")),
    ("fortnightly", _("Every two weeks")),
    ("monthly", _("Every month, on the same date")),
]


def _time_zone_initial(user: User) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "time_zone", "") or "Europe/London"


class EventForm(forms.Form):
    """Create an event; `host` offers what the person may host as."""

    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happens and who it is for. Markdown is allowed."),
    )
    host = forms.ChoiceField(label=_("Hosted by"))
    cohosts = forms.ModelMultipleChoiceField(
        label=_("Co-hosting organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_(
            "For an organisation's event: other organisations that host it with you. "
            "Those you are not an admin of are asked to confirm first."
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=Event.Format.choices,
        widget=forms.RadioSelect,
        initial=Event.Format.ONLINE,
    )
    location = forms.CharField(
        label=_("Location"),
        max_length=300,
        required=False,
        help_text=_("The address, for in-person and hybrid events."),
    )
    meeting_url = forms.CharField(
        label=_("Meeting link"),
        max_length=500,
        required=False,
        widget=forms.URLInput,
        help_text=_(
            "For online and hybrid events: a Zoom, Teams or other https:// link. "
            "Leave it empty and Kindred creates a video room. Registered people "
            "see it from 15 minutes before the start."
        ),
    )
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)
    capacity = forms.IntegerField(
        label=_("Places"),
        required=False,
        min_value=1,
        max_value=100000,
        help_text=_("Leave empty for no limit. When full, people join a waiting list."),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.none(),
        required=False,
        help_text=_("Up to 10; people filter the calendar by topic."),
    )
    repeat = forms.ChoiceField(
        label=_("Repeats"), choices=REPEAT_CHOICES, required=False
    )
    sessions = forms.IntegerField(
        label=_("Number of sessions"),
        min_value=2,
        max_value=recurrence.MAX_OCCURRENCES,
        initial=6,
        required=False,
        help_text=_("For a repeating event: how many sessions, up to 52."),
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        user: User,
        organisations: QuerySet[Organisation],
        groups: QuerySet[Group],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("person", _("Me (a personal event)"))]
        choices += [(f"org:{o.pk}", o.name) for o in organisations]
        choices += [(f"group:{g.pk}", g.name) for g in groups]
        self.fields["host"].choices = choices
        self.organisations = {o.pk: o for o in organisations}
        self.groups = {g.pk: g for g in groups}
        self.fields["cohosts"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")
        self.fields["topics"].queryset = Topic.objects.filter(  # type: ignore[attr-defined]
            is_active=True, parent__isnull=False
        ).order_by("name")
        self.fields["time_zone"].initial = _time_zone_initial(user)
        self.fields["client_token"].initial = uuid.uuid4()
        for i in range(1, QUESTION_ROWS + 1):
            self.fields[f"question_{i}"] = forms.CharField(
                label=_("Question %(n)d") % {"n": i},
                max_length=300,
                required=False,
            )
            self.fields[f"required_{i}"] = forms.BooleanField(
                label=_("An answer is required"), required=False
            )

    def question_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"question_{i}"], self[f"required_{i}"])
            for i in range(1, QUESTION_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        zone_name = data.get("time_zone")
        if day and start and end and zone_name:
            starts_at = _aware(day, start, zone_name)
            ends_at = _aware(day, end, zone_name)
            if ends_at <= starts_at:
                self.add_error("end_time", _("The end must be after the start."))
            data["starts_at"], data["ends_at"] = starts_at, ends_at
        host = data.get("host", "")
        data["host_kind"], data["group"], data["organisations"] = self._host(host)
        if data["host_kind"] != Event.HostKind.ORGANISATION and data.get("cohosts"):
            self.add_error(
                "cohosts", _("Only an organisation's event can have co-hosts.")
            )
        if data.get("repeat") and not data.get("sessions"):
            self.add_error("sessions", _("Say how many sessions there are."))
        return data

    def _host(self, host: str) -> tuple[str, Group | None, list[Organisation]]:
        kind, _sep, pk = host.partition(":")
        if kind == "org" and pk.isdigit() and int(pk) in self.organisations:
            lead = self.organisations[int(pk)]
            others = [o for o in self.cleaned_data.get("cohosts") or [] if o != lead]
            return Event.HostKind.ORGANISATION, None, [lead, *others]
        if kind == "group" and pk.isdigit() and int(pk) in self.groups:
            return Event.HostKind.GROUP, self.groups[int(pk)], []
        return Event.HostKind.PERSON, None, []

    def details(self) -> EventDetails:
        data = self.cleaned_data
        return EventDetails(
            title=data["title"],
            description=data.get("description", ""),
            format=data["format"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            time_zone=data["time_zone"],
            location=data.get("location", ""),
            meeting_url=data.get("meeting_url", ""),
            generate_room=not data.get("meeting_url"),
            capacity=data.get("capacity"),
            topics=list(data.get("topics") or []),
            questions=[
                QuestionInput(data[f"question_{i}"], data[f"required_{i}"])
                for i in range(1, QUESTION_ROWS + 1)
                if data.get(f"question_{i}")
            ],
        )

    def rule(self) -> str:
        repeat = self.cleaned_data.get("repeat")
        if not repeat:
            return ""
        return recurrence.build_rule(repeat, count=self.cleaned_data["sessions"])


def _aware(day: date, clock: time, zone_name: str) -> datetime:
    return recurrence.to_utc(datetime.combine(day, clock), zone_name)


class ChangeForm(forms.Form):
    """Change an event's time, place and text."""

    title = EventForm.base_fields["title"]
    description = EventForm.base_fields["description"]
    format = EventForm.base_fields["format"]
    location = EventForm.base_fields["location"]
    meeting_url = EventForm.base_fields["meeting_url"]
    date = EventForm.base_fields["date"]
    start_time = EventForm.base_fields["start_time"]
    end_time = EventForm.base_fields["end_time"]
    time_zone = EventForm.base_fields["time_zone"]
    capacity = EventForm.base_fields["capacity"]

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        zone = recurrence.zone(event.time_zone)
        starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
        return {
            "title": event.title,
            "description": event.description,
            "format": event.format,
            "location": event.location,
            "meeting_url": event.meeting_url,
            "date": starts.date(),
            "start_time": starts.time().replace(second=0, microsecond=0),
            "end_time": ends.time().replace(second=0, microsecond=0),
            "time_zone": event.time_zone,
            "capacity": event.capacity,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end and data.get("time_zone"):
            data["starts_at"] = _aware(day, start, data["time_zone"])
            data["ends_at"] = _aware(day, end, data["time_zone"])
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", _("The end must be after the start."))
        return data

    def details(self) -> EventDetails:
        data = self.cleaned_data
        return EventDetails(
            title=data["title"],
            description=data.get("description", ""),
            format=data["format"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            time_zone=data["time_zone"],
            location=data.get("location", ""),
            meeting_url=data.get("meeting_url", ""),
            generate_room=not data.get("meeting_url"),
            capacity=data.get("capacity"),
        )


class RegisterForm(forms.Form):
    """The event's questions; the answers go to the hosts."""

    whole_series = forms.BooleanField(
        label=_("Register for every later session of this series too"),
        required=False,
    )

    def __init__(
        self, *args: Any, questions: list[Question], series: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"question_{question.pk}"] = forms.CharField(
                label=question.text,
                max_length=1000,
                required=question.required,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": _("Please answer this question.")},
            )
        if not series:
            del self.fields["whole_series"]

    def answers(self) -> dict[int, str]:
        return {
            q.pk: self.cleaned_data.get(f"question_{q.pk}", "") for q in self.questions
        }


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Message to the people registered (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(
        label=_("Attendance"), choices=Registration.Attendance.choices
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was it?"),
        coerce=int,
        choices=[
            (5, _("5 – excellent")),
            (4, _("4 – good")),
            (3, _("3 – fine")),
            (2, _("2 – not great")),
            (1, _("1 – poor")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CalendarFilterForm(forms.Form):
    """The calendar's filters, as a GET form that works without JavaScript."""

    topic = forms.ChoiceField(label=_("Topic"), required=False)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Any format")), *Event.Format.choices],
    )
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("", _("Upcoming")), ("past", _("Past"))],
    )

    def __init__(
        self,
        *args: Any,
        topics: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Any topic")), *topics]
        self.fields["organisation"].choices = [
            ("", _("Any organisation")),
            *organisations,
        ]
