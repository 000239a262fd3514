"""People: the user account, the member profile and personal access tokens."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Region, Sector, Topic


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, is_steward=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person with a login. The email address is the login name."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    is_steward = models.BooleanField(
        _("steward"),
        default=False,
        help_text=_("Stewards run the ecosystem: taxonomy, moderation, analytics."),
    )
    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        help_text=_("Created by `kindred demo`; never present in production."),
    )
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.CharField(
        _("suspension reason"), max_length=300, blank=True
    )
    # Part of every session's hash: adding one ends all of the person's sessions
    # at once, whatever the session backend (services.end_all_sessions).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        profile = getattr(self, "profile", None)
        return profile.display_name if profile and profile.display_name else self.email

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)

    def get_session_auth_hash(self) -> str:
        """Django's hash of the password, plus the session generation.

        A session whose stored hash no longer matches is signed out on its next
        request: a new password or a new generation ends every session.
        """
        if not self.session_generation:
            return super().get_session_auth_hash()
        return salted_hmac(
            "kindred.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    PRE_START = "pre_start", _("Pre-start")
    START_UP = "start_up", _("Start-up")
    GROWING = "growing", _("Growing")
    ESTABLISHED = "established", _("Established")


class Visibility(models.TextChoices):
    MEMBERS = "members", _("Signed-in members")
    ORGANISATIONS = "organisations", _("My organisations only")
    ONLY_ME = "only_me", _("Only me")


def _visibility(verbose: str) -> models.CharField:
    return models.CharField(
        verbose, max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )


TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]

LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("cy", _("Welsh")),
    ("ga", _("Irish")),
    ("gd", _("Scottish Gaelic")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("pt", _("Portuguese")),
    ("pl", _("Polish")),
    ("ro", _("Romanian")),
    ("uk", _("Ukrainian")),
    ("ar", _("Arabic")),
    ("ur", _("Urdu")),
    ("pa", _("Punjabi")),
    ("bn", _("Bengali")),
    ("hi", _("Hindi")),
    ("zh", _("Chinese")),
    ("tr", _("Turkish")),
    ("so", _("Somali")),
]
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


class ProfileQuerySet(models.QuerySet["Profile"]):
    def listed(self) -> ProfileQuerySet:
        """Profiles of active, unsuspended people."""
        return self.filter(user__is_active=True, user__suspended_at__isnull=True)

    def where_visible(self, field: str, viewer: User, colleague_ids: Any) -> Q:
        """Return a condition: `field` of the profile is visible to `viewer`.

        `colleague_ids` are the ids (a list or a subquery) of people who share an
        organisation with the viewer.
        """
        vis = f"{field}_visibility"
        return (
            Q(**{vis: Visibility.MEMBERS})
            | Q(user_id=viewer.pk)
            | Q(**{vis: Visibility.ORGANISATIONS}, user_id__in=colleague_ids)
        )


class Profile(models.Model):
    """What a member tells the ecosystem about themselves, field by field visible."""

    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = (
        "headline",
        "bio",
        "photo",
        "region",
        "sectors",
        "stage",
        "topics_offered",
        "topics_needed",
        "time_zone",
        "languages",
    )

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("name"), max_length=120, db_index=True)
    headline = models.CharField(
        _("headline"),
        max_length=160,
        blank=True,
        help_text=_("One line: what you do, e.g. “Founder of a zero-waste bakery”."),
    )
    bio = models.TextField(
        _("about you"),
        max_length=5000,
        blank=True,
        help_text=_("Markdown is allowed: **bold**, lists and links."),
    )
    photo = models.ImageField(_("photo"), upload_to="profiles/", blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
    )
    sectors = models.ManyToManyField(
        Sector, verbose_name=_("sectors"), blank=True, related_name="profiles"
    )
    stage = models.CharField(
        _("business stage"), max_length=16, choices=Stage.choices, blank=True
    )
    topics_offered = models.ManyToManyField(
        Topic,
        verbose_name=_("topics I can help with"),
        blank=True,
        related_name="offered_by",
    )
    topics_needed = models.ManyToManyField(
        Topic,
        verbose_name=_("topics I want help with"),
        blank=True,
        related_name="needed_by",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default="Europe/London",
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)

    headline_visibility = _visibility(_("who sees your headline"))
    bio_visibility = _visibility(_("who sees your bio"))
    photo_visibility = _visibility(_("who sees your photo"))
    region_visibility = _visibility(_("who sees your region"))
    sectors_visibility = _visibility(_("who sees your sectors"))
    stage_visibility = _visibility(_("who sees your business stage"))
    topics_offered_visibility = _visibility(_("who sees the topics you help with"))
    topics_needed_visibility = _visibility(_("who sees the topics you want help with"))
    time_zone_visibility = _visibility(_("who sees your time zone"))
    languages_visibility = _visibility(_("who sees your languages"))

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        indexes = [
            models.Index(fields=["stage", "stage_visibility"]),
            models.Index(fields=["region", "region_visibility"]),
            models.Index(fields=["-created_at", "-id"], name="profile_newest"),
            models.Index(
                fields=["-updated_at", "-id"], name="profile_recently_updated"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.user.email

    def get_absolute_url(self) -> str:
        return reverse("members:detail", args=[self.pk])

    def language_names(self) -> list[str]:
        return [str(LANGUAGE_NAMES.get(code, code)) for code in self.languages]


TOKEN_PREFIX = "kdr_"  # noqa: S105 - a visible prefix, not a secret


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A personal access token for the REST API, stored only as a hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        _("name"), max_length=80, help_text=_("What uses it, e.g. “CRM sync”.")
    )
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return a new raw token, its display prefix and its hash."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return raw, raw[: len(TOKEN_PREFIX) + 6], _hash_token(raw)

    @classmethod
    def find_active(cls, raw: str) -> ApiToken | None:
        return (
            cls.objects.active()
            .select_related("user")
            .filter(key_hash=_hash_token(raw))
            .first()
        )
