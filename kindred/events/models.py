"""Events and sessions: who hosts them, who comes, what they thought of it.

Times are stored in UTC; `time_zone` is the zone the host set them in, used for
calendar files and for keeping a series at the same local time. Status, format and
attendance values are stable codes: the API shows them as they are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Topic
from kindred.organisations.models import Organisation

#: The room link is shown to registered people from this long before the start.
ROOM_OPENS_BEFORE = timedelta(minutes=15)


class EventSeries(models.Model):
    """Recurring sessions: one RRULE over a local wall-clock time; each occurrence
    is an Event row of its own."""

    rule = models.CharField(_("repeat rule (RFC 5545)"), max_length=300)
    time_zone = models.CharField(max_length=64)
    first_start = models.DateTimeField(help_text=_("The first session, in UTC."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")

    def __str__(self) -> str:
        return f"Series #{self.pk} ({self.rule})"


class Event(models.Model):
    class Format(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid: in person and online")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    class HostKind(models.TextChoices):
        PERSON = "person", _("A person")
        GROUP = "group", _("A group")
        ORGANISATION = "organisation", _("Organisations")

    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(
        _("description"),
        max_length=10000,
        blank=True,
        help_text=_("What happens and who it is for. Markdown is allowed."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    location = models.CharField(
        _("location"),
        max_length=300,
        blank=True,
        help_text=_("The address, for in-person and hybrid events."),
    )
    meeting_url = models.URLField(
        _("meeting link"),
        max_length=500,
        blank=True,
        help_text=_("Shown only to registered people, shortly before the start."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
        help_text=_("Leave empty for no limit. When full, people join a waiting list."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="events"
    )
    host_kind = models.CharField(max_length=12, choices=HostKind.choices)
    host_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_events",
    )
    group = models.ForeignKey(
        "communities.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    organisations = models.ManyToManyField(  # type: ignore[var-annotated]
        Organisation, through="EventHost", related_name="events"
    )
    series = models.ForeignKey(
        EventSeries,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="RFC 5545 SEQUENCE: bumped on changes."
    )
    client_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            # The calendar reads upcoming scheduled events in time order.
            models.Index(fields=["status", "starts_at", "id"], name="event_calendar"),
            models.Index(fields=["starts_at"], name="event_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["created_by", "client_token"],
                name="one_event_per_submission",
            ),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_online(self) -> bool:
        return self.format in (self.Format.ONLINE, self.Format.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.format in (self.Format.IN_PERSON, self.Format.HYBRID)

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.ends_at

    def room_opens_at(self) -> datetime:
        return self.starts_at - ROOM_OPENS_BEFORE


class EventHost(models.Model):
    """An organisation hosting an event. Co-hosts added by someone who is not their
    admin wait for one of their admins to confirm; only confirmed hosts are shown."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited to co-host")
        CONFIRMED = "confirmed", _("Host")
        DECLINED = "declined", _("Declined")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="hosts")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="event_hosting"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    position = models.PositiveSmallIntegerField(default=0)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"], name="host_once_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["organisation", "status", "event"], name="event_host_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} hosts {self.event_id} ({self.status})"


class Question(models.Model):
    """A question the host asks people when they register."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Registration(models.Model):
    """One person's place (or place in the queue) at one event."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    class Attendance(models.TextChoices):
        UNKNOWN = "unknown", _("Not marked")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    attendance = models.CharField(
        max_length=8, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    queued_at = models.DateTimeField(
        default=timezone.now, help_text="Order on the waiting list."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    day_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    hour_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], name="register_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["event", "status", "queued_at"], name="reg_queue"),
            models.Index(fields=["user", "status"], name="reg_mine"),
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.user_id} at {self.event_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED


class Answer(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers"
    )
    text = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "question"], name="answer_once_per_question"
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class SeriesRegistration(models.Model):
    """Someone registered for every session of a series, present and future."""

    series = models.ForeignKey(
        EventSeries, on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["series", "user"], name="register_once_per_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows series {self.series_id}"


class Feedback(models.Model):
    """An attendee's short verdict on an event: once, and editable."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for registration {self.registration_id}"


FEED_PREFIX = "kcal_"


def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A person's private calendar feed; the secret is stored only as a hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feeds"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_feed_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"Feed {self.prefix}… of {self.user_id}"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return a new raw token, its display prefix and its hash."""
        raw = FEED_PREFIX + secrets.token_urlsafe(32)
        return raw, raw[: len(FEED_PREFIX) + 6], hash_feed_token(raw)
