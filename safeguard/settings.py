"""Django settings for Safeguard: wiring only; every value comes from the environment.

See ``safeguard/config.py`` for the rules and ``docs/configuration.md`` for the list.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from safeguard import config as _config

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    CONFIG = _config.load(os.environ, BASE_DIR)
except _config.ConfigError as exc:  # fail before Django does anything else
    sys.stderr.write(f"Safeguard configuration error: {exc}\n")
    raise SystemExit(2) from exc

SAFEGUARD_ENV = CONFIG.env
PRODUCTION = CONFIG.env == "production"
DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
SAFEGUARD_FIELD_KEYS = CONFIG.field_keys
VAR_DIR = CONFIG.var_dir

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("SAFEGUARD_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("SAFEGUARD_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from our static files, not a CDN
    "django_tasks_db",
    "safeguard.core",
    "safeguard.audit",
    "safeguard.accounts",
    "safeguard.customers",
    "safeguard.deadlines",
    "safeguard.cases",
    "safeguard.surveys",
    "safeguard.triage",
    "safeguard.intake",
    "safeguard.quality",
    "safeguard.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safeguard.accounts.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "safeguard.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "safeguard.urls"
WSGI_APPLICATION = "safeguard.wsgi.application"
ASGI_APPLICATION = "safeguard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "safeguard" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # The web server and the task worker share the file: WAL lets readers run
        # beside the one writer, and IMMEDIATE takes the write lock up front so a
        # transaction never fails half-way on "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are PostgreSQL's; SQLite builds the same indexes on their key columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Background work ------------------------------------------------------------
TASKS = {"default": {"BACKEND": os.environ.get("SAFEGUARD_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Accounts, MFA, lockout -----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses locked-out sign-ins; checks no permissions (the next backend does, in one query).
    "axes.backends.AxesStandaloneBackend",
    "safeguard.accounts.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Every staff login needs a second factor in production; optional in demo mode.
SAFEGUARD_REQUIRE_MFA = os.environ.get("SAFEGUARD_REQUIRE_MFA", "1" if PRODUCTION else "0") == "1"
OTP_TOTP_ISSUER = "Safeguard"
AXES_FAILURE_LIMIT = int(os.environ.get("SAFEGUARD_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = CONFIG.language
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "safeguard" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = CONFIG.time_zone

# --- Static and uploaded files --------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The project's own assets (safeguard.css, vendored htmx): ``safeguard`` itself is not an app.
STATICFILES_DIRS = [BASE_DIR / "safeguard" / "static"]
# Attachments live outside the web root and are served only through views that check access
# (never under STATIC_ROOT, and there is no MEDIA_URL).
MEDIA_ROOT = VAR_DIR / "files"
SAFEGUARD_ATTACHMENT_DIR = Path(os.environ.get("SAFEGUARD_ATTACHMENT_DIR", "").strip() or VAR_DIR / "attachments")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(SAFEGUARD_ATTACHMENT_DIR), "base_url": None},
    },
    # Trained triage models (joblib files; never served).
    "triage": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "triage"), "base_url": None},
    },
    # Generated quality and regulatory reports (served only through a permission-checked view).
    "reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "reports"), "base_url": None},
    },
}
# The largest attachment accepted, and the content types allowed (checked from the bytes).
SAFEGUARD_ATTACHMENT_MAX_BYTES = int(os.environ.get("SAFEGUARD_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
SAFEGUARD_ATTACHMENT_TYPES = [
    t.strip()
    for t in os.environ.get(
        "SAFEGUARD_ATTACHMENT_TYPES",
        "application/pdf,image/jpeg,image/png,image/gif,image/webp,image/tiff,text/plain,"
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ).split(",")
    if t.strip()
]
# At most this many files per upload (portal form, reply).
SAFEGUARD_ATTACHMENT_MAX_FILES = int(os.environ.get("SAFEGUARD_ATTACHMENT_MAX_FILES", "5"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Cache and rate limits --------------------------------------------------------
# One web process (the laptop set-up) keeps rate-limit counters in memory; run several web
# processes with SAFEGUARD_CACHE_URL=redis://... so they share the counters.
_CACHE_URL = os.environ.get("SAFEGUARD_CACHE_URL", "").strip()
if _CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "safeguard"}}
    # django-ratelimit refuses a per-process cache; with one web process it is the right one.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
RATELIMIT_VIEW = "safeguard.core.views.rate_limited"
# Per client address: portal submissions, tracking-code requests, code attempts.
SAFEGUARD_PORTAL_SUBMIT_RATE = os.environ.get("SAFEGUARD_PORTAL_SUBMIT_RATE", "10/h")
SAFEGUARD_TRACKING_CODE_RATE = os.environ.get("SAFEGUARD_TRACKING_CODE_RATE", "5/15m")
SAFEGUARD_TRACKING_VERIFY_RATE = os.environ.get("SAFEGUARD_TRACKING_VERIFY_RATE", "20/15m")

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = os.environ.get("SAFEGUARD_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- E-mail ---------------------------------------------------------------------
# Production sends through SMTP; demo mode writes each message to var/mail/ instead.
if os.environ.get("SAFEGUARD_EMAIL_BACKEND", "smtp" if PRODUCTION else "file") == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("SAFEGUARD_EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("SAFEGUARD_EMAIL_PORT", "25")),
                "username": os.environ.get("SAFEGUARD_EMAIL_USER", ""),
                "password": os.environ.get("SAFEGUARD_EMAIL_PASSWORD", ""),
                "use_tls": os.environ.get("SAFEGUARD_EMAIL_TLS", "0") == "1",
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("SAFEGUARD_FROM_EMAIL", "complaints@safeguard.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Domain settings ------------------------------------------------------------
# Redress above this amount (in the case's currency) needs a supervisor's approval.
SAFEGUARD_REDRESS_APPROVAL_LIMIT = os.environ.get("SAFEGUARD_REDRESS_APPROVAL_LIMIT", "5000.00")
# A resolved or closed case may be reopened for this many days.
SAFEGUARD_REOPEN_WINDOW_DAYS = int(os.environ.get("SAFEGUARD_REOPEN_WINDOW_DAYS", "30"))
# "Due soon" means a milestone falls due within this many hours.
SAFEGUARD_DUE_SOON_HOURS = int(os.environ.get("SAFEGUARD_DUE_SOON_HOURS", "24"))
SAFEGUARD_DEFAULT_POLICY = os.environ.get("SAFEGUARD_DEFAULT_POLICY", "cn-nfra")
SAFEGUARD_IDEMPOTENCY_HOURS = 24

# --- Portal and tracking --------------------------------------------------------
# A one-time tracking code is valid this long, for this many attempts.
SAFEGUARD_TRACKING_CODE_MINUTES = int(os.environ.get("SAFEGUARD_TRACKING_CODE_MINUTES", "15"))
SAFEGUARD_TRACKING_CODE_ATTEMPTS = int(os.environ.get("SAFEGUARD_TRACKING_CODE_ATTEMPTS", "5"))
# A verified tracking session lasts this long without activity.
SAFEGUARD_TRACKING_SESSION_MINUTES = int(os.environ.get("SAFEGUARD_TRACKING_SESSION_MINUTES", "30"))
# Whether the portal names the handler who wrote a reply (otherwise "Complaints team").
SAFEGUARD_PORTAL_SHOW_STAFF_NAMES = os.environ.get("SAFEGUARD_PORTAL_SHOW_STAFF_NAMES", "0") == "1"
# Text messages (tracking codes, survey invitations; safeguard/core/sms.py): FileBackend writes
# var/sms/ (demo), LocmemBackend keeps them in memory (tests); production refuses SMS
# (DisabledBackend) until it names its gateway's backend.
SAFEGUARD_SMS_BACKEND = os.environ.get(
    "SAFEGUARD_SMS_BACKEND",
    "safeguard.core.sms.FileBackend" if not PRODUCTION else "safeguard.core.sms.DisabledBackend",
)
SAFEGUARD_SMS_DIR = VAR_DIR / "sms"

# --- Intake ---------------------------------------------------------------------
# The department (code) that receives contacts no one routed: portal, e-mail, webhooks. Empty,
# or a code with no department, leaves them unrouted (then only staff who see every department
# see them until triage or a supervisor routes them).
SAFEGUARD_INTAKE_DEPARTMENT = os.environ.get("SAFEGUARD_INTAKE_DEPARTMENT", "consumer-protection")
# Possible duplicates (intake/dedupe.py): a new case of a customer whose text is at least this
# similar (0..1) to one of their cases received in the last N days is flagged and linked, never merged.
SAFEGUARD_DUPLICATE_WINDOW_DAYS = int(os.environ.get("SAFEGUARD_DUPLICATE_WINDOW_DAYS", "30"))
SAFEGUARD_DUPLICATE_SIMILARITY = float(os.environ.get("SAFEGUARD_DUPLICATE_SIMILARITY", "0.6"))
# E-mail in (intake/email.py, docs/email.md). Our own addresses (mail from them is a loop and is
# ignored); DEFAULT_FROM_EMAIL and SERVER_EMAIL always count.
SAFEGUARD_INTAKE_ADDRESSES = [
    a.strip() for a in os.environ.get("SAFEGUARD_INTAKE_ADDRESSES", "").split(",") if a.strip()
]
# Attachments kept from one e-mail; the rest are noted on the case (the raw message keeps them).
SAFEGUARD_EMAIL_MAX_ATTACHMENTS = int(os.environ.get("SAFEGUARD_EMAIL_MAX_ATTACHMENTS", "20"))
# The SMTP receiver (manage.py intake_smtp) refuses larger messages with 552.
SAFEGUARD_SMTP_MAX_BYTES = int(os.environ.get("SAFEGUARD_SMTP_MAX_BYTES", str(35 * 1024 * 1024)))
# The mailbox manage.py intake_imap polls. Security: "ssl" (IMAPS, port 993), "starttls" or "none".
SAFEGUARD_IMAP_HOST = os.environ.get("SAFEGUARD_IMAP_HOST", "")
SAFEGUARD_IMAP_SECURITY = os.environ.get("SAFEGUARD_IMAP_SECURITY", "ssl").strip().lower()
SAFEGUARD_IMAP_PORT = int(
    os.environ.get("SAFEGUARD_IMAP_PORT", "") or ("993" if SAFEGUARD_IMAP_SECURITY == "ssl" else "143")
)
SAFEGUARD_IMAP_USER = os.environ.get("SAFEGUARD_IMAP_USER", "")
SAFEGUARD_IMAP_PASSWORD = os.environ.get("SAFEGUARD_IMAP_PASSWORD", "")
SAFEGUARD_IMAP_MAILBOX = os.environ.get("SAFEGUARD_IMAP_MAILBOX", "INBOX")
# Move each stored message there (created if missing); empty leaves it in the mailbox, marked \Seen.
SAFEGUARD_IMAP_PROCESSED_FOLDER = os.environ.get("SAFEGUARD_IMAP_PROCESSED_FOLDER", "")
# Webhooks (/api/v1/webhooks/<source>): the largest body accepted (bytes); larger is 413.
SAFEGUARD_WEBHOOK_MAX_BYTES = int(os.environ.get("SAFEGUARD_WEBHOOK_MAX_BYTES", str(1024 * 1024)))
# POST /api/v1/cases/batch: the largest body accepted (bytes; 500 cases with long texts need more
# than DATA_UPLOAD_MAX_MEMORY_SIZE); larger is 413.
SAFEGUARD_API_BATCH_MAX_BYTES = int(os.environ.get("SAFEGUARD_API_BATCH_MAX_BYTES", str(16 * 1024 * 1024)))

# --- Letters (e-mail out) ------------------------------------------------------------
# The site's address as customers reach it: links in letters (tracking page, surveys).
SAFEGUARD_PUBLIC_URL = os.environ.get("SAFEGUARD_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Letters are owed only for what happened within this many days (receipt, extension, decision):
# imported history and cases logged long after receipt get none.
SAFEGUARD_LETTER_WINDOW_DAYS = int(os.environ.get("SAFEGUARD_LETTER_WINDOW_DAYS", "7"))
# Cases from these external sources (bulk imports) never get letters.
SAFEGUARD_LETTER_SKIP_SOURCES = [
    s.strip() for s in os.environ.get("SAFEGUARD_LETTER_SKIP_SOURCES", "cfpb,import").split(",") if s.strip()
]
# A failed send is tried again after 1, 3, 7, ... times this many minutes, up to this many attempts.
SAFEGUARD_LETTER_RETRY_MINUTES = int(os.environ.get("SAFEGUARD_LETTER_RETRY_MINUTES", "5"))
SAFEGUARD_LETTER_MAX_ATTEMPTS = int(os.environ.get("SAFEGUARD_LETTER_MAX_ATTEMPTS", "5"))
# The satisfaction-survey invitation goes this many hours after the decision.
SAFEGUARD_SURVEY_INVITATION_HOURS = int(os.environ.get("SAFEGUARD_SURVEY_INVITATION_HOURS", "24"))

# --- Workspace --------------------------------------------------------------------
SAFEGUARD_QUEUE_PAGE_SIZE = int(os.environ.get("SAFEGUARD_QUEUE_PAGE_SIZE", "50"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFEGUARD_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Periodic tasks enqueued by `run_worker`: (task path, every N seconds).
# --- surveys (safeguard/surveys; docs/surveys.md) ---
# The questions asked after a case and in the periodic relationship survey (csat, nps, effort).
SAFEGUARD_SURVEY_CASE_KINDS = [
    k.strip() for k in os.environ.get("SAFEGUARD_SURVEY_CASE_KINDS", "csat,effort").split(",") if k.strip()
]
SAFEGUARD_SURVEY_RELATIONSHIP_KINDS = [
    k.strip() for k in os.environ.get("SAFEGUARD_SURVEY_RELATIONSHIP_KINDS", "nps").split(",") if k.strip()
]
# A survey link works for this many days after the invitation, once.
SAFEGUARD_SURVEY_TOKEN_DAYS = int(os.environ.get("SAFEGUARD_SURVEY_TOKEN_DAYS", "30"))
# Nobody is invited to a survey (of any kind) more than once in this many days.
SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN = int(os.environ.get("SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN", "90"))
# The relationship survey: a random sample every N days (0: never; the default under tests), of
# SIZE customers, or of FRACTION (0..1) of the eligible customers when FRACTION is above 0.
SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS = int(
    os.environ.get("SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS", "0" if CONFIG.env == "test" else "30")
)
SAFEGUARD_SURVEY_RELATIONSHIP_SIZE = int(os.environ.get("SAFEGUARD_SURVEY_RELATIONSHIP_SIZE", "200"))
SAFEGUARD_SURVEY_RELATIONSHIP_FRACTION = float(os.environ.get("SAFEGUARD_SURVEY_RELATIONSHIP_FRACTION", "0"))
# Per client address on the survey page: answers sent, and pages opened.
SAFEGUARD_SURVEY_ANSWER_RATE = os.environ.get("SAFEGUARD_SURVEY_ANSWER_RATE", "20/h")
SAFEGUARD_SURVEY_VIEW_RATE = os.environ.get("SAFEGUARD_SURVEY_VIEW_RATE", "120/h")
# (end of surveys settings)

# --- service quality: KPIs, dashboard, early warning, reports (safeguard/quality; docs/quality.md) ---
# Reports: the institution's name on every report and on the public transparency page.
SAFEGUARD_REPORTS_INSTITUTION = os.environ.get("SAFEGUARD_REPORTS_INSTITUTION", "Safeguard")
SAFEGUARD_REPORTS_INSTITUTION_ZH = os.environ.get("SAFEGUARD_REPORTS_INSTITUTION_ZH", "")
# The business calendar the DISP return counts "within 3 business days" on (a deadlines Calendar code).
SAFEGUARD_REPORTS_DISP_CALENDAR = os.environ.get("SAFEGUARD_REPORTS_DISP_CALENDAR", "gb-eng")
# Public figures below this count are shown as "<N" so nobody can be identified.
SAFEGUARD_REPORTS_SMALL_CELL = int(os.environ.get("SAFEGUARD_REPORTS_SMALL_CELL", "5"))
# The public transparency page (and its PDF) is cached this long, by the server and by browsers.
SAFEGUARD_TRANSPARENCY_CACHE_SECONDS = int(os.environ.get("SAFEGUARD_TRANSPARENCY_CACHE_SECONDS", "3600"))
# The service-quality report lists this many root causes and at most this many breaches.
SAFEGUARD_REPORTS_TOP_ROOT_CAUSES = 10
SAFEGUARD_REPORTS_MAX_BREACHES = 500
# KPIs: how many customers the institution has, for "complaints per 10,000 customers" (0: count
# the customers on record, which are only those who contacted the institution).
SAFEGUARD_QUALITY_CUSTOMERS = int(os.environ.get("SAFEGUARD_QUALITY_CUSTOMERS", "0"))
# The longest period the KPI API answers for, in days (about three years).
SAFEGUARD_QUALITY_MAX_DAYS = int(os.environ.get("SAFEGUARD_QUALITY_MAX_DAYS", "1100"))
# Target evaluation looks back this many months, so a missed run or a new target catches up.
SAFEGUARD_QUALITY_EVALUATION_MONTHS = int(os.environ.get("SAFEGUARD_QUALITY_EVALUATION_MONTHS", "12"))
# The dashboard's and the API's KPI figures are kept in the cache this many seconds (0: always
# computed live); the periodic task quality.tasks.warm_figures refreshes the default views before
# they expire. Warming helps other processes only with a shared cache (SAFEGUARD_CACHE_URL).
SAFEGUARD_QUALITY_CACHE_SECONDS = int(os.environ.get("SAFEGUARD_QUALITY_CACHE_SECONDS", "300"))
# Triage (safeguard/triage, docs/triage.md): run on every new case (off in the test settings),
# abstain below this confidence, and whether the sentence-embedding stage may be used.
SAFEGUARD_TRIAGE_AUTO = os.environ.get("SAFEGUARD_TRIAGE_AUTO", "1") == "1"
SAFEGUARD_TRIAGE_THRESHOLD = float(os.environ.get("SAFEGUARD_TRIAGE_THRESHOLD", "0.5"))
SAFEGUARD_TRIAGE_ENCODER = os.environ.get("SAFEGUARD_TRIAGE_ENCODER", "auto")
# ...and for this many dashboard viewers with a narrower scope who signed in within a day.
SAFEGUARD_QUALITY_WARM_VIEWERS = int(os.environ.get("SAFEGUARD_QUALITY_WARM_VIEWERS", "5"))
# Early warning (quality/warnings; docs/quality.md "Early warning"): the CUSUM's alarm threshold
# (higher: fewer false alarms, later detection), the fewest complaints an alarm needs, how many
# cases one alert links, the days a new theme is looked for in and the smallest theme.
SAFEGUARD_WARNING_THRESHOLD = float(os.environ.get("SAFEGUARD_WARNING_THRESHOLD", "7.0"))
SAFEGUARD_WARNING_MIN_COUNT = int(os.environ.get("SAFEGUARD_WARNING_MIN_COUNT", "5"))
SAFEGUARD_WARNING_MAX_CASES = int(os.environ.get("SAFEGUARD_WARNING_MAX_CASES", "1000"))
SAFEGUARD_WARNING_THEMES = os.environ.get("SAFEGUARD_WARNING_THEMES", "1") == "1"
SAFEGUARD_WARNING_THEME_DAYS = int(os.environ.get("SAFEGUARD_WARNING_THEME_DAYS", "7"))
SAFEGUARD_WARNING_THEME_MIN_SIZE = int(os.environ.get("SAFEGUARD_WARNING_THEME_MIN_SIZE", "5"))
# (end of quality settings)

SAFEGUARD_PERIODIC_TASKS: list[tuple[str, int]] = [
    ("safeguard.cases.tasks.scan_deadlines", 60),
    ("safeguard.api.tasks.purge_idempotency_records", 3600),
    ("safeguard.intake.tasks.process_stuck_items", 60),
    ("safeguard.intake.tasks.send_due_letters", 60),
    ("safeguard.surveys.tasks.send_relationship_surveys", 3600),
    ("safeguard.quality.tasks.evaluate_targets", 3600),
    # Within SAFEGUARD_QUALITY_CACHE_SECONDS, so the dashboard's default views never go cold.
    ("safeguard.quality.tasks.warm_figures", 240),
    # Hourly; the day's WarningRun makes the early-warning scan run once a day.
    ("safeguard.quality.tasks.scan_early_warnings", 3600),
]
