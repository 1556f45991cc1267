"""Conferral's one settings module: every setting comes from a CONFERRAL_* environment
variable with a working default, so `conferral serve` runs with nothing configured."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"CONFERRAL_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_float_list(name: str, default: str) -> list[float]:
    return [float(part) for part in env(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG")
BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DATA_DIR = Path(env("DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# The default key is for the embedded one-machine set-up only; production sets its own.
SECRET_KEY = env("SECRET_KEY", "conferral-insecure-development-key-change-me")

_base = urlsplit(BASE_URL)
ALLOWED_HOSTS = ["*"] if DEBUG else [_base.hostname or "127.0.0.1", "127.0.0.1", "localhost"]
ALLOWED_HOSTS += [h for h in env("ALLOWED_HOSTS").split(",") if h]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "conferral.accounts",
    "conferral.certificates",
    "conferral.delivery",
    "conferral.tracking",
    "conferral.stats",
    "conferral.api",
    "conferral.dashboard",
    "conferral.recipient",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Viewers change nothing: every unsafe request to a dashboard URL needs an owner or
    # admin of the current organization (conferral/dashboard/access.py).
    "conferral.dashboard.access.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "conferral.urls"
WSGI_APPLICATION = "conferral.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "conferral.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait
                # (busy timeout) instead of failing to upgrade a read lock.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
                ),
            },
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work through Django's Tasks API; code never names a backend.
TASKS_BACKEND = env("TASKS", "db")
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS_BACKEND == "rq":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "dashboard:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _base.scheme == "https"
CSRF_COOKIE_SECURE = _base.scheme == "https"
X_FRAME_OPTIONS = "DENY"

# Email. Nothing set: the built-in local mailbox keeps every message in the database.
EMAIL_URL = env("EMAIL_URL", "mailbox:")
FROM_EMAIL = env("FROM_EMAIL", "Conferral <certificates@conferral.localhost>")
DEFAULT_FROM_EMAIL = FROM_EMAIL
# A provider's credentials for `django://anymail.backends.<provider>.EmailBackend`, as
# JSON, e.g. {"POSTMARK_SERVER_TOKEN": "..."}: django-anymail's ANYMAIL setting.
try:
    ANYMAIL = json.loads(env("ANYMAIL", "{}"))
except json.JSONDecodeError as exc:
    raise SystemExit(f"CONFERRAL_ANYMAIL is not valid JSON: {exc}") from exc
# Mail Django sends itself (password resets, invitations) goes through the same
# configured transport: into the local mailbox, or out by SMTP or a provider.
EMAIL_BACKEND = "conferral.delivery.mailbox.TransportEmailBackend"

# Sending: how many recipients a worker claims at once, how long its lease lasts, how
# long a deferred (4xx) message waits before each retry (seconds), and how often the
# sweeper looks for expired leases and due work.
SEND_BATCH_SIZE = int(env("SEND_BATCH_SIZE", "200"))
SEND_LEASE_SECONDS = float(env("SEND_LEASE_SECONDS", "120"))
SEND_RETRY_DELAYS = env_float_list("SEND_RETRY_DELAYS", "60,300,1800,7200,21600")
SWEEP_INTERVAL_SECONDS = float(env("SWEEP_INTERVAL_SECONDS", "15"))

# Import limits.
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The largest background or badge image (PNG, JPEG or a one-page PDF) a design accepts.
DESIGN_MAX_BYTES = int(env("DESIGN_MAX_BYTES", str(10 * 1024 * 1024)))

# Font directories searched by the PDF renderer, besides the fonts typst ships.
FONT_PATHS = [
    p
    for p in env("FONT_PATHS", "/usr/share/fonts/truetype:/usr/share/fonts/opentype").split(":")
    if p
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"conferral": {"level": env("LOG_LEVEL", "INFO")}},
}
