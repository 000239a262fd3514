"""Peer help: asks, standing offers, responses, thanks and helper invitations.

Status, kind, urgency and visibility values are stable codes: the API shows them as
they are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Topic
from kindred.organisations.models import Organisation

#: Invitations a person without an active offer accepts per calendar month.
DEFAULT_MONTHLY_LIMIT = 4


class Ask(models.Model):
    """A request for help from one member to the ecosystem, a group or their
    organisations."""

    class Urgency(models.TextChoices):
        LOW = "low", _("Whenever someone has time")
        NORMAL = "normal", _("In the next week or two")
        URGENT = "urgent", _("Urgent: in the next few days")

    class Kind(models.TextChoices):
        ADVICE = "advice", _("Advice in writing")
        CALL = "call", _("A call")
        INTRODUCTION = "introduction", _("An introduction")
        REVIEW = "review", _("A review of a document")
        SUPPLIER = "supplier", _("Looking for a supplier")

    class Visibility(models.TextChoices):
        ECOSYSTEM = "ecosystem", _("The whole ecosystem")
        GROUP = "group", _("One of my groups")
        ORGANISATIONS = "organisations", _("People in my organisations")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SOLVED = "solved", _("Solved")
        UNSOLVED = "unsolved", _("Closed unsolved")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="asks"
    )
    title = models.CharField(_("title"), max_length=160)
    details = models.TextField(
        _("details"),
        max_length=10000,
        blank=True,
        help_text=_("What you need and what you have tried. Markdown is allowed."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="asks"
    )
    urgency = models.CharField(
        _("how urgent"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    kind = models.CharField(
        _("help wanted"), max_length=14, choices=Kind.choices, default=Kind.ADVICE
    )
    visibility = models.CharField(
        _("who can see it"),
        max_length=14,
        choices=Visibility.choices,
        default=Visibility.ECOSYSTEM,
    )
    group = models.ForeignKey(
        "communities.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="asks",
    )
    organisations = models.ManyToManyField(  # type: ignore[var-annotated]
        Organisation,
        verbose_name=_("organisations"),
        blank=True,
        related_name="asks",
        help_text=_("For organisation asks: the asker's organisations when posted."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    client_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "visibility", "-created_at"]),
            models.Index(fields=["author", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"], name="one_ask_per_submission"
            ),
        ]
        verbose_name = _("ask")
        verbose_name_plural = _("asks")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("peerhelp:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Offer(models.Model):
    """A standing offer of help ("I review pitch decks")."""

    class Format(models.TextChoices):
        WRITING = "writing", _("In writing")
        CALL = "call", _("A call")
        MEETING = "meeting", _("Meeting in person")
        INTRODUCTION = "introduction", _("Introductions")
        REVIEW = "review", _("Reviewing documents")
        SUPPLY = "supply", _("As a supplier")

    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_offers"
    )
    title = models.CharField(_("title"), max_length=160)
    details = models.TextField(
        _("details"),
        max_length=4000,
        blank=True,
        help_text=_("What you can help with. Markdown is allowed."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="help_offers"
    )
    format = models.CharField(
        _("format"), max_length=14, choices=Format.choices, default=Format.WRITING
    )
    monthly_limit = models.PositiveSmallIntegerField(
        _("requests per month"),
        default=DEFAULT_MONTHLY_LIMIT,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("At most this many invitations to help reach you each month."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    client_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["helper", "is_active"])]
        constraints = [
            models.UniqueConstraint(
                fields=["helper", "client_token"], name="one_offer_per_submission"
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_limit__gte=1, monthly_limit__lte=20),
                name="offer_monthly_limit_1_to_20",
            ),
        ]
        verbose_name = _("offer of help")
        verbose_name_plural = _("offers of help")

    def __str__(self) -> str:
        return self.title


class Response(models.Model):
    """A written reply to an ask (or to another response), or an offered call."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        CALL = "call", _("Offer of a call")

    ask = models.ForeignKey(Ask, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="help_responses",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.REPLY)
    body = models.TextField(_("reply"), max_length=10000)
    call_at = models.DateTimeField(_("proposed time"), null=True, blank=True)
    call_minutes = models.PositiveSmallIntegerField(
        _("length in minutes"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    room_url = models.URLField(
        _("video room"), max_length=500, blank=True, editable=False
    )
    helped = models.BooleanField(_("helped"), default=False)
    helped_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    client_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ask", "created_at"]),
            models.Index(fields=["author", "helped"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"], name="one_response_per_submission"
            ),
        ]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"Response #{self.pk} to ask #{self.ask_id}"

    def get_absolute_url(self) -> str:
        return reverse("peerhelp:detail", args=[self.ask_id]) + f"#response-{self.pk}"

    @property
    def is_call(self) -> bool:
        return self.kind == self.Kind.CALL


class Thanks(models.Model):
    """A thank-you note from an asker to the author of a response that helped."""

    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, related_name="thanks"
    )
    ask = models.ForeignKey(Ask, on_delete=models.CASCADE, related_name="thanks")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thanks_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="thanks_received",
    )
    note = models.TextField(_("thank-you note"), max_length=2000)
    is_public = models.BooleanField(
        _("show this thank-you publicly"),
        default=False,
        help_text=_("Shown on the helper's thanks page to every member."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]
        verbose_name = _("thank-you")
        verbose_name_plural = _("thank-yous")

    def __str__(self) -> str:
        return f"Thanks #{self.pk} to {self.recipient_id}"


class HelpInvitation(models.Model):
    """A recommended helper for an ask, with the ranking's reason, and whether they
    were invited (notified)."""

    ask = models.ForeignKey(Ask, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="help_invitations",
    )
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField(default=0.0)
    factors = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    invited = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["ask", "rank", "id"]
        indexes = [models.Index(fields=["user", "invited", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["ask", "user"], name="one_invitation_per_ask_and_person"
            ),
        ]
        verbose_name = _("help invitation")
        verbose_name_plural = _("help invitations")

    def __str__(self) -> str:
        return f"Invitation of {self.user_id} to ask #{self.ask_id}"
