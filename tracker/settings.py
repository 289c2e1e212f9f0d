"""Settings, all from the environment with development defaults (README lists them)."""

import json
import os
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"


def development_secret_key(folder: Path) -> str:
    """A random key made once per checkout and kept in var/secret_key (mode 0600), shared
    by the web server, worker and beat of `make run`. A constant in the source would let
    anyone forge the signed one-tap and verification links of a development instance."""
    path = folder / "secret_key"
    for _ in range(50):
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            folder.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another process is writing it
            key = secrets.token_urlsafe(50)
            with os.fdopen(fd, "w") as file:
                file.write(key)
            return key
        if key:
            return key
        time.sleep(0.02)  # created by another process, not yet written
    raise ImproperlyConfigured(f"{path} is empty; delete it to make a new development key")


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = development_secret_key(VAR_DIR)

DEBUG = envbool("DEBUG", "False" if PRODUCTION else "True")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}").rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "accounts",
    "tracker.logbook",
    "tracker.reports",
    "reminders",
    "tracker.experiments",
    "tracker.pwa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their cache lifetimes and all else is no-store.
    "tracker.middleware.NoStoreMiddleware",
    "tracker.middleware.RefusalLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "tracker.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the fixed policy built once rather than twice a response.
    "tracker.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tracker.middleware.DatabaseUnavailableMiddleware",
    "tracker.middleware.EmptyQueryParameterMiddleware",
    # Last, so it sees the response of every view and of axes' lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

# The site's own templates (templates/) are Jinja2, with the helpers in tracker/templating.py:
# compiled to Python once, they render the Today page several times faster than Django's
# engine (issue 14). Django's engine stays for the templates of installed apps (admin, API).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "tracker.templating.environment",
            # Django's engine keeps a template's last newline; without this an include
            # ends a line early and every page's whitespace differs from before.
            "keep_trailing_newline": True,
            "context_processors": [
                "tracker.templating.csrf",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "reminders.context_processors.notifications",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

# Database: PostgreSQL from DATABASE_URL; otherwise SQLite under var/, in WAL mode with
# IMMEDIATE transactions so web, worker and beat can share the file without "database is locked".
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The hot path's statements (tracker.prepared.prepared_cursor) are prepared on the
        # server after this many runs on a connection; Django's own cursors bind on the
        # client and never prepare. Behind a pooler in transaction mode that cannot keep
        # prepared statements (PgBouncer before 1.21), make it None.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule on the password: its password_changed hook ends other sessions and tokens.
    {"NAME": "tracker.security.PasswordChangeEndsAccess"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "login"

# How many reverse proxies (load balancer, TLS terminator) stand in front of gunicorn.
# The client address is the X-Forwarded-For entry this many hops from the right; with 0
# the header is ignored, so a client-sent X-Forwarded-For never changes a throttle or
# lockout key (tracker.security.client_ip, and DRF's NUM_PROXIES for the throttles).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_ip"

# Brute-force lockout for the login form and the API token endpoint.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password"]
# The form sends `username`, the API token view `email`: count both under one address.
AXES_USERNAME_CALLABLE = "tracker.security.axes_username"
AXES_LOCKOUT_CALLABLE = "tracker.security.lockout_response"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Source maps are large, fetched only by developer tools: not worth compressing at deploy.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv"),
    *("woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv", "map"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Email: EMAIL_URL (smtp://user:pass@host:587?tls=1) or the EMAIL_* settings; in
# development the file backend writes each message under var/mail/.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cramp tracker <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = VAR_DIR / "mail"
if os.environ.get("EMAIL_URL"):
    _email = urlparse(os.environ["EMAIL_URL"])
    _email_options = parse_qs(_email.query)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email_options.get("tls", ["0"])[0] in ("1", "true")
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = envint("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
# Verification and password-reset mail go through the workers (accounts.tasks).
ACCOUNT_MAIL_QUEUED = envbool("ACCOUNT_MAIL_QUEUED", "True")

# Celery. Without CELERY_BROKER_URL, kombu's filesystem transport under var/ lets
# `make run` work on a machine with nothing but Python.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_IS_FILESYSTEM = CELERY_BROKER_URL.startswith("filesystem://")
# A publish tries once, quickly: with the broker down a request that enqueues after
# commit answers in under a second instead of ~6 s of retries; the row stays pending
# and the sweep publishes it later (tests/security/test_faults.py).
REDIS_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0, "socket_connect_timeout": 1}
if CELERY_BROKER_IS_FILESYSTEM:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the broker's connection drops, a task already running finishes: its ack is lost
# with the connection, but what it did is recorded in our database, not the broker. A
# reminder send claims its row (pending -> sending), makes the call and records it; the
# message redelivered later finds nothing left to claim. Cancelling it instead (Celery
# 6's default) would stop a webhook, push or email midway, leave its row "sending" until
# the lease lapses and then send it again: a repeat for nothing
# (tests/reminders/test_broker_lost.py). Set here so an upgrade does not flip it.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Two queues: "celery" for the dispatcher and in-app delivery (our own database only)
# and "outbound" for the channels that wait on someone else's server (webhook, push,
# email), so a slow receiver never holds up the minute tick or an in-app reminder.
# A worker started without -Q consumes both; the Procfile runs one worker for each.
CELERY_TASK_DEFAULT_QUEUE = "celery"
OUTBOUND_QUEUE = "outbound"
CELERY_TASK_QUEUES = {CELERY_TASK_DEFAULT_QUEUE: {}, OUTBOUND_QUEUE: {}}
CELERY_TASK_ROUTES = {"reminders.tasks.deliver_outbound": {"queue": OUTBOUND_QUEUE}}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # One dispatcher every minute claims due reminder plans; safe if two beats run.
    "reminders-dispatch": {"task": "reminders.tasks.dispatch", "schedule": float(envint("DISPATCH_SECONDS", 60))},
    # Old deliveries and notifications go; health data stays until the user deletes it.
    "reminders-prune": {"task": "reminders.tasks.prune_deliveries", "schedule": 24 * 3600.0},
    # Weekly reports: claims users whose report is due (local week start 07:00), also late after an outage.
    "reports-weekly-sweep": {
        "task": "tracker.reports.tasks.weekly_reports_sweep",
        "schedule": float(envint("WEEKLY_REPORT_SWEEP_SECONDS", 900)),
    },
    # Stored Idempotency-Key responses are kept 24 h.
    "accounts-idempotency-prune": {"task": "accounts.tasks.idempotency_keys_prune", "schedule": 3600.0},
    # The block's instruction as an in-app notice on the first day of each experiment block.
    "experiments-block-notices": {"task": "tracker.experiments.tasks.block_notices_send", "schedule": 900.0},
}

# Reminders
REMINDER_SLOT_EXPIRY_MINUTES = envint("REMINDER_SLOT_EXPIRY_MINUTES", 30)
# How long a worker holds a claimed delivery; the sweep takes it back after that.
REMINDER_LEASE_SECONDS = envint("REMINDER_LEASE_SECONDS", 120)
# The sweep republishes a pending row only when its last publish is this old (a lost
# message), and at most REMINDER_SWEEP_LIMIT rows a tick, so a backlog that workers are
# still working through never grows the queue every minute.
REMINDER_REQUEUE_AFTER_SECONDS = envint("REMINDER_REQUEUE_AFTER_SECONDS", 300)
REMINDER_SWEEP_LIMIT = envint("REMINDER_SWEEP_LIMIT", 10_000)
# Notifications shown in the app are kept this long (deliveries 90 days).
REMINDER_NOTIFICATION_RETENTION_DAYS = envint("REMINDER_NOTIFICATION_RETENTION_DAYS", 90)
# Celery time limits of one outbound delivery task (one delivery: a few HTTP calls of at
# most OUTBOUND_DEADLINE_SECONDS each, or one email) and of an in-app chunk.
REMINDER_OUTBOUND_SOFT_TIME_LIMIT = envint("REMINDER_OUTBOUND_SOFT_TIME_LIMIT", 60)
REMINDER_CHUNK_SOFT_TIME_LIMIT = envint("REMINDER_CHUNK_SOFT_TIME_LIMIT", 120)
# Web Push keys: from the environment (production), else from the file `make run` creates
# on first start (`manage.py vapid_keys --ensure`, var/vapid.json, mode 0600).
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_KEYS_FROM_ENV = bool(VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY)
VAPID_KEY_FILE = Path(os.environ.get("VAPID_KEY_FILE", VAR_DIR / "vapid.json"))
if not VAPID_KEYS_FROM_ENV:
    try:
        _vapid = json.loads(VAPID_KEY_FILE.read_text())
        VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY = str(_vapid["public_key"]), str(_vapid["private_key"])
    except (OSError, ValueError, KeyError, TypeError):
        VAPID_PUBLIC_KEY = VAPID_PRIVATE_KEY = ""
VAPID_CLAIM_EMAIL = os.environ.get("VAPID_CLAIM_EMAIL", "mailto:admin@localhost")
# Webhooks and push endpoints may reach loopback/private hosts only outside production.
OUTBOUND_ALLOW_PRIVATE = envbool("OUTBOUND_ALLOW_PRIVATE", "False" if PRODUCTION else "True")
# One webhook or push call, start to finish (connect, TLS, request, answer), whatever
# the receiver does; at most this much of an answer is read.
OUTBOUND_DEADLINE_SECONDS = envint("OUTBOUND_DEADLINE_SECONDS", 5)
OUTBOUND_MAX_RESPONSE_BYTES = envint("OUTBOUND_MAX_RESPONSE_BYTES", 64 * 1024)

REST_FRAMEWORK = {
    # Token first, so an anonymous API call gets 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "tracker.api_schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tracker.parsers.JSONParser"],
    # DRF's rates and keys, counted with a counter rather than a list of request times.
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttles.AnonRateThrottle",
        "accounts.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "60/min"),
        "user": os.environ.get("THROTTLE_USER", "6000/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "PAGE_SIZE": 50,
    # Numbers as JSON numbers (DRF sends decimals as strings by default).
    "COERCE_DECIMAL_TO_STRING": False,
    "EXCEPTION_HANDLER": "tracker.api.exception_handler",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Cramp & hydration tracker API",
    "DESCRIPTION": "Log cramps, drinks and everyday factors; read reminders and weekly reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Named enums where two serializers share a field name ("status").
    "ENUM_NAME_OVERRIDES": {"ExperimentStatusEnum": "tracker.experiments.analysis.STATUSES"},
}

# API throttles and the mail and sign-in limits count here: with several web processes
# or machines they must share one count, so production sets CACHE_URL (Redis).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "tracker",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Content-Security-Policy: no inline or eval'd scripts anywhere (behaviour lives in static JS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Django's database sessions, with their read compiled once per process (issue 14).
SESSION_ENGINE = "accounts.sessions"
# Sessions (accounts/middleware.py): 30 minutes idle or 12 hours after sign-in end one;
# "keep me signed in" makes it 14 days. The database row expires with the longest.
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_REMEMBER_SECONDS = envint("SESSION_REMEMBER_SECONDS", 14 * 86400)
SESSION_COOKIE_AGE = SESSION_REMEMBER_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Ids and paths only: no handler here logs request bodies or query strings (tests/security).
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "tracker.security": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
