"""Settings for every deployment. Differences between deployments come only from environment variables."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import dj_database_url
import django_stubs_ext

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TALENTPORTAL_VAR_DIR", BASE_DIR / "var"))


def read_local_env(path: Path) -> None:
    """A development checkout's own settings, written by ``make`` into ``var/.env`` (never committed): each
    ``NAME=value`` line fills in a variable the environment leaves unset, so every ``manage.py`` command runs
    as ``make run`` does. Production has no such file and sets its variables itself."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, IsADirectoryError):
        return
    for line in lines:
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            os.environ.setdefault(name.strip(), value.strip())


# Test settings turn the file off (TALENTPORTAL_ENV_FILE empty): a developer's local choices stay out of tests.
if env_file := os.environ.get("TALENTPORTAL_ENV_FILE", str(VAR_DIR / ".env")):
    read_local_env(Path(env_file))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Without a configured key the portal still starts (for `make run`), but only with DEBUG on: a production
# instance must never run on a key that is in the source tree.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("TALENTPORTAL_ALLOW_INSECURE_KEY"):
        # One line for the operator, not a traceback: this is a setting to make, not a fault in the code.
        sys.exit(
            "Refusing to start: set DJANGO_SECRET_KEY (production), or run `make run` once in a development "
            "checkout (it writes var/.env with DJANGO_DEBUG=1 and a key)."
        )
    SECRET_KEY = "insecure-development-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Django's generic classes take their model as the type checker reads them: forms.ModelForm[Talent].
django_stubs_ext.monkeypatch()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "talentportal.orgs",
    "talentportal.audit",
    "talentportal.jobs",
    "talentportal.registry",
    "talents",
    "platforms",
    "programs",
    "assessments",
    "plans",
    "cockpit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "talentportal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "talentportal.audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "talentportal.orgs.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "talentportal.middleware.ErrorPagesMiddleware",
]

ROOT_URLCONF = "talentportal.urls"
WSGI_APPLICATION = "talentportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "talentportal.orgs.context_processors.access",
            ],
        },
    }
]

# Django's widget templates, with a select writing its options in place (talentportal/forms_rendering.py).
FORM_RENDERER = "talentportal.forms_rendering.FormRenderer"

# --- Database -------------------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (or anything dj-database-url understands); without it, SQLite in WAL mode.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'talentportal.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; the busy timeout waits instead of failing.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when configured, otherwise a cache that works across processes without a server --------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis down must cost a request at most a second or two, never a server error: the cache fails open (a miss,
# a warning in the log) and gives up connecting quickly.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "talentportal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Authentication ---------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: after AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked
# for AXES_COOLOFF_MINUTES; after AXES_ADDRESS_FAILURE_LIMIT failures from one address, whatever the user names
# (password spraying), the address is. The same holds for the API's token endpoint. Every failure and
# lock-out is written to the audit log.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = int(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "talentportal.security.AxesHandler"
AXES_CLIENT_IP_CALLABLE = "talentportal.security.client_ip"
AXES_LOCKOUT_CALLABLE = "talentportal.security.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Language and time ------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "talentportal.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- Security (all on unless the deployment says otherwise) -----------------------------------------------
# The reverse proxies in front of the portal (addresses or networks). Only a request from one of them has its
# X-Forwarded-For believed; everything that keys on the client's address (API throttles, sign-in lock-outs,
# the audit log) uses talentportal.security.client_ip.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        sys.exit(f"Refusing to start: DJANGO_TRUSTED_PROXIES has {_proxy!r}, which is not an address or network.")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of every page (talentportal.middleware): only the portal's own files, no inline script
# or style (behaviour lives in static/js, data for scripts in <script type="application/json">), no frames.
# data: images are the icons Bootstrap's and Swagger UI's stylesheets embed.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
CSRF_FAILURE_VIEW = "talentportal.views.csrf_failure"

# --- API ----------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "talentportal.registry.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "talentportal.security.AnonRateThrottle",
        "talentportal.security.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "2000/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "talentportal.registry.schema.PortalAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Talent portal API",
    "DESCRIPTION": "Registry, programs, platforms and background jobs of a city talent office.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_GENERATOR_CLASS": "talentportal.registry.schema.CachedSchemaGenerator",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response shapes: a masked birth date is sent as a date but read as "1985-**-**".
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SelectionStatusEnum": "programs.models.Status",
        "BatchStatusEnum": "programs.models.Batch.Status",
        "TrancheStatusEnum": "programs.models.Tranche.Status",
        "ServiceRequestKindEnum": "talents.models.ServiceRequest.Kind",
        "ServiceRequestStatusEnum": "talents.models.ServiceRequest.Status",
        "AssessmentSchemeStatusEnum": "assessments.models.Scheme.Status",
        "AssessmentSubmissionStatusEnum": "assessments.models.Submission.Status",
        "AssessmentEventStatusEnum": "assessments.models.Event.Status",
        "AssessmentEventLevelEnum": "assessments.models.Event.Level",
        "LevelEnum": "programs.models.Level",
        "PlanStatusEnum": "plans.figures.STATUS_CHOICES",
    },
}

# --- Background jobs ----------------------------------------------------------------------------------------
# With REDIS_URL the broker is Redis; without it, kombu's filesystem transport under var/ needs no server.
BROKER_DIR = Path(os.environ.get("TALENTPORTAL_BROKER_DIR", VAR_DIR / "broker"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message a worker took but never acknowledged (the worker was killed) is delivered again after this long;
    # it must outlast the hard time limit, or a job still running would be handed to a second worker. The job of
    # the dead worker is marked failed long before (JOB_STALE_SECONDS), so the redelivery finds it failed and is
    # dropped: see JobTask and docs/operations.md.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
else:
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "talentportal")
# Starting a job while the broker is down fails within seconds (the job is marked failed and the user told),
# instead of the request hanging on kombu's retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("JOB_SOFT_TIME_LIMIT", "1800"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "fail-stale-jobs": {"task": "talentportal.jobs.tasks.fail_stale_jobs", "schedule": 60.0},
    "worker-heartbeat": {"task": "talentportal.jobs.tasks.worker_heartbeat", "schedule": 60.0},
    "report-schedules": {"task": "talentportal.jobs.reports.run_due_schedules", "schedule": 300.0},
}
# A report is SQL aggregation and drawing: minutes at most, even on a million talents.
REPORT_SOFT_TIME_LIMIT = int(os.environ.get("REPORT_SOFT_TIME_LIMIT", "600"))
# A running job writes a heartbeat at least this often; one silent for JOB_STALE_SECONDS is marked failed.
JOB_HEARTBEAT_SECONDS = int(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
JOB_STALE_SECONDS = int(os.environ.get("JOB_STALE_SECONDS", "120"))
# A job no worker has taken within this time (its message was lost, or no worker runs) is marked failed.
JOB_QUEUED_STALE_SECONDS = int(os.environ.get("JOB_QUEUED_STALE_SECONDS", str(6 * 3600)))
# /health/ counts a worker as up when it reported in (at start, then every minute) within this time.
WORKER_SEEN_SECONDS = int(os.environ.get("WORKER_SEEN_SECONDS", "300"))
# Exports up to this many rows are written in the request; larger ones run as a job.
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "2000"))

# Roster imports: the largest file, the most rows and cells, and how far a zip may unpack (zip bombs).
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_MB", "50")) * 1024 * 1024
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "500000"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", str(500_000 * 60)))
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_MB", "1024")) * 1024 * 1024
# How much lower than the job's own the CPU priority (nice) of an import's helper threads is: the next batch's checks
# and the sheet's parts built ahead give way to the job's threads that build and send the rows. 0 (or less) keeps
# them alike. Linux only (its nice value is a thread's); it weighs within the worker's scheduling group only.
IMPORT_HELPER_NICE = int(os.environ.get("IMPORT_HELPER_NICE", "5"))

# A service request still open this many days after it was accepted is overdue.
SERVICE_REQUEST_DUE_DAYS = int(os.environ.get("SERVICE_REQUEST_DUE_DAYS", "15"))

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

AUTH_USER_MODEL = "orgs.User"
