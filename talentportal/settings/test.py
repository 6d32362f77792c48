"""Test settings: the base settings with fast hashing and a file database a worker process can share."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TALENTPORTAL_ENV_FILE", "")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
# Each test run gets its own broker folder, queue and media folder, so that parallel runs (and `make run`) never
# take each other's tasks or files. A worker started by a test inherits these through its environment. Each
# process of a pytest-xdist run counts as a run of its own; it inherits the values the controlling process set
# for itself, which are replaced here (pytest-django gives each process its own test database).
_BASE_RUN = os.environ.setdefault("TALENTPORTAL_TEST_RUN", str(os.getpid()))
_XDIST = os.environ.get("PYTEST_XDIST_WORKER", "")
_RUN = f"{_BASE_RUN}-{_XDIST}" if _XDIST else _BASE_RUN
_RUN_OWN = {  # what each run makes for itself, by {run}
    "TALENTPORTAL_BROKER_DIR": os.path.join(tempfile.gettempdir(), "talentportal-broker-{}"),
    "DJANGO_MEDIA_ROOT": os.path.join(tempfile.gettempdir(), "talentportal-media-{}"),
    "CELERY_QUEUE": "talentportal-test-{}",
}
for _name, _pattern in _RUN_OWN.items():
    _inherited = _pattern.format(_BASE_RUN)
    if os.environ.get(_name, _inherited) == _inherited:
        os.environ[_name] = _pattern.format(_RUN)
# The run's own media folder, which the tests remove at the end (never one given in DJANGO_MEDIA_ROOT).
RUN_MEDIA_ROOT = _RUN_OWN["DJANGO_MEDIA_ROOT"].format(_RUN)

from .base import *  # noqa: E402,F403
from .base import DATABASES, REDIS_CACHE_OPTIONS, REDIS_URL, REST_FRAMEWORK, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
# A file is looked up when it is asked for, instead of every static file being listed whenever a test client
# loads its middleware (once a test: ~35 ms each, a sixth of the permission matrix's time).
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing folder
# A file (not in-memory) SQLite test database, so that a Celery worker process sees the same data.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{_BASE_RUN}.sqlite3")}
    # A test database outlives no crash: its commits (each transactional test's flush, every migration) need not
    # wait for the disk.
    DATABASES["default"]["OPTIONS"]["init_command"] += " PRAGMA synchronous=OFF;"
else:  # concurrent runs (CI and a developer) must not drop each other's database
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_BASE_RUN}"}
# The cache gets its own Redis database: tests clear the cache, which must never empty the broker.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "talentportal.cache.FailOpenRedisCache",
            # Each process of a pytest-xdist run its own database (15, 14, … 8): clearing the cache empties it.
            "LOCATION": REDIS_URL.rsplit("/", 1)[0] + f"/{15 - int(_XDIST.removeprefix('gw') or 0) % 8}",
            "KEY_PREFIX": f"test-{_RUN}",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:  # each run its own folder: a run clearing its cache must not wipe another's throttle counters
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.path.join(tempfile.gettempdir(), f"talentportal-cache-{_RUN}"),
        }
    }
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "user": "10000/minute"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Report kinds only the tests run; test workers load them too.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.reportkinds.apps.ReportKindsConfig"]  # noqa: F405
