"""Projects with open roles that members volunteer for, and member businesses.

Status values are stable codes: the API shows them as they are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Region, Sector, Topic


class ProjectQuerySet(models.QuerySet["Project"]):
    def open(self) -> ProjectQuerySet:
        return self.filter(status=Project.Status.OPEN)

    def listed(self) -> ProjectQuerySet:
        """Projects everyone signed in may see: not hidden by a steward."""
        return self.filter(hidden=False)


class Project(models.Model):
    """Something an entrepreneur or an organisation does, with roles to fill."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open: looking for volunteers")
        CLOSED = "closed", _("Closed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.CASCADE,
        related_name="projects",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("on behalf of organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        help_text=_(
            "Optional: post for an organisation you are an admin or practitioner of; "
            "its admins and practitioners can then manage the project too."
        ),
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(
        _("what the project is"),
        max_length=8000,
        help_text=_("What you are doing and why it matters. Markdown is allowed."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="projects"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    hidden = models.BooleanField(_("hidden by a steward"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "hidden", "-created_at"])]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Role(models.Model):
    """An open role in a project: what is needed and how many people."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(_("role"), max_length=120)
    description = models.TextField(
        _("what the role involves"), max_length=2000, blank=True
    )
    topics = models.ManyToManyField(
        Topic,
        verbose_name=_("skills or topics"),
        blank=True,
        related_name="project_roles",
    )
    places = models.PositiveSmallIntegerField(
        _("places"), default=1, help_text=_("How many people you need (1 to 50).")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("project role")
        verbose_name_plural = _("project roles")

    def __str__(self) -> str:
        return self.title

    @property
    def open_places(self) -> int:
        """Places not yet filled; uses the `accepted_count` annotation when present."""
        accepted = getattr(self, "accepted_count", None)
        if accepted is None:
            accepted = self.volunteers.filter(status=Volunteer.Status.ACCEPTED).count()
        return max(self.places - accepted, 0)


class Volunteer(models.Model):
    """A member's offer to take a role, and the owner's answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="volunteers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="project_volunteering",
    )
    message = models.CharField(
        _("message to the owner"),
        max_length=1000,
        blank=True,
        help_text=_("Why you and what you can bring, in a few lines."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["role", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "user"], name="one_volunteering_per_role_and_person"
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "status"],
                name="accepted_volunteers",
                condition=Q(status="accepted"),
            )
        ]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return f"{self.user} for {self.role} ({self.status})"


class Update(models.Model):
    """News from the project team, seen only by the team and accepted volunteers."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(
        _("update"), max_length=8000, help_text=_("Markdown is allowed.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")

    def __str__(self) -> str:
        return f"Update #{self.pk} on {self.project_id}"


class BusinessQuerySet(models.QuerySet["Business"]):
    def active(self) -> BusinessQuerySet:
        return self.filter(is_active=True)


class Business(models.Model):
    """A member's business: what it sells or provides, and offers for members.

    Read by peer help's supplier recommendations (owner, name, slug, summary,
    offers, member_offer, topics, is_active).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="businesses",
    )
    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences.")
    )
    offers = models.TextField(
        _("what it sells or provides"),
        max_length=8000,
        blank=True,
        help_text=_("Products and services, prices if you like. Markdown is allowed."),
    )
    member_offer = models.CharField(
        _("offer for ecosystem members"),
        max_length=300,
        blank=True,
        help_text=_("Optional, e.g. “10% off for Kindred members”."),
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="businesses",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="businesses",
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="businesses"
    )
    is_active = models.BooleanField(
        _("listed"),
        default=True,
        help_text=_("Untick to take the page out of the directory."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = BusinessQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:business", args=[self.slug])
