"""Conferral's one settings module: every setting comes from a CONFERRAL_* environment
variable with a working default, so `conferral serve` runs with nothing configured."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from conferral.core import security
from conferral.core.client import proxy_networks
from conferral.core.sqlite import sqlite_options

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

_base = urlsplit(BASE_URL)
ALLOWED_HOSTS = ["*"] if DEBUG else [_base.hostname or "127.0.0.1", "127.0.0.1", "localhost"]
ALLOWED_HOSTS += [h for h in env("ALLOWED_HOSTS").split(",") if h]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

# Production safety (docs/security.md). The secret key: CONFERRAL_SECRET_KEY, or else a
# random key generated into the data directory on first start; the published
# development key is refused unless DEBUG runs on plain http. The keys rotated out go
# into CONFERRAL_SECRET_KEY_FALLBACKS (comma-separated): what they signed (sessions,
# tracking links already in inboxes) stays valid, and new signatures use the new key.
SECRET_KEY = env("SECRET_KEY") or security.generated_secret_key(DATA_DIR)
SECRET_KEY_FALLBACKS = [k.strip() for k in env("SECRET_KEY_FALLBACKS").split(",") if k.strip()]
_https = _base.scheme == "https"
_refusal = security.published_key_refusal(
    SECRET_KEY, SECRET_KEY_FALLBACKS, https=_https, debug=DEBUG
)
if _refusal:
    raise SystemExit(_refusal)
# The reverse proxies (addresses or CIDR networks, comma-separated) whose
# X-Forwarded-For / X-Forwarded-Proto / Forwarded headers are believed
# (conferral/core/client.py); from anyone else those headers are dropped.
TRUSTED_PROXIES = [p.strip() for p in env("TRUSTED_PROXIES").split(",") if p.strip()]
try:
    proxy_networks(TRUSTED_PROXIES)
except ValueError as exc:
    raise SystemExit(f"CONFERRAL_TRUSTED_PROXIES: {exc}") from exc
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Only a proxy we trust can tell us the client used https, so only then can a
    # plain-http request be told from one the proxy already decrypted.
    SECURE_SSL_REDIRECT = _https
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
LANGUAGE_COOKIE_SECURE = _https
try:
    SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000")) if _https else 0
except ValueError as exc:
    raise SystemExit("CONFERRAL_HSTS_SECONDS must be a whole number of seconds") from exc
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [
    # Preloading is the domain owner's call, not a default: it reaches every subdomain
    # and takes months to undo. CONFERRAL_HSTS_PRELOAD=1 opts in.
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    # django-ninja's templates and static files: the API docs load nothing from a CDN.
    "ninja",
    "conferral.core",
    "conferral.accounts",
    "conferral.certificates",
    "conferral.delivery",
    "conferral.tracking",
    "conferral.stats",
    "conferral.api",
    "conferral.dashboard",
    "conferral.recipient",
    "anymail",
    "conferral.providers",
    "conferral.bounces",
    "conferral.delivery.domains",
    "conferral.webhooks",
    "conferral.badges",
]

MIDDLEWARE = [
    "conferral.core.client.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "conferral.core.security.ContentSecurityPolicyMiddleware",
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
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
# Connections outlive a request: opening one costs more than a tracking hit's whole
# work, and closing SQLite's last one checkpoints and deletes the WAL each time. A
# connection that broke is replaced at the next request (health checks).
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A SQLite database given as a URL runs exactly like the default one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        **sqlite_options(),
        **DATABASES["default"].get("OPTIONS", {}),
    }
# PostgreSQL: Django turns psycopg's prepared statements off for the whole connection;
# its own cursors never prepare (they bind on the client), so this gives them back
# only to the driver's cursors that ask (`prepare=True`, conferral.core.driver): a
# click's lookup then costs the server 36 µs instead of 57. A connection pooler between
# Conferral and PostgreSQL must keep prepared statements (PgBouncer in session mode, or
# in transaction mode from 1.21 on with max_prepared_statements set).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
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
# One date and time format per language (conferral/formats), the 24-hour clock in both.
FORMAT_MODULE_PATH = ["conferral.formats"]
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
X_FRAME_OPTIONS = "DENY"

# Email. Nothing set: the built-in local mailbox keeps every message in the database.
EMAIL_URL = env("EMAIL_URL", "mailbox:")
FROM_EMAIL = env("FROM_EMAIL", "Conferral <certificates@conferral.localhost>")
DEFAULT_FROM_EMAIL = FROM_EMAIL
# A provider's credentials for `django://anymail.backends.<provider>.EmailBackend`, as
# JSON, e.g. {"POSTMARK_SERVER_TOKEN": "..."}: django-anymail's ANYMAIL setting. Its
# webhook secrets too ("WEBHOOK_SECRET": "user:password", "MAILGUN_WEBHOOK_SIGNING_KEY"):
# a provider's tracking webhook without its secret refuses every call (docs/providers.md).
try:
    ANYMAIL = json.loads(env("ANYMAIL", "{}"))
except json.JSONDecodeError as exc:
    raise SystemExit(f"CONFERRAL_ANYMAIL is not valid JSON: {exc}") from exc
# Mail Django sends itself (password resets, invitations) goes through the same
# configured transport: into the local mailbox, or out by SMTP or a provider.
EMAIL_BACKEND = "conferral.delivery.mailbox.TransportEmailBackend"
# An organization's own sending domain (docs/sending-domain.md): the SPF mechanism that
# authorizes the sending host (e.g. "include:spf.provider.example"; empty: derived from
# the SMTP host), the host that runs `conferral bounces serve`, the return path's MX
# (empty: the host of CONFERRAL_BASE_URL), and the DNS server the record check asks
# ("host" or "host:port"; empty: the system's resolver).
SPF_INCLUDE = env("SPF_INCLUDE")
BOUNCE_MX = env("BOUNCE_MX")
DNS_RESOLVER = env("DNS_RESOLVER")

# Sending: how many recipients a worker claims at once, how long its lease lasts, how
# long a deferred (4xx) message waits before each retry (seconds), and how often the
# sweeper looks for expired leases and due work.
SEND_BATCH_SIZE = int(env("SEND_BATCH_SIZE", "200"))
SEND_LEASE_SECONDS = float(env("SEND_LEASE_SECONDS", "120"))
SEND_RETRY_DELAYS = env_float_list("SEND_RETRY_DELAYS", "60,300,1800,7200,21600")
SWEEP_INTERVAL_SECONDS = float(env("SWEEP_INTERVAL_SECONDS", "15"))
# Accepted messages are recorded this many at a time, or once the first of them has
# waited this long: a worker killed mid-send re-sends at most SEND_RECORD_GROUP messages
# (docs/sending.md); 1 records each message before the next is sent.
SEND_RECORD_GROUP = max(1, int(env("SEND_RECORD_GROUP", "10")))
SEND_RECORD_SECONDS = float(env("SEND_RECORD_SECONDS", "0.05"))
# The last reminder goes out this many days before a certificate's claim deadline.
REMINDER_DEADLINE_DAYS = int(env("REMINDER_DEADLINE_DAYS", "3"))
# Opens and clicks are journalled before they are answered and applied to the database
# in batches, by the data directory's drainer every this many seconds (docs/tracking.md).
TRACKING_DRAIN_SECONDS = float(env("TRACKING_DRAIN_SECONDS", "0.05"))
# Whether a web process runs a drainer thread while no drainer runs; off in the web
# processes of `conferral serve`, which runs the drainer as a process of its own.
TRACKING_WEB_DRAINS = env_bool("TRACKING_WEB_DRAINS", default=True)
# Repeated views, verifications and machine opens from one client within this many
# seconds of the first are counted into one event (0: every hit is its own event).
EVENT_FOLD_SECONDS = float(env("EVENT_FOLD_SECONDS", "600"))
# Events older than this many days are pruned by the workers (docs/privacy.md); an
# organization may keep its own for longer or shorter. 0 keeps them forever; unset or
# empty is 395 days (13 months: a year of events to compare with the year before).
_event_retention_days = env("EVENT_RETENTION_DAYS").strip() or "395"
if not _event_retention_days.isdigit():
    raise SystemExit(
        f"CONFERRAL_EVENT_RETENTION_DAYS must be a whole number of days (0: keep events "
        f"forever); it is {_event_retention_days!r}"
    )
EVENT_RETENTION_DAYS = int(_event_retention_days)

# Bounces: the IMAP mailbox `conferral bounces poll` (and the worker, when it is set)
# reads the reports from, e.g. imaps://user:password@imap.example.org:993/INBOX, and
# how often the worker polls it (seconds).
BOUNCE_IMAP_URL = env("BOUNCE_IMAP_URL")
BOUNCE_POLL_SECONDS = float(env("BOUNCE_POLL_SECONDS", "60"))

# Outgoing webhooks (docs/webhooks.md): the hard deadline of one delivery (seconds), and
# whether they may go to loopback, private and link-local addresses (off: only public).
WEBHOOKS_TIMEOUT_SECONDS = float(env("WEBHOOKS_TIMEOUT_SECONDS", "10"))
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE")

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

# Rendered PDFs and PNGs are kept in this folder, named by everything they show, so a
# second download is not rendered again; past CONFERRAL_RENDER_CACHE_MB megabytes the
# least recently used go (docs/rendering.md).
RENDER_CACHE_DIR = Path(env("RENDER_CACHE_DIR", str(DATA_DIR / "renders"))).resolve()
_render_cache_mb = env("RENDER_CACHE_MB", "256").strip()
if not _render_cache_mb.isdigit() or int(_render_cache_mb) < 1:
    raise SystemExit(
        f"CONFERRAL_RENDER_CACHE_MB must be a whole number of megabytes, at least 1; "
        f"it is {_render_cache_mb!r}"
    )
RENDER_CACHE_MAX_BYTES = int(_render_cache_mb) * 1024 * 1024

# Rate limits (docs/throttling.md): each CONFERRAL_THROTTLE_<NAME> is "count/seconds"
# (at most count in a fixed window of that many seconds) or "off". The counters are
# rows in the database, or in Redis when CONFERRAL_CACHE_URL names one
# (redis://host:6379/1), so every process and machine counts together.
THROTTLE_DEFAULTS = {
    "claim_address": "20/600",  # typed tokens on /claim that match nothing, per address
    "link_address": "50/600",  # /r/<token> links that match nothing, per address
    "login_address": "30/900",  # failed sign-ins, per address
    "login_account": "10/900",  # failed sign-ins, per account email
    "reset_address": "10/3600",  # password reset requests, per address
    "reset_email": "3/3600",  # password reset requests, per email they name
    "invite_address": "50/3600",  # invitations sent, per address
    "invite_email": "5/3600",  # invitations sent, per invited email
    "api_key": "1200/60",  # API calls, per API key
    "api_auth_address": "20/600",  # API calls with a wrong key, per address
    "find_address": "10/3600",  # "find my credentials" requests, per address
    "find_email": "3/3600",  # "find my credentials" requests, per email they name
    "verify_address": "60/600",  # credentials uploaded to be verified, per address
}


def env_throttle(name: str, default: str) -> tuple[int, int] | None:
    value = env(f"THROTTLE_{name.upper()}", default).strip().lower()
    if value == "off":
        return None
    count, _, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
        raise SystemExit(
            f"CONFERRAL_THROTTLE_{name.upper()} must be count/seconds such as "
            f"{default!r}, or off; it is {value!r}"
        )
    return int(count), int(seconds)


THROTTLE_LIMITS = {name: env_throttle(name, value) for name, value in THROTTLE_DEFAULTS.items()}
CACHE_URL = env("CACHE_URL")
THROTTLE_STORE = "cache" if CACHE_URL else "database"
if CACHE_URL:
    if urlsplit(CACHE_URL).scheme not in {"redis", "rediss"}:
        raise SystemExit(f"CONFERRAL_CACHE_URL must be a redis:// URL; it is {CACHE_URL!r}")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        },
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"conferral": {"level": env("LOG_LEVEL", "INFO")}},
}
