"""Insight posts, reactions, comments and who follows whom or what.

Codes (reaction kinds, preview states) are stable: the API shows them as stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Topic

TITLE_LIMIT = 140
BODY_LIMIT = 3000
COMMENT_LIMIT = 2000


class Insight(models.Model):
    """A short lesson a member shares with the whole ecosystem or one group."""

    class Preview(models.TextChoices):
        NONE = "none", _("No link")
        PENDING = "pending", _("Preview being fetched")
        READY = "ready", _("Preview ready")
        UNAVAILABLE = "unavailable", _("Preview unavailable")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="insights",
    )
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    body = models.TextField(
        _("the lesson"),
        max_length=BODY_LIMIT,
        help_text=_("A few short paragraphs. Markdown is allowed."),
    )
    group = models.ForeignKey(
        "communities.Group",
        verbose_name=_("shared with"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="insights",
        help_text=_("Empty: the whole ecosystem. A private group: its members only."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="insights"
    )
    link = models.URLField(_("link"), max_length=500, blank=True)
    preview_status = models.CharField(
        max_length=12, choices=Preview.choices, default=Preview.NONE
    )
    preview_title = models.CharField(max_length=300, blank=True)
    preview_description = models.CharField(max_length=1000, blank=True)
    preview_site_name = models.CharField(max_length=200, blank=True)
    preview_fetched_at = models.DateTimeField(null=True, blank=True)
    reaction_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(_("hidden by a steward"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="insight_newest"),
            models.Index(fields=["author", "-created_at"], name="insight_by_author"),
            models.Index(fields=["group", "-created_at"], name="insight_by_group"),
        ]
        verbose_name = _("insight")
        verbose_name_plural = _("insights")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("insights:detail", args=[self.pk])

    @property
    def has_preview(self) -> bool:
        return self.preview_status == self.Preview.READY and bool(
            self.preview_title or self.preview_description
        )


class Reaction(models.Model):
    """One person's reaction to an insight; one of each kind per person."""

    class Kind(models.TextChoices):
        INSIGHTFUL = "insightful", _("Insightful")
        THANKS = "thanks", _("Thanks")
        CELEBRATE = "celebrate", _("Celebrate")

    insight = models.ForeignKey(
        Insight, on_delete=models.CASCADE, related_name="reactions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["insight", "user", "kind"], name="react_once_per_kind"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="reaction_recent")]
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.insight_id}"


class Comment(models.Model):
    """A comment on an insight."""

    insight = models.ForeignKey(
        Insight, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(
        _("comment"), max_length=COMMENT_LIMIT, help_text=_("Markdown is allowed.")
    )
    hidden = models.BooleanField(_("hidden by a steward"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["insight", "created_at", "id"], name="comment_order")
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.insight_id}"

    def get_absolute_url(self) -> str:
        return f"{self.insight.get_absolute_url()}#comment-{self.pk}"


class Follow(models.Model):
    """A person follows a topic or another person: their insights reach the feed."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(topic__isnull=False) & Q(person__isnull=True))
                | (Q(topic__isnull=True) & Q(person__isnull=False)),
                name="follow_one_topic_or_person",
            ),
            models.UniqueConstraint(
                fields=["follower", "topic"],
                condition=Q(topic__isnull=False),
                name="follow_topic_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "person"],
                condition=Q(person__isnull=False),
                name="follow_person_once",
            ),
        ]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.topic_id or self.person_id}"
