"""Groups (communities of practice) and who belongs to them.

Status, role and rule values are stable codes: the API shows them as they are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Topic


class Group(models.Model):
    """A community of practice: people who learn together around a purpose."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        ARCHIVED = "archived", _("Archived (read-only)")

    class Joining(models.TextChoices):
        OPEN = "open", _("Open: anyone can join")
        REQUEST = "request", _("Request to join: facilitators approve")
        INVITATION = "invitation", _("By invitation only")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: members of Kindred can read it")
        PRIVATE = "private", _("Private: only group members see its content")

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Community of practice")
        COHORT = "cohort", _("Programme cohort")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    purpose = models.TextField(
        _("purpose"),
        max_length=4000,
        help_text=_("What the group is for and who it is for. Markdown is allowed."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="groups"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.COMMUNITY
    )
    joining = models.CharField(
        _("who can join"), max_length=10, choices=Joining.choices, default=Joining.OPEN
    )
    visibility = models.CharField(
        _("who can read it"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("run by organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
        help_text=_("Optional: the organisation that hosts this group."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["status", "visibility"])]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", args=[self.slug])

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


class Membership(models.Model):
    """One person's place in one group, from request or invitation to leaving."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        FACILITATOR = "facilitator", _("Facilitator")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Asked to join")
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Member")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_memberships",
    )
    role = models.CharField(
        _("role"), max_length=12, choices=Role.choices, default=Role.MEMBER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.CharField(
        _("message to the facilitators"), max_length=500, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], name="one_membership_per_group_and_person"
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "status"],
                name="group_membership_by_user",
                condition=Q(status="active"),
            )
        ]
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Thread(models.Model):
    """A discussion in a group. `reply_count` and `last_activity_at` are kept up to
    date by the services so the group page reads one page of rows from an index."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("message"), max_length=10000, help_text=_("Markdown is allowed.")
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    hidden = models.BooleanField(_("hidden by a facilitator"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer = models.ForeignKey(
        "Reply",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The reply marked as the answer."),
    )
    reply_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned", "-last_activity_at", "-id"]
        indexes = [
            models.Index(
                fields=["group", "-pinned", "-last_activity_at", "-id"],
                name="thread_list_order",
            )
        ]
        verbose_name = _("discussion thread")
        verbose_name_plural = _("discussion threads")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("communities:thread", args=[self.group.slug, self.pk])


class Reply(models.Model):
    """A reply in a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(
        _("reply"), max_length=10000, help_text=_("Markdown is allowed.")
    )
    hidden = models.BooleanField(_("hidden by a facilitator"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="reply_order")
        ]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"Reply {self.pk} in {self.thread_id}"


class ThreadFollow(models.Model):
    """Whether a person hears of new replies. Authors and repliers follow
    automatically; `following=False` remembers that they chose to stop."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    following = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "user"], name="follow_thread_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.thread_id}"


class Resource(models.Model):
    """A link or an uploaded file in a group's library. Files live in the private
    storage (`STORAGES["private"]`) and are served only through a checked view."""

    class Kind(models.TextChoices):
        LINK = "link", _("Link")
        FILE = "file", _("File")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"),
        max_length=4000,
        blank=True,
        help_text=_("Why it is useful. Markdown is allowed."),
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    file_name = models.CharField(max_length=255, blank=True, editable=False)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="group_resources"
    )
    useful_count = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(_("hidden by a facilitator"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["group", "-created_at", "-id"], name="resource_order")
        ]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.title

    @property
    def is_file(self) -> bool:
        return self.kind == self.Kind.FILE


class UsefulVote(models.Model):
    """A person found a resource useful; once per person."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "user"], name="useful_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} finds {self.resource_id} useful"
