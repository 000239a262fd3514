"""The support directory (shaped on Open Referral HSDS 3.0) and support plans.

Fields Kindred models are columns; whatever else an imported HSDS record carries
is kept verbatim in `hsds_extra`, so import → export → import loses nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.accounts.models import LANGUAGE_NAMES, Stage
from kindred.core.models import Region, Sector, Topic
from kindred.organisations.models import Organisation

#: A service not reviewed for this long is flagged to its organisation.
REVIEW_INTERVAL = timedelta(days=183)

WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]


class OrganisationRecord(models.Model):
    """The HSDS identity of an organisation and the HSDS fields Kindred keeps as-is."""

    organisation = models.OneToOneField(
        Organisation,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="hsds_record",
    )
    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4)
    hsds_extra = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.organisation} ({self.hsds_id})"


class Service(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Closed for good")

    class Delivery(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Online and in person")

    class Cost(models.TextChoices):
        FREE = "free", _("Free")
        PAID = "paid", _("Paid")

    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("also known as"), max_length=200, blank=True)
    description = models.TextField(
        _("description"),
        max_length=10000,
        blank=True,
        help_text=_("Markdown is allowed."),
    )
    url = models.URLField(_("web page"), max_length=500, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    is_programme = models.BooleanField(
        _("programme"),
        default=False,
        help_text=_("A programme runs in cohorts, e.g. a ten-week course."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="+"
    )
    stages = models.JSONField(
        _("business stages"),
        default=list,
        blank=True,
        help_text=_("Leave empty when every stage is welcome."),
    )
    sectors = models.ManyToManyField(
        Sector,
        verbose_name=_("sectors"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty when every sector is welcome."),
    )
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("regions"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty when the service is open to every region."),
    )
    min_employees = models.PositiveIntegerField(
        _("smallest business size (employees)"), null=True, blank=True
    )
    max_employees = models.PositiveIntegerField(
        _("largest business size (employees)"), null=True, blank=True
    )
    eligibility_description = models.TextField(
        _("other conditions"), max_length=2000, blank=True
    )
    cost = models.CharField(
        _("cost"), max_length=8, choices=Cost.choices, default=Cost.FREE
    )
    fees_description = models.CharField(_("what it costs"), max_length=500, blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=12, choices=Delivery.choices, default=Delivery.ONLINE
    )
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        help_text=_("How many businesses you can take at a time."),
    )
    wait_time = models.CharField(
        _("waiting time"), max_length=200, blank=True, help_text=_("e.g. 2 weeks")
    )
    response_days = models.PositiveSmallIntegerField(
        _("days to respond to a referral"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Working days (Monday to Friday) you take to answer a referral."),
    )
    co_delivered_by = models.ManyToManyField(
        Organisation,
        verbose_name=_("delivered together with"),
        blank=True,
        related_name="co_delivered_services",
        help_text=_("Other organisations that deliver this service with you."),
    )
    application_process = models.TextField(
        _("how to apply"), max_length=2000, blank=True
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_("Language codes, e.g. en, cy, pl."),
    )
    opening_days = models.JSONField(_("open on"), default=list, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    schedule_notes = models.CharField(_("opening notes"), max_length=300, blank=True)
    hsds_extra = models.JSONField(default=dict, blank=True, editable=False)
    last_reviewed_at = models.DateTimeField(_("last checked"), default=timezone.now)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:service", args=[self.pk])

    @property
    def needs_review(self) -> bool:
        return self.last_reviewed_at < timezone.now() - REVIEW_INTERVAL

    @property
    def day_labels(self) -> list[str]:
        labels = dict(WEEKDAYS)
        return [str(labels.get(day, day)) for day in self.opening_days]

    @property
    def language_labels(self) -> list[str]:
        return [str(LANGUAGE_NAMES.get(code, code)) for code in self.languages]

    @property
    def stage_labels(self) -> list[str]:
        labels = dict(Stage.choices)
        return [str(labels.get(stage, stage)) for stage in self.stages]


class Location(models.Model):
    """A place where an organisation delivers services in person."""

    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="locations",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    address_1 = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("town or city"), max_length=100, blank=True)
    state_province = models.CharField(_("county or region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country code"), max_length=2, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    hsds_extra = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.name, self.address_1, self.city) if p)


class ServiceAtLocation(models.Model):
    hsds_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    hsds_extra = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "location"], name="service_once_per_location"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class DirectorySettings(models.Model):
    """Steward choices for the directory (a single row)."""

    public_search = models.BooleanField(
        _("people who are not signed in may search the directory"), default=True
    )
    # Moved on deletions and imports, which leave no newer `updated_at` behind, so
    # that every process knows to rebuild its search index.
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "directory settings"

    @classmethod
    def current(cls) -> DirectorySettings:
        found, _created = cls.objects.get_or_create(pk=1)
        return found

    @classmethod
    def mark_changed(cls) -> None:
        """Tell every process's search index that the directory changed."""
        if not cls.objects.filter(pk=1).update(changed_at=timezone.now()):
            cls.current()


class SupportPlan(models.Model):
    """A person's support plan: the navigator's answer, saved and ticked off."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans"
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The adviser who ran the navigator for the owner, if any."),
    )
    title = models.CharField(_("title"), max_length=120)
    needs = models.JSONField(default=dict)
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="plans_shared_with_me"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("directory:plan", args=[self.pk])


class PlanItem(models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", _("Service")
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")
        GROUP = "group", _("Group")
        EVENT = "event", _("Event")

    plan = models.ForeignKey(
        SupportPlan, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300)
    reason = models.CharField(max_length=300)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title


class DirectoryJob(models.Model):
    """A steward's import or export, run in the background with progress."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed: nothing changed")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    # The uploaded file of an import; the zip written by an export.
    file = models.FileField(upload_to="directory/", blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
