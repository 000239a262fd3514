"""Kindred settings: one module, configured from environment variables only.

See docs/operations.md for every variable.
"""

import sys
from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("KINDRED_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("KINDRED_DEBUG", default=False)
# Test settings apply only inside the test runner, never by configuration.
TESTING = "pytest" in sys.modules

_secret = env.str("KINDRED_SECRET_KEY", default="")
if not _secret:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "KINDRED_SECRET_KEY must be set when KINDRED_DEBUG is off (production)."
        )
    _secret = "insecure-development-key-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = env.list(
    "KINDRED_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "[::1]"] if (DEBUG or TESTING) else [],
)
CSRF_TRUSTED_ORIGINS = env.list("KINDRED_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "kindred.core",
    "kindred.accounts",
    "kindred.organisations",
    "kindred.notifications",
    "kindred.webhooks",
    "kindred.directory",
    "kindred.referrals",
    "kindred.collaboration",
    "kindred.communities",
    "kindred.events",
    "kindred.moderation",
    "kindred.peerhelp",
    "kindred.insights",
    "kindred.projects",
    "kindred.learning",
    "kindred.mentoring",
    "kindred.programmes",
    "kindred.networking",
    "kindred.analytics",
    "kindred.consents",
    "kindred.privacy",
    "kindred.launch",
    "kindred.api",
]

MIDDLEWARE = [
    "kindred.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kindred.core.db_unavailable.DatabaseUnavailableMiddleware",
    "kindred.api.middleware.ApiAddressRateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "kindred.core.middleware.SessionTimeoutMiddleware",
    # A new ecosystem with no steward yet: every page goes to /launch/.
    "kindred.launch.middleware.FirstRunMiddleware",
    "kindred.core.middleware.RequestLogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kindred.core.middleware.TimezoneMiddleware",
]

ROOT_URLCONF = env.str("KINDRED_URLCONF", default="kindred.urls")
WSGI_APPLICATION = "kindred.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kindred" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kindred.core.context_processors.kindred",
            ],
        },
    }
]

# Database: SQLite in var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kindred.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL, immediate transactions and a busy timeout let the web server and the
    # worker write to one SQLite file without "database is locked"; Kindred's
    # backend queues write transactions across processes (kindred/core/sqlite).
    # The tests' in-memory database has nobody to queue with, and pytest-django
    # recognises an in-memory database by Django's own engine name.
    if not TESTING:
        DATABASES["default"]["ENGINE"] = "kindred.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("KINDRED_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "kindred_cache",
    }
}
if env.str("KINDRED_CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("KINDRED_CACHE_URL")}
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's backends, loading the profile with the user.
    "kindred.accounts.backends.ModelBackend",
    "kindred.accounts.backends.AuthenticationBackend",
]

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Accounts (django-allauth): email is the login; verification is mandatory.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kindred] "
ACCOUNT_ADAPTER = "kindred.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {} if TESTING else None  # None keeps allauth's defaults.
if ACCOUNT_RATE_LIMITS is None:
    del ACCOUNT_RATE_LIMITS
LOGIN_REDIRECT_URL = "core:home"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kindred"
# Changing an email address, a second factor or an API token asks for the password
# again (allauth's re-authentication) unless it was given in the last 5 minutes;
# changing the password asks for the current one.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
MFA_REAUTHENTICATION_REQUIRED = True

# Sessions: a new key at login (Django); every session of a person ends when the
# password changes or the account is deactivated (the session hash includes
# User.session_generation); idle and absolute timeouts in kindred.core.middleware.
KINDRED_SESSION_IDLE_SECONDS = env.int("KINDRED_SESSION_IDLE_SECONDS", default=2 * 3600)
KINDRED_SESSION_MAX_SECONDS = env.int("KINDRED_SESSION_MAX_SECONDS", default=12 * 3600)
SESSION_COOKIE_AGE = KINDRED_SESSION_MAX_SECONDS
ACCOUNT_SESSION_REMEMBER = False

# API tokens expire: after this many days unless the person picks a date, and
# never later than the maximum.
KINDRED_API_TOKEN_DEFAULT_DAYS = env.int("KINDRED_API_TOKEN_DEFAULT_DAYS", default=90)
KINDRED_API_TOKEN_MAX_DAYS = env.int("KINDRED_API_TOKEN_MAX_DAYS", default=365)

# Demo accounts are exempt from the two-factor rule for admin powers, but only in a
# development instance; production never honours the exemption.
KINDRED_DEMO_MFA_EXEMPT = DEBUG or TESTING
KINDRED_SIGNUP_OPEN = env.bool("KINDRED_SIGNUP_OPEN", default=True)
# Behind N reverse proxies, the client address is the Nth from the right in
# X-Forwarded-For; login rate limits count per client, not per proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("KINDRED_TRUSTED_PROXY_COUNT", default=0)

EMAIL_CONFIG = env.email_url("KINDRED_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "KINDRED_FROM_EMAIL", default="Kindred <kindred@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "kindred" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "kindred" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("KINDRED_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
    # Group library files: outside MEDIA_ROOT, served only through a view that
    # checks who may read them (docs/communities.md).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str(
                "KINDRED_PRIVATE_ROOT", default=str(VAR_DIR / "private")
            ),
            "base_url": None,
        },
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880
KINDRED_MAX_IMAGE_BYTES = env.int("KINDRED_MAX_IMAGE_BYTES", default=2 * 1024 * 1024)
# Groups: whether stewards approve proposed groups, and the largest library file.
KINDRED_GROUPS_NEED_APPROVAL = env.bool("KINDRED_GROUPS_NEED_APPROVAL", default=True)
KINDRED_MAX_RESOURCE_BYTES = env.int(
    "KINDRED_MAX_RESOURCE_BYTES", default=10 * 1024 * 1024
)
# Insights: link previews are fetched by the server in a background task, within
# these limits. Loopback addresses are refused unless allowed (tests only).
KINDRED_LINK_PREVIEW_TIMEOUT = env.float("KINDRED_LINK_PREVIEW_TIMEOUT", default=3.0)
KINDRED_LINK_PREVIEW_MAX_BYTES = env.int(
    "KINDRED_LINK_PREVIEW_MAX_BYTES", default=512 * 1024
)
KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK = env.bool(
    "KINDRED_LINK_PREVIEW_ALLOW_LOOPBACK", default=False
)

# Peer help: rebuild the recommended-helpers index in a background thread while
# requests keep using the previous one (off in tests: the request rebuilds it).
KINDRED_HELPER_INDEX_BACKGROUND = env.bool(
    "KINDRED_HELPER_INDEX_BACKGROUND", default=not TESTING
)
KINDRED_VIDEO_BASE_URL = env.str(
    "KINDRED_VIDEO_BASE_URL", default="https://meet.jit.si/"
)
KINDRED_WEBHOOK_TIMEOUT = env.int("KINDRED_WEBHOOK_TIMEOUT", default=10)
KINDRED_SITE_NAME = env.str("KINDRED_SITE_NAME", default="Kindred")
# Where people reach this instance; used for links in emails.
KINDRED_BASE_URL = env.str(
    "KINDRED_BASE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
).rstrip("/")

# Video sites whose links course lessons may carry (shown as links, never embedded).
KINDRED_COURSE_VIDEO_HOSTS = tuple(
    env.list(
        "KINDRED_COURSE_VIDEO_HOSTS",
        default=[
            "youtube.com",
            "www.youtube.com",
            "youtu.be",
            "vimeo.com",
            "player.vimeo.com",
            "www.loom.com",
            "peertube.tv",
        ],
    )
)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kindred.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kindred.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "kindred.api.schema.KindredAutoSchema",
    "EXCEPTION_HANDLER": "kindred.api.errors.problem_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Every caller is limited per client address, and per token (or per person
    # for a browser session); a 429 answer says when to retry (Retry-After).
    # (the per-address limit is kindred.api.middleware, ahead of authentication)
    "DEFAULT_THROTTLE_CLASSES": ["kindred.api.throttles.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Higher than one token's budget: many people may share one address.
        "address": env.str("KINDRED_API_ADDRESS_RATE", default="3000/minute"),
        "token": env.str("KINDRED_API_TOKEN_RATE", default="1200/minute"),
    },
    "NUM_PROXIES": env.int("KINDRED_TRUSTED_PROXY_COUNT", default=0),
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if TESTING:  # tests that check limits lower them themselves
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
        "address": "100000/minute",
        "token": "100000/minute",
    }
SPECTACULAR_SETTINGS = {
    "TITLE": "Kindred API",
    "DESCRIPTION": (
        "The REST API of a Kindred ecosystem. Authenticate with a personal access "
        "token from your account settings: `Authorization: Bearer <token>`. Errors "
        "are `application/problem+json` (RFC 9457); lists use cursor pagination."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "kindred.accounts.models.Stage",
        "VisibilityEnum": "kindred.accounts.models.Visibility",
        "RoleEnum": "kindred.organisations.models.Role",
        "OrganisationKindEnum": "kindred.organisations.models.Organisation.Kind",
        "LanguageEnum": "kindred.accounts.models.LANGUAGE_CHOICES",
        "TimeZoneEnum": "kindred.accounts.models.TIME_ZONE_CHOICES",
        "ServiceStatusEnum": "kindred.directory.models.Service.Status",
        "ServiceDeliveryEnum": "kindred.directory.models.Service.Delivery",
        "ServiceCostEnum": "kindred.directory.models.Service.Cost",
        "DeliveryPreferenceEnum": "kindred.api.directory.DELIVERY_PREFERENCES",
        "UrgencyEnum": "kindred.api.directory.URGENCIES",
        "ReferralStatusEnum": "kindred.referrals.models.Referral.Status",
        "ReferralMessageAudienceEnum": "kindred.referrals.models.Message.Audience",
        "NetworkingProgrammeAudienceEnum": (
            "kindred.networking.models.Programme.Audience"
        ),
        "ReferralReasonEnum": "kindred.referrals.models.Referral.Reason",
        "SharedFieldEnum": "kindred.referrals.models.SHAREABLE",
        "OutcomeKindEnum": "kindred.referrals.models.Outcome.Kind",
        "ReferralConsentMethodEnum": "kindred.referrals.models.Consent.Method",
        "ConsentRecordMethodEnum": "kindred.consents.models.ConsentRecord.Method",
        "ConsentRecordActionEnum": "kindred.consents.models.ConsentRecord.Action",
        "AccessEntryActionEnum": "kindred.consents.models.AccessEntry.Action",
    },
}

# Background tasks: database queue by default, immediate in tests, RQ on Redis
# when scaled out (see below).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# Security headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
if not (DEBUG or TESTING):
    SECURE_SSL_REDIRECT = env.bool("KINDRED_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("KINDRED_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("KINDRED_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# No inline script anywhere: scripts come from 'self', or carry the request's nonce
# (`{{ request.csp_nonce }}`), which django-csp adds only when a page uses it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Logs: one JSON object a line (KINDRED_LOG_FORMAT=text for people reading a
# terminal), each with the request id and the user id; never emails, names,
# tokens, passwords or query strings (docs/security.md, "Logs").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "kindred.core.middleware.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "kindred.core.middleware.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s "
            "user=%(user_id)s] %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": env.str(
                "KINDRED_LOG_FORMAT", default="text" if DEBUG else "json"
            ),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("KINDRED_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}


# Scale-out mode: with KINDRED_REDIS_URL set, tasks run on a Redis-backed
# distributed queue (RQ), and the cache, rate-limit counters and sessions are
# shared through Redis. Same code; configuration only.
KINDRED_REDIS_URL = env.str("KINDRED_REDIS_URL", default="")
if KINDRED_REDIS_URL and not TESTING:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": KINDRED_REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": KINDRED_REDIS_URL,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


# Data rights (issue 11): days each kind of personal record is kept before the
# daily purge (kindred.privacy.tasks.purge_expired) deletes or anonymises it.
# KINDRED_RETENTION_DAYS="notifications=180,webhook_deliveries=30" overrides any;
# "none" keeps a kind for ever. Defaults and meanings: docs/security.md.
KINDRED_RETENTION_DAYS = {
    "notifications": 365,
    "webhook_deliveries": 90,
    "sessions": 0,
    "api_tokens": 90,
    "calendar_feeds": 90,
    "invitations": 90,
    "join_requests": 365,
    "closed_referrals": 6 * 365,
    "idempotency_records": 2,
    "task_results": 30,
    "dormant_accounts": 3 * 365,
    "audit_log": 7 * 365,
}
for _kind, _days in env.dict("KINDRED_RETENTION_DAYS", default={}).items():
    KINDRED_RETENTION_DAYS[_kind] = None if _days.lower() == "none" else int(_days)
